/*
 * test_spec_tree.c: the tree a host spec replays to: the sysfs, procfs,
 * /etc and /boot layout the probes read, every symlink relative and inside
 * the tree, the same bytes on every replay, temporary trees, and every
 * bundled fixture host loading and replaying.
 */
#include "vfio-wizard/spec.h"
#include "vfio-wizard/strbuf.h"
#include "spec_small.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every entry of a tree as one line (path, mode, link target, contents). */
static char **records;
static size_t n_records;
static const char *tree_root;

static int
record(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[PATH_MAX], *real;
	ssize_t n;

	(void)ftw;
	sb_addf(&sb, "%s %o", p + strlen(tree_root), (unsigned)st->st_mode);
	if (flag == FTW_SL) {
		n = readlink(p, buf, sizeof buf - 1);
		assert_true(n > 0);
		buf[n] = '\0';
		assert_true(buf[0] != '/'); /* every link is relative, */
		real = realpath(p, NULL);   /* resolves, */
		if (real == NULL)
			print_error("dangling link %s -> %s\n", p, buf);
		assert_non_null(real);
		assert_true(str_startswith(real, tree_root)); /* stays in */
		free(real);
		sb_addf(&sb, " -> %s", buf);
	} else if (flag == FTW_F) {
		FILE *f = fopen(p, "rb");
		size_t k;

		if (f != NULL) { /* write-only triggers are not readable */
			while ((k = fread(buf, 1, sizeof buf, f)) > 0)
				sb_add(&sb, buf, k);
			fclose(f);
		}
	}
	ARRAY_PUSH(records, n_records, sb_detach(&sb));
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The whole tree as one sorted text; caller frees. */
static char *
tree_digest(const char *dir)
{
	char *real = realpath(dir, NULL);
	struct strbuf out = STRBUF_INIT;
	size_t i;

	assert_non_null(real);
	tree_root = real;
	records = NULL;
	n_records = 0;
	assert_int_equal(nftw(real, record, 32, FTW_PHYS), 0);
	qsort(records, n_records, sizeof *records, cmp_str);
	for (i = 0; i < n_records; i++)
		sb_addf(&out, "%s\n", records[i]);
	strv_free(records, n_records);
	free(real);
	return sb_detach(&out);
}

static void
test_deterministic(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *a = jpath(root, "/a"),
	     *b = jpath(root, "/b");
	char *da, *db;

	(void)state;
	assert_int_equal(spec_replay(s, a, NULL), 0);
	assert_int_equal(spec_replay(s, b, NULL), 0);
	da = tree_digest(a);
	db = tree_digest(b);
	assert_true(strlen(da) > 10000);
	assert_string_equal(da, db);
	free(da);
	free(db);
	free(a);
	free(b);
	spec_free(s);
	fx_rmroot(root);
}

static char *
read_text(const char *root, const char *path)
{
	size_t len;
	unsigned char *b = slurp(root, path, &len);

	b[len] = '\0';
	return (char *)b;
}

static void
expect_link(const char *dir, const char *path, const char *target)
{
	char *p = jpath(dir, path), buf[PATH_MAX];
	ssize_t n = readlink(p, buf, sizeof buf - 1);

	if (n <= 0)
		print_error("no link %s\n", path);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, target);
	free(p);
}

static void
expect_text(const char *dir, const char *path, const char *want)
{
	char *t = read_text(dir, path);

	assert_string_equal(t, want);
	free(t);
}

