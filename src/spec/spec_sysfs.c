/*
 * spec_sysfs.c: the sysfs parts of a replayed tree, laid out as the kernel
 * lays them out: PCI device directories nested below their bridges under
 * /sys/devices/pciDDDD:BB with their attributes, /sys/bus/pci/devices and
 * drivers links, SR-IOV attributes and physfn/virtfnN links; the IOMMU
 * units and groups; and the block devices (disks under their controllers,
 * partitions as subdirectories, device-mapper with dm/name and slaves).
 * The network interfaces and the ZFS pools' udev entries are spec_net.c's.
 * Every link is relative.
 */
#include "spec_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
is_bridge(const struct spec_pci *d)
{
	return (d->class_code >> 8) == 0x0604 || (d->class_code >> 8) == 0x0609;
}

static void attr(struct tree *t, const char *dir, const char *name,
    const char *fmt, ...) VW_PRINTF(4, 5);

/* One attribute file "dir/name" with printf-style contents. */
static void
attr(struct tree *t, const char *dir, const char *name, const char *fmt, ...)
{
	char *path = xasprintf("%s/%s", dir, name), *text;
	va_list ap;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	tree_file(t, path, text, strlen(text),
	    *fmt == '\0' ? 0200 : 0644); /* empty: a write-only trigger */
	free(text);
	free(path);
}

static void
link2(struct tree *t, const char *dir, const char *name, const char *target)
{
	char *path = xasprintf("%s/%s", dir, name);

	tree_rel_link(t, path, target);
	free(path);
}

static bool
is_loaded(const struct host_spec *s, const char *mod)
{
	size_t i;

	for (i = 0; mod != NULL && i < s->kernel.n_loaded; i++)
		if (strcmp(s->kernel.loaded[i], mod) == 0)
			return true;
	return false;
}

/* /sys/bus/pci/drivers/<drv>: its trigger files, module and device links. */
static void
gen_driver(const struct host_spec *s, struct tree *t, const struct spec_pci *d)
{
	char *dir = xasprintf("/sys/bus/pci/drivers/%s", d->driver);
	char *mod = driver_module(d->driver);
	static const char *const triggers[] = {
	    "bind", "unbind", "new_id", "remove_id", "uevent"};
	size_t i;

	for (i = 0; i < nitems(triggers); i++) {
		char *p = xasprintf("%s/%s", dir, triggers[i]);

		if (!tree_has(t, p))
			attr(t, dir, triggers[i], "%s", "");
		free(p);
	}
	link2(t, dir, d->addr, d->sysdir);
	if (is_loaded(s, mod)) {
		char *p = xasprintf("%s/module", dir), *m, *back;

		if (!tree_has(t, p)) {
			m = xasprintf("/sys/module/%s", mod);
			tree_rel_link(t, p, m);
			back = xasprintf("%s/drivers/pci:%s", m, d->driver);
			tree_rel_link(t, back, dir);
			free(back);
			free(m);
		}
		free(p);
	}
	link2(t, d->sysdir, "driver", dir);
	free(mod);
	free(dir);
}

/* The IOMMU unit a device is translated by: the iGPU has its own DRHD. */
static const char *
iommu_unit(const struct host_spec *s, const struct spec_pci *d)
{
	const struct spec_iommu *io = &s->iommu;

	if (io->n_units > 1 && d->bus == 0 && d->dev == 2 && d->fn == 0 &&
	    (d->class_code >> 16) == 0x03)
		return io->units[0];
	return io->units[io->n_units - 1];
}

