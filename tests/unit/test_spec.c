/*
 * test_spec.c: the host spec loader and the replay generator. Bad specs are
 * refused with line:column messages and write nothing; a replayed tree is
 * read back with libpci (devices, driver, group, capabilities) and libkmod
 * (module paths, built-ins, aliases); the DMAR table and efivars are real;
 * every symlink is relative and stays inside; replay is deterministic; and
 * every bundled fixture host loads and replays.
 */
#include "vfio-wizard/spec.h"
#include "vfio-wizard/strbuf.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libkmod.h>
#include <limits.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REL "6.8.12-4-pve"

static const char small[] =
    "spec: 1\n"
    "name: unit-host\n"
    "description: a small host for the unit tests\n"
    "source: test_spec.c\n"
    "hostname: pve1\n"
    "cpu:\n"
    "  vendor: GenuineIntel\n"
    "  model_name: \"Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz\"\n"
    "  family: 6\n"
    "  model: 60\n"
    "  stepping: 3\n"
    "  threads: 4\n"
    "  flags: \"fpu vme ht vmx\"\n"
    "firmware:\n"
    "  boot: uefi\n"
    "  secure_boot: true\n"
    "  efi:\n"
    "    boot_current: \"0001\"\n"
    "    entries:\n"
    "      \"0001\": { label: \"Linux Boot Manager\", path: "
    "'\\EFI\\systemd\\systemd-bootx64.efi' }\n"
    "  acpi_tables: [FACP, DMAR]\n"
    "  dmar: { host_address_width: 39, intremap: true, x2apic_opt_out: "
    "true, units: 2 }\n"
    "kernel:\n"
    "  release: " REL "\n"
    "  cmdline: \"root=/dev/mapper/pve-root ro quiet intel_iommu=on\"\n"
    "  loaded: [i915, vfio_pci, vfio]\n"
    "  installed:\n"
    "    - release: " REL "\n"
    "      config: { CONFIG_INTEL_IOMMU: y, CONFIG_VFIO_PCI_VGA: n }\n"
    "      modules:\n"
    "        vfio: module\n"
    "        vfio-pci: module\n"
    "        vfio_pci_core: module\n"
    "        vfio_iommu_type1: module\n"
    "        iommufd: builtin\n"
    "        i915: module\n"
    "        ahci: builtin\n"
    "      aliases: [\"pci:v*d*sv*sd*bc01sc06i01 ahci\"]\n"
    "iommu: { active: true, group_type: DMA-FQ }\n"
    "pci:\n"
    "  - { address: \"0000:00:00.0\", id: \"8086:0c00\", class: \"060000\", "
    "group: 0 }\n"
    "  - { address: \"0000:00:02.0\", id: \"8086:0412\", subsys: "
    "\"1028:05a4\",\n"
    "      class: \"030000\", rev: 6, driver: i915, group: 1, flr: true,\n"
    "      reset_method: \"flr bus\" }\n"
    "  - { address: \"0000:00:1c.0\", id: \"8086:8c10\", class: \"060400\", "
    "driver: pcieport, group: 2 }\n"
    "  - { address: \"0000:01:00.0\", id: \"8086:10c9\", class: \"020000\", "
    "parent: \"0000:00:1c.0\",\n"
    "      group: 3, flr: true, sriov: { total: 7, num: 2 } }\n"
    "  - { address: \"0000:01:10.0\", id: \"8086:10ca\", class: \"020000\", "
    "physfn: \"0000:01:00.0\", group: 4, driver: vfio-pci }\n"
    "  - { address: \"0000:01:10.2\", id: \"8086:10ca\", class: \"020000\", "
    "physfn: \"0000:01:00.0\", group: 5 }\n"
    "  - { address: \"0000:00:1f.2\", id: \"8086:8c02\", class: \"010601\", "
    "group: 6 }\n"
    "block:\n"
    "  - { name: sda, controller: \"0000:00:1f.2\", partitions: [sda1, sda2, "
    "sda3] }\n"
    "  - { name: dm-0, dm_name: pve-root, slaves: [sda3] }\n"
    "mounts: [\"/dev/mapper/pve-root / ext4 rw,relatime 0 0\"]\n"
    "pve:\n"
    "  version: 8.2.4\n"
    "  running: [100]\n"
    "  vms:\n"
    "    100: \"name: win\\nvga: none\\n\"\n"
    "files:\n"
    "  /etc/default/grub: \"GRUB_DEFAULT=0\\n\"\n"
    "symlinks:\n"
    "  /etc/mtab: ../proc/self/mounts\n";