static void
test_tree_layout(void **state)
{
	struct host_spec *s = load_ok(small);
	char *root = fx_mkroot(), *dir = jpath(root, "/r"), *t;

	(void)state;
	assert_string_equal(spec_name(s), "unit-host");
	assert_string_equal(
	    spec_description(s), "a small host for the unit tests");
	assert_int_equal(spec_replay(s, dir, NULL), 0);
	expect_link(dir, "/sys/bus/pci/devices/0000:01:10.0",
	    "../../../devices/pci0000:00/0000:00:1c.0/0000:01:10.0");
	expect_link(dir,
	    "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.0/driver",
	    "../../../../bus/pci/drivers/vfio-pci");
	expect_link(dir, "/sys/devices/pci0000:00/0000:00:02.0/driver",
	    "../../../bus/pci/drivers/i915");
	expect_link(dir, "/sys/bus/pci/drivers/i915/0000:00:02.0",
	    "../../../../devices/pci0000:00/0000:00:02.0");
	expect_link(dir, "/sys/devices/pci0000:00/0000:00:02.0/iommu_group",
	    "../../../kernel/iommu_groups/1");
	expect_link(dir, "/sys/kernel/iommu_groups/3/devices/0000:01:00.0",
	    "../../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0");
	expect_link(
	    dir, "/sys/class/iommu/dmar1", "../../devices/virtual/iommu/dmar1");
	expect_link(dir,
	    "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtfn1",
	    "../0000:01:10.2");
	expect_link(dir,
	    "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:10.2/physfn",
	    "../0000:01:00.0");
	expect_link(dir, "/sys/block/sda",
	    "../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/"
	    "block/sda");
	expect_link(dir, "/sys/block/dm-0", "../devices/virtual/block/dm-0");
	expect_link(dir, "/sys/devices/virtual/block/dm-0/slaves/sda3",
	    "../../../../pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/"
	    "0:0:0:0/block/sda/sda3");
	expect_link(dir, "/etc/pve/local", "nodes/pve1");
	expect_link(dir, "/etc/pve/qemu-server", "nodes/pve1/qemu-server");
	expect_text(dir, "/sys/kernel/iommu_groups/1/type", "DMA-FQ\n");
	expect_text(dir, "/sys/block/dm-0/dm/name", "pve-root\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:00:02.0/vendor", "0x8086\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:00:02.0/class", "0x030000\n");
	expect_text(dir, "/sys/bus/pci/devices/0000:00:02.0/boot_vga", "1\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:00:02.0/reset_method", "flr bus\n");
	expect_text(dir, "/sys/bus/pci/devices/0000:00:02.0/modalias",
	    "pci:v00008086d00000412sv00001028sd000005A4bc03sc00i00\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:01:00.0/sriov_totalvfs", "7\n");
	expect_text(
	    dir, "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", "2\n");
	t = read_text(dir, "/sys/bus/pci/devices/0000:00:02.0/resource");
	assert_int_equal(strlen(t), 13 * 57);
	assert_true(str_startswith(t, "0x0000000000000000 0x0000000000000000 "
				      "0x0000000000000000\n"));
	free(t);
	expect_text(dir, "/proc/cmdline",
	    "root=/dev/mapper/pve-root ro quiet intel_iommu=on\n");
	expect_text(dir, "/proc/sys/kernel/osrelease", REL "\n");
	expect_text(dir, "/proc/modules",
	    "i915 958464 0 - Live 0x0000000000000000\n"
	    "vfio_pci 233472 0 - Live 0x0000000000000000\n"
	    "vfio 892928 1 vfio_pci, Live 0x0000000000000000\n");
	t = read_text(dir, "/proc/cpuinfo");
	assert_non_null(strstr(t, "processor\t: 3\n"));
	assert_non_null(strstr(t, "cpu cores\t: 2\n"));
	assert_non_null(strstr(t, "flags\t\t: fpu vme ht vmx\n"));
	free(t);
	t = read_text(dir, "/proc/sys/kernel/random/boot_id");
	assert_int_equal(strlen(t), 37);
	assert_int_equal(t[14], '4');
	free(t);
	t = read_text(dir, "/boot/config-" REL);
	assert_non_null(strstr(t, "\nCONFIG_INTEL_IOMMU=y\n"));
	assert_non_null(strstr(t, "\n# CONFIG_VFIO_PCI_VGA is not set\n"));
	free(t);
	expect_text(dir, "/run/qemu-server/100.pid", "3100\n");
	t = read_text(dir, "/proc/3100/cmdline");
	assert_string_equal(t, "/usr/bin/kvm");
	assert_string_equal(t + 13, "-id");
	assert_string_equal(t + 17, "100");
	free(t);
	t = read_text(dir, "/var/lib/dpkg/status");
	assert_non_null(strstr(t, "Package: pve-manager\nStatus: install ok "
				  "installed\n"));
	assert_non_null(strstr(t, "\nVersion: 8.2.4\n"));
	free(t);
	expect_text(dir, "/etc/pve/nodes/pve1/qemu-server/100.conf",
	    "name: win\nvga: none\n");
	expect_text(dir, "/etc/default/grub", "GRUB_DEFAULT=0\n");
	expect_text(dir, "/etc/hostname", "pve1\n");
	free(dir);
	spec_free(s);
	fx_rmroot(root);
}

static void
test_replay_temp(void **state)
{
	struct host_spec *s = load_ok(small);
	char *dir = NULL, *p;
	struct stat st;

	(void)state;
	assert_int_equal(spec_replay_temp(s, &dir, NULL), 0);
	p = jpath(dir, "/sys/bus/pci/devices/0000:00:02.0/config");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 256);
	free(p);
	p = jpath(dir, "/sys/bus/pci/devices/0000:01:00.0/config");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4096);
	free(p);
	assert_int_equal(spec_remove_tree(dir), 0);
	assert_int_equal(lstat(dir, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(dir);
	spec_free(s);
}

/* Every bundled fixture host loads and replays. */
static void
test_fixture_hosts(void **state)
{
	char *hosts = xasprintf("%s/tests/hosts", fx_srcdir());
	DIR *d = opendir(hosts);
	struct dirent *de;
	int n = 0;

	(void)state;
	if (d == NULL) {
		free(hosts);
		skip();
	}
	while ((de = readdir(d)) != NULL) {
		struct host_spec *s = NULL;
		char *path, *cause = NULL, *tmp = NULL;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		path = xasprintf("%s/%s", hosts, de->d_name);
		if (spec_load(path, &s, &cause) < 0)
			print_error("%s\n", cause);
		assert_non_null(s);
		if (spec_replay_temp(s, &tmp, &cause) < 0)
			print_error("%s\n", cause);
		assert_non_null(tmp);
		assert_int_equal(spec_remove_tree(tmp), 0);
		free(tmp);
		free(path);
		spec_free(s);
		n++;
	}
	closedir(d);
	free(hosts);
	assert_true(n > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_tree_layout),
	    cmocka_unit_test(test_replay_temp),
	    cmocka_unit_test(test_fixture_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
