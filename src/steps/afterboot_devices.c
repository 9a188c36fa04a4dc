/*
 * afterboot_devices.c: the devices part of the diagnosis after the reboot
 * (afterboot.h). Each function meant for vfio-pci must be on it; when a
 * host driver has it, the configuration on disk tells whether the boot
 * did not see it (a stale initramfs, a built-in driver) or whether it
 * changed. Each IOMMU group of those functions must be viable (every other
 * device on vfio-pci or driverless, bridges aside) and hold no device the
 * host needs, and have its /dev/vfio node. GVT-g needs kvmgt and i915's
 * mdev types (passthrough-facts sections 4 and 8). SR-IOV's VFs are the
 * SR-IOV step's to verify (step_sriov.c).
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/selection.h"
#include "afterboot.h"
#include "guard.h"
#include "kmodules.h"
#include "steps.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool
on_vfio(const struct pci_device *d)
{
	return d->driver != NULL && modprobe_name_eq(d->driver, "vfio_pci");
}

static bool
loaded(const struct host *h, const char *module)
{
	return strv_has(h->kernel.loaded, h->kernel.n_loaded, module);
}

static enum kmod_presence
running_has(const struct host *h, enum vfio_module m)
{
	const struct installed_kernel *k = host_kernel_running(h);

	return k != NULL ? k->modules[m] : KMOD_MODULE;
}

/* The commands that rebuild the initramfs on this host. */
static const char *
initramfs_commands(const struct host *h)
{
	if (h->boot.loader == BOOT_SYSTEMD_BOOT || h->boot.proxmox_boot_tool)
		return _("'update-initramfs -u -k all' and 'proxmox-boot-tool "
			 "refresh'");
	return _("'update-initramfs -u -k all'");
}

/* Evidence that the initramfs predates our modprobe.d file, or NULL. */
static char *
initrd_older(const struct host *h, const struct root *r)
{
	struct stat ist, cst;
	char *path;
	bool older;

	if (h->kernel.release == NULL)
		return NULL;
	path = xasprintf("/boot/initrd.img-%s", h->kernel.release);
	older = root_stat(r, path, &ist, true) == 0 &&
		root_stat(r, KM_MODPROBE_OURS, &cst, true) == 0 &&
		(ist.st_mtim.tv_sec < cst.st_mtim.tv_sec ||
		    (ist.st_mtim.tv_sec == cst.st_mtim.tv_sec &&
			ist.st_mtim.tv_nsec < cst.st_mtim.tv_nsec));
	if (older) {
		char *msg =
		    xasprintf(_("%s is older than %s"), path, KM_MODPROBE_OURS);

		free(path);
		return msg;
	}
	free(path);
	return NULL;
}

/* True when the choices name the device itself (not a group sibling). */
static bool
chosen(const struct choices *c, const char *address)
{
	size_t i;

	for (i = 0; i < c->n_items; i++)
		if (strncmp(c->items[i], "device=", 7) == 0 &&
		    strcmp(c->items[i] + 7, address) == 0)
			return true;
	return false;
}

/* A function still on its host driver: why the claim did not apply. */
static void
host_driver(const struct host *h, const struct root *r, const struct choices *c,
    const struct selection *s, const struct km_want *w,
    const struct selected_fn *f, struct ab_report *rep)
{
	const struct pci_device *d = f->dev;
	const char *release = s->kernel != NULL ? s->kernel : h->kernel.release;
	struct strbuf why = STRBUF_INIT;
	char *name = ab_dev_name(d), *what, *cause, *next, *old;

	what = xasprintf(
	    _("%s is still driven by %s, not vfio-pci"), name, d->driver);
	if (f->builtin || (release != NULL && km_presence(r, release,
						  d->driver) == KMOD_BUILTIN)) {
		cause = xasprintf(_("%s is built into kernel %s and binds "
				    "before any module loads: no softdep, "
				    "ids= or blacklist can keep it off"),
		    d->driver, release != NULL ? release : "?");
		next = xasprintf(_("boot a kernel that builds %s as a module "
				   "(Proxmox VE's kernels do), then reboot "
				   "and run 'vfio-wizard resume'"),
		    d->driver);
	} else if (km_verify_config(h, r, s, w, &why)) {
		old = initrd_older(h, r);
		cause = xasprintf(_("the configuration on disk is right, so "
				    "the vfio-pci claim (softdep, "
				    "driver_override install line or ids=) "
				    "did not apply before %s at boot: the "
				    "initramfs was probably not rebuilt and "
				    "%s loaded from it first%s%s"),
		    d->driver, d->driver, old != NULL ? "; " : "",
		    old != NULL ? old : "");
		next = xasprintf(_("run %s, check that it reports no error, "
				   "then reboot and run 'vfio-wizard resume'"),
		    initramfs_commands(h));
		free(old);
	} else if (!chosen(c, d->address) && d->iommu_group >= 0) {
		cause = xasprintf(_("it shares IOMMU group %d with the chosen "
				    "devices, which the host showed only after "
				    "the reboot: the configuration was written "
				    "without it, so the group is not viable "
				    "and the VM will not start"),
		    d->iommu_group);
		next = xasprintf(_("run 'vfio-wizard plan' and apply it to "
				   "pass it as well, or move the card to "
				   "another slot; %s"),
		    _("the ACS override (pcie_acs_override) is a last resort "
		      "that weakens isolation, and vfio-wizard never applies "
		      "it"));
	} else {
		cause = xasprintf(_("the modprobe configuration no longer "
				    "claims it: %s"),
		    sb_str(&why));
		next = xstrdup(_("run 'vfio-wizard plan' to see what changed, "
				 "apply it, then reboot"));
	}
	ab_add(rep, what, cause, next);
	sb_release(&why);
	free(name);
}

