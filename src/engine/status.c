/*
 * status.c: engine_status tells where the open transaction stands, from
 * the journal alone: what was chosen (and which critical-device guards a
 * typed confirmation lifted), which files are written or restored, which
 * commands ran and how, and what happens next.
 */
#include "engine_priv.h"

#include <errno.h>
#include <string.h>

static const char *
file_state(const struct tx_file *f)
{
	if (f->restored)
		return _("restored");
	if (f->written)
		return _("written");
	if (f->backup != NULL)
		return _("backed up, not written");
	return _("planned");
}

/* The last verify after a reboot failed: what, why and what next. */
static void
after_reboot_failed(const struct txstate *t, struct strbuf *out)
{
	size_t i;

	sb_addf(out, "%s\n",
	    _("Applied, but after the reboot not every change took effect:"));
	for (i = 0; i < t->n_after_reboot; i++) {
		const struct jrec *r = t->after_reboot[i];

		if (strcmp(r->state, "after-reboot-ok") != 0)
			sb_addf(out, "  %s: %s\n", r->step,
			    r->text != NULL ? r->text : "");
	}
	sb_addf(out, "%s\n",
	    _("Do what 'next' says, then run 'vfio-wizard resume' again "
	      "(after the reboot it needs); 'vfio-wizard undo' takes it all "
	      "back."));
}

int
engine_status(const struct root *r, struct strbuf *out, char **cause)
{
	struct txstate t;
	bool exists;
	size_t i, k;
	int err;

	if ((err = txstate_load(r, &t, &exists, cause)) < 0)
		return err;
	if (!exists) {
		sb_addf(out, "%s\n",
		    _("No transaction: nothing was changed by "
		      "vfio-wizard on this host."));
		return 0;
	}
	sb_addf(
	    out, _("Transaction %s, begun %s\n"), t.begin->txid, t.begin->time);
	for (k = 0; t.begin->choices != NULL && t.begin->choices[k] != NULL;
	     k++)
		sb_addf(out, "  %s\n", t.begin->choices[k]);
	/* typed confirmations (guard.h): say plainly what they did */
	for (k = 0; t.begin->choices != NULL && t.begin->choices[k] != NULL;
	     k++) {
		if (strncmp(t.begin->choices[k], "confirm=", 8) == 0)
			sb_addf(out,
			    _("  ! critical-device guard lifted by the typed "
			      "confirmation '%s'\n"),
			    t.begin->choices[k] + 8);
	}
	if (t.tail == JOURNAL_TORN)
		sb_addf(out, "%s\n",
		    _("The journal's last record was cut off "
		      "by an interruption and is ignored."));
	sb_addf(out, "\n%s\n", _("Files:"));
	for (i = 0; i < t.n_files; i++)
		sb_addf(out, "  %-45s %s\n", t.files[i].plan->path,
		    file_state(&t.files[i]));
	if (t.n_cmds > 0)
		sb_addf(out, "\n%s\n", _("Commands:"));
	for (i = 0; i < t.n_cmds; i++) {
		const struct tx_command *c = &t.cmds[i];

		sb_adds(out, " ");
		for (k = 0; c->plan->argv[k] != NULL; k++)
			sb_addf(out, " %s", c->plan->argv[k]);
		if (c->done == 0)
			sb_addf(out, "  %s\n",
			    c->runs > 0 ? _("(interrupted)") : _("(not run)"));
		else
			sb_addf(out,
			    _("  (ran %d time(s), last exit status "
			      "%d)\n"),
			    c->done, c->last_status);
	}
	sb_addc(out, '\n');
	if (t.undone)
		sb_addf(
		    out, "%s\n", _("Undone: every file is back as it was."));
	else if (t.undo_started)
		sb_addf(out, "%s\n",
		    _("An undo was interrupted: run "
		      "'vfio-wizard undo' to finish it."));
	else if (!t.applied)
		sb_addf(out, "%s\n",
		    _("The apply was interrupted: run "
		      "'vfio-wizard resume' to finish it, or "
		      "'vfio-wizard undo'."));
	else if (t.reboot != NULL && t.n_after_reboot > 0 &&
		 !t.verified_after_reboot)
		after_reboot_failed(&t, out);
	else if (t.reboot != NULL && !t.verified_after_reboot)
		sb_addf(out, "%s\n",
		    _("Applied. Reboot, then run 'vfio-wizard "
		      "resume' to verify."));
	else
		sb_addf(out, "%s\n",
		    _("Applied and verified. 'vfio-wizard "
		      "undo' takes it all back."));
	txstate_free(&t);
	return 0;
}
