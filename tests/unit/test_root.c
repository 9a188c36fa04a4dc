/*
 * test_root.c: the root handle resolves every path inside its root, follows
 * relative and absolute symlinks there, and never escapes through "..".
 */
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
setup(void **state)
{
	char *t = fx_mkroot();

	fx_write(t, "/etc/hostname", "pve1\n");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/100.conf", "name: a\n");
	/* absolute link, as on Proxmox: must resolve inside the root */
	fx_symlink(t, "/etc/pve/local", "/etc/pve/nodes/pve1");
	fx_symlink(t, "/etc/pve/qemu-server", "nodes/pve1/qemu-server");
	/* escapes that must be clamped at the root */
	fx_symlink(t, "/escape", "../../../../../../etc");
	fx_symlink(t, "/abs-escape", "/../../etc/hostname");
	fx_write(t, "/sys/devices/pci0000:00/0000:00:02.0/vendor", "0x8086\n");
	fx_symlink(t, "/sys/bus/pci/devices/0000:00:02.0",
	    "../../../devices/pci0000:00/0000:00:02.0");
	fx_symlink(t, "/sys/devices/pci0000:00/0000:00:02.0/driver",
	    "../../../bus/pci/drivers/i915");
	fx_symlink(t, "/loop", "loop");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

static void
test_reads_inside(void **state)
{
	struct root *r;
	char *s;
	unsigned long v;

	assert_int_equal(root_open(*state, &r), 0);
	assert_false(root_is_host(r));
	assert_int_equal(root_read_line(r, "/etc/hostname", &s), 0);
	assert_string_equal(s, "pve1");
	free(s);
	assert_int_equal(
	    root_read_line(r, "/etc/pve/local/qemu-server/100.conf", &s), 0);
	assert_string_equal(s, "name: a");
	free(s);
	assert_int_equal(
	    root_read_ulong(r, "/sys/bus/pci/devices/0000:00:02.0/vendor", &v),
	    0);
	assert_int_equal(v, 0x8086);
	assert_int_equal(root_readlink_base(
			     r, "/sys/bus/pci/devices/0000:00:02.0/driver", &s),
	    0);
	assert_string_equal(s, "i915");
	free(s);
	root_free(r);
}

static void
test_never_escapes(void **state)
{
	struct root *r;
	char *s, *inner;

	/* /etc/hostname exists on the host; inside the root it is ours */
	assert_int_equal(root_open(*state, &r), 0);
	assert_int_equal(root_read_line(r, "/escape/hostname", &s), 0);
	assert_string_equal(s, "pve1");
	free(s);
	assert_int_equal(root_read_line(r, "/abs-escape", &s), 0);
	assert_string_equal(s, "pve1");
	free(s);
	assert_int_equal(root_read_line(r, "/../../../etc/hostname", &s), 0);
	assert_string_equal(s, "pve1");
	free(s);
	assert_int_equal(root_read(r, "/loop", &s, NULL), -ELOOP);
	assert_false(root_exists(r, "/etc/passwd"));
	inner = root_join(r, "/sys/bus/pci");
	assert_true(str_startswith(inner, *state));
	free(inner);
	root_free(r);
}

static void
test_listdir_and_stat(void **state)
{
	struct root *r;
	struct stat st;
	char **names;
	size_t n;

	assert_int_equal(root_open(*state, &r), 0);
	assert_int_equal(root_listdir(r, "/etc/pve/local/..", &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "pve1");
	strv_free(names, n);
	assert_int_equal(root_stat(r, "/etc/pve/local", &st, false), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(root_stat(r, "/etc/pve/local", &st, true), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(root_listdir(r, "/nope", &names, &n), -ENOENT);
	root_free(r);
}

/*
 * The calls on a held directory: names below it in one step, links leading
 * out of it (absolute, "..") resolved inside the root, never outside.
 */
static void
test_held_directory(void **state)
{
	const char *dev = "/sys/bus/pci/devices/0000:00:02.0";
	struct root *r;
	struct stat st;
	char **names, *s, big[6000];
	size_t n, len;
	int dfd, fd;

	fx_write(*state, "/sys/devices/pci0000:00/0000:00:02.0/sub/a", "1\n");
	/* an attribute pointing out of the device, absolute and by ".." */
	fx_symlink(*state, "/sys/devices/pci0000:00/0000:00:02.0/abs",
	    "/etc/hostname");
	fx_symlink(*state, "/sys/devices/pci0000:00/0000:00:02.0/up",
	    "../../../../../../../etc/hostname");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	fx_write(*state, "/sys/devices/pci0000:00/0000:00:02.0/big", "%s", big);

	assert_int_equal(root_open(*state, &r), 0);
	dfd = root_opendir(r, dev);
	assert_true(dfd >= 0);
	assert_int_equal(root_read_line_in(r, dfd, dev, "vendor", &s), 0);
	assert_string_equal(s, "0x8086");
	free(s);
	assert_int_equal(root_read_line_in(r, dfd, dev, "abs", &s), 0);
	assert_string_equal(s, "pve1");
	free(s);
	assert_int_equal(root_read_line_in(r, dfd, dev, "up", &s), 0);
	assert_string_equal(s, "pve1");
	free(s);
	/* a file longer than one read is read whole */
	assert_int_equal(root_read_in(r, dfd, dev, "big", &s, &len), 0);
	assert_int_equal(len, sizeof big - 1);
	free(s);
	assert_int_equal(root_read_in(r, dfd, dev, "nope", &s, NULL), -ENOENT);
	fd = root_openat_in(r, dfd, dev, "sub/a", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);

	assert_int_equal(root_readlink_in(r, dfd, "driver", &s), 0);
	assert_string_equal(s, "../../../bus/pci/drivers/i915");
	free(s);
	assert_int_equal(root_readlink_in(r, dfd, "sub/a", &s), -EINVAL);
	assert_int_equal(root_readlink_in(r, dfd, "vendor", &s), -EINVAL);
	assert_int_equal(root_lstat_in(r, dfd, "driver", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(root_lstat_in(r, dfd, "nope", &st), -ENOENT);

	assert_int_equal(root_listdir_in(r, dfd, dev, "sub", &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "a");
	strv_free(names, n);
	/* twice: each listing starts at the beginning */
	assert_int_equal(root_listdir_fd(r, dfd, &names, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(names[0], "abs");
	strv_free(names, n);
	assert_int_equal(root_listdir_fd(r, dfd, &names, &n), 0);
	assert_int_equal(n, 6);
	strv_free(names, n);
	close(dfd);
	root_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reads_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_never_escapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_listdir_and_stat, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_held_directory, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
