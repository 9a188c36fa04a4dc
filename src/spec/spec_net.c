/*
 * spec_net.c: network interfaces and ZFS pools in a host spec.
 *
 * A PCI entry's `netdev: eno1` is the interface its driver registered; the
 * top-level `net:` list adds the virtual ones Proxmox builds on them
 * (`{ name: vmbr0, kind: bridge, lower: [eno1] }`, kinds bridge, bond and
 * vlan). The tree shows them as the kernel does (net/core/net-sysfs.c,
 * dev.c, bridge/br_sysfs_*.c, bonding/bond_sysfs.c):
 * <pci dir>/net/<if>/ (virtio-net: <pci dir>/virtioN/net/<if>/) with a
 * `device` link for a NIC,
 * /sys/devices/virtual/net/<if>/ for lo and the virtual ones, each with
 * ifindex, address, mtu, type, operstate, flags, uevent; lower_<dev> and
 * upper_<dev> links between stacked interfaces; for a bridge or bond
 * `master` on each port or slave, a bridge's bridge/ and brif/<port> (->
 * the port's brport/), a bond's bonding/slaves; /sys/class/net/<if> links
 * to them all.
 *
 * The top-level `zpools:` map (`rpool: [nvme0n1p3]`) names the disks or
 * partitions that hold each pool; each member gets udev's database entry
 * /run/udev/data/b<major>:<minor> as udev's blkid builtin writes it for a
 * zfs_member (ID_FS_TYPE, ID_FS_LABEL = the pool, ID_FS_UUID = the pool
 * GUID in decimal, ID_FS_UUID_SUB = the vdev GUID).
 */
#include "spec_yaml.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"bridge", "bond", "vlan"};

static int
load_one_net(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"name", "kind", "lower", NULL};
	struct host_spec *s = ld->s;
	struct spec_net *e;
	struct ld_iter it = {0};
	yaml_node_t *v;
	char *kind = NULL;
	size_t i;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "net entry")) < 0)
		return err;
	s->net = xreallocarray(s->net, s->n_net + 1, sizeof *s->net);
	e = &s->net[s->n_net++];
	memset(e, 0, sizeof *e);
	e->mark = ld_mark(n);
	while (
	    err == 0 && (k = ld_next(ld, n, &it, keys, "net entry", &v)) > 0) {
		if (k == 1)
			err = ld_str(ld, v, "name", &e->name);
		else if (k == 2) {
			if ((err = ld_str(ld, v, "kind", &kind)) < 0)
				break;
			for (i = 0; i < nitems(kind_names); i++)
				if (strcmp(kind, kind_names[i]) == 0)
					break;
			if (i == nitems(kind_names))
				err = ld_err(ld, v,
				    "'kind' must be bridge, bond or vlan, not "
				    "'%s'",
				    kind);
			e->kind = (enum spec_net_kind)i;
			free(kind);
		} else
			err = ld_strlist(
			    ld, v, "lower", &e->lower, &e->n_lower, NULL);
	}
	if (err < 0 || k < 0)
		return err < 0 ? err : k;
	return ld_required(ld, n, &it, keys, 0x3, "net entry");
}

int
load_net(struct ld *ld, yaml_node_t *n)
{
	yaml_node_t *item;
	size_t i;
	int err;

	if ((err = ld_seq(ld, n, "net")) < 0)
		return err;
	for (i = 0; (item = ld_item(ld, n, i)) != NULL; i++)
		if ((err = load_one_net(ld, item)) < 0)
			return err;
	return 0;
}

int
load_zpools(struct ld *ld, yaml_node_t *n)
{
	struct host_spec *s = ld->s;
	struct ld_iter it = {0};
	const char *key;
	yaml_node_t *v;
	int r, err;

	if ((err = ld_map(ld, n, "zpools")) < 0)
		return err;
	while ((r = ld_next_any(ld, n, &it, "zpools", &key, &v)) > 0) {
		struct spec_zpool z = {.mark = ld_mark(it.key)};

		z.name = xstrdup(key);
		err = ld_strlist(ld, v, key, &z.members, &z.n_members, NULL);
		ARRAY_PUSH(s->zpools, s->n_zpools, z);
		if (err < 0)
			return err;
	}
	return r;
}

void
free_net(struct host_spec *s)
{
	size_t i;

	for (i = 0; i < s->n_pci; i++)
		free(s->pci[i].netdev);
	for (i = 0; i < s->n_net; i++) {
		free(s->net[i].name);
		strv_free(s->net[i].lower, s->net[i].n_lower);
	}
	free(s->net);
	for (i = 0; i < s->n_zpools; i++) {
		free(s->zpools[i].name);
		strv_free(s->zpools[i].members, s->zpools[i].n_members);
	}
	free(s->zpools);
}

