/*
 * kmodules_conf.c: what the modules step wants, and the new texts of its
 * own two files (kmodules.h).
 *
 * /etc/modules-load.d/vfio-wizard.conf lists vfio, vfio_iommu_type1 and
 * vfio_pci, vfio_virqfd while an installed kernel still has it as a module
 * (merged into vfio in Linux 6.2), kvmgt for GVT-g; a module another list
 * already loads is not repeated. /etc/modprobe.d/vfio-wizard.conf gets the
 * vfio-pci binding (written by the conflicts pass, which merges the
 * existing options), `softdep <driver> pre: vfio-pci` for every driver that
 * would otherwise claim a function, and the blacklists the user asked for.
 * A new file starts with a comment naming vfio-wizard; nothing is written
 * where the existing configuration already says it all.
 */
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/step.h"
#include "kmodules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char modload_header[] =
    "# Written by vfio-wizard: the vfio modules that PCI passthrough needs,\n"
    "# loaded at boot by systemd-modules-load (modules-load.d(5)).\n";
static const char modprobe_header[] =
    "# Written by vfio-wizard: vfio-pci claims the devices passed through "
    "to\n"
    "# VMs before their host drivers can (modprobe.d(5)).\n";

/* Push a copy of s unless the vector has it (case-insensitively). */
static void
push_unique(char ***v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcasecmp((*v)[i], s) == 0)
			return;
	}
	ARRAY_PUSH(*v, *n, xstrdup(s));
}

static bool
virqfd_module_somewhere(const struct host *h)
{
	size_t i;

	for (i = 0; i < h->kernel.n_installed; i++) {
		if (h->kernel.installed[i].modules[VM_VFIO_VIRQFD] ==
		    KMOD_MODULE)
			return true;
	}
	return false;
}

/* The ID of a function goes to ids=, or it is bound by its address. */
static void
want_binding(const struct host *h, const struct selection *s,
    const struct selected_fn *f, struct km_want *w, struct plan *p)
{
	const char *other = NULL;
	char id[10];

	snprintf(
	    id, sizeof id, "%04x:%04x", f->dev->vendor_id, f->dev->device_id);
	if (!selection_id_shared(
		s, h, f->dev->vendor_id, f->dev->device_id, &other)) {
		push_unique(&w->ids, &w->n_ids, id);
		return;
	}
	push_unique(&w->shared_ids, &w->n_shared_ids, id);
	push_unique(&w->addrs, &w->n_addrs, f->dev->address);
	if (p != NULL)
		plan_note(p, KM_STEP,
		    _("%s (%s) is bound to vfio-pci by its address "
		      "(driver_override), not by ID: %s has the same ID and "
		      "stays on the host, and options vfio-pci ids= would "
		      "take it too."),
		    f->dev->address, id, other);
}

/* Order each driver of the function after vfio-pci (a built-in: note). */
static void
want_softdeps(const struct root *r, const struct selection *s,
    const struct selected_fn *f, struct km_want *w, struct plan *p)
{
	size_t i;

	for (i = 0; i < f->n_drivers; i++) {
		const char *d = f->drivers[i];

		if (s->kernel != NULL &&
		    km_presence(r, s->kernel, d) == KMOD_BUILTIN) {
			if (p != NULL)
				plan_note(p, KM_STEP,
				    _("%s is built into kernel %s, so no "
				      "softdep can load vfio-pci before it: "
				      "it may claim %s at boot before "
				      "vfio-pci does."),
				    d, s->kernel, f->dev->address);
			continue;
		}
		push_unique(&w->softdeps, &w->n_softdeps, d);
	}
}

int
km_want_build(const struct host *h, const struct root *r,
    const struct selection *s, struct km_want *w, struct plan *p)
{
	static const char *const base[] = {
	    "vfio", "vfio_iommu_type1", "vfio_pci"};
	size_t i;

	memset(w, 0, sizeof *w);
	w->legacy = s->mode == MODE_LEGACY_IGD;
	for (i = 0; i < nitems(base); i++)
		push_unique(&w->load, &w->n_load, base[i]);
	if (virqfd_module_somewhere(h))
		push_unique(&w->load, &w->n_load, "vfio_virqfd");
	if (s->igpu != NULL && s->mode == MODE_GVT_G)
		push_unique(&w->load, &w->n_load, "kvmgt");
	for (i = 0; i < s->n_fns; i++) {
		if (!s->fns[i].to_vfio)
			continue;
		want_binding(h, s, &s->fns[i], w, p);
		want_softdeps(r, s, &s->fns[i], w, p);
	}
	for (i = 0; i < s->n_blacklist; i++)
		push_unique(&w->blacklist, &w->n_blacklist, s->blacklist[i]);
	return 0;
}

