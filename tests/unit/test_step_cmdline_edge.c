/*
 * test_step_cmdline_edge.c: the kernel command line step on fixture hosts
 * whose GRUB or systemd-boot files were made awkward: a conflicting token
 * removed at its source, a later grub.d file that overrides the variable
 * (edit in place), files the codec refuses, a conflict that cannot be
 * traced, a stale drop-in, over-long, multi-line and root-less
 * /etc/kernel/cmdline, a missing one, and verify when the files disagree
 * with the plan. Whenever the plan fails, nothing is planned.
 */
#include "kcmdline_fx.h"

#include <errno.h>

/* The drop-in as the wizard writes it for the IOMMU alone. */
static const char dropin_iommu[] =
    "# Kernel parameters for PCI passthrough, written by vfio-wizard.\n"
    "# 'vfio-wizard undo' removes this file; run update-grub after editing "
    "it.\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on "
    "iommu=pt\"\n";

#define GRUB_HEAD                                                    \
	"# If you change this file, run 'update-grub' afterwards.\n" \
	"GRUB_DEFAULT=0\n"                                           \
	"GRUB_TIMEOUT=5\n"                                           \
	"GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo "  \
	"Debian`\n"

/* Plan, apply, plan again (empty), verify before the reboot. */
static void
stable(struct kfx *f)
{
	char *msg;

	kfx_apply(f);
	kfx_plan_ok(f, NULL);
	kfx_expect_empty(&f->plan);
	if (kfx_verify(f, NULL, false, &msg) != VERIFY_AFTER_REBOOT)
		fail_msg("verify: %s", msg);
	free(msg);
}

/* The plan fails with a cause holding text, and nothing is planned. */
static void
refused(struct kfx *f, const char *text)
{
	char *cause = NULL;

	assert_int_not_equal(kfx_plan(f, NULL, &cause), 0);
	assert_non_null(cause);
	if (strstr(cause, text) == NULL)
		fail_msg("cause '%s' lacks '%s'", cause, text);
	free(cause);
	kfx_expect_empty(&f->plan);
}

/* intel_iommu=off in /etc/default/grub is removed there. */
static void
test_conflict_at_source(void **state)
{
	struct kfx f;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, KCMD_GRUB,
	    GRUB_HEAD "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=off\"\n"
		      "GRUB_CMDLINE_LINUX=\"\"\n");
	kfx_plan_ok(&f, NULL);
	assert_int_equal(f.plan.n_files, 2);
	kfx_expect(&f.plan, KCMD_GRUB,
	    GRUB_HEAD "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		      "GRUB_CMDLINE_LINUX=\"\"\n");
	kfx_expect_dropin(&f.plan, "intel_iommu=on iommu=pt");
	assert_true(
	    kfx_note(&f.plan, "/etc/default/grub:5:", "intel_iommu=off"));
	kfx_expect_commands(&f.plan, "update-grub");
	stable(&f);
	kfx_free(&f);
}

/* Conflicts in a grub.d file and in GRUB_CMDLINE_LINUX, several at once. */
static void
test_conflicts_in_dropins(void **state)
{
	struct kfx f;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, "/etc/default/grub.d/zfs.cfg",
	    "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX iommu=soft "
	    "root=ZFS=rpool/ROOT/pve-1 boot=zfs\"");
	kfx_write(&f, KCMD_GRUB,
	    GRUB_HEAD "GRUB_CMDLINE_LINUX_DEFAULT='intel_iommu=on,igfx_off "
		      "quiet'\nGRUB_CMDLINE_LINUX=\"iommu.passthrough=0\"\n");
	kfx_plan_ok(&f, NULL);
	kfx_expect(&f.plan, "/etc/default/grub.d/zfs.cfg",
	    "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX "
	    "root=ZFS=rpool/ROOT/pve-1 boot=zfs\"");
	kfx_expect(&f.plan, KCMD_GRUB,
	    GRUB_HEAD "GRUB_CMDLINE_LINUX_DEFAULT='quiet'\n"
		      "GRUB_CMDLINE_LINUX=\"\"\n");
	kfx_expect_dropin(&f.plan, "intel_iommu=on iommu=pt");
	assert_true(kfx_note(&f.plan, "zfs.cfg:1:", "iommu=soft"));
	assert_true(kfx_note(&f.plan, "grub:6:", "iommu.passthrough=0"));
	assert_true(kfx_note(&f.plan, "grub:5:", "igfx_off"));
	stable(&f);
	kfx_free(&f);
}

