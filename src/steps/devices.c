/*
 * devices.c: the per-device verdict. For every GPU (and every device asked
 * for) it works out which passthrough modes can work (from the knowledge
 * base: legacy IGD, GVT-g, SR-IOV, or the whole device through vfio), which
 * companion functions go along (Haswell's HDMI audio at 00:03.0, a discrete
 * card's other functions), which IOMMU-group siblings would have to go too,
 * and what blocks it (no IOMMU; the critical-device guard, guard.c: the
 * device itself, a function that goes along or a group sibling is the
 * controller of the root filesystem or of a Proxmox storage, or the
 * management NIC; a typed confirmation among the choices lifts one
 * device's block, which then becomes a note). It only reasons over the
 * snapshot; the steps of later issues act on it.
 */
#include "vfio-wizard/check.h"
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"
#include "guard.h"
#include "steps.h"

#include <stdlib.h>
#include <string.h>

static void
vpush(char ***v, size_t *n, char *s)
{
	ARRAY_PUSH(*v, *n, s);
}

static void
find_companions(
    const struct host *h, const struct pci_device *d, struct verdict *v)
{
	size_t i, j;

	if (v->igpu != NULL) {
		for (i = 0; i < v->igpu->n_companions; i++) {
			const struct kb_companion *c = &v->igpu->companions[i];
			char addr[PCI_ADDR_LEN];
			const struct pci_device *cd;

			if (pci_address_parse(c->slot, addr) < 0 ||
			    (cd = host_pci_find(h, addr)) == NULL ||
			    cd->vendor_id != c->vendor_id)
				continue;
			for (j = 0; j < c->n_device_ids; j++) {
				if (cd->device_id == c->device_ids[j]) {
					vpush(&v->companions, &v->n_companions,
					    xstrdup(cd->address));
					break;
				}
			}
		}
		return;
	}
	/* a discrete device goes with all its functions */
	for (i = 0; i < h->n_pci; i++) {
		const struct pci_device *o = &h->pci[i];

		if (o != d && o->domain == d->domain && o->bus == d->bus &&
		    o->dev == d->dev && o->physfn == NULL)
			vpush(&v->companions, &v->n_companions,
			    xstrdup(o->address));
	}
}

/* Group members of the device and its companions that would have to go. */
static void
find_siblings(const struct host *h, const struct choices *ch,
    const struct pci_device *d, struct verdict *v)
{
	const char *self[17];
	size_t n_self = 0, i, j, k;
	char *why;

	self[n_self++] = d->address;
	for (i = 0; i < v->n_companions && n_self < nitems(self); i++)
		self[n_self++] = v->companions[i];
	for (i = 0; i < n_self; i++) {
		const struct pci_device *m = host_pci_find(h, self[i]);
		const struct iommu_group *g;

		if (m == NULL || m->iommu_group < 0 ||
		    (g = host_group_find(h, m->iommu_group)) == NULL)
			continue;
		for (j = 0; j < g->n_devices; j++) {
			const struct pci_device *o = &h->pci[g->devices[j]];
			bool mine = false;

			for (k = 0; k < n_self; k++)
				mine = mine || strcmp(o->address, self[k]) == 0;
			if (mine || pci_is_bridge(o) ||
			    strv_has(v->siblings, v->n_siblings, o->address))
				continue;
			vpush(
			    &v->siblings, &v->n_siblings, xstrdup(o->address));
			if ((why = guard_sibling(h, ch, g->id, o)) != NULL)
				vpush(&v->blockers, &v->n_blockers, why);
			else if ((why = guard_lift_note(h, ch, o)) != NULL)
				vpush(&v->notes, &v->n_notes, why);
			else
				vpush(&v->notes, &v->n_notes,
				    xasprintf(_("IOMMU group %d also holds %s "
						"(%s): it must be passed "
						"through as well"),
					g->id, o->address, o->device_name));
		}
	}
}

