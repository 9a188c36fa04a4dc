/*
 * test_spec.c: the host spec loader and what libraries read from a replayed
 * tree. Bad specs are refused with line:column messages and write nothing;
 * a replayed tree is read back with libpci (devices, driver, group,
 * capabilities) and libkmod (module paths, built-ins, aliases); the DMAR
 * table and the efivars are real. See test_spec_tree.c for the layout.
 */
#include "vfio-wizard/spec.h"
#include "vfio-wizard/strbuf.h"
#include "spec_small.h"
#include "testutil.h"

#include <errno.h>
#include <libkmod.h>
#include <pci/pci.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	if (d == NULL) { /* cmocka's asserts are not noreturn to gcc */
		fail_msg("no device");
		return;
	}
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
	if (d == NULL) { /* cmocka's asserts are not noreturn to gcc */
		fail_msg("no device");
		return;
	}
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
	assert_int_equal(pci_read_word(d, cap->addr + 0x16), 2);    /* stride */

	d = find_dev(a, 1, 0x10, 0);
	if (d == NULL) { /* cmocka's asserts are not noreturn to gcc */
		fail_msg("no device");
		return;
	}
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
	assert_int_equal(b[36], 38);  /* host address width - 1 */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_replay_refuses),
	    cmocka_unit_test(test_libpci_reads_tree),
	    cmocka_unit_test(test_libkmod_reads_tree),
	    cmocka_unit_test(test_firmware_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
