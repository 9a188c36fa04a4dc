/*
 * storage.c: which PCI controllers the root filesystem lives on, so that a
 * check can refuse to pass through the controller (or the IOMMU group) the
 * host boots from.
 *
 * "/" comes from /proc/mounts (the last entry wins, as for the kernel). Its
 * source is followed down the block layer the way sysfs lays it out:
 * /dev/mapper/NAME is the dm-N whose dm/name matches, a stacked device
 * (dm, md) is walked through its slaves/, a partition leads to its disk, and
 * the disk's link under /sys/class/block or /sys/block, e.g.
 *   ../devices/pci0000:00/0000:00:1f.2/ata1/host0/.../block/sda
 *   ../devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1
 * names the controller: the last PCI address before the disk. A ZFS root
 * ("rpool/ROOT/pve-1") is followed to the pool's member devices through
 * udev's database (storage_zpool_members); where nothing names them, the
 * root's controllers are unknown: a problem, and the guard fails closed.
 * The Proxmox storages are followed the same way, in storage_pve.c.
 */
#include "vfio-wizard/pci_addr.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "storage_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Stacked devices deeper than this are treated as a loop. */
#define STORAGE_MAX_DEPTH 8

/* Decode the octal escapes (\040 for a space) of a /proc/mounts field. */
static char *
unescape(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') << 6 |
				      (s[i + 2] - '0') << 3 | (s[i + 3] - '0'));
			i += 3;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* Split off the next white-space separated field; false at the line's end. */
static bool
next_field(const char **p, const char **f, size_t *len)
{
	*p += strspn(*p, " \t");
	if (**p == '\0' || **p == '\n')
		return false;
	*f = *p;
	*len = strcspn(*p, " \t\n");
	*p += *len;
	return true;
}

int
storage_read_mounts(const struct root *r, struct mount_ent **out, size_t *n)
{
	char *text;
	const char *line;
	int err;

	*out = NULL;
	*n = 0;
	err = root_read(r, "/proc/mounts", &text, NULL);
	if (err < 0)
		return err;
	for (line = text; *line != '\0';) {
		const char *p = line, *f[3];
		size_t len[3];
		int i;

		for (i = 0; i < 3; i++)
			if (!next_field(&p, &f[i], &len[i]))
				break;
		if (i == 3) {
			struct mount_ent m;

			m.source = unescape(f[0], len[0]);
			m.target = unescape(f[1], len[1]);
			m.fstype = unescape(f[2], len[2]);
			ARRAY_PUSH(*out, *n, m);
		}
		line += strcspn(line, "\n");
		if (*line == '\n')
			line++;
	}
	free(text);
	return 0;
}

void
storage_free_mounts(struct mount_ent *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(m[i].source);
		free(m[i].target);
		free(m[i].fstype);
	}
	free(m);
}

/* The mount of "/" (the last entry wins, as for the kernel), or NULL. */
static const struct mount_ent *
root_mount(const struct mount_ent *m, size_t n)
{
	const struct mount_ent *found = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(m[i].target, "/") == 0 &&
		    strcmp(m[i].fstype, "rootfs") != 0)
			found = &m[i];
	return found;
}

static void
add_unique(char ***v, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*v)[i]) == len && strncmp((*v)[i], s, len) == 0)
			return;
	ARRAY_PUSH(*v, *n, xstrndup(s, len));
}

/* The last component of a path and its length. */
static const char *
last_component(const char *path, size_t *len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;

	*len = strlen(base);
	return base;
}

/*
 * The sysfs path (a link target, relative) of a block device or partition:
 * /sys/class/block/NAME, else /sys/block/NAME, else a partition directory
 * inside one of the /sys/block disks; NULL when sysfs does not know it.
 */
static char *
block_devpath(const struct root *r, const char *name)
{
	char *path, *target = NULL, **disks;
	size_t n, i;

	path = xasprintf("/sys/class/block/%s", name);
	if (root_readlink(r, path, &target) == 0) {
		free(path);
		return target;
	}
	free(path);
	path = xasprintf("/sys/block/%s", name);
	if (root_readlink(r, path, &target) == 0) {
		free(path);
		return target;
	}
	free(path);
	if (root_listdir(r, "/sys/block", &disks, &n) < 0)
		return NULL;
	for (i = 0; i < n && target == NULL; i++) {
		char *disk;

		path = xasprintf("/sys/block/%s/%s/partition", disks[i], name);
		if (root_exists(r, path)) {
			disk = xasprintf("/sys/block/%s", disks[i]);
			if (root_readlink(r, disk, &target) == 0) {
				char *t = xasprintf("%s/%s", target, name);

				free(target);
				target = t;
			}
			free(disk);
		}
		free(path);
	}
	strv_free(disks, n);
	return target;
}

