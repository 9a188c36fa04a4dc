/*
 * test_probe_pci.c: probe_pci over fixture trees laid out as the kernel lays
 * out sysfs (device directories nested below their bridges, relative links
 * from /sys/bus/pci/devices, driver links, IOMMU groups listing their
 * members (probe_iommu sets each device's group), config space with
 * the real capability bytes): a Haswell iGPU with its HDMI audio, a GPU and
 * its audio function behind a root port, an SR-IOV PF with a VF, a device
 * without a driver or known IDs, and broken trees libpci gives up on.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small pci.ids: names the tests can rely on whatever the system has. */
static const char pci_ids[] =
    "# test pci.ids\n"
    "10de  NVIDIA Corporation\n"
    "\t1c03  GP106 [GeForce GTX 1060 6GB]\n"
    "\t10f1  GP106 High Definition Audio Controller\n"
    "8086  Intel Corporation\n"
    "\t0412  Xeon E3-1200 v3/4th Gen Core Processor Integrated Graphics "
    "Controller\n"
    "\t\t1462 7816  H81M-P33 (MS-7816)\n"
    "\t0c00  4th Gen Core Processor DRAM Controller\n"
    "\t0c01  Xeon E3-1200 v3/4th Gen Core Processor PCI Express x16 "
    "Controller\n"
    "\t0c0c  Xeon E3-1200 v3/4th Gen Core Processor HD Audio Controller\n"
    "\t1520  I350 Ethernet Controller Virtual Function\n"
    "\t1521  I350 Gigabit Network Connection\n"
    "\t8c02  8 Series/C220 Series Chipset Family 6-port SATA Controller 1 "
    "[AHCI mode]\n"
    "\t8c10  8 Series/C220 Series Chipset Family PCI Express Root Port "
    "#1\n"
    "\t8c5c  H81 Express LPC Controller\n"
    "1462  Micro-Star International Co., Ltd. [MSI]\n"
    "C 01  Mass storage controller\n"
    "\t06  SATA controller\n"
    "C 02  Network controller\n"
    "\t00  Ethernet controller\n"
    "C 03  Display controller\n"
    "\t00  VGA compatible controller\n"
    "C 04  Multimedia controller\n"
    "\t03  Audio device\n"
    "C 06  Bridge\n"
    "\t00  Host bridge\n"
    "\t01  ISA bridge\n"
    "\t04  PCI bridge\n";

/* Config space under construction, little-endian as the hardware has it. */
struct cfg {
	uint8_t b[4096];
	size_t len;
};

static void
put16(struct cfg *c, size_t at, uint16_t v)
{
	c->b[at] = (uint8_t)v;
	c->b[at + 1] = (uint8_t)(v >> 8);
}

static void
put32(struct cfg *c, size_t at, uint32_t v)
{
	put16(c, at, (uint16_t)v);
	put16(c, at + 2, (uint16_t)(v >> 16));
}

/* The type 0/1 header; len is 256 (conventional) or 4096 (PCIe). */
static void
cfg_init(struct cfg *c, uint16_t ven, uint16_t dev, uint32_t class, uint8_t rev,
    uint8_t hdr, size_t len)
{
	memset(c, 0, sizeof *c);
	c->len = len;
	put16(c, 0x00, ven);
	put16(c, 0x02, dev);
	put16(c, 0x04, 0x0007);
	c->b[0x08] = rev;
	c->b[0x09] = (uint8_t) class;
	c->b[0x0a] = (uint8_t)(class >> 8);
	c->b[0x0b] = (uint8_t)(class >> 16);
	c->b[0x0e] = hdr;
}

/* Chain a standard capability in: status bit 4, pointer at 0x34. */
static void
cfg_cap(struct cfg *c, uint8_t at, uint8_t id)
{
	uint8_t *p = &c->b[0x34];

	put16(c, 0x06, (uint16_t)(c->b[0x06] | c->b[0x07] << 8 | 0x0010));
	while (*p != 0)
		p = &c->b[*p + 1];
	*p = at;
	c->b[at] = id;
	c->b[at + 1] = 0;
}