/* root + absolute path inside it; caller frees. */
static char *
jpath(const char *root, const char *path)
{
	return xasprintf("%s%s", root, path);
}

static struct host_spec *
load_ok(const char *text)
{
	struct host_spec *s = NULL;
	char *cause = NULL;
	int err = spec_load_buffer(text, strlen(text), "t.yaml", &s, &cause);

	if (err < 0)
		print_error("unexpected: %s\n", cause);
	assert_int_equal(err, 0);
	assert_null(cause);
	return s;
}

/* Load a spec that must fail, with exactly this message. */
static void
load_fails(const char *text, const char *want)
{
	struct host_spec *s = NULL;
	char *cause = NULL;

	assert_int_equal(
	    spec_load_buffer(text, strlen(text), "t.yaml", &s, &cause),
	    -EINVAL);
	assert_null(s);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

#define HEAD "spec: 1\nname: x\nsource: y\n"

static void
test_load_errors(void **state)
{
	(void)state;
	load_fails(HEAD "pci:\n  - address: \"0000:00:02.0\"\n"
			"    id: \"8086:0412\"\n    class: \"030000\"\n"
			"    flrr: true\n",
	    "t.yaml:8:5: unknown key 'flrr' in 'pci entry'");
	load_fails(HEAD "pci:\n  - { address: \"0000:00:2.0\", id: "
			"\"8086:0412\", class: \"030000\" }\n",
	    "t.yaml:5:16: 'address' must be a PCI address DDDD:BB:DD.F, not "
	    "'0000:00:2.0'");
	load_fails(HEAD "pci:\n  - { address: \"0000:01:00.0\", id: "
			"\"10de:2504\", class: \"030000\", parent: "
			"\"0000:00:01.0\" }\n",
	    "t.yaml:5:5: parent '0000:00:01.0' of '0000:01:00.0' is not "
	    "listed");
	load_fails(HEAD "pci:\n  - { address: \"0000:00:02.0\", id: "
			"\"8086:412\", class: \"030000\" }\n",
	    "t.yaml:5:36: 'id' must be two 4-hex-digit IDs as in '8086:0412', "
	    "not '8086:412'");
	load_fails(HEAD "cpu: { vendor: a, model_name: b, family: 6, model: 1,"
			" stepping: 1, flags: f, threads: eight }\n",
	    "t.yaml:4:87: 'threads' must be an integer from 1 to 8192");
	load_fails(HEAD "pci:\n  - { address: \"0000:00:02.0\", id: "
			"\"8086:0412\" }\n",
	    "t.yaml:5:5: missing key 'class' in 'pci entry'");
	load_fails(HEAD "name: z\n", "t.yaml:4:1: duplicate key 'name' in "
				     "'spec'");
	load_fails(HEAD "iommu: { active: yes }\n",
	    "t.yaml:4:18: 'active' must be true or false");
	load_fails(HEAD "files:\n  /sys/bus/pci/devices/x: \"\"\n",
	    "t.yaml:5:3: files: '/sys/bus/pci/devices/x' is generated from the "
	    "spec; describe it there instead");
	load_fails(HEAD "hostname: h\nfiles:\n  /etc/hostname: \"h\\n\"\n",
	    "t.yaml:6:3: files: '/etc/hostname' is also generated from the "
	    "spec");
	load_fails(HEAD "symlinks:\n  /etc/x: ../../../etc/passwd\n",
	    "t.yaml:5:3: symlinks: '/etc/x' must point to a relative target "
	    "inside the tree, not '../../../etc/passwd'");
	load_fails(HEAD "pci:\n  - { address: \"0000:00:02.0\", id: "
			"\"8086:0412\", class: \"030000\", sriov: { total: 7, "
			"num: 1 } }\n",
	    "t.yaml:5:5: '0000:00:02.0' has sriov num 1 but 0 devices name it "
	    "as physfn");
	load_fails(HEAD "firmware: { boot: bios, dmar: { units: 1 } }\n",
	    "t.yaml:4:31: 'dmar' is given but 'DMAR' is not in "
	    "'acpi_tables'");
	load_fails(HEAD "iommu: { active: true }\npci:\n  - { address: "
			"\"0000:00:02.0\", id: \"8086:0412\", class: "
			"\"030000\" }\n",
	    "t.yaml:4:1: the iommu is active but has no 'units' (and no DMAR "
	    "or IVRS table to name them after)");
	load_fails(HEAD "pci: [\n", "t.yaml:5:1: while parsing a flow node: "
				    "did not find expected node content");
	load_fails("spec: 2\nname: x\nsource: y\n",
	    "t.yaml:1:7: spec version 2 is not supported (1 is)");
	load_fails("name: x\n", "t.yaml:1:1: missing key 'spec' in 'spec'");
}

static void
test_replay_refuses(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *dir, *cause = NULL;
	struct stat st;

	(void)state;
	fx_write(root, "/d/keep", "x");
	dir = jpath(root, "/d");
	assert_int_equal(spec_replay(s, dir, &cause), -ENOTEMPTY);
	assert_non_null(strstr(cause, "is not empty"));
	free(cause);
	free(dir);
	/* nothing was added next to the file */
	dir = jpath(root, "/d/sys");
	assert_int_equal(lstat(dir, &st), -1);
	free(dir);
	/* an absent directory is created; a missing parent is an error */
	dir = jpath(root, "/no/such/dir");
	cause = NULL;
	assert_int_equal(spec_replay(s, dir, &cause), -ENOENT);
	free(cause);
	free(dir);
	spec_free(s);
	fx_rmroot(root);
}

static char *
path_in(const char *root, const char *path)
{
	return jpath(root, path);
}

static struct pci_dev *
find_dev(struct pci_access *a, int bus, int dev, int fn)
{
	struct pci_dev *d;

	for (d = a->devices; d != NULL; d = d->next)
		if (d->bus == bus && d->dev == dev && d->func == fn)
			return d;
	return NULL;
}

static void
test_libpci_reads_tree(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *dir = path_in(root, "/r"), *sys;
	struct pci_access *a;
	struct pci_dev *d;
	struct pci_cap *cap;
	int n = 0, flags = PCI_FILL_IDENT | PCI_FILL_CLASS |
			   PCI_FILL_IOMMU_GROUP | PCI_FILL_EXT_CAPS |
			   PCI_FILL_CAPS;

	(void)state;
#if HAVE_DECL_PCI_FILL_DRIVER
	flags |= PCI_FILL_DRIVER;
#endif
#if HAVE_DECL_PCI_FILL_SUBSYS
	flags |= PCI_FILL_SUBSYS;
#endif
	assert_int_equal(spec_replay(s, dir, NULL), 0);
	sys = path_in(dir, "/sys/bus/pci");
	a = pci_alloc();
	/* pci_set_param takes char *: pass writable copies */
	{
		char pname[] = "sysfs.path", hname[] = "hwdb.disable",
		     one[] = "1";

		assert_int_equal(pci_set_param(a, pname, sys), 0);
		assert_int_equal(pci_set_param(a, hname, one), 0);
	}
	a->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_init(a);
	pci_scan_bus(a);
	for (d = a->devices; d != NULL; d = d->next) {
		pci_fill_info(d, flags);
		n++;
	}
	assert_int_equal(n, 7);

	d = find_dev(a, 0, 2, 0);
	assert_non_null(d);
	assert_int_equal(d->vendor_id, 0x8086);
	assert_int_equal(d->device_id, 0x0412);
	assert_int_equal(d->device_class, 0x0300);
	assert_string_equal(
	    pci_get_string_property(d, PCI_FILL_IOMMU_GROUP), "1");
#if HAVE_DECL_PCI_FILL_DRIVER
	assert_string_equal(
	    pci_get_string_property(d, PCI_FILL_DRIVER), "i915");
#endif
#if HAVE_DECL_PCI_FILL_SUBSYS
	assert_int_equal(d->subsys_vendor_id, 0x1028);
	assert_int_equal(d->subsys_id, 0x05a4);
#endif
	assert_int_equal(pci_read_byte(d, PCI_REVISION_ID), 6);
	/* a conventional device: 256 bytes, FLR through Advanced Features */
	assert_null(pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL));
	cap = pci_find_cap(d, PCI_CAP_ID_AF, PCI_CAP_NORMAL);
	assert_non_null(cap);
	assert_int_equal(pci_read_byte(d, cap->addr + 3) & 0x2, 0x2);

	/* the SR-IOV PF behind the root port: PCIe with FLR, 7 VFs, 2 on */
	d = find_dev(a, 1, 0, 0);
	assert_non_null(d);
	assert_string_equal(
	    pci_get_string_property(d, PCI_FILL_IOMMU_GROUP), "3");
	cap = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	assert_non_null(cap);
	assert_true(pci_read_long(d, cap->addr + PCI_EXP_DEVCAP) &
		    PCI_EXP_DEVCAP_FLRESET);
	assert_int_equal(
	    (pci_read_word(d, cap->addr + PCI_EXP_FLAGS) >> 4) & 0xf,
	    PCI_EXP_TYPE_ENDPOINT);
	cap = pci_find_cap(d, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED);
	assert_non_null(cap);
	assert_int_equal(cap->addr, 0x100);
	assert_int_equal(pci_read_word(d, cap->addr + PCI_IOV_TOTALVF), 7);
	assert_int_equal(pci_read_word(d, cap->addr + PCI_IOV_NUMVF), 2);
	assert_int_equal(pci_read_word(d, cap->addr + 0x14), 0x80); /* offset */
	assert_int_equal(pci_read_word(d, cap->addr + 0x16), 2); /* stride */

	d = find_dev(a, 1, 0x10, 0);
	assert_non_null(d);
#if HAVE_DECL_PCI_FILL_DRIVER
	assert_string_equal(
	    pci_get_string_property(d, PCI_FILL_DRIVER), "vfio-pci");
#endif
	/* the root port is a type 1 header with the right buses */
	d = find_dev(a, 0, 0x1c, 0);
	assert_int_equal(pci_read_byte(d, PCI_HEADER_TYPE) & 0x7f, 1);
	assert_int_equal(pci_read_byte(d, PCI_SECONDARY_BUS), 1);
	cap = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	assert_int_equal(
	    (pci_read_word(d, cap->addr + PCI_EXP_FLAGS) >> 4) & 0xf,
	    PCI_EXP_TYPE_ROOT_PORT);
	pci_cleanup(a);
	free(sys);
	free(dir);
	spec_free(s);
	fx_rmroot(root);
}

