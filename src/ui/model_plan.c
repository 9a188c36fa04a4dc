/*
 * model_plan.c: the plan and the open transaction as coloured lines: each
 * file the plan changes (a heading, then its unified diff with added and
 * removed lines), the commands with their purpose, the notes; what an
 * apply did (the finish screen); and what an undo would do to each file,
 * conflicts first-class (the undo screen). No curses here.
 */
#include "model.h"

#include "vfio-wizard/engine.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/strbuf.h"

#include <stdlib.h>
#include <string.h>

void
ui_model_diff(const char *diff, int indent, bool headers, struct ui_lines *out)
{
	const char *p = diff, *nl;
	enum ui_role role;

	while (p != NULL && *p != '\0') {
		size_t len;
		char *line;

		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		line = xstrndup(p, len);
		if (str_startswith(line, "--- ") ||
		    str_startswith(line, "+++ ")) {
			role = UI_ROLE_HUNK;
			if (!headers) {
				free(line);
				goto next;
			}
		} else if (str_startswith(line, "@@"))
			role = UI_ROLE_HUNK;
		else if (line[0] == '+')
			role = UI_ROLE_ADD;
		else if (line[0] == '-')
			role = UI_ROLE_DEL;
		else if (line[0] == '\\')
			role = UI_ROLE_DIM;
		else
			role = UI_ROLE_NORMAL;
		ui_lines_add(out, role, indent, "%s", line);
		free(line);
	next:
		p = nl != NULL ? nl + 1 : NULL;
	}
}

/* The heading of one file change: its path and what happens to it. */
static void
file_heading(const struct file_change *c, struct ui_lines *out)
{
	if (c->before == NULL)
		ui_lines_add(out, UI_ROLE_HUNK, 0, _("%s: new file (step %s)"),
		    c->path, c->step);
	else if (c->after == NULL)
		ui_lines_add(out, UI_ROLE_HUNK, 0, _("%s: removed (step %s)"),
		    c->path, c->step);
	else
		ui_lines_add(out, UI_ROLE_HUNK, 0, _("%s: changed (step %s)"),
		    c->path, c->step);
}

/* A command as one line: its words separated by blanks. */
static char *
command_line(const struct plan_command *c)
{
	struct strbuf sb = STRBUF_INIT;
	size_t j;

	for (j = 0; c->argv[j] != NULL; j++)
		sb_addf(&sb, "%s%s", j > 0 ? " " : "", c->argv[j]);
	return sb_detach(&sb);
}

static void
notes(const struct plan *p, struct ui_lines *out)
{
	size_t i;

	if (p->n_notes == 0)
		return;
	ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s", "");
	ui_lines_add(out, UI_ROLE_TITLE, 0, "%s", _("Notes"));
	for (i = 0; i < p->n_notes; i++)
		ui_lines_add_text(out, UI_ROLE_INFO, 0, p->notes[i].text);
}

void
ui_model_plan(const struct plan *p, struct ui_lines *out)
{
	struct strbuf d = STRBUF_INIT;
	size_t i;

	if (plan_empty(p)) {
		ui_lines_add(out, UI_ROLE_OK, 0, "%s",
		    _("Nothing to do: the host already has every change."));
		notes(p, out);
		return;
	}
	for (i = 0; i < p->n_files; i++) {
		const struct file_change *c = &p->files[i];

		if (i > 0)
			ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s", "");
		file_heading(c, out);
		sb_reset(&d);
		diff_unified(c->before, c->before_len, c->after, c->after_len,
		    "a", "b", &d);
		ui_model_diff(sb_str(&d), 2, false, out);
	}
	sb_release(&d);
	if (p->n_cmds > 0) {
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s", "");
		ui_lines_add(out, UI_ROLE_TITLE, 0, "%s",
		    _("Commands, run once each after the files are written:"));
	}
	for (i = 0; i < p->n_cmds; i++) {
		char *cmd = command_line(&p->cmds[i]);

		ui_lines_add(out, UI_ROLE_COMMAND, 2, "%s", cmd);
		if (p->cmds[i].why != NULL && *p->cmds[i].why != '\0')
			ui_lines_add(out, UI_ROLE_DIM, 4, "%s", p->cmds[i].why);
		free(cmd);
	}
	notes(p, out);
}

void
ui_model_plan_done(const struct plan *p, struct ui_lines *out)
{
	size_t i;

	for (i = 0; i < p->n_files; i++)
		ui_lines_add(out, UI_ROLE_OK, 0,
		    p->files[i].after == NULL ? _("removed %s") : _("wrote %s"),
		    p->files[i].path);
	for (i = 0; i < p->n_cmds; i++) {
		char *cmd = command_line(&p->cmds[i]);

		ui_lines_add(out, UI_ROLE_OK, 0, _("ran %s"), cmd);
		free(cmd);
	}
}

size_t
ui_model_undo(const struct engine_undo_file *f, size_t n, struct ui_lines *out)
{
	size_t i, conflicts = 0;

	for (i = 0; i < n; i++)
		conflicts += f[i].conflict;
	if (n == 0) {
		ui_lines_add(out, UI_ROLE_OK, 0, "%s",
		    _("No transaction is open: there is nothing to undo."));
		return 0;
	}
	if (conflicts > 0)
		ui_lines_add(out, UI_ROLE_FAIL, 0,
		    _("%zu file(s) changed since the wizard wrote them: undo "
		      "would stop there; put them back as the wizard wrote "
		      "them, or run 'vfio-wizard undo --force'"),
		    conflicts);
	for (i = 0; i < n; i++) {
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s", "");
		if (f[i].conflict)
			ui_lines_add(out, UI_ROLE_FAIL, 0,
			    _("%s: changed since the wizard wrote it"),
			    f[i].path);
		else if (f[i].done)
			ui_lines_add(out, UI_ROLE_OK, 0,
			    _("%s: already as it was"), f[i].path);
		else
			ui_lines_add(out, UI_ROLE_HUNK, 0,
			    _("%s: restored as it was"), f[i].path);
		if (f[i].diff != NULL)
			ui_model_diff(f[i].diff, 2, f[i].conflict, out);
	}
	return conflicts;
}
