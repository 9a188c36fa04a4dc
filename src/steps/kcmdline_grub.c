/*
 * kcmdline_grub.c: the kernel command line on a GRUB host (passthrough-facts
 * section 5). grub-mkconfig sources /etc/default/grub and then every
 * /etc/default/grub.d/ *.cfg; the wizard owns the drop-in
 * /etc/default/grub.d/vfio-wizard.cfg, which appends exactly the wanted
 * parameters the other files do not give. Conflicting tokens are removed in
 * the file and assignment they come from. Where a later file sets
 * GRUB_CMDLINE_LINUX_DEFAULT without keeping its value, the drop-in would
 * not count, so the parameters are appended to that assignment instead.
 * Every outcome is proved by evaluating the files again with the codec.
 */
#include "vfio-wizard/grub_default.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "kcmdline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_VAR "GRUB_CMDLINE_LINUX_DEFAULT"

/* The GRUB files being planned: names, current and new texts. */
struct gfiles {
	char **names;
	char **texts; /* as they are now (the plan's pending text included) */
	char **edits; /* as the plan leaves them */
	size_t n;
};

static void
gfiles_free(struct gfiles *g)
{
	strv_free(g->names, g->n);
	strv_free(g->texts, g->n);
	strv_free(g->edits, g->n);
	memset(g, 0, sizeof *g);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file's text: the plan's view when there is a plan, else the disk's. */
static int
read_text(struct plan *p, const struct root *r, const char *path, char **out,
    bool *exists, char **cause)
{
	const char *text;
	char *owned = NULL;
	size_t len;
	int err;

	*out = NULL;
	if (p != NULL) {
		err = plan_current(
		    p, r, path, &text, &len, exists, &owned, cause);
		if (err < 0)
			return err;
		if (*exists)
			*out = xstrndup(text, len);
		free(owned);
	} else {
		err = root_read(r, path, out, &len);
		*exists = err == 0;
		if (err == -ENOENT)
			return 0;
		if (err < 0) {
			*cause = xasprintf(
			    "cannot read '%s': %s", path, strerror(-err));
			return err;
		}
	}
	if (*out != NULL && strlen(*out) != len) {
		*cause = xasprintf("'%s' contains a NUL byte", path);
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

/* The *.cfg names sh's glob would give: on disk, or pending in the plan. */
static void
grub_d_names(struct plan *p, const struct root *r, char ***names, size_t *n)
{
	size_t i, len;
	char **ents = NULL;
	size_t n_ents = 0;

	*names = NULL;
	*n = 0;
	if (root_listdir(r, KCMD_GRUB_D, &ents, &n_ents) == 0) {
		for (i = 0; i < n_ents; i++)
			ARRAY_PUSH(*names, *n,
			    xasprintf("%s/%s", KCMD_GRUB_D, ents[i]));
		strv_free(ents, n_ents);
	}
	for (i = 0; p != NULL && i < p->n_files; i++) {
		const char *path = p->files[i].path;

		if (str_startswith(path, KCMD_GRUB_D "/") &&
		    strchr(path + strlen(KCMD_GRUB_D "/"), '/') == NULL &&
		    !strv_has(*names, *n, path))
			ARRAY_PUSH(*names, *n, xstrdup(path));
	}
	if (*n > 0)
		qsort(*names, *n, sizeof **names, cmp_str);
	/* `*.cfg` matches no hidden name */
	for (i = 0; i < *n; i++) {
		const char *base = (*names)[i] + strlen(KCMD_GRUB_D "/");

		len = strlen(base);
		if (base[0] == '.' || len < 5 ||
		    strcmp(base + len - 4, ".cfg") != 0) {
			free((*names)[i]);
			(*names)[i] = NULL;
		}
	}
}

int
kcmd_grub_files(struct plan *p, const struct root *r, const char *skip,
    char ***names, char ***texts, size_t *n, char **cause)
{
	char **cands, *text;
	size_t n_cands, i, m = 0;
	bool exists;
	int err;

	*names = *texts = NULL;
	*n = 0;
	err = read_text(p, r, KCMD_GRUB, &text, &exists, cause);
	if (err < 0)
		return err;
	if (exists) {
		ARRAY_PUSH(*names, m, xstrdup(KCMD_GRUB));
		ARRAY_PUSH(*texts, *n, text);
	}
	grub_d_names(p, r, &cands, &n_cands);
	for (i = 0; i < n_cands && err == 0; i++) {
		struct stat st;

		if (cands[i] == NULL ||
		    (skip != NULL && strcmp(cands[i], skip) == 0))
			continue;
		/* sh's `[ -e ]` then `.`: a regular file (links followed) */
		if (root_stat(r, cands[i], &st, true) == 0 &&
		    !S_ISREG(st.st_mode))
			continue;
		err = read_text(p, r, cands[i], &text, &exists, cause);
		if (err == 0 && exists) {
			m = *n;
			ARRAY_PUSH(*names, m, xstrdup(cands[i]));
			ARRAY_PUSH(*texts, *n, text);
		}
	}
	for (i = 0; i < n_cands; i++)
		free(cands[i]);
	free(cands);
	if (err < 0) {
		strv_free(*names, *n);
		strv_free(*texts, *n);
		*names = *texts = NULL;
		*n = 0;
	}
	return err;
}

int
kcmd_grub_dropin(const char *const *tokens, size_t n, char **out, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if ((err = kcmd_token_check(tokens[i], cause)) < 0)
			return err;
	}
	sb_adds(&sb, "# Kernel parameters for PCI passthrough, written by "
		     "vfio-wizard.\n"
		     "# 'vfio-wizard undo' removes this file; run update-grub "
		     "after editing it.\n");
	sb_adds(&sb, DEFAULT_VAR "=\"$" DEFAULT_VAR);
	for (i = 0; i < n; i++)
		sb_addf(&sb, " %s", tokens[i]);
	sb_adds(&sb, "\"\n");
	*out = sb_detach(&sb);
	return 0;
}

/* The command line the codec computes from the files (plus an extra one). */
static int
eval_line(const struct gfiles *g, bool edited, const char *extra_name,
    const char *extra_text, char **line, char **cause)
{
	const char **names = xcalloc(g->n + 1, sizeof *names);
	const char **texts = xcalloc(g->n + 1, sizeof *texts);
	struct grub_env env = GRUB_ENV_INIT;
	size_t i, m = 0;
	bool placed = extra_name == NULL;
	int err;

	for (i = 0; i < g->n; i++) {
		if (!placed && strcmp(extra_name, g->names[i]) < 0 &&
		    strcmp(g->names[i], KCMD_GRUB) != 0) {
			names[m] = extra_name;
			texts[m++] = extra_text;
			placed = true;
		}
		names[m] = g->names[i];
		texts[m++] = edited ? g->edits[i] : g->texts[i];
	}
	if (!placed) {
		names[m] = extra_name;
		texts[m++] = extra_text;
	}
	err = grub_default_eval(names, texts, m, &env, cause);
	if (err == 0)
		err = grub_default_cmdline(&env, line, cause);
	grub_env_free(&env);
	free(names);
	free(texts);
	return err;
}

static unsigned
line_of(const char *text, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off && text[i] != '\0'; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/* One deletion in one file. */
struct cut {
	int file;
	size_t start, end;
};

static int
cmp_cut(const void *a, const void *b)
{
	const struct cut *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Delete the cuts from the edited texts (overlapping ones merged). */
static void
apply_cuts(struct gfiles *g, struct cut *cuts, size_t n)
{
	size_t i, j;

	if (n == 0)
		return;
	qsort(cuts, n, sizeof *cuts, cmp_cut);
	for (i = n; i > 0; i--) {
		struct cut *c = &cuts[i - 1];
		char *t;

		/* merge into the previous cut of the same file if they meet */
		if (i > 1 && cuts[i - 2].file == c->file &&
		    cuts[i - 2].end >= c->start) {
			if (c->end > cuts[i - 2].end)
				cuts[i - 2].end = c->end;
			continue;
		}
		t = g->edits[c->file];
		j = strlen(t);
		memmove(t + c->start, t + c->end, j - c->end + 1);
	}
}

/*
 * Remove every conflicting token of line at its source (cuts in the edited
 * texts), with a note each. -EINVAL, translated *cause, when one cannot be.
 */
static int
remove_conflicts(const struct kcmd_want *w, struct gfiles *g, const char *line,
    char ***notes, size_t *n_notes, char **cause)
{
	struct cmdline *cl = cmdline_parse(line);
	struct kgrub_trace tr;
	struct cut *cuts = NULL;
	size_t n_cuts = 0, i, off = 0;
	bool traced = false;
	int err = 0;

	memset(&tr, 0, sizeof tr);
	for (i = 0; i < cl->n_tokens && err == 0; i++) {
		const struct cmdline_token *t = &cl->tokens[i];
		size_t s = off + strlen(t->space), e = s + strlen(t->raw);
		const char *why;
		struct cut c;

		off = e;
		if (!kcmd_conflicts(w, t, &why))
			continue;
		if (!traced) {
			char *ignored = NULL;

			/* the origins, only where both readings agree */
			traced = true;
			if (kgrub_trace((const char *const *)g->names,
				(const char *const *)g->texts, g->n, &tr,
				&ignored) < 0 ||
			    strcmp(tr.line, line) != 0)
				kgrub_trace_free(&tr);
			free(ignored);
		}
		if (tr.line == NULL ||
		    !kgrub_source_span(&tr, s, e, &c.file, &c.start, &c.end)) {
			*cause = xasprintf(
			    _("%s in the GRUB settings undoes passthrough "
			      "(%s), but where it comes from cannot be edited "
			      "safely: remove it by hand"),
			    t->raw, why);
			err = -EINVAL;
			break;
		}
		ARRAY_PUSH(*notes, *n_notes,
		    xasprintf(_("%s:%u: %s is removed (%s)"), g->names[c.file],
			line_of(g->texts[c.file], c.start), t->raw, why));
		ARRAY_PUSH(cuts, n_cuts, c);
	}
	if (err == 0)
		apply_cuts(g, cuts, n_cuts);
	free(cuts);
	kgrub_trace_free(&tr);
	cmdline_free(cl);
	return err;
}

/* Append tokens to the last assignment of GRUB_CMDLINE_LINUX_DEFAULT. */
static int
edit_in_place(struct gfiles *g, const char *const *toks, size_t n, int *where,
    char **cause)
{
	const struct grub_assign *last = NULL;
	struct grub_default **gds = xcalloc(g->n, sizeof *gds);
	size_t i, j;
	char *next, *why = NULL;
	int err = 0, file = -1;

	for (i = 0; i < g->n && err == 0; i++) {
		err =
		    grub_default_parse(g->names[i], g->edits[i], &gds[i], &why);
		for (j = 0; err == 0 && j < gds[i]->n_assigns; j++) {
			if (strcmp(gds[i]->assigns[j].name, DEFAULT_VAR) == 0) {
				last = &gds[i]->assigns[j];
				file = (int)i;
			}
		}
	}
	if (err == 0 && last == NULL) {
		why = xstrdup("no file sets " DEFAULT_VAR);
		err = -EINVAL;
	}
	if (err == 0)
		err = kgrub_append(g->edits[file], last->value_start, last->end,
		    toks, n, &next, &why);
	if (err == 0) {
		free(g->edits[file]);
		g->edits[file] = next;
		*where = file;
	} else {
		*cause = xasprintf(_("the parameters cannot be added to %s "
				     "(%s): add them by hand"),
		    file >= 0 ? g->names[file] : KCMD_GRUB, why);
	}
	for (i = 0; i < g->n; i++)
		grub_default_free(gds[i]);
	free(gds);
	free(why);
	return err;
}

/* Hand the planned texts to the plan; *changed when a byte differs. */
static int
commit(const struct gfiles *g, const char *dropin, bool dropin_exists,
    const char *dropin_now, const struct root *r, struct plan *p, bool *changed,
    char **cause)
{
	size_t i;
	int err = 0;

	for (i = 0; i < g->n && err == 0; i++) {
		if (strcmp(g->texts[i], g->edits[i]) == 0)
			continue;
		*changed = true;
		err = plan_set(p, r, g->names[i], g->edits[i],
		    strlen(g->edits[i]), 0644, KCMD_STEP, cause);
	}
	if (err == 0 &&
	    (dropin == NULL
		    ? dropin_exists
		    : !dropin_exists || strcmp(dropin, dropin_now) != 0)) {
		*changed = true;
		err = plan_set(p, r, KCMD_DROPIN, dropin,
		    dropin != NULL ? strlen(dropin) : 0, 0644, KCMD_STEP,
		    cause);
	}
	return err;
}

/* Wrap a codec refusal into the step's message. */
static int
unreadable(int err, char **cause)
{
	char *inner = *cause;

	*cause = xasprintf(_("the GRUB settings cannot be read safely (%s): "
			     "change the kernel command line by hand"),
	    inner != NULL ? inner : "?");
	free(inner);
	return err;
}

int
kcmd_grub_plan(const struct kcmd_want *w, const struct root *r, struct plan *p,
    bool *changed, char **cause)
{
	struct gfiles g;
	char *line = NULL, *dropin = NULL, *now = NULL;
	const char **missing = NULL;
	char **notes = NULL;
	size_t n_missing, i, n_notes = 0;
	struct strbuf why = STRBUF_INIT;
	bool dropin_exists;
	int err, where = -1;

	*changed = false;
	memset(&g, 0, sizeof g);
	err = read_text(p, r, KCMD_DROPIN, &now, &dropin_exists, cause);
	if (err == 0)
		err = kcmd_grub_files(
		    p, r, KCMD_DROPIN, &g.names, &g.texts, &g.n, cause);
	if (err < 0) {
		free(now);
		return unreadable(err, cause);
	}
	g.edits = xcalloc(g.n + 1, sizeof *g.edits);
	for (i = 0; i < g.n; i++)
		g.edits[i] = xstrdup(g.texts[i]);

	/* without the drop-in: what the other files give */
	if ((err = eval_line(&g, false, NULL, NULL, &line, cause)) < 0) {
		err = unreadable(err, cause);
		goto out;
	}
	if ((err = remove_conflicts(w, &g, line, &notes, &n_notes, cause)) < 0)
		goto out;
	free(line);
	line = NULL;
	if ((err = eval_line(&g, true, NULL, NULL, &line, cause)) < 0) {
		err = unreadable(err, cause);
		goto out;
	}
	n_missing = kcmd_missing(w, line, &missing);
	if (n_missing > 0) {
		err = kcmd_grub_dropin(missing, n_missing, &dropin, cause);
		if (err < 0)
			goto out;
		free(line);
		line = NULL;
		err = eval_line(&g, true, KCMD_DROPIN, dropin, &line, cause);
		if (err < 0) {
			err = unreadable(err, cause);
			goto out;
		}
		if (!kcmd_line_ok(w, line, &why)) {
			/* a later file drops the drop-in's value */
			free(dropin);
			dropin = NULL;
			err = edit_in_place(
			    &g, missing, n_missing, &where, cause);
			if (err < 0)
				goto out;
			ARRAY_PUSH(notes, n_notes,
			    xasprintf(_("%s sets %s without keeping its "
					"earlier value, so a drop-in would not "
					"count: the parameters are added "
					"there"),
				g.names[where], DEFAULT_VAR));
		}
	}
	/* prove the outcome with the codec */
	free(line);
	line = NULL;
	sb_reset(&why);
	err = eval_line(&g, true, dropin != NULL ? KCMD_DROPIN : NULL, dropin,
	    &line, cause);
	if (err < 0) {
		err = unreadable(err, cause);
		goto out;
	}
	if (!kcmd_line_ok(w, line, &why)) {
		*cause = xasprintf(_("the GRUB settings would still not give "
				     "the kernel the parameters (%s): change "
				     "them by hand"),
		    sb_str(&why));
		err = -EINVAL;
		goto out;
	}
	err = commit(&g, dropin, dropin_exists, now, r, p, changed, cause);
	for (i = 0; err == 0 && i < n_notes; i++)
		plan_note(p, KCMD_STEP, "%s", notes[i]);
out:
	strv_free(notes, n_notes);
	sb_release(&why);
	free(missing);
	free(line);
	free(dropin);
	free(now);
	gfiles_free(&g);
	return err;
}
