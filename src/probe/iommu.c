/*
 * iommu.c: the IOMMU probe. DMA remapping is active when /sys/class/iommu
 * lists units (dmar0, ivhd0): Proxmox's own check_iommu_support() test, and
 * Intel registers them only once translation is really on. The groups come
 * from /sys/kernel/iommu_groups/N/devices/ and N/type (sysfs ABI
 * sysfs-kernel-iommu_groups); each member is an index into host->pci, so
 * this probe runs after probe_pci, and sets each device's iommu_group (the
 * listing names every member; the devices' own iommu_group links would
 * cost a readlink each to say it again). The groups' directories are read
 * on threads while probe_pci runs (iommu_groups_start). /dev/vfio tells which
 * groups vfio has made a node for: the kernel creates /dev/vfio/<N> once every
 * device of group N is on vfio-pci or driverless (passthrough-facts section 4).
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/parallel.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GROUPS_DIR "/sys/kernel/iommu_groups"

/* Parse a group directory name: a non-negative decimal number, or -1. */
static int
group_id(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 0x7fffffff)
		return -1;
	return (int)v;
}

static int
cmp_groups(const void *a, const void *b)
{
	const struct iommu_group *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_index(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* One group as read on a worker thread: its type and member names. */
struct group_scan {
	const char *name; /* the directory's name, owned by the listing */
	char *type;
	char **devs;
	size_t n_devs;
	int err; /* listing devices/: 0 or -errno */
};

struct group_job {
	const struct root *r;
	int gfd; /* /sys/kernel/iommu_groups, held */
	struct group_scan *scans;
};

/*
 * Read one group relative to the held /sys/kernel/iommu_groups directory:
 * no host, no problems here (par_for's threads run it).
 */
static void
scan_group(const struct group_job *job, struct group_scan *gs)
{
	char *path, *type;

	path = xasprintf("%s/type", gs->name);
	if (root_read_line_in(job->r, job->gfd, GROUPS_DIR, path, &type) == 0) {
		if (*type != '\0')
			gs->type = type;
		else
			free(type);
	}
	free(path);
	path = xasprintf("%s/devices", gs->name);
	gs->err = root_listdir_in(
	    job->r, job->gfd, GROUPS_DIR, path, &gs->devs, &gs->n_devs);
	free(path);
}

static void
scan_groups(void *arg, size_t lo, size_t hi)
{
	struct group_job *job = arg;
	size_t i;

	for (i = lo; i < hi; i++)
		scan_group(job, &job->scans[i]);
}

/* Make a scanned group a host group: its members as host->pci indexes. */
static void
resolve_group(struct host *h, struct group_scan *gs, struct iommu_group *g)
{
	size_t i;

	g->type = gs->type;
	gs->type = NULL;
	if (gs->err < 0) {
		char *path = xasprintf(GROUPS_DIR "/%s/devices", gs->name);

		host_problem(h, "iommu", "cannot list '%s': %s", path,
		    strerror(-gs->err));
		free(path);
		return;
	}
	for (i = 0; i < gs->n_devs; i++) {
		const struct pci_device *d = host_pci_find(h, gs->devs[i]);
		size_t idx;

		if (d == NULL) {
			host_problem(h, "iommu",
			    "group %d lists '%s', which is not a probed pci "
			    "device",
			    g->id, gs->devs[i]);
			continue;
		}
		idx = (size_t)(d - h->pci);
		if (h->pci[idx].iommu_group < 0)
			h->pci[idx].iommu_group = g->id;
		else if (h->pci[idx].iommu_group != g->id)
			host_problem(h, "iommu",
			    "device '%s' is listed in groups %d and %d",
			    gs->devs[i], h->pci[idx].iommu_group, g->id);
		ARRAY_PUSH(g->devices, g->n_devices, idx);
	}
	strv_free(gs->devs, gs->n_devs);
	gs->devs = NULL;
	if (g->n_devices > 1)
		qsort(g->devices, g->n_devices, sizeof *g->devices, cmp_index);
}

static int
cmp_int(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The container node and the group nodes in /dev/vfio. */
static void
probe_dev_vfio(struct host *h, const struct root *r)
{
	struct host_iommu *io = &h->iommu;
	char **names;
	size_t n, i;
	int err, id;

	err = root_listdir(r, "/dev/vfio", &names, &n);
	if (err < 0) {
		if (err != -ENOENT)
			host_problem(h, "iommu", "cannot list '/dev/vfio': %s",
			    strerror(-err));
		return;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "vfio") == 0)
			io->dev_vfio = true;
		else if ((id = group_id(names[i])) >= 0)
			ARRAY_PUSH(io->vfio_nodes, io->n_vfio_nodes, id);
	}
	strv_free(names, n);
	if (io->n_vfio_nodes > 1)
		qsort(io->vfio_nodes, io->n_vfio_nodes, sizeof *io->vfio_nodes,
		    cmp_int);
}

bool
host_vfio_node(const struct host *h, int group)
{
	size_t i;

	for (i = 0; h != NULL && group >= 0 && i < h->iommu.n_vfio_nodes; i++)
		if (h->iommu.vfio_nodes[i] == group)
			return true;
	return false;
}

/* The groups' directories being read ahead (iommu_groups_start). */
struct iommu_groups_scan {
	int err;      /* listing GROUPS_DIR: 0 or -errno */
	char **names; /* its entries */
	size_t n;
	struct group_job job;
	struct par_run *run;
};

struct iommu_groups_scan *
iommu_groups_start(const struct root *r)
{
	struct iommu_groups_scan *gs = xcalloc(1, sizeof *gs);
	size_t i;
	int gfd;

	gfd = root_opendir(r, GROUPS_DIR);
	gs->err = gfd < 0 ? gfd : root_listdir_fd(r, gfd, &gs->names, &gs->n);
	if (gs->err < 0) {
		if (gfd >= 0)
			close(gfd);
		return gs;
	}
	gs->job.r = r;
	gs->job.gfd = gfd;
	gs->job.scans = xcalloc(gs->n > 0 ? gs->n : 1, sizeof *gs->job.scans);
	for (i = 0; i < gs->n; i++)
		gs->job.scans[i].name = gs->names[i];
	/* the groups' directories are read on several threads when many */
	gs->run = par_start(gs->n, 256, 64, scan_groups, &gs->job);
	return gs;
}

void
probe_iommu(struct host *h, const struct root *r)
{
	probe_iommu_groups(h, r, iommu_groups_start(r));
}

void
probe_iommu_groups(
    struct host *h, const struct root *r, struct iommu_groups_scan *gs)
{
	struct host_iommu *io = &h->iommu;
	char **names;
	size_t n, i;
	int err;

	err = root_listdir(r, "/sys/class/iommu", &names, &n);
	if (err == 0) {
		io->units = names;
		io->n_units = n;
	} else if (err != -ENOENT)
		host_problem(h, "iommu", "cannot list '/sys/class/iommu': %s",
		    strerror(-err));
	io->active = io->n_units > 0;
	probe_dev_vfio(h, r);

	if (gs->err < 0) {
		if (gs->err != -ENOENT)
			host_problem(h, "iommu",
			    "cannot list '/sys/kernel/iommu_groups': %s",
			    strerror(-gs->err));
		free(gs);
		return;
	}
	par_join(gs->run);
	for (i = 0; i < gs->n; i++) {
		struct iommu_group g;

		memset(&g, 0, sizeof g);
		g.id = group_id(gs->names[i]);
		if (g.id < 0) {
			free(gs->job.scans[i].type);
			strv_free(
			    gs->job.scans[i].devs, gs->job.scans[i].n_devs);
			continue;
		}
		resolve_group(h, &gs->job.scans[i], &g);
		ARRAY_PUSH(io->groups, io->n_groups, g);
	}
	free(gs->job.scans);
	strv_free(gs->names, gs->n);
	close(gs->job.gfd);
	free(gs);
	if (io->n_groups > 1)
		qsort(io->groups, io->n_groups, sizeof *io->groups, cmp_groups);
	if (!io->active && io->n_groups > 0)
		host_problem(h, "iommu",
		    "%zu iommu groups exist but '/sys/class/iommu' lists no "
		    "unit",
		    io->n_groups);
}

/* Binary search in the groups, sorted by id; NULL when absent. */
const struct iommu_group *
host_group_find(const struct host *h, int id)
{
	size_t lo = 0, hi;

	if (h == NULL)
		return NULL;
	hi = h->iommu.n_groups;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int gid = h->iommu.groups[mid].id;

		if (gid == id)
			return &h->iommu.groups[mid];
		if (id < gid)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
