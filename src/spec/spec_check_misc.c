/*
 * spec_check_misc.c: the rules for disks (names, controllers, partitions,
 * device-mapper slaves, and the sysfs path and device numbers each gets),
 * /proc/mounts lines, Proxmox VE (VM ids, running VMs) and the verbatim
 * files and symlinks (absolute, normalised paths; none in the parts of
 * /proc and /sys the generator writes; relative link targets that stay in
 * the tree).
 */
#include "spec_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

enum bkind { BK_ATA, BK_NVME, BK_VIRTIO, BK_VIRTUAL, BK_DM };

static bool
only(const char *s, const char *set)
{
	return *s != '\0' && strspn(s, set) == strlen(s);
}

static int
block_kind(const char *name, enum bkind *k, unsigned *major)
{
	static const struct {
		const char *prefix;
		enum bkind kind;
		unsigned major;
	} kinds[] = {
	    {"sd", BK_ATA, 8},
	    {"sr", BK_ATA, 11},
	    {"nvme", BK_NVME, 259},
	    {"vd", BK_VIRTIO, 252},
	    {"dm-", BK_DM, 253},
	    {"md", BK_VIRTUAL, 9},
	    {"loop", BK_VIRTUAL, 7},
	    {"zd", BK_VIRTUAL, 230},
	    {"zram", BK_VIRTUAL, 251},
	};
	size_t i;

	for (i = 0; i < nitems(kinds); i++)
		if (str_startswith(name, kinds[i].prefix)) {
			*k = kinds[i].kind;
			*major = kinds[i].major;
			return 0;
		}
	return -EINVAL;
}

/* The partition number of part on disk, or 0 when it is not one. */
static unsigned
part_number(const char *disk, const char *part)
{
	size_t dl = strlen(disk);
	const char *p = part + dl;

	if (strncmp(disk, part, dl) != 0)
		return 0;
	if (dl > 0 && disk[dl - 1] >= '0' && disk[dl - 1] <= '9') {
		if (*p != 'p')
			return 0;
		p++;
	}
	if (!only(p, DIGIT) || *p == '0' || strlen(p) > 3)
		return 0;
	return (unsigned)atoi(p);
}

static bool
name_taken(const struct host_spec *s, size_t upto, const char *name)
{
	size_t i, j;

	for (i = 0; i <= upto && i < s->n_block; i++) {
		const struct spec_block *b = &s->block[i];

		if (i < upto && strcmp(b->name, name) == 0)
			return true;
		for (j = 0; j < b->n_partitions; j++)
			if (b->partitions[j] != name &&
			    strcmp(b->partitions[j], name) == 0)
				return true;
	}
	return false;
}

static int
check_controller(
    struct host_spec *s, struct spec_block *b, enum bkind kind, char **cause)
{
	const struct spec_pci *c;

	if (kind == BK_DM || kind == BK_VIRTUAL) {
		if (b->controller != NULL)
			return spec_error(s, &b->mark, cause,
			    "'%s' is a virtual device and has no 'controller'",
			    b->name);
		return 0;
	}
	if (b->controller == NULL)
		return spec_error(s, &b->mark, cause,
		    "disk '%s' needs 'controller'", b->name);
	b->ctrl_idx = spec_find_pci(s, b->controller);
	if (b->ctrl_idx < 0)
		return spec_error(s, &b->mark, cause,
		    "controller '%s' of '%s' is not listed", b->controller,
		    b->name);
	c = &s->pci[b->ctrl_idx];
	if (kind == BK_VIRTIO
		? c->vendor != 0x1af4
		: (c->class_code >> 16) != 0x01 ||
		      ((c->class_code >> 8) == 0x0108) != (kind == BK_NVME))
		return spec_error(s, &b->mark, cause,
		    "'%s' cannot be the controller of '%s' (class %06x)",
		    c->addr, b->name, c->class_code);
	return 0;
}

/* SCSI host numbers: one per ATA port, one per other controller. */
struct scsi_hosts {
	int *host;	   /* per PCI device, -1 when none yet */
	unsigned *targets; /* disks seen per PCI device */
	unsigned next;
};

/* The index of a virtio PCI device among the virtio devices, as probed. */
static unsigned
virtio_index(const struct host_spec *s, long idx)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < s->n_pci && (long)s->pci_order[i] != idx; i++)
		n += s->pci[s->pci_order[i]].vendor == 0x1af4;
	return n;
}