/* PCI Express capability; devcap bit 28 is Function Level Reset. */
static void
cfg_pcie(struct cfg *c, uint8_t at, uint8_t type, bool flr)
{
	cfg_cap(c, at, 0x10);
	put16(c, at + 2, (uint16_t)(0x0002 | type << 4));
	put32(c, at + 4, 0x00008fc0u | (flr ? 0x10000000u : 0));
}

/* One sysfs device directory with its links, as the kernel has it. */
struct fxdev {
	const char *path;      /* below /sys/devices */
	const struct cfg *cfg; /* NULL: no config file */
	uint16_t sv, sd;       /* subsystem ids */
	const char *driver;    /* NULL: unbound */
	bool driver_dir;       /* create /sys/bus/pci/drivers/<driver> */
	const char *group;     /* NULL: no iommu_group link */
	const char *boot_vga, *reset_method;
	const char *totalvfs, *numvfs; /* NULL: no attribute */
	const char *physfn;	       /* link target, relative */
	bool no_vendor;		       /* break the device: no vendor file */
	bool vf_ids; /* as a VF: config's IDs read 0xffff, sysfs has them */
};

/* "../" times n, for links climbing back to /sys. */
static char *
ups(int n)
{
	char *s = calloc(1, (size_t)n * 3 + 1);
	int i;

	for (i = 0; i < n; i++)
		strcat(s, "../");
	return s;
}

static void
fx_pci(const char *root, const struct fxdev *f)
{
	const struct cfg *c = f->cfg;
	const char *bdf = strrchr(f->path, '/') + 1;
	char dir[512], p[600], t[600], *up;
	int depth = 1;
	const char *s;
	uint16_t ven = c ? (uint16_t)(c->b[0] | c->b[1] << 8) : 0x1b36;
	uint16_t dev = c ? (uint16_t)(c->b[2] | c->b[3] << 8) : 0x0001;
	uint32_t class =
	    c ? (uint32_t)(c->b[0x0b] << 16 | c->b[0x0a] << 8 | c->b[0x09])
	      : 0x010000;

	for (s = f->path; *s != '\0'; s++)
		depth += *s == '/';
	depth += 1; /* "devices" */
	up = ups(depth);
	snprintf(dir, sizeof dir, "/sys/devices/%s", f->path);
	fx_mkdir(root, dir);
	if (!f->no_vendor) {
		snprintf(p, sizeof p, "%s/vendor", dir);
		fx_write(root, p, "0x%04x\n", ven);
	}
	snprintf(p, sizeof p, "%s/device", dir);
	fx_write(root, p, "0x%04x\n", dev);
	snprintf(p, sizeof p, "%s/class", dir);
	fx_write(root, p, "0x%06x\n", class);
	snprintf(p, sizeof p, "%s/subsystem_vendor", dir);
	fx_write(root, p, "0x%04x\n", f->sv);
	snprintf(p, sizeof p, "%s/subsystem_device", dir);
	fx_write(root, p, "0x%04x\n", f->sd);
	snprintf(p, sizeof p, "%s/revision", dir);
	fx_write(root, p, "0x%02x\n", c ? c->b[8] : 0);
	snprintf(p, sizeof p, "%s/modalias", dir);
	fx_write(root, p, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", ven,
	    dev, f->sv, f->sd, class >> 16, (class >> 8) & 0xff, class & 0xff);
	if (c != NULL) {
		struct cfg k = *c;

		/* as the kernel's attributes mirror a type 0 header */
		if ((k.b[0x0e] & 0x7f) == 0) {
			put16(&k, 0x2c, f->sv);
			put16(&k, 0x2e, f->sd);
		}
		if (f->vf_ids) {
			put16(&k, 0x00, 0xffff);
			put16(&k, 0x02, 0xffff);
		}
		snprintf(p, sizeof p, "%s/config", dir);
		fx_write_bytes(root, p, k.b, k.len);
	}
	if (f->driver != NULL) {
		snprintf(p, sizeof p, "%s/driver", dir);
		snprintf(t, sizeof t, "%sbus/pci/drivers/%s", up, f->driver);
		fx_symlink(root, p, t);
		if (f->driver_dir) {
			snprintf(
			    p, sizeof p, "/sys/bus/pci/drivers/%s", f->driver);
			fx_mkdir(root, p);
		}
	}
	if (f->group != NULL) {
		snprintf(p, sizeof p, "%s/iommu_group", dir);
		snprintf(t, sizeof t, "%skernel/iommu_groups/%s", up, f->group);
		fx_symlink(root, p, t);
		snprintf(p, sizeof p, "/sys/kernel/iommu_groups/%s/devices/%s",
		    f->group, bdf);
		snprintf(t, sizeof t, "../../../../devices/%s", f->path);
		fx_symlink(root, p, t);
	}
	if (f->boot_vga != NULL) {
		snprintf(p, sizeof p, "%s/boot_vga", dir);
		fx_write(root, p, "%s\n", f->boot_vga);
	}
	if (f->reset_method != NULL) {
		snprintf(p, sizeof p, "%s/reset_method", dir);
		fx_write(root, p, "%s\n", f->reset_method);
	}
	if (f->totalvfs != NULL) {
		snprintf(p, sizeof p, "%s/sriov_totalvfs", dir);
		fx_write(root, p, "%s\n", f->totalvfs);
	}
	if (f->numvfs != NULL) {
		snprintf(p, sizeof p, "%s/sriov_numvfs", dir);
		fx_write(root, p, "%s\n", f->numvfs);
	}
	if (f->physfn != NULL) {
		snprintf(p, sizeof p, "%s/physfn", dir);
		fx_symlink(root, p, f->physfn);
	}
	snprintf(p, sizeof p, "/sys/bus/pci/devices/%s", bdf);
	snprintf(t, sizeof t, "../../../devices/%s", f->path);
	fx_symlink(root, p, t);
	free(up);
}

