/*
 * storage_priv.h: the storage probe's internals, shared by storage.c (the
 * block layer walk and the root filesystem) and storage_pve.c (the Proxmox
 * storages of /etc/pve/storage.cfg, LVM volume groups and ZFS pools). Not
 * part of the public API (host.h).
 */
#ifndef VW_STORAGE_PRIV_H
#define VW_STORAGE_PRIV_H

#include "vfio-wizard/host.h"

struct root;

/* One /proc/mounts line, octal escapes decoded. */
struct mount_ent {
	char *source, *target, *fstype;
};

/* The mounts of the root's /proc/mounts, in order; -errno on failure. */
int storage_read_mounts(const struct root *, struct mount_ent **, size_t *);
void storage_free_mounts(struct mount_ent *, size_t);

/* Where a walk reports each disk and its controller (NULL when none). */
struct block_sink {
	void (*found)(struct block_sink *, struct host *, const char *disk,
	    const char *controller);
};

/*
 * Walk a block device (dm, md, partition, disk) down to its disks and
 * report each with the PCI controller its sysfs path names.
 */
void storage_walk(
    struct host *, const struct root *, const char *name, struct block_sink *);
/* The kernel block device name behind a mount source, or NULL. */
char *storage_source_block(
    struct host *, const struct root *, const char *source);
/* The dm-N whose dm/name is the given device-mapper name, or NULL. */
char *storage_dm_by_name(const struct root *, const char *dm_name);
/*
 * The block devices (kernel names) that hold a ZFS pool, from udev's
 * database as lsblk reads it: /run/udev/data/b<major>:<minor> with
 * ID_FS_TYPE=zfs_member and ID_FS_LABEL=<pool> (libblkid reads the pool
 * name from the vdev label). Sets *n to 0 when there are none.
 */
void storage_zpool_members(
    const struct root *, const char *pool, char ***names, size_t *n);

/* The Proxmox storages in use (storage_pve.c); after the root's. */
void probe_pve_storage(
    struct host *, const struct root *, const struct mount_ent *, size_t);

#endif
