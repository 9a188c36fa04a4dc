/*
 * model_history.c: the transactions of the journal (engine_history) as
 * the undo screen shows them: one list row each (when, where it stands,
 * what was chosen), and what one transaction did: its choices, each file
 * (created or changed, written, put back by undo) and each command with
 * how it ran, and whether undo still has anything to do. No curses here.
 */
#include "model.h"

#include "vfio-wizard/engine.h"
#include "vfio-wizard/strbuf.h"

#include <stdlib.h>
#include <string.h>

const char *
ui_history_state(const struct engine_tx_summary *s)
{
	switch (s->state) {
	case ENGINE_HIST_UNREADABLE:
		return _("unreadable");
	case ENGINE_HIST_INTERRUPTED:
		return _("interrupted");
	case ENGINE_HIST_APPLIED:
		return _("applied");
	case ENGINE_HIST_REBOOT:
		return _("reboot pending");
	case ENGINE_HIST_VERIFIED:
		return _("verified");
	case ENGINE_HIST_FAILED:
		return _("failed after the reboot");
	case ENGINE_HIST_UNDONE:
		return _("undone");
	}
	return "";
}

enum ui_role
ui_history_role(const struct engine_tx_summary *s)
{
	switch (s->state) {
	case ENGINE_HIST_UNREADABLE:
	case ENGINE_HIST_FAILED:
		return UI_ROLE_FAIL;
	case ENGINE_HIST_INTERRUPTED:
	case ENGINE_HIST_REBOOT:
		return UI_ROLE_WARN;
	case ENGINE_HIST_APPLIED:
	case ENGINE_HIST_VERIFIED:
		return UI_ROLE_OK;
	case ENGINE_HIST_UNDONE:
		return UI_ROLE_INFO;
	}
	return UI_ROLE_NORMAL;
}

/* "2025-01-01T08:00:00Z" as "2025-01-01 08:00" (seconds too with full). */
static char *
short_time(const char *iso, bool full)
{
	char *t;

	if (iso == NULL)
		return xstrdup("?");
	t = xstrdup(iso);
	if (strlen(t) >= 19 && t[10] == 'T') {
		t[10] = ' ';
		t[full ? 19 : 16] = '\0';
	}
	return t;
}

/* The value of a "key=value" choice, or NULL. */
static const char *
choice_value(const char *item, const char *key)
{
	size_t len = strlen(key);

	if (strncmp(item, key, len) == 0 && item[len] == '=')
		return item + len + 1;
	return NULL;
}

char *
ui_history_choices(const struct engine_tx_summary *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *v, *mode = NULL, *vm = NULL, *mdev = NULL;
	size_t i;

	for (i = 0; s->choices != NULL && s->choices[i] != NULL; i++) {
		const char *c = s->choices[i];

		if ((v = choice_value(c, "device")) != NULL) {
			/* the usual domain 0000 left out, as lspci does */
			if (strncmp(v, "0000:", 5) == 0 && strlen(v) > 5)
				v += 5;
			sb_addf(&sb, "%s%s", sb.len > 0 ? " " : "", v);
		} else if ((v = choice_value(c, "mode")) != NULL)
			mode = v;
		else if ((v = choice_value(c, "vm")) != NULL)
			vm = v;
		else if ((v = choice_value(c, "mdev")) != NULL)
			mdev = v;
	}
	if (mode != NULL)
		sb_addf(&sb, "%s%s", sb.len > 0 ? " " : "", mode);
	if (mdev != NULL)
		sb_addf(&sb, "%s%s", sb.len > 0 ? " " : "", mdev);
	if (vm != NULL && strcmp(vm, "none") != 0) {
		if (sb.len > 0)
			sb_adds(&sb, " ");
		sb_addf(&sb, _("VM %s"), vm);
	}
	if (sb.len == 0) {
		sb_release(&sb);
		return xstrdup(_("no choices recorded"));
	}
	return sb_detach(&sb);
}

/* The state as the list shows it: "open: ..." for the open one. */
static char *
row_state(const struct engine_tx_summary *s)
{
	return s->open ? xasprintf(_("open: %s"), ui_history_state(s))
		       : xstrdup(ui_history_state(s));
}

void
ui_model_history(
    const struct engine_tx_summary *v, size_t n, struct ui_lines *out)
{
	int width = 0, sw;
	size_t i;

	if (n == 0) {
		ui_lines_add(out, UI_ROLE_OK, 0, "%s",
		    _("No transactions: vfio-wizard has changed nothing on "
		      "this host."));
		return;
	}
	/* the states in one column */
	for (i = 0; i < n; i++) {
		char *st = row_state(&v[i]);

		if (v[i].state != ENGINE_HIST_UNREADABLE &&
		    (sw = ui_text_width(st)) > width)
			width = sw;
		free(st);
	}
	for (i = 0; i < n; i++) {
		const struct engine_tx_summary *s = &v[i];
		char *when, *what, *state;

		if (s->state == ENGINE_HIST_UNREADABLE) {
			ui_lines_add(out, UI_ROLE_FAIL, 0, _("%s  unreadable"),
			    s->source);
			continue;
		}
		when = short_time(s->begun, false);
		what = ui_history_choices(s);
		state = row_state(s);
		sw = ui_text_width(state);
		ui_lines_add(out, ui_history_role(s), 0, "%s  %s%*s  %s", when,
		    state, width > sw ? width - sw : 0, "", what);
		free(when);
		free(what);
		free(state);
	}
}

