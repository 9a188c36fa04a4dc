/*
 * test_step_modules_conflicts.c: the modules step on fixture hosts with
 * conflicting configuration added: other vfio-pci options (merged into
 * ours, without disable_vga=1 for legacy IGD), blacklists of drivers the
 * host needs, softdeps read before ours, a stale vfio_virqfd, foreign
 * install commands; fixed below /etc, refused elsewhere. And the codec's
 * driver_override install line.
 */
#include "vfio-wizard/modprobe_conf.h"
#include "kmodules_fx.h"

/*
 * Another file binds IDs with disable_vga=1, and snd_hda_intel is
 * blacklisted: the IDs move into ours without disable_vga, both lines go.
 */
static void
test_conflicts_options_blacklist(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	fx_write(f.dir, "/etc/modprobe.d/gpu.conf",
	    "# old guide\n"
	    "options vfio-pci ids=10DE:1C82,8086:0412 disable_vga=1 "
	    "disable_idle_d3=1\n");
	fx_write(f.dir, "/etc/modprobe.d/sound.conf",
	    "blacklist snd_hda_intel\nblacklist pcspkr\n");
	reprobe(&f);
	plan_ok(&f, hsw_legacy, &p);
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "options vfio-pci ids=8086:0412,8086:0c0c,10de:1c82 "
		       "disable_idle_d3=1\n"
		       "softdep i915 pre: vfio-pci\n"
		       "softdep snd_hda_intel pre: vfio-pci\n");
	expect_text(&p, "/etc/modprobe.d/gpu.conf", "# old guide\n");
	expect_text(&p, "/etc/modprobe.d/sound.conf", "blacklist pcspkr\n");
	assert_true(has_note(&p, "/etc/modprobe.d/gpu.conf:2: 'options "
				 "vfio-pci ids=10DE:1C82,8086:0412 "
				 "disable_vga=1 disable_idle_d3=1' moves into "
				 "/etc/modprobe.d/vfio-wizard.conf"));
	assert_true(has_note(&p, "/etc/modprobe.d/gpu.conf:2: disable_vga=1 "
				 "is dropped"));
	assert_true(has_note(&p, "/etc/modprobe.d/sound.conf:1: 'blacklist "
				 "snd_hda_intel' keeps the driver of "
				 "0000:00:1b.0, which stays on the host, from "
				 "loading: the line is removed."));
	expect_initramfs(&p);
	write_plan(&f, &p);
	assert_int_equal(
	    verify(&f, hsw_legacy, false, &msg), VERIFY_AFTER_REBOOT);
	plan_free(&p);
	plan_ok(&f, hsw_legacy, &p);
	assert_true(plan_empty(&p));
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

/* A softdep of i915 read before ours is merged into ours. */
static void
test_conflict_softdep_first(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	fx_write(f.dir, "/etc/modprobe.d/i915.conf",
	    "softdep i915 pre: video post: drm_display_helper\n"
	    "options i915 enable_guc=2\n");
	reprobe(&f);
	plan_ok(&f, hsw_legacy, &p);
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "options vfio-pci ids=8086:0412,8086:0c0c\n"
		       "softdep i915 pre: vfio-pci video post: "
		       "drm_display_helper\n"
		       "softdep snd_hda_intel pre: vfio-pci\n");
	expect_text(
	    &p, "/etc/modprobe.d/i915.conf", "options i915 enable_guc=2\n");
	assert_true(has_note(&p, "/etc/modprobe.d/i915.conf:1: 'softdep i915 "
				 "pre: video post: drm_display_helper' moves "
				 "into /etc/modprobe.d/vfio-wizard.conf"));
	plan_free(&p);
	fx_host_free(&f);
}

