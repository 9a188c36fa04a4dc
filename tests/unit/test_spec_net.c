/*
 * test_spec_net.c: network interfaces and ZFS pools in host specs
 * (spec_net.c). A replayed tree shows them as the kernel and udev do: each
 * NIC's interface below its PCI device (virtio-net below virtioN) with a
 * device link, lo and the virtual interfaces below /sys/devices/virtual/net,
 * lower_/upper_ and master links, a bridge's brif/ and a bond's slaves,
 * /sys/class/net links, and udev database entries for the pool members;
 * and the loader refuses what the kernel would not show, with the line.
 */
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD                                                                 \
	"spec: 1\nname: net-host\nsource: test_spec_net.c\n"                 \
	"pci:\n"                                                             \
	"  - { address: \"0000:00:19.0\", id: \"8086:153a\", class: "        \
	"\"020000\", driver: e1000e, netdev: eno1 }\n"                       \
	"  - { address: \"0000:00:1f.6\", id: \"8086:15bb\", class: "        \
	"\"020000\", netdev: eno2 }\n"                                       \
	"  - { address: \"0000:00:12.0\", id: \"1af4:1000\", class: "        \
	"\"020000\", driver: virtio-pci, netdev: ens18 }\n"                  \
	"  - { address: \"0000:00:1f.2\", id: \"8086:8c02\", class: "        \
	"\"010601\" }\n"                                                     \
	"block:\n"                                                           \
	"  - { name: sda, controller: \"0000:00:1f.2\", partitions: [sda1, " \
	"sda2] }\n"

static const char good[] =
    HEAD "net:\n"
	 "  - { name: bond0, kind: bond, lower: [eno1, eno2] }\n"
	 "  - { name: vmbr0, kind: bridge, lower: [bond0] }\n"
	 "  - { name: vmbr0.10, kind: vlan, lower: [vmbr0] }\n"
	 "  - { name: vmbr1, kind: bridge }\n"
	 "zpools:\n"
	 "  tank: [sda2]\n";

/* The absolute path inside the root that path resolves to. */
static char *
resolved(const struct root *r, const char *path)
{
	char *out = NULL;

	assert_true(root_exists(r, path));
	assert_int_equal(root_resolve(r, path, &out), 0);
	return out;
}

static void
expect_link(const struct root *r, const char *path, const char *target)
{
	char *got = resolved(r, path);

	assert_string_equal(got, target);
	free(got);
}

static void
expect_line(const struct root *r, const char *path, const char *line)
{
	char *got = NULL;

	assert_int_equal(root_read_line(r, path, &got), 0);
	assert_string_equal(got, line);
	free(got);
}

static void
test_tree(void **state)
{
	struct host_spec *s = NULL;
	struct root *r;
	char *cause = NULL, *dir = NULL, *text = NULL;

	(void)state;
	assert_int_equal(
	    spec_load_buffer(good, strlen(good), "t.yaml", &s, &cause), 0);
	assert_int_equal(spec_replay_temp(s, &dir, &cause), 0);
	assert_int_equal(root_open(dir, &r), 0);
	expect_link(r, "/sys/class/net/eno1",
	    "/sys/devices/pci0000:00/0000:00:19.0/net/eno1");
	expect_link(r, "/sys/class/net/eno1/device",
	    "/sys/devices/pci0000:00/0000:00:19.0");
	expect_link(r, "/sys/class/net/ens18/device",
	    "/sys/devices/pci0000:00/0000:00:12.0/virtio0");
	expect_link(
	    r, "/sys/class/net/eno1/master", "/sys/devices/virtual/net/bond0");
	expect_link(r, "/sys/class/net/eno2/upper_bond0",
	    "/sys/devices/virtual/net/bond0");
	expect_link(r, "/sys/class/net/bond0/lower_eno2",
	    "/sys/devices/pci0000:00/0000:00:1f.6/net/eno2");
	expect_link(
	    r, "/sys/class/net/bond0/master", "/sys/devices/virtual/net/vmbr0");
	expect_link(r, "/sys/class/net/vmbr0/brif/bond0",
	    "/sys/devices/virtual/net/bond0/brport");
	expect_link(r, "/sys/class/net/vmbr0.10/lower_vmbr0",
	    "/sys/devices/virtual/net/vmbr0");
	assert_false(root_exists(r, "/sys/class/net/vmbr0/master"));
	assert_true(root_exists(r, "/sys/class/net/vmbr1/bridge/stp_state"));
	expect_line(r, "/sys/class/net/bond0/bonding/slaves", "eno1 eno2");
	expect_line(r, "/sys/class/net/lo/ifindex", "1");
	expect_line(r, "/sys/class/net/ens18/ifindex", "2"); /* by address */
	assert_int_equal(
	    root_read(r, "/sys/class/net/vmbr0/uevent", &text, NULL), 0);
	assert_non_null(strstr(text, "DEVTYPE=bridge\nINTERFACE=vmbr0\n"));
	free(text);
	assert_int_equal(root_read(r, "/run/udev/data/b8:2", &text, NULL), 0);
	assert_non_null(strstr(text, "\nE:ID_FS_LABEL=tank\n"));
	assert_non_null(strstr(text, "\nE:ID_FS_TYPE=zfs_member\n"));
	free(text);
	expect_link(r, "/sys/dev/block/8:2",
	    "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/"
	    "0:0:0:0/block/sda/sda2");
	root_free(r);
	assert_int_equal(spec_remove_tree(dir), 0);
	free(dir);
	spec_free(s);
}

