/*
 * apply.c: engine_plan and engine_apply. Apply journals the whole intended
 * transaction first (every file's new bytes and every command), then does
 * it through engine_carry_on, the same loop resume uses, so an interrupted
 * apply and a resumed one end in the same tree.
 */
#include "engine_priv.h"
#include "vfio-wizard/allow.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/lock.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void
engine_say(const struct engine_ui *ui, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (ui == NULL || ui->progress == NULL)
		return;
	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	ui->progress(line, ui->arg);
	free(line);
}

int
engine_record(struct journal *j, struct jrec *r, char **cause)
{
	char *why = NULL;
	int err = journal_append(j, r, &why);

	if (err < 0) {
		*cause =
		    xasprintf(_("cannot write the journal (%s record): %s"),
			jrec_type_name(r->type),
			why != NULL ? why : strerror(-err));
		free(why);
	}
	return err;
}

char *
engine_now(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* "20261124T170112Z-3fa2": sortable, and unique enough per host. */
static char *
new_txid(void)
{
	unsigned char rnd[3] = {0, 0, 0};
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd[0] = (unsigned char)getpid();
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
	return xasprintf("%s-%02x%02x%02x", buf, rnd[0], rnd[1], rnd[2]);
}

int
engine_plan(const struct root *r, const struct host *h, const struct choices *c,
    const struct step *const *steps, struct plan *out, char **cause)
{
	size_t i;
	int err;

	for (i = 0; steps[i] != NULL; i++) {
		if (steps[i]->plan == NULL)
			continue;
		err = steps[i]->plan(h, c, r, out, cause);
		if (err < 0)
			return err;
	}
	for (i = 0; i < out->n_files; i++) {
		err = allow_check(r, out->files[i].path, cause);
		if (err < 0)
			return err;
	}
	/* regeneration commands only follow file changes */
	if (out->n_files == 0 && out->n_cmds > 0) {
		struct plan none = PLAN_INIT;

		plan_free(out);
		*out = none;
	}
	return 0;
}

/* Journal the begin record, every file's intended bytes and the commands. */
static int
record_intent(struct journal *j, const struct host *h, const struct choices *c,
    const struct plan *p, char **cause)
{
	struct jrec rec;
	size_t i;
	int err;

	memset(&rec, 0, sizeof rec);
	rec.type = JR_BEGIN;
	rec.txid = new_txid();
	rec.time = engine_now();
	rec.boot_id = h->kernel.boot_id;
	rec.choices = c != NULL ? c->items : NULL;
	{
		/* the journal wants a NULL-terminated vector */
		char **v = xcalloc((c != NULL ? c->n_items : 0) + 1, sizeof *v);

		for (i = 0; c != NULL && i < c->n_items; i++)
			v[i] = c->items[i];
		rec.choices = v;
		err = engine_record(j, &rec, cause);
		free(v);
	}
	free(rec.txid);
	free(rec.time);
	if (err < 0)
		return err;
	for (i = 0; i < p->n_files; i++) {
		const struct file_change *f = &p->files[i];

		memset(&rec, 0, sizeof rec);
		rec.type = JR_FILE;
		rec.path = f->path;
		rec.data = f->after;
		rec.len = f->after_len;
		rec.meta.exists = f->after != NULL;
		rec.meta.mode =
		    f->before_meta.exists ? f->before_meta.mode : f->new_mode;
		rec.step = f->step;
		if ((err = engine_record(j, &rec, cause)) < 0)
			return err;
	}
	for (i = 0; i < p->n_cmds; i++) {
		memset(&rec, 0, sizeof rec);
		rec.type = JR_COMMAND;
		rec.argv = p->cmds[i].argv;
		rec.step = p->cmds[i].step;
		if ((err = engine_record(j, &rec, cause)) < 0)
			return err;
	}
	/* the whole intent is on disk: only now may anything change */
	memset(&rec, 0, sizeof rec);
	rec.type = JR_STEP;
	rec.step = (char *)TX_INTENT_STEP;
	rec.state = (char *)TX_INTENT_STATE;
	return engine_record(j, &rec, cause);
}

/*
 * Refuse before anything is journalled: a file that changed between
 * planning and applying, a directory that cannot be written (a read-only
 * /etc/pve without quorum), a VM that runs or is locked.
 */
static int
check_ready(const struct root *r, const struct host *h, const struct plan *p,
    char **cause)
{
	size_t i;

	for (i = 0; i < p->n_files; i++) {
		const struct file_change *f = &p->files[i];
		struct file_meta meta;
		char *now = NULL;
		size_t len = 0;
		bool same;
		int err = fsio_check_writable(r, f->path, cause);

		if (err == 0)
			err = engine_vm_precheck(r, h, f->path, cause);
		if (err == 0)
			err = fsio_read(r, f->path, &now, &len, &meta, cause);
		if (err < 0)
			return err;
		same = meta.exists == (f->before != NULL) &&
		       (!meta.exists || (len == f->before_len &&
					    memcmp(now, f->before, len) == 0));
		free(now);
		if (!same) {
			*cause = xasprintf(_("'%s' changed since the plan was "
					     "made: plan again"),
			    f->path);
			return -ESTALE;
		}
	}
	return 0;
}

int
engine_apply(const struct root *r, const struct host *h,
    const struct choices *c, const struct step *const *steps,
    const struct plan *p, const struct engine_ui *ui,
    enum engine_outcome *outcome, char **cause)
{
	struct journal *j = NULL;
	struct lock *lk = NULL;
	struct txstate t;
	bool exists;
	int err;

	*outcome = ENGINE_FAILED;
	if ((err = lock_instance(r, &lk, cause)) < 0)
		return err;
	if ((err = txstate_load(r, &t, &exists, cause)) < 0)
		goto out;
	if (exists && t.undone) {
		/* a finished undo stays readable in history/ */
		err = journal_archive(r, t.begin->txid, cause);
	} else if (exists && !t.applied) {
		*cause = xstrdup(_("an earlier transaction did not finish: "
				   "run 'vfio-wizard resume' or "
				   "'vfio-wizard undo' first"));
		err = -EBUSY;
	} else if (exists) {
		*cause = xstrdup(_("the changes of an earlier transaction are "
				   "in place: undo them first ('vfio-wizard "
				   "undo'), then plan again"));
		err = -EBUSY;
	}
	txstate_free(&t);
	if (err < 0)
		goto out;
	if (plan_empty(p)) {
		engine_say(ui, "%s", _("nothing to do"));
		*outcome = ENGINE_DONE;
		goto out;
	}
	if ((err = check_ready(r, h, p, cause)) < 0)
		goto out;
	if ((err = journal_open(r, &j, cause)) < 0)
		goto out;
	if ((err = record_intent(j, h, c, p, cause)) < 0)
		goto out;
	if ((err = txstate_load(r, &t, &exists, cause)) < 0)
		goto out;
	err = engine_carry_on(r, h, steps, &t, j, ui, outcome, cause);
	txstate_free(&t);
out:
	journal_close(j);
	lock_release(lk);
	return err;
}