/*
 * An sd/sr disk's directory: a SATA or IDE disk gets an ATA port and SCSI
 * host of its own; on virtio-scsi and other SCSI, SAS or RAID controllers
 * the disks are targets of the controller's one host.
 */
static char *
scsi_dir(const struct host_spec *s, const struct spec_block *b,
    struct scsi_hosts *sh)
{
	const struct spec_pci *c = &s->pci[b->ctrl_idx];
	unsigned sub = (c->class_code >> 8) & 0xff, h, t;

	if (c->vendor != 0x1af4 && (sub == 0x06 || sub == 0x01)) {
		h = sh->next++;
		return xasprintf(
		    "%s/ata%u/host%u/target%u:0:0/%u:0:0:0/block/%s", c->sysdir,
		    h + 1, h, h, h, b->name);
	}
	if (sh->host[b->ctrl_idx] == 0)
		sh->host[b->ctrl_idx] = (int)++sh->next;
	h = (unsigned)sh->host[b->ctrl_idx] - 1;
	t = sh->targets[b->ctrl_idx]++;
	if (c->vendor == 0x1af4)
		return xasprintf(
		    "%s/virtio%u/host%u/target%u:0:%u/%u:0:%u:0/block/%s",
		    c->sysdir, virtio_index(s, b->ctrl_idx), h, h, t, h, t,
		    b->name);
	return xasprintf("%s/host%u/target%u:0:%u/%u:0:%u:0/block/%s",
	    c->sysdir, h, h, t, h, t, b->name);
}

static int
check_disks(struct host_spec *s, struct scsi_hosts *sh, char **cause)
{
	unsigned sd = 0, sr = 0, vd = 0, nvme_minor = 0;
	size_t i, j;
	int err;

	for (i = 0; i < s->n_block; i++) {
		struct spec_block *b = &s->block[i];
		const struct spec_pci *c;
		enum bkind kind;
		unsigned x = 0, n = 0;

		if (!only(b->name, LOWER DIGIT "-") ||
		    block_kind(b->name, &kind, &b->major) < 0)
			return spec_error(s, &b->mark, cause,
			    "block device name '%s' is not sd*, sr*, nvme*, "
			    "vd*, dm-*, md*, loop*, zd* or zram*",
			    b->name);
		if (name_taken(s, i, b->name))
			return spec_error(s, &b->mark, cause,
			    "block device '%s' is listed twice", b->name);
		if ((b->dm_name != NULL) != (kind == BK_DM) ||
		    (b->n_slaves > 0 && kind != BK_DM))
			return spec_error(s, &b->mark, cause,
			    "'%s': dm-N devices need 'dm_name' (and may have "
			    "'slaves'); others have neither",
			    b->name);
		if (b->dm_name != NULL &&
		    !only(b->dm_name, LOWER UPPER DIGIT "_.+-"))
			return spec_error(s, &b->mark, cause,
			    "dm_name '%s' is odd", b->dm_name);
		if ((err = check_controller(s, b, kind, cause)) < 0)
			return err;
		c = b->ctrl_idx >= 0 ? &s->pci[b->ctrl_idx] : NULL;
		switch (kind) {
		case BK_ATA:
			b->minor = b->major == 8 ? 16 * sd++ : sr++;
			b->sysdir = scsi_dir(s, b, sh);
			break;
		case BK_NVME:
			if (sscanf(b->name, "nvme%un%u", &x, &n) != 2)
				return spec_error(s, &b->mark, cause,
				    "nvme disk '%s' must be named nvmeXnY",
				    b->name);
			b->minor = nvme_minor++;
			b->sysdir = xasprintf(
			    "%s/nvme/nvme%u/%s", c->sysdir, x, b->name);
			break;
		case BK_VIRTIO:
			b->minor = 16 * vd++;
			b->sysdir = xasprintf("%s/virtio%u/block/%s", c->sysdir,
			    virtio_index(s, b->ctrl_idx), b->name);
			break;
		case BK_DM:
			if (sscanf(b->name, "dm-%u", &x) != 1)
				return spec_error(s, &b->mark, cause,
				    "'%s' must be named dm-N", b->name);
			b->minor = x;
			/* fall through */
		case BK_VIRTUAL:
			if (kind == BK_VIRTUAL)
				b->minor = b->major == 230 ? 16 * i : i;
			b->sysdir =
			    xasprintf("/sys/devices/virtual/block/%s", b->name);
			break;
		}
		b->part_num = xcalloc(b->n_partitions + 1, sizeof(unsigned));
		b->part_minor = xcalloc(b->n_partitions + 1, sizeof(unsigned));
		for (j = 0; j < b->n_partitions; j++) {
			const char *p = b->partitions[j];

			b->part_num[j] = part_number(b->name, p);
			if (b->part_num[j] == 0 || name_taken(s, i, p))
				return spec_error(s, &b->mark, cause,
				    "partition '%s' of '%s' is named wrongly "
				    "or twice",
				    p, b->name);
			b->part_minor[j] = kind == BK_NVME
					       ? nvme_minor++
					       : b->minor + b->part_num[j];
		}
	}
	return 0;
}