/* Look a name up with libkmod in the tree's modules directory. */
static struct kmod_module *
kmod_find(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL;
	struct kmod_module *m = NULL;

	assert_int_equal(kmod_module_new_from_lookup(ctx, name, &list), 0);
	if (list != NULL)
		m = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	return m;
}

static void
test_libkmod_reads_tree(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *dir = path_in(root, "/r");
	char *moddir = path_in(dir, "/lib/modules/" REL), *want;
	const char *nocfg[] = {NULL};
	struct kmod_ctx *ctx;
	struct kmod_module *m;

	(void)state;
	assert_int_equal(spec_replay(s, dir, NULL), 0);
	ctx = kmod_new(moddir, nocfg);
	assert_non_null(ctx);

	m = kmod_find(ctx, "vfio_pci");
	assert_non_null(m);
	assert_string_equal(kmod_module_get_name(m), "vfio_pci");
	want = xasprintf("%s/kernel/drivers/vfio/pci/vfio-pci.ko", moddir);
	assert_string_equal(kmod_module_get_path(m), want);
	free(want);
	kmod_module_unref(m);

	m = kmod_find(ctx, "vfio-pci"); /* '-' and '_' are one */
	assert_non_null(m);
	kmod_module_unref(m);

	m = kmod_find(ctx, "iommufd");
	assert_non_null(m);
	assert_null(kmod_module_get_path(m));
	assert_int_equal(kmod_module_get_initstate(m), KMOD_MODULE_BUILTIN);
	kmod_module_unref(m);

	/* the iGPU's modalias resolves to i915 */
	m = kmod_find(
	    ctx, "pci:v00008086d00000412sv00001028sd000005A4bc03sc00i00");
	assert_non_null(m);
	assert_string_equal(kmod_module_get_name(m), "i915");
	kmod_module_unref(m);
	m = kmod_find(
	    ctx, "vfio_pci:v00008086d00000412sv00001028sd000005A4bc03sc00i00");
	assert_non_null(m);
	assert_string_equal(kmod_module_get_name(m), "vfio_pci");
	kmod_module_unref(m);
	/* an alias of a built-in module, from modules.builtin.alias.bin */
	m = kmod_find(ctx, "pci:v00008086d00008C02sv0sd0bc01sc06i01");
	assert_non_null(m);
	assert_string_equal(kmod_module_get_name(m), "ahci");
	kmod_module_unref(m);
	assert_null(kmod_find(ctx, "nosuchmodule"));
	assert_null(kmod_find(ctx, "vfio_virqfd"));
	kmod_unref(ctx);
	free(moddir);
	free(dir);
	spec_free(s);
	fx_rmroot(root);
}

