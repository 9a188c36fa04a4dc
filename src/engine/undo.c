/*
 * undo.c: engine_undo puts every file the transaction touched back to its
 * original bytes and metadata, newest first, deletes the files it created,
 * runs the regeneration commands once more, and archives the journal. A
 * file someone changed since the wizard wrote it is not clobbered: its diff
 * is reported and undo stops, unless forced. Undo is itself journalled and
 * idempotent: a file already back to its original is only recorded, so an
 * interrupted undo simply runs again. When the host has booted with the
 * changes, the outcome is ENGINE_REBOOT: it runs with them until it boots
 * the restored configuration.
 */
#include "engine_priv.h"
#include "vfio-wizard/lock.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool
is_bytes(
    const char *now, size_t len, bool exists, const char *data, size_t dlen)
{
	if (data == NULL)
		return !exists;
	return exists && len == dlen && memcmp(now, data, len) == 0;
}

/*
 * Restore one file; *conflict is set (and the diff added) when it holds
 * bytes neither the wizard nor the original had.
 */
static int
restore(const struct root *r, struct tx_file *f, bool force, struct journal *j,
    const struct engine_ui *ui, bool *conflict, struct strbuf *report,
    char **cause)
{
	const struct jrec *b = f->backup;
	struct lock *vm = NULL;
	struct file_meta meta;
	struct jrec rec;
	char *now = NULL;
	size_t len = 0;
	unsigned flags;
	int err;

	*conflict = false;
	err = fsio_read(r, b->path, &now, &len, &meta, cause);
	if (err < 0)
		return err;
	flags = fsio_is_pmxcfs(r, b->path) ? FSIO_PMXCFS : 0;
	if (is_bytes(now, len, meta.exists, b->data, b->len))
		goto record; /* already the original */
	if (!force &&
	    !is_bytes(now, len, meta.exists, f->plan->data, f->plan->len)) {
		*conflict = true;
		if (report != NULL) {
			char *la = xasprintf(
			    "%s (%s)", b->path, _("as the wizard wrote it"));
			char *lb = xasprintf("%s (%s)", b->path, _("now"));

			diff_unified(f->plan->data, f->plan->len,
			    meta.exists ? now : NULL, len, la, lb, report);
			free(la);
			free(lb);
		}
		free(now);
		return 0;
	}
	engine_say(ui, _("restoring %s"), b->path);
	err = engine_vm_lock(
	    r, b->path, meta.exists ? now : NULL, len, &vm, cause);
	if (err < 0)
		goto out;
	if (b->data == NULL)
		err = fsio_remove(r, b->path, flags, cause);
	else
		err = fsio_replace(
		    r, b->path, b->data, b->len, &b->meta, flags, cause);
	lock_release(vm);
	if (err < 0)
		goto out;
record:
	memset(&rec, 0, sizeof rec);
	rec.type = JR_RESTORED;
	rec.path = b->path;
	err = engine_record(j, &rec, cause);
	if (err == 0)
		f->restored = true;
out:
	free(now);
	return err;
}

/*
 * Whether the host runs with what the transaction wrote: apply asked for a
 * reboot, and the host has booted since (a verify after the reboot, or a
 * boot id other than the one apply recorded; an unreadable boot id counts
 * as a reboot, so the advice errs towards rebooting). Undo then leaves the
 * restored files for the next boot to take up.
 */
static bool
booted_with_changes(const struct root *r, const struct txstate *t)
{
	char *boot_id = NULL;
	bool booted;

	if (t->reboot == NULL)
		return false;
	if (t->n_after_reboot > 0 || t->reboot->boot_id == NULL)
		return true;
	if (root_read_line(r, "/proc/sys/kernel/random/boot_id", &boot_id) < 0)
		return true;
	booted = strcmp(boot_id, t->reboot->boot_id) != 0;
	free(boot_id);
	return booted;
}

int
engine_undo(const struct root *r, bool force, const struct engine_ui *ui,
    enum engine_outcome *outcome, struct strbuf *conflicts, char **cause)
{
	struct journal *j = NULL;
	struct lock *lk = NULL;
	struct txstate t;
	struct jrec rec;
	size_t i, n_conflicts = 0;
	bool exists, rebooted;
	int err;

	*outcome = ENGINE_FAILED;
	if ((err = lock_instance(r, &lk, cause)) < 0)
		return err;
	if ((err = txstate_load(r, &t, &exists, cause)) < 0)
		goto out_lock;
	if (!exists || t.undone) {
		engine_say(ui, "%s", _("nothing to undo"));
		*outcome = ENGINE_DONE;
		goto out;
	}
	if ((err = journal_open(r, &j, cause)) < 0)
		goto out;
	if (!t.undo_started || (force && !t.undo_force)) {
		memset(&rec, 0, sizeof rec);
		rec.type = JR_UNDO;
		rec.force = force;
		if ((err = engine_record(j, &rec, cause)) < 0)
			goto out;
	}
	force = force || t.undo_force;
	for (i = t.n_files; i-- > 0;) {
		struct tx_file *f = &t.files[i];
		bool conflict;

		if (f->backup == NULL || f->restored)
			continue; /* never touched, or done already */
		err = restore(r, f, force, j, ui, &conflict, conflicts, cause);
		if (err < 0)
			goto out;
		n_conflicts += conflict;
	}
	if (n_conflicts > 0) {
		*outcome = ENGINE_CONFLICT;
		*cause =
		    xasprintf(_("%zu file(s) changed since the wizard wrote "
				"them: nothing of theirs was restored; "
				"check the diff, then 'vfio-wizard undo "
				"--force' restores them anyway"),
			n_conflicts);
		err = -EEXIST;
		goto out;
	}
	if ((err = engine_run_commands(r, &t, j, ui, true, cause)) < 0)
		goto out;
	rebooted = booted_with_changes(r, &t);
	memset(&rec, 0, sizeof rec);
	rec.type = JR_UNDONE;
	rec.time = engine_now();
	err = engine_record(j, &rec, cause);
	free(rec.time);
	if (err < 0)
		goto out;
	journal_close(j);
	j = NULL;
	if ((err = journal_archive(r, t.begin->txid, cause)) < 0)
		goto out;
	*outcome = rebooted ? ENGINE_REBOOT : ENGINE_DONE;
out:
	journal_close(j);
	txstate_free(&t);
out_lock:
	lock_release(lk);
	return err;
}