/* Drop modes the host cannot serve and say why. */
static void
refine_modes(
    const struct host *h, const struct pci_device *d, struct verdict *v)
{
	const struct installed_kernel *k = host_kernel_running(h);

	if ((v->modes & MODE_LEGACY_IGD) &&
	    strcmp(d->address, "0000:00:02.0") != 0) {
		v->modes &= ~(unsigned)MODE_LEGACY_IGD;
		vpush(&v->notes, &v->n_notes,
		    xstrdup(_("legacy IGD mode needs the GPU at host address "
			      "00:02.0")));
	}
	if ((v->modes & MODE_GVT_G) && k != NULL &&
	    k->modules[VM_KVMGT] == KMOD_MISSING) {
		v->modes &= ~(unsigned)MODE_GVT_G;
		vpush(&v->notes, &v->n_notes,
		    xasprintf(_("GVT-g needs the kvmgt module, which kernel %s "
				"does not have"),
			k->release));
	}
	if (v->recommended != 0 && !(v->modes & v->recommended)) {
		static const enum vw_mode order[] = {
		    MODE_LEGACY_IGD, MODE_GVT_G, MODE_SRIOV, MODE_VFIO};
		size_t i;

		v->recommended = 0;
		for (i = 0; i < nitems(order) && v->recommended == 0; i++) {
			if (v->modes & order[i])
				v->recommended = order[i];
		}
	}
}

static void
firmware_blockers(const struct host *h, struct verdict *v)
{
	if (h->cpu.sku_vtd == TRI_NO)
		vpush(&v->blockers, &v->n_blockers,
		    xstrdup(_("the CPU has no VT-d")));
	else if (h->firmware.iommu_table == NULL)
		vpush(&v->blockers, &v->n_blockers,
		    xstrdup(_("the firmware offers no IOMMU (no DMAR or IVRS "
			      "table)")));
	if (!h->cpu.vmx && !h->cpu.svm)
		vpush(&v->blockers, &v->n_blockers,
		    xstrdup(_("the CPU's hardware virtualisation (VT-x/AMD-V) "
			      "is not available")));
}

/*
 * The critical-device guard for the device and the functions that go
 * along with it; a bridge port the host can spare gets a note.
 */
static void
guard_blockers(const struct host *h, const struct choices *ch,
    const struct pci_device *d, struct verdict *v)
{
	const struct host_nic *port;
	const struct pci_device *c;
	char *why;
	size_t i;

	if ((why = guard_self(h, ch, d)) != NULL)
		vpush(&v->blockers, &v->n_blockers, why);
	else if ((why = guard_lift_note(h, ch, d)) != NULL)
		vpush(&v->notes, &v->n_notes, why);
	else if ((port = host_bridge_port(h, d)) != NULL)
		vpush(&v->notes, &v->n_notes,
		    xasprintf(_("it is a port of bridge %s (%s): the VMs on "
				"%s lose that uplink"),
			port->top, port->via, port->top));
	for (i = 0; i < v->n_companions; i++) {
		if ((c = host_pci_find(h, v->companions[i])) == NULL)
			continue;
		if ((why = guard_companion(h, ch, c)) != NULL)
			vpush(&v->blockers, &v->n_blockers, why);
		else if ((why = guard_lift_note(h, ch, c)) != NULL)
			vpush(&v->notes, &v->n_notes, why);
	}
}

static size_t
count_gpus(const struct host *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->n_pci; i++)
		n += pci_is_gpu(&h->pci[i]) && h->pci[i].physfn == NULL;
	return n;
}

