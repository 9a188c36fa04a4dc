/*
 * storage_pve.c: the PCI controllers behind the Proxmox VE storages the
 * host uses, so that the guard can refuse to pass one through.
 *
 * /etc/pve/storage.cfg is read as PVE::SectionConfig (proxmox/pve-common)
 * reads it: a "TYPE: ID" line opens a section, its options follow as
 * indented "KEY [VALUE]" lines until an empty line, '#' lines are comments
 * anywhere. A section counts when it is enabled (no "disable") and, with a
 * "nodes" list, names this node. Then, by type (proxmox/pve-storage):
 *   - dir and btrfs: "path" lies on the mount with the longest matching
 *     mount point in /proc/mounts; with is_mountpoint, a storage whose mount
 *     point is not mounted is not in use. A path on "/" is the root's; a
 *     mount of a /dev node is followed down the block layer, a zfs dataset
 *     to its pool; other sources (nfs, tmpfs, fuse) are no local disk;
 *   - lvm and lvmthin: "vgname" is followed through its active logical
 *     volumes (the dm-N whose dm/name is "<vg>-<lv>", '-' doubled inside
 *     names, as lvm's dm names are built) and their slaves; with none
 *     active, the physical volumes that /etc/lvm/backup/<vg> names as
 *     'device = "/dev/..."' hints;
 *   - zfspool: the pool of "pool" ("rpool/data" is in "rpool") is followed
 *     to its member devices through udev's database;
 *   - nfs, cifs, cephfs, glusterfs, rbd, iscsi, pbs and the rest are no
 *     local disk.
 * A storage in use whose disks cannot be found is a problem and is listed
 * in host->storage.unknown: the guard then fails closed.
 */
#include "vfio-wizard/root.h"
#include "storage_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One storage.cfg section: its type, id and options. */
struct pve_storage {
	char *type, *id;
	char **keys, **values; /* value "" for a flag such as "disable" */
	size_t n;
};

static void
storage_free(struct pve_storage *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].type);
		free(s[i].id);
		strv_free(s[i].keys, s[i].n);
		strv_free(s[i].values, s[i].n);
	}
	free(s);
}

