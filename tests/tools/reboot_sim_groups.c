/*
 * reboot_sim_groups.c: the IOMMU units and groups after the boot, and their
 * sysfs: /sys/class/iommu/<unit> -> /sys/devices/virtual/iommu/<unit> with
 * its attributes and devices/ links, /sys/kernel/iommu_groups/N with type,
 * reserved_regions and devices/<addr>, and each device's iommu_group and
 * iommu links, in the shapes the replay generator writes (spec_sysfs.c).
 *
 * A tree that already has groups keeps them. A tree without any gets them
 * from an approximation of the kernel's pci_device_group() and ACS checks
 * (drivers/iommu/iommu.c, drivers/pci/pci.c pci_acs_path_enabled and the
 * Intel PCH ACS quirks), documented in doc/reboot-sim.md:
 *   - everything behind a PCIe-to-PCI bridge shares the bridge's group;
 *   - PCI bridges (root and switch ports) and host bridges are alone;
 *   - the other functions of one multifunction slot share a group;
 *   - every other endpoint, SR-IOV VFs included, is alone.
 * Groups are numbered in address order, as the kernel numbers them while it
 * adds the devices of a bus scan.
 */
#include "reboot_sim.h"

#include "vfio-wizard/root.h"

#include <stdlib.h>
#include <string.h>

#define GROUPS "/sys/kernel/iommu_groups"
#define UNITS "/sys/devices/virtual/iommu"
#define CLASS "/sys/class/iommu"

static bool
is_p2p(const struct pci_device *d)
{
	return PCI_CLASS_BASE(d->class_code) == 0x06 &&
	       (PCI_CLASS_SUB(d->class_code) == 0x04 ||
		   PCI_CLASS_SUB(d->class_code) == 0x09);
}

static bool
is_igpu(const struct pci_device *d)
{
	return d->vendor_id == 0x8086 && d->domain == 0 && d->bus == 0 &&
	       d->dev == 2 && d->func == 0 &&
	       PCI_CLASS_BASE(d->class_code) == 0x03;
}

/* The PCI Express device/port type from the config space, or -1. */
static int
pcie_type(const struct rs *s, const struct rs_dev *d)
{
	char *path = xasprintf("%s/config", d->sysdir), *cfg = NULL;
	size_t len = 0;
	unsigned at, hops;
	int type = -1;

	if (root_read(s->r, path, &cfg, &len) == 0 && len >= 64 &&
	    (cfg[6] & 0x10) != 0) {
		at = (unsigned char)cfg[0x34] & 0xfc;
		for (hops = 0; at >= 0x40 && at + 3 < len && hops < 48;
		     hops++) {
			if ((unsigned char)cfg[at] == 0x10) {
				type = ((unsigned char)cfg[at + 2] >> 4) & 0xf;
				break;
			}
			at = (unsigned char)cfg[at + 1] & 0xfc;
		}
	}
	free(cfg);
	free(path);
	return type;
}

static long
dev_index(const struct rs *s, const char *addr)
{
	const struct pci_device *p =
	    addr != NULL ? host_pci_find(s->h, addr) : NULL;

	return p != NULL ? p - s->h->pci : -1;
}

/*
 * A bridge whose secondary side is conventional PCI: its PCIe port type
 * says so (7), or a device below it has no PCI Express capability.
 */
static bool
pcie_to_pci(const struct rs *s, size_t b)
{
	size_t i;

	if (!is_p2p(s->devs[b].pd))
		return false;
	if (pcie_type(s, &s->devs[b]) == 0x7)
		return true;
	for (i = 0; i < s->n_devs; i++)
		if (dev_index(s, s->devs[i].pd->parent) == (long)b &&
		    pcie_type(s, &s->devs[i]) < 0)
			return true;
	return false;
}

/* The topmost PCIe-to-PCI bridge above device i, or -1. */
static long
alias_bridge(const struct rs *s, size_t i)
{
	long p = dev_index(s, s->devs[i].pd->parent), top = -1;
	int depth;

	for (depth = 0; p >= 0 && depth < 64; depth++) {
		if (pcie_to_pci(s, (size_t)p))
			top = p;
		p = dev_index(s, s->devs[p].pd->parent);
	}
	return top;
}

/* Build groups for a tree that has none (the approximation above). */
static void
build_groups(struct rs *s)
{
	int next = 0;
	size_t i, j;

	for (i = 0; i < s->n_devs; i++) {
		const struct pci_device *d = s->devs[i].pd;
		long anchor = alias_bridge(s, i);

		s->devs[i].group = -1;
		if (s->igfx_untranslated && is_igpu(d))
			continue;
		if (anchor >= 0) {
			s->devs[i].group = s->devs[anchor].group;
			continue;
		}
		if (d->multifunction && !is_p2p(d) && d->physfn == NULL) {
			for (j = 0; j < i; j++) {
				const struct pci_device *o = s->devs[j].pd;

				if (o->domain == d->domain &&
				    o->bus == d->bus && o->dev == d->dev &&
				    !is_p2p(o) && o->physfn == NULL &&
				    alias_bridge(s, j) < 0 &&
				    s->devs[j].group >= 0)
					break;
			}
			if (j < i) {
				s->devs[i].group = s->devs[j].group;
				continue;
			}
		}
		s->devs[i].group = next++;
	}
}