/* A spec without interfaces gets no /sys/class/net at all. */
static void
test_none(void **state)
{
	static const char plain[] =
	    "spec: 1\nname: plain\nsource: t\npci:\n"
	    "  - { address: \"0000:00:19.0\", id: \"8086:153a\", class: "
	    "\"020000\" }\n";
	struct host_spec *s = NULL;
	struct root *r;
	char *cause = NULL, *dir = NULL;

	(void)state;
	assert_int_equal(
	    spec_load_buffer(plain, strlen(plain), "t.yaml", &s, &cause), 0);
	assert_int_equal(spec_replay_temp(s, &dir, &cause), 0);
	assert_int_equal(root_open(dir, &r), 0);
	assert_false(root_exists(r, "/sys/class/net"));
	root_free(r);
	assert_int_equal(spec_remove_tree(dir), 0);
	free(dir);
	spec_free(s);
}

static void
test_refused(void **state)
{
	static const struct {
		const char *tail, *says;
	} cases[] = {
	    {"net:\n  - { name: br0, kind: switch, lower: [eno1] }\n",
		"'kind' must be bridge, bond or vlan"},
	    {"net:\n  - { name: br0, kind: bridge, lower: [eno9] }\n",
		"lower interface 'eno9' is not listed"},
	    {"net:\n  - { name: eno1, kind: bridge }\n",
		"interface 'eno1' is listed twice"},
	    {"net:\n  - { name: lo, kind: bridge }\n",
		"'lo' is not an interface name"},
	    {"net:\n  - { name: averyveryverylongname, kind: bridge }\n",
		"is not an interface name"},
	    {"net:\n  - { name: b1, kind: bridge, lower: [eno1] }\n"
	     "  - { name: b2, kind: bond, lower: [eno1] }\n",
		"'eno1' is a port or slave of more than one"},
	    {"net:\n  - { name: b1, kind: bridge, lower: [b2] }\n"
	     "  - { name: b2, kind: bridge, lower: [b1] }\n",
		"lies below itself"},
	    {"net:\n  - { name: v1, kind: vlan, lower: [eno1, eno2] }\n",
		"a vlan needs one lower interface"},
	    {"net:\n  - { kind: bond, lower: [eno1] }\n", "name"},
	    {"zpools:\n  tank: [sdb1]\n",
		"member 'sdb1' of zfs pool 'tank' is not a listed"},
	    {"zpools:\n  1tank: [sda1]\n", "'1tank' is not a zfs pool name"},
	    {"zpools:\n  a: [sda1]\n  b: [sda1]\n",
		"'sda1' is in a zfs pool twice"},
	    {"zpools:\n  a: []\n", "has no members"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		char *text = xasprintf("%s%s", HEAD, cases[i].tail);
		struct host_spec *s = NULL;
		char *cause = NULL;

		assert_int_equal(
		    spec_load_buffer(text, strlen(text), "t.yaml", &s, &cause),
		    -22);
		assert_null(s);
		if (cause == NULL || strstr(cause, cases[i].says) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i,
			    cause != NULL ? cause : "(null)", cases[i].says);
		assert_non_null(strstr(cause, "t.yaml:"));
		free(cause);
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
