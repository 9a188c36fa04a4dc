/*
 * test_probe_kernel.c: the kernel and modules probes on fixture trees:
 * release, command line, boot id, installed kernels in version order with
 * their config choices, loaded modules; per kernel whether the vfio modules
 * are modules, built in or missing (libkmod over real binary indexes); the
 * effective modprobe configuration without the live /proc/cmdline that
 * libkmod always merges.
 *
 * The indexes are written by a minimal kmod index (trie) writer below, a
 * stop-gap until the spec generator's writer (src/spec/kmod_index.c) lands.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- a minimal kmod index writer (libkmod-index.c format, v2.1) ---- */

#define IDX_MAGIC 0xB007F457u
#define IDX_VERSION 0x00020001u
#define IDX_CHILDS 0x20000000u
#define IDX_VALUES 0x40000000u

struct tnode {
	struct tnode *child[128];
	const char *value;
	unsigned prio;
};

struct obuf {
	unsigned char *b;
	size_t len;
};

static void
put(struct obuf *o, const void *p, size_t n)
{
	o->b = realloc(o->b, o->len + n);
	assert_non_null(o->b);
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

static void
put32(struct obuf *o, uint32_t v)
{
	unsigned char c[4] = {v >> 24, v >> 16, v >> 8, v};

	put(o, c, 4);
}

static void
trie_add(struct tnode *root, const char *key, const char *value, unsigned prio)
{
	struct tnode *n = root;

	for (; *key != '\0'; key++) {
		int c = (unsigned char)*key & 0x7f;

		if (n->child[c] == NULL)
			n->child[c] = calloc(1, sizeof *n);
		n = n->child[c];
	}
	n->value = value;
	n->prio = prio;
}

/* Children first, then the node; returns its offset with flags. */
static uint32_t
trie_write(struct obuf *o, struct tnode *n)
{
	uint32_t off[128] = {0}, pos, flags = 0;
	int c, first = -1, last = -1;

	for (c = 0; c < 128; c++) {
		if (n->child[c] == NULL)
			continue;
		off[c] = trie_write(o, n->child[c]);
		if (first < 0)
			first = c;
		last = c;
	}
	pos = (uint32_t)o->len;
	if (first >= 0) {
		unsigned char fl[2] = {
		    (unsigned char)first, (unsigned char)last};

		flags |= IDX_CHILDS;
		put(o, fl, 2);
		for (c = first; c <= last; c++)
			put32(o, off[c]);
	}
	if (n->value != NULL) {
		flags |= IDX_VALUES;
		put32(o, 1);
		put32(o, n->prio);
		put(o, n->value, strlen(n->value) + 1);
	}
	return pos | flags;
}

static void
trie_free(struct tnode *n)
{
	int c;

	for (c = 0; c < 128; c++) {
		if (n->child[c] != NULL)
			trie_free(n->child[c]);
	}
	free(n);
}

/* Write an index of key/value pairs (values NULL-terminated list). */
static void
write_index(const char *root, const char *path, const char *const *kv)
{
	struct tnode *t = calloc(1, sizeof *t);
	struct obuf o = {NULL, 0};
	uint32_t rootoff;
	unsigned prio = 0;
	size_t i;

	for (i = 0; kv[i] != NULL; i += 2)
		trie_add(t, kv[i], kv[i + 1], prio++);
	put32(&o, IDX_MAGIC);
	put32(&o, IDX_VERSION);
	put32(&o, 0);
	rootoff = trie_write(&o, t);
	o.b[8] = rootoff >> 24;
	o.b[9] = rootoff >> 16;
	o.b[10] = rootoff >> 8;
	o.b[11] = rootoff;
	fx_write_bytes(root, path, o.b, o.len);
	free(o.b);
	trie_free(t);
}

/* ---- fixtures ---- */

static const char cmdline[] =
    "BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve root=/dev/mapper/pve-root ro "
    "quiet intel_iommu=on vfio-pci.ids=8086:0412 "
    "modprobe.blacklist=i915,snd-hda-intel \"foo.bar=a b\" nodot=1 "
    "i915.modeset -- x.y=1\n";

static int
setup(void **state)
{
	char *t = fx_mkroot();

	fx_write(t, "/proc/sys/kernel/osrelease", "6.8.12-4-pve\n");
	fx_write(t, "/proc/cmdline", "%s", cmdline);
	fx_write(t, "/proc/sys/kernel/random/boot_id",
	    "4c3bc0b0-6b5e-4e5e-9d8e-1b1f1c7a0001\n");
	fx_write(t, "/proc/modules",
	    "i915 3977216 0 - Live 0x0000000000000000\n"
	    "kvm_intel 380928 0 - Live 0x0000000000000000\n");
	fx_mkdir(t, "/lib/modules/6.5.13-6-pve");
	fx_mkdir(t, "/lib/modules/6.8.4-2-pve");
	fx_write(t, "/lib/modules/README", "not a kernel\n");
	fx_write(t, "/boot/config-6.8.12-4-pve",
	    "CONFIG_INTEL_IOMMU=y\n"
	    "CONFIG_INTEL_IOMMU_DEFAULT_ON=y\n"
	    "# CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF is not set\n"
	    "CONFIG_VFIO_PCI_VGA=y\n");
	fx_write(t, "/boot/config-5.15.143-1-pve",
	    "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y\n"
	    "CONFIG_VFIO_PCI_VGA=n");

	/* 5.15: every vfio module loadable, vfio_virqfd still separate */
	{
		static const char *const dep[] = {
		    "vfio",
		    "kernel/drivers/vfio/vfio.ko:",
		    "vfio_iommu_type1",
		    "kernel/drivers/vfio/vfio_iommu_type1.ko: "
		    "kernel/drivers/vfio/vfio.ko",
		    "vfio_pci",
		    "kernel/drivers/vfio/pci/vfio-pci.ko: "
		    "kernel/drivers/vfio/vfio_virqfd.ko "
		    "kernel/drivers/vfio/vfio.ko",
		    "vfio_virqfd",
		    "kernel/drivers/vfio/vfio_virqfd.ko:",
		    "kvmgt",
		    "kernel/drivers/gpu/drm/i915/gvt/kvmgt.ko:",
		    NULL,
		};
		static const char *const builtin[] = {
		    "crc32c_generic", "", NULL};

		write_index(
		    t, "/lib/modules/5.15.143-1-pve/modules.dep.bin", dep);
		write_index(t,
		    "/lib/modules/5.15.143-1-pve/modules.builtin.bin", builtin);
	}
	/* 6.8: vfio and its IOMMU backend built in, no vfio_virqfd */
	{
		static const char *const dep[] = {
		    "vfio_pci",
		    "kernel/drivers/vfio/pci/vfio-pci.ko: "
		    "kernel/drivers/vfio/pci/vfio-pci-core.ko",
		    "vfio_pci_core",
		    "kernel/drivers/vfio/pci/vfio-pci-core.ko:",
		    NULL,
		};
		static const char *const builtin[] = {
		    "vfio", "", "vfio_iommu_type1", "", NULL};

		write_index(
		    t, "/lib/modules/6.8.12-4-pve/modules.dep.bin", dep);
		write_index(t, "/lib/modules/6.8.12-4-pve/modules.builtin.bin",
		    builtin);
	}

	fx_write(t, "/etc/modprobe.d/vfio.conf",
	    "# passthrough\n"
	    "options vfio-pci ids=8086:0412,8086:0c0c disable_vga=0\n"
	    "softdep i915 pre: vfio-pci\n"
	    "softdep snd_hda_intel pre: vfio-pci post: foo-bar\n"
	    "blacklist i915\n"
	    "alias vfio_virqfd off\n"
	    "install kvmgt /bin/false\n"
	    "this line is not valid\n");
	fx_write(t, "/usr/lib/modprobe.d/x.conf", "blacklist nouveau\n");
	fx_write(t, "/etc/modprobe.d/ignored.txt", "blacklist e1000e\n");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

static struct host *
probe(const char *dir, bool kmods)
{
	struct host *h = xcalloc(1, sizeof *h);
	struct root *r;

	assert_int_equal(root_open(dir, &r), 0);
	probe_kernel(h, r);
	if (kmods)
		probe_kmods(h, r);
	root_free(r);
	return h;
}

static void
dump_problems(const struct host *h)
{
	size_t i;

	for (i = 0; i < h->n_problems; i++)
		print_message("problem %s: %s\n", h->problems[i].what,
		    h->problems[i].message);
}

static void
test_kernel(void **state)
{
	struct host *h = probe(*state, false);
	const struct installed_kernel *k;

	dump_problems(h);
	assert_int_equal(h->n_problems, 0);
	assert_string_equal(h->kernel.release, "6.8.12-4-pve");
	assert_int_equal(strlen(h->kernel.cmdline), strlen(cmdline) - 1);
	assert_string_equal(
	    h->kernel.boot_id, "4c3bc0b0-6b5e-4e5e-9d8e-1b1f1c7a0001");

	/* newest last, by version and not by bytes (6.8.4 < 6.8.12) */
	assert_int_equal(h->kernel.n_installed, 4);
	assert_string_equal(h->kernel.installed[0].release, "5.15.143-1-pve");
	assert_string_equal(h->kernel.installed[1].release, "6.5.13-6-pve");
	assert_string_equal(h->kernel.installed[2].release, "6.8.4-2-pve");
	assert_string_equal(h->kernel.installed[3].release, "6.8.12-4-pve");

	k = host_kernel_running(h);
	assert_ptr_equal(k, &h->kernel.installed[3]);
	assert_true(k->has_modules_dir);
	assert_true(k->has_config);
	assert_int_equal(k->intel_iommu_default_on, TRI_YES);
	assert_int_equal(k->intel_iommu_intgpu_off, TRI_NO);
	assert_int_equal(k->vfio_pci_vga, TRI_YES);

	k = &h->kernel.installed[0];
	assert_true(k->has_config);
	assert_int_equal(k->intel_iommu_default_on, TRI_NO);
	assert_int_equal(k->intel_iommu_intgpu_off, TRI_YES);
	assert_int_equal(k->vfio_pci_vga, TRI_NO);

	k = &h->kernel.installed[1];
	assert_false(k->has_config);
	assert_int_equal(k->intel_iommu_default_on, TRI_UNKNOWN);
	assert_int_equal(k->intel_iommu_intgpu_off, TRI_UNKNOWN);
	assert_int_equal(k->vfio_pci_vga, TRI_UNKNOWN);

	assert_int_equal(h->kernel.n_loaded, 2);
	assert_string_equal(h->kernel.loaded[0], "i915");
	assert_string_equal(h->kernel.loaded[1], "kvm_intel");
	host_free(h);
}

static void
test_running_without_modules(void **state)
{
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/sys/kernel/osrelease", "6.2.16-3-pve\n");
	fx_write(t, "/proc/cmdline", "ro quiet\n");
	fx_write_bytes(t, "/proc/modules", "", 0);
	fx_mkdir(t, "/lib/modules/6.8.12-4-pve");
	fx_mkdir(t, "/lib/modules/5.15.143-1-pve");
	h = probe(t, false);
	dump_problems(h);
	assert_int_equal(h->n_problems, 0);
	assert_null(h->kernel.boot_id);
	assert_string_equal(h->kernel.cmdline, "ro quiet");
	assert_int_equal(h->kernel.n_installed, 3);
	assert_string_equal(h->kernel.installed[1].release, "6.2.16-3-pve");
	assert_false(h->kernel.installed[1].has_modules_dir);
	assert_ptr_equal(host_kernel_running(h), &h->kernel.installed[1]);
	assert_int_equal(h->kernel.n_loaded, 0);
	host_free(h);
	fx_rmroot(t);
}

static void
test_missing_proc(void **state)
{
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	h = probe(t, false);
	assert_null(h->kernel.release);
	assert_null(h->kernel.cmdline);
	assert_int_equal(h->kernel.n_installed, 0);
	assert_int_equal(h->n_problems, 3);
	assert_non_null(
	    strstr(h->problems[0].message, "'/proc/sys/kernel/osrelease'"));
	host_free(h);
	fx_rmroot(t);
}

static void
test_modules(void **state)
{
	struct host *h = probe(*state, true);
	const struct installed_kernel *k;

	dump_problems(h);
	assert_int_equal(h->n_problems, 0);

	k = &h->kernel.installed[0]; /* 5.15 */
	assert_int_equal(k->modules[VM_VFIO], KMOD_MODULE);
	assert_int_equal(k->modules[VM_VFIO_IOMMU_TYPE1], KMOD_MODULE);
	assert_int_equal(k->modules[VM_VFIO_PCI], KMOD_MODULE);
	assert_int_equal(k->modules[VM_VFIO_VIRQFD], KMOD_MODULE);
	assert_int_equal(k->modules[VM_KVMGT], KMOD_MODULE);

	k = &h->kernel.installed[3]; /* 6.8 */
	assert_int_equal(k->modules[VM_VFIO], KMOD_BUILTIN);
	assert_int_equal(k->modules[VM_VFIO_IOMMU_TYPE1], KMOD_BUILTIN);
	assert_int_equal(k->modules[VM_VFIO_PCI], KMOD_MODULE);
	/* a modprobe.d alias or install line does not make a module exist */
	assert_int_equal(k->modules[VM_VFIO_VIRQFD], KMOD_MISSING);
	assert_int_equal(k->modules[VM_KVMGT], KMOD_MISSING);

	/* 6.5 has a directory but no indexes: nothing found */
	k = &h->kernel.installed[1];
	assert_int_equal(k->modules[VM_VFIO], KMOD_MISSING);
	host_free(h);
}

static void
expect_entry(const struct modconf_entry *e, const char *module,
    const char *value, bool from_cmdline)
{
	assert_string_equal(e->module, module);
	if (value == NULL)
		assert_null(e->value);
	else
		assert_string_equal(e->value, value);
	assert_int_equal(e->from_cmdline, from_cmdline);
}

static void
test_modconf(void **state)
{
	struct host *h = probe(*state, true);
	const struct host_modconf *mc = &h->kernel.modconf;

	/*
	 * Exactly the files' entries, then the fixture's command line: the
	 * live /proc/cmdline libkmod merged in must not leak into this list.
	 */
	assert_int_equal(mc->n_options, 3);
	expect_entry(&mc->options[0], "vfio_pci",
	    "ids=8086:0412,8086:0c0c disable_vga=0", false);
	expect_entry(&mc->options[1], "vfio_pci", "ids=8086:0412", true);
	expect_entry(&mc->options[2], "foo", "bar=\"a b\"", true);

	assert_int_equal(mc->n_blacklist, 4);
	expect_entry(&mc->blacklist[0], "i915", NULL, false);
	expect_entry(&mc->blacklist[1], "nouveau", NULL, false);
	expect_entry(&mc->blacklist[2], "i915", NULL, true);
	expect_entry(&mc->blacklist[3], "snd_hda_intel", NULL, true);

	assert_int_equal(mc->n_softdeps, 2);
	expect_entry(&mc->softdeps[0], "i915", "pre: vfio_pci", false);
	expect_entry(&mc->softdeps[1], "snd_hda_intel",
	    "pre: vfio_pci post: foo_bar", false);
	host_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_kernel, setup, teardown),
	    cmocka_unit_test(test_running_without_modules),
	    cmocka_unit_test(test_missing_proc),
	    cmocka_unit_test_setup_teardown(test_modules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_modconf, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
