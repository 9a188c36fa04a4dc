/*
 * resume.c: engine_resume finishes what the journal says was started: an
 * interrupted apply is carried on from its last durable record; an
 * interrupted undo is finished; an applied transaction that awaited a
 * reboot is verified once the host has booted again (its boot id changed).
 */
#include "engine_priv.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/lock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* After the reboot: every step verifies again, now for real. */
static int
verify_after_reboot(const struct root *r, const struct host *h,
    const struct step *const *steps, struct txstate *t, struct journal *j,
    const struct engine_ui *ui, enum engine_outcome *outcome, char **cause)
{
	struct choices c = {t->begin->choices, 0};
	bool all_ok = true;
	struct jrec rec;
	size_t i;
	int err;

	while (c.items != NULL && c.items[c.n_items] != NULL)
		c.n_items++;
	for (i = 0; steps[i] != NULL; i++) {
		struct strbuf msg = STRBUF_INIT;
		enum verify_result v;

		if (steps[i]->verify == NULL)
			continue;
		v = steps[i]->verify(h, &c, r, true, &msg);
		all_ok = all_ok && v == VERIFY_OK;
		memset(&rec, 0, sizeof rec);
		rec.type = JR_VERIFY;
		rec.step = (char *)steps[i]->id;
		rec.state = (char *)(v == VERIFY_OK ? "after-reboot-ok"
						    : "after-reboot-failed");
		rec.text = msg.buf;
		engine_say(ui, "%s: %s%s%s", steps[i]->id,
		    v == VERIFY_OK ? _("verified") : _("FAILED"),
		    msg.len > 0 ? ": " : "", sb_str(&msg));
		err = engine_record(j, &rec, cause);
		sb_release(&msg);
		if (err < 0)
			return err;
	}
	*outcome = all_ok ? ENGINE_DONE : ENGINE_FAILED;
	if (!all_ok)
		*cause = xstrdup(_("the host booted, but not every change "
				   "took effect (see above)"));
	return all_ok ? 0 : -EIO;
}

/* Plan again with the recorded choices and apply that plan. */
static int
replan_apply(const struct root *r, const struct host *h,
    const struct choices *c, const struct step *const *steps,
    const struct engine_ui *ui, enum engine_outcome *outcome, char **cause)
{
	struct plan p = PLAN_INIT;
	int err;

	err = engine_plan(r, h, c, steps, &p, cause);
	if (err == 0)
		err = engine_apply(r, h, c, steps, &p, ui, outcome, cause);
	plan_free(&p);
	return err;
}

int
engine_resume(const struct root *r, const struct host *h,
    const struct step *const *steps, const struct engine_ui *ui,
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
		goto out_lock;
	if (t.tail == JOURNAL_TORN)
		engine_say(ui, "%s",
		    _("the journal's last record was cut off "
		      "by the interruption: it is ignored"));
	if (!exists || t.undone) {
		engine_say(ui, "%s", _("no transaction to resume"));
		*outcome = ENGINE_DONE;
		goto out;
	}
	if (t.undo_started) {
		bool force = t.undo_force;

		txstate_free(&t);
		lock_release(lk);
		return engine_undo(r, force, ui, outcome, NULL, cause);
	}
	if (!t.intent_complete) {
		struct choices c = {NULL, 0};
		size_t k;

		/* cut off while recording the plan: nothing was touched yet */
		engine_say(ui, "%s",
		    _("the apply was interrupted before it "
		      "changed anything: planning again"));
		for (k = 0;
		     t.begin->choices != NULL && t.begin->choices[k] != NULL;
		     k++)
			ARRAY_PUSH(
			    c.items, c.n_items, xstrdup(t.begin->choices[k]));
		err = journal_archive(r, t.begin->txid, cause);
		txstate_free(&t);
		lock_release(lk);
		if (err == 0)
			err = replan_apply(r, h, &c, steps, ui, outcome, cause);
		choices_free(&c);
		return err;
	}
	if ((err = journal_open(r, &j, cause)) < 0)
		goto out;
	if (!t.applied) {
		engine_say(ui, "%s", _("continuing the interrupted apply"));
		err = engine_carry_on(r, h, steps, &t, j, ui, outcome, cause);
	} else if (t.reboot != NULL && t.reboot->boot_id != NULL &&
		   h->kernel.boot_id != NULL &&
		   strcmp(t.reboot->boot_id, h->kernel.boot_id) == 0) {
		engine_say(ui, "%s", _("a reboot is still needed"));
		*outcome = ENGINE_REBOOT;
	} else if (t.reboot != NULL && !t.verified_after_reboot) {
		engine_say(ui, "%s", _("the host has rebooted: verifying"));
		err =
		    verify_after_reboot(r, h, steps, &t, j, ui, outcome, cause);
	} else {
		engine_say(ui, "%s", _("the transaction is complete"));
		*outcome = ENGINE_DONE;
	}
out:
	journal_close(j);
	txstate_free(&t);
out_lock:
	lock_release(lk);
	return err;
}
