/*
 * test_step_vm_modes.c: the VM config step's other modes on fixture hosts:
 * a discrete GPU with its audio on a q35 VM (ryzen-nvidia), GVT-g with the
 * type from the choice or the host (cometlake), an SR-IOV VF (alderlake),
 * and verify (the file read back, `qm config` where qm exists).
 */
#include "step_vm_fx.h"

#define CONF100 "/etc/pve/qemu-server/100.conf"

static const char *const gpu[] = {
    "device=05:00.0", "device=05:00.1", "mode=vfio", "vm=100", NULL};

/* The RTX 3060 and its audio: one entry, pcie=1 on q35, x-vga=1. */
static void
test_gpu_q35(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "ryzen-nvidia", gpu);
	vmt_choose(&t, "x-vga", "1");
	vmt_expect_appended(
	    &t, CONF100, "hostpci0: 0000:05:00,pcie=1,x-vga=1\n");
	vmt_apply_idempotent(&t);
	vmt_free(&t);
}

/* Without x-vga=1 only `vga: none` makes it the display; USB alone. */
static void
test_gpu_display_and_usb(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "ryzen-nvidia", gpu);
	vmt_choose(&t, "device", "0e:00.3");
	vmt_expect_appended(&t, CONF100,
	    "hostpci0: 0000:05:00,pcie=1\n"
	    "hostpci1: 0000:0e:00.3\n");
	vmt_conf(&t, 102, "machine: q35\nvga: none\n");
	vmt_choose(&t, "vm", "102");
	vmt_expect_appended(&t, "/etc/pve/qemu-server/102.conf",
	    "hostpci0: 0000:05:00,pcie=1,x-vga=1\n"
	    "hostpci1: 0000:0e:00.3\n");
	/* i440fx: no pcie=1 */
	vmt_conf(&t, 102, "memory: 4096\n");
	vmt_expect_appended(&t, "/etc/pve/qemu-server/102.conf",
	    "hostpci0: 0000:05:00\n"
	    "hostpci1: 0000:0e:00.3\n");
	vmt_free(&t);
}

/* The GPU alone, then with an entry that holds it without pcie=1. */
static void
test_gpu_partial(void **state)
{
	static const char *const only[] = {
	    "device=05:00.0", "mode=vfio", "vm=100", NULL};
	struct vmt t;

	(void)state;
	vmt_load(&t, "ryzen-nvidia", only);
	vmt_expect_appended(&t, CONF100, "hostpci0: 0000:05:00.0,pcie=1\n");
	vmt_free(&t);
	vmt_load(&t, "ryzen-nvidia", gpu);
	vmt_conf(&t, 103, "machine: pc-q35-9.0\nhostpci4: 0000:05:00.0\n");
	vmt_choose(&t, "vm", "103");
	assert_int_equal(vmt_plan(&t), 0);
	assert_string_equal(vmt_after(&t, "/etc/pve/qemu-server/103.conf"),
	    "machine: pc-q35-9.0\nhostpci4: 0000:05:00.0,pcie=1\n"
	    "hostpci0: 0000:05:00.1\n");
	assert_true(vmt_note(&t, "hostpci4 already passes 0000:05:00.0"));
	vmt_apply_idempotent(&t);
	vmt_free(&t);
}

/* x-vga=1 and romfile= without a whole GPU are refused. */
static void
test_gpu_choices_refused(void **state)
{
	static const char *const usb[] = {
	    "device=0e:00.3", "mode=vfio", "vm=100", "x-vga=1", NULL};
	struct vmt t;

	(void)state;
	vmt_load(&t, "ryzen-nvidia", usb);
	vmt_refused(&t, -EINVAL, "x-vga=1 applies to a whole GPU");
	vmt_choose(&t, "x-vga", "maybe");
	vmt_refused(&t, -EINVAL, "x-vga takes 1 or 0");
	vmt_choose(&t, "x-vga", "0");
	fx_write(t.f.dir, "/usr/share/kvm/gpu.rom", "ROM");
	vmt_choose(&t, "romfile", "gpu.rom");
	vmt_refused(&t, -EINVAL, "romfile= applies");
	vmt_free(&t);
}