static int
check_block(struct host_spec *s, char **cause)
{
	struct scsi_hosts sh = {0};
	size_t i, j;
	int err;

	sh.host = xcalloc(s->n_pci + 1, sizeof *sh.host);
	sh.targets = xcalloc(s->n_pci + 1, sizeof *sh.targets);
	err = check_disks(s, &sh, cause);
	free(sh.host);
	free(sh.targets);
	if (err < 0)
		return err;
	for (i = 0; i < s->n_block; i++)
		for (j = 0; j < s->block[i].n_slaves; j++)
			if (!name_taken(s, s->n_block, s->block[i].slaves[j]))
				return spec_error(s, &s->block[i].mark, cause,
				    "slave '%s' of '%s' is not listed",
				    s->block[i].slaves[j], s->block[i].name);
	return 0;
}

static int
check_pve(struct host_spec *s, char **cause)
{
	struct spec_pve *p = &s->pve;
	size_t i, j;

	if (!s->has_pve)
		return 0;
	if (s->hostname == NULL)
		return spec_error(s, &p->mark, cause,
		    "'pve' needs 'hostname' (the node name)");
	if (!only(p->version, DIGIT ".-~+") || p->version[0] == '.')
		return spec_error(s, &p->mark, cause,
		    "pve version '%s' must look like 8.1.4", p->version);
	for (i = 0; i < p->n_vms; i++)
		for (j = 0; j < i; j++)
			if (p->vms[i].id == p->vms[j].id)
				return spec_error(s, &p->vms[i].mark, cause,
				    "vm %lu is listed twice", p->vms[i].id);
	for (i = 0; i < p->n_running; i++) {
		for (j = 0; j < p->n_vms; j++)
			if (p->vms[j].id == p->running[i])
				break;
		if (j == p->n_vms)
			return spec_error(s, &p->running_marks[i], cause,
			    "running vm %lu is not in 'vms'", p->running[i]);
		for (j = 0; j < i; j++)
			if (p->running[j] == p->running[i])
				return spec_error(s, &p->running_marks[i],
				    cause, "vm %lu is running twice",
				    p->running[i]);
	}
	return 0;
}

static int
check_mounts(struct host_spec *s, char **cause)
{
	size_t i;

	for (i = 0; i < s->n_mounts; i++) {
		const char *p = s->mounts[i];
		int fields = 0;

		while (*p != '\0') {
			p += strspn(p, " \t");
			if (*p == '\0')
				break;
			fields++;
			p += strcspn(p, " \t");
		}
		if (fields < 4 || fields > 6 || strchr(s->mounts[i], '\n'))
			return spec_error(s, &s->mount_marks[i], cause,
			    "mount '%s' must be 'device mountpoint fstype "
			    "options [0 0]'",
			    s->mounts[i]);
	}
	return 0;
}

