/*
 * spec_check_pci.c: the rules for PCI devices: unique addresses, every
 * parent and physfn listed, parents that are bridges, no cycles, children
 * on their bridge's secondary bus (and nothing else there), SR-IOV counts,
 * offset and stride matching the listed VFs, boot_vga on VGA devices only,
 * IOMMU groups present when the IOMMU is active, known reset methods. It
 * also derives what depends on the other devices: the sorted index,
 * secondary and subordinate buses, PCIe and multifunction defaults, the
 * boot VGA device and each device's sysfs directory.
 */
#include "spec_priv.h"

#include <stdlib.h>
#include <string.h>

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

static const struct host_spec *sort_spec;

static int
addr_cmp(const void *a, const void *b)
{
	return strcmp(sort_spec->pci[*(const size_t *)a].addr,
	    sort_spec->pci[*(const size_t *)b].addr);
}

static bool
only(const char *s, const char *set)
{
	return *s != '\0' && strspn(s, set) == strlen(s);
}

static bool
is_bridge(const struct spec_pci *d)
{
	return (d->class_code >> 8) == 0x0604 || (d->class_code >> 8) == 0x0609;
}

static unsigned
rid(const struct spec_pci *d)
{
	return d->bus << 8 | d->dev << 3 | d->fn;
}

static bool
word_in(const char *w, size_t len, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strlen(*set) == len && strncmp(*set, w, len) == 0)
			return true;
	return false;
}

/* Resolve parent and physfn, and the sorted index. */
static int
check_pci_links(struct host_spec *s, char **cause)
{
	size_t i;

	s->pci_order = xreallocarray(NULL, s->n_pci + 1, sizeof *s->pci_order);
	for (i = 0; i < s->n_pci; i++)
		s->pci_order[i] = i;
	sort_spec = s;
	qsort(s->pci_order, s->n_pci, sizeof *s->pci_order, addr_cmp);
	sort_spec = NULL;
	for (i = 1; i < s->n_pci; i++) {
		struct spec_pci *a = &s->pci[s->pci_order[i - 1]];
		struct spec_pci *b = &s->pci[s->pci_order[i]];

		if (strcmp(a->addr, b->addr) == 0)
			return spec_error(s, &b->mark, cause,
			    "pci device '%s' is listed twice", b->addr);
	}
	for (i = 0; i < s->n_pci; i++) {
		struct spec_pci *d = &s->pci[i];

		if (d->physfn == NULL)
			continue;
		d->physfn_idx = spec_find_pci(s, d->physfn);
		if (d->physfn_idx < 0)
			return spec_error(s, &d->mark, cause,
			    "physfn '%s' of '%s' is not listed", d->physfn,
			    d->addr);
		if (!s->pci[d->physfn_idx].has_sriov)
			return spec_error(s, &d->mark, cause,
			    "physfn '%s' of '%s' has no 'sriov'", d->physfn,
			    d->addr);
		if (s->pci[d->physfn_idx].physfn != NULL)
			return spec_error(s, &d->mark, cause,
			    "physfn '%s' of '%s' is itself a VF", d->physfn,
			    d->addr);
	}
	for (i = 0; i < s->n_pci; i++) {
		struct spec_pci *d = &s->pci[i];
		const char *pp;

		if (d->physfn_idx >= 0) {
			/* a VF sits next to its PF in sysfs */
			pp = s->pci[d->physfn_idx].parent;
			if (d->parent != NULL &&
			    (pp == NULL || strcmp(pp, d->parent) != 0))
				return spec_error(s, &d->mark, cause,
				    "VF '%s' must have the parent of its PF "
				    "'%s'",
				    d->addr, d->physfn);
			if (d->parent == NULL && pp != NULL)
				d->parent = xstrdup(pp);
		}
		if (d->parent == NULL)
			continue;
		d->parent_idx = spec_find_pci(s, d->parent);
		if (d->parent_idx < 0)
			return spec_error(s, &d->mark, cause,
			    "parent '%s' of '%s' is not listed", d->parent,
			    d->addr);
		if (!is_bridge(&s->pci[d->parent_idx]))
			return spec_error(s, &d->mark, cause,
			    "parent '%s' of '%s' is not a PCI bridge (class "
			    "0604)",
			    d->parent, d->addr);
	}
	return 0;
}

