/*
 * test_step_modules.c: the modules and initramfs step on the real fixture
 * hosts (replayed and probed as the CLI does): the exact new texts of
 * /etc/modules-load.d/vfio-wizard.conf and /etc/modprobe.d/vfio-wizard.conf,
 * the command and the notes, an empty plan where all is in place, and
 * verify with libkmod on a tree the plan was written into, before and
 * after the reboot. Conflicts: test_step_modules_conflicts.c.
 */
#include "kmodules_fx.h"

static void
test_haswell_legacy(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	plan_ok(&f, hsw_legacy, &p);
	assert_int_equal(p.n_files, 2);
	expect_text(
	    &p, MODLOAD, LOAD_HEAD "vfio\nvfio_iommu_type1\nvfio_pci\n");
	expect_text(&p, MODPROBE, hsw_probe);
	assert_null(fx_nonnull(change(&p, MODPROBE))->before);
	assert_int_equal(fx_nonnull(change(&p, MODPROBE))->new_mode, 0644);
	expect_initramfs(&p);
	assert_int_equal(p.n_notes, 0);
	plan_free(&p);
	fx_host_free(&f);
}

/* The PCH's analog audio (8c20) needs snd_hda_intel: no blacklist. */
static void
test_haswell_blacklist_refused(void **state)
{
	static const char *const items[] = {"device=0000:00:02.0",
	    "device=0000:00:03.0", "mode=legacy-igd", "blacklist=snd_hda_intel",
	    NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	assert_int_equal(plan_for(&f, items, &p, &cause), -EINVAL);
	assert_non_null(strstr(cause, "snd_hda_intel"));
	assert_non_null(strstr(cause, "0000:00:1b.0"));
	assert_true(plan_empty(&p));
	free(cause);
	plan_free(&p);
	fx_host_free(&f);
}

/* A blacklist of i915 the user asks for replaces its softdep. */
static void
test_haswell_blacklist_i915(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "mode=legacy-igd", "blacklist=i915", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	plan_ok(&f, items, &p);
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "options vfio-pci ids=8086:0412\nblacklist i915\n");
	plan_free(&p);
	fx_host_free(&f);
}

/* Everything is in place already: nothing to do. */
static void
test_done_host_empty(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8-done");
	plan_ok(&f, hsw_legacy, &p);
	assert_true(plan_empty(&p));
	assert_int_equal(p.n_notes, 0);
	assert_int_equal(
	    verify(&f, hsw_legacy, false, &msg), VERIFY_AFTER_REBOOT);
	assert_string_equal(sb_str(&msg), "takes effect after the reboot");
	assert_int_equal(verify(&f, hsw_legacy, true, &msg), VERIFY_OK);
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

/* Written, the configuration verifies with libkmod; a re-plan is empty. */
static void
test_haswell_apply_verify(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	assert_int_equal(verify(&f, hsw_legacy, false, &msg), VERIFY_FAILED);
	assert_string_equal(sb_str(&msg),
	    "libkmod reads vfio-pci's options as '': they do not bind "
	    "8086:0412");
	plan_ok(&f, hsw_legacy, &p);
	write_plan(&f, &p);
	plan_free(&p);
	assert_int_equal(
	    verify(&f, hsw_legacy, false, &msg), VERIFY_AFTER_REBOOT);
	/* not rebooted: i915 still drives the GPU */
	assert_int_equal(verify(&f, hsw_legacy, true, &msg), VERIFY_FAILED);
	/* the diagnosis: no IOMMU yet, so vfio-pci cannot take it */
	assert_non_null(strstr(sb_str(&msg), "0000:00:02.0 ("));
	assert_non_null(strstr(sb_str(&msg), "not on vfio-pci (i915)"));
	assert_non_null(strstr(sb_str(&msg), "likely cause: the IOMMU"));
	plan_ok(&f, hsw_legacy, &p);
	assert_true(plan_empty(&p));
	plan_free(&p);
	/* a softdep taken away again is noticed */
	fx_write(f.dir, MODPROBE,
	    "options vfio-pci ids=8086:0412,8086:0c0c\n"
	    "softdep i915 pre: vfio-pci\n");
	assert_int_equal(verify(&f, hsw_legacy, false, &msg), VERIFY_FAILED);
	assert_string_equal(sb_str(&msg),
	    "libkmod does not load vfio-pci before snd_hda_intel");
	sb_release(&msg);
	fx_host_free(&f);
}

/* PVE 7: kernels 5.15 still have vfio_virqfd as a module. */
static void
test_pve7_virqfd(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "mode=legacy-igd", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "pve7-kernel515");
	plan_ok(&f, items, &p);
	expect_text(&p, MODLOAD,
	    LOAD_HEAD "vfio\nvfio_iommu_type1\nvfio_pci\nvfio_virqfd\n");
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "options vfio-pci ids=8086:3e92\n"
		       "softdep i915 pre: vfio-pci\n");
	expect_initramfs(&p);
	write_plan(&f, &p);
	assert_int_equal(verify(&f, items, false, &msg), VERIFY_AFTER_REBOOT);
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