/* Absolute, no empty, "." or ".." components, no trailing slash. */
static bool
path_ok(const char *p)
{
	const char *c;

	if (p[0] != '/' || p[1] == '\0')
		return false;
	for (c = p + 1; *c != '\0';) {
		size_t len = strcspn(c, "/");

		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += len;
		if (*c == '/')
			c++;
		if (*c == '\0' && c[-1] == '/')
			return false;
	}
	for (c = p; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

/* The parts of /proc and /sys that are generated from the spec. */
static bool
path_owned(const char *p)
{
	static const char *const owned[] = {"/proc/cpuinfo", "/proc/cmdline",
	    "/proc/modules", "/proc/mounts", "/proc/self",
	    "/proc/sys/kernel/osrelease", "/proc/sys/kernel/random",
	    "/sys/devices", "/sys/bus", "/sys/class", "/sys/kernel",
	    "/sys/firmware", "/sys/block", "/sys/dev", "/sys/module", NULL};
	size_t i;

	for (i = 0; owned[i] != NULL; i++) {
		size_t len = strlen(owned[i]);

		if (strncmp(p, owned[i], len) == 0 &&
		    (p[len] == '\0' || p[len] == '/'))
			return true;
	}
	/* /proc/<pid>: the running VMs' processes */
	return str_startswith(p, "/proc/") && strspn(p + 6, DIGIT) > 0 &&
	       (p[6 + strspn(p + 6, DIGIT)] == '/' ||
		   p[6 + strspn(p + 6, DIGIT)] == '\0');
}

/* A relative target that, resolved from the link's directory, stays in. */
static bool
target_ok(const char *link, const char *target)
{
	long depth = -1;
	const char *c;

	if (*target == '\0' || *target == '/')
		return false;
	for (c = link; *c != '\0'; c++)
		if (*c == '/')
			depth++;
	for (c = target; *c != '\0';) {
		size_t len = strcspn(c, "/");

		if (len == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (len > 0 && !(len == 1 && c[0] == '.'))
			depth++;
		c += len;
		if (*c == '/')
			c++;
	}
	return true;
}

static int
check_paths(struct host_spec *s, struct spec_kv *kv, size_t n, const char *what,
    char **cause)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p = kv[i].key;

		if (!path_ok(p))
			return spec_error(s, &kv[i].mark, cause,
			    "%s: '%s' must be an absolute, normalised path",
			    what, p);
		if (path_owned(p))
			return spec_error(s, &kv[i].mark, cause,
			    "%s: '%s' is generated from the spec; describe it "
			    "there instead",
			    what, p);
		if (what[0] == 's' && !target_ok(p, kv[i].value))
			return spec_error(s, &kv[i].mark, cause,
			    "symlinks: '%s' must point to a relative target "
			    "inside the tree, not '%s'",
			    p, kv[i].value);
	}
	return 0;
}

/*
 * packages: Debian package names (policy 5.6.1: lower case letters, digits,
 * "+-.", two or more, starting alphanumeric) with a version without white
 * space; pve-manager comes from the pve section. dirs: like files.
 */
static int
check_packages_dirs(struct host_spec *s, char **cause)
{
	size_t i, j;

	for (i = 0; i < s->n_packages; i++) {
		const char *n = s->packages[i].key, *v = s->packages[i].value;

		if (strlen(n) < 2 || !only(n, LOWER DIGIT "+-.") ||
		    !strchr(LOWER DIGIT, n[0]))
			return spec_error(s, &s->packages[i].mark, cause,
			    "packages: '%s' is not a Debian package name", n);
		if (*v == '\0' || v[strcspn(v, " \t\n")] != '\0')
			return spec_error(s, &s->packages[i].mark, cause,
			    "packages: the version of '%s' must be one word",
			    n);
		if (s->has_pve && strcmp(n, "pve-manager") == 0)
			return spec_error(s, &s->packages[i].mark, cause,
			    "packages: pve-manager comes from 'pve'");
		for (j = 0; j < i; j++)
			if (strcmp(n, s->packages[j].key) == 0)
				return spec_error(s, &s->packages[i].mark,
				    cause, "packages: '%s' is listed twice", n);
	}
	for (i = 0; i < s->n_dirs; i++) {
		if (!path_ok(s->dirs[i]))
			return spec_error(s, &s->dir_marks[i], cause,
			    "dirs: '%s' must be an absolute, normalised path",
			    s->dirs[i]);
		if (path_owned(s->dirs[i]))
			return spec_error(s, &s->dir_marks[i], cause,
			    "dirs: '%s' is generated from the spec; describe "
			    "it there instead",
			    s->dirs[i]);
	}
	return 0;
}

int
spec_check_misc(struct host_spec *s, char **cause)
{
	int err;

	if ((err = check_block(s, cause)) < 0 ||
	    (err = check_pve(s, cause)) < 0 ||
	    (err = check_mounts(s, cause)) < 0 ||
	    (err = check_packages_dirs(s, cause)) < 0 ||
	    (err = check_paths(s, s->files, s->n_files, "files", cause)) < 0)
		return err;
	return check_paths(s, s->symlinks, s->n_symlinks, "symlinks", cause);
}
