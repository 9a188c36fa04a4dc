/*
 * selection.c: the user's choices resolved against the host (selection.h):
 * which functions, in which mode, and which modules would claim each PCI
 * device at boot (libkmod's alias lookup in the kernel that boots), and
 * the IOMMU group siblings that must go to vfio-pci with them. A device
 * the host needs (guard.c) is refused unless a typed confirmation lifted
 * its block.
 */
#include "vfio-wizard/selection.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/pci_addr.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/step.h"
#include "guard.h"

#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>

#include "vfio-wizard/strbuf.h"

#define MAX_VFS 63 /* i915-sriov-dkms caps max_vfs well below this */

/* vfio-pci and its variant drivers (vfio_pci, mlx5_vfio_pci, ...). */
static bool
is_vfio_driver(const char *name)
{
	return strcmp(name, "vfio_pci") == 0 ||
	       strstr(name, "_vfio_pci") != NULL ||
	       strcmp(name, "vfio-pci") == 0;
}

/* The kernel whose aliases count: the running one, else the newest. */
static const struct installed_kernel *
boot_kernel(const struct host *h)
{
	const struct installed_kernel *k = host_kernel_running(h);
	size_t i;

	if (k != NULL && k->has_modules_dir)
		return k;
	for (i = h->kernel.n_installed; i > 0; i--) {
		if (h->kernel.installed[i - 1].has_modules_dir)
			return &h->kernel.installed[i - 1];
	}
	return NULL;
}