#define FXDEV(...) ((struct fxdev){__VA_ARGS__})

struct fixture {
	char *root;
	char *ids;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	fx->root = fx_mkroot();
	fx_write(fx->root, "/usr/share/misc/pci.ids", "%s", pci_ids);
	fx->ids = malloc(strlen(fx->root) + 32);
	sprintf(fx->ids, "%s/usr/share/misc/pci.ids", fx->root);
	setenv("VFIO_WIZARD_PCI_IDS", fx->ids, 1);
	fx_mkdir(fx->root, "/sys/bus/pci/devices");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	unsetenv("VFIO_WIZARD_PCI_IDS");
	fx_rmroot(fx->root);
	free(fx->ids);
	free(fx);
	return 0;
}

/* The i7-4770 board: DRAM controller, HD 4600, HDMI audio, LPC, SATA. */
static void
haswell_tree(const char *root)
{
	static struct cfg host, igd, audio, lpc, sata;

	cfg_init(&host, 0x8086, 0x0c00, 0x060000, 0x06, 0x00, 256);
	fx_pci(root, &FXDEV(.path = "pci0000:00/0000:00:00.0", .cfg = &host,
			 .sv = 0x1462, .sd = 0x7816, .driver = "hsw_uncore",
			 .group = "0"));

	/* lspci -vv of a 4770's IGD: [90] MSI, [d0] PM, [a4] AF TP+ FLR+ */
	cfg_init(&igd, 0x8086, 0x0412, 0x030000, 0x06, 0x00, 256);
	put16(&igd, 0x2c, 0x1462);
	put16(&igd, 0x2e, 0x7816);
	cfg_cap(&igd, 0x90, 0x05);
	cfg_cap(&igd, 0xd0, 0x01);
	cfg_cap(&igd, 0xa4, 0x13);
	igd.b[0xa4 + 2] = 0x06; /* AF length */
	igd.b[0xa4 + 3] = 0x03; /* AFCap: TP, FLR */
	fx_pci(root,
	    &FXDEV(.path = "pci0000:00/0000:00:02.0", .cfg = &igd, .sv = 0x1462,
		.sd = 0x7816, .driver = "i915", .driver_dir = true,
		.group = "1", .boot_vga = "1", .reset_method = "af_flr bus"));

	/* 00:03.0: a root complex integrated endpoint without FLR */
	cfg_init(&audio, 0x8086, 0x0c0c, 0x040300, 0x06, 0x00, 256);
	cfg_cap(&audio, 0x50, 0x01);
	cfg_cap(&audio, 0x60, 0x05);
	cfg_pcie(&audio, 0x70, 0x9, false);
	/* no drivers dir: the driver comes from the link alone */
	fx_pci(root, &FXDEV(.path = "pci0000:00/0000:00:03.0", .cfg = &audio,
			 .sv = 0x1462, .sd = 0x7816, .driver = "snd_hda_intel",
			 .group = "2"));

	cfg_init(&lpc, 0x8086, 0x8c5c, 0x060100, 0x05, 0x80, 256);
	fx_pci(root,
	    &FXDEV(.path = "pci0000:00/0000:00:1f.0", .cfg = &lpc, .sv = 0x1462,
		.sd = 0x7816, .driver = "lpc_ich", .group = "8"));

	cfg_init(&sata, 0x8086, 0x8c02, 0x010601, 0x05, 0x00, 256);
	fx_pci(root,
	    &FXDEV(.path = "pci0000:00/0000:00:1f.2", .cfg = &sata,
		.sv = 0x1462, .sd = 0x7816, .driver = "ahci", .group = "8"));
}

