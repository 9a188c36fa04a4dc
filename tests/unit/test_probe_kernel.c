/*
 * test_probe_kernel.c: the kernel and modules probes on fixture trees:
 * release, command line, boot id, installed kernels in version order with
 * their config choices, loaded modules; per kernel whether the vfio modules
 * are modules, built in or missing (libkmod over real binary indexes); the
 * effective modprobe configuration without the live /proc/cmdline that
 * libkmod always merges.
 *
 * The modules tests replay a host spec (spec_replay), whose generator writes
 * the binary indexes libkmod reads, as depmod would.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

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

	fx_mkdir(t, "/lib/modules/5.15.143-1-pve");
	fx_mkdir(t, "/lib/modules/6.8.12-4-pve");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

/*
 * A host whose 5.15 kernel has every vfio module loadable (vfio_virqfd still
 * separate), whose 6.8 kernel has vfio and its IOMMU backend built in and no
 * vfio_virqfd, and whose modprobe.d holds options, softdeps, blacklists, an
 * alias, an install command and a bad line.
 */
static const char spec_yaml[] =
    "spec: 1\n"
    "name: kmods-unit\n"
    "source: test_probe_kernel.c\n"
    "kernel:\n"
    "  release: 6.8.12-4-pve\n"
    "  cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.12-4-pve ro quiet "
    "vfio-pci.ids=8086:0412 modprobe.blacklist=i915,snd-hda-intel "
    "\"foo.bar=a b\" nodot=1 i915.modeset -- x.y=1'\n"
    "  installed:\n"
    "    - release: 5.15.143-1-pve\n"
    "      modules:\n"
    "        vfio: module\n"
    "        vfio_iommu_type1: module\n"
    "        vfio_pci: module\n"
    "        vfio_virqfd: module\n"
    "        kvmgt: module\n"
    "    - release: 6.8.12-4-pve\n"
    "      modules:\n"
    "        vfio: builtin\n"
    "        vfio_iommu_type1: builtin\n"
    "        vfio_pci: module\n"
    "        vfio_pci_core: module\n"
    "files:\n"
    "  /etc/modprobe.d/vfio.conf: |\n"
    "    # passthrough\n"
    "    options vfio-pci ids=8086:0412,8086:0c0c disable_vga=0\n"
    "    softdep i915 pre: vfio-pci\n"
    "    softdep snd_hda_intel pre: vfio-pci post: foo-bar\n"
    "    blacklist i915\n"
    "    alias vfio_virqfd off\n"
    "    install kvmgt /bin/false\n"
    "    this line is not valid\n"
    "  /usr/lib/modprobe.d/x.conf: |\n"
    "    blacklist nouveau\n"
    "  /etc/modprobe.d/ignored.txt: |\n"
    "    blacklist e1000e\n";

static int
setup_spec(void **state)
{
	struct host_spec *spec;
	char *cause = NULL, *dir;

	if (spec_load_buffer(spec_yaml, strlen(spec_yaml), "kmods-unit.yaml",
		&spec, &cause) < 0)
		fail_msg("spec: %s", cause);
	if (spec_replay_temp(spec, &dir, &cause) < 0)
		fail_msg("replay: %s", cause);
	spec_free(spec);
	*state = dir;
	return 0;
}

static int
teardown_spec(void **state)
{
	spec_remove_tree(*state);
	free(*state);
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

	k = &h->kernel.installed[1]; /* 6.8 */
	assert_int_equal(h->kernel.n_installed, 2);
	assert_string_equal(k->release, "6.8.12-4-pve");
	assert_int_equal(k->modules[VM_VFIO], KMOD_BUILTIN);
	assert_int_equal(k->modules[VM_VFIO_IOMMU_TYPE1], KMOD_BUILTIN);
	assert_int_equal(k->modules[VM_VFIO_PCI], KMOD_MODULE);
	/* a modprobe.d alias or install line does not make a module exist */
	assert_int_equal(k->modules[VM_VFIO_VIRQFD], KMOD_MISSING);
	assert_int_equal(k->modules[VM_KVMGT], KMOD_MISSING);

	host_free(h);
}

static void
test_modules_no_index(void **state)
{
	struct host *h = probe(*state, true);
	size_t i;

	/* 6.5 has a directory but no indexes: nothing is found, quietly */
	assert_string_equal(h->kernel.installed[1].release, "6.5.13-6-pve");
	for (i = 0; i < VM__COUNT; i++)
		assert_int_equal(
		    h->kernel.installed[1].modules[i], KMOD_MISSING);
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
	    cmocka_unit_test_setup_teardown(
		test_modules, setup_spec, teardown_spec),
	    cmocka_unit_test_setup_teardown(
		test_modules_no_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_modconf, setup_spec, teardown_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