static unsigned char *
slurp(const char *root, const char *path, size_t *len)
{
	char *p = jpath(root, path);
	FILE *f = fopen(p, "rb");
	unsigned char *buf = xmalloc((1 << 16) + 1);

	assert_non_null(f);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	free(p);
	return buf;
}

static void
test_firmware_tables(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *dir = path_in(root, "/r");
	unsigned char *b, sum = 0;
	size_t len, i, off;
	int drhd = 0;

	(void)state;
	assert_int_equal(spec_replay(s, dir, NULL), 0);
	b = slurp(dir, "/sys/firmware/acpi/tables/DMAR", &len);
	assert_memory_equal(b, "DMAR", 4);
	assert_int_equal(b[4] | b[5] << 8 | b[6] << 16 | b[7] << 24, len);
	for (i = 0; i < len; i++)
		sum = (unsigned char)(sum + b[i]);
	assert_int_equal(sum, 0);
	assert_int_equal(b[36], 38); /* host address width - 1 */
	assert_int_equal(b[37], 0x3); /* INTR_REMAP | X2APIC_OPT_OUT */
	for (off = 48; off + 4 <= len; off += b[off + 2] | b[off + 3] << 8)
		drhd += (b[off] | b[off + 1] << 8) == 0;
	assert_int_equal(off, len);
	assert_int_equal(drhd, 2);
	free(b);
	b = slurp(dir, "/sys/firmware/acpi/tables/FACP", &len);
	assert_int_equal(len, 36);
	free(b);

	b = slurp(dir,
	    "/sys/firmware/efi/efivars/"
	    "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
	    &len);
	assert_int_equal(len, 5);
	assert_int_equal(b[0], 0x06);
	assert_int_equal(b[4], 1);
	free(b);
	b = slurp(dir,
	    "/sys/firmware/efi/efivars/"
	    "BootCurrent-8be4df61-93ca-11d2-aa0d-00e098032b8c",
	    &len);
	assert_int_equal(len, 6);
	assert_int_equal(b[4] | b[5] << 8, 1);
	free(b);
	/* Boot0001: attributes, LOAD_OPTION_ACTIVE, UTF-16 "L", HD node */
	b = slurp(dir,
	    "/sys/firmware/efi/efivars/"
	    "Boot0001-8be4df61-93ca-11d2-aa0d-00e098032b8c",
	    &len);
	assert_int_equal(b[4], 1);
	assert_int_equal(b[10], 'L');
	assert_int_equal(b[11], 0);
	off = 10 + 2 * (strlen("Linux Boot Manager") + 1);
	assert_int_equal(b[off], 0x04);
	assert_int_equal(b[off + 1], 0x01);
	assert_int_equal(b[off + 42], 0x04);
	assert_int_equal(b[off + 43], 0x04);
	assert_int_equal(b[off + 46], '\\');
	free(b);
	free(dir);
	spec_free(s);
	fx_rmroot(root);
}