static void
test_haswell(void **state)
{
	struct fixture *fx = *state;
	const struct pci_device *d;
	struct host *h;

	haswell_tree(fx->root);
	h = fx_probe(fx->root, probe_pci, NULL);
	assert_int_equal(h->n_problems, 0);
	/* the groups' listings give each device its group */
	assert_int_equal(h->pci[1].iommu_group, -1);
	fx_mkdir(fx->root, "/sys/class/iommu/dmar0");
	fx_probe(fx->root, probe_iommu, h);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->n_pci, 5);
	assert_string_equal(h->pci[0].address, "0000:00:00.0");
	assert_string_equal(h->pci[4].address, "0000:00:1f.2");

	d = host_pci_find(h, "0000:00:02.0");
	assert_non_null(d);
	assert_int_equal(d->vendor_id, 0x8086);
	assert_int_equal(d->device_id, 0x0412);
	assert_int_equal(d->class_code, 0x030000);
	assert_int_equal(d->revision, 6);
	assert_int_equal(d->subsys_vendor_id, 0x1462);
	assert_int_equal(d->subsys_device_id, 0x7816);
	assert_string_equal(d->vendor_name, "Intel Corporation");
	assert_string_equal(d->device_name,
	    "Xeon E3-1200 v3/4th Gen Core "
	    "Processor Integrated Graphics Controller");
	assert_string_equal(d->subsys_name,
	    "Micro-Star International Co., Ltd. [MSI] H81M-P33 (MS-7816)");
	assert_string_equal(d->class_name, "VGA compatible controller");
	assert_string_equal(d->driver, "i915");
	assert_string_equal(d->modalias,
	    "pci:v00008086d00000412sv00001462sd00007816bc03sc00i00");
	assert_int_equal(d->iommu_group, 1);
	assert_int_equal(d->boot_vga, TRI_YES);
	assert_string_equal(d->reset_method, "af_flr bus");
	assert_true(d->has_flr);
	assert_false(d->sriov_capable);
	assert_int_equal(d->sriov_totalvfs, -1);
	assert_null(d->physfn);
	assert_null(d->parent);
	assert_false(d->multifunction);
	assert_true(pci_is_gpu(d));
	assert_false(pci_is_audio(d));
	assert_false(pci_is_bridge(d));
	assert_ptr_equal(host_pci_find(h, "00:02.0"), d);

	d = host_pci_find(h, "0000:00:03.0");
	assert_non_null(d);
	assert_string_equal(d->driver, "snd_hda_intel");
	assert_string_equal(d->class_name, "Audio device");
	assert_true(pci_is_audio(d));
	assert_false(d->has_flr);
	assert_int_equal(d->boot_vga, TRI_NO);
	assert_null(d->reset_method);
	assert_int_equal(d->iommu_group, 2);

	d = host_pci_find(h, "0000:00:1f.0");
	assert_true(d->multifunction);
	assert_true(pci_is_bridge(d));
	assert_true(pci_is_bridge(host_pci_find(h, "0000:00:00.0")));
	assert_false(pci_is_bridge(host_pci_find(h, "0000:00:1f.2")));
	host_free(h);
}

