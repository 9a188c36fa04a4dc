/*
 * reboot_sim_sriov.c: SR-IOV virtual functions that the tree asks for at
 * boot. Only one way is modelled: sysfsutils, which writes each
 * "attribute = value" of /etc/sysfs.conf and /etc/sysfs.d/ *.conf (paths
 * relative to /sys) at boot, as the i915-sriov-dkms README sets
 * `devices/pci0000:00/0000:00:02.0/sriov_numvfs = 7`. A write to
 * sriov_numvfs creates the VFs when the device has the capability, the
 * count is at most sriov_totalvfs, and its driver can configure SR-IOV
 * (drivers/pci/iov.c sriov_numvfs_store; i915-sriov-dkms needs
 * i915.max_vfs, vfio-pci its enable_sriov).
 *
 * VF n sits at the PF's routing ID + sriov_offset + n * sriov_stride, with
 * sriov_vf_device as its device ID and the PF's vendor, subsystem and
 * class; it gets the attributes and links replay writes for a VF (physfn,
 * the PF's virtfnN), a group of its own when the IOMMU is on, and its
 * driver by the same rules as any device. A tree whose VFs already match
 * the request keeps them; a change of an existing count is not simulated
 * (a warning says so), and nothing else ever removes VFs.
 */
#include "reboot_sim.h"

#include "../../src/spec/spec_priv.h"
#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/root.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYSFS_CONF "/etc/sysfs.conf"
#define SYSFS_D "/etc/sysfs.d"

/* One sriov_numvfs request: the PF's index and the count. */
struct req {
	size_t pf;
	int count;
	char *origin;
};

static char *
trim(char *p)
{
	char *e;

	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return p;
}

/* The PF a sysfs.conf attribute path names, or -1. */
static long
find_pf(const struct rs *s, const char *attr)
{
	char *dev = xasprintf("/sys/%s", attr + (*attr == '/')), *real = NULL;
	size_t i;
	long hit = -1;

	if (str_startswith(dev, "/sys/sys/"))
		memmove(dev, dev + 4, strlen(dev + 4) + 1);
	*strrchr(dev, '/') = '\0';
	if (root_resolve(s->r, dev, &real) == 0)
		for (i = 0; i < s->n_devs; i++)
			if (strcmp(s->devs[i].sysdir, real) == 0)
				hit = (long)i;
	free(real);
	free(dev);
	return hit;
}

