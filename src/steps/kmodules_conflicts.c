/*
 * kmodules_conflicts.c: the existing configuration that would fight the
 * modules step, each conflict shown with its file and line (a plan note)
 * and fixed by an edit of that file (kmodules.h).
 *
 *   - a blacklist of a driver a device staying on the host needs (its
 *     bound driver, or the only one of its alias drivers not blacklisted:
 *     Proxmox's own blacklist of nvidiafb stays while nouveau drives the
 *     card), or of a module passthrough loads: the line goes (any
 *     blacklist line is enough for kmod);
 *   - a vfio_virqfd in a module list when no installed kernel has it: it
 *     goes (systemd-modules-load would fail on it);
 *   - other `options vfio-pci` lines: kmod joins every options line of a
 *     module and the kernel keeps the last ids=, so two lines binding IDs
 *     lose one set. When ours needs changing, their IDs and parameters
 *     move into ours (never disable_vga=1 for legacy IGD, never an ID that
 *     is bound by address) and their lines go;
 *   - an install command for vfio-pci, and a softdep of one of our drivers
 *     that kmod reads before ours: merged (kmodules_merge.c).
 *
 * Which blacklists are in effect comes from libkmod's reading of the root's
 * configuration (host->kernel.modconf); the codecs locate the lines. Files
 * outside /etc are never edited: a conflict there fails the plan.
 */
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/strbuf.h"
#include "kmodules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
km_outside_etc(
    const struct km_file *f, unsigned line, const char *what, char **cause)
{
	*cause = xasprintf(_("%s:%u: %s; vfio-wizard edits only files below "
			     "/etc: change that line by hand, or override "
			     "the file with one of the same name below /etc"),
	    f->real, line, what);
	return -EPERM;
}

static bool
mc_blacklists(const struct host_modconf *mc, const char *module)
{
	size_t i;

	for (i = 0; i < mc->n_blacklist; i++) {
		if (!mc->blacklist[i].from_cmdline &&
		    modprobe_name_eq(mc->blacklist[i].module, module))
			return true;
	}
	return false;
}

/* Would a blacklist of module leave host device i without its driver? */
static bool
device_needs(const struct host *h, const struct selection *s,
    const struct host_modconf *mc, size_t i, const char *module)
{
	const struct selection_drivers *a = &s->all[i];
	const char *bound = h->pci[i].driver;
	size_t j;

	if (bound != NULL && modprobe_name_eq(bound, module))
		return true;
	if (!strv_has(a->names, a->n, module))
		return false;
	for (j = 0; j < a->n; j++) {
		if (modprobe_name_eq(a->names[j], module))
			continue;
		/* another module drives it, or could */
		if ((bound != NULL && modprobe_name_eq(bound, a->names[j])) ||
		    !mc_blacklists(mc, a->names[j]))
			return false;
	}
	return true;
}

bool
km_host_needs(const struct host *h, const struct selection *s,
    const struct host_modconf *mc, const char *module, const char **other)
{
	size_t i;

	for (i = 0; i < h->n_pci && i < s->n_all; i++) {
		const struct selected_fn *f =
		    selection_find(s, h->pci[i].address);

		if ((f == NULL || !f->to_vfio) &&
		    device_needs(h, s, mc, i, module)) {
			*other = h->pci[i].address;
			return true;
		}
	}
	return false;
}

/*
 * Why a blacklist line must go (the module is loaded for passthrough, or
 * *other stays on the host and needs it), or NULL when it may stay.
 */
static const char *
blacklist_conflict(const struct host *h, const struct selection *s,
    const struct km_want *w, const char *module, const char **other)
{
	if (!mc_blacklists(&h->kernel.modconf, module))
		return NULL;
	if (strv_has(w->load, w->n_load, module))
		return "load";
	if (km_host_needs(h, s, &h->kernel.modconf, module, other))
		return "host";
	return NULL;
}

/* Remove blacklists of modules passthrough or the host needs. */
static int
fix_blacklists(const struct host *h, const struct selection *s,
    const struct km_want *w, struct km_config *c, struct plan *p, char **cause)
{
	size_t i, j;

	for (i = 0; i < c->n_mp; i++) {
		struct km_file *f = &c->mp[i];

		for (j = 0; j < f->mp->n_lines;) {
			const struct modprobe_line *l = &f->mp->lines[j];
			const char *other = NULL, *why;
			char *what;
			int err;

			if (l->kind != MODPROBE_BLACKLIST ||
			    (why = blacklist_conflict(
				 h, s, w, l->module, &other)) == NULL) {
				j++;
				continue;
			}
			if (*why == 'l')
				what = xasprintf(_("'blacklist %s' keeps a "
						   "module passthrough needs "
						   "from loading"),
				    l->module);
			else
				what = xasprintf(_("'blacklist %s' keeps the "
						   "driver of %s, which stays "
						   "on the host, from loading"),
				    l->module, other);
			if (!f->in_etc) {
				err = km_outside_etc(f, l->lineno, what, cause);
				free(what);
				return err;
			}
			plan_note(p, KM_STEP,
			    _("%s:%u: %s: the line is removed."), f->real,
			    l->lineno, what);
			free(what);
			what = xstrdup(l->module);
			modprobe_conf_remove(f->mp, MODPROBE_BLACKLIST, what);
			free(what);
			f->changed = true;
			j = 0; /* lines moved: read the file again */
		}
	}
	return 0;
}

