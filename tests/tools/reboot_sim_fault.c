/*
 * reboot_sim_fault.c: boots that go wrong the way real ones do
 * (`--fault NAME`, doc/reboot-sim.md), so the wizard's diagnosis after the
 * reboot can be tested end to end:
 *   - stale-bootloader: update-grub / proxmox-boot-tool refresh did not
 *     run, so the loader boots the kernel and command line it had;
 *   - iommu-off: VT-d / AMD-Vi is disabled in the firmware setup, so the
 *     firmware publishes no DMAR / IVRS table and the IOMMU stays off;
 *   - stale-initramfs: update-initramfs did not run, so the initramfs
 *     still holds the modprobe configuration from before: udev loads each
 *     device's native module from it before vfio-pci can claim the device.
 * The firmware table iommu-off takes away is kept in the tree under
 * /var/lib/reboot-sim/firmware and put back by the next boot without the
 * fault (VT-d enabled again), before the tree is probed.
 */
#include "reboot_sim.h"

#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STASH_TOP "/var/lib/reboot-sim"
#define STASH "/var/lib/reboot-sim/firmware"
#define TABLES "/sys/firmware/acpi/tables"

static const struct {
	const char *name;
	unsigned bit;
} faults[] = {
    {"stale-bootloader", RS_FAULT_STALE_BOOTLOADER},
    {"iommu-off", RS_FAULT_IOMMU_OFF},
    {"stale-initramfs", RS_FAULT_STALE_INITRAMFS},
};

int
rs_fault_parse(const char *name, unsigned *out)
{
	size_t i;

	for (i = 0; i < nitems(faults); i++)
		if (strcmp(faults[i].name, name) == 0) {
			*out |= faults[i].bit;
			return 0;
		}
	return -EINVAL;
}

const char *
rs_fault_names(void)
{
	return "stale-bootloader, iommu-off, stale-initramfs";
}

/* Queue the stashed tables back (and the stash away); how many. */
static size_t
queue_restore(struct rs *s)
{
	char **names = NULL, *from, *to, *data;
	size_t n = 0, i, len, done = 0;
	struct stat st;

	if (root_listdir(s->r, STASH, &names, &n) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		from = xasprintf(STASH "/%s", names[i]);
		to = xasprintf(TABLES "/%s", names[i]);
		if (!root_exists(s->r, to) &&
		    root_stat(s->r, from, &st, false) == 0 &&
		    root_read(s->r, from, &data, &len) == 0) {
			rs_file(s, to, data, len, st.st_mode & 07777);
			rs_fact(s,
			    "firmware: %s table back (enabled again "
			    "in the firmware setup)",
			    names[i]);
			free(data);
			done++;
		}
		free(from);
		free(to);
	}
	strv_free(names, n);
	rs_remove(s, STASH_TOP);
	return done;
}

int
rs_firmware_restore(struct rs *s, bool dry_run, char **cause)
{
	int err;

	if ((s->faults & RS_FAULT_IOMMU_OFF) || !root_exists(s->r, STASH))
		return 0;
	queue_restore(s);
	if (dry_run) {
		rs_warn(s, "a dry run does not put back the firmware tables "
			   "kept in " STASH ": the IOMMU is decided without "
			   "them");
		rs_ops_free(s);
		return 0;
	}
	/* the probe must see the tables: write them before it runs */
	err = rs_apply(s, cause);
	rs_ops_free(s);
	return err;
}

void
rs_firmware_fault(struct rs *s)
{
	const char *table = s->h->firmware.iommu_table;
	char *path, *keep, *data;
	struct stat st;
	size_t len;

	s->fw_table = table;
	if (!(s->faults & RS_FAULT_IOMMU_OFF))
		return;
	s->fw_table = NULL;
	if (table == NULL) {
		rs_fact(s, "fault: iommu-off (the firmware had no table "
			   "already)");
		return;
	}
	path = xasprintf(TABLES "/%s", table);
	keep = xasprintf(STASH "/%s", table);
	if (root_stat(s->r, path, &st, false) == 0 &&
	    root_read(s->r, path, &data, &len) == 0) {
		rs_file(s, keep, data, len, st.st_mode & 07777);
		free(data);
	}
	rs_remove(s, path);
	rs_fact(s,
	    "fault: iommu-off (%s disabled in the firmware setup: no %s "
	    "table; kept in " STASH ")",
	    strcmp(table, "DMAR") == 0 ? "VT-d" : "AMD-Vi", table);
	free(path);
	free(keep);
}
