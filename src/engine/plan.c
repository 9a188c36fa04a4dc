/*
 * plan.c: the plan a step edits and the engine carries out. Steps ask for a
 * file's current text and hand back its new text; the plan remembers the
 * original bytes and metadata once, merges several steps' changes to one
 * file into one change, drops a change that comes back to the bytes on
 * disk, and keeps each command once.
 */
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void
free_change(struct file_change *c)
{
	free(c->path);
	free(c->before);
	free(c->after);
	free(c->step);
}

void
plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n_files; i++)
		free_change(&p->files[i]);
	free(p->files);
	for (i = 0; i < p->n_cmds; i++) {
		strv_free(p->cmds[i].argv, (size_t)-1);
		free(p->cmds[i].step);
		free(p->cmds[i].why);
	}
	free(p->cmds);
	for (i = 0; i < p->n_notes; i++) {
		free(p->notes[i].step);
		free(p->notes[i].text);
	}
	free(p->notes);
	memset(p, 0, sizeof *p);
}

static struct file_change *
find_change(struct plan *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n_files; i++) {
		if (strcmp(p->files[i].path, path) == 0)
			return &p->files[i];
	}
	return NULL;
}

int
plan_current(struct plan *p, const struct root *r, const char *path,
    const char **text, size_t *len, bool *exists, char **owned, char **cause)
{
	struct file_change *c = find_change(p, path);
	struct file_meta meta;
	char *data = NULL;
	size_t n = 0;
	int err;

	*owned = NULL;
	if (c != NULL) {
		*text = c->after;
		*len = c->after_len;
		*exists = c->after != NULL;
		return 0;
	}
	err = fsio_read(r, path, &data, &n, &meta, cause);
	if (err < 0)
		return err;
	*owned = data;
	*text = data;
	*len = n;
	*exists = meta.exists;
	return 0;
}

static bool
same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	if ((a == NULL) != (b == NULL))
		return false;
	return a == NULL || (alen == blen && memcmp(a, b, alen) == 0);
}

int
plan_set(struct plan *p, const struct root *r, const char *path,
    const char *after, size_t len, mode_t new_mode, const char *step,
    char **cause)
{
	struct file_change *c = find_change(p, path);
	struct file_change fresh;
	int err;

	if (c == NULL) {
		memset(&fresh, 0, sizeof fresh);
		err = fsio_read(r, path, &fresh.before, &fresh.before_len,
		    &fresh.before_meta, cause);
		if (err < 0)
			return err;
		if (!fresh.before_meta.exists) {
			free(fresh.before);
			fresh.before = NULL;
			fresh.before_len = 0;
		}
		fresh.path = xstrdup(path);
		ARRAY_PUSH(p->files, p->n_files, fresh);
		c = &p->files[p->n_files - 1];
	}
	free(c->after);
	c->after = after != NULL ? xmalloc(len + 1) : NULL;
	if (after != NULL) {
		memcpy(c->after, after, len);
		c->after[len] = '\0';
	}
	c->after_len = after != NULL ? len : 0;
	c->new_mode = new_mode;
	free(c->step);
	c->step = xstrdup(step);
	if (same_bytes(c->before, c->before_len, c->after, c->after_len)) {
		size_t i = (size_t)(c - p->files);

		free_change(c);
		memmove(&p->files[i], &p->files[i + 1],
		    (p->n_files - i - 1) * sizeof *p->files);
		p->n_files--;
	}
	return 0;
}

static bool
same_argv(char **a, const char *const *b)
{
	size_t i;

	for (i = 0; a[i] != NULL && b[i] != NULL; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return false;
	}
	return a[i] == NULL && b[i] == NULL;
}

void
plan_command(
    struct plan *p, const char *step, const char *why, const char *const *argv)
{
	struct plan_command c;
	size_t i, n = 0;

	for (i = 0; i < p->n_cmds; i++) {
		if (same_argv(p->cmds[i].argv, argv))
			return;
	}
	while (argv[n] != NULL)
		n++;
	c.argv = xcalloc(n + 1, sizeof *c.argv);
	for (i = 0; i < n; i++)
		c.argv[i] = xstrdup(argv[i]);
	c.step = xstrdup(step);
	c.why = xstrdup(why != NULL ? why : "");
	ARRAY_PUSH(p->cmds, p->n_cmds, c);
}

bool
plan_empty(const struct plan *p)
{
	return p->n_files == 0 && p->n_cmds == 0;
}

void
plan_note(struct plan *p, const char *step, const char *fmt, ...)
{
	struct plan_note n;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	n.text = xvasprintf(fmt, ap);
	va_end(ap);
	for (i = 0; i < p->n_notes; i++) {
		if (strcmp(p->notes[i].text, n.text) == 0) {
			free(n.text);
			return;
		}
	}
	n.step = xstrdup(step);
	ARRAY_PUSH(p->notes, p->n_notes, n);
}

static void
render_notes(const struct plan *p, struct strbuf *out)
{
	size_t i;

	if (p->n_notes == 0)
		return;
	sb_addf(out, "\n%s\n", _("Notes:"));
	for (i = 0; i < p->n_notes; i++)
		sb_addf(out, "  - %s\n", p->notes[i].text);
}

void
plan_render(const struct plan *p, struct strbuf *out)
{
	size_t i, j;

	if (plan_empty(p)) {
		sb_addf(out, "%s\n",
		    _("Nothing to do: the host already has "
		      "every change."));
		render_notes(p, out);
		return;
	}
	for (i = 0; i < p->n_files; i++) {
		const struct file_change *c = &p->files[i];
		char *la = c->before != NULL ? xasprintf("a%s", c->path)
					     : xstrdup("/dev/null");
		char *lb = c->after != NULL ? xasprintf("b%s", c->path)
					    : xstrdup("/dev/null");

		diff_unified(c->before, c->before_len, c->after, c->after_len,
		    la, lb, out);
		free(la);
		free(lb);
	}
	if (p->n_cmds == 0) {
		render_notes(p, out);
		return;
	}
	sb_addf(out, "\n%s\n",
	    _("Commands, run once each after the files "
	      "are written:"));
	for (i = 0; i < p->n_cmds; i++) {
		sb_adds(out, "  ");
		for (j = 0; p->cmds[i].argv[j] != NULL; j++)
			sb_addf(
			    out, "%s%s", j > 0 ? " " : "", p->cmds[i].argv[j]);
		if (*p->cmds[i].why != '\0')
			sb_addf(out, "    # %s", p->cmds[i].why);
		sb_addc(out, '\n');
	}
	render_notes(p, out);
}