/* 00:01.0 root port, 01:00.0 GTX 1060 and 01:00.1 its audio. */
static void
test_behind_root_port(void **state)
{
	struct fixture *fx = *state;
	static struct cfg port, gpu, hda;
	const struct pci_device *d;
	struct host *h;

	cfg_init(&port, 0x8086, 0x0c01, 0x060400, 0x06, 0x01, 4096);
	cfg_pcie(&port, 0x88, 0x4, false);
	fx_pci(fx->root, &FXDEV(.path = "pci0000:00/0000:00:01.0", .cfg = &port,
			     .driver = "pcieport", .group = "1"));
	cfg_init(&gpu, 0x10de, 0x1c03, 0x030000, 0xa1, 0x80, 4096);
	cfg_pcie(&gpu, 0x68, 0x0, false);
	fx_pci(fx->root,
	    &FXDEV(.path = "pci0000:00/0000:00:01.0/0000:01:00.0", .cfg = &gpu,
		.sv = 0x1458, .sd = 0x3739, .driver = "vfio-pci", .group = "1",
		.boot_vga = "0", .reset_method = "bus"));
	cfg_init(&hda, 0x10de, 0x10f1, 0x040300, 0xa1, 0x00, 4096);
	cfg_pcie(&hda, 0x68, 0x0, false);
	fx_pci(fx->root,
	    &FXDEV(.path = "pci0000:00/0000:00:01.0/0000:01:00.1", .cfg = &hda,
		.sv = 0x1458, .sd = 0x3739, .driver = "vfio-pci", .group = "1",
		.reset_method = "bus"));

	h = fx_probe(fx->root, probe_pci, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->n_pci, 3);
	d = host_pci_find(h, "0000:01:00.0");
	assert_non_null(d);
	assert_string_equal(d->parent, "0000:00:01.0");
	assert_string_equal(d->driver, "vfio-pci");
	assert_true(d->multifunction);
	assert_false(d->has_flr);
	assert_int_equal(d->boot_vga, TRI_NO);
	assert_string_equal(d->device_name, "GP106 [GeForce GTX 1060 6GB]");
	/* subsystem vendor 1458 is not in the test pci.ids */
	assert_string_equal(d->subsys_name, "Device 1458:3739");
	d = host_pci_find(h, "0000:01:00.1");
	assert_string_equal(d->parent, "0000:00:01.0");
	assert_true(pci_is_audio(d));
	d = host_pci_find(h, "0000:00:01.0");
	assert_null(d->parent);
	assert_true(pci_is_bridge(d));
	assert_null(d->subsys_name);
	host_free(h);
}

/* An I350 PF with FLR and SR-IOV (7 VFs, 1 enabled) and its VF. */
static void
test_sriov_vf(void **state)
{
	struct fixture *fx = *state;
	static struct cfg port, pf, vf;
	const struct pci_device *d;
	struct host *h;

	cfg_init(&port, 0x8086, 0x8c10, 0x060400, 0xd5, 0x81, 4096);
	cfg_pcie(&port, 0x40, 0x4, false);
	fx_pci(fx->root, &FXDEV(.path = "pci0000:00/0000:00:1c.0", .cfg = &port,
			     .driver = "pcieport"));
	cfg_init(&pf, 0x8086, 0x1521, 0x020000, 0x01, 0x80, 4096);
	cfg_pcie(&pf, 0xa0, 0x0, true);
	/* SR-IOV extended capability at 0x100: TotalVFs 7, NumVFs 1 */
	put32(&pf, 0x100, 0x0010 | 1u << 16);
	put16(&pf, 0x100 + 0x0e, 7);
	put16(&pf, 0x100 + 0x10, 1);
	fx_pci(fx->root,
	    &FXDEV(.path = "pci0000:00/0000:00:1c.0/0000:02:00.0", .cfg = &pf,
		.driver = "igb", .reset_method = "flr bus", .totalvfs = "7",
		.numvfs = "1"));
	cfg_init(&vf, 0x8086, 0x1520, 0x020000, 0x01, 0x00, 4096);
	cfg_pcie(&vf, 0x70, 0x0, true);
	fx_pci(
	    fx->root, &FXDEV(.path = "pci0000:00/0000:00:1c.0/0000:02:10.0",
			  .cfg = &vf, .driver = "igbvf", .reset_method = "flr",
			  .physfn = "../0000:02:00.0", .vf_ids = true));

	h = fx_probe(fx->root, probe_pci, NULL);
	assert_int_equal(h->n_problems, 0);
	d = host_pci_find(h, "0000:02:00.0");
	assert_non_null(d);
	assert_true(d->sriov_capable);
	assert_int_equal(d->sriov_totalvfs, 7);
	assert_int_equal(d->sriov_numvfs, 1);
	assert_true(d->has_flr);
	assert_true(d->multifunction);
	assert_null(d->physfn);
	assert_string_equal(d->parent, "0000:00:1c.0");
	d = host_pci_find(h, "0000:02:10.0");
	assert_non_null(d);
	/* the VF's IDs come from sysfs: its config space reads 0xffff */
	assert_int_equal(d->vendor_id, 0x8086);
	assert_int_equal(d->device_id, 0x1520);
	assert_string_equal(d->physfn, "0000:02:00.0");
	assert_string_equal(d->parent, "0000:00:1c.0");
	assert_false(d->sriov_capable);
	assert_int_equal(d->sriov_numvfs, -1);
	assert_true(d->has_flr);
	assert_string_equal(
	    d->device_name, "I350 Ethernet Controller Virtual Function");
	host_free(h);
}