/* Buses: children below a bridge, and nothing else, use its secondary bus. */
static int
check_pci_buses(struct host_spec *s, char **cause)
{
	size_t i, steps;

	for (i = 0; i < s->n_pci; i++) {
		struct spec_pci *d = &s->pci[i], *p;
		long up = d->parent_idx;

		for (steps = 0; up >= 0; steps++, up = s->pci[up].parent_idx)
			if (steps > s->n_pci || (size_t)up == i)
				return spec_error(s, &d->mark, cause,
				    "'%s' is its own ancestor", d->addr);
		if (d->parent_idx < 0 || d->physfn_idx >= 0)
			continue;
		p = &s->pci[d->parent_idx];
		if (d->dom != p->dom || d->bus <= p->bus)
			return spec_error(s, &d->mark, cause,
			    "'%s' must be on a bus above its parent '%s'",
			    d->addr, p->addr);
		if (p->secondary == 0)
			p->secondary = d->bus;
		else if (p->secondary != d->bus)
			return spec_error(s, &d->mark, cause,
			    "'%s' is on bus %02x but other devices below '%s' "
			    "are on bus %02x",
			    d->addr, d->bus, p->addr, p->secondary);
	}
	for (i = 0; i < s->n_pci; i++) {
		struct spec_pci *d = &s->pci[i];
		size_t j;
		long up;

		/* every ancestor's range covers this bus */
		for (up = d->parent_idx; up >= 0; up = s->pci[up].parent_idx)
			if (s->pci[up].subordinate < d->bus)
				s->pci[up].subordinate = d->bus;
		if (d->parent_idx >= 0)
			continue;
		for (j = 0; j < s->n_pci; j++)
			if (s->pci[j].secondary != 0 &&
			    s->pci[j].secondary == d->bus &&
			    s->pci[j].dom == d->dom && d->physfn_idx < 0)
				return spec_error(s, &d->mark, cause,
				    "'%s' is on bus %02x, below '%s': give it "
				    "'parent'",
				    d->addr, d->bus, s->pci[j].addr);
	}
	return 0;
}

static int
check_sriov(struct host_spec *s, size_t i, char **cause)
{
	struct spec_pci *pf = &s->pci[i];
	long *vfs = NULL;
	size_t n = 0, k, j;
	int err = 0;

	for (j = 0; j < s->n_pci; j++)
		if (s->pci[j].physfn_idx == (long)i)
			ARRAY_PUSH(vfs, n, (long)j);
	if (pf->sriov_num > pf->sriov_total)
		err = spec_error(s, &pf->mark, cause,
		    "'%s' has sriov num %u above total %u", pf->addr,
		    pf->sriov_num, pf->sriov_total);
	else if (n != pf->sriov_num)
		err = spec_error(s, &pf->mark, cause,
		    "'%s' has sriov num %u but %zu devices name it as physfn",
		    pf->addr, pf->sriov_num, n);
	if (err == 0 && n > 0) {
		/* VF n is at the PF's routing ID + offset + n * stride */
		unsigned lo = ~0u, lo2 = ~0u;

		for (k = 0; k < n; k++) {
			unsigned r = rid(&s->pci[vfs[k]]);

			if (r < lo) {
				lo2 = lo;
				lo = r;
			} else if (r < lo2)
				lo2 = r;
		}
		if (pf->sriov_offset == 0)
			pf->sriov_offset = lo > rid(pf) ? lo - rid(pf) : 0;
		if (pf->sriov_stride == 0)
			pf->sriov_stride = n > 1 ? lo2 - lo : 1;
		for (k = 0; k < n && err == 0; k++) {
			unsigned r = rid(&s->pci[vfs[k]]);

			if (r < rid(pf) + pf->sriov_offset ||
			    (r - rid(pf) - pf->sriov_offset) %
				    pf->sriov_stride !=
				0 ||
			    (r - rid(pf) - pf->sriov_offset) /
				    pf->sriov_stride >=
				pf->sriov_num)
				err = spec_error(s, &s->pci[vfs[k]].mark, cause,
				    "VF '%s' is not at offset %u, stride %u "
				    "from its PF '%s'",
				    s->pci[vfs[k]].addr, pf->sriov_offset,
				    pf->sriov_stride, pf->addr);
		}
		if (pf->sriov_vf_device < 0)
			pf->sriov_vf_device = s->pci[vfs[0]].device;
	}
	if (pf->sriov_offset == 0)
		pf->sriov_offset = 1;
	if (pf->sriov_stride == 0)
		pf->sriov_stride = 1;
	if (pf->sriov_vf_device < 0)
		pf->sriov_vf_device = pf->device;
	free(vfs);
	return err;
}

