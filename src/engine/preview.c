/*
 * preview.c: what the full-screen wizard shows before it acts on an open
 * transaction, read from the journal alone: where the transaction stands
 * (as engine_resume would decide) and what engine_undo would do to each
 * file, conflicts (files changed since the wizard wrote them) included,
 * without changing anything.
 */
#include "engine_priv.h"
#include "vfio-wizard/host.h"

#include <stdlib.h>
#include <string.h>

int
engine_tx_state(const struct root *r, const struct host *h,
    enum engine_tx *state, char **cause)
{
	struct txstate t;
	bool exists;
	int err;

	*state = ENGINE_TX_NONE;
	if ((err = txstate_load(r, &t, &exists, cause)) < 0)
		return err;
	if (!exists || t.undone)
		*state = ENGINE_TX_NONE;
	else if (t.undo_started || !t.applied)
		*state = ENGINE_TX_INTERRUPTED;
	else if (t.reboot != NULL && t.reboot->boot_id != NULL &&
		 h->kernel.boot_id != NULL &&
		 strcmp(t.reboot->boot_id, h->kernel.boot_id) == 0)
		*state = ENGINE_TX_REBOOT;
	else if (t.reboot != NULL && t.n_after_reboot > 0 &&
		 !t.verified_after_reboot)
		*state = ENGINE_TX_FAILED;
	else if (t.reboot != NULL && !t.verified_after_reboot)
		*state = ENGINE_TX_VERIFY;
	else
		*state = ENGINE_TX_DONE;
	if (exists)
		txstate_free(&t);
	return 0;
}

static bool
same_bytes(
    const char *now, size_t len, bool exists, const char *data, size_t dlen)
{
	if (data == NULL)
		return !exists;
	return exists && len == dlen && memcmp(now, data, len) == 0;
}

/* What undo would do to one file of the transaction. */
static int
preview_file(const struct root *r, const struct tx_file *f,
    struct engine_undo_file *out, char **cause)
{
	const struct jrec *b = f->backup;
	struct strbuf d = STRBUF_INIT;
	struct file_meta meta;
	char *now = NULL, *la, *lb;
	size_t len = 0;
	int err;

	memset(out, 0, sizeof *out);
	out->path = xstrdup(f->plan->path);
	if (b == NULL || f->restored) {
		out->done = true;
		return 0;
	}
	if ((err = fsio_read(r, b->path, &now, &len, &meta, cause)) < 0)
		return err;
	if (same_bytes(now, len, meta.exists, b->data, b->len)) {
		out->done = true;
	} else if (!same_bytes(
		       now, len, meta.exists, f->plan->data, f->plan->len)) {
		out->conflict = true;
		la = xasprintf("%s (%s)", b->path, _("as the wizard wrote it"));
		lb = xasprintf("%s (%s)", b->path, _("now"));
		diff_unified(f->plan->data, f->plan->len,
		    meta.exists ? now : NULL, len, la, lb, &d);
		free(la);
		free(lb);
	} else {
		la = xasprintf("%s (%s)", b->path, _("now"));
		lb = xasprintf("%s (%s)", b->path, _("after undo"));
		diff_unified(
		    meta.exists ? now : NULL, len, b->data, b->len, la, lb, &d);
		free(la);
		free(lb);
	}
	out->diff = sb_detach(&d);
	free(now);
	return 0;
}

int
engine_undo_preview(const struct root *r, struct engine_undo_file **out,
    size_t *n, char **cause)
{
	struct txstate t;
	bool exists;
	size_t i;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = txstate_load(r, &t, &exists, cause)) < 0)
		return err;
	if (!exists)
		return 0;
	if (t.undone) {
		txstate_free(&t);
		return 0;
	}
	if (t.n_files > 0)
		*out = xcalloc(t.n_files, sizeof **out);
	/* newest first, as undo restores them */
	for (i = t.n_files; i-- > 0;) {
		err = preview_file(r, &t.files[i], &(*out)[*n], cause);
		(*n)++;
		if (err < 0) {
			engine_undo_files_free(*out, *n);
			*out = NULL;
			*n = 0;
			break;
		}
	}
	txstate_free(&t);
	return err;
}

void
engine_undo_files_free(struct engine_undo_file *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].diff);
	}
	free(f);
}
