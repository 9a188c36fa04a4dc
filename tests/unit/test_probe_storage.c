/*
 * test_probe_storage.c: probe_storage finds the PCI controllers behind "/"
 * through the block layer as sysfs lays it out: LVM on a SATA partition
 * (with and without /sys/class/block), a plain NVMe partition, md RAID over
 * disks on two controllers, "/dev/root" via mountinfo, and ZFS, followed
 * to its vdevs through udev's database or else a problem (fail closed).
 * Then the Proxmox storages of /etc/pve/storage.cfg: a directory storage
 * on a mounted second disk, storages not in use (disabled, another node,
 * not mounted, network), LVM volume groups through their active volumes or
 * the metadata backup, ZFS pools, and what cannot be followed.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SATA_SDA "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0"
#define HBA_SDB "pci0000:00/0000:00:01.0/0000:01:00.0/host2/target2:0:0/2:0:0:0"
#define NVME0 "pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0"

static int
setup(void **state)
{
	*state = fx_mkroot();
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

/*
 * A disk under /sys/devices/<parent>/<via>/<disk> with its partitions; via
 * is "block" for SCSI disks and "" for NVMe namespaces.
 */
static void
fx_disk(const char *root, const char *parent, const char *via, const char *disk,
    const char *const *parts, bool class_links)
{
	char dir[512], p[600], t[600];
	int i;

	snprintf(dir, sizeof dir, "devices/%s%s%s/%s", parent, *via ? "/" : "",
	    via, disk);
	snprintf(p, sizeof p, "/sys/%s/size", dir);
	fx_write(root, p, "976773168\n");
	snprintf(p, sizeof p, "/sys/block/%s", disk);
	snprintf(t, sizeof t, "../%s", dir);
	fx_symlink(root, p, t);
	if (class_links) {
		snprintf(p, sizeof p, "/sys/class/block/%s", disk);
		snprintf(t, sizeof t, "../../%s", dir);
		fx_symlink(root, p, t);
	}
	for (i = 0; parts != NULL && parts[i] != NULL; i++) {
		snprintf(p, sizeof p, "/sys/%s/%s/partition", dir, parts[i]);
		fx_write(root, p, "%d\n", i + 1);
		if (class_links) {
			snprintf(p, sizeof p, "/sys/class/block/%s", parts[i]);
			snprintf(t, sizeof t, "../../%s/%s", dir, parts[i]);
			fx_symlink(root, p, t);
		}
	}
}

/* A virtual block device (dm-N, mdN) stacked on the given slaves. */
static void
fx_virtual(const char *root, const char *name, const char *dm_name,
    const char *const *slaves, const char *const *slave_paths)
{
	char p[600], t[600];
	int i;

	snprintf(p, sizeof p, "/sys/block/%s", name);
	snprintf(t, sizeof t, "../devices/virtual/block/%s", name);
	fx_symlink(root, p, t);
	if (dm_name != NULL) {
		snprintf(
		    p, sizeof p, "/sys/devices/virtual/block/%s/dm/name", name);
		fx_write(root, p, "%s\n", dm_name);
	}
	for (i = 0; slaves[i] != NULL; i++) {
		snprintf(p, sizeof p, "/sys/devices/virtual/block/%s/slaves/%s",
		    name, slaves[i]);
		snprintf(t, sizeof t, "../../../../%s", slave_paths[i]);
		fx_symlink(root, p, t);
	}
}

/* Proxmox's default install: LVM "pve" on sda3, sda on the AHCI port. */
static void
lvm_tree(const char *root, bool class_links)
{
	static const char *const parts[] = {"sda1", "sda2", "sda3", NULL};
	static const char *const slaves[] = {"sda3", NULL};
	static const char *const paths[] = {SATA_SDA "/block/sda/sda3"};

	fx_disk(root, SATA_SDA, "block", "sda", parts, class_links);
	fx_virtual(root, "dm-0", "pve-swap", slaves, paths);
	fx_virtual(root, "dm-1", "pve-root", slaves, paths);
	fx_write(root, "/proc/mounts",
	    "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
	    "/dev/mapper/pve-root / ext4 rw,relatime,errors=remount-ro 0 0\n"
	    "/dev/sda2 /boot/efi vfat rw,relatime 0 0\n");
}