/* Collect the sriov_numvfs lines of one sysfsutils file; the last wins. */
static void
parse_file(struct rs *s, const char *path, struct req **reqs, size_t *n)
{
	char *text, *line, *save = NULL, *eq, *attr, *value, *end;
	struct req r;
	long pf, count;
	size_t i;

	if (root_read(s->r, path, &text, NULL) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line = trim(line);
		if (*line == '#' || str_startswith(line, "mode ") ||
		    str_startswith(line, "owner ") ||
		    (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		attr = trim(line);
		value = trim(eq + 1);
		if (strlen(attr) < 13 ||
		    strcmp(attr + strlen(attr) - 13, "/sriov_numvfs") != 0)
			continue;
		count = strtol(value, &end, 10);
		if ((pf = find_pf(s, attr)) < 0 || *end != '\0' || count < 0) {
			rs_warn(s,
			    "%s: '%s = %s' names no PCI device or no "
			    "count: ignored",
			    path, attr, value);
			continue;
		}
		for (i = 0; i < *n && (*reqs)[i].pf != (size_t)pf; i++)
			;
		if (i < *n) {
			(*reqs)[i].count = (int)count;
			continue;
		}
		r.pf = (size_t)pf;
		r.count = (int)count;
		r.origin = xstrdup(path);
		ARRAY_PUSH(*reqs, *n, r);
	}
	free(text);
}

/* A module parameter's value after the boot, or NULL. */
static char *
param(struct rs *s, const char *module, const char *name)
{
	char *opts = rs_module_options(s, module), *v = NULL;
	struct cmdline *cl = cmdline_parse(opts != NULL ? opts : "");
	const char *got = cmdline_get(cl, name);

	if (got != NULL)
		v = xstrdup(got);
	cmdline_free(cl);
	free(opts);
	return v;
}

/* Whether the PF's driver can make count VFs; warns when not. */
static bool
driver_can(struct rs *s, const struct rs_dev *pf, int count, const char *origin)
{
	const char *drv = pf->driver;
	char *v = NULL;
	bool ok = true;

	if (drv == NULL)
		ok = false;
	else if (strcmp(drv, "vfio-pci") == 0)
		ok = (v = param(s, "vfio_pci", "enable_sriov")) != NULL &&
		     strchr("1yY", *v) != NULL && *v != '\0';
	else if (strcmp(drv, "i915") == 0)
		ok = (v = param(s, "i915", "max_vfs")) != NULL &&
		     atoi(v) >= count;
	if (!ok)
		rs_warn(s,
		    "%s asks for %d VFs of %s, but %s: the write to "
		    "sriov_numvfs fails",
		    origin, count, pf->pd->address,
		    drv == NULL ? "it has no driver"
		    : strcmp(drv, "i915") == 0
			? "i915 has no max_vfs that large"
			: "vfio-pci has no enable_sriov=1");
	free(v);
	return ok;
}

/* An attribute of the PF as a number (sriov_offset, sriov_vf_device). */
static unsigned long
pf_attr(const struct rs *s, const struct rs_dev *pf, const char *name, bool hex,
    unsigned long def)
{
	char *p = xasprintf("%s/%s", pf->sysdir, name), *line;
	unsigned long v = def;

	if (root_read_line(s->r, p, &line) == 0) {
		if (hex)
			str_hex(line, &v);
		else
			v = strtoul(line, NULL, 10);
		free(line);
	}
	free(p);
	return v;
}

/*
 * The VF's config space through replay's own generator: a one-device spec
 * whose device is PCI Express when it sits below a bridge, as
 * spec_check_pci.c derives it, without FLR or SR-IOV.
 */
static void
vf_config(const struct rs_dev *vf, uint8_t *buf, size_t *len)
{
	const struct pci_device *d = vf->pd;
	struct host_spec hs;
	struct spec_pci p;

	memset(&hs, 0, sizeof hs);
	memset(&p, 0, sizeof p);
	p.vendor = d->vendor_id;
	p.device = d->device_id;
	p.sub_vendor = d->subsys_vendor_id;
	p.sub_device = d->subsys_device_id;
	p.class_code = d->class_code;
	p.rev = d->revision;
	p.bus = d->bus;
	p.dev = d->dev;
	p.fn = d->func;
	p.driver = vf->driver;
	p.parent_idx = d->parent != NULL ? 0 : -1;
	p.physfn_idx = -1;
	p.is_pcie = d->parent != NULL;
	hs.pci = &p;
	hs.n_pci = 1;
	pci_config_space(&hs, 0, buf, len);
}

/* The new VF's own files, in replay's shapes (spec_sysfs.c). */
static void
write_vf(
    struct rs *s, const struct rs_dev *pf, const struct rs_dev *vf, unsigned n)
{
	const struct pci_device *d = vf->pd;
	uint8_t cfg[4096];
	char *p, *text;
	struct strbuf sb = STRBUF_INIT;
	size_t len = 0, k;

#define VF_ATTR(name, ...)                                \
	do {                                              \
		p = xasprintf("%s/%s", vf->sysdir, name); \
		rs_filef(s, p, 0644, __VA_ARGS__);        \
		free(p);                                  \
	} while (0)
	VF_ATTR("vendor", "0x%04x\n", d->vendor_id);
	VF_ATTR("device", "0x%04x\n", d->device_id);
	VF_ATTR("subsystem_vendor", "0x%04x\n", d->subsys_vendor_id);
	VF_ATTR("subsystem_device", "0x%04x\n", d->subsys_device_id);
	VF_ATTR("class", "0x%06x\n", d->class_code);
	VF_ATTR("revision", "0x%02x\n", d->revision);
	VF_ATTR("irq", "0\n");
	VF_ATTR("numa_node", "-1\n");
	VF_ATTR("d3cold_allowed", "1\n");
	VF_ATTR("msi_bus", "1\n");
	VF_ATTR("broken_parity_status", "0\n");
	VF_ATTR("remove", "%s", "");
	VF_ATTR("rescan", "%s", "");
	VF_ATTR("modalias", "%s\n", d->modalias);
	if ((d->class_code >> 8) == 0x0300)
		VF_ATTR("boot_vga", "0\n");
	VF_ATTR("uevent",
	    "%s%s%sPCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\n"
	    "PCI_SLOT_NAME=%s\nMODALIAS=%s\n",
	    vf->driver != NULL ? "DRIVER=" : "",
	    vf->driver != NULL ? vf->driver : "",
	    vf->driver != NULL ? "\n" : "", d->class_code, d->vendor_id,
	    d->device_id, d->subsys_vendor_id, d->subsys_device_id, d->address,
	    d->modalias);
#undef VF_ATTR
	for (k = 0; k < 13; k++)
		sb_addf(&sb, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
	p = xasprintf("%s/resource", vf->sysdir);
	rs_file(s, p, sb.buf, sb.len, 0444);
	free(p);
	sb_release(&sb);
	/* the config space replay writes for such a VF (spec_pciconf.c) */
	vf_config(vf, cfg, &len);
	p = xasprintf("%s/config", vf->sysdir);
	rs_file(s, p, cfg, len, 0644);
	free(p);
	p = xasprintf("%s/local_cpulist", pf->sysdir);
	if (root_read(s->r, p, &text, &len) == 0) {
		free(p);
		p = xasprintf("%s/local_cpulist", vf->sysdir);
		rs_file(s, p, text, len, 0644);
		free(text);
	}
	free(p);
	p = xasprintf("%s/physfn", vf->sysdir);
	rs_link(s, p, pf->sysdir);
	free(p);
	p = xasprintf("%s/virtfn%u", pf->sysdir, n);
	rs_link(s, p, vf->sysdir);
	free(p);
	p = xasprintf("%s/subsystem", vf->sysdir);
	rs_link(s, p, "/sys/bus/pci");
	free(p);
	p = xasprintf("/sys/bus/pci/devices/%s", d->address);
	rs_link(s, p, vf->sysdir);
	free(p);
}

/* Describe VF n of a PF in vfs[j]. */
static void
make_vf(struct rs *s, size_t pfi, unsigned n, struct pci_device *vf)
{
	const struct rs_dev *pf = &s->devs[pfi];
	const struct pci_device *p = pf->pd;
	unsigned long off = pf_attr(s, pf, "sriov_offset", false, 1);
	unsigned long stride = pf_attr(s, pf, "sriov_stride", false, 1);
	unsigned long rid =
	    (p->bus << 8 | p->dev << 3 | p->func) + off + n * stride;

	memset(vf, 0, sizeof *vf);
	vf->domain = p->domain;
	vf->bus = (unsigned)(rid >> 8) & 0xff;
	vf->dev = (unsigned)(rid >> 3) & 0x1f;
	vf->func = (unsigned)rid & 7;
	snprintf(vf->address, sizeof vf->address, "%04x:%02x:%02x.%x",
	    vf->domain, vf->bus, vf->dev, vf->func);
	vf->vendor_id = p->vendor_id;
	vf->device_id =
	    (uint16_t)pf_attr(s, pf, "sriov_vf_device", true, p->device_id);
	vf->subsys_vendor_id = p->subsys_vendor_id;
	vf->subsys_device_id = p->subsys_device_id;
	vf->class_code = p->class_code;
	vf->revision = p->revision;
	vf->modalias = xasprintf("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
	    vf->vendor_id, vf->device_id, vf->subsys_vendor_id,
	    vf->subsys_device_id, PCI_CLASS_BASE(vf->class_code),
	    PCI_CLASS_SUB(vf->class_code), vf->class_code & 0xff);
	vf->iommu_group = -1;
	vf->boot_vga = TRI_NO;
	vf->sriov_totalvfs = vf->sriov_numvfs = -1;
	vf->physfn = xstrdup(p->address);
	vf->parent = p->parent != NULL ? xstrdup(p->parent) : NULL;
}

/* Whether a request is one to carry out now; warns about the others. */
static bool
accepted(struct rs *s, const struct req *r)
{
	const struct rs_dev *pf = &s->devs[r->pf];
	const struct pci_device *p = pf->pd;

	if (p->sriov_totalvfs < 0) {
		rs_warn(s,
		    "%s asks for VFs of %s, which has no SR-IOV "
		    "capability",
		    r->origin, p->address);
		return false;
	}
	if (r->count > p->sriov_totalvfs) {
		rs_warn(s, "%s asks for %d VFs of %s, which has %d at most",
		    r->origin, r->count, p->address, p->sriov_totalvfs);
		return false;
	}
	if (r->count == p->sriov_numvfs || r->count == 0)
		return false; /* as asked already */
	if (p->sriov_numvfs > 0) {
		rs_warn(s,
		    "%s asks for %d VFs of %s, which has %d: changing "
		    "the count is not simulated",
		    r->origin, r->count, p->address, p->sriov_numvfs);
		return false;
	}
	return driver_can(s, pf, r->count, r->origin);
}

void
rs_sriov(struct rs *s)
{
	struct req *reqs = NULL;
	char **names = NULL, *path;
	size_t n = 0, n_names = 0, i, total = 0, j;
	unsigned k;
	int next = -1;

	parse_file(s, SYSFS_CONF, &reqs, &n);
	if (root_listdir(s->r, SYSFS_D, &names, &n_names) == 0) {
		for (i = 0; i < n_names; i++) {
			size_t len = strlen(names[i]);

			if (len < 6 || strcmp(names[i] + len - 5, ".conf") != 0)
				continue;
			path = xasprintf(SYSFS_D "/%s", names[i]);
			parse_file(s, path, &reqs, &n);
			free(path);
		}
		strv_free(names, n_names);
	}
	for (i = 0; i < n; i++) {
		if (!accepted(s, &reqs[i]))
			reqs[i].count = -1;
		else
			total += (size_t)reqs[i].count;
	}
	if (total > 0) {
		s->vfs = xcalloc(total, sizeof *s->vfs);
		s->devs = xreallocarray(
		    s->devs, s->n_devs + total + 1, sizeof *s->devs);
		memset(s->devs + s->n_devs, 0, (total + 1) * sizeof *s->devs);
		for (j = 0; j < s->n_devs; j++)
			if (s->devs[j].group > next)
				next = s->devs[j].group;
	}
	for (i = 0; i < n; i++) {
		struct rs_dev *pf = &s->devs[reqs[i].pf];
		struct strbuf sb = STRBUF_INIT;

		for (k = 0; reqs[i].count > 0 && k < (unsigned)reqs[i].count;
		     k++) {
			struct pci_device *vp = &s->vfs[s->n_vfs++];
			struct rs_dev *vf = &s->devs[s->n_devs++];
			char *dir = xstrdup(pf->sysdir);

			make_vf(s, reqs[i].pf, k, vp);
			*strrchr(dir, '/') = '\0';
			vf->pd = vp;
			vf->sysdir = xasprintf("%s/%s", dir, vp->address);
			free(dir);
			vf->created = true;
			vf->set_numvfs = -1;
			vf->group = s->iommu_on && pf->group >= 0 ? ++next : -1;
			/* as replay's iommu_unit(): only 00:02.0 has the
			 * first unit */
			vf->unit =
			    vf->group >= 0 ? s->units[s->n_units - 1] : NULL;
			rs_native_driver(s, vf);
			rs_load_candidates(s, vf);
			rs_decide(s, vf);
			write_vf(s, pf, vf, k);
			sb_addf(&sb, " %s", vp->address);
		}
		if (reqs[i].count > 0) {
			pf->set_numvfs = reqs[i].count;
			path = xasprintf("%s/sriov_numvfs", pf->sysdir);
			rs_filef(s, path, 0644, "%d\n", reqs[i].count);
			free(path);
			rs_fact(s, "sriov: %s: %d VFs%s (%s)", pf->pd->address,
			    reqs[i].count, sb_str(&sb), reqs[i].origin);
		}
		sb_release(&sb);
		free(reqs[i].origin);
	}
	free(reqs);
}

void
rs_sriov_config(char *cfg, size_t len, int numvfs)
{
	unsigned char *c = (unsigned char *)cfg;

	if (numvfs < 0 || len < 0x120 || c[0x100] != 0x10 || c[0x101] != 0)
		return;
	c[0x108] = numvfs > 0 ? 0x09 : 0x00;
	c[0x109] = 0;
	c[0x110] = (unsigned char)(numvfs & 0xff);
	c[0x111] = (unsigned char)(numvfs >> 8);
}

void
rs_sriov_free(struct rs *s)
{
	size_t i;

	for (i = 0; i < s->n_vfs; i++) {
		free(s->vfs[i].modalias);
		free(s->vfs[i].physfn);
		free(s->vfs[i].parent);
	}
	free(s->vfs);
}