/* The 1-based line of the first line that loads module in a list. */
static unsigned
list_line(const struct modlist *ml, const char *module)
{
	size_t i;

	for (i = 0; i < ml->n_lines; i++) {
		if (ml->lines[i].kind == MODLIST_MODULE &&
		    ml->lines[i].params == NULL &&
		    strcmp(ml->lines[i].name, module) == 0)
			return (unsigned)i + 1;
	}
	return 0;
}

/* Remove vfio_virqfd from the lists when no installed kernel has it. */
static int
fix_virqfd(
    const struct host *h, struct km_config *c, struct plan *p, char **cause)
{
	size_t i;
	int err;

	for (i = 0; i < h->kernel.n_installed; i++) {
		if (h->kernel.installed[i].modules[VM_VFIO_VIRQFD] !=
		    KMOD_MISSING)
			return 0;
	}
	for (i = 0; h->kernel.n_installed > 0 && i < c->n_ml; i++) {
		struct km_file *f = &c->ml[i];
		unsigned line = list_line(f->ml, "vfio_virqfd");
		char *why = NULL;

		if (line == 0)
			continue;
		if (!f->in_etc)
			return km_outside_etc(f, line,
			    _("vfio_virqfd is listed, but no installed "
			      "kernel has it"),
			    cause);
		if ((err = modlist_remove(f->ml, "vfio_virqfd", &why)) < 0) {
			*cause = xasprintf("%s: %s", f->real, why);
			free(why);
			return err;
		}
		f->changed = true;
		plan_note(p, KM_STEP,
		    _("%s:%u: vfio_virqfd is removed: no installed kernel has "
		      "it (it was merged into vfio in Linux 6.2), and "
		      "systemd-modules-load would fail on it."),
		    f->real, line);
	}
	return 0;
}

static bool
has_token(const char *args, const char *token)
{
	size_t n = strlen(token);
	const char *p = args;

	while (*p != '\0') {
		size_t len;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == n && strncmp(p, token, n) == 0)
			return true;
		p += len;
	}
	return false;
}

/* Does the configuration bind exactly what w asks, once, as it should? */
static bool
options_fine(const struct km_want *w, const struct km_config *c)
{
	const struct modprobe_line *l;
	char *eff = NULL, *v;
	size_t i, count = 0, k;
	bool fine = true;

	for (i = 0; i < c->n_mp; i++) {
		for (l = NULL;
		     (l = modprobe_conf_find(c->mp[i].mp, MODPROBE_OPTIONS,
			  "vfio_pci", l)) != NULL;) {
			if ((v = km_param_last(l->args, "ids", &k)) != NULL) {
				free(eff);
				eff = v;
			}
			count += k;
			if (w->legacy && has_token(l->args, "disable_vga=1"))
				fine = false;
		}
	}
	if (count > 1)
		fine = false;
	for (i = 0; i < w->n_ids; i++) {
		if (eff == NULL || !km_list_has(eff, w->ids[i]))
			fine = false;
	}
	for (i = 0; eff != NULL && i < w->n_shared_ids; i++) {
		if (km_list_has(eff, w->shared_ids[i]))
			fine = false;
	}
	free(eff);
	return fine;
}

static void
push_param(struct strbuf *sb, const char *tok, size_t len)
{
	const char *p = sb_str(sb);
	size_t n = strlen(p);

	while (*p != '\0') {
		size_t l = strcspn(p, " ");

		if (l == len && strncmp(p, tok, len) == 0)
			return;
		p += l;
		p += strspn(p, " ");
	}
	if (n > 0)
		sb_addc(sb, ' ');
	sb_add(sb, tok, len);
}

/* Move the IDs of one ids= value into ids (lowercase, each once). */
static int
merge_ids(const struct km_want *w, const struct km_file *f,
    const struct modprobe_line *l, const char *value, char ***ids,
    size_t *n_ids, struct plan *p, char **cause)
{
	char *copy = xstrdup(value), *id, *save = NULL, *c;
	size_t i;
	int err;

	if ((err = modprobe_vfio_ids_check(value, &c)) < 0) {
		*cause = xasprintf("%s:%u: %s", f->real, l->lineno, c);
		free(c);
		free(copy);
		return err;
	}
	for (id = strtok_r(copy, ",", &save); id != NULL;
	     id = strtok_r(NULL, ",", &save)) {
		for (c = id; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'F')
				*c = (char)(*c - 'A' + 'a');
		if (strv_has(w->shared_ids, w->n_shared_ids, id)) {
			plan_note(p, KM_STEP,
			    _("%s:%u: %s is taken out of vfio-pci's ids=: "
			      "the device is bound by its address instead."),
			    f->real, l->lineno, id);
			continue;
		}
		for (i = 0; i < *n_ids && strcmp((*ids)[i], id) != 0; i++)
			;
		if (i == *n_ids)
			ARRAY_PUSH(*ids, *n_ids, xstrdup(id));
	}
	free(copy);
	return 0;
}