/* A 6.8-only host with vfio_virqfd left in /etc/modules from PVE 7. */
static void
test_conflict_stale_virqfd(void **state)
{
	static const char *const items[] = {
	    "device=0000:05:00.0", "device=0000:05:00.1", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	fx_write(f.dir, "/etc/modules",
	    "# /etc/modules\nvfio\nvfio_iommu_type1\nvfio_pci\n"
	    "vfio_virqfd\n");
	reprobe(&f);
	plan_ok(&f, items, &p);
	expect_text(&p, "/etc/modules",
	    "# /etc/modules\nvfio\nvfio_iommu_type1\nvfio_pci\n");
	/* the modules are listed there already: no list of ours */
	assert_null(change(&p, MODLOAD));
	assert_true(has_note(&p, "/etc/modules:5: vfio_virqfd is removed: "
				 "no installed kernel has it"));
	plan_free(&p);
	fx_host_free(&f);
}

/* A conflict outside /etc is not edited: the plan fails and says why. */
static void
test_conflict_outside_etc(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	fx_write(f.dir, "/usr/lib/modprobe.d/audio.conf",
	    "# vendor\nblacklist snd_hda_intel\n");
	reprobe(&f);
	assert_int_equal(plan_for(&f, hsw_legacy, &p, &cause), -EPERM);
	assert_string_equal(cause,
	    "/usr/lib/modprobe.d/audio.conf:2: 'blacklist snd_hda_intel' "
	    "keeps the driver of 0000:00:1b.0, which stays on the host, "
	    "from loading; vfio-wizard edits only files below /etc: change "
	    "that line by hand, or override the file with one of the same "
	    "name below /etc");
	free(cause);
	plan_free(&p);
	/* a file of the same name in /etc hides it from kmod */
	fx_write(f.dir, "/etc/modprobe.d/audio.conf", "# mine\n");
	reprobe(&f);
	plan_ok(&f, hsw_legacy, &p);
	expect_text(&p, MODPROBE, hsw_probe);
	plan_free(&p);
	fx_host_free(&f);
}

/* Lines read after ours: a softdep in effect there is merged as well. */
static void
test_conflict_softdep_after(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	fx_write(f.dir, "/etc/modprobe.d/zz-sound.conf",
	    "softdep snd-hda-intel post: snd_hda_codec_hdmi\n"
	    "blacklist vfio-pci\n");
	reprobe(&f);
	plan_ok(&f, hsw_legacy, &p);
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "options vfio-pci ids=8086:0412,8086:0c0c\n"
		       "softdep i915 pre: vfio-pci\n"
		       "softdep snd_hda_intel pre: vfio-pci post: "
		       "snd_hda_codec_hdmi\n");
	expect_text(&p, "/etc/modprobe.d/zz-sound.conf", "");
	assert_true(has_note(&p, "/etc/modprobe.d/zz-sound.conf:2: "
				 "'blacklist vfio_pci' keeps a module "
				 "passthrough needs from loading: the line "
				 "is removed."));
	plan_free(&p);
	fx_host_free(&f);
}