static void walk_block(struct host *h, const struct root *r, const char *name,
    const char *hint, const char *head, int depth, struct block_sink *sink);

/*
 * Walk the devices a stacked one sits on: dm and md list them in slaves/,
 * an NVMe multipath head lists its per-controller paths in multipath/.
 * Each entry's link target serves as its sysfs path should the name alone
 * not be found (hidden NVMe path devices). False when there are none.
 */
static bool
walk_lower(struct host *h, const struct root *r, const char *name,
    const char *sub, int depth, struct block_sink *sink)
{
	char *dir = xasprintf("/sys/block/%s/%s", name, sub), **lower;
	size_t n = 0, i;

	if (root_listdir(r, dir, &lower, &n) == 0) {
		for (i = 0; i < n; i++) {
			char *link = xasprintf("%s/%s", dir, lower[i]), *hint;

			if (root_readlink(r, link, &hint) < 0)
				hint = NULL;
			/* a multipath head is the disk users know */
			walk_block(h, r, lower[i], hint,
			    strcmp(sub, "multipath") == 0 ? name : NULL,
			    depth + 1, sink);
			free(hint);
			free(link);
		}
		strv_free(lower, n);
	}
	free(dir);
	return n > 0;
}

/* True when /sys/block lists the name: disks are there, partitions not. */
static bool
is_disk(const struct root *r, const char *name, size_t len)
{
	char *path = xasprintf("/sys/block/%.*s", (int)len, name);
	bool yes = root_exists(r, path);

	free(path);
	return yes;
}

/*
 * Record the disk and controller behind one block device, recursively; hint
 * is its sysfs path when known from a link, head the disk name to record.
 */