/* A later file sets the variable afresh: the drop-in would not count. */
static void
test_override_in_place(void **state)
{
	const char *zz = "/etc/default/grub.d/zz-local.cfg";
	struct kfx f;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, zz,
	    "# local settings\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
	    "GRUB_TIMEOUT=2\n");
	kfx_plan_ok(&f, NULL);
	assert_int_equal(f.plan.n_files, 1);
	assert_null(kfx_change(&f.plan, KCMD_DROPIN));
	kfx_expect(&f.plan, zz,
	    "# local settings\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash "
	    "intel_iommu=on iommu=pt\"\nGRUB_TIMEOUT=2\n");
	assert_true(kfx_note(&f.plan, zz, "GRUB_CMDLINE_LINUX_DEFAULT"));
	kfx_expect_commands(&f.plan, "update-grub");
	stable(&f);
	kfx_free(&f);

	/* an unquoted value gets quoted */
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, zz, "GRUB_CMDLINE_LINUX_DEFAULT=quiet\n");
	kfx_plan_ok(&f, NULL);
	kfx_expect(&f.plan, zz,
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"\n");
	stable(&f);
	kfx_free(&f);
}

/* Files the codec refuses: the user edits by hand, nothing is planned. */
static void
test_refused_files(void **state)
{
	struct kfx f;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, "/etc/default/grub.d/custom.cfg",
	    "if [ -e /etc/x ]; then\n  GRUB_TIMEOUT=1\nfi\n");
	refused(&f, "custom.cfg");
	kfx_free(&f);

	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, KCMD_GRUB,
	    GRUB_HEAD "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet $(cat /etc/x)\"\n");
	refused(&f, "by hand");
	kfx_free(&f);

	/* a conflict built from a variable: its source cannot be edited */
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, KCMD_GRUB,
	    GRUB_HEAD "X=off\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet "
		      "intel_iommu=$X\"\n");
	refused(&f, "intel_iommu=off");
	kfx_free(&f);

	/* a NUL byte in a file */
	kfx_load(&f, "i7-4770-pve8");
	fx_write_bytes(f.dir, "/etc/default/grub.d/nul.cfg", "A=1\0B=2\n", 8);
	refused(&f, "nul.cfg");
	kfx_free(&f);
}

/* The wizard's drop-in is its own: stale or redundant, it is redone. */
static void
test_stale_dropin(void **state)
{
	struct kfx f;

	(void)state;
	/* everything is in /etc/default/grub now: the drop-in goes */
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, KCMD_GRUB,
	    GRUB_HEAD "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on "
		      "iommu=pt\"\n");
	kfx_write(&f, KCMD_DROPIN, dropin_iommu);
	kfx_plan_ok(&f, NULL);
	assert_int_equal(f.plan.n_files, 1);
	kfx_expect(&f.plan, KCMD_DROPIN, NULL);
	kfx_expect_commands(&f.plan, "update-grub");
	stable(&f);
	kfx_free(&f);

	/* a hand-edited drop-in with a conflict is written anew */
	kfx_load(&f, "i7-4770-pve8");
	kfx_write(&f, KCMD_DROPIN,
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT "
	    "intel_iommu=off\"\n");
	kfx_plan_ok(&f, NULL);
	kfx_expect_dropin(&f.plan, "intel_iommu=on iommu=pt");
	stable(&f);
	kfx_free(&f);
}

/* An earlier step's pending edit of a GRUB file counts. */
static void
test_pending_edit(void **state)
{
	static const char text[] =
	    GRUB_HEAD "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on "
		      "iommu=pt\"\n";
	struct kfx f;
	struct choices c;
	char *cause = NULL;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	assert_int_equal(plan_set(&f.plan, f.root, KCMD_GRUB, text,
			     strlen(text), 0644, "earlier", &cause),
	    0);
	memset(&c, 0, sizeof c);
	assert_int_equal(
	    step_cmdline.plan(f.host, &c, f.root, &f.plan, &cause), 0);
	assert_int_equal(f.plan.n_files, 1);
	assert_null(kfx_change(&f.plan, KCMD_DROPIN));
	assert_int_equal(f.plan.n_cmds, 0);
	kfx_free(&f);
}