static void
gen_sriov(const struct host_spec *s, struct tree *t, size_t i)
{
	const struct spec_pci *d = &s->pci[i], *pf;
	unsigned r, base;
	char *name;

	if (d->has_sriov) {
		attr(t, d->sysdir, "sriov_totalvfs", "%u\n", d->sriov_total);
		attr(t, d->sysdir, "sriov_numvfs", "%u\n", d->sriov_num);
		attr(t, d->sysdir, "sriov_offset", "%u\n", d->sriov_offset);
		attr(t, d->sysdir, "sriov_stride", "%u\n", d->sriov_stride);
		attr(t, d->sysdir, "sriov_vf_device", "%x\n",
		    (unsigned)d->sriov_vf_device);
		attr(t, d->sysdir, "sriov_drivers_autoprobe", "1\n");
	}
	if (d->physfn_idx < 0)
		return;
	/* VF n sits at the PF's routing ID + offset + n * stride */
	pf = &s->pci[d->physfn_idx];
	r = d->bus << 8 | d->dev << 3 | d->fn;
	base = pf->bus << 8 | pf->dev << 3 | pf->fn;
	name = xasprintf(
	    "virtfn%u", (r - base - pf->sriov_offset) / pf->sriov_stride);
	link2(t, pf->sysdir, name, d->sysdir);
	free(name);
	link2(t, d->sysdir, "physfn", pf->sysdir);
}