void
km_want_free(struct km_want *w)
{
	strv_free(w->load, w->n_load);
	strv_free(w->ids, w->n_ids);
	strv_free(w->shared_ids, w->n_shared_ids);
	strv_free(w->addrs, w->n_addrs);
	strv_free(w->softdeps, w->n_softdeps);
	strv_free(w->blacklist, w->n_blacklist);
	memset(w, 0, sizeof *w);
}

/* Give a file that does not exist yet its header comment, once. */
static void
start_ours(struct km_file *f, bool modprobe)
{
	char *cause = NULL;

	if (f->exists || f->changed)
		return;
	if (modprobe) {
		modprobe_conf_free(f->mp);
		f->mp = modprobe_conf_parse(
		    modprobe_header, strlen(modprobe_header));
	} else {
		modlist_free(f->ml);
		f->ml = NULL;
		if (modlist_parse(modload_header, strlen(modload_header),
			&f->ml, &cause) < 0)
			abort(); /* a constant the codec reads */
	}
	f->changed = true;
}

void
km_start_ours(struct km_file *f, bool modprobe)
{
	start_ours(f, modprobe);
}

int
km_conf_modlist(
    const struct km_want *w, struct km_config *c, struct plan *p, char **cause)
{
	struct km_file *ours = km_ours(c, false);
	size_t i;
	int err;

	(void)p;
	for (i = 0; i < w->n_load; i++) {
		if (km_listed(c, w->load[i], true))
			continue;
		start_ours(ours, false);
		if ((err = modlist_add(ours->ml, w->load[i], cause)) < 0)
			return err;
		ours->changed = true;
	}
	return 0;
}

int
km_conf_modprobe(const struct host *h, const struct km_want *w,
    struct km_config *c, struct plan *p, char **cause)
{
	struct km_file *ours = km_ours(c, true);
	size_t i;
	int err;

	(void)h;
	for (i = 0; i < w->n_softdeps; i++) {
		/* a blacklisted driver is not loaded for the device */
		if (km_blacklisted(c, w->softdeps[i]) ||
		    strv_has(w->blacklist, w->n_blacklist, w->softdeps[i]))
			continue;
		if ((err = km_softdep_merge(c, w->softdeps[i], p, cause)) < 0)
			return err;
	}
	for (i = 0; i < w->n_blacklist; i++) {
		if (km_blacklisted(c, w->blacklist[i]))
			continue;
		start_ours(ours, true);
		err = modprobe_conf_add_blacklist(
		    ours->mp, w->blacklist[i], cause);
		if (err < 0)
			return err;
		ours->changed = true;
	}
	return 0;
}

char *
km_param_last(const char *params, const char *key, size_t *count)
{
	size_t klen = strlen(key), n = 0;
	const char *p = params, *last = NULL;
	char *v;

	while (p != NULL && *p != '\0') {
		size_t wlen;

		p += strspn(p, " \t");
		wlen = strcspn(p, " \t");
		if (wlen > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			last = p + klen + 1;
			n++;
		}
		p += wlen;
	}
	if (count != NULL)
		*count = n;
	if (last == NULL)
		return NULL;
	v = xstrndup(last, strcspn(last, " \t"));
	/* the kernel's parser drops one pair of double quotes */
	if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
		memmove(v, v + 1, strlen(v) - 2);
		v[strlen(v) - 2] = '\0';
	}
	return v;
}

bool
km_list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p != NULL) {
		size_t len = strcspn(p, ",");

		if (len == n && strncasecmp(p, item, n) == 0)
			return true;
		p = p[len] == ',' ? p + len + 1 : NULL;
	}
	return false;
}