static int
check_pci_device(struct host_spec *s, size_t i, bool *boot_vga, char **cause)
{
	static const char *const resets[] = {"device_specific", "acpi", "flr",
	    "af_flr", "pm", "bus", "cxl_bus", NULL};
	struct spec_pci *d = &s->pci[i];
	const char *p;
	size_t j;

	if (d->boot_vga >= 0 && (d->class_code >> 8) != 0x0300)
		return spec_error(s, &d->mark, cause,
		    "'boot_vga' is for VGA devices (class 0300), not '%s'",
		    d->addr);
	if (d->boot_vga == 1) {
		if (*boot_vga)
			return spec_error(s, &d->mark, cause,
			    "only one device can be the boot VGA device");
		*boot_vga = true;
	}
	if (d->driver != NULL && !only(d->driver, LOWER UPPER DIGIT "_.-"))
		return spec_error(s, &d->mark, cause,
		    "driver '%s' of '%s' must be a plain name", d->driver,
		    d->addr);
	if (s->iommu.active && d->group < 0)
		return spec_error(s, &d->mark, cause,
		    "'%s' has no 'group' but the iommu is active", d->addr);
	for (p = d->reset_method; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, " ");

		if (!word_in(p, len, resets))
			return spec_error(s, &d->mark, cause,
			    "reset method '%.*s' of '%s' is unknown", (int)len,
			    p, d->addr);
		p += len;
		p += strspn(p, " ");
	}
	if (d->pcie == 0 && d->has_sriov)
		return spec_error(s, &d->mark, cause,
		    "'%s' has sriov, which needs PCI Express", d->addr);
	if (d->pcie >= 0)
		d->is_pcie = d->pcie == 1;
	else
		d->is_pcie = d->parent_idx >= 0 || is_bridge(d) || d->has_sriov;
	if (d->multifunction >= 0)
		d->is_mf = d->multifunction == 1;
	else if (d->physfn_idx < 0)
		for (j = 0; j < s->n_pci; j++)
			if (j != i && s->pci[j].dom == d->dom &&
			    s->pci[j].bus == d->bus &&
			    s->pci[j].dev == d->dev && s->pci[j].physfn_idx < 0)
				d->is_mf = true;
	if (d->has_sriov)
		return check_sriov(s, i, cause);
	return 0;
}

/* The device's sysfs directory: below its parent, or on its root bus. */
static const char *
pci_sysdir(struct host_spec *s, size_t i)
{
	struct spec_pci *d = &s->pci[i];

	if (d->sysdir != NULL)
		return d->sysdir;
	if (d->parent_idx < 0)
		d->sysdir = xasprintf(
		    "/sys/devices/pci%04x:%02x/%s", d->dom, d->bus, d->addr);
	else
		d->sysdir = xasprintf(
		    "%s/%s", pci_sysdir(s, (size_t)d->parent_idx), d->addr);
	return d->sysdir;
}

int
spec_check_pci(struct host_spec *s, char **cause)
{
	bool boot_vga = false;
	size_t i;
	int err;

	if ((err = check_pci_links(s, cause)) < 0)
		return err;
	if ((err = check_pci_buses(s, cause)) < 0)
		return err;
	for (i = 0; i < s->n_pci; i++)
		if ((err = check_pci_device(s, i, &boot_vga, cause)) < 0)
			return err;
	/* like the kernel, the one VGA device nobody marks is the boot one */
	for (i = 0; i < s->n_pci && !boot_vga; i++)
		if ((s->pci[i].class_code >> 8) == 0x0300 &&
		    s->pci[i].boot_vga < 0) {
			s->pci[i].boot_vga = 1;
			boot_vga = true;
		}
	for (i = 0; i < s->n_pci; i++) {
		if (s->pci[i].boot_vga < 0 &&
		    (s->pci[i].class_code >> 8) == 0x0300)
			s->pci[i].boot_vga = 0;
		pci_sysdir(s, i);
	}
	return 0;
}
