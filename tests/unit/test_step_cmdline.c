/*
 * test_step_cmdline.c: the kernel command line step on the bundled fixture
 * hosts (tests/hosts), replayed and probed as the wizard would: the exact
 * new file texts, the commands and notes, an empty plan once applied, and
 * verify before the reboot (GRUB through the sandboxed sh) and after it.
 */
#include "kcmdline_fx.h"

#include <errno.h>

static const char *const igd[] = {
    "device=0000:00:02.0", "mode=legacy-igd", NULL};

/* Apply the plan, then: a new plan is empty and verify says "reboot". */
static void
applied_and_stable(struct kfx *f, const char *const *items)
{
	char *msg;

	kfx_apply(f);
	kfx_plan_ok(f, items);
	kfx_expect_empty(&f->plan);
	assert_int_equal(
	    kfx_verify(f, items, false, &msg), VERIFY_AFTER_REBOOT);
	assert_string_equal(msg, "takes effect after the reboot");
	free(msg);
}

/* Haswell, GRUB on BIOS, 6.2 and 6.5 not default-on, legacy IGD. */
static void
test_i7_4770_legacy(void **state)
{
	const struct file_change *c;
	struct kfx f;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	assert_int_equal(f.host->boot.loader, BOOT_GRUB);
	kfx_plan_ok(&f, igd);
	assert_int_equal(f.plan.n_files, 1);
	kfx_expect_dropin(
	    &f.plan, "intel_iommu=on iommu=pt initcall_blacklist=sysfb_init");
	c = fx_nonnull(kfx_change(&f.plan, KCMD_DROPIN));
	assert_null(c->before);
	assert_int_equal(c->new_mode, 0644);
	assert_string_equal(c->step, "cmdline");
	kfx_expect_commands(&f.plan, "update-grub");
	assert_int_equal(f.plan.n_notes, 1);
	assert_true(
	    kfx_note(&f.plan, "initcall_blacklist=sysfb_init", "0000:00:02.0"));
	applied_and_stable(&f, igd);
	kfx_free(&f);
}

/* The same host with no device: the IOMMU alone. */
static void
test_i7_4770_iommu(void **state)
{
	struct kfx f;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	kfx_plan_ok(&f, NULL);
	assert_int_equal(f.plan.n_files, 1);
	kfx_expect_dropin(&f.plan, "intel_iommu=on iommu=pt");
	kfx_expect_commands(&f.plan, "update-grub");
	assert_int_equal(f.plan.n_notes, 0);
	applied_and_stable(&f, NULL);
	kfx_free(&f);
}

/* After the reboot: /proc/cmdline and the IOMMU decide. */
static void
test_i7_4770_after_reboot(void **state)
{
	struct kfx f;
	char *msg;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	/* not rebooted yet */
	assert_int_equal(kfx_verify(&f, igd, true, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg, "intel_iommu=on is missing"));
	free(msg);
	/* booted with the parameters, but no IOMMU came up */
	free(f.host->kernel.cmdline);
	f.host->kernel.cmdline = xstrdup(
	    "BOOT_IMAGE=/boot/vmlinuz-6.5.13-3-pve root=/dev/mapper/pve-root "
	    "ro quiet intel_iommu=on iommu=pt initcall_blacklist=sysfb_init");
	f.host->iommu.active = false;
	assert_int_equal(kfx_verify(&f, igd, true, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg, "IOMMU is not active"));
	free(msg);
	f.host->iommu.active = true;
	assert_int_equal(kfx_verify(&f, igd, true, &msg), VERIFY_OK);
	free(msg);
	/* a conflicting token that was left on the running line */
	free(f.host->kernel.cmdline);
	f.host->kernel.cmdline =
	    xstrdup("root=/dev/sda1 intel_iommu=on "
		    "iommu=pt initcall_blacklist=sysfb_init "
		    "iommu=soft");
	assert_int_equal(kfx_verify(&f, igd, true, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg, "iommu=soft"));
	free(msg);
	kfx_free(&f);
}

/* Set up by hand already: nothing to do, with or without the device. */
static void
test_i7_4770_done(void **state)
{
	const char *const dev[] = {"device=0000:00:02.0", NULL};
	struct kfx f;
	char *msg;

	(void)state;
	kfx_load(&f, "i7-4770-pve8-done");
	kfx_plan_ok(&f, NULL);
	kfx_expect_empty(&f.plan);
	assert_int_equal(
	    kfx_verify(&f, NULL, false, &msg), VERIFY_AFTER_REBOOT);
	free(msg);
	assert_int_equal(kfx_verify(&f, NULL, true, &msg), VERIFY_OK);
	free(msg);
	/* vfio-pci already claims the boot GPU: no sysfb blacklist either */
	kfx_plan_ok(&f, dev);
	kfx_expect_empty(&f.plan);
	assert_int_equal(kfx_verify(&f, dev, true, &msg), VERIFY_OK);
	free(msg);
	kfx_free(&f);
}

