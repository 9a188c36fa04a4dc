/*
 * history.c: engine_history lists every transaction the journal knows,
 * read-only: the open one (journal.yaml) and the archived ones
 * (history/<txid>.yaml, moved there by journal_archive when an undo
 * finished or an apply was started over), each with its choices, where
 * it ended up, the files it planned (written, restored) and the commands
 * it ran. A file that cannot be read or trusted is listed with its cause;
 * it does not hide the others.
 */
#include "engine_priv.h"
#include "journal_priv.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Where the transaction t ended up (as status and engine_tx_state say). */
static enum engine_hist_state
hist_state(const struct txstate *t)
{
	if (t->undone)
		return ENGINE_HIST_UNDONE;
	if (t->undo_started || !t->applied)
		return ENGINE_HIST_INTERRUPTED;
	if (t->reboot != NULL && t->n_after_reboot > 0 &&
	    !t->verified_after_reboot)
		return ENGINE_HIST_FAILED;
	if (t->reboot != NULL && !t->verified_after_reboot)
		return ENGINE_HIST_REBOOT;
	if (t->reboot != NULL)
		return ENGINE_HIST_VERIFIED;
	return ENGINE_HIST_APPLIED;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* A copy of a NULL-terminated vector (an empty one for NULL). */
static char **
strv_copy(char *const *v)
{
	char **out = NULL;
	size_t n = 0, i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		ARRAY_PUSH(out, n, xstrdup(v[i]));
	ARRAY_PUSH(out, n, NULL);
	return out;
}

/* Fill s from the folded transaction t. */
static void
summarise(const struct txstate *t, struct engine_tx_summary *s)
{
	const struct jrec *undone = NULL;
	size_t i;

	s->state = hist_state(t);
	s->torn = t->tail == JOURNAL_TORN;
	s->txid = xstrdup(t->begin->txid);
	s->begun = dup_or_null(t->begin->time);
	for (i = 0; i < t->n_recs; i++)
		if (t->recs[i].type == JR_UNDONE)
			undone = &t->recs[i];
	s->undone = undone != NULL ? dup_or_null(undone->time) : NULL;
	s->choices = strv_copy(t->begin->choices);
	if (t->n_files > 0)
		s->files = xcalloc(t->n_files, sizeof *s->files);
	for (i = 0; i < t->n_files; i++) {
		const struct tx_file *f = &t->files[i];
		struct engine_tx_file *o = &s->files[i];

		o->path = xstrdup(f->plan->path);
		o->step = dup_or_null(f->plan->step);
		o->created = f->backup != NULL && !f->backup->meta.exists;
		o->written = f->written;
		o->restored = f->restored;
	}
	s->n_files = t->n_files;
	if (t->n_cmds > 0)
		s->cmds = xcalloc(t->n_cmds, sizeof *s->cmds);
	for (i = 0; i < t->n_cmds; i++) {
		s->cmds[i].argv = strv_copy(t->cmds[i].plan->argv);
		s->cmds[i].step = dup_or_null(t->cmds[i].plan->step);
		s->cmds[i].runs = t->cmds[i].done;
		s->cmds[i].last_status = t->cmds[i].last_status;
	}
	s->n_cmds = t->n_cmds;
}

/* An entry that could not be read: the file and why. */
static void
unreadable(struct engine_tx_summary *s, int err, char *why)
{
	s->state = ENGINE_HIST_UNREADABLE;
	s->choices = strv_copy(NULL);
	s->cause = why != NULL ? why : xstrdup(strerror(-err));
}

/* The records of an archived journal, read through the root. */
static int
read_archive(const struct root *r, const char *path, struct jrec **recs,
    size_t *n, enum journal_tail *tail, char **why)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int err;

	if ((err = root_stat(r, path, &st, false)) < 0) {
		*why = xasprintf("cannot stat '%s': %s", path, strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = xasprintf("'%s' is not a plain file", path);
		return -EPERM;
	}
	if ((err = root_read(r, path, &buf, &len)) < 0) {
		*why = xasprintf("cannot read '%s': %s", path, strerror(-err));
		return err;
	}
	err = journal_parse(buf, len, recs, n, tail, why);
	free(buf);
	return err;
}

/*
 * One archived transaction into s; false when the file holds no record
 * at all (nothing to list).
 */
static bool
load_archive(
    const struct root *r, const char *name, struct engine_tx_summary *s)
{
	struct jrec *recs = NULL;
	enum journal_tail tail = JOURNAL_CLEAN;
	struct txstate t;
	size_t n = 0;
	char *why = NULL;
	int err;

	memset(s, 0, sizeof *s);
	s->source = xasprintf("%s/%s", JOURNAL_HISTORY, name);
	err = read_archive(r, s->source, &recs, &n, &tail, &why);
	if (err == 0 && n == 0 && tail == JOURNAL_CLEAN) {
		free(s->source);
		return false;
	}
	if (err == 0 && n == 0)
		why = xasprintf("'%s' holds no whole record", s->source);
	if (err == 0 && n == 0)
		err = -EBADMSG;
	else if (err == 0)
		err = txstate_from(&t, recs, n, tail, &why);
	if (err < 0) {
		if (why != NULL && strstr(why, s->source) == NULL) {
			char *w = xasprintf("'%s': %s", s->source, why);

			free(why);
			why = w;
		}
		unreadable(s, err, why);
		return true;
	}
	summarise(&t, s);
	txstate_free(&t);
	return true;
}

/* The open transaction into s; false when there is none. */
static bool
load_open(const struct root *r, struct engine_tx_summary *s)
{
	struct txstate t;
	bool exists = false;
	char *why = NULL;
	int err;

	memset(s, 0, sizeof *s);
	err = txstate_load(r, &t, &exists, &why);
	if (err == 0 && !exists)
		return false;
	s->source = xstrdup(JOURNAL_PATH);
	s->open = true;
	if (err < 0) {
		if (why != NULL && strstr(why, JOURNAL_PATH) == NULL) {
			char *w = xasprintf("'%s': %s", JOURNAL_PATH, why);

			free(why);
			why = w;
		}
		unreadable(s, err, why);
		return true;
	}
	summarise(&t, s);
	txstate_free(&t);
	return true;
}

static bool
is_archive_name(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && name[0] != '.' &&
	       strcmp(name + len - 5, ".yaml") == 0;
}

int
engine_history(const struct root *r, struct engine_tx_summary **out, size_t *n,
    char **cause)
{
	struct engine_tx_summary *v = NULL, s;
	char **names = NULL;
	size_t nv = 0, nn = 0, i;
	int err;

	*out = NULL;
	*n = 0;
	if (cause != NULL)
		*cause = NULL;
	if (load_open(r, &s))
		ARRAY_PUSH(v, nv, s);
	err = root_listdir(r, JOURNAL_HISTORY, &names, &nn);
	if (err == -ENOENT) {
		err = 0;
		nn = 0;
	} else if (err < 0) {
		if (cause != NULL)
			*cause = xasprintf("cannot list '%s': %s",
			    JOURNAL_HISTORY, strerror(-err));
		engine_history_free(v, nv);
		return err;
	}
	/* sorted by name, and a txid begins with its time: newest last */
	for (i = nn; i-- > 0;) {
		if (is_archive_name(names[i]) && load_archive(r, names[i], &s))
			ARRAY_PUSH(v, nv, s);
	}
	strv_free(names, nn);
	*out = v;
	*n = nv;
	return 0;
}

void
engine_history_free(struct engine_tx_summary *v, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct engine_tx_summary *s = &v[i];

		free(s->source);
		free(s->cause);
		free(s->txid);
		free(s->begun);
		free(s->undone);
		strv_free(s->choices, (size_t)-1);
		for (k = 0; k < s->n_files; k++) {
			free(s->files[k].path);
			free(s->files[k].step);
		}
		free(s->files);
		for (k = 0; k < s->n_cmds; k++) {
			strv_free(s->cmds[k].argv, (size_t)-1);
			free(s->cmds[k].step);
		}
		free(s->cmds);
	}
	free(v);
}