/* Every entry of a tree as one line (path, mode, link target, contents). */
static char **records;
static size_t n_records;
static const char *tree_root;

static int
record(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[PATH_MAX], *real;
	ssize_t n;

	(void)ftw;
	sb_addf(&sb, "%s %o", p + strlen(tree_root), (unsigned)st->st_mode);
	if (flag == FTW_SL) {
		n = readlink(p, buf, sizeof buf - 1);
		assert_true(n > 0);
		buf[n] = '\0';
		assert_true(buf[0] != '/'); /* every link is relative, */
		real = realpath(p, NULL); /* resolves, */
		if (real == NULL)
			print_error("dangling link %s -> %s\n", p, buf);
		assert_non_null(real);
		assert_true(str_startswith(real, tree_root)); /* stays in */
		free(real);
		sb_addf(&sb, " -> %s", buf);
	} else if (flag == FTW_F) {
		FILE *f = fopen(p, "rb");
		size_t k;

		if (f != NULL) { /* write-only triggers are not readable */
			while ((k = fread(buf, 1, sizeof buf, f)) > 0)
				sb_add(&sb, buf, k);
			fclose(f);
		}
	}
	ARRAY_PUSH(records, n_records, sb_detach(&sb));
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole tree as one sorted text; caller frees. */
static char *
tree_digest(const char *dir)
{
	char *real = realpath(dir, NULL);
	struct strbuf out = STRBUF_INIT;
	size_t i;

	assert_non_null(real);
	tree_root = real;
	records = NULL;
	n_records = 0;
	assert_int_equal(nftw(real, record, 32, FTW_PHYS), 0);
	qsort(records, n_records, sizeof *records, cmp_str);
	for (i = 0; i < n_records; i++)
		sb_addf(&out, "%s\n", records[i]);
	strv_free(records, n_records);
	free(real);
	return sb_detach(&out);
}

static void
test_deterministic(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *a = jpath(root, "/a"),
	     *b = jpath(root, "/b");
	char *da, *db;

	(void)state;
	assert_int_equal(spec_replay(s, a, NULL), 0);
	assert_int_equal(spec_replay(s, b, NULL), 0);
	da = tree_digest(a);
	db = tree_digest(b);
	assert_true(strlen(da) > 10000);
	assert_string_equal(da, db);
	free(da);
	free(db);
	free(a);
	free(b);
	spec_free(s);
	fx_rmroot(root);
}

static char *
read_text(const char *root, const char *path)
{
	size_t len;
	unsigned char *b = slurp(root, path, &len);

	b[len] = '\0';
	return (char *)b;
}

static void
expect_link(const char *dir, const char *path, const char *target)
{
	char *p = jpath(dir, path), buf[PATH_MAX];
	ssize_t n = readlink(p, buf, sizeof buf - 1);

	if (n <= 0)
		print_error("no link %s\n", path);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, target);
	free(p);
}