static void
test_lvm_sata(void **state)
{
	struct host *h;

	lvm_tree(*state, true);
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 1);
	assert_string_equal(h->storage.root_controllers[0], "0000:00:1f.2");
	assert_int_equal(h->storage.n_root_disks, 1);
	assert_string_equal(h->storage.root_disks[0], "sda");
	host_free(h);
}

/* The same without /sys/class/block: partitions found below the disks. */
static void
test_lvm_no_class(void **state)
{
	struct host *h;

	lvm_tree(*state, false);
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 1);
	assert_string_equal(h->storage.root_controllers[0], "0000:00:1f.2");
	assert_string_equal(h->storage.root_disks[0], "sda");
	host_free(h);
}

/* ext4 straight on an NVMe partition, the SSD behind a root port. */
static void
test_nvme(void **state)
{
	static const char *const parts[] = {"nvme0n1p1", "nvme0n1p2", NULL};
	struct host *h;

	fx_disk(*state, NVME0, "", "nvme0n1", parts, true);
	fx_write(*state, "/proc/mounts",
	    "rootfs / rootfs rw 0 0\n"
	    "/dev/nvme0n1p2 / ext4 rw,relatime 0 0\n");
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 1);
	assert_string_equal(h->storage.root_controllers[0], "0000:3d:00.0");
	assert_int_equal(h->storage.n_root_disks, 1);
	assert_string_equal(h->storage.root_disks[0], "nvme0n1");
	host_free(h);
}

/* md RAID 1 over sda1 (AHCI) and sdb1 (an HBA behind a root port). */
static void
test_md_two_controllers(void **state)
{
	static const char *const pa[] = {"sda1", NULL};
	static const char *const pb[] = {"sdb1", NULL};
	static const char *const slaves[] = {"sda1", "sdb1", NULL};
	static const char *const paths[] = {
	    SATA_SDA "/block/sda/sda1", HBA_SDB "/block/sdb/sdb1"};
	struct host *h;

	fx_disk(*state, SATA_SDA, "block", "sda", pa, true);
	fx_disk(*state, HBA_SDB, "block", "sdb", pb, true);
	fx_virtual(*state, "md0", NULL, slaves, paths);
	fx_write(*state, "/proc/mounts", "/dev/md0 / ext4 rw 0 0\n");
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 2);
	assert_string_equal(h->storage.root_controllers[0], "0000:00:1f.2");
	assert_string_equal(h->storage.root_controllers[1], "0000:01:00.0");
	assert_int_equal(h->storage.n_root_disks, 2);
	assert_string_equal(h->storage.root_disks[0], "sda");
	assert_string_equal(h->storage.root_disks[1], "sdb");
	host_free(h);
}

/*
 * Native NVMe multipath (CONFIG_NVME_MULTIPATH, shared namespace): the disk
 * is a virtual head whose multipath/ lists the per-controller paths.
 */
static void
test_nvme_multipath(void **state)
{
	const char *root = *state;
	struct host *h;

	fx_symlink(root, "/sys/block/nvme0n1",
	    "../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1");
	fx_write(root,
	    "/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/"
	    "nvme0n1p3/partition",
	    "3\n");
	fx_symlink(root, "/sys/class/block/nvme0n1p3",
	    "../../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/"
	    "nvme0n1p3");
	fx_mkdir(root, "/sys/devices/" NVME0 "/nvme0c0n1");
	fx_symlink(root,
	    "/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/"
	    "multipath/nvme0c0n1",
	    "../../../../../" NVME0 "/nvme0c0n1");
	fx_write(root, "/proc/mounts", "/dev/nvme0n1p3 / ext4 rw 0 0\n");
	h = fx_probe(root, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 1);
	assert_string_equal(h->storage.root_controllers[0], "0000:3d:00.0");
	assert_int_equal(h->storage.n_root_disks, 1);
	assert_string_equal(h->storage.root_disks[0], "nvme0n1");
	host_free(h);
}