static void
add_driver(struct selection_drivers *d, const char *name, bool *builtin,
    bool is_builtin)
{
	char *n = xstrdup(name);
	char *p;

	for (p = n; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	if (is_vfio_driver(n) || strv_has(d->names, d->n, n)) {
		free(n);
		return;
	}
	ARRAY_PUSH(d->names, d->n, n);
	if (builtin != NULL && is_builtin)
		*builtin = true;
}

/* The modules the alias lookup gives for one modalias. */
static void
lookup_modalias(struct kmod_ctx *ctx, const char *modalias,
    struct selection_drivers *d, bool *builtin)
{
	struct kmod_list *list = NULL, *it;

	if (ctx == NULL || modalias == NULL ||
	    kmod_module_new_from_lookup(ctx, modalias, &list) != 0)
		return;
	kmod_list_foreach(it, list)
	{
		struct kmod_module *m = kmod_module_get_module(it);

		add_driver(d, kmod_module_get_name(m), builtin,
		    kmod_module_get_path(m) == NULL);
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
}

static bool
is_igpu(const struct pci_device *d)
{
	return d->vendor_id == 0x8086 && d->bus == 0 && pci_is_gpu(d) &&
	       d->physfn == NULL;
}

static int
add_devices(const struct host *h, const struct choices *c, struct selection *s,
    char **cause)
{
	size_t i;

	for (i = 0; c != NULL && i < c->n_items; i++) {
		const char *v = c->items[i];
		const struct pci_device *d;
		struct selected_fn f;
		char addr[PCI_ADDR_LEN];

		if (strncmp(v, "device=", 7) != 0)
			continue;
		v += 7;
		if (pci_address_parse(v, addr) < 0) {
			*cause = xasprintf(_("'%s' is not a PCI address "
					     "(expected 0000:00:02.0)"),
			    v);
			return -EINVAL;
		}
		if ((d = host_pci_find(h, addr)) == NULL) {
			*cause =
			    xasprintf(_("no PCI device %s on this host"), addr);
			return -ENODEV;
		}
		/* the critical-device guard: a device the host needs */
		if ((*cause = guard_refusal(h, c, d)) != NULL)
			return -EPERM;
		if (selection_find(s, addr) != NULL)
			continue;
		memset(&f, 0, sizeof f);
		f.dev = d;
		f.mode = MODE_VFIO;
		f.to_vfio = true;
		f.lifted = guard_lifted(c, d);
		ARRAY_PUSH(s->fns, s->n_fns, f);
	}
	return 0;
}

static int
resolve_mode(const struct choices *c, struct selection *s, char **cause)
{
	const char *m = choices_get(c, "mode");
	struct selected_fn *gpu = NULL;
	size_t i;

	s->mode = MODE_VFIO;
	if (m != NULL && (s->mode = (enum vw_mode)mode_from_name(m)) == 0) {
		*cause = xasprintf(_("unknown mode '%s' (legacy-igd, gvt-g, "
				     "sr-iov or vfio)"),
		    m);
		return -EINVAL;
	}
	for (i = 0; i < s->n_fns && gpu == NULL; i++) {
		if (is_igpu(s->fns[i].dev))
			gpu = &s->fns[i];
	}
	if (gpu == NULL) {
		if (s->mode != MODE_VFIO) {
			*cause = xasprintf(_("mode %s needs the Intel "
					     "integrated GPU among the chosen "
					     "devices"),
			    mode_name(s->mode));
			return -EINVAL;
		}
		return 0;
	}
	if (s->mode == MODE_LEGACY_IGD &&
	    strcmp(gpu->dev->address, "0000:00:02.0") != 0) {
		*cause = xasprintf(_("legacy IGD mode needs the GPU at host "
				     "address 0000:00:02.0, not %s"),
		    gpu->dev->address);
		return -EINVAL;
	}
	gpu->mode = s->mode;
	gpu->to_vfio = s->mode == MODE_VFIO || s->mode == MODE_LEGACY_IGD;
	s->igpu = gpu;
	return 0;
}

static int
resolve_vfs(const struct choices *c, struct selection *s, char **cause)
{
	const char *v = choices_get(c, "vfs");
	char *end;
	long n;

	if (s->igpu == NULL || s->mode != MODE_SRIOV) {
		if (v != NULL) {
			*cause = xstrdup(_("a VF count is only for SR-IOV"));
			return -EINVAL;
		}
		return 0;
	}
	if (v == NULL) {
		s->vfs = s->igpu->dev->sriov_totalvfs > 0
			     ? s->igpu->dev->sriov_totalvfs
			     : 7;
		return 0;
	}
	n = strtol(v, &end, 10);
	if (*v < '0' || *v > '9' || *end != '\0' || n < 1 || n > MAX_VFS ||
	    (s->igpu->dev->sriov_totalvfs > 0 &&
		n > s->igpu->dev->sriov_totalvfs)) {
		*cause = xasprintf(_("'%s' is not a VF count this GPU offers "
				     "(1 to %d)"),
		    v,
		    s->igpu->dev->sriov_totalvfs > 0
			? s->igpu->dev->sriov_totalvfs
			: MAX_VFS);
		return -EINVAL;
	}
	s->vfs = (int)n;
	return 0;
}

/* Point a selected function at its device's drivers. */
static void
link_drivers(const struct host *h, struct selection *s, struct selected_fn *f)
{
	size_t i = (size_t)(f->dev - h->pci);

	f->drivers = s->all[i].names;
	f->n_drivers = s->all[i].n;
	f->builtin = s->all[i].builtin;
}

static void
resolve_drivers(const struct host *h, const struct root *r, struct selection *s)
{
	const struct installed_kernel *k = boot_kernel(h);
	struct kmod_ctx *ctx = NULL;
	size_t i, found = 0;

	if (k != NULL) {
		s->kernel = xstrdup(k->release);
		ctx = kmods_ctx(r, k->release, false);
	}
	s->n_all = h->n_pci;
	s->all = xcalloc(h->n_pci > 0 ? h->n_pci : 1, sizeof *s->all);
	for (i = 0; i < h->n_pci; i++) {
		const struct pci_device *dev = &h->pci[i];
		const char *prev = i > 0 ? h->pci[i - 1].modalias : NULL;
		struct selection_drivers *d = &s->all[i];
		size_t j;

		/*
		 * The VFs of a PF follow each other with one modalias: the
		 * modules found for the one before serve (4,096 lookups of
		 * a few distinct aliases cost milliseconds per plan step).
		 */
		if (found > 0 && dev->modalias != NULL && prev != NULL &&
		    strcmp(dev->modalias, prev) == 0) {
			for (j = 0; j < found; j++)
				ARRAY_PUSH(d->names, d->n,
				    xstrdup(s->all[i - 1].names[j]));
			d->builtin = s->all[i - 1].builtin;
		} else
			lookup_modalias(ctx, dev->modalias, d, &d->builtin);
		found = d->n;
		/* no module claims it by alias: the bound driver does */
		if (d->n == 0 && dev->driver != NULL)
			add_driver(d, dev->driver, NULL, false);
	}
	for (i = 0; i < s->n_fns; i++)
		link_drivers(h, s, &s->fns[i]);
	if (ctx != NULL)
		kmod_unref(ctx);
}

/*
 * The other members of each chosen vfio-pci function's IOMMU group that a
 * driver would claim: they go to vfio-pci too, or the group is not usable
 * (facts §8). Bridges stay. A sibling the host needs is refused unless its
 * block was lifted by a typed confirmation.
 */
static int
add_siblings(const struct host *h, const struct choices *c, struct selection *s,
    char **cause)
{
	size_t n_chosen = s->n_fns, igpu = SIZE_MAX, i, j;

	for (i = 0; i < n_chosen; i++) {
		const struct pci_device *d = s->fns[i].dev;
		const struct iommu_group *g;

		if (&s->fns[i] == s->igpu)
			igpu = i;
		if (!s->fns[i].to_vfio || d->iommu_group < 0 ||
		    (g = host_group_find(h, d->iommu_group)) == NULL)
			continue;
		for (j = 0; j < g->n_devices; j++) {
			const struct pci_device *o = &h->pci[g->devices[j]];
			struct selected_fn f;

			if (pci_is_bridge(o) ||
			    selection_find(s, o->address) != NULL ||
			    s->all[g->devices[j]].n == 0)
				continue;
			*cause = guard_sibling_refusal(h, c, d, g->id, o);
			if (*cause != NULL)
				return -EPERM;
			memset(&f, 0, sizeof f);
			f.dev = o;
			f.mode = MODE_VFIO;
			f.to_vfio = true;
			f.sibling = true;
			f.lifted = guard_lifted(c, o);
			ARRAY_PUSH(s->fns, s->n_fns, f);
			link_drivers(h, s, &s->fns[s->n_fns - 1]);
		}
	}
	/* the array may have moved */
	if (igpu != SIZE_MAX)
		s->igpu = &s->fns[igpu];
	return 0;
}

static int
resolve_blacklist(const struct host *h, const struct choices *c,
    struct selection *s, char **cause)
{
	size_t i;

	for (i = 0; c != NULL && i < c->n_items; i++) {
		const char *v = c->items[i], *other;
		char *name, *p;

		if (strncmp(v, "blacklist=", 10) != 0)
			continue;
		name = xstrdup(v + 10);
		for (p = name; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		if (*name == '\0' ||
		    strspn(name, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789_") != strlen(name) ||
		    strlen(name) > 55) {
			*cause =
			    xasprintf(_("'%s' is not a module name"), v + 10);
			free(name);
			return -EINVAL;
		}
		if (selection_driver_needed(s, h, name, &other)) {
			*cause = xasprintf(_("%s cannot be blacklisted: %s "
					     "stays on the host and needs it"),
			    name, other);
			free(name);
			return -EINVAL;
		}
		if (strv_has(s->blacklist, s->n_blacklist, name))
			free(name);
		else
			ARRAY_PUSH(s->blacklist, s->n_blacklist, name);
	}
	return 0;
}

int
selection_resolve(const struct host *h, const struct root *r,
    const struct choices *c, struct selection *s, char **cause)
{
	int err;

	memset(s, 0, sizeof *s);
	s->mode = MODE_VFIO;
	err = add_devices(h, c, s, cause);
	if (err == 0)
		err = resolve_mode(c, s, cause);
	if (err == 0)
		err = resolve_vfs(c, s, cause);
	if (err == 0) {
		resolve_drivers(h, r, s);
		err = add_siblings(h, c, s, cause);
	}
	if (err == 0)
		err = resolve_blacklist(h, c, s, cause);
	if (err < 0)
		selection_free(s);
	return err;
}

void
selection_free(struct selection *s)
{
	size_t i;

	for (i = 0; i < s->n_all; i++)
		strv_free(s->all[i].names, s->all[i].n);
	free(s->all);
	free(s->fns);
	strv_free(s->blacklist, s->n_blacklist);
	free(s->kernel);
	memset(s, 0, sizeof *s);
	s->mode = MODE_VFIO;
}

const struct selected_fn *
selection_find(const struct selection *s, const char *address)
{
	size_t i;

	for (i = 0; i < s->n_fns; i++) {
		if (strcmp(s->fns[i].dev->address, address) == 0)
			return &s->fns[i];
	}
	return NULL;
}

bool
selection_id_shared(const struct selection *s, const struct host *h,
    uint16_t vendor, uint16_t device, const char **other)
{
	size_t i;

	for (i = 0; i < h->n_pci; i++) {
		const struct pci_device *d = &h->pci[i];

		if (d->vendor_id == vendor && d->device_id == device &&
		    selection_find(s, d->address) == NULL) {
			if (other != NULL)
				*other = d->address;
			return true;
		}
	}
	return false;
}

bool
selection_driver_needed(const struct selection *s, const struct host *h,
    const char *module, const char **other)
{
	size_t i;

	for (i = 0; i < h->n_pci && i < s->n_all; i++) {
		const struct selected_fn *f =
		    selection_find(s, h->pci[i].address);

		if (f != NULL && f->to_vfio)
			continue;
		if (strv_has(s->all[i].names, s->all[i].n, module)) {
			if (other != NULL)
				*other = h->pci[i].address;
			return true;
		}
	}
	return false;
}

/* "0000:01:00.0 (X370 ...), 0000:03:00.0 (ASM1143 ...)" */
static void
name_list(struct strbuf *sb, const struct selected_fn *const *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sb_addf(sb, "%s%s (%s)", i > 0 ? ", " : "", f[i]->dev->address,
		    f[i]->dev->device_name);
}

static bool
same_slot(const struct pci_device *a, const struct pci_device *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

/* The chosen function in sibling o's slot, or NULL. */
static const struct selected_fn *
slot_owner(const struct selection *s, const struct pci_device *o)
{
	size_t i;

	for (i = 0; i < s->n_fns; i++) {
		if (!s->fns[i].sibling && same_slot(s->fns[i].dev, o))
			return &s->fns[i];
	}
	return NULL;
}

/* One note per IOMMU group for the siblings outside the chosen slots. */
static void
group_notes(const struct selection *s, struct plan *p, const char *step)
{
	const struct selected_fn **g = xcalloc(s->n_fns + 1, sizeof *g);
	size_t i, j, n;

	for (i = 0; i < s->n_fns; i++) {
		const struct selected_fn *f = &s->fns[i];
		struct strbuf sb = STRBUF_INIT;
		bool seen = false;

		if (!f->sibling || slot_owner(s, f->dev) != NULL)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen =
			    s->fns[j].sibling &&
			    slot_owner(s, s->fns[j].dev) == NULL &&
			    s->fns[j].dev->iommu_group == f->dev->iommu_group;
		if (seen)
			continue;
		for (n = 0, j = i; j < s->n_fns; j++) {
			if (s->fns[j].sibling &&
			    slot_owner(s, s->fns[j].dev) == NULL &&
			    s->fns[j].dev->iommu_group == f->dev->iommu_group)
				g[n++] = &s->fns[j];
		}
		name_list(&sb, g, n);
		plan_note(p, step,
		    _("IOMMU group %d also holds %s: vfio-pci claims them at "
		      "boot as well, because a group can be passed through "
		      "only when every device in it is on vfio-pci or has no "
		      "driver. They are not given to the VM, and the host "
		      "loses them. To keep them, %s"),
		    f->dev->iommu_group, sb_str(&sb), guard_acs_advice());
		sb_release(&sb);
	}
	free(g);
}

void
selection_notes(const struct host *h, const struct choices *c,
    const struct selection *s, struct plan *p, const char *step)
{
	const struct selected_fn *own;
	size_t i;
	char *note;

	for (i = 0; i < s->n_fns; i++) {
		if (s->fns[i].lifted &&
		    (note = guard_lift_note(h, c, s->fns[i].dev)) != NULL) {
			plan_note(p, step, "%s", note);
			free(note);
		}
	}
	for (i = 0; i < s->n_fns; i++) {
		const struct pci_device *d = s->fns[i].dev;

		if (s->fns[i].sibling && (own = slot_owner(s, d)) != NULL)
			plan_note(p, step,
			    _("%s (%s), another function of %s, shares its "
			      "IOMMU group: vfio-pci claims it at boot as "
			      "well, but it is not given to the VM; choose it "
			      "with --device %s to pass it too"),
			    d->address, d->device_name, own->dev->address,
			    d->address);
	}
	group_notes(s, p, step);
}