/* A function without any driver: vfio-pci was not there to take it. */
static void
no_driver(const struct host *h, const struct root *r,
    const struct selected_fn *f, struct ab_report *rep)
{
	const char *rel = h->kernel.release != NULL ? h->kernel.release : "?";
	char *name = ab_dev_name(f->dev), *cause, *next;

	if (running_has(h, VM_VFIO_PCI) == KMOD_MISSING) {
		cause = xasprintf(_("kernel %s has no vfio-pci module"), rel);
		next = xstrdup(_("boot a kernel that has vfio-pci (Proxmox "
				 "VE's kernels do), then run 'vfio-wizard "
				 "resume'"));
	} else if (!loaded(h, "vfio_pci") &&
		   running_has(h, VM_VFIO_PCI) != KMOD_BUILTIN) {
		cause = xasprintf(
		    _("vfio-pci was not loaded at boot: "
		      "systemd-modules-load did not load it from %s%s"),
		    KM_MODLOAD_OURS,
		    root_exists(r, KM_MODLOAD_OURS) ? ""
						    : _(", which is missing"));
		next = xstrdup(_("run 'modprobe vfio-pci' to see why it does "
				 "not load and 'systemctl status "
				 "systemd-modules-load', then reboot"));
	} else {
		cause = xstrdup(_("vfio-pci is loaded but did not claim it: "
				  "its ids= or the driver_override install "
				  "line does not match it, or its probe "
				  "failed"));
		next = xstrdup(_("read /sys/module/vfio_pci/parameters/ids and "
				 "'dmesg | grep vfio', then run 'vfio-wizard "
				 "plan'"));
	}
	ab_add(rep, xasprintf(_("%s has no driver, not vfio-pci"), name), cause,
	    next);
	free(name);
}

/* One member of a group that keeps the group from vfio, or NULL. */
static void
group_member(const struct host *h, const struct choices *c,
    const struct selection *s, int g, const struct pci_device *o,
    struct ab_report *rep)
{
	const struct selected_fn *sf = selection_find(s, o->address);
	char *name, *guard;

	if ((sf != NULL && sf->to_vfio) || pci_is_bridge(o))
		return;
	name = ab_dev_name(o);
	if ((guard = guard_sibling(h, c, g, o)) != NULL) {
		ab_add(rep,
		    xasprintf(_("IOMMU group %d, now known after the boot, "
				"also holds a device the host needs: %s"),
			g, guard),
		    xstrdup(_("the slot shares its IOMMU group with a device "
			      "the host cannot give away")),
		    xstrdup(_("undo with 'vfio-wizard undo' and move the "
			      "card to another slot; the ACS override is no "
			      "fix for a device the host needs")));
		free(guard);
	} else if (o->driver != NULL && !on_vfio(o) &&
		   strcmp(o->driver, "pci-stub") != 0) {
		ab_add(rep,
		    xasprintf(_("IOMMU group %d is not viable: %s is still "
				"on %s, so the VM will not start"),
			g, name, o->driver),
		    xstrdup(_("every device of an IOMMU group must be on "
			      "vfio-pci or driverless, and this one was "
			      "not chosen")),
		    xasprintf(_("pass %s through as well if the host can "
				"spare it (--device %s), or move the card to "
				"another slot; the ACS override "
				"(pcie_acs_override) is a last resort that "
				"weakens isolation and vfio-wizard never "
				"applies it"),
			name, o->address));
	}
	free(name);
}