/* The SR-IOV capability alone, without the sysfs counts. */
static void
test_sriov_from_config(void **state)
{
	struct fixture *fx = *state;
	static struct cfg pf;
	const struct pci_device *d;
	struct host *h;

	cfg_init(&pf, 0x8086, 0x1521, 0x020000, 0x01, 0x00, 4096);
	cfg_pcie(&pf, 0xa0, 0x0, true);
	put32(&pf, 0x100, 0x0010 | 1u << 16);
	put16(&pf, 0x100 + 0x0e, 8);
	fx_pci(fx->root, &FXDEV(.path = "pci0000:00/0000:00:19.0", .cfg = &pf));
	h = fx_probe(fx->root, probe_pci, NULL);
	d = host_pci_find(h, "0000:00:19.0");
	assert_non_null(d);
	assert_true(d->sriov_capable);
	assert_int_equal(d->sriov_totalvfs, 8);
	assert_int_equal(d->sriov_numvfs, 0);
	assert_null(d->driver);
	host_free(h);
}

/* QEMU's 1b36:0001 bridge: unbound, unknown to pci.ids, no config file. */
static void
test_unbound_unknown(void **state)
{
	struct fixture *fx = *state;
	const struct pci_device *d;
	struct host *h;

	fx_pci(fx->root,
	    &FXDEV(.path = "pci0000:00/0000:00:05.0", .reset_method = "flr"));
	h = fx_probe(fx->root, probe_pci, NULL);
	assert_int_equal(h->n_pci, 1);
	d = &h->pci[0];
	assert_null(d->driver);
	assert_int_equal(d->iommu_group, -1);
	assert_string_equal(d->vendor_name, "Vendor 1b36");
	assert_string_equal(d->device_name, "Device 0001");
	assert_null(d->subsys_name);
	assert_string_equal(d->modalias,
	    "pci:v00001B36d00000001sv00000000sd00000000bc01sc00i00");
	/* without config space FLR is taken from reset_method */
	assert_true(d->has_flr);
	assert_false(d->multifunction);
	assert_true(fx_has_problem(h, "'0000:00:05.0': no config space"));
	host_free(h);
}

/*
 * A device whose IDs are neither in config space (a VF's read 0xffff) nor
 * in its vendor file costs that device only.
 */
