/*
 * render_text.c: the human-readable report of `vfio-wizard check`: findings
 * by section with their evidence and the next action, the IOMMU groups (or
 * the device list while the IOMMU is off), and one block per judged device.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char *
severity_tag(enum severity s)
{
	switch (s) {
	case SEV_OK:
		return _("[ ok ]");
	case SEV_INFO:
		return _("[info]");
	case SEV_WARN:
		return _("[warn]");
	case SEV_FAIL:
		return _("[FAIL]");
	}
	return "[?]";
}

static void
device_line(struct strbuf *sb, const struct pci_device *d)
{
	/* libpci names an unknown class "Unassigned class [ff00]" itself */
	if (strchr(d->class_name, '[') != NULL)
		sb_addf(sb, "%s %s:", d->address, d->class_name);
	else
		sb_addf(sb, "%s %s [%02x%02x]:", d->address, d->class_name,
		    PCI_CLASS_BASE(d->class_code),
		    PCI_CLASS_SUB(d->class_code));
	sb_addf(sb, " %s %s [%04x:%04x]", d->vendor_name, d->device_name,
	    d->vendor_id, d->device_id);
	if (d->driver != NULL)
		sb_addf(sb, " (%s)", d->driver);
	sb_addc(sb, '\n');
}

/* n (at least 2) virtual functions, first to last, as one line. */
static void
vf_run_line(struct strbuf *sb, const struct pci_device *first,
    const struct pci_device *last, size_t n, bool own_groups)
{
	sb_addf(sb,
	    own_groups ? _("%zu virtual functions of %s, %s to %s, one IOMMU "
			   "group each:")
		       : _("%zu virtual functions of %s, %s to %s:"),
	    n, first->physfn, first->address, last->address);
	sb_addf(sb, " %s [%04x:%04x]", first->device_name, first->vendor_id,
	    first->device_id);
	if (first->driver != NULL)
		sb_addf(sb, " (%s)", first->driver);
	sb_addc(sb, '\n');
}

/* The group holds one device, a VF: its index, or -1. */
static long
lone_vf(const struct host *h, const struct iommu_group *g)
{
	if (g->n_devices != 1 || h->pci[g->devices[0]].physfn == NULL)
		return -1;
	return (long)g->devices[0];
}

/*
 * One group's devices; consecutive VFs of one PF are one line, so a host
 * with hundreds of them stays readable.
 */
static void
group_devices(
    const struct host *h, const struct iommu_group *g, struct strbuf *sb)
{
	size_t j, k;

	for (j = 0; j < g->n_devices; j = k) {
		const struct pci_device *d = &h->pci[g->devices[j]];

		if (j == 0)
			sb_addf(sb, "  %-9d ", g->id);
		else
			sb_addf(sb, "  %-9s ", "");
		for (k = j + 1; k < g->n_devices &&
				pci_same_vf_run(d, &h->pci[g->devices[k]]);
		     k++)
			;
		if (k - j >= 2) {
			vf_run_line(
			    sb, d, &h->pci[g->devices[k - 1]], k - j, false);
		} else {
			device_line(sb, d);
			k = j + 1;
		}
	}
}

static void
render_groups(const struct host *h, struct strbuf *sb)
{
	const struct iommu_group *gs = h->iommu.groups;
	size_t i, k;
	long a, b;

	if (h->iommu.active && h->iommu.n_groups > 0) {
		sb_addf(sb, "\n%s\n", _("IOMMU groups"));
		for (i = 0; i < h->iommu.n_groups; i = k) {
			k = i + 1;
			/* VFs in groups of their own, one after another */
			if ((a = lone_vf(h, &gs[i])) >= 0) {
				while (k < h->iommu.n_groups &&
				       (b = lone_vf(h, &gs[k])) >= 0 &&
				       pci_same_vf_run(&h->pci[a], &h->pci[b]))
					k++;
			}
			if (k - i < 2) {
				group_devices(h, &gs[i], sb);
				continue;
			}
			{
				char ids[32];

				snprintf(ids, sizeof ids, "%d-%d", gs[i].id,
				    gs[k - 1].id);
				sb_addf(sb, "  %-9s ", ids);
			}
			vf_run_line(sb, &h->pci[gs[i].devices[0]],
			    &h->pci[gs[k - 1].devices[0]], k - i, true);
		}
		return;
	}
	sb_addf(sb, "\n%s\n", _("PCI devices (no IOMMU groups)"));
	for (i = 0; i < h->n_pci; i++) {
		sb_adds(sb, "  ");
		device_line(sb, &h->pci[i]);
	}
}

static void
list_field(struct strbuf *sb, const char *label, char **v, size_t n,
    const struct host *h)
{
	size_t i;

	sb_addf(sb, "  %-12s ", label);
	if (n == 0) {
		sb_addf(sb, "%s\n", _("none"));
		return;
	}
	for (i = 0; i < n; i++) {
		const struct pci_device *d =
		    h != NULL ? host_pci_find(h, v[i]) : NULL;

		if (i > 0)
			sb_addf(sb, "  %-12s ", "");
		if (d != NULL)
			sb_addf(sb, "%s %s [%04x:%04x]\n", v[i], d->device_name,
			    d->vendor_id, d->device_id);
		else
			sb_addf(sb, "%s\n", v[i]);
	}
}