static void
expect_text(const char *dir, const char *path, const char *want)
{
	char *t = read_text(dir, path);

	assert_string_equal(t, want);
	free(t);
}

static void
test_tree_layout(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *dir = jpath(root, "/r"), *t;

	(void)state;
	assert_string_equal(spec_name(s), "unit-host");
	assert_string_equal(
	    spec_description(s), "a small host for the unit tests");
	assert_int_equal(spec_replay(s, dir, NULL), 0);
	expect_link(dir, "/sys/bus/pci/devices/0000:01:10.0",
	    "../../../devices/pci0000:00/0000:00:1c.0/0000:01:10.0");
	expect_link(dir,
	    "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/driver",
	    "../../../../bus/pci/drivers/vfio-pci");
	expect_link(dir, "/sys/devices/pci0000:00/0000:00:02.0/driver",
	    "../../../bus/pci/drivers/i915");
	expect_link(dir, "/sys/bus/pci/drivers/i915/0000:00:02.0",
	    "../../../../devices/pci0000:00/0000:00:02.0");
	expect_link(dir, "/sys/devices/pci0000:00/0000:00:02.0/iommu_group",
	    "../../../kernel/iommu_groups/1");
	expect_link(dir, "/sys/kernel/iommu_groups/3/devices/0000:01:00.0",
	    "../../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0");
	expect_link(
	    dir, "/sys/class/iommu/dmar1", "../../devices/virtual/iommu/dmar1");
	expect_link(dir,
	    "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtfn1",
	    "../0000:01:10.2");
	expect_link(dir,
	    "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.2/physfn",
	    "../0000:01:00.0");
	expect_link(dir, "/sys/block/sda",
	    "../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/"
	    "block/sda");
	expect_link(dir, "/sys/block/dm-0", "../devices/virtual/block/dm-0");
	expect_link(dir, "/sys/devices/virtual/block/dm-0/slaves/sda3",
	    "../../../../pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/"
	    "0:0:0:0/block/sda/sda3");
	expect_link(dir, "/etc/pve/local", "nodes/pve1");
	expect_link(dir, "/etc/pve/qemu-server", "nodes/pve1/qemu-server");
	expect_text(dir, "/sys/kernel/iommu_groups/1/type", "DMA-FQ\n");
	expect_text(dir, "/sys/block/dm-0/dm/name", "pve-root\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:00:02.0/vendor", "0x8086\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:00:02.0/class", "0x030000\n");
	expect_text(dir, "/sys/bus/pci/devices/0000:00:02.0/boot_vga", "1\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:00:02.0/reset_method", "flr bus\n");
	expect_text(dir, "/sys/bus/pci/devices/0000:00:02.0/modalias",
	    "pci:v00008086d00000412sv00001028sd000005A4bc03sc00i00\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:01:00.0/sriov_totalvfs", "7\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "2\n");
	t = read_text(dir, "/sys/bus/pci/devices/0000:00:02.0/resource");
	assert_int_equal(strlen(t), 13 * 57);
	assert_true(str_startswith(t, "0x0000000000000000 0x0000000000000000 "
				      "0x0000000000000000\n"));
	free(t);
	expect_text(dir, "/proc/cmdline",
	    "root=/dev/mapper/pve-root ro quiet intel_iommu=on\n");
	expect_text(dir, "/proc/sys/kernel/osrelease", REL "\n");
	expect_text(dir, "/proc/modules",
	    "i915 958464 0 - Live 0x0000000000000000\n"
	    "vfio_pci 233472 0 - Live 0x0000000000000000\n"
	    "vfio 892928 1 vfio_pci, Live 0x0000000000000000\n");
	t = read_text(dir, "/proc/cpuinfo");
	assert_non_null(strstr(t, "processor\t: 3\n"));
	assert_non_null(strstr(t, "cpu cores\t: 2\n"));
	assert_non_null(strstr(t, "flags\t\t: fpu vme ht vmx\n"));
	free(t);
	t = read_text(dir, "/proc/sys/kernel/random/boot_id");
	assert_int_equal(strlen(t), 37);
	assert_int_equal(t[14], '4');
	free(t);
	t = read_text(dir, "/boot/config-" REL);
	assert_non_null(strstr(t, "\nCONFIG_INTEL_IOMMU=y\n"));
	assert_non_null(strstr(t, "\n# CONFIG_VFIO_PCI_VGA is not set\n"));
	free(t);
	expect_text(dir, "/run/qemu-server/100.pid", "3100\n");
	t = read_text(dir, "/proc/3100/cmdline");
	assert_string_equal(t, "/usr/bin/kvm");
	assert_string_equal(t + 13, "-id");
	assert_string_equal(t + 17, "100");
	free(t);
	t = read_text(dir, "/var/lib/dpkg/status");
	assert_non_null(strstr(t, "Package: pve-manager\nStatus: install ok "
				  "installed\n"));
	assert_non_null(strstr(t, "\nVersion: 8.2.4\n"));
	free(t);
	expect_text(dir, "/etc/pve/nodes/pve1/qemu-server/100.conf",
	    "name: win\nvga: none\n");
	expect_text(dir, "/etc/default/grub", "GRUB_DEFAULT=0\n");
	expect_text(dir, "/etc/hostname", "pve1\n");
	free(dir);
	spec_free(s);
	fx_rmroot(root);
}

static void
test_replay_temp(void **state)
{
	struct host_spec *s = load_ok(small);
	char *dir = NULL, *p;
	struct stat st;

	(void)state;
	assert_int_equal(spec_replay_temp(s, &dir, NULL), 0);
	p = jpath(dir, "/sys/bus/pci/devices/0000:00:02.0/config");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 256);
	free(p);
	p = jpath(dir, "/sys/bus/pci/devices/0000:01:00.0/config");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4096);
	free(p);
	assert_int_equal(spec_remove_tree(dir), 0);
	assert_int_equal(lstat(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(dir);
	spec_free(s);
}

/* Every bundled fixture host loads and replays. */
static void
test_fixture_hosts(void **state)
{
	char *hosts = xasprintf("%s/tests/hosts", fx_srcdir());
	DIR *d = opendir(hosts);
	struct dirent *de;
	int n = 0;

	(void)state;
	if (d == NULL) {
		free(hosts);
		skip();
	}
	while ((de = readdir(d)) != NULL) {
		struct host_spec *s = NULL;
		char *path, *cause = NULL, *tmp = NULL;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		path = xasprintf("%s/%s", hosts, de->d_name);
		if (spec_load(path, &s, &cause) < 0)
			print_error("%s\n", cause);
		assert_non_null(s);
		if (spec_replay_temp(s, &tmp, &cause) < 0)
			print_error("%s\n", cause);
		assert_non_null(tmp);
		assert_int_equal(spec_remove_tree(tmp), 0);
		free(tmp);
		free(path);
		spec_free(s);
		n++;
	}
	closedir(d);
	free(hosts);
	assert_true(n > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_replay_refuses),
	    cmocka_unit_test(test_libpci_reads_tree),
	    cmocka_unit_test(test_libkmod_reads_tree),
	    cmocka_unit_test(test_firmware_tables),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_tree_layout),
	    cmocka_unit_test(test_replay_temp),
	    cmocka_unit_test(test_fixture_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
