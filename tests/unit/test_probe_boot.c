/*
 * test_probe_boot.c: the bootloader probe decides from evidence (EFI
 * BootCurrent path, proxmox-boot-tool ESPs with a ZFS root and Secure Boot,
 * legacy BIOS), names the command line file, and reads the configured
 * command line: /etc/kernel/cmdline, or GRUB's defaults after grub.d.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static const char grub_stock[] =
    "GRUB_DEFAULT=0\n"
    "GRUB_TIMEOUT=5\n"
    "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
    "GRUB_CMDLINE_LINUX=\"\"\n";

struct fw {
	bool uefi;
	enum tri secure_boot;
	const char *boot_current, *boot_path;
};

/* Probe boot on dir with the firmware facts probe_firmware would fill. */
static struct host *
probe(const char *dir, const struct fw *fw, const char *proc_cmdline)
{
	struct host *h = xcalloc(1, sizeof *h);
	struct root *r;

	h->firmware.uefi = fw->uefi;
	h->firmware.secure_boot = fw->secure_boot;
	if (fw->boot_current != NULL)
		h->firmware.efi_boot_current = xstrdup(fw->boot_current);
	if (fw->boot_path != NULL)
		h->firmware.efi_boot_path = xstrdup(fw->boot_path);
	if (proc_cmdline != NULL)
		h->kernel.cmdline = xstrdup(proc_cmdline);
	assert_int_equal(root_open(dir, &r), 0);
	probe_boot(h, r);
	root_free(r);
	return h;
}

static void
no_problems(const struct host *h)
{
	size_t i;

	for (i = 0; i < h->n_problems; i++)
		print_message("problem %s: %s\n", h->problems[i].what,
		    h->problems[i].message);
	assert_int_equal(h->n_problems, 0);
}

static void
expect_evidence(const struct host *h, const char *needle)
{
	if (strstr(h->boot.evidence, needle) == NULL)
		fail_msg("evidence '%s' lacks '%s'", h->boot.evidence, needle);
}

static void
test_bios_grub(void **state)
{
	const struct fw fw = {false, TRI_UNKNOWN, NULL, NULL};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/mounts",
	    "sysfs /sys sysfs rw,nosuid 0 0\n"
	    "/dev/mapper/pve-root / ext4 rw,relatime,errors=remount-ro 0 0\n"
	    "/dev/sda2 /boot/efi vfat rw 0 0\n");
	fx_write(t, "/etc/default/grub", "%s", grub_stock);
	fx_write(t, "/etc/default/grub.d/init-select.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT "
	    "intel_iommu=on\"\n");
	fx_write(t, "/etc/default/grub.d/zz-last.cfg",
	    "GRUB_CMDLINE_LINUX=\"nomodeset\"\n");
	fx_write(t, "/etc/default/grub.d/a-first.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"overridden\"\n");
	fx_write(t, "/etc/default/grub.d/not-a-cfg.txt", "$(reboot)\n");
	fx_mkdir(t, "/etc/default/grub.d/dir.cfg");
	h = probe(t, &fw, NULL);
	no_problems(h);
	assert_int_equal(h->boot.loader, BOOT_GRUB);
	assert_false(h->boot.proxmox_boot_tool);
	assert_string_equal(h->boot.cmdline_file, "/etc/default/grub");
	/* grub.d in glob order: a-first, init-select, zz-last */
	assert_string_equal(
	    h->boot.cmdline, "nomodeset overridden intel_iommu=on");
	assert_string_equal(h->boot.root_fs, "ext4");
	assert_string_equal(h->boot.root_source, "/dev/mapper/pve-root");
	expect_evidence(h, "legacy BIOS");
	host_free(h);
	fx_rmroot(t);
}

static void
test_efi_systemd_boot(void **state)
{
	const struct fw fw = {
	    true, TRI_NO, "0001", "\\EFI\\systemd\\systemd-bootx64.efi"};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/mounts",
	    "rootfs / rootfs rw 0 0\n"
	    "rpool/ROOT/pve-1 / zfs rw,relatime,xattr,noacl 0 0\n");
	fx_write(
	    t, "/etc/kernel/proxmox-boot-uuids", "6A1C-2B3D\n\n  7B2D-3C4E \n");
	fx_write(t, "/etc/kernel/cmdline",
	    "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on\nsecond line\n");
	fx_write(t, "/etc/default/grub", "%s", grub_stock);
	h = probe(t, &fw, "BOOT_IMAGE=x root=ZFS=rpool/ROOT/pve-1 boot=zfs");
	no_problems(h);
	assert_int_equal(h->boot.loader, BOOT_SYSTEMD_BOOT);
	assert_true(h->boot.proxmox_boot_tool);
	assert_int_equal(h->boot.n_esp_uuids, 2);
	assert_string_equal(h->boot.esp_uuids[0], "6A1C-2B3D");
	assert_string_equal(h->boot.esp_uuids[1], "7B2D-3C4E");
	assert_string_equal(h->boot.cmdline_file, "/etc/kernel/cmdline");
	assert_string_equal(h->boot.cmdline,
	    "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on");
	assert_string_equal(h->boot.root_fs, "zfs");
	assert_string_equal(h->boot.root_source, "rpool/ROOT/pve-1");
	expect_evidence(
	    h, "EFI BootCurrent 0001: \\EFI\\systemd\\systemd-bootx64.efi");
	host_free(h);
	fx_rmroot(t);
}