static void
walk_block(struct host *h, const struct root *r, const char *name,
    const char *hint, const char *head, int depth, struct block_sink *sink)
{
	char *devpath, *d, *c;
	const char *p, *disk, *bdf = NULL, *prev = NULL;
	size_t disk_len = 0, bdf_len = 0, prev_len = 0;

	if (depth > STORAGE_MAX_DEPTH) {
		host_problem(
		    h, "storage", "block device '%s': stacked too deep", name);
		return;
	}
	if (walk_lower(h, r, name, "slaves", depth, sink) ||
	    walk_lower(h, r, name, "multipath", depth, sink))
		return;

	devpath = block_devpath(r, name);
	if (devpath == NULL && hint != NULL)
		devpath = xstrdup(hint);
	if (devpath == NULL) {
		host_problem(h, "storage",
		    "block device '%s' not found in '/sys/class/block' or "
		    "'/sys/block'",
		    name);
		return;
	}
	/* the controller is the last PCI address before the device itself */
	for (p = devpath; *p != '\0';) {
		size_t len = strcspn(p, "/");

		if (len > 0 && p[len] != '\0') {
			if (pci_addr_is_component(p, len)) {
				bdf = p;
				bdf_len = len;
			}
			prev = p;
			prev_len = len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	/* a partition's directory sits inside its disk's: walk the disk */
	disk = last_component(devpath, &disk_len);
	if (prev != NULL && !is_disk(r, disk, disk_len) &&
	    is_disk(r, prev, prev_len)) {
		char *whole = xstrndup(prev, prev_len);

		walk_block(h, r, whole, NULL, NULL, depth + 1, sink);
		free(whole);
		free(devpath);
		return;
	}
	if (head != NULL) {
		disk = head;
		disk_len = strlen(head);
	}
	if (bdf == NULL)
		host_problem(h, "storage",
		    "disk '%.*s' is not on a pci controller ('%s')",
		    (int)disk_len, disk, devpath);
	d = xstrndup(disk, disk_len);
	c = bdf != NULL ? xstrndup(bdf, bdf_len) : NULL;
	sink->found(sink, h, d, c);
	free(c);
	free(d);
	free(devpath);
}

void
storage_walk(struct host *h, const struct root *r, const char *name,
    struct block_sink *sink)
{
	walk_block(h, r, name, NULL, NULL, 0, sink);
}

char *
storage_dm_by_name(const struct root *r, const char *dm_name)
{
	char **blocks, *found = NULL;
	size_t n, i;

	if (root_listdir(r, "/sys/block", &blocks, &n) < 0)
		return NULL;
	for (i = 0; i < n && found == NULL; i++) {
		char *path, *s;

		if (!str_startswith(blocks[i], "dm-"))
			continue;
		path = xasprintf("/sys/block/%s/dm/name", blocks[i]);
		if (root_read_line(r, path, &s) == 0) {
			if (strcmp(s, dm_name) == 0)
				found = xstrdup(blocks[i]);
			free(s);
		}
		free(path);
	}
	strv_free(blocks, n);
	return found;
}

/*
 * The block device name of "/" when mounted from "/dev/root" (no initramfs):
 * major:minor from /proc/self/mountinfo, then /sys/dev/block/M:m.
 */
static char *
devroot_block(const struct root *r)
{
	char *text, *name = NULL, *majmin = NULL;
	const char *line;

	if (root_read(r, "/proc/self/mountinfo", &text, NULL) < 0)
		return NULL;
	for (line = text; *line != '\0';) {
		const char *p = line, *f[5];
		size_t len[5];
		int i;

		for (i = 0; i < 5; i++)
			if (!next_field(&p, &f[i], &len[i]))
				break;
		if (i == 5 && len[4] == 1 && f[4][0] == '/' && len[3] == 1 &&
		    f[3][0] == '/') {
			free(majmin);
			majmin = xstrndup(f[2], len[2]);
		}
		line += strcspn(line, "\n");
		if (*line == '\n')
			line++;
	}
	free(text);
	if (majmin != NULL) {
		char *path = xasprintf("/sys/dev/block/%s", majmin);

		if (root_readlink_base(r, path, &name) < 0)
			name = NULL;
		free(path);
		free(majmin);
	}
	return name;
}

char *
storage_source_block(struct host *h, const struct root *r, const char *source)
{
	char *name = NULL, *target;

	if (str_startswith(source, "/dev/mapper/")) {
		name = storage_dm_by_name(r, source + strlen("/dev/mapper/"));
		if (name == NULL && root_readlink_base(r, source, &name) < 0)
			name = NULL;
		return name;
	}
	if (strcmp(source, "/dev/root") == 0)
		return devroot_block(r);
	if (!str_startswith(source, "/dev/"))
		return NULL;
	/* /dev/disk/by-uuid/..., /dev/pve/root: udev links to the node */
	if (root_readlink(r, source, &target) == 0) {
		size_t len;
		const char *base = last_component(target, &len);

		name = xstrndup(base, len);
		free(target);
		return name;
	}
	name = xstrdup(source + strlen("/dev/"));
	if (strchr(name, '/') != NULL) {
		host_problem(h, "storage",
		    "mount source '%s' is not a block device node", source);
		free(name);
		name = NULL;
	}
	return name;
}

/* The root's sink: every disk, and its controller, is the root's. */
static void
root_found(struct block_sink *sink, struct host *h, const char *disk,
    const char *controller)
{
	struct host_storage *st = &h->storage;

	(void)sink;
	add_unique(&st->root_disks, &st->n_root_disks, disk, strlen(disk));
	if (controller != NULL)
		add_unique(&st->root_controllers, &st->n_root_controllers,
		    controller, strlen(controller));
}

/* Follow "/" to its disks; the reason it cannot be followed otherwise. */
static void
follow_root(struct host *h, const struct root *r, const struct mount_ent *m)
{
	struct block_sink sink = {root_found};
	char *name, **members, *unknown;
	size_t n, i;

	if (strcmp(m->fstype, "zfs") == 0) {
		char *pool = xstrndup(m->source, strcspn(m->source, "/"));

		storage_zpool_members(r, pool, &members, &n);
		for (i = 0; i < n; i++)
			storage_walk(h, r, members[i], &sink);
		if (n == 0) {
			host_problem(h, "storage",
			    "root on zfs pool '%s': controllers unknown", pool);
			unknown = xasprintf("root on zfs pool '%s'", pool);
			ARRAY_PUSH(
			    h->storage.unknown, h->storage.n_unknown, unknown);
		}
		strv_free(members, n);
		free(pool);
		return;
	}
	name = storage_source_block(h, r, m->source);
	if (name == NULL) {
		host_problem(h, "storage",
		    "root source '%s' (%s): controllers unknown", m->source,
		    m->fstype);
		unknown = xasprintf("root on '%s'", m->source);
		ARRAY_PUSH(h->storage.unknown, h->storage.n_unknown, unknown);
		return;
	}
	storage_walk(h, r, name, &sink);
	free(name);
}

void
probe_storage(struct host *h, const struct root *r)
{
	struct mount_ent *mounts;
	const struct mount_ent *m;
	size_t n;
	int err;

	err = storage_read_mounts(r, &mounts, &n);
	if (err < 0) {
		host_problem(h, "storage", "cannot read '/proc/mounts': %s",
		    strerror(-err));
		ARRAY_PUSH(h->storage.unknown, h->storage.n_unknown,
		    xstrdup("root (no '/proc/mounts')"));
		return;
	}
	if ((m = root_mount(mounts, n)) == NULL) {
		host_problem(h, "storage", "no '/' in '/proc/mounts'");
		ARRAY_PUSH(h->storage.unknown, h->storage.n_unknown,
		    xstrdup("root (no '/' in '/proc/mounts')"));
	} else
		follow_root(h, r, m);
	probe_pve_storage(h, r, mounts, n);
	storage_free_mounts(mounts, n);
}
