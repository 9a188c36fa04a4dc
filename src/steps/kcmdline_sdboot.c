/*
 * kcmdline_sdboot.c: the kernel command line on a systemd-boot host, where
 * proxmox-boot-tool copies the first line of /etc/kernel/cmdline into the
 * `options` of every loader entry (passthrough-facts section 5; PBT
 * zz-proxmox-boot). The line is edited with the command line codec: every
 * other byte stays, conflicting tokens go, missing ones are appended. The
 * file must be one line with root= (the hook aborts without it), and the
 * result must fit the kernel's 2048 bytes.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "kcmdline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * The file proxmox-boot-tool would fall back to: /proc/cmdline without the
 * initrd= entries it strips itself and GRUB's per-boot BOOT_IMAGE=.
 */
static char *
from_proc(const char *proc)
{
	struct cmdline *cl = cmdline_parse(proc);
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < cl->n_tokens; i++) {
		const struct cmdline_token *t = &cl->tokens[i];

		if (!t->init_arg && (cmdline_key_eq(t->key, "initrd") ||
					cmdline_key_eq(t->key, "BOOT_IMAGE")))
			continue;
		if (sb.len > 0)
			sb_addc(&sb, ' ');
		sb_adds(&sb, t->raw);
	}
	sb_addc(&sb, '\n');
	cmdline_free(cl);
	return sb_detach(&sb);
}

static bool
only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	}
	return true;
}

/* The line without its conflicts (notes for each), then the missing ones. */
static char *
edit_line(
    const struct kcmd_want *w, const char *line, char ***notes, size_t *n_notes)
{
	struct cmdline *cl = cmdline_parse(line);
	struct strbuf sb = STRBUF_INIT, adds = STRBUF_INIT;
	const char **missing, *why, *lead = NULL;
	size_t i, n, kept = 0;
	bool added = false;
	char *clean;

	for (i = 0; i < cl->n_tokens; i++) {
		const struct cmdline_token *t = &cl->tokens[i];

		if (kcmd_conflicts(w, t, &why)) {
			ARRAY_PUSH(*notes, *n_notes,
			    xasprintf(_("%s:1: %s is removed (%s)"),
				KCMD_SDBOOT, t->raw, why));
			if (kept == 0 && lead == NULL)
				lead = t->space; /* keep the line's indent */
			continue;
		}
		sb_adds(&sb, kept == 0 && lead != NULL ? lead : t->space);
		sb_adds(&sb, t->raw);
		kept++;
	}
	sb_adds(&sb, cl->trail);
	cmdline_free(cl);
	clean = sb.len > 0 ? sb_detach(&sb) : xstrdup("");
	sb_release(&sb);

	n = kcmd_missing(w, clean, &missing);
	for (i = 0; i < n; i++)
		sb_addf(&adds, " %s", missing[i]);
	free(missing);
	if (n == 0) {
		sb_release(&adds);
		return clean;
	}
	/* before a `--` (what follows it goes to init), else at the end */
	cl = cmdline_parse(clean);
	for (i = 0; i < cl->n_tokens; i++) {
		const struct cmdline_token *t = &cl->tokens[i];

		if (t->init_arg && !added) {
			sb_adds(&sb, sb_str(&adds));
			added = true;
		}
		sb_adds(&sb, t->space);
		sb_adds(&sb, t->raw);
	}
	if (!added)
		sb_adds(&sb, sb_str(&adds));
	sb_adds(&sb, cl->trail);
	cmdline_free(cl);
	free(clean);
	sb_release(&adds);
	return sb_detach(&sb);
}

