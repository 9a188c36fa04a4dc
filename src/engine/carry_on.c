/*
 * carry_on.c: the loop apply and resume share. It works only from the
 * journal: a file whose "written" record is there is done; one whose backup
 * is there but not the "written" record was interrupted between the two
 * (its bytes tell whether the rename happened); one without a backup gets
 * its backup recorded now, before anything touches it. Commands run once
 * each; one whose "ran" record is missing runs again (they regenerate
 * files, so running twice is harmless). Then every step verifies.
 */
#include "engine_priv.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/lock.h"
#include "vfio-wizard/testhook.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool
same_bytes(const char *a, size_t alen, bool a_exists, const char *b,
    size_t blen, bool b_exists)
{
	if (a_exists != b_exists)
		return false;
	return !a_exists || (alen == blen && memcmp(a, b, alen) == 0);
}

/* Back up (if not yet), write and record one file. */
static int
do_file(const struct root *r, struct tx_file *f, struct journal *j,
    const struct engine_ui *ui, char **cause)
{
	const struct jrec *want = f->plan;
	struct file_meta meta, newmeta;
	char *now = NULL;
	size_t len = 0;
	struct lock *vm = NULL;
	struct jrec rec;
	int err;

	err = fsio_read(r, want->path, &now, &len, &meta, cause);
	if (err < 0)
		return err;
	if (f->backup == NULL) {
		memset(&rec, 0, sizeof rec);
		rec.type = JR_BACKUP;
		rec.path = want->path;
		rec.data = meta.exists ? now : NULL;
		rec.len = meta.exists ? len : 0;
		rec.meta = meta;
		err = engine_record(j, &rec, cause);
		if (err < 0)
			goto out;
	} else if (same_bytes(now, len, meta.exists, want->data, want->len,
		       want->data != NULL)) {
		/* the rename happened before the crash: just record it */
		goto written;
	}
	engine_say(ui, _("writing %s"), want->path);
	err = engine_vm_lock(
	    r, want->path, meta.exists ? now : NULL, len, &vm, cause);
	if (err < 0)
		goto out;
	if (want->data == NULL) {
		err = meta.exists
			  ? fsio_remove(r, want->path,
				fsio_is_pmxcfs(r, want->path) ? FSIO_PMXCFS : 0,
				cause)
			  : 0;
	} else {
		memset(&newmeta, 0, sizeof newmeta);
		newmeta.exists = true;
		newmeta.mode = want->meta.mode;
		err =
		    fsio_replace(r, want->path, want->data, want->len, &newmeta,
			fsio_is_pmxcfs(r, want->path) ? FSIO_PMXCFS : 0, cause);
	}
	lock_release(vm);
	if (err < 0)
		goto out;
	test_crash_point("file replaced");
written:
	memset(&rec, 0, sizeof rec);
	rec.type = JR_WRITTEN;
	rec.path = want->path;
	err = engine_record(j, &rec, cause);
	if (err == 0)
		f->written = true;
out:
	free(now);
	return err;
}

int
engine_run_commands(const struct root *r, struct txstate *t, struct journal *j,
    const struct engine_ui *ui, bool all, char **cause)
{
	size_t i;
	int err, failed = 0;

	for (i = 0; i < t->n_cmds; i++) {
		struct tx_command *c = &t->cmds[i];
		struct exec_result res;
		struct jrec rec;
		char *why = NULL;

		if (!all && c->done > 0 && c->last_status == 0)
			continue;
		memset(&rec, 0, sizeof rec);
		rec.type = JR_RUN;
		rec.argv = c->plan->argv;
		if ((err = engine_record(j, &rec, cause)) < 0)
			return err;
		engine_say(ui, _("running %s"), c->plan->argv[0]);
		err = exec_run(r, (const char *const *)c->plan->argv,
		    ENGINE_COMMAND_TIMEOUT, ui != NULL ? ui->output : NULL,
		    ui != NULL ? ui->arg : NULL, &res, &why);
		if (err < 0) {
			*cause = xasprintf(_("cannot run '%s': %s"),
			    c->plan->argv[0],
			    why != NULL ? why : strerror(-err));
			free(why);
			return err;
		}
		test_crash_point("command ran");
		memset(&rec, 0, sizeof rec);
		rec.type = JR_RAN;
		rec.argv = c->plan->argv;
		rec.status = res.timed_out ? -1 : res.status;
		rec.text = res.output;
		err = engine_record(j, &rec, cause);
		if (err == 0 && (res.status != 0 || res.timed_out) &&
		    failed++ == 0)
			*cause =
			    res.timed_out
				? xasprintf(
				      _("'%s' did not finish in %d seconds"),
				      c->plan->argv[0], ENGINE_COMMAND_TIMEOUT)
				: xasprintf(
				      _("'%s' failed with exit status %d"),
				      c->plan->argv[0], res.status);
		exec_result_free(&res);
		if (err < 0)
			return err;
		c->done++;
	}
	return failed > 0 ? -ECHILD : 0;
}