/* Take one options line into ids and params. */
static int
merge_options_line(const struct km_want *w, const struct km_file *f,
    const struct modprobe_line *l, char ***ids, size_t *n_ids,
    struct strbuf *params, struct plan *p, char **cause)
{
	const char *t = l->args;
	int err;

	while (*t != '\0') {
		size_t len;
		char *v;

		t += strspn(t, " ");
		if ((len = strcspn(t, " ")) == 0)
			break;
		if (len > 4 && strncmp(t, "ids=", 4) == 0) {
			v = xstrndup(t + 4, len - 4);
			/* the kernel's parser drops one pair of quotes */
			if (len > 6 && v[0] == '"' && v[len - 5] == '"') {
				memmove(v, v + 1, len - 6);
				v[len - 6] = '\0';
			}
			err = merge_ids(w, f, l, v, ids, n_ids, p, cause);
			free(v);
			if (err < 0)
				return err;
		} else if (w->legacy && len == 13 &&
			   strncmp(t, "disable_vga=1", 13) == 0) {
			plan_note(p, KM_STEP,
			    _("%s:%u: disable_vga=1 is dropped: legacy IGD "
			      "assignment needs the VGA region it hides."),
			    f->real, l->lineno);
		} else {
			push_param(params, t, len);
		}
		t += len;
	}
	if (!f->ours)
		plan_note(p, KM_STEP,
		    _("%s:%u: 'options vfio-pci %s' moves into %s: modprobe "
		      "joins every options line and the kernel keeps only the "
		      "last ids=, so two lines would lose one set of IDs."),
		    f->real, l->lineno, l->args, KM_MODPROBE_OURS);
	return 0;
}

/* One options vfio-pci line, in ours, with every ID and parameter. */
static int
fix_options(
    const struct km_want *w, struct km_config *c, struct plan *p, char **cause)
{
	struct strbuf params = STRBUF_INIT, text = STRBUF_INIT;
	struct km_file *ours = km_ours(c, true);
	const struct modprobe_line *l;
	char **ids = NULL;
	size_t n_ids = 0, i, k;
	int err = 0;

	if (options_fine(w, c))
		return 0;
	for (i = 0; i < w->n_ids; i++)
		ARRAY_PUSH(ids, n_ids, xstrdup(w->ids[i]));
	for (i = 0; err == 0 && i < c->n_mp; i++) {
		struct km_file *f = &c->mp[i];

		for (l = NULL; err == 0 &&
			       (l = modprobe_conf_find(f->mp, MODPROBE_OPTIONS,
				    "vfio_pci", l)) != NULL;) {
			free(km_param_last(l->args, "ids", &k));
			if (!f->in_etc && k > 0)
				err = km_outside_etc(f, l->lineno,
				    _("'options vfio-pci ids=' there would "
				      "compete with vfio-wizard's ids="),
				    cause);
			else if (!f->in_etc && w->legacy &&
				 has_token(l->args, "disable_vga=1"))
				err = km_outside_etc(f, l->lineno,
				    _("vfio-pci disable_vga=1 breaks legacy "
				      "IGD assignment"),
				    cause);
			else if (f->in_etc)
				err = merge_options_line(
				    w, f, l, &ids, &n_ids, &params, p, cause);
		}
		if (err == 0 && f->in_etc && !f->ours &&
		    modprobe_conf_remove(f->mp, MODPROBE_OPTIONS, "vfio_pci") ==
			0)
			f->changed = true;
	}
	for (i = 0; i < n_ids; i++)
		sb_addf(&text, "%s%s", i == 0 ? "ids=" : ",", ids[i]);
	if (params.len > 0)
		sb_addf(
		    &text, "%s%s", text.len > 0 ? " " : "", sb_str(&params));
	if (err == 0 && text.len > 0) {
		km_start_ours(ours, true);
		err = modprobe_conf_set_options(
		    ours->mp, "vfio-pci", sb_str(&text), cause);
		ours->changed = true;
	} else if (err == 0 && modprobe_conf_remove(ours->mp, MODPROBE_OPTIONS,
				   "vfio_pci") == 0) {
		ours->changed = true;
	}
	strv_free(ids, n_ids);
	sb_release(&params);
	sb_release(&text);
	return err;
}

int
km_conflicts_fix(const struct host *h, const struct selection *s,
    const struct km_want *w, struct km_config *c, struct plan *p, char **cause)
{
	int err;

	if ((err = fix_blacklists(h, s, w, c, p, cause)) < 0 ||
	    (err = fix_virqfd(h, c, p, cause)) < 0 ||
	    (err = fix_options(w, c, p, cause)) < 0 ||
	    (err = km_fix_install(w, c, p, cause)) < 0)
		return err;
	return 0;
}