static void
mode_notes(const struct host *h, const struct pci_device *d, struct verdict *v)
{
	char **n = NULL;
	size_t nn = 0, i;

	switch (v->recommended) {
	case MODE_LEGACY_IGD:
		vpush(&n, &nn,
		    xstrdup(_("VM config: hostpci0: 0000:00:02.0,"
			      "legacy-igd=1 and vga: none, on an "
			      "i440fx machine (Proxmox refuses q35 "
			      "with legacy-igd) with SeaBIOS (OVMF "
			      "needs an IGD option ROM)")));
		for (i = 0; i < v->n_companions; i++)
			vpush(&n, &nn,
			    xasprintf(_("%s goes to the VM as its own "
					"hostpci entry"),
				v->companions[i]));
		vpush(&n, &nn,
		    xstrdup(_("vfio-pci must keep the VGA region: "
			      "never disable_vga=1 for legacy "
			      "mode")));
		vpush(&n, &nn,
		    xstrdup(_("the picture appears only on a "
			      "monitor attached to the host, not "
			      "in noVNC or SPICE")));
		break;
	case MODE_GVT_G:
		vpush(&n, &nn,
		    xasprintf(_("the host keeps i915 and gives VMs "
				"mediated devices (i915.enable_gvt=1"
				", kvmgt; mdev types %s*)"),
			v->igpu != NULL && v->igpu->gvt_mdev_prefix
			    ? v->igpu->gvt_mdev_prefix
			    : "i915-GVTg_"));
		break;
	case MODE_SRIOV:
		vpush(&n, &nn,
		    xstrdup(_("the host keeps the GPU (the physical "
			      "function) and VMs get its virtual "
			      "functions")));
		break;
	case MODE_VFIO:
		vpush(&n, &nn,
		    xstrdup(_("the whole device goes to the VM with "
			      "all its functions; pcie=1 on q35, "
			      "x-vga=1 when it is the VM's "
			      "display")));
		break;
	default:
		break;
	}
	if (d->driver != NULL && strcmp(d->driver, "vfio-pci") == 0)
		vpush(&n, &nn, xstrdup(_("already bound to vfio-pci")));
	else if (d->driver != NULL && v->recommended != MODE_GVT_G &&
		 v->recommended != MODE_SRIOV)
		vpush(&n, &nn,
		    xasprintf(_("the host drives it with %s now: "
				"vfio-pci must claim it at boot "
				"instead"),
			d->driver));
	if (d->boot_vga == TRI_YES && count_gpus(h) == 1 &&
	    v->recommended != MODE_GVT_G && v->recommended != MODE_SRIOV)
		vpush(&n, &nn,
		    xstrdup(_("it is the host's only display: the "
			      "local console goes dark, so keep SSH "
			      "or the web shell at hand")));
	for (i = 0; i < nn; i++)
		vpush(&v->notes, &v->n_notes, n[i]);
	free(n);
}

/* Say which VMs already have the device in a hostpciN entry. */
static void
vm_assignments(
    const struct host *h, const struct pci_device *d, struct verdict *v)
{
	size_t i;
	int n;

	for (i = 0; i < h->pve.n_vms; i++) {
		const struct pve_vm *vm = &h->pve.vms[i];

		for (n = 0; n < 16; n++) {
			struct pve_hostpci hp;
			char *cause = NULL;

			if (vm->hostpci[n] == NULL)
				continue;
			if (pve_hostpci_parse(vm->hostpci[n], &hp, &cause) <
			    0) {
				free(cause);
				continue;
			}
			if (pve_hostpci_covers(&hp, d->address))
				vpush(&v->notes, &v->n_notes,
				    xasprintf(_("VM %d (%s) already has it as "
						"hostpci%d: %s%s"),
					vm->vmid,
					vm->name != NULL ? vm->name : "?", n,
					vm->hostpci[n],
					vm->running ? _(", running") : ""));
			pve_hostpci_free(&hp);
		}
	}
}