/* An interface name the kernel accepts (dev_valid_name), "lo" aside. */
static bool
ifname_ok(const char *name)
{
	return *name != '\0' && strlen(name) < 16 && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strcmp(name, "lo") != 0 &&
	       strpbrk(name, "/: \t\n") == NULL;
}

/* The PCI entry whose netdev this is, or -1. */
static long
pci_of(const struct host_spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_pci; i++)
		if (s->pci[i].netdev != NULL &&
		    strcmp(s->pci[i].netdev, name) == 0)
			return (long)i;
	return -1;
}

static long
net_of(const struct host_spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_net; i++)
		if (strcmp(s->net[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* True when name lies below entry e (a loop when e is reached again). */
static bool
reaches(const struct host_spec *s, long e, const char *name, int depth)
{
	size_t i;
	long l;

	if (depth > 16)
		return true;
	for (i = 0; i < s->net[e].n_lower; i++) {
		if (strcmp(s->net[e].lower[i], name) == 0)
			return true;
		if ((l = net_of(s, s->net[e].lower[i])) >= 0 &&
		    reaches(s, l, name, depth + 1))
			return true;
	}
	return false;
}

static int
check_masters(struct host_spec *s, const char *name, const struct spec_mark *m,
    char **cause)
{
	size_t i, j, masters = 0;

	for (i = 0; i < s->n_net; i++)
		for (j = 0; j < s->net[i].n_lower; j++)
			masters += s->net[i].kind != NETK_VLAN &&
				   strcmp(s->net[i].lower[j], name) == 0;
	if (masters > 1)
		return spec_error(s, m, cause,
		    "interface '%s' is a port or slave of more than one bridge "
		    "or bond",
		    name);
	return 0;
}

/* Is name a disk or partition of block:, with its device numbers? */
static bool
block_numbers(const struct host_spec *s, const char *name, unsigned *major,
    unsigned *minor)
{
	size_t i, j;

	for (i = 0; i < s->n_block; i++) {
		const struct spec_block *b = &s->block[i];

		*major = b->major;
		if (strcmp(b->name, name) == 0) {
			*minor = b->minor;
			return true;
		}
		for (j = 0; j < b->n_partitions; j++)
			if (strcmp(b->partitions[j], name) == 0) {
				*minor = b->part_minor[j];
				return true;
			}
	}
	return false;
}

static int
check_zpools(struct host_spec *s, char **cause)
{
	unsigned ma, mi;
	size_t i, j, k, l;

	for (i = 0; i < s->n_zpools; i++) {
		const struct spec_zpool *z = &s->zpools[i];

		if (strspn(z->name, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_.:-") != strlen(z->name) ||
		    !((z->name[0] >= 'a' && z->name[0] <= 'z') ||
			(z->name[0] >= 'A' && z->name[0] <= 'Z')))
			return spec_error(s, &z->mark, cause,
			    "'%s' is not a zfs pool name", z->name);
		if (z->n_members == 0)
			return spec_error(s, &z->mark, cause,
			    "zfs pool '%s' has no members", z->name);
		for (j = 0; j < z->n_members; j++) {
			if (!block_numbers(s, z->members[j], &ma, &mi))
				return spec_error(s, &z->mark, cause,
				    "member '%s' of zfs pool '%s' is not a "
				    "listed disk or partition",
				    z->members[j], z->name);
			for (k = 0; k <= i; k++)
				for (l = 0; l < s->zpools[k].n_members &&
					    (k < i || l < j);
				     l++)
					if (strcmp(s->zpools[k].members[l],
						z->members[j]) == 0)
						return spec_error(s, &z->mark,
						    cause,
						    "'%s' is in a zfs pool "
						    "twice",
						    z->members[j]);
		}
	}
	return 0;
}

int
spec_check_net(struct host_spec *s, char **cause)
{
	size_t i, j;
	int err;

	for (i = 0; i < s->n_pci; i++) {
		const char *n = s->pci[i].netdev;

		if (n == NULL)
			continue;
		if (!ifname_ok(n))
			return spec_error(s, &s->pci[i].mark, cause,
			    "'%s' is not an interface name", n);
		if (pci_of(s, n) != (long)i || net_of(s, n) >= 0)
			return spec_error(s, &s->pci[i].mark, cause,
			    "interface '%s' is listed twice", n);
		if ((err = check_masters(s, n, &s->pci[i].mark, cause)) < 0)
			return err;
	}
	for (i = 0; i < s->n_net; i++) {
		struct spec_net *e = &s->net[i];

		if (!ifname_ok(e->name))
			return spec_error(s, &e->mark, cause,
			    "'%s' is not an interface name", e->name);
		if (net_of(s, e->name) != (long)i)
			return spec_error(s, &e->mark, cause,
			    "interface '%s' is listed twice", e->name);
		if ((e->kind == NETK_VLAN && e->n_lower != 1) ||
		    (e->kind == NETK_BOND && e->n_lower == 0))
			return spec_error(s, &e->mark, cause,
			    "'%s': a vlan needs one lower interface, a bond at "
			    "least one",
			    e->name);
		for (j = 0; j < e->n_lower; j++)
			if (pci_of(s, e->lower[j]) < 0 &&
			    net_of(s, e->lower[j]) < 0)
				return spec_error(s, &e->mark, cause,
				    "'%s': lower interface '%s' is not listed",
				    e->name, e->lower[j]);
		if (reaches(s, (long)i, e->name, 0))
			return spec_error(s, &e->mark, cause,
			    "'%s' lies below itself", e->name);
		if ((err = check_masters(s, e->name, &e->mark, cause)) < 0)
			return err;
	}
	return check_zpools(s, cause);
}

/* ---- the tree ---- */

/* The index of a virtio PCI device among the virtio devices, as probed. */
static unsigned
virtio_index(const struct host_spec *s, const struct spec_pci *d)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < s->n_pci && &s->pci[s->pci_order[i]] != d; i++)
		n += s->pci[s->pci_order[i]].vendor == 0x1af4;
	return n;
}

/* The device a NIC's interface hangs off: virtio-net's is virtioN. */
static char *
nic_device(const struct host_spec *s, const struct spec_pci *d)
{
	if (d->vendor == 0x1af4)
		return xasprintf("%s/virtio%u", d->sysdir, virtio_index(s, d));
	return xstrdup(d->sysdir);
}

/* Where an interface's directory is, and its ifindex (lo is 1). */
static char *
if_dir(const struct host_spec *s, const char *name, unsigned *ifindex)
{
	size_t i, idx = 2;

	for (i = 0; i < s->n_pci; i++) {
		const struct spec_pci *d = &s->pci[s->pci_order[i]];

		if (d->netdev == NULL)
			continue;
		if (strcmp(d->netdev, name) == 0) {
			char *dev = nic_device(s, d), *dir;

			*ifindex = (unsigned)idx;
			dir = xasprintf("%s/net/%s", dev, name);
			free(dev);
			return dir;
		}
		idx++;
	}
	for (i = 0; i < s->n_net; i++, idx++)
		if (strcmp(s->net[i].name, name) == 0) {
			*ifindex = (unsigned)idx;
			return xasprintf("/sys/devices/virtual/net/%s", name);
		}
	*ifindex = 1;
	return xasprintf("/sys/devices/virtual/net/%s", name);
}

static void put(struct tree *t, const char *dir, const char *name,
    const char *fmt, ...) VW_PRINTF(4, 5);

static void
put(struct tree *t, const char *dir, const char *name, const char *fmt, ...)
{
	char *path = xasprintf("%s/%s", dir, name), *text;
	va_list ap;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	tree_file(t, path, text, strlen(text), 0644);
	free(text);
	free(path);
}

static void
link_in(struct tree *t, const char *dir, const char *name, const char *target)
{
	char *path = xasprintf("%s/%s", dir, name);

	tree_rel_link(t, path, target);
	free(path);
}

/* The attributes every interface has; devtype NULL for a plain NIC. */
static void
gen_iface(const struct host_spec *s, struct tree *t, const char *name,
    const char *devtype)
{
	unsigned idx;
	char *dir = if_dir(s, name, &idx), *cls;
	uint64_t h = spec_hash(name, 0x6e6574);
	bool lo = idx == 1;

	put(t, dir, "ifindex", "%u\n", idx);
	put(t, dir, "iflink", "%u\n", idx);
	if (lo)
		put(t, dir, "address", "00:00:00:00:00:00\n");
	else
		put(t, dir, "address", "%02x:%02x:%02x:%02x:%02x:%02x\n",
		    (unsigned)(h & 0xfc), (unsigned)(h >> 8 & 0xff),
		    (unsigned)(h >> 16 & 0xff), (unsigned)(h >> 24 & 0xff),
		    (unsigned)(h >> 32 & 0xff), (unsigned)(h >> 40 & 0xff));
	put(t, dir, "addr_len", "6\n");
	put(t, dir, "mtu", "%u\n", lo ? 65536u : 1500u);
	put(t, dir, "type", "%u\n", lo ? 772u : 1u);
	put(t, dir, "flags", "%s\n", lo ? "0x9" : "0x1003");
	put(t, dir, "operstate", "%s\n", lo ? "unknown" : "up");
	put(t, dir, "carrier", "1\n");
	put(t, dir, "uevent", "%s%s%sINTERFACE=%s\nIFINDEX=%u\n",
	    devtype != NULL ? "DEVTYPE=" : "", devtype != NULL ? devtype : "",
	    devtype != NULL ? "\n" : "", name, idx);
	link_in(t, dir, "subsystem", "/sys/class/net");
	cls = xasprintf("/sys/class/net/%s", name);
	tree_rel_link(t, cls, dir);
	free(cls);
	free(dir);
}

/* A virtual interface stacked on its lower ones. */
static void
gen_virtual(const struct host_spec *s, struct tree *t, const struct spec_net *e)
{
	unsigned idx, lidx;
	char *dir = if_dir(s, e->name, &idx), *ldir, *name;
	struct strbuf slaves = STRBUF_INIT;
	size_t i;

	gen_iface(s, t, e->name, kind_names[e->kind]);
	if (e->kind == NETK_BRIDGE) {
		name = xasprintf("%s/bridge", dir);
		put(t, name, "stp_state", "0\n");
		put(t, name, "forward_delay", "0\n");
		put(t, name, "vlan_filtering", "0\n");
		free(name);
		name = xasprintf("%s/brif", dir);
		tree_dir(t, name);
		free(name);
	}
	for (i = 0; i < e->n_lower; i++) {
		ldir = if_dir(s, e->lower[i], &lidx);
		name = xasprintf("lower_%s", e->lower[i]);
		link_in(t, dir, name, ldir);
		free(name);
		name = xasprintf("upper_%s", e->name);
		link_in(t, ldir, name, dir);
		free(name);
		if (e->kind != NETK_VLAN)
			link_in(t, ldir, "master", dir);
		if (e->kind == NETK_BRIDGE) {
			char *bp = xasprintf("%s/brport", ldir);
			char *brif = xasprintf("%s/brif", dir);

			put(t, bp, "state", "3\n");
			link_in(t, bp, "bridge", dir);
			link_in(t, brif, e->lower[i], bp);
			free(brif);
			free(bp);
		} else if (e->kind == NETK_BOND) {
			char *bs = xasprintf("%s/bonding_slave", ldir);

			put(t, bs, "state", "active\n");
			free(bs);
			sb_addf(&slaves, "%s%s", i > 0 ? " " : "", e->lower[i]);
		}
		free(ldir);
	}
	if (e->kind == NETK_BOND) {
		name = xasprintf("%s/bonding", dir);
		put(t, name, "slaves", "%s\n", sb_str(&slaves));
		put(t, name, "mode", "active-backup 1\n");
		free(name);
	}
	sb_release(&slaves);
	free(dir);
}

void
gen_net(const struct host_spec *s, struct tree *t)
{
	size_t i;
	bool any = s->n_net > 0;

	for (i = 0; i < s->n_pci && !any; i++)
		any = s->pci[i].netdev != NULL;
	if (!any)
		return;
	gen_iface(s, t, "lo", NULL);
	for (i = 0; i < s->n_pci; i++) {
		const struct spec_pci *d = &s->pci[s->pci_order[i]];
		char *dir, *dev;
		unsigned idx;

		if (d->netdev == NULL)
			continue;
		gen_iface(s, t, d->netdev, NULL);
		dir = if_dir(s, d->netdev, &idx);
		dev = nic_device(s, d);
		link_in(t, dir, "device", dev);
		free(dev);
		free(dir);
	}
	for (i = 0; i < s->n_net; i++)
		gen_virtual(s, t, &s->net[i]);
}

void
gen_zpools(const struct host_spec *s, struct tree *t)
{
	size_t i, j;

	for (i = 0; i < s->n_zpools; i++) {
		const struct spec_zpool *z = &s->zpools[i];
		uint64_t pool = spec_hash(z->name, 0x7a706f6f6c);

		for (j = 0; j < z->n_members; j++) {
			uint64_t vdev = spec_hash(z->members[j], pool);
			unsigned ma = 0, mi = 0;
			char *path;

			block_numbers(s, z->members[j], &ma, &mi);
			path = xasprintf("/run/udev/data/b%u:%u", ma, mi);
			tree_filef(t, path,
			    "I:%" PRIu64 "\n"
			    "E:ID_FS_VERSION=5000\n"
			    "E:ID_FS_LABEL=%s\n"
			    "E:ID_FS_LABEL_ENC=%s\n"
			    "E:ID_FS_UUID=%" PRIu64 "\n"
			    "E:ID_FS_UUID_ENC=%" PRIu64 "\n"
			    "E:ID_FS_UUID_SUB=%" PRIu64 "\n"
			    "E:ID_FS_UUID_SUB_ENC=%" PRIu64 "\n"
			    "E:ID_FS_TYPE=zfs_member\n"
			    "E:ID_FS_USAGE=filesystem\n"
			    "G:systemd\n"
			    "Q:systemd\n"
			    "V:1\n",
			    (uint64_t)5000000 + (vdev & 0xffffff), z->name,
			    z->name, pool, pool, vdev, vdev);
			free(path);
		}
	}
}