/* Binding by address merges an install line of the same shape. */
static void
test_conflict_install(void **state)
{
	static const char *const items[] = {"device=0000:07:00.1", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	fx_write(f.dir, "/etc/modprobe.d/nic.conf",
	    "install vfio-pci echo vfio-pci > "
	    "/sys/bus/pci/devices/0000:06:00.0/driver_override; "
	    "/sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS\n");
	reprobe(&f);
	plan_ok(&f, items, &p);
	expect_text(&p, MODPROBE,
	    PROBE_HEAD "install vfio-pci echo vfio-pci > "
		       "/sys/bus/pci/devices/0000:07:00.1/driver_override; "
		       "echo vfio-pci > "
		       "/sys/bus/pci/devices/0000:06:00.0/driver_override; "
		       "/sbin/modprobe --ignore-install vfio-pci "
		       "$CMDLINE_OPTS\n"
		       "softdep igb pre: vfio-pci\n");
	expect_text(&p, "/etc/modprobe.d/nic.conf", "");
	plan_free(&p);
	/* a command of another shape is not guessed at */
	fx_write(f.dir, "/etc/modprobe.d/nic.conf",
	    "install vfio_pci /usr/local/bin/bind-nics; "
	    "/sbin/modprobe --ignore-install vfio-pci\n");
	reprobe(&f);
	assert_int_equal(plan_for(&f, items, &p, &cause), -EINVAL);
	assert_string_equal(cause,
	    "/etc/modprobe.d/nic.conf:1: an install command for vfio-pci "
	    "that vfio-wizard cannot combine with its binding by address: "
	    "'/usr/local/bin/bind-nics; /sbin/modprobe --ignore-install "
	    "vfio-pci'");
	free(cause);
	plan_free(&p);
	fx_host_free(&f);
}

/* vfio-pci IDs bound from /lib cannot be merged: refused. */
static void
test_conflict_options_outside_etc(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	fx_write(f.dir, "/lib/modprobe.d/vendor.conf",
	    "options vfio-pci ids=8086:0412\n");
	reprobe(&f);
	assert_int_equal(plan_for(&f, hsw_legacy, &p, &cause), -EPERM);
	assert_non_null(strstr(cause,
	    "/lib/modprobe.d/vendor.conf:1: 'options vfio-pci ids=' there "
	    "would compete with vfio-wizard's ids="));
	free(cause);
	plan_free(&p);
	fx_host_free(&f);
}

/* The codec's driver_override install line: written and read strictly. */
static void
test_codec_override(void **state)
{
	static const char *const addrs[] = {"0000:07:00.1", "0000:0a:1f.7"};
	static const char *const bad[] = {"07:00.1"};
	struct modprobe_conf *mc = modprobe_conf_parse("# x\n", 4);
	char *text, *cause = NULL, **got;
	size_t n;

	(void)state;
	assert_int_equal(
	    modprobe_conf_set_vfio_override(mc, addrs, 2, &cause), 0);
	text = modprobe_conf_text(mc, NULL);
	assert_string_equal(text,
	    "# x\ninstall vfio-pci echo vfio-pci > "
	    "/sys/bus/pci/devices/0000:07:00.1/driver_override; echo "
	    "vfio-pci > /sys/bus/pci/devices/0000:0a:1f.7/driver_override; "
	    "/sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS\n");
	free(text);
	assert_int_equal(
	    modprobe_vfio_override_parse(mc->lines[1].args, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(got[1], "0000:0a:1f.7");
	strv_free(got, n);
	/* set again: one line, in place */
	assert_int_equal(
	    modprobe_conf_set_vfio_override(mc, addrs, 1, &cause), 0);
	assert_int_equal(mc->n_lines, 2);
	assert_int_equal(
	    modprobe_conf_set_vfio_override(mc, bad, 1, &cause), -EINVAL);
	assert_string_equal(
	    cause, "'07:00.1' is not a full PCI address (0000:00:02.0)");
	free(cause);
	modprobe_conf_free(mc);
	/* anything else is not our shape */
	assert_int_equal(
	    modprobe_vfio_override_parse("/bin/true", &got, &n), -EINVAL);
	assert_int_equal(
	    modprobe_vfio_override_parse(
		"echo vfio-pci > /sys/bus/pci/devices/0000:00:02.0/"
		"driver_override; /sbin/modprobe --ignore-install vfio-pci "
		"$CMDLINE_OPTS; rm -rf /",
		&got, &n),
	    -EINVAL);
	assert_int_equal(
	    modprobe_vfio_override_parse(
		"echo vfio-pci > /sys/bus/pci/devices/0000:00:2.0/"
		"driver_override; /sbin/modprobe --ignore-install vfio-pci "
		"$CMDLINE_OPTS",
		&got, &n),
	    -EINVAL);
	assert_int_equal(
	    modprobe_vfio_override_parse("/sbin/modprobe --ignore-install "
					 "vfio-pci $CMDLINE_OPTS",
		&got, &n),
	    -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conflicts_options_blacklist),
	    cmocka_unit_test(test_conflict_softdep_first),
	    cmocka_unit_test(test_conflict_stale_virqfd),
	    cmocka_unit_test(test_conflict_outside_etc),
	    cmocka_unit_test(test_conflict_softdep_after),
	    cmocka_unit_test(test_conflict_install),
	    cmocka_unit_test(test_conflict_options_outside_etc),
	    cmocka_unit_test(test_codec_override),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