/* The groups of the functions on vfio-pci: viable, safe, with a node. */
static void
groups(const struct host *h, const struct root *r, const struct choices *c,
    const struct selection *s, struct ab_report *rep)
{
	int *seen = NULL;
	size_t n_seen = 0, i, k, before;

	for (i = 0; i < s->n_fns; i++) {
		const struct pci_device *d = s->fns[i].dev;
		const struct iommu_group *g;
		char *name;

		if (!s->fns[i].to_vfio || !on_vfio(d) || d->iommu_group < 0)
			continue;
		for (k = 0; k < n_seen && seen[k] != d->iommu_group; k++)
			;
		if (k < n_seen)
			continue;
		ARRAY_PUSH(seen, n_seen, d->iommu_group);
		g = host_group_find(h, d->iommu_group);
		before = rep->n;
		for (k = 0; g != NULL && k < g->n_devices; k++)
			group_member(
			    h, c, s, g->id, &h->pci[g->devices[k]], rep);
		/* a tree without /dev (replay writes none) shows no nodes */
		if (rep->n > before || host_vfio_node(h, d->iommu_group) ||
		    !root_exists(r, "/dev"))
			continue;
		name = ab_dev_name(d);
		ab_add(rep,
		    xasprintf(_("/dev/vfio/%d is missing, although %s of "
				"IOMMU group %d is on vfio-pci"),
			d->iommu_group, name, d->iommu_group),
		    xstrdup(h->iommu.dev_vfio
				? _("vfio did not register the group")
				: _("the vfio module is not loaded "
				    "(/dev/vfio/vfio is missing too)")),
		    xstrdup(_("read 'dmesg | grep vfio' and check that vfio "
			      "and vfio_iommu_type1 load, then reboot")));
		free(name);
	}
	free(seen);
}

/* GVT-g: kvmgt loaded and i915's mdev types under the iGPU. */
static void
gvt(const struct host *h, const struct root *r, const struct selection *s,
    struct ab_report *rep)
{
	const struct pci_device *d = s->igpu->dev;
	char *path, *name = ab_dev_name(d), *param = NULL;
	bool kvmgt = loaded(h, "kvmgt");

	if (!kvmgt)
		ab_add(rep, xstrdup(_("kvmgt is not loaded (/proc/modules)")),
		    running_has(h, VM_KVMGT) == KMOD_MISSING
			? xasprintf(_("kernel %s has no kvmgt module"),
			      h->kernel.release)
			: xasprintf(_("systemd-modules-load did not load it "
				      "from %s"),
			      KM_MODLOAD_OURS),
		    xstrdup(_("run 'modprobe kvmgt' to see why, then reboot "
			      "and run 'vfio-wizard resume'")));
	path = xasprintf(
	    "/sys/bus/pci/devices/%s/mdev_supported_types", d->address);
	if (root_exists(r, path)) {
		free(path);
		free(name);
		return;
	}
	root_read_line(r, "/sys/module/i915/parameters/enable_gvt", &param);
	if (d->driver == NULL || strcmp(d->driver, "i915") != 0)
		ab_add(rep,
		    xasprintf(_("%s offers no GVT-g mdev types (%s is "
				"missing): it is on %s, not i915"),
			name, path,
			d->driver != NULL ? d->driver : _("no driver")),
		    xstrdup(_("the host must keep i915 on the iGPU for GVT-g")),
		    xstrdup(_("remove what binds it elsewhere (run "
			      "'vfio-wizard plan'), then reboot")));
	else
		ab_add(rep,
		    xasprintf(_("%s offers no GVT-g mdev types (%s is "
				"missing)"),
			name, path),
		    param != NULL && param[0] != 'Y' && param[0] != '1'
			? xasprintf(_("i915.enable_gvt=1 is not in effect "
				      "(/sys/module/i915/parameters/enable_gvt "
				      "is %s): the kernel command line did not "
				      "apply"),
			      param)
		    : !kvmgt ? xstrdup(_("kvmgt is not loaded (see above)"))
			     : xstrdup(_("i915 did not start GVT-g on this "
					 "GPU: the generation has no GVT-g, or "
					 "the aperture set in the firmware is "
					 "too small")),
		    xstrdup(_("read 'dmesg | grep -i gvt' for i915's reason, "
			      "then reboot and run 'vfio-wizard resume'")));
	free(param);
	free(path);
	free(name);
}

void
ab_devices(const struct host *h, const struct root *r, const struct choices *c,
    const struct selection *s, const struct km_want *w, struct ab_report *rep)
{
	size_t i;

	for (i = 0; i < s->n_fns; i++) {
		const struct selected_fn *f = &s->fns[i];

		if (!f->to_vfio || on_vfio(f->dev))
			continue;
		if (!h->iommu.active) {
			char *name = ab_dev_name(f->dev);

			ab_add(rep,
			    xasprintf(_("%s is not on vfio-pci (%s): without "
					"an active IOMMU it has no IOMMU "
					"group, and vfio-pci cannot take it"),
				name,
				f->dev->driver != NULL ? f->dev->driver
						       : _("no driver")),
			    xstrdup(_("the IOMMU is not active (see the kernel "
				      "command line step)")),
			    xstrdup(_("make the IOMMU active first, then "
				      "reboot and run 'vfio-wizard resume'")));
			free(name);
			return;
		}
		if (f->dev->driver != NULL)
			host_driver(h, r, c, s, w, f, rep);
		else
			no_driver(h, r, f, rep);
	}
	groups(h, r, c, s, rep);
	if (s->igpu != NULL && s->mode == MODE_GVT_G)
		gvt(h, r, s, rep);
}