/* GVT-g: kvmgt is loaded, i915 keeps the GPU: no modprobe.d file. */
static void
test_pve7_gvt(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "mode=gvt-g", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "pve7-kernel515");
	plan_ok(&f, items, &p);
	assert_int_equal(p.n_files, 1);
	expect_text(&p, MODLOAD,
	    LOAD_HEAD "vfio\nvfio_iommu_type1\nvfio_pci\nvfio_virqfd\nkvmgt\n");
	write_plan(&f, &p);
	assert_int_equal(verify(&f, items, false, &msg), VERIFY_AFTER_REBOOT);
	assert_int_equal(verify(&f, items, true, &msg), VERIFY_FAILED);
	assert_true(str_startswith(sb_str(&msg), "kvmgt is not loaded"));
	assert_non_null(strstr(sb_str(&msg), "likely cause: "));
	assert_non_null(strstr(sb_str(&msg), "next: run 'modprobe kvmgt'"));
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

/* NVIDIA: nouveau and snd_hda_intel; nvidiafb is blacklisted by PVE. */
static void
test_ryzen_nvidia(void **state)
{
	static const char *const items[] = {
	    "device=0000:05:00.0", "device=0000:05:00.1", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	plan_ok(&f, items, &p);
	expect_text(
	    &p, MODLOAD, LOAD_HEAD "vfio\nvfio_iommu_type1\nvfio_pci\n");
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "options vfio-pci ids=10de:2504,10de:228e\n"
		       "softdep nouveau pre: vfio-pci\n"
		       "softdep snd_hda_intel pre: vfio-pci\n");
	assert_int_equal(p.n_notes, 0);
	write_plan(&f, &p);
	assert_int_equal(verify(&f, items, false, &msg), VERIFY_AFTER_REBOOT);
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

/* One port of a dual-port NIC: the twin keeps the ID, so by address. */
static void
test_ryzen_nic_by_address(void **state)
{
	static const char *const items[] = {"device=0000:07:00.1", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	plan_ok(&f, items, &p);
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "install vfio-pci echo vfio-pci > "
		       "/sys/bus/pci/devices/0000:07:00.1/driver_override; "
		       "/sbin/modprobe --ignore-install vfio-pci "
		       "$CMDLINE_OPTS\n"
		       "softdep igb pre: vfio-pci\n");
	assert_true(has_note(&p, "0000:07:00.1 (8086:10c9) is bound to "
				 "vfio-pci by its address (driver_override), "
				 "not by ID: 0000:07:00.0 has the same ID"));
	write_plan(&f, &p);
	assert_int_equal(verify(&f, items, false, &msg), VERIFY_AFTER_REBOOT);
	plan_free(&p);
	plan_ok(&f, items, &p);
	assert_true(plan_empty(&p));
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

/* SR-IOV: the PF stays on i915; only the modules are listed. */
static void
test_alderlake_sriov(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "mode=sr-iov", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;

	(void)state;
	fx_host_load(&f, "alderlake-uefi-grub");
	plan_ok(&f, items, &p);
	assert_int_equal(p.n_files, 1);
	expect_text(
	    &p, MODLOAD, LOAD_HEAD "vfio\nvfio_iommu_type1\nvfio_pci\n");
	assert_null(change(&p, MODPROBE));
	plan_free(&p);
	fx_host_free(&f);
}

/* No devices chosen: the IOMMU alone, nothing for this step. */
static void
test_no_devices(void **state)
{
	static const char *const items[] = {NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	plan_ok(&f, items, &p);
	assert_true(plan_empty(&p));
	assert_int_equal(verify(&f, items, false, &msg), VERIFY_OK);
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_haswell_legacy),
	    cmocka_unit_test(test_haswell_blacklist_refused),
	    cmocka_unit_test(test_haswell_blacklist_i915),
	    cmocka_unit_test(test_done_host_empty),
	    cmocka_unit_test(test_haswell_apply_verify),
	    cmocka_unit_test(test_pve7_virqfd),
	    cmocka_unit_test(test_pve7_gvt),
	    cmocka_unit_test(test_ryzen_nvidia),
	    cmocka_unit_test(test_ryzen_nic_by_address),
	    cmocka_unit_test(test_alderlake_sriov),
	    cmocka_unit_test(test_no_devices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