/* verify reads the files as sh does and catches what the plan did not. */
static void
test_verify_grub(void **state)
{
	struct kfx f;
	char *msg;

	(void)state;
	kfx_load(&f, "i7-4770-pve8");
	kfx_plan_ok(&f, NULL);
	kfx_apply(&f);
	assert_int_equal(
	    kfx_verify(&f, NULL, false, &msg), VERIFY_AFTER_REBOOT);
	free(msg);
	/* a later file drops the value again */
	kfx_write(&f, "/etc/default/grub.d/zz.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=quiet\n");
	assert_int_equal(kfx_verify(&f, NULL, false, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg, "intel_iommu=on is missing"));
	free(msg);
	/* sh is content, but the codec cannot read it: say so */
	kfx_write(&f, "/etc/default/grub.d/zz.cfg", "true\n");
	assert_int_equal(kfx_verify(&f, NULL, false, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg, "cannot be read safely"));
	free(msg);
	/* a file sh cannot source */
	kfx_write(&f, "/etc/default/grub.d/zz.cfg", "A=\"\n");
	assert_int_equal(kfx_verify(&f, NULL, false, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg, "cannot be evaluated"));
	free(msg);
	kfx_free(&f);
}

#define ZROOT "root=ZFS=rpool/ROOT/pve-1 boot=zfs"

static void
test_sdboot_edits(void **state)
{
	struct kfx f;
	char *msg;

	(void)state;
	kfx_load(&f, "cometlake-zfs-sdboot");
	/* conflicts go, every other byte stays, no final newline kept */
	kfx_write(
	    &f, KCMD_SDBOOT, "intel_iommu=off  " ZROOT "\tiommu=soft quiet ");
	kfx_plan_ok(&f, NULL);
	kfx_expect(&f.plan, KCMD_SDBOOT, ZROOT " quiet iommu=pt ");
	assert_true(kfx_note(&f.plan, "/etc/kernel/cmdline:1:", "iommu=soft"));
	assert_true(kfx_note(&f.plan, "intel_iommu=off", NULL));
	kfx_expect_commands(&f.plan, "proxmox-boot-tool refresh");
	stable(&f);
	/* `--`: what follows goes to init, the parameters go before it */
	kfx_write(&f, KCMD_SDBOOT, ZROOT " -- single\n\n");
	kfx_plan_ok(&f, NULL);
	kfx_expect(&f.plan, KCMD_SDBOOT, ZROOT " iommu=pt -- single\n\n");
	stable(&f);
	/* the file tampered with after the apply */
	kfx_write(&f, KCMD_SDBOOT, ZROOT "\n");
	assert_int_equal(kfx_verify(&f, NULL, false, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg, "iommu=pt is missing"));
	free(msg);
	kfx_free(&f);
}

/* No /etc/kernel/cmdline: made from /proc/cmdline as pbt would. */
static void
test_sdboot_missing(void **state)
{
	struct kfx f;

	(void)state;
	kfx_load(&f, "cometlake-zfs-sdboot");
	kfx_remove(&f, KCMD_SDBOOT);
	kfx_plan_ok(&f, NULL);
	kfx_expect(&f.plan, KCMD_SDBOOT, ZROOT " iommu=pt\n");
	assert_null(fx_nonnull(kfx_change(&f.plan, KCMD_SDBOOT))->before);
	assert_true(kfx_note(&f.plan, "/proc/cmdline", "initrd="));
	stable(&f);
	kfx_free(&f);
}

static void
test_sdboot_refused(void **state)
{
	struct strbuf big = STRBUF_INIT;
	struct kfx f;

	(void)state;
	kfx_load(&f, "cometlake-zfs-sdboot");
	kfx_write(&f, KCMD_SDBOOT, ZROOT "\nquiet\n");
	refused(&f, "more than one line");
	kfx_write(&f, KCMD_SDBOOT, "\n" ZROOT "\n");
	refused(&f, "first line");
	kfx_write(&f, KCMD_SDBOOT, "boot=zfs quiet\n");
	refused(&f, "root=");
	kfx_write(&f, KCMD_SDBOOT, "");
	refused(&f, "root=");
	/* a line that would pass the kernel's 2048 bytes */
	sb_adds(&big, ZROOT " x=");
	while (big.len < 2040)
		sb_addc(&big, 'a');
	sb_addc(&big, '\n');
	kfx_write(&f, KCMD_SDBOOT, sb_str(&big));
	refused(&f, "2048");
	sb_release(&big);
	kfx_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conflict_at_source),
	    cmocka_unit_test(test_conflicts_in_dropins),
	    cmocka_unit_test(test_override_in_place),
	    cmocka_unit_test(test_refused_files),
	    cmocka_unit_test(test_stale_dropin),
	    cmocka_unit_test(test_pending_edit),
	    cmocka_unit_test(test_verify_grub),
	    cmocka_unit_test(test_sdboot_edits),
	    cmocka_unit_test(test_sdboot_missing),
	    cmocka_unit_test(test_sdboot_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
