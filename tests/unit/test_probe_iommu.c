/*
 * test_probe_iommu.c: probe_iommu over /sys/class/iommu and
 * /sys/kernel/iommu_groups laid out as the kernel does (sysfs ABI
 * sysfs-kernel-iommu_groups): IOMMU on with groups holding several devices,
 * IOMMU off, and a group naming a device the PCI probe did not see. The
 * PCI list is made by hand so the test needs no libpci tree.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A host whose PCI list holds these addresses, sorted as probe_pci does. */
static struct host *
host_with(const char *const *addrs, size_t n)
{
	struct host *h = calloc(1, sizeof *h);
	size_t i;

	assert_non_null(h);
	h->pci = calloc(n, sizeof *h->pci);
	h->n_pci = n;
	for (i = 0; i < n; i++) {
		struct pci_device *d = &h->pci[i];

		snprintf(d->address, sizeof d->address, "%s", addrs[i]);
		assert_int_equal(sscanf(addrs[i], "%x:%x:%x.%x", &d->domain,
				     &d->bus, &d->dev, &d->func),
		    4);
		d->iommu_group = -1;
	}
	return h;
}

/* A group member link and the device's own iommu_group link. */
static void
fx_member(const char *root, int group, const char *path, bool backlink)
{
	const char *bdf = strrchr(path, '/') + 1;
	char p[512], t[512];

	snprintf(
	    p, sizeof p, "/sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
	snprintf(t, sizeof t, "../../../../devices/%s", path);
	fx_symlink(root, p, t);
	snprintf(p, sizeof p, "/sys/bus/pci/devices/%s", bdf);
	snprintf(t, sizeof t, "../../../devices/%s", path);
	fx_symlink(root, p, t);
	snprintf(p, sizeof p, "/sys/devices/%s", path);
	fx_mkdir(root, p);
	if (backlink) {
		snprintf(p, sizeof p, "/sys/devices/%s/iommu_group", path);
		snprintf(t, sizeof t, "../../../kernel/iommu_groups/%d", group);
		fx_symlink(root, p, t);
	}
}

static void
probe(const char *dir, struct host *h)
{
	struct root *r;

	assert_int_equal(root_open(dir, &r), 0);
	probe_iommu(h, r);
	root_free(r);
}

static void
test_active_groups(void **state)
{
	const char *root = *state;
	static const char *const addrs[] = {"0000:00:00.0", "0000:00:01.0",
	    "0000:00:02.0", "0000:00:1f.0", "0000:00:1f.2", "0000:00:1f.3",
	    "0000:01:00.0", "0000:01:00.1"};
	const struct iommu_group *g;
	struct host *h = host_with(addrs, nitems(addrs));

	fx_mkdir(root, "/sys/devices/virtual/iommu/dmar0");
	fx_mkdir(root, "/sys/devices/virtual/iommu/dmar1");
	fx_symlink(root, "/sys/class/iommu/dmar1",
	    "../../devices/virtual/iommu/dmar1");
	fx_symlink(root, "/sys/class/iommu/dmar0",
	    "../../devices/virtual/iommu/dmar0");
	fx_member(root, 0, "pci0000:00/0000:00:00.0", true);
	/* the GPU behind 00:01.0 shares its group with the root port */
	fx_member(root, 1, "pci0000:00/0000:00:01.0", true);
	fx_member(root, 1, "pci0000:00/0000:00:01.0/0000:01:00.1", true);
	fx_member(root, 1, "pci0000:00/0000:00:01.0/0000:01:00.0", true);
	fx_member(root, 2, "pci0000:00/0000:00:02.0", false);
	/* the PCH functions: one group, numbered after 2 numerically */
	fx_member(root, 10, "pci0000:00/0000:00:1f.3", true);
	fx_member(root, 10, "pci0000:00/0000:00:1f.0", true);
	fx_member(root, 10, "pci0000:00/0000:00:1f.2", true);
	fx_write(root, "/sys/kernel/iommu_groups/0/type", "DMA-FQ\n");
	fx_write(root, "/sys/kernel/iommu_groups/1/type", "DMA\n");
	fx_write(root, "/sys/kernel/iommu_groups/2/type", "identity\n");
	fx_write(root, "/sys/kernel/iommu_groups/10/reserved_regions",
	    "0x00000000fee00000 0x00000000feefffff msi\n");

	h->pci[6].iommu_group = 1; /* as libpci would have set it */
	probe(root, h);
	assert_int_equal(h->n_problems, 0);
	assert_true(h->iommu.active);
	assert_int_equal(h->iommu.n_units, 2);
	assert_string_equal(h->iommu.units[0], "dmar0");
	assert_string_equal(h->iommu.units[1], "dmar1");
	assert_int_equal(h->iommu.n_groups, 4);
	assert_int_equal(h->iommu.groups[0].id, 0);
	assert_int_equal(h->iommu.groups[1].id, 1);
	assert_int_equal(h->iommu.groups[2].id, 2);
	assert_int_equal(h->iommu.groups[3].id, 10);
	assert_string_equal(h->iommu.groups[0].type, "DMA-FQ");
	assert_null(h->iommu.groups[3].type);

	g = host_group_find(h, 1);
	assert_non_null(g);
	assert_string_equal(g->type, "DMA");
	assert_int_equal(g->n_devices, 3);
	assert_string_equal(h->pci[g->devices[0]].address, "0000:00:01.0");
	assert_string_equal(h->pci[g->devices[1]].address, "0000:01:00.0");
	assert_string_equal(h->pci[g->devices[2]].address, "0000:01:00.1");
	g = host_group_find(h, 10);
	assert_non_null(g);
	assert_int_equal(g->n_devices, 3);
	assert_string_equal(h->pci[g->devices[0]].address, "0000:00:1f.0");
	assert_null(host_group_find(h, 3));
	assert_null(host_group_find(h, -1));

	/* the group directory fills what the device link did not say */
	assert_int_equal(h->pci[2].iommu_group, 2);
	assert_int_equal(h->pci[7].iommu_group, 1);
	assert_int_equal(h->pci[5].iommu_group, 10);
	host_free(h);
}

/* VT-d on in firmware, kernel booted without it: nothing registered. */
static void
test_inactive(void **state)
{
	const char *root = *state;
	static const char *const addrs[] = {"0000:00:02.0"};
	struct host *h = host_with(addrs, 1);
	char *other;

	fx_mkdir(root, "/sys/class/iommu");
	fx_mkdir(root, "/sys/kernel/iommu_groups");
	probe(root, h);
	assert_false(h->iommu.active);
	assert_int_equal(h->iommu.n_units, 0);
	assert_int_equal(h->iommu.n_groups, 0);
	assert_int_equal(h->pci[0].iommu_group, -1);
	assert_int_equal(h->n_problems, 0);
	host_free(h);

	/* an older kernel or a VM: neither directory exists */
	other = fx_mkroot();
	fx_mkdir(other, "/sys");
	h = host_with(addrs, 1);
	probe(other, h);
	assert_false(h->iommu.active);
	assert_int_equal(h->iommu.n_groups, 0);
	assert_int_equal(h->n_problems, 0);
	host_free(h);
	fx_rmroot(other);
}

/* A group member unknown to the PCI probe becomes a problem. */
static void
test_unknown_member(void **state)
{
	const char *root = *state;
	static const char *const addrs[] = {"0000:00:02.0"};
	struct host *h = host_with(addrs, 1);

	fx_mkdir(root, "/sys/class/iommu/ivhd0");
	fx_member(root, 4, "pci0000:00/0000:00:02.0", true);
	fx_member(root, 4, "pci0000:00/0000:00:02.1", true);
	probe(root, h);
	assert_true(h->iommu.active);
	assert_int_equal(h->iommu.n_groups, 1);
	assert_int_equal(h->iommu.groups[0].n_devices, 1);
	assert_true(fx_has_problem(h, "group 4 lists '0000:00:02.1'"));
	host_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_active_groups, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inactive, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_unknown_member, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