static void
test_efi_grub_entry(void **state)
{
	const struct fw fw = {
	    true, TRI_NO, "0004", "\\EFI\\proxmox\\grubx64.efi"};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	/* the EFI variable outranks the ZFS + proxmox-boot-tool rule */
	fx_write(t, "/proc/mounts", "rpool/ROOT/pve-1 / zfs rw 0 0\n");
	fx_write(t, "/etc/kernel/proxmox-boot-uuids", "6A1C-2B3D\n");
	fx_write(t, "/etc/default/grub", "%s", grub_stock);
	h = probe(t, &fw, NULL);
	no_problems(h);
	assert_int_equal(h->boot.loader, BOOT_GRUB);
	assert_string_equal(h->boot.cmdline_file, "/etc/default/grub");
	assert_string_equal(h->boot.cmdline, "quiet");
	expect_evidence(h, "EFI BootCurrent 0004: \\EFI\\proxmox\\grubx64.efi");
	host_free(h);
	fx_rmroot(t);
}

static void
test_zfs_pbt_no_efivar(void **state)
{
	const struct fw fw = {true, TRI_NO, NULL, NULL};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/mounts", "rpool/ROOT/pve-1 / zfs rw 0 0\n");
	fx_write(t, "/etc/kernel/proxmox-boot-uuids", "6A1C-2B3D\n");
	h = probe(t, &fw, "initrd=\\EFI\\proxmox\\x root=ZFS=rpool/ROOT/pve-1");
	no_problems(h);
	assert_int_equal(h->boot.loader, BOOT_SYSTEMD_BOOT);
	/* no /etc/kernel/cmdline: proxmox-boot-tool reuses /proc/cmdline */
	assert_string_equal(h->boot.cmdline,
	    "initrd=\\EFI\\proxmox\\x root=ZFS=rpool/ROOT/pve-1");
	expect_evidence(h, "ZFS root 'rpool/ROOT/pve-1'");
	expect_evidence(h, "/etc/kernel/cmdline is absent");
	host_free(h);
	fx_rmroot(t);
}

static void
test_zfs_pbt_secure_boot(void **state)
{
	const struct fw fw = {true, TRI_YES, NULL, NULL};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/mounts", "rpool/ROOT/pve-1 / zfs rw 0 0\n");
	fx_write(t, "/etc/kernel/proxmox-boot-uuids", "6A1C-2B3D\n");
	fx_write(t, "/etc/default/grub", "%s", grub_stock);
	h = probe(t, &fw, NULL);
	no_problems(h);
	assert_int_equal(h->boot.loader, BOOT_GRUB);
	expect_evidence(h, "Secure Boot");
	host_free(h);
	fx_rmroot(t);
}

static void
test_efi_ext4_grub(void **state)
{
	const struct fw fw = {true, TRI_NO, "0002", "\\EFI\\BOOT\\BOOTX64.EFI"};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/mounts",
	    "/dev/mapper/pve-root / ext4 rw 0 0\n"
	    "/dev/mapper/other /mnt/with\\040space xfs rw 0 0\n");
	fx_write(t, "/etc/default/grub", "%s", grub_stock);
	h = probe(t, &fw, NULL);
	no_problems(h);
	assert_int_equal(h->boot.loader, BOOT_GRUB);
	expect_evidence(h, "names no loader");
	host_free(h);
	fx_rmroot(t);
}

static void
test_grub_refused(void **state)
{
	const struct fw fw = {false, TRI_UNKNOWN, NULL, NULL};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
	fx_write(t, "/etc/default/grub", "%s", grub_stock);
	fx_write(t, "/etc/default/grub.d/custom.cfg",
	    "if [ -e /x ]; then\n  GRUB_CMDLINE_LINUX=x\nfi\n");
	h = probe(t, &fw, NULL);
	assert_int_equal(h->boot.loader, BOOT_GRUB);
	assert_null(h->boot.cmdline);
	assert_int_equal(h->n_problems, 1);
	assert_string_equal(h->problems[0].what, "boot");
	assert_string_equal(h->problems[0].message,
	    "'/etc/default/grub.d/custom.cfg' line 1: unsupported shell "
	    "command 'if'");
	host_free(h);
	fx_rmroot(t);
}

static void
test_grub_cmdline_substitution(void **state)
{
	const struct fw fw = {false, TRI_UNKNOWN, NULL, NULL};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	fx_write(t, "/proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
	fx_write(t, "/etc/default/grub",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet $(cat /etc/extra)\"\n");
	h = probe(t, &fw, NULL);
	assert_null(h->boot.cmdline);
	assert_int_equal(h->n_problems, 1);
	assert_non_null(strstr(h->problems[0].message,
	    "cannot evaluate 'GRUB_CMDLINE_LINUX_DEFAULT'"));
	assert_non_null(strstr(
	    h->problems[0].message, "command substitution '$(' is not run"));
	host_free(h);
	fx_rmroot(t);
}

static void
test_nothing(void **state)
{
	const struct fw fw = {false, TRI_UNKNOWN, NULL, NULL};
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	/* a kernel booted directly: BIOS, but no GRUB installed at all */
	h = probe(t, &fw, NULL);
	assert_int_equal(h->boot.loader, BOOT_UNKNOWN);
	assert_null(h->boot.cmdline_file);
	assert_null(h->boot.cmdline);
	assert_non_null(strstr(h->boot.evidence, "/boot/grub"));
	assert_null(h->boot.root_fs);
	/* /proc/mounts is missing */
	assert_int_equal(h->n_problems, 1);
	host_free(h);
	fx_rmroot(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bios_grub),
	    cmocka_unit_test(test_efi_systemd_boot),
	    cmocka_unit_test(test_efi_grub_entry),
	    cmocka_unit_test(test_zfs_pbt_no_efivar),
	    cmocka_unit_test(test_zfs_pbt_secure_boot),
	    cmocka_unit_test(test_efi_ext4_grub),
	    cmocka_unit_test(test_grub_refused),
	    cmocka_unit_test(test_grub_cmdline_substitution),
	    cmocka_unit_test(test_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