static void
gen_one_pci(const struct host_spec *s, struct tree *t, size_t i)
{
	const struct spec_pci *d = &s->pci[i];
	const char *dir = d->sysdir;
	char *modalias, *bus_link, *path;
	struct strbuf res = STRBUF_INIT;
	uint8_t cfg[4096];
	size_t len, k;
	unsigned sv = d->sub_vendor, sd = d->sub_device;

	attr(t, dir, "vendor", "0x%04x\n", d->vendor);
	attr(t, dir, "device", "0x%04x\n", d->device);
	attr(t, dir, "subsystem_vendor", "0x%04x\n", sv);
	attr(t, dir, "subsystem_device", "0x%04x\n", sd);
	attr(t, dir, "class", "0x%06x\n", d->class_code);
	attr(t, dir, "revision", "0x%02x\n", d->rev);
	attr(t, dir, "irq", "%d\n", d->irq);
	attr(t, dir, "enable", "%d\n",
	    d->driver != NULL && strcmp(d->driver, "vfio-pci") != 0);
	attr(t, dir, "numa_node", "-1\n");
	attr(t, dir, "local_cpulist", "0-%d\n",
	    s->has_cpu ? s->cpu.threads - 1 : 0);
	attr(t, dir, "d3cold_allowed", "1\n");
	attr(t, dir, "msi_bus", "1\n");
	attr(t, dir, "broken_parity_status", "0\n");
	attr(t, dir, "driver_override", "(null)\n");
	attr(t, dir, "remove", "%s", "");
	attr(t, dir, "rescan", "%s", "");
	modalias = xasprintf("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
	    d->vendor, d->device, sv, sd, d->class_code >> 16,
	    (d->class_code >> 8) & 0xff, d->class_code & 0xff);
	attr(t, dir, "modalias", "%s\n", modalias);
	attr(t, dir, "uevent",
	    "%s%s%sPCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\n"
	    "PCI_SLOT_NAME=%s\nMODALIAS=%s\n",
	    d->driver != NULL ? "DRIVER=" : "",
	    d->driver != NULL ? d->driver : "", d->driver != NULL ? "\n" : "",
	    d->class_code, d->vendor, d->device, sv, sd, d->addr, modalias);
	free(modalias);
	/* the kernel prints 13 resources, 17 for bridges (windows) */
	for (k = 0; k < (is_bridge(d) ? 17u : 13u); k++)
		sb_addf(&res, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
	path = xasprintf("%s/resource", dir);
	tree_file(t, path, res.buf, res.len, 0444);
	free(path);
	sb_release(&res);
	pci_config_space(s, i, cfg, &len);
	path = xasprintf("%s/config", dir);
	tree_file(t, path, cfg, len, 0644);
	free(path);
	if ((d->class_code >> 8) == 0x0300)
		attr(t, dir, "boot_vga", "%d\n", d->boot_vga == 1);
	if (d->reset_method != NULL) {
		attr(t, dir, "reset_method", "%s\n", d->reset_method);
		attr(t, dir, "reset", "%s", "");
	}
	if (is_bridge(d)) {
		attr(t, dir, "secondary_bus_number", "%u\n", d->secondary);
		attr(t, dir, "subordinate_bus_number", "%u\n", d->subordinate);
	}
	link2(t, dir, "subsystem", "/sys/bus/pci");
	bus_link = xasprintf("/sys/bus/pci/devices/%s", d->addr);
	tree_rel_link(t, bus_link, dir);
	free(bus_link);
	if (d->driver != NULL)
		gen_driver(s, t, d);
	gen_sriov(s, t, i);
	if (s->iommu.active && d->group >= 0) {
		char *g = xasprintf("/sys/kernel/iommu_groups/%d", d->group);
		char *u = xasprintf(
		    "/sys/devices/virtual/iommu/%s", iommu_unit(s, d));

		link2(t, dir, "iommu_group", g);
		link2(t, dir, "iommu", u);
		free(g);
		free(u);
	}
}

void
gen_pci(const struct host_spec *s, struct tree *t)
{
	size_t i;

	tree_dir(t, "/sys/bus/pci/devices");
	tree_dir(t, "/sys/bus/pci/drivers");
	tree_dir(t, "/sys/bus/pci/slots");
	attr(t, "/sys/bus/pci", "rescan", "%s", "");
	attr(t, "/sys/bus/pci", "drivers_probe", "%s", "");
	attr(t, "/sys/bus/pci", "drivers_autoprobe", "1\n");
	for (i = 0; i < s->n_pci; i++)
		gen_one_pci(s, t, s->pci_order[i]);
	gen_net(s, t);
}

void
gen_iommu(const struct host_spec *s, struct tree *t)
{
	const struct spec_iommu *io = &s->iommu;
	size_t i;

	tree_dir(t, "/sys/class/iommu");
	tree_dir(t, "/sys/kernel/iommu_groups");
	if (!io->active)
		return;
	for (i = 0; i < io->n_units; i++) {
		char *dir =
		    xasprintf("/sys/devices/virtual/iommu/%s", io->units[i]);
		char *cls = xasprintf("/sys/class/iommu/%s", io->units[i]);
		bool intel = str_startswith(io->units[i], "dmar");
		char *sub = xasprintf(
		    "%s/%s", dir, intel ? "intel-iommu" : "amd-iommu");

		tree_rel_link(t, cls, dir);
		free(cls);
		cls = xasprintf("%s/devices", dir);
		tree_dir(t, cls);
		attr(t, dir, "uevent", "%s", "");
		if (intel) {
			/* ecap bit 3: interrupt remapping */
			attr(t, sub, "version", "1:0\n");
			attr(t, sub, "address", "%x\n",
			    0xfed90000u + 0x1000u * (unsigned)i);
			attr(t, sub, "cap", "d2008c40660462\n");
			attr(t, sub, "ecap", "%x\n",
			    s->fw.dmar_intremap ? 0xf050dau : 0xf050d2u);
		} else {
			attr(t, sub, "cap", "190000\n");
			attr(t, sub, "features", "25bf732fa2295afe\n");
		}
		free(sub);
		free(cls);
		free(dir);
	}
	for (i = 0; i < s->n_pci; i++) {
		const struct spec_pci *d = &s->pci[s->pci_order[i]];
		char *g = xasprintf("/sys/kernel/iommu_groups/%d", d->group);
		char *u = xasprintf(
		    "/sys/devices/virtual/iommu/%s/devices", iommu_unit(s, d));
		char *p = xasprintf("%s/type", g);

		if (!tree_has(t, p)) {
			attr(t, g, "type", "%s\n", io->group_type);
			attr(t, g, "reserved_regions",
			    "0x00000000fee00000 0x00000000feefffff msi\n");
		}
		free(p);
		p = xasprintf("%s/devices", g);
		link2(t, p, d->addr, d->sysdir);
		link2(t, u, d->addr, d->sysdir);
		free(p);
		free(u);
		free(g);
	}
}

/* One disk, partition or dm device: attributes and the /sys/class links. */
static void
gen_blockdev(const struct host_spec *s, struct tree *t, const char *dir,
    const char *name, unsigned major, unsigned minor, unsigned partn,
    unsigned long long start)
{
	char *p;

	(void)s;
	attr(t, dir, "dev", "%u:%u\n", major, minor);
	attr(t, dir, "size", "%llu\n", partn > 0 ? 2097152ULL : 976773168ULL);
	attr(t, dir, "ro", "0\n");
	if (partn > 0) {
		attr(t, dir, "uevent",
		    "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\nDEVTYPE=partition\n"
		    "PARTN=%u\n",
		    major, minor, name, partn);
		attr(t, dir, "partition", "%u\n", partn);
		attr(t, dir, "start", "%llu\n", start);
	} else {
		attr(t, dir, "uevent",
		    "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\nDEVTYPE=disk\n", major,
		    minor, name);
		attr(t, dir, "removable", "0\n");
		p = xasprintf("%s/slaves", dir);
		tree_dir(t, p);
		free(p);
	}
	p = xasprintf("%s/holders", dir);
	tree_dir(t, p);
	free(p);
	p = xasprintf("/sys/class/block/%s", name);
	tree_rel_link(t, p, dir);
	free(p);
	p = xasprintf("/sys/dev/block/%u:%u", major, minor);
	tree_rel_link(t, p, dir);
	free(p);
}

/* The sysfs directory of a disk or partition by name, or NULL. */
static char *
block_dir(const struct host_spec *s, const char *name)
{
	size_t i, j;

	for (i = 0; i < s->n_block; i++) {
		const struct spec_block *b = &s->block[i];

		if (strcmp(b->name, name) == 0)
			return xstrdup(b->sysdir);
		for (j = 0; j < b->n_partitions; j++)
			if (strcmp(b->partitions[j], name) == 0)
				return xasprintf("%s/%s", b->sysdir, name);
	}
	return NULL;
}

void
gen_block(const struct host_spec *s, struct tree *t)
{
	size_t i, j;

	tree_dir(t, "/sys/block");
	tree_dir(t, "/sys/class/block");
	tree_dir(t, "/sys/dev/block");
	for (i = 0; i < s->n_block; i++) {
		const struct spec_block *b = &s->block[i];
		char *p = xasprintf("/sys/block/%s", b->name);

		tree_rel_link(t, p, b->sysdir);
		free(p);
		gen_blockdev(
		    s, t, b->sysdir, b->name, b->major, b->minor, 0, 0);
		if (b->ctrl_idx >= 0) {
			/* the SCSI device, NVMe controller or virtio device */
			char *up = xstrdup(b->sysdir);

			*strrchr(up, '/') = '\0';
			if (str_startswith(b->name, "sd") ||
			    str_startswith(b->name, "sr") ||
			    str_startswith(b->name, "vd"))
				*strrchr(up, '/') = '\0';
			link2(t, b->sysdir, "device", up);
			free(up);
		}
		for (j = 0; j < b->n_partitions; j++) {
			char *dir =
			    xasprintf("%s/%s", b->sysdir, b->partitions[j]);

			gen_blockdev(s, t, dir, b->partitions[j], b->major,
			    b->part_minor[j], b->part_num[j],
			    2048ULL + (b->part_num[j] - 1) * 2097152ULL);
			free(dir);
		}
		if (b->dm_name != NULL) {
			char uuid[37];

			spec_uuid(b->dm_name, uuid);
			attr(t, b->sysdir, "dm/name", "%s\n", b->dm_name);
			attr(t, b->sysdir, "dm/uuid", "LVM-%s\n", uuid);
			attr(t, b->sysdir, "dm/suspended", "0\n");
		}
		for (j = 0; j < b->n_slaves; j++) {
			char *sdir = block_dir(s, b->slaves[j]);
			char *sl = xasprintf("%s/slaves", b->sysdir);
			char *hl = xasprintf("%s/holders", sdir);

			link2(t, sl, b->slaves[j], sdir);
			link2(t, hl, b->name, b->sysdir);
			free(hl);
			free(sl);
			free(sdir);
		}
	}
	gen_zpools(s, t);
}