static void
render_verdict(const struct host *h, const struct verdict *v, struct strbuf *sb)
{
	const struct pci_device *d = &h->pci[v->device];
	unsigned bit;
	bool first = true;

	sb_addf(sb, "\n%s %s: %s %s [%04x:%04x]\n",
	    pci_is_gpu(d) ? _("GPU") : _("Device"), d->address, d->vendor_name,
	    d->device_name, d->vendor_id, d->device_id);
	if (v->igpu != NULL)
		sb_addf(sb, "  %-12s %s\n", _("generation"), v->igpu->name);
	if (v->igpu != NULL && v->igpu->note != NULL)
		sb_addf(sb, "  %-12s %s\n", _("why"), v->igpu->note);
	sb_addf(sb, "  %-12s %s\n", _("driver"),
	    d->driver != NULL ? d->driver : _("none"));
	if (d->iommu_group >= 0)
		sb_addf(sb, "  %-12s %d\n", _("group"), d->iommu_group);
	sb_addf(sb, "  %-12s ", _("modes"));
	for (bit = 1; bit <= MODE_VFIO; bit <<= 1) {
		if (!(v->modes & bit))
			continue;
		sb_addf(sb, "%s%s%s", first ? "" : ", ", mode_name(bit),
		    bit == v->recommended ? _(" (recommended)") : "");
		first = false;
	}
	sb_addf(sb, "%s\n", first ? _("none") : "");
	list_field(sb, _("companions"), v->companions, v->n_companions, h);
	list_field(sb, _("siblings"), v->siblings, v->n_siblings, h);
	list_field(sb, _("blockers"), v->blockers, v->n_blockers, NULL);
	list_field(sb, _("notes"), v->notes, v->n_notes, NULL);
}

static void
render_vms(const struct host *h, struct strbuf *sb)
{
	size_t i;
	int n;

	if (!h->pve.present)
		return;
	sb_addf(sb, "\n%s\n", _("Virtual machines"));
	if (h->pve.n_vms == 0)
		sb_addf(sb, "  %s\n", _("none"));
	for (i = 0; i < h->pve.n_vms; i++) {
		const struct pve_vm *vm = &h->pve.vms[i];

		/* unset keys take Proxmox's defaults, which depend on ostype */
		sb_addf(sb, "  %-5d %-16s machine=%s bios=%s vga=%s", vm->vmid,
		    vm->name != NULL ? vm->name : "-",
		    vm->machine != NULL ? vm->machine : _("default"),
		    vm->bios != NULL ? vm->bios : _("default"),
		    vm->vga != NULL ? vm->vga : _("default"));
		if (vm->lock != NULL)
			sb_addf(sb, " lock=%s", vm->lock);
		if (vm->running)
			sb_addf(sb, " %s", _("(running)"));
		sb_addc(sb, '\n');
		for (n = 0; n < 16; n++) {
			if (vm->hostpci[n] != NULL)
				sb_addf(sb, "  %-5s hostpci%d: %s\n", "", n,
				    vm->hostpci[n]);
		}
	}
}

void
render_check_text(
    const struct host *h, const struct check_result *res, struct strbuf *sb)
{
	size_t i, count[SEV_FAIL + 1] = {0};
	int section = -1;

	sb_addf(sb, _("vfio-wizard %s: check of %s"), PACKAGE_VERSION,
	    h->hostname != NULL ? h->hostname : _("this host"));
	if (h->pve.present)
		sb_addf(sb, " (Proxmox VE %s)",
		    h->pve.version != NULL ? h->pve.version : "?");
	sb_addc(sb, '\n');
	for (i = 0; i < res->n_findings; i++) {
		const struct finding *f = &res->findings[i];

		count[f->severity]++;
		if ((int)f->section != section) {
			section = (int)f->section;
			sb_addf(sb, "\n%s\n", check_section_title(f->section));
		}
		sb_addf(sb, "  %s %s\n", severity_tag(f->severity), f->message);
		if (f->evidence != NULL)
			sb_addf(sb, "         %s %s\n", _("evidence:"),
			    f->evidence);
		if (f->hint != NULL)
			sb_addf(sb, "         %s %s\n", _("next:"), f->hint);
	}
	render_groups(h, sb);
	render_vms(h, sb);
	for (i = 0; i < res->n_verdicts; i++)
		render_verdict(h, &res->verdicts[i], sb);
	sb_addf(sb, "\n");
	sb_addf(sb,
	    _("Summary: %zu ok, %zu info, %zu warning(s), %zu failure(s)"),
	    count[SEV_OK], count[SEV_INFO], count[SEV_WARN], count[SEV_FAIL]);
	sb_addc(sb, '\n');
}