/* Booted without an initramfs: "/dev/root", resolved by major:minor. */
static void
test_dev_root(void **state)
{
	static const char *const parts[] = {"vda1", NULL};
	struct host *h;

	fx_disk(*state, "pci0000:00/0000:00:04.0/virtio1", "block", "vda",
	    parts, true);
	fx_symlink(*state, "/sys/dev/block/252:1",
	    "../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda1");
	fx_write(*state, "/proc/mounts", "/dev/root / ext4 rw 0 0\n");
	fx_write(*state, "/proc/self/mountinfo",
	    "21 26 0:20 / /sys rw,nosuid - sysfs sysfs rw\n"
	    "26 1 252:1 / / rw,relatime shared:1 - ext4 /dev/root rw\n");
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 1);
	assert_string_equal(h->storage.root_controllers[0], "0000:00:04.0");
	assert_string_equal(h->storage.root_disks[0], "vda");
	host_free(h);
}

/* A udev link as the source, its name escaped in /proc/mounts. */
static void
test_udev_link(void **state)
{
	static const char *const parts[] = {"sdb1", "sdb2", NULL};
	struct host *h;

	fx_disk(*state, HBA_SDB, "block", "sdb", parts, true);
	fx_symlink(*state, "/dev/disk/by-label/pve root", "../../sdb2");
	fx_write(*state, "/proc/mounts",
	    "/dev/disk/by-label/pve\\040root / btrfs rw 0 0\n");
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 1);
	assert_string_equal(h->storage.root_controllers[0], "0000:01:00.0");
	assert_string_equal(h->storage.root_disks[0], "sdb");
	host_free(h);
}

/* ZFS root: the pool's vdevs are not in any documented file. */
static void
test_zfs(void **state)
{
	struct host *h;

	fx_write(*state, "/proc/mounts",
	    "rpool/ROOT/pve-1 / zfs rw,relatime,xattr,noacl 0 0\n"
	    "rpool /rpool zfs rw,relatime,xattr,noacl 0 0\n");
	fx_write(*state, "/proc/spl/kstat/zfs/rpool/state", "ONLINE\n");
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->storage.n_root_controllers, 0);
	assert_int_equal(h->storage.n_root_disks, 0);
	assert_true(fx_has_problem(h, "root on zfs pool 'rpool': controllers "
				      "unknown"));
	assert_int_equal(h->storage.n_unknown, 1);
	host_free(h);
}

/* A ZFS root whose vdev udev's database names (lsblk's source too). */
static void
test_zfs_udev(void **state)
{
	static const char *const parts[] = {
	    "nvme0n1p1", "nvme0n1p2", "nvme0n1p3", NULL};
	struct host *h;

	fx_disk(*state, NVME0, "", "nvme0n1", parts, true);
	fx_symlink(*state, "/sys/dev/block/259:3",
	    "../../devices/" NVME0 "/nvme0n1/nvme0n1p3");
	fx_write(*state, "/run/udev/data/b259:3",
	    "S:disk/by-partuuid/0b1f3a8e-52c4-4d0e-a7b3-1f9c2d6e4a85\n"
	    "E:ID_FS_LABEL=rpool\nE:ID_FS_TYPE=zfs_member\n"
	    "E:ID_FS_USAGE=filesystem\n");
	fx_write(*state, "/run/udev/data/b259:2",
	    "E:ID_FS_LABEL=rpool-not\nE:ID_FS_TYPE=vfat\n");
	fx_write(*state, "/run/udev/data/c10:1", "E:ID_FS_LABEL=rpool\n");
	fx_write(*state, "/proc/mounts",
	    "rpool/ROOT/pve-1 / zfs rw,relatime,xattr,noacl 0 0\n");
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->storage.n_root_controllers, 1);
	assert_string_equal(h->storage.root_controllers[0], "0000:3d:00.0");
	assert_int_equal(h->storage.n_unknown, 0);
	host_free(h);
}

/* The storages, with the root on LVM on sda (lvm_tree). */
static struct host *
probe_cfg(const char *root, const char *cfg)
{
	struct host *h = xcalloc(1, sizeof *h);

	h->hostname = xstrdup("pve1");
	fx_write(root, "/etc/pve/storage.cfg", "%s", cfg);
	return fx_probe(root, probe_storage, h);
}

static const struct storage_controller *
ctrl(const struct host *h, const char *storage)
{
	size_t i;

	for (i = 0; i < h->storage.n_storage_controllers; i++)
		if (strcmp(h->storage.storage_controllers[i].storage,
			storage) == 0)
			return &h->storage.storage_controllers[i];
	return NULL;
}