/* Keep the tree's groups; devices newly translated get groups of their own. */
static void
keep_groups(struct rs *s)
{
	int next = 0;
	size_t i;

	for (i = 0; i < s->n_devs; i++)
		if (s->devs[i].pd->iommu_group >= next)
			next = s->devs[i].pd->iommu_group + 1;
	for (i = 0; i < s->n_devs; i++) {
		const struct pci_device *d = s->devs[i].pd;

		if (s->igfx_untranslated && is_igpu(d))
			s->devs[i].group = -1;
		else if (d->iommu_group >= 0)
			s->devs[i].group = d->iommu_group;
		else
			s->devs[i].group = next++;
	}
}

/* The default domain type the groups show (iommu_group_show_type). */
static char *
group_type(const struct rs *s, const char **why)
{
	size_t i;

	if (s->pt == 1)
		return *why = "iommu=pt", xstrdup("identity");
	if (s->strict >= 0)
		return *why = "iommu.strict",
		       xstrdup(s->strict ? "DMA" : "DMA-FQ");
	if (rs_kconfig(s, "CONFIG_IOMMU_DEFAULT_PASSTHROUGH") == 'y' &&
	    s->pt != 0)
		return *why = "CONFIG_IOMMU_DEFAULT_PASSTHROUGH",
		       xstrdup("identity");
	if (rs_kconfig(s, "CONFIG_IOMMU_DEFAULT_DMA_LAZY") == 'y')
		return *why = "CONFIG_IOMMU_DEFAULT_DMA_LAZY",
		       xstrdup("DMA-FQ");
	if (rs_kconfig(s, "CONFIG_IOMMU_DEFAULT_DMA_STRICT") == 'y')
		return *why = "CONFIG_IOMMU_DEFAULT_DMA_STRICT", xstrdup("DMA");
	for (i = 0; i < s->h->iommu.n_groups; i++) {
		const char *t = s->h->iommu.groups[i].type;

		if (t != NULL && strcmp(t, "identity") != 0)
			return *why = "as the previous boot", xstrdup(t);
	}
	return *why = "translated", xstrdup("DMA");
}

void
rs_groups(struct rs *s)
{
	const struct host *h = s->h;
	const char *why;
	size_t i;
	int n = -1;

	if (!s->iommu_on) {
		for (i = 0; i < s->n_devs; i++)
			s->devs[i].group = -1;
		return;
	}
	if (h->iommu.n_units > 0) {
		for (i = 0; i < h->iommu.n_units; i++)
			ARRAY_PUSH(
			    s->units, s->n_units, xstrdup(h->iommu.units[i]));
	} else {
		bool intel = strcmp(h->firmware.iommu_table, "DMAR") == 0;
		int units =
		    h->firmware.iommu_units > 0 ? h->firmware.iommu_units : 1;

		for (i = 0; i < (size_t)units; i++)
			ARRAY_PUSH(s->units, s->n_units,
			    xasprintf("%s%zu", intel ? "dmar" : "ivhd", i));
	}
	s->kept_groups = h->iommu.active && h->iommu.n_groups > 0;
	if (s->kept_groups)
		keep_groups(s);
	else
		build_groups(s);
	for (i = 0; i < s->n_devs; i++) {
		const struct pci_device *d = s->devs[i].pd;

		if (s->devs[i].group < 0)
			continue;
		s->devs[i].unit = s->n_units > 1 && is_igpu(d)
				      ? s->units[0]
				      : s->units[s->n_units - 1];
		if (s->devs[i].group > n)
			n = s->devs[i].group;
	}
	s->group_type = group_type(s, &why);
	rs_fact(s, "groups: %d, %s; type %s (%s)", n + 1,
	    s->kept_groups ? "kept from the tree"
			   : "built (approximation, doc/reboot-sim.md)",
	    s->group_type, why);
}

/* Remove the entries of dir whose names keep() refuses. */
static void
prune(struct rs *s, const char *dir,
    bool (*keep)(struct rs *, const char *, const void *), const void *arg)
{
	char **names = NULL, *p;
	size_t n = 0, i;

	if (root_listdir(s->r, dir, &names, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (keep != NULL && keep(s, names[i], arg))
			continue;
		p = xasprintf("%s/%s", dir, names[i]);
		rs_remove(s, p);
		free(p);
	}
	strv_free(names, n);
}

static bool
keep_unit(struct rs *s, const char *name, const void *arg)
{
	(void)arg;
	return rs_strv_has(s->units, s->n_units, name);
}

static bool
keep_group(struct rs *s, const char *name, const void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < s->n_devs; i++)
		if (s->devs[i].group >= 0 &&
		    strtol(name, NULL, 10) == s->devs[i].group &&
		    name[strspn(name, "0123456789")] == '\0')
			return true;
	return false;
}

