/*
 * selection.c: the user's choices resolved against the host (selection.h):
 * which functions, in which mode, and which modules would claim each PCI
 * device at boot (libkmod's alias lookup in the kernel that boots). A
 * device the host needs (guard.c) is refused.
 */
#include "vfio-wizard/selection.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/pci_addr.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/step.h"
#include "guard.h"

#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>

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

/* The modules the alias lookup gives for one device. */
static void
lookup_drivers(struct kmod_ctx *ctx, const struct pci_device *dev,
    struct selection_drivers *d, bool *builtin)
{
	struct kmod_list *list = NULL, *it;

	if (ctx != NULL && dev->modalias != NULL &&
	    kmod_module_new_from_lookup(ctx, dev->modalias, &list) == 0) {
		kmod_list_foreach(it, list)
		{
			struct kmod_module *m = kmod_module_get_module(it);

			add_driver(d, kmod_module_get_name(m), builtin,
			    kmod_module_get_path(m) == NULL);
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	if (d->n == 0 && dev->driver != NULL)
		add_driver(d, dev->driver, NULL, false);
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
		if ((*cause = guard_refusal(h, d)) != NULL)
			return -EPERM;
		if (selection_find(s, addr) != NULL)
			continue;
		memset(&f, 0, sizeof f);
		f.dev = d;
		f.mode = MODE_VFIO;
		f.to_vfio = true;
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

static void
resolve_drivers(const struct host *h, const struct root *r, struct selection *s)
{
	const struct installed_kernel *k = boot_kernel(h);
	struct kmod_ctx *ctx = NULL;
	size_t i, j;

	if (k != NULL) {
		s->kernel = xstrdup(k->release);
		ctx = kmods_ctx(r, k->release, false);
	}
	s->n_all = h->n_pci;
	s->all = xcalloc(h->n_pci > 0 ? h->n_pci : 1, sizeof *s->all);
	for (i = 0; i < h->n_pci; i++) {
		struct selected_fn *f = NULL;

		for (j = 0; j < s->n_fns; j++) {
			if (s->fns[j].dev == &h->pci[i])
				f = &s->fns[j];
		}
		lookup_drivers(ctx, &h->pci[i], &s->all[i],
		    f != NULL ? &f->builtin : NULL);
		if (f != NULL) {
			f->drivers = s->all[i].names;
			f->n_drivers = s->all[i].n;
		}
	}
	if (ctx != NULL)
		kmod_unref(ctx);
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
		err = resolve_blacklist(h, c, s, cause);
	}
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