int
kcmd_sdboot_edit(const struct kcmd_want *w, const char *text, size_t len,
    const char *proc_cmdline, char **out, char ***notes, size_t *n_notes,
    char **cause)
{
	char *made = NULL, *first, *line;
	const char *nl;
	size_t flen;
	struct strbuf why = STRBUF_INIT;
	struct cmdline *cl;
	int err = 0;

	*out = NULL;
	if (text == NULL) {
		if (proc_cmdline == NULL) {
			*cause = xasprintf(_("%s does not exist and the "
					     "running command line is unknown: "
					     "create it by hand"),
			    KCMD_SDBOOT);
			return -ENOENT;
		}
		text = made = from_proc(proc_cmdline);
		len = strlen(made);
		ARRAY_PUSH(*notes, *n_notes,
		    xasprintf(
			_("%s does not exist: it is made from the running "
			  "command line (/proc/cmdline) without initrd= "
			  "and BOOT_IMAGE=, which proxmox-boot-tool "
			  "would otherwise use"),
			KCMD_SDBOOT));
	}
	if (memchr(text, '\0', len) != NULL) {
		*cause = xasprintf(
		    _("%s contains a NUL byte: fix it by hand"), KCMD_SDBOOT);
		free(made);
		return -EINVAL;
	}
	nl = memchr(text, '\n', len);
	flen = nl != NULL ? (size_t)(nl - text) : len;
	if (only_space(text, flen) && !only_space(text, len)) {
		*cause = xasprintf(_("the first line of %s is empty, and "
				     "proxmox-boot-tool reads only the first "
				     "line: fix it by hand"),
		    KCMD_SDBOOT);
		free(made);
		return -EINVAL;
	}
	if (!only_space(text + flen, len - flen)) {
		*cause = xasprintf(_("%s holds more than one line, and "
				     "proxmox-boot-tool reads only the first: "
				     "join them by hand"),
		    KCMD_SDBOOT);
		free(made);
		return -EINVAL;
	}
	first = xstrndup(text, flen);
	cl = cmdline_parse(first);
	if (!cmdline_has(cl, "root")) {
		*cause = xasprintf(_("%s has no root= parameter, without which "
				     "proxmox-boot-tool refuses to refresh the "
				     "boot entries: add it by hand"),
		    KCMD_SDBOOT);
		err = -EINVAL;
	}
	cmdline_free(cl);
	if (err < 0) {
		free(first);
		free(made);
		return err;
	}
	line = edit_line(w, first, notes, n_notes);
	free(first);
	if (strlen(line) > KCMD_MAX_LEN) {
		*cause =
		    xasprintf(_("the command line in %s would be %zu bytes "
				"long, over the kernel's limit of %d"),
			KCMD_SDBOOT, strlen(line), KCMD_MAX_LEN);
		err = -E2BIG;
	} else if (!kcmd_line_ok(w, line, &why)) {
		*cause = xasprintf(_("the command line in %s would still not "
				     "be right (%s): change it by hand"),
		    KCMD_SDBOOT, sb_str(&why));
		err = -EINVAL;
	}
	if (err == 0)
		*out =
		    xasprintf("%s%.*s", line, (int)(len - flen), text + flen);
	sb_release(&why);
	free(line);
	free(made);
	return err;
}

int
kcmd_sdboot_plan(const struct host *h, const struct kcmd_want *w,
    const struct root *r, struct plan *p, bool *changed, char **cause)
{
	const char *text;
	char *owned = NULL, *next = NULL, **notes = NULL;
	size_t len, n_notes = 0, i;
	bool exists;
	int err;

	*changed = false;
	err = plan_current(
	    p, r, KCMD_SDBOOT, &text, &len, &exists, &owned, cause);
	if (err < 0)
		return err;
	err = kcmd_sdboot_edit(w, exists ? text : NULL, exists ? len : 0,
	    h->kernel.cmdline, &next, &notes, &n_notes, cause);
	if (err == 0 &&
	    (!exists || strlen(next) != len || memcmp(next, text, len) != 0)) {
		*changed = true;
		err = plan_set(p, r, KCMD_SDBOOT, next, strlen(next), 0644,
		    KCMD_STEP, cause);
	}
	for (i = 0; err == 0 && i < n_notes; i++)
		plan_note(p, KCMD_STEP, "%s", notes[i]);
	strv_free(notes, n_notes);
	free(next);
	free(owned);
	return err;
}