/* Comet Lake, ZFS on UEFI: systemd-boot, every kernel 6.8 default-on. */
static void
test_cometlake_sdboot(void **state)
{
	const char *const gvt[] = {"device=0000:00:02.0", "mode=gvt-g", NULL};
	struct kfx f;

	(void)state;
	kfx_load(&f, "cometlake-zfs-sdboot");
	assert_int_equal(f.host->boot.loader, BOOT_SYSTEMD_BOOT);
	kfx_plan_ok(&f, NULL);
	assert_int_equal(f.plan.n_files, 1);
	kfx_expect(&f.plan, KCMD_SDBOOT,
	    "root=ZFS=rpool/ROOT/pve-1 boot=zfs iommu=pt\n");
	kfx_expect_commands(&f.plan, "proxmox-boot-tool refresh");
	/* GRUB's files exist but do not boot: untouched */
	assert_null(kfx_change(&f.plan, KCMD_DROPIN));
	applied_and_stable(&f, NULL);
	kfx_free(&f);

	kfx_load(&f, "cometlake-zfs-sdboot");
	kfx_plan_ok(&f, gvt);
	kfx_expect(&f.plan, KCMD_SDBOOT,
	    "root=ZFS=rpool/ROOT/pve-1 boot=zfs iommu=pt i915.enable_gvt=1\n");
	applied_and_stable(&f, gvt);
	kfx_free(&f);
}

/* AMD with an NVIDIA card: iommu=pt only, never amd_iommu=on. */
static void
test_ryzen_nvidia(void **state)
{
	const char *const gpu[] = {
	    "device=0000:05:00.0", "device=0000:05:00.1", NULL};
	struct kfx f;

	(void)state;
	kfx_load(&f, "ryzen-nvidia");
	kfx_plan_ok(&f, NULL);
	kfx_expect_dropin(&f.plan, "iommu=pt");
	kfx_expect_commands(&f.plan, "update-grub");
	/* the card is the boot VGA device and goes to vfio-pci */
	kfx_plan_ok(&f, gpu);
	kfx_expect_dropin(&f.plan, "iommu=pt initcall_blacklist=sysfb_init");
	assert_true(kfx_note(&f.plan, "sysfb_init", "0000:05:00.0"));
	applied_and_stable(&f, gpu);
	kfx_free(&f);
}

/* Proxmox VE 7, kernel 5.15 not default-on. */
static void
test_pve7(void **state)
{
	struct kfx f;

	(void)state;
	kfx_load(&f, "pve7-kernel515");
	kfx_plan_ok(&f, igd);
	kfx_expect_dropin(
	    &f.plan, "intel_iommu=on iommu=pt initcall_blacklist=sysfb_init");
	kfx_expect_commands(&f.plan, "update-grub");
	applied_and_stable(&f, igd);
	kfx_free(&f);
}

/* Alder Lake, SR-IOV: the host keeps the GPU, 6.8 is default-on. */
static void
test_alderlake_sriov(void **state)
{
	const char *const sriov[] = {
	    "device=0000:00:02.0", "mode=sr-iov", NULL};
	const char *const three[] = {
	    "device=0000:00:02.0", "mode=sr-iov", "vfs=3", NULL};
	struct kfx f;

	(void)state;
	kfx_load(&f, "alderlake-uefi-grub");
	kfx_plan_ok(&f, sriov);
	kfx_expect_dropin(&f.plan, "iommu=pt i915.enable_guc=3 i915.max_vfs=7");
	assert_int_equal(f.plan.n_notes, 0);
	applied_and_stable(&f, sriov);
	/* fewer VFs later: the wizard's own drop-in is rewritten */
	kfx_plan_ok(&f, three);
	kfx_expect_dropin(&f.plan, "iommu=pt i915.enable_guc=3 i915.max_vfs=3");
	applied_and_stable(&f, three);
	kfx_free(&f);
}

/* No bootloader known: the step refuses to guess. */
static void
test_unknown_loader(void **state)
{
	struct kfx f;
	char *cause = NULL, *msg;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	f.host->boot.loader = BOOT_UNKNOWN;
	assert_int_equal(kfx_plan(&f, NULL, &cause), -ENOENT);
	assert_non_null(strstr(cause, "bootloader could not be determined"));
	free(cause);
	kfx_expect_empty(&f.plan);
	assert_int_equal(kfx_verify(&f, NULL, false, &msg), VERIFY_FAILED);
	free(msg);
	kfx_free(&f);
}

/* A selection the step cannot use fails plan and verify alike. */
static void
test_bad_choice(void **state)
{
	const char *const bad[] = {"device=0000:00:09.0", NULL};
	struct kfx f;
	char *cause = NULL, *msg;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	assert_int_equal(kfx_plan(&f, bad, &cause), -ENODEV);
	assert_non_null(cause);
	free(cause);
	kfx_expect_empty(&f.plan);
	assert_int_equal(kfx_verify(&f, bad, false, &msg), VERIFY_FAILED);
	free(msg);
	kfx_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_i7_4770_legacy),
	    cmocka_unit_test(test_i7_4770_iommu),
	    cmocka_unit_test(test_i7_4770_after_reboot),
	    cmocka_unit_test(test_i7_4770_done),
	    cmocka_unit_test(test_cometlake_sdboot),
	    cmocka_unit_test(test_ryzen_nvidia),
	    cmocka_unit_test(test_pve7),
	    cmocka_unit_test(test_alderlake_sriov),
	    cmocka_unit_test(test_unknown_loader),
	    cmocka_unit_test(test_bad_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