/* What became of one file, in a few words. */
static const char *
file_state(const struct engine_tx_file *f)
{
	if (f->restored)
		return f->created ? _("created, removed again by undo")
				  : _("changed, put back by undo");
	if (f->written)
		return f->created ? _("created") : _("changed");
	return _("planned, not written");
}

/* Whether undo has nothing left to do, and the line that says why. */
static void
undo_verdict(const struct engine_tx_summary *s, struct ui_lines *out)
{
	size_t i, written = 0;

	for (i = 0; i < s->n_files; i++)
		written += s->files[i].written && !s->files[i].restored;
	if (s->state == ENGINE_HIST_UNDONE)
		ui_lines_add(out, UI_ROLE_INFO, 0, "%s",
		    _("Already undone: every file is back as it was."));
	else if (s->open)
		ui_lines_add(out, UI_ROLE_HINT, 0, "%s",
		    _("This transaction is open: Enter shows what undo would "
		      "put back."));
	else if (written == 0)
		ui_lines_add(out, UI_ROLE_INFO, 0, "%s",
		    _("Nothing to undo: it ended before it changed a file."));
	else
		ui_lines_add(out, UI_ROLE_WARN, 0, "%s",
		    _("Archived without an undo: the wizard no longer acts "
		      "on it."));
}

void
ui_model_history_detail(const struct engine_tx_summary *s, struct ui_lines *out)
{
	struct strbuf sb = STRBUF_INIT;
	char *t;
	size_t i, k;

	if (s->state == ENGINE_HIST_UNREADABLE) {
		ui_lines_add(out, UI_ROLE_TITLE, 0, "%s", s->source);
		ui_lines_add(out, UI_ROLE_FAIL, 0, _("cannot be read: %s"),
		    s->cause != NULL ? s->cause : "");
		ui_lines_add(out, UI_ROLE_HINT, 0, "%s",
		    _("vfio-wizard does not act on a journal it cannot "
		      "trust: inspect the file, move it aside if it is "
		      "not needed."));
		return;
	}
	ui_lines_add(out, UI_ROLE_TITLE, 0, _("Transaction %s"), s->txid);
	t = short_time(s->begun, true);
	ui_lines_add(out, UI_ROLE_NORMAL, 2, _("begun %s UTC"), t);
	free(t);
	if (s->undone != NULL) {
		t = short_time(s->undone, true);
		ui_lines_add(out, UI_ROLE_NORMAL, 2, _("undone %s UTC"), t);
		free(t);
	}
	ui_lines_add(
	    out, UI_ROLE_NORMAL, 2, _("state: %s"), ui_history_state(s));
	ui_lines_add(out, UI_ROLE_DIM, 2, _("journal: %s"), s->source);
	if (s->torn)
		ui_lines_add(out, UI_ROLE_DIM, 2, "%s",
		    _("its last record was cut off by an interruption and is "
		      "ignored"));
	undo_verdict(s, out);

	ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s", "");
	ui_lines_add(out, UI_ROLE_TITLE, 0, "%s", _("Choices"));
	if (s->choices[0] == NULL)
		ui_lines_add(out, UI_ROLE_DIM, 2, "%s", _("none recorded"));
	for (i = 0; s->choices[i] != NULL; i++) {
		if (strncmp(s->choices[i], "confirm=", 8) == 0)
			ui_lines_add(out, UI_ROLE_WARN, 2,
			    _("critical-device guard lifted by the typed "
			      "confirmation '%s'"),
			    s->choices[i] + 8);
		else
			ui_lines_add(
			    out, UI_ROLE_NORMAL, 2, "%s", s->choices[i]);
	}

	ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s", "");
	ui_lines_add(out, UI_ROLE_TITLE, 0, "%s", _("Files"));
	if (s->n_files == 0)
		ui_lines_add(out, UI_ROLE_DIM, 2, "%s", _("none"));
	for (i = 0; i < s->n_files; i++) {
		const struct engine_tx_file *f = &s->files[i];

		ui_lines_add(out,
		    f->restored	 ? UI_ROLE_OK
		    : f->written ? UI_ROLE_NORMAL
				 : UI_ROLE_DIM,
		    2, _("%s: %s (step %s)"), f->path, file_state(f),
		    f->step != NULL ? f->step : "?");
	}

	ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s", "");
	ui_lines_add(out, UI_ROLE_TITLE, 0, "%s", _("Commands"));
	if (s->n_cmds == 0)
		ui_lines_add(out, UI_ROLE_DIM, 2, "%s", _("none"));
	for (i = 0; i < s->n_cmds; i++) {
		const struct engine_tx_command *c = &s->cmds[i];

		sb_reset(&sb);
		for (k = 0; c->argv[k] != NULL; k++)
			sb_addf(&sb, "%s%s", k > 0 ? " " : "", c->argv[k]);
		ui_lines_add(out, UI_ROLE_COMMAND, 2, "%s", sb_str(&sb));
		if (c->runs == 0)
			ui_lines_add(out, UI_ROLE_DIM, 4, "%s", _("not run"));
		else
			ui_lines_add(out,
			    c->last_status == 0 ? UI_ROLE_DIM : UI_ROLE_WARN, 4,
			    _("ran %d time(s), last exit status %d"), c->runs,
			    c->last_status);
	}
	sb_release(&sb);
}
