/*
 * txstate.c: folds the journal's records into the state of one transaction
 * (see txstate.h).
 */
#include "txstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool
same_argv(char **a, char **b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	for (i = 0; a[i] != NULL && b[i] != NULL; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return false;
	}
	return a[i] == NULL && b[i] == NULL;
}

struct tx_file *
txstate_file(struct txstate *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->n_files; i++) {
		if (strcmp(t->files[i].plan->path, path) == 0)
			return &t->files[i];
	}
	return NULL;
}

static struct tx_command *
find_command(struct txstate *t, char **argv)
{
	size_t i;

	for (i = 0; i < t->n_cmds; i++) {
		if (same_argv(t->cmds[i].plan->argv, argv))
			return &t->cmds[i];
	}
	return NULL;
}

/*
 * Keep the latest after-reboot verify record of each step: the host is
 * verified when every step's latest one is ok (a later round after a fix
 * and another reboot replaces an earlier failure).
 */
static void
note_after_reboot(struct txstate *t, const struct jrec *r)
{
	size_t i;

	for (i = 0; i < t->n_after_reboot; i++) {
		const struct jrec *o = t->after_reboot[i];

		if (o->step != NULL && r->step != NULL &&
		    strcmp(o->step, r->step) == 0)
			break;
	}
	if (i < t->n_after_reboot)
		t->after_reboot[i] = r;
	else
		ARRAY_PUSH(t->after_reboot, t->n_after_reboot, r);
	t->verified_after_reboot = true;
	for (i = 0; i < t->n_after_reboot; i++)
		if (strcmp(t->after_reboot[i]->state, "after-reboot-ok") != 0)
			t->verified_after_reboot = false;
}

/* Fold one record in; -EBADMSG when it contradicts what came before. */
static int
fold(struct txstate *t, const struct jrec *r, char **cause)
{
	struct tx_file *f = r->path != NULL ? txstate_file(t, r->path) : NULL;
	struct tx_command *c;

	switch (r->type) {
	case JR_BEGIN:
		if (t->begin != NULL)
			goto bad;
		t->begin = r;
		return 0;
	case JR_FILE: {
		struct tx_file nf = {r, NULL, false, false};

		if (f != NULL)
			goto bad;
		ARRAY_PUSH(t->files, t->n_files, nf);
		return 0;
	}
	case JR_COMMAND: {
		struct tx_command nc = {r, 0, 0, 0};

		ARRAY_PUSH(t->cmds, t->n_cmds, nc);
		return 0;
	}
	case JR_BACKUP:
		if (f == NULL || f->backup != NULL || !t->intent_complete)
			goto bad;
		f->backup = r;
		return 0;
	case JR_WRITTEN:
		if (f == NULL)
			goto bad;
		f->written = true;
		return 0;
	case JR_RESTORED:
		if (f == NULL)
			goto bad;
		f->restored = true;
		return 0;
	case JR_RUN:
	case JR_RAN:
		if ((c = find_command(t, r->argv)) == NULL)
			goto bad;
		if (r->type == JR_RUN)
			c->runs++;
		else {
			c->done++;
			c->last_status = r->status;
		}
		return 0;
	case JR_REBOOT:
		t->reboot = r;
		return 0;
	case JR_APPLIED:
		t->applied = true;
		return 0;
	case JR_VERIFY:
		if (r->state != NULL &&
		    strncmp(r->state, "after-reboot-", 13) == 0)
			note_after_reboot(t, r);
		return 0;
	case JR_UNDO:
		t->undo_started = true;
		t->undo_force = t->undo_force || r->force;
		return 0;
	case JR_UNDONE:
		t->undone = true;
		return 0;
	case JR_STEP:
		if (r->step != NULL && r->state != NULL &&
		    strcmp(r->step, TX_INTENT_STEP) == 0 &&
		    strcmp(r->state, TX_INTENT_STATE) == 0)
			t->intent_complete = true;
		return 0;
	case JR__COUNT:
		return 0;
	}
	return 0;
bad:
	*cause = xasprintf("journal record %lu (%s) does not fit the "
			   "transaction",
	    r->seq, jrec_type_name(r->type));
	return -EBADMSG;
}

int
txstate_load(
    const struct root *root, struct txstate *t, bool *exists, char **cause)
{
	struct jrec *recs = NULL;
	enum journal_tail tail;
	size_t n = 0;
	int err;

	memset(t, 0, sizeof *t);
	*exists = false;
	err = journal_read(root, &recs, &n, &tail, cause);
	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return err;
	*exists = n > 0;
	return txstate_from(t, recs, n, tail, cause);
}

int
txstate_from(struct txstate *t, struct jrec *recs, size_t n,
    enum journal_tail tail, char **cause)
{
	size_t i;
	int err;

	memset(t, 0, sizeof *t);
	t->recs = recs;
	t->n_recs = n;
	t->tail = tail;
	for (i = 0; i < t->n_recs; i++) {
		err = fold(t, &t->recs[i], cause);
		if (err < 0) {
			txstate_free(t);
			return err;
		}
	}
	if (t->n_recs > 0 && t->begin == NULL) {
		*cause = xstrdup("the journal has no 'begin' record");
		txstate_free(t);
		return -EBADMSG;
	}
	return 0;
}

void
txstate_free(struct txstate *t)
{
	jrec_free_all(t->recs, t->n_recs);
	free(t->files);
	free(t->cmds);
	free(t->after_reboot);
	memset(t, 0, sizeof *t);
}

bool
txstate_open(const struct txstate *t)
{
	return t->begin != NULL && !t->undone;
}