static void
build_verdict(const struct host *h, const struct kb *kb,
    const struct choices *ch, size_t idx, struct check_result *res)
{
	const struct pci_device *d = &h->pci[idx];
	struct verdict v;
	const struct kb_quirk *q;

	memset(&v, 0, sizeof v);
	v.device = idx;
	if (kb != NULL && pci_is_gpu(d))
		v.igpu = kb_igpu_lookup(kb, d->vendor_id, d->device_id);
	if (v.igpu != NULL && d->physfn != NULL) {
		v.modes = v.recommended = MODE_SRIOV;
	} else if (v.igpu != NULL) {
		v.modes = v.igpu->modes;
		v.recommended = v.igpu->recommended;
	} else {
		v.modes = v.recommended = MODE_VFIO;
		if (pci_is_gpu(d) && d->vendor_id == 0x8086 && d->bus == 0)
			vpush(&v.notes, &v.n_notes,
			    xstrdup(_("this Intel GPU is not in the knowledge "
				      "base: only whole-device passthrough is "
				      "offered")));
	}
	if (v.recommended != MODE_SRIOV)
		find_companions(h, d, &v);
	firmware_blockers(h, &v);
	guard_blockers(h, ch, d, &v);
	refine_modes(h, d, &v);
	if (v.modes == 0)
		vpush(&v.blockers, &v.n_blockers,
		    xstrdup(_("no passthrough mode works for this device on "
			      "this host")));
	if (h->iommu.active)
		find_siblings(h, ch, d, &v);
	else if (h->firmware.iommu_table != NULL)
		vpush(&v.notes, &v.n_notes,
		    xstrdup(_("IOMMU groups are known only once the IOMMU is "
			      "active: they are checked again after the "
			      "reboot")));
	mode_notes(h, d, &v);
	vm_assignments(h, d, &v);
	if (kb != NULL &&
	    (q = kb_quirk_lookup(kb, d->vendor_id, d->device_id)) != NULL)
		vpush(&v.notes, &v.n_notes, xstrdup(q->what));
	ARRAY_PUSH(res->verdicts, res->n_verdicts, v);
}

static void
verdict_finding(
    const struct host *h, const struct verdict *v, struct check_result *res)
{
	const struct pci_device *d = &h->pci[v->device];
	char *ev;
	size_t i;

	if (v->igpu != NULL)
		ev = xasprintf("%s [%04x:%04x]: %s", d->address, d->vendor_id,
		    d->device_id, v->igpu->name);
	else
		ev = xasprintf("%s [%04x:%04x] class %06x", d->address,
		    d->vendor_id, d->device_id, d->class_code);
	if (v->n_blockers == 0) {
		check_add(res, SEC_DEVICES, SEV_OK, ev, NULL,
		    _("%s (%s) can be passed through: %s"), d->address,
		    d->device_name, mode_name(v->recommended));
	} else {
		for (i = 0; i < v->n_blockers; i++)
			check_add(res, SEC_DEVICES, SEV_FAIL, ev, NULL,
			    _("%s (%s) cannot be passed through: %s"),
			    d->address, d->device_name, v->blockers[i]);
	}
	free(ev);
}

static bool
wanted(
    const struct pci_device *d, const struct check_options *opts, bool *asked)
{
	size_t i;
	char addr[PCI_ADDR_LEN];

	*asked = false;
	for (i = 0; i < opts->n_devices; i++) {
		if (pci_address_parse(opts->devices[i], addr) == 0 &&
		    strcmp(addr, d->address) == 0)
			*asked = true;
	}
	return *asked || (pci_is_gpu(d) && d->physfn == NULL);
}

void
check_devices(const struct host *h, const struct kb *kb,
    const struct check_options *opts, struct check_result *res)
{
	size_t i, start;
	bool asked;

	if (h->iommu.active)
		check_add(res, SEC_DEVICES, SEV_INFO,
		    "/sys/kernel/iommu_groups", NULL,
		    _("%zu PCI devices in %zu IOMMU groups"), h->n_pci,
		    h->iommu.n_groups);
	else
		check_add(res, SEC_DEVICES, SEV_INFO, "/sys/bus/pci/devices",
		    NULL,
		    _("%zu PCI devices; no IOMMU groups while the IOMMU "
		      "is off"),
		    h->n_pci);
	if (count_gpus(h) == 0)
		check_add(res, SEC_DEVICES, SEV_INFO, "/sys/bus/pci/devices",
		    NULL, _("no GPU found"));
	start = res->n_verdicts;
	for (i = 0; i < h->n_pci; i++) {
		if (wanted(&h->pci[i], opts, &asked))
			build_verdict(h, kb, opts->choices, i, res);
	}
	for (i = start; i < res->n_verdicts; i++)
		verdict_finding(h, &res->verdicts[i], res);
}
