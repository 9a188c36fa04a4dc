/*
 * iommu.c: the IOMMU probe. DMA remapping is active when /sys/class/iommu
 * lists units (dmar0, ivhd0): Proxmox's own check_iommu_support() test, and
 * Intel registers them only once translation is really on. The groups come
 * from /sys/kernel/iommu_groups/N/devices/ and N/type (sysfs ABI
 * sysfs-kernel-iommu_groups); each member is an index into host->pci, so
 * this probe runs after probe_pci. /dev/vfio tells which groups vfio has
 * made a node for: the kernel creates /dev/vfio/<N> once every device of
 * group N is on vfio-pci or driverless (passthrough-facts section 4).
 */
#include "vfio-wizard/host.h"
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

/*
 * Read one group: its type and its member devices, both relative to the
 * held /sys/kernel/iommu_groups directory (gfd).
 */
static void
probe_group(struct host *h, const struct root *r, int gfd, const char *name,
    struct iommu_group *g)
{
	char *path, *type, **devs;
	size_t n, i;
	int err;

	path = xasprintf("%s/type", name);
	if (root_read_line_in(r, gfd, GROUPS_DIR, path, &type) == 0) {
		/* keep the text, not root_read's page-sized buffer */
		g->type = *type != '\0' ? xstrdup(type) : NULL;
		free(type);
	}
	free(path);

	path = xasprintf("%s/devices", name);
	err = root_listdir_in(r, gfd, GROUPS_DIR, path, &devs, &n);
	if (err < 0) {
		free(path);
		path = xasprintf(GROUPS_DIR "/%s/devices", name);
		host_problem(
		    h, "iommu", "cannot list '%s': %s", path, strerror(-err));
		free(path);
		return;
	}
	free(path);
	for (i = 0; i < n; i++) {
		const struct pci_device *d = host_pci_find(h, devs[i]);
		size_t idx;

		if (d == NULL) {
			host_problem(h, "iommu",
			    "group %d lists '%s', which is not a probed pci "
			    "device",
			    g->id, devs[i]);
			continue;
		}
		idx = (size_t)(d - h->pci);
		if (h->pci[idx].iommu_group < 0)
			h->pci[idx].iommu_group = g->id;
		else if (h->pci[idx].iommu_group != g->id)
			host_problem(h, "iommu",
			    "device '%s' is in group %d but its iommu_group "
			    "link says %d",
			    devs[i], g->id, h->pci[idx].iommu_group);
		ARRAY_PUSH(g->devices, g->n_devices, idx);
	}
	strv_free(devs, n);
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

void
probe_iommu(struct host *h, const struct root *r)
{
	struct host_iommu *io = &h->iommu;
	char **names;
	size_t n, i;
	int err, gfd;

	err = root_listdir(r, "/sys/class/iommu", &names, &n);
	if (err == 0) {
		io->units = names;
		io->n_units = n;
	} else if (err != -ENOENT)
		host_problem(h, "iommu", "cannot list '/sys/class/iommu': %s",
		    strerror(-err));
	io->active = io->n_units > 0;
	probe_dev_vfio(h, r);

	gfd = root_opendir(r, GROUPS_DIR);
	err = gfd < 0 ? gfd : root_listdir_fd(r, gfd, &names, &n);
	if (err < 0) {
		if (gfd >= 0)
			close(gfd);
		if (err != -ENOENT)
			host_problem(h, "iommu",
			    "cannot list '/sys/kernel/iommu_groups': %s",
			    strerror(-err));
		return;
	}
	for (i = 0; i < n; i++) {
		struct iommu_group g;

		memset(&g, 0, sizeof g);
		g.id = group_id(names[i]);
		if (g.id < 0)
			continue;
		probe_group(h, r, gfd, names[i], &g);
		ARRAY_PUSH(io->groups, io->n_groups, g);
	}
	strv_free(names, n);
	close(gfd);
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