/* A devices/ entry stays when that device is in the group or unit. */
static bool
keep_member(struct rs *s, const char *name, const void *arg)
{
	const char *key = arg;
	size_t i;

	for (i = 0; i < s->n_devs; i++) {
		const struct rs_dev *d = &s->devs[i];
		char *g;
		bool same;

		if (d->group < 0 || strcmp(d->pd->address, name) != 0)
			continue;
		g = xasprintf("%d", d->group);
		same = strcmp(key, g) == 0 || strcmp(key, d->unit) == 0;
		free(g);
		return same;
	}
	return false;
}

/* A unit's directory and attributes, as spec_sysfs.c gen_iommu writes. */
static void
write_unit(struct rs *s, size_t i)
{
	const char *u = s->units[i];
	char *dir = xasprintf(UNITS "/%s", u), *p;
	bool intel = str_startswith(u, "dmar");

	p = xasprintf(CLASS "/%s", u);
	rs_link(s, p, dir);
	free(p);
	p = xasprintf("%s/devices", dir);
	rs_mkdir(s, p);
	prune(s, p, keep_member, u);
	free(p);
	p = xasprintf("%s/uevent", dir);
	if (!root_exists(s->r, p)) {
		rs_file(s, p, "", 0, 0644);
		free(p);
		p = xasprintf(
		    "%s/%s", dir, intel ? "intel-iommu" : "amd-iommu");
		if (intel) {
			char *a = xasprintf("%s/version", p);

			rs_filef(s, a, 0644, "1:0\n");
			free(a);
			a = xasprintf("%s/address", p);
			rs_filef(s, a, 0644, "%x\n",
			    0xfed90000u + 0x1000u * (unsigned)i);
			free(a);
			a = xasprintf("%s/cap", p);
			rs_filef(s, a, 0644, "d2008c40660462\n");
			free(a);
			a = xasprintf("%s/ecap", p);
			rs_filef(s, a, 0644, "%x\n",
			    s->h->firmware.intremap != TRI_NO ? 0xf050dau
							      : 0xf050d2u);
			free(a);
		} else {
			char *a = xasprintf("%s/cap", p);

			rs_filef(s, a, 0644, "190000\n");
			free(a);
			a = xasprintf("%s/features", p);
			rs_filef(s, a, 0644, "25bf732fa2295afe\n");
			free(a);
		}
	}
	free(p);
	free(dir);
}

static void
write_group(struct rs *s, int g)
{
	char *dir = xasprintf(GROUPS "/%d", g), *p, *key;

	p = xasprintf("%s/type", dir);
	rs_filef(s, p, 0644, "%s\n", s->group_type);
	free(p);
	p = xasprintf("%s/reserved_regions", dir);
	rs_filef(s, p, 0644, "0x00000000fee00000 0x00000000feefffff msi\n");
	free(p);
	p = xasprintf("%s/devices", dir);
	key = xasprintf("%d", g);
	prune(s, p, keep_member, key);
	free(key);
	free(p);
	free(dir);
}

void
rs_groups_write(struct rs *s)
{
	size_t i, j;

	if (!s->iommu_on) {
		prune(s, CLASS, NULL, NULL);
		rs_remove(s, UNITS);
		prune(s, GROUPS, NULL, NULL);
	} else {
		prune(s, CLASS, keep_unit, NULL);
		prune(s, UNITS, keep_unit, NULL);
		prune(s, GROUPS, keep_group, NULL);
		for (i = 0; i < s->n_units; i++)
			write_unit(s, i);
	}
	rs_mkdir(s, CLASS);
	rs_mkdir(s, GROUPS);
	for (i = 0; i < s->n_devs; i++) {
		const struct rs_dev *d = &s->devs[i];
		char *link = xasprintf("%s/iommu_group", d->sysdir), *t;
		char *ulink = xasprintf("%s/iommu", d->sysdir);

		if (d->group < 0) {
			rs_remove(s, link);
			rs_remove(s, ulink);
			free(link);
			free(ulink);
			continue;
		}
		for (j = 0; j < i && s->devs[j].group != d->group; j++)
			;
		if (j == i)
			write_group(s, d->group);
		t = xasprintf(GROUPS "/%d", d->group);
		rs_link(s, link, t);
		free(t);
		t = xasprintf(
		    GROUPS "/%d/devices/%s", d->group, d->pd->address);
		rs_link(s, t, d->sysdir);
		free(t);
		t = xasprintf(UNITS "/%s", d->unit);
		rs_link(s, ulink, t);
		free(t);
		t = xasprintf(UNITS "/%s/devices/%s", d->unit, d->pd->address);
		rs_link(s, t, d->sysdir);
		free(t);
		free(link);
		free(ulink);
	}
}