static const char *const gvt[] = {
    "device=00:02.0", "mode=gvt-g", "vm=100", NULL};

/* Before i915.enable_gvt=1 the types are unknown: the choice names one. */
static void
test_gvt_g(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "cometlake-zfs-sdboot", gvt);
	vmt_refused(&t, -ENOENT, "i915.enable_gvt=1");
	assert_non_null(strstr(t.cause, "--mdev TYPE"));
	assert_non_null(strstr(t.cause, "i915-GVTg_V5_4 from Skylake"));
	vmt_choose(&t, "mdev", "i915-GVTg_V5_4");
	vmt_expect_appended(
	    &t, CONF100, "hostpci0: 0000:00:02.0,mdev=i915-GVTg_V5_4\n");
	assert_true(vmt_note(&t, "GVT-g device of type i915-GVTg_V5_4"));
	vmt_choose(&t, "mdev", "i915/x");
	vmt_refused(&t, -EINVAL, "not a GVT-g type name");
	vmt_free(&t);
}

/* After the reboot the host lists its types: the first one is taken. */
static void
test_gvt_g_host_types(void **state)
{
	static const char dir[] =
	    "/sys/bus/pci/devices/0000:00:02.0/mdev_supported_types/";
	struct vmt t;
	char *p;

	(void)state;
	vmt_load(&t, "cometlake-zfs-sdboot", gvt);
	p = xasprintf("%si915-GVTg_V5_8", dir);
	fx_mkdir(t.f.dir, p);
	free(p);
	p = xasprintf("%si915-GVTg_V5_4", dir);
	fx_mkdir(t.f.dir, p);
	free(p);
	vmt_expect_appended(
	    &t, CONF100, "hostpci0: 0000:00:02.0,mdev=i915-GVTg_V5_4\n");
	vmt_apply_idempotent(&t);
	/* a type the host does not offer is refused, naming the offer */
	vmt_choose(&t, "mdev", "i915-GVTg_V5_1");
	vmt_refused(&t, -EINVAL, "it offers i915-GVTg_V5_4, i915-GVTg_V5_8");
	/* an offered one replaces the type in the same entry */
	vmt_choose(&t, "mdev", "i915-GVTg_V5_8");
	assert_int_equal(vmt_plan(&t), 0);
	assert_non_null(strstr(vmt_after(&t, CONF100),
	    "\nhostpci0: 0000:00:02.0,mdev=i915-GVTg_V5_8\n"));
	vmt_free(&t);
}

/* The first VF no other VM uses, and a note that it appears later. */
static void
test_sriov(void **state)
{
	static const char *const vf[] = {
	    "device=00:02.0", "mode=sr-iov", "vm=100", NULL};
	struct vmt t;

	(void)state;
	vmt_load(&t, "alderlake-uefi-grub", vf);
	vmt_expect_appended(&t, CONF100, "hostpci0: 0000:00:02.1\n");
	assert_true(vmt_note(&t, "SR-IOV VF 0000:00:02.1"));
	assert_true(vmt_note(&t, "after the reboot"));
	vmt_conf(&t, 101, "hostpci0: 0000:00:02.1\nmemory: 2048\n");
	vmt_expect_appended(&t, CONF100, "hostpci0: 0000:00:02.2\n");
	vmt_apply_idempotent(&t);
	vmt_free(&t);
}

/* A device another VM has too is noted, not refused. */
static void
test_shared_noted(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "ryzen-nvidia", gpu);
	vmt_conf(&t, 101, "hostpci0: 0000:05:00.1\nmemory: 2048\n");
	assert_int_equal(vmt_plan(&t), 0);
	assert_true(vmt_note(&t, "0000:05:00.1 is also in VM 101's hostpci0"));
	vmt_free(&t);
}