/* True when a step that needs a reboot changed a file. */
static bool
reboot_needed(const struct step *const *steps, const struct txstate *t)
{
	size_t i, k;

	for (i = 0; steps[i] != NULL; i++) {
		if (!(steps[i]->flags & STEP_NEEDS_REBOOT))
			continue;
		for (k = 0; k < t->n_files; k++) {
			if (t->files[k].plan->step != NULL &&
			    strcmp(t->files[k].plan->step, steps[i]->id) == 0)
				return true;
		}
	}
	return false;
}

/* Run every step's verify and journal what it says. */
static int
verify_steps(const struct root *r, const struct host *h,
    const struct step *const *steps, const struct txstate *t, struct journal *j,
    const struct engine_ui *ui, char **cause)
{
	static const char *const names[] = {"ok", "failed", "after-reboot"};
	struct choices c = {t->begin->choices, 0};
	size_t i;
	int err;

	while (c.items != NULL && c.items[c.n_items] != NULL)
		c.n_items++;
	for (i = 0; steps[i] != NULL; i++) {
		struct strbuf msg = STRBUF_INIT;
		enum verify_result v;
		struct jrec rec;

		if (steps[i]->verify == NULL)
			continue;
		v = steps[i]->verify(h, &c, r, false, &msg);
		memset(&rec, 0, sizeof rec);
		rec.type = JR_VERIFY;
		rec.step = (char *)steps[i]->id;
		rec.state = (char *)names[v];
		rec.text = msg.buf;
		engine_say(ui, "%s: %s%s%s", steps[i]->id, names[v],
		    msg.len > 0 ? ": " : "", sb_str(&msg));
		err = engine_record(j, &rec, cause);
		sb_release(&msg);
		if (err < 0)
			return err;
	}
	return 0;
}

int
engine_carry_on(const struct root *r, const struct host *h,
    const struct step *const *steps, struct txstate *t, struct journal *j,
    const struct engine_ui *ui, enum engine_outcome *outcome, char **cause)
{
	struct jrec rec;
	size_t i;
	int err;

	*outcome = ENGINE_FAILED;
	for (i = 0; i < t->n_files; i++) {
		if (t->files[i].written)
			continue;
		if ((err = do_file(r, &t->files[i], j, ui, cause)) < 0)
			return err;
	}
	if ((err = engine_run_commands(r, t, j, ui, false, cause)) < 0)
		return err;
	if ((err = verify_steps(r, h, steps, t, j, ui, cause)) < 0)
		return err;
	memset(&rec, 0, sizeof rec);
	if (reboot_needed(steps, t)) {
		rec.type = JR_REBOOT;
		rec.boot_id = h->kernel.boot_id;
		if ((err = engine_record(j, &rec, cause)) < 0)
			return err;
	}
	memset(&rec, 0, sizeof rec);
	rec.type = JR_APPLIED;
	rec.time = engine_now();
	err = engine_record(j, &rec, cause);
	free(rec.time);
	if (err < 0)
		return err;
	*outcome = reboot_needed(steps, t) ? ENGINE_REBOOT : ENGINE_DONE;
	return 0;
}