/* The storage's controller, which the test expects to be there. */
static const struct storage_controller *
mctrl(const struct host *h, const char *storage)
{
	static const struct storage_controller none = {
	    (char *)"", (char *)"", (char *)"", (char *)"", (char *)""};
	const struct storage_controller *c = ctrl(h, storage);

	if (c == NULL)
		fail_msg("no controller for storage '%s'", storage);
	return c != NULL ? c : &none;
}

/* A directory storage on a second disk, and storages not in use. */
static void
test_pve_dir(void **state)
{
	static const char *const pb[] = {"sdb1", NULL};
	const struct storage_controller *c;
	struct host *h;

	lvm_tree(*state, true);
	fx_disk(*state, HBA_SDB, "block", "sdb", pb, true);
	fx_write(*state, "/proc/mounts",
	    "/dev/mapper/pve-root / ext4 rw 0 0\n"
	    "/dev/sdb1 /mnt/pve/data ext4 rw 0 0\n"
	    "nas:/export /mnt/pve/nas nfs4 rw 0 0\n");
	h = probe_cfg(*state,
	    "dir: local\n\tpath /var/lib/vz\n\tcontent iso\n\n"
	    "# the second disk\n"
	    "dir: data\n\tpath /mnt/pve/data/images\n\tis_mountpoint "
	    "/mnt/pve/data\n"
	    "\tnodes pve1,pve2\n\n"
	    "dir: gone\n\tpath /mnt/pve/gone\n\tis_mountpoint yes\n\n"
	    "dir: off\n\tpath /mnt/pve/data\n\tdisable\n\n"
	    "dir: other\n\tpath /mnt/pve/data\n\tnodes pve2\n\n"
	    "nfs: nas\n\tpath /mnt/pve/nas\n\tserver nas\n"
	    "\texport /export\n\n"
	    "dir: onnfs\n\tpath /mnt/pve/nas/dump\n\n"
	    "this line is not a section\n");
	assert_int_equal(h->storage.n_storage_controllers, 1);
	c = mctrl(h, "data");
	assert_string_equal(c->address, "0000:01:00.0");
	assert_string_equal(c->type, "dir");
	assert_string_equal(c->what, "'/mnt/pve/data/images'");
	assert_string_equal(c->disk, "sdb");
	assert_int_equal(h->storage.n_unknown, 0);
	assert_true(fx_has_problem(h, "'/etc/pve/storage.cfg:31': ignored "
				      "line 'this line is not a section'"));
	host_free(h);
}

/* LVM: active volumes, the metadata backup, and neither. */
static void
test_pve_lvm(void **state)
{
	static const char *const pb[] = {"sdb1", "sdb2", NULL};
	static const char *const sl[] = {"sdb1", NULL};
	static const char *const pa[] = {HBA_SDB "/block/sdb/sdb1"};
	struct host *h;

	lvm_tree(*state, true);
	fx_disk(*state, HBA_SDB, "block", "sdb", pb, true);
	fx_virtual(*state, "dm-5", "my--vg-vm--100--disk--0", sl, pa);
	fx_write(*state, "/etc/lvm/backup/cold",
	    "cold {\n\tphysical_volumes {\n\t\tpv0 {\n"
	    "\t\t\tdevice = \"/dev/sdb2\"\t# Hint only\n\t\t}\n\t}\n}\n");
	h = probe_cfg(*state,
	    "lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\n"
	    "lvm: vms\n\tvgname my-vg\n\n"
	    "lvm: cold\n\tvgname cold\n\n"
	    "lvm: lost\n\tvgname lost\n");
	assert_string_equal(mctrl(h, "local-lvm")->address, "0000:00:1f.2");
	assert_string_equal(mctrl(h, "vms")->address, "0000:01:00.0");
	assert_string_equal(mctrl(h, "vms")->what, "vg 'my-vg'");
	assert_string_equal(mctrl(h, "cold")->disk, "sdb");
	assert_null(ctrl(h, "lost"));
	assert_int_equal(h->storage.n_unknown, 1);
	assert_string_equal(h->storage.unknown[0], "storage 'lost' (lvm vg "
						   "'lost')");
	assert_true(fx_has_problem(h, "storage 'lost' (lvm vg 'lost'): no "
				      "active logical volume"));
	host_free(h);
}