/* Verify: the file read back, then `qm config <vmid>` in the root. */
static void
test_verify(void **state)
{
	static const char *const igd[] = {"device=00:02.0", "device=00:03.0",
	    "mode=legacy-igd", "vm=100", NULL};
	struct strbuf msg = STRBUF_INIT;
	struct vmt t;
	char *log, *conf;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_FAILED);
	assert_non_null(strstr(sb_str(&msg), "does not hold"));
	assert_int_equal(vmt_plan(&t), 0);
	vmt_apply(&t);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_OK);
	log = vmt_read(&t, "/var/log/vfio-wizard-fake-commands.log");
	assert_non_null(strstr(log, "qm\tconfig\t100\n"));
	free(log);
	/* a qm that refuses the config fails verify, with its words */
	fx_write(t.f.dir, "/usr/sbin/qm",
	    "#!/bin/sh\necho \"vm 100 - unable to parse value\"\nexit 2\n");
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_FAILED);
	assert_non_null(strstr(sb_str(&msg), "'qm config 100'"));
	assert_non_null(strstr(sb_str(&msg), "unable to parse value"));
	/* an entry removed since fails before qm runs */
	conf = vmt_read(&t, CONF100);
	*strstr(conf, "hostpci1:") = '\0';
	fx_write(t.f.dir, CONF100, "%s", conf);
	free(conf);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_FAILED);
	assert_non_null(strstr(sb_str(&msg), "plan again"));
	/* no VM chosen: nothing to verify */
	choices_free(&t.c);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_OK);
	sb_release(&msg);
	vmt_free(&t);
}

/* After the reboot the iGPU must offer the entry's GVT-g type. */
static void
test_verify_gvt_g_booted(void **state)
{
	static const char type[] = "/sys/bus/pci/devices/0000:00:02.0/"
				   "mdev_supported_types/i915-GVTg_V5_4";
	struct strbuf msg = STRBUF_INIT;
	struct vmt t;

	(void)state;
	vmt_load(&t, "cometlake-zfs-sdboot", gvt);
	vmt_choose(&t, "mdev", "i915-GVTg_V5_4");
	assert_int_equal(vmt_plan(&t), 0);
	vmt_apply(&t);
	/* right after apply the types cannot exist yet */
	assert_int_equal(vmt_verify_at(&t, &msg, false), VERIFY_OK);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_FAILED);
	assert_non_null(strstr(sb_str(&msg),
	    "0000:00:02.0 offers no GVT-g type i915-GVTg_V5_4 after the "
	    "reboot"));
	assert_non_null(strstr(sb_str(&msg), "kvmgt"));
	fx_mkdir(t.f.dir, type);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_OK);
	assert_non_null(strstr(sb_str(&msg), "the host has what they pass"));
	sb_release(&msg);
	vmt_free(&t);
}

/* After the reboot the VF the VM passes must exist. */
static void
test_verify_sriov_booted(void **state)
{
	static const char *const vf[] = {
	    "device=00:02.0", "mode=sr-iov", "vm=100", NULL};
	struct strbuf msg = STRBUF_INIT;
	struct vmt t;

	(void)state;
	vmt_load(&t, "alderlake-uefi-grub", vf);
	assert_int_equal(vmt_plan(&t), 0);
	vmt_apply(&t);
	assert_int_equal(vmt_verify_at(&t, &msg, false), VERIFY_OK);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_FAILED);
	assert_non_null(strstr(sb_str(&msg),
	    "the SR-IOV VF 0000:00:02.1 that VM 100 passes does not exist"));
	fx_mkdir(t.f.dir, "/sys/bus/pci/devices/0000:00:02.1");
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_OK);
	sb_release(&msg);
	vmt_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gpu_q35),
	    cmocka_unit_test(test_gpu_display_and_usb),
	    cmocka_unit_test(test_gpu_partial),
	    cmocka_unit_test(test_gpu_choices_refused),
	    cmocka_unit_test(test_gvt_g),
	    cmocka_unit_test(test_gvt_g_host_types),
	    cmocka_unit_test(test_sriov),
	    cmocka_unit_test(test_shared_noted),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_verify_gvt_g_booted),
	    cmocka_unit_test(test_verify_sriov_booted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