static void
test_broken_device(void **state)
{
	struct fixture *fx = *state;
	static struct cfg ok, bad;
	struct host *h;

	cfg_init(&ok, 0x8086, 0x0412, 0x030000, 0x06, 0x00, 256);
	fx_pci(fx->root, &FXDEV(.path = "pci0000:00/0000:00:02.0", .cfg = &ok,
			     .driver = "i915"));
	cfg_init(&bad, 0xffff, 0xffff, 0x040300, 0x06, 0x00, 256);
	fx_pci(fx->root, &FXDEV(.path = "pci0000:00/0000:00:03.0", .cfg = &bad,
			     .no_vendor = true));
	h = fx_probe(fx->root, probe_pci, NULL);
	assert_int_equal(h->n_pci, 1);
	assert_string_equal(h->pci[0].address, "0000:00:02.0");
	assert_string_equal(h->pci[0].driver, "i915");
	assert_true(fx_has_problem(h, "device '0000:00:03.0' skipped: cannot "
				      "open"));
	assert_true(fx_has_problem(h, "/vendor"));
	host_free(h);
}

/* No /sys/bus/pci at all, and a root without pci.ids. */
static void
test_missing_pieces(void **state)
{
	struct fixture *fx = *state;
	static struct cfg igd;
	char *root = fx_mkroot();
	struct host *h;

	h = fx_probe(root, probe_pci, NULL);
	assert_int_equal(h->n_pci, 0);
	assert_true(fx_has_problem(h, "'/sys/bus/pci/devices'"));
	host_free(h);
	fx_rmroot(root);

	{
		char *ids = xasprintf("%s/nonexistent/pci.ids", fx->root);

		setenv("VFIO_WIZARD_PCI_IDS", ids, 1);
		free(ids);
	}
	cfg_init(&igd, 0x8086, 0x0412, 0x030000, 0x06, 0x00, 256);
	fx_pci(
	    fx->root, &FXDEV(.path = "pci0000:00/0000:00:02.0", .cfg = &igd));
	h = fx_probe(fx->root, probe_pci, NULL);
	assert_int_equal(h->n_pci, 1);
	assert_string_equal(h->pci[0].vendor_name, "Vendor 8086");
	assert_string_equal(h->pci[0].device_name, "Device 0412");
	assert_string_equal(h->pci[0].class_name, "Class 0300");
	assert_true(fx_has_problem(h, "cannot read pci.ids"));
	host_free(h);
}

/* A malformed pci.ids is fatal to libpci: it must become a problem. */
static void
test_bad_pci_ids(void **state)
{
	struct fixture *fx = *state;
	static struct cfg igd;
	struct host *h;

	fx_write(fx->root, "/usr/share/misc/pci.ids", "8086  Intel\n\tzz\n");
	cfg_init(&igd, 0x8086, 0x0412, 0x030000, 0x06, 0x00, 256);
	fx_pci(
	    fx->root, &FXDEV(.path = "pci0000:00/0000:00:02.0", .cfg = &igd));
	h = fx_probe(fx->root, probe_pci, NULL);
	assert_int_equal(h->n_pci, 1);
	assert_true(fx_has_problem(h, "pci.ids '"));
	assert_non_null(h->pci[0].vendor_name);
	host_free(h);
}

static void
test_find(void **state)
{
	struct fixture *fx = *state;
	struct host *h;

	haswell_tree(fx->root);
	h = fx_probe(fx->root, probe_pci, NULL);
	assert_non_null(host_pci_find(h, "0000:00:1f.2"));
	assert_non_null(host_pci_find(h, "00:1f.2"));
	assert_null(host_pci_find(h, "0000:00:1f.3"));
	assert_null(host_pci_find(h, "0000:00:1f"));
	assert_null(host_pci_find(h, "0000:00:20.0"));
	assert_null(host_pci_find(h, "0000:00:02.0x"));
	assert_null(host_pci_find(h, "garbage"));
	assert_null(host_pci_find(h, "0000.00:1f.2"));
	assert_null(host_pci_find(h, "0000:00:1f.2.0"));
	assert_null(host_pci_find(h, "0x00:00:1f.2"));
	assert_null(host_pci_find(h, "0000:00:1f.8"));
	assert_null(host_pci_find(h, "0000:100:1f.2"));
	assert_non_null(host_pci_find(h, "0000:00:1F.2"));
	assert_null(host_pci_find(h, ""));
	assert_null(host_pci_find(h, NULL));
	host_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_haswell, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_behind_root_port, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sriov_vf, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_sriov_from_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_unbound_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_broken_device, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_missing_pieces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_pci_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_find, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