/* ZFS pools: members from udev's database, or fail closed. */
static void
test_pve_zfs(void **state)
{
	static const char *const pb[] = {"sdb1", NULL};
	struct pci_device sata, nic;
	struct host_need need;
	struct host *h;

	lvm_tree(*state, true);
	fx_disk(*state, HBA_SDB, "block", "sdb", pb, true);
	fx_symlink(*state, "/sys/dev/block/8:17",
	    "../../devices/" HBA_SDB "/block/sdb/sdb1");
	fx_write(*state, "/run/udev/data/b8:17",
	    "E:ID_FS_TYPE=zfs_member\nE:ID_FS_LABEL=tank\n");
	h = probe_cfg(*state, "zfspool: tank\n\tpool tank/vms\n\tsparse\n\n"
			      "zfspool: other\n\tpool other\n");
	assert_string_equal(mctrl(h, "tank")->address, "0000:01:00.0");
	assert_string_equal(mctrl(h, "tank")->what, "pool 'tank/vms'");
	assert_int_equal(h->storage.n_unknown, 1);
	assert_true(fx_has_problem(h, "no member of zfs pool 'other'"));
	/* the guard: the storage's controller, then every other one */
	memset(&sata, 0, sizeof sata);
	strcpy(sata.address, "0000:01:00.0");
	sata.class_code = 0x010700;
	assert_true(host_device_needed(h, &sata, &need));
	assert_int_equal(need.kind, NEED_STORAGE);
	strcpy(sata.address, "0000:00:1f.2");
	assert_true(host_device_needed(h, &sata, &need));
	assert_int_equal(need.kind, NEED_ROOT_DISK);
	strcpy(sata.address, "0000:05:00.0");
	assert_true(host_device_needed(h, &sata, &need));
	assert_int_equal(need.kind, NEED_STORAGE_UNKNOWN);
	assert_string_equal(need.unknown, "storage 'other' (zfspool pool "
					  "'other')");
	memset(&nic, 0, sizeof nic);
	strcpy(nic.address, "0000:05:00.0");
	nic.class_code = 0x020000;
	assert_false(host_device_needed(h, &nic, &need));
	host_free(h);
}

/* The fixture hosts: a storage on a second NVMe, a ZFS root. */
static void
test_fixture_hosts(void **state)
{
	struct fx_host f;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	assert_string_equal(mctrl(f.host, "fast")->address, "0000:04:00.0");
	assert_string_equal(
	    mctrl(f.host, "local-lvm")->address, "0000:01:00.0");
	assert_int_equal(f.host->storage.n_unknown, 0);
	fx_host_free(&f);

	fx_host_load(&f, "cometlake-zfs-sdboot");
	assert_int_equal(f.host->storage.n_root_controllers, 1);
	assert_string_equal(
	    f.host->storage.root_controllers[0], "0000:02:00.0");
	assert_string_equal(
	    mctrl(f.host, "local-zfs")->address, "0000:02:00.0");
	assert_string_equal(mctrl(f.host, "local")->what, "'/var/lib/vz'");
	assert_int_equal(f.host->storage.n_unknown, 0);
	fx_host_free(&f);
}

/* No /proc/mounts, or a mapper name sysfs does not know. */
static void
test_missing(void **state)
{
	struct host *h;

	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->storage.n_root_controllers, 0);
	assert_true(fx_has_problem(h, "cannot read '/proc/mounts'"));
	host_free(h);

	fx_write(*state, "/proc/mounts", "/dev/mapper/vg-lv / xfs rw 0 0\n");
	h = fx_probe(*state, probe_storage, NULL);
	assert_int_equal(h->storage.n_root_controllers, 0);
	assert_true(fx_has_problem(h, "'/dev/mapper/vg-lv'"));
	host_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lvm_sata, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lvm_no_class, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nvme, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_md_two_controllers, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_nvme_multipath, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dev_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_udev_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zfs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_zfs_udev, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pve_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pve_lvm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pve_zfs, setup, teardown),
	    cmocka_unit_test(test_fixture_hosts),
	    cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