static const char *
opt(const struct pve_storage *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return s->values[i];
	return NULL;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Parse a section header "TYPE: ID" (only white space after ID). */
static bool
parse_header(const char *l, size_t len, struct pve_storage *s)
{
	size_t t = 0, i, id;

	while (t < len && !is_blank(l[t]) && l[t] != ':')
		t++;
	if (t == 0 || t >= len || l[t] != ':')
		return false;
	for (i = t + 1; i < len && is_blank(l[i]); i++)
		;
	for (id = i; i < len && !is_blank(l[i]); i++)
		;
	if (i == id)
		return false;
	s->type = xstrndup(l, t);
	s->id = xstrndup(l + id, i - id);
	for (; i < len; i++)
		if (!is_blank(l[i])) {
			free(s->type);
			free(s->id);
			return false;
		}
	return true;
}

/* An option line "\tKEY [VALUE]" into the current section. */
static bool
parse_option(const char *l, size_t len, struct pve_storage *s)
{
	size_t k, ke, v;

	for (k = 0; k < len && is_blank(l[k]); k++)
		;
	if (k == 0 || k == len)
		return false;
	for (ke = k; ke < len && !is_blank(l[ke]); ke++)
		;
	for (v = ke; v < len && is_blank(l[v]); v++)
		;
	while (len > v && is_blank(l[len - 1]))
		len--;
	ARRAY_PUSH(s->keys, s->n, xstrndup(l + k, ke - k));
	s->n--;
	ARRAY_PUSH(s->values, s->n, xstrndup(l + v, len - v));
	return true;
}

/* Read /etc/pve/storage.cfg; lines PVE would ignore are problems. */
static int
read_storage_cfg(
    struct host *h, const struct root *r, struct pve_storage **out, size_t *n)
{
	const char *path = "/etc/pve/storage.cfg", *line;
	struct pve_storage *cur = NULL;
	unsigned lineno = 0;
	char *text;
	int err;

	*out = NULL;
	*n = 0;
	if ((err = root_read(r, path, &text, NULL)) < 0)
		return err;
	for (line = text; *line != '\0';) {
		size_t len = strcspn(line, "\n"), ws = strspn(line, " \t\r");

		lineno++;
		if (ws < len && line[ws] == '#') {
			/* a comment, wherever it is */
		} else if (len == 0) {
			cur = NULL;
		} else if (cur != NULL) {
			if (!parse_option(line, len, cur))
				host_problem(h, "storage",
				    "'%s:%u': ignored line in storage '%s'",
				    path, lineno, cur->id);
		} else {
			struct pve_storage s;

			memset(&s, 0, sizeof s);
			if (parse_header(line, len, &s)) {
				ARRAY_PUSH(*out, *n, s);
				cur = &(*out)[*n - 1];
			} else if (ws < len)
				host_problem(h, "storage",
				    "'%s:%u': ignored line '%.*s'", path,
				    lineno, (int)len, line);
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	free(text);
	return 0;
}

/* A storage the host uses: enabled, and for this node. */
static bool
in_use(const struct host *h, const struct pve_storage *s)
{
	const char *d = opt(s, "disable"), *nodes = opt(s, "nodes");

	if (d != NULL && strcmp(d, "0") != 0)
		return false;
	if (nodes != NULL && h->hostname != NULL) {
		/* the node name is the short host name */
		size_t nl = strcspn(h->hostname, ".");
		const char *p;

		for (p = nodes; *p != '\0';) {
			size_t len = strcspn(p, ", ");

			if (len == nl && strncmp(p, h->hostname, nl) == 0)
				return true;
			p += len;
			p += strspn(p, ", ");
		}
		return false;
	}
	return true;
}

struct pve_sink {
	struct block_sink base;
	const struct pve_storage *s;
	const char *what;
	size_t found;
};

/* A Proxmox storage's sink: each controller once per storage. */
static void
pve_found(struct block_sink *base, struct host *h, const char *disk,
    const char *controller)
{
	struct pve_sink *ps = (struct pve_sink *)base;
	struct host_storage *st = &h->storage;
	struct storage_controller c;
	size_t i;

	ps->found++;
	if (controller == NULL)
		return;
	for (i = 0; i < st->n_storage_controllers; i++)
		if (strcmp(st->storage_controllers[i].address, controller) ==
			0 &&
		    strcmp(st->storage_controllers[i].storage, ps->s->id) == 0)
			return;
	c.address = xstrdup(controller);
	c.storage = xstrdup(ps->s->id);
	c.type = xstrdup(ps->s->type);
	c.what = xstrdup(ps->what);
	c.disk = xstrdup(disk);
	ARRAY_PUSH(st->storage_controllers, st->n_storage_controllers, c);
}

static void
unknown(struct host *h, const struct pve_storage *s, const char *what,
    const char *why)
{
	host_problem(h, "storage",
	    "storage '%s' (%s %s): %s: controllers "
	    "unknown",
	    s->id, s->type, what, why);
	ARRAY_PUSH(h->storage.unknown, h->storage.n_unknown,
	    xasprintf("storage '%s' (%s %s)", s->id, s->type, what));
}

/* True when one line of text is exactly want. */
static bool
has_line(const char *text, const char *want)
{
	size_t wl = strlen(want);
	const char *p;

	for (p = text; *p != '\0';) {
		size_t len = strcspn(p, "\n");

		if (len == wl && strncmp(p, want, wl) == 0)
			return true;
		p += len;
		if (*p == '\n')
			p++;
	}
	return false;
}

void
storage_zpool_members(
    const struct root *r, const char *pool, char ***names, size_t *n)
{
	char **ents;
	size_t ne, i;

	*names = NULL;
	*n = 0;
	if (root_listdir(r, "/run/udev/data", &ents, &ne) < 0)
		return;
	for (i = 0; i < ne; i++) {
		char *path, *text, *label, *link, *name;
		bool member;

		if (ents[i][0] != 'b')
			continue;
		path = xasprintf("/run/udev/data/%s", ents[i]);
		if (root_read(r, path, &text, NULL) < 0) {
			free(path);
			continue;
		}
		label = xasprintf("E:ID_FS_LABEL=%s", pool);
		member = has_line(text, "E:ID_FS_TYPE=zfs_member") &&
			 has_line(text, label);
		if (member) {
			link = xasprintf("/sys/dev/block/%s", ents[i] + 1);
			if (root_readlink_base(r, link, &name) == 0)
				ARRAY_PUSH(*names, *n, name);
			free(link);
		}
		free(label);
		free(text);
		free(path);
	}
	strv_free(ents, ne);
}

static void
follow_pool(struct host *h, const struct root *r, struct pve_sink *ps,
    const char *dataset)
{
	char *pool = xstrndup(dataset, strcspn(dataset, "/")), **m;
	size_t n, i;

	storage_zpool_members(r, pool, &m, &n);
	for (i = 0; i < n; i++)
		storage_walk(h, r, m[i], &ps->base);
	if (n == 0) {
		char *why = xasprintf("no member of zfs pool '%s' in "
				      "'/run/udev/data'",
		    pool);

		unknown(h, ps->s, ps->what, why);
		free(why);
	}
	strv_free(m, n);
	free(pool);
}

/* The volume group of a device-mapper name "vg-lv" ("a--b-c": "a-b"). */
static char *
dm_vg(const char *dm)
{
	char *vg = xmalloc(strlen(dm) + 1), *o = vg;
	const char *p;

	for (p = dm; *p != '\0'; p++) {
		if (*p == '-' && p[1] == '-')
			*o++ = *p++;
		else if (*p == '-')
			break;
		else
			*o++ = *p;
	}
	*o = '\0';
	if (*p != '-') {
		free(vg);
		return NULL;
	}
	return vg;
}

/* The active logical volumes of a volume group, walked. */
static size_t
follow_vg_active(struct host *h, const struct root *r, struct pve_sink *ps,
    const char *vgname)
{
	char **blocks;
	size_t n, i, walked = 0;

	if (root_listdir(r, "/sys/block", &blocks, &n) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		char *path, *dm = NULL, *uuid = NULL, *vg = NULL;

		if (!str_startswith(blocks[i], "dm-"))
			continue;
		path = xasprintf("/sys/block/%s/dm/name", blocks[i]);
		if (root_read_line(r, path, &dm) == 0 &&
		    (vg = dm_vg(dm)) != NULL && strcmp(vg, vgname) == 0) {
			free(path);
			path = xasprintf("/sys/block/%s/dm/uuid", blocks[i]);
			if (root_read_line(r, path, &uuid) < 0 ||
			    str_startswith(uuid, "LVM-")) {
				storage_walk(h, r, blocks[i], &ps->base);
				walked++;
			}
		}
		free(vg);
		free(uuid);
		free(dm);
		free(path);
	}
	strv_free(blocks, n);
	return walked;
}

/* The physical volumes an LVM metadata backup names as device hints. */
static size_t
follow_vg_backup(struct host *h, const struct root *r, struct pve_sink *ps,
    const char *vgname)
{
	char *path = xasprintf("/etc/lvm/backup/%s", vgname), *text;
	const char *p;
	size_t walked = 0;

	if (root_read(r, path, &text, NULL) < 0) {
		free(path);
		return 0;
	}
	for (p = text; (p = strstr(p, "device = \"")) != NULL;) {
		char *dev, *name;

		p += strlen("device = \"");
		dev = xstrndup(p, strcspn(p, "\"\n"));
		if ((name = storage_source_block(h, r, dev)) != NULL) {
			storage_walk(h, r, name, &ps->base);
			walked++;
			free(name);
		}
		free(dev);
	}
	free(text);
	free(path);
	return walked;
}

static void
follow_vg(struct host *h, const struct root *r, struct pve_sink *ps,
    const char *vgname)
{
	if (follow_vg_active(h, r, ps, vgname) > 0 ||
	    follow_vg_backup(h, r, ps, vgname) > 0)
		return;
	unknown(h, ps->s, ps->what,
	    "no active logical volume in '/sys/block' and no "
	    "'/etc/lvm/backup' entry");
}

/* The mount whose mount point holds path (the longest prefix), or NULL. */
static const struct mount_ent *
mount_of(const char *path, const struct mount_ent *m, size_t n)
{
	const struct mount_ent *best = NULL;
	size_t i, blen = 0;

	for (i = 0; i < n; i++) {
		size_t tl = strlen(m[i].target);

		if (strcmp(m[i].target, "/") == 0)
			tl = 0;
		else if (strncmp(path, m[i].target, tl) != 0 ||
			 (path[tl] != '/' && path[tl] != '\0'))
			continue;
		if (best == NULL || tl >= blen) {
			best = &m[i];
			blen = tl;
		}
	}
	return best;
}

static bool
is_true(const char *v)
{
	return strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 ||
	       strcmp(v, "on") == 0 || strcmp(v, "true") == 0;
}

/* A directory storage: the mount its path lies on. */
static void
follow_dir(struct host *h, const struct root *r, struct pve_sink *ps,
    const char *path, const struct mount_ent *mounts, size_t n)
{
	const char *ismp = opt(ps->s, "is_mountpoint");
	const struct mount_ent *m;
	char *name;

	if (ismp != NULL && *ismp != '\0' && strcmp(ismp, "0") != 0 &&
	    strcmp(ismp, "no") != 0) {
		const char *mp = ismp[0] == '/' ? ismp : path;

		m = mount_of(mp, mounts, n);
		if (!is_true(ismp) && ismp[0] != '/')
			m = NULL;
		if (m == NULL || strcmp(m->target, mp) != 0)
			return; /* not mounted: Proxmox does not use it */
	}
	m = mount_of(path, mounts, n);
	if (m == NULL || strcmp(m->target, "/") == 0)
		return; /* on the root filesystem: the root's controllers */
	if (strcmp(m->fstype, "zfs") == 0) {
		follow_pool(h, r, ps, m->source);
		return;
	}
	if (!str_startswith(m->source, "/dev/"))
		return; /* nfs, cifs, tmpfs, fuse: no local disk */
	if ((name = storage_source_block(h, r, m->source)) == NULL) {
		char *why = xasprintf("mount source '%s' not found in "
				      "'/sys/block'",
		    m->source);

		unknown(h, ps->s, ps->what, why);
		free(why);
		return;
	}
	storage_walk(h, r, name, &ps->base);
	free(name);
}

static void
follow_storage(struct host *h, const struct root *r,
    const struct pve_storage *s, const struct mount_ent *mounts, size_t n)
{
	struct pve_sink ps = {{pve_found}, s, NULL, 0};
	const char *t = s->type, *v;
	char *what = NULL;

	if (strcmp(t, "dir") == 0 || strcmp(t, "btrfs") == 0) {
		if ((v = opt(s, "path")) == NULL || v[0] != '/')
			return;
		ps.what = what = xasprintf("'%s'", v);
		follow_dir(h, r, &ps, v, mounts, n);
	} else if (strcmp(t, "lvm") == 0 || strcmp(t, "lvmthin") == 0) {
		if ((v = opt(s, "vgname")) == NULL)
			return;
		ps.what = what = xasprintf("vg '%s'", v);
		follow_vg(h, r, &ps, v);
	} else if (strcmp(t, "zfspool") == 0) {
		if ((v = opt(s, "pool")) == NULL)
			return;
		ps.what = what = xasprintf("pool '%s'", v);
		follow_pool(h, r, &ps, v);
	}
	free(what);
}

void
probe_pve_storage(struct host *h, const struct root *r,
    const struct mount_ent *mounts, size_t n_mounts)
{
	struct pve_storage *s;
	size_t n, i;
	int err;

	err = read_storage_cfg(h, r, &s, &n);
	if (err == -ENOENT)
		return; /* no Proxmox VE, or no storage configured */
	if (err < 0) {
		host_problem(h, "storage",
		    "cannot read '/etc/pve/storage.cfg': "
		    "%s",
		    strerror(-err));
		ARRAY_PUSH(h->storage.unknown, h->storage.n_unknown,
		    xstrdup("the storages of '/etc/pve/storage.cfg'"));
		return;
	}
	for (i = 0; i < n; i++)
		if (in_use(h, &s[i]))
			follow_storage(h, r, &s[i], mounts, n_mounts);
	storage_free(s, n);
}
