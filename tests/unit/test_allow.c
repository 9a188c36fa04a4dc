/*
 * test_allow.c: the allow-list takes exactly the files vfio-wizard writes,
 * follows /etc/pve/qemu-server into nodes/<node>/qemu-server, and refuses
 * any path that a symlink or ".." would carry elsewhere.
 */
#include "vfio-wizard/allow.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
setup(void **state)
{
	char *t = fx_mkroot();

	fx_write(t, "/etc/passwd", "root:x:0:0\n");
	fx_write(t, "/etc/default/grub", "GRUB_TIMEOUT=5\n");
	fx_mkdir(t, "/etc/default/grub.d");
	fx_mkdir(t, "/etc/modprobe.d");
	fx_mkdir(t, "/etc/modules-load.d");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/100.conf", "memory: 1\n");
	fx_mkdir(t, "/etc/pve/nodes/pve1/lxc");
	fx_symlink(t, "/etc/pve/local", "/etc/pve/nodes/pve1");
	fx_symlink(t, "/etc/pve/qemu-server", "nodes/pve1/qemu-server");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

/* allow_resolve on a fixture; *resolved and *cause owned by the caller. */
static int
check(const char *t, const char *path, char **resolved, char **cause)
{
	struct root *r;
	int rc;

	assert_int_equal(root_open(t, &r), 0);
	rc = allow_resolve(r, path, resolved, cause);
	root_free(r);
	return rc;
}

static void
allowed(const char *t, const char *path, const char *want)
{
	char *real, *cause;

	if (check(t, path, &real, &cause) != 0)
		fail_msg("'%s' refused: %s", path, cause);
	assert_null(cause);
	assert_string_equal(real, want != NULL ? want : path);
	free(real);
}

static void
refused(const char *t, const char *path, int err, const char *text)
{
	char *real, *cause, *quoted = xasprintf("'%s'", path);

	assert_int_equal(check(t, path, &real, &cause), err);
	assert_null(real);
	assert_non_null(cause);
	assert_non_null(strstr(cause, quoted));
	if (text != NULL && strstr(cause, text) == NULL)
		fail_msg("'%s': cause \"%s\" lacks \"%s\"", path, cause, text);
	free(cause);
	free(quoted);
}

static void
test_the_list(void **state)
{
	const char *t = *state;

	allowed(t, "/etc/default/grub", NULL);
	allowed(t, "/etc/default/grub.d/50-vfio-wizard.cfg", NULL);
	allowed(t, "/etc/kernel/cmdline", NULL); /* absent: still allowed */
	allowed(t, "/etc/modules", NULL);
	allowed(t, "/etc/modules-load.d/vfio.conf", NULL);
	allowed(t, "/etc/modprobe.d/vfio.conf", NULL);
	allowed(t, "/var/lib/vfio-wizard/journal.yaml", NULL);
	allowed(t, "/etc/pve/nodes/pve1/qemu-server/100.conf", NULL);
	allowed(t, "/etc/pve/qemu-server/100.conf",
	    "/etc/pve/nodes/pve1/qemu-server/100.conf");
	allowed(t, "/etc/pve/qemu-server/101.conf",
	    "/etc/pve/nodes/pve1/qemu-server/101.conf");

	refused(t, "/etc/passwd", -EPERM, "not a file vfio-wizard may write");
	refused(t, "/etc/modprobe.d", -EPERM, NULL);
	refused(t, "/etc/modprobe.d/", -EPERM, NULL);
	refused(t, "/etc/modprobe.d/.hidden", -EPERM, NULL);
	refused(t, "/etc/default/grub.d/sub/x.cfg", -EPERM, NULL);
	refused(t, "/etc/default/grubby", -EPERM, NULL);
	refused(t, "etc/modules", -EPERM, "not a plain absolute path");
	refused(t, "/etc/pve/qemu-server/abc.conf", -EPERM, NULL);
	refused(t, "/etc/pve/nodes/pve1/lxc/100.conf", -EPERM, NULL);
	refused(t, "/etc/pve/local/qemu-server/100.conf", -EPERM, NULL);
	refused(t, "/etc/pve/storage.cfg", -EPERM, NULL);
	refused(t, "/var/lib/vfio-wizard", -EPERM, NULL);
	refused(t, "/var/lib/vfio-wizard/", -EPERM, NULL);
}

static void
test_dot_dot(void **state)
{
	const char *t = *state;

	refused(t, "/etc/modprobe.d/../passwd", -EPERM,
	    "not a plain absolute path");
	refused(t, "/etc/modprobe.d/./x.conf", -EPERM, NULL);
	refused(t, "/etc//modules", -EPERM, NULL);
	refused(t, "/var/lib/vfio-wizard/../../../etc/passwd", -EPERM, NULL);
	refused(t, "/etc/pve/qemu-server/../../../passwd", -EPERM, NULL);
}

static void
test_symlink_tricks(void **state)
{
	const char *t = *state;

	/* a file link out of the list, absolute and relative */
	fx_symlink(t, "/etc/modprobe.d/x.conf", "/etc/passwd");
	refused(t, "/etc/modprobe.d/x.conf", -EPERM, "leads to '/etc/passwd'");
	fx_symlink(t, "/etc/modprobe.d/y.conf", "../../../../../etc/passwd");
	refused(t, "/etc/modprobe.d/y.conf", -EPERM, "leads to '/etc/passwd'");
	/* a link that stays in its place on the list is fine */
	fx_symlink(t, "/etc/modprobe.d/z.conf", "real.conf");
	allowed(t, "/etc/modprobe.d/z.conf", "/etc/modprobe.d/real.conf");
	/* one that moves to another listed file is not */
	fx_symlink(t, "/etc/modprobe.d/m.conf", "/etc/modules");
	refused(t, "/etc/modprobe.d/m.conf", -EPERM, "leads to '/etc/modules'");
	/* a chain: two links, the last one out */
	fx_symlink(t, "/etc/modprobe.d/a.conf", "y.conf");
	refused(t, "/etc/modprobe.d/a.conf", -EPERM, "'/etc/passwd'");
	/* a loop */
	fx_symlink(t, "/etc/modprobe.d/loop.conf", "loop.conf");
	refused(t, "/etc/modprobe.d/loop.conf", -ELOOP, "cannot resolve");
}

static void
test_directory_links(void **state)
{
	const char *t = *state;

	char *p = xasprintf("%s/etc/modules-load.d", t);

	/* the directory itself is a link out of the list */
	assert_int_equal(rmdir(p), 0);
	free(p);
	fx_symlink(t, "/etc/modules-load.d", "/etc");
	refused(
	    t, "/etc/modules-load.d/passwd", -EPERM, "leads to '/etc/passwd'");
	/* the state directory is a link */
	fx_symlink(t, "/var/lib/vfio-wizard", "../../etc");
	refused(t, "/var/lib/vfio-wizard/passwd", -EPERM, NULL);
}

static void
test_pve_layouts(void **state)
{
	char *t;

	(void)state;
	/* not the Proxmox layout: qemu-server is a plain directory */
	t = fx_mkroot();
	fx_mkdir(t, "/etc/pve/qemu-server");
	refused(t, "/etc/pve/qemu-server/100.conf", -EPERM,
	    "leads to '/etc/pve/qemu-server/100.conf'");
	fx_rmroot(t);
	/* qemu-server planted to point elsewhere */
	t = fx_mkroot();
	fx_mkdir(t, "/etc/modprobe.d");
	fx_symlink(t, "/etc/pve/qemu-server", "/etc/modprobe.d");
	refused(t, "/etc/pve/qemu-server/100.conf", -EPERM,
	    "'/etc/modprobe.d/100.conf'");
	fx_rmroot(t);
	/* through local, to whichever node this is */
	t = fx_mkroot();
	fx_mkdir(t, "/etc/pve/nodes/pve2/qemu-server");
	fx_symlink(t, "/etc/pve/qemu-server", "local/qemu-server");
	fx_symlink(t, "/etc/pve/local", "nodes/pve2");
	allowed(t, "/etc/pve/qemu-server/100.conf",
	    "/etc/pve/nodes/pve2/qemu-server/100.conf");
	fx_rmroot(t);
	/* no Proxmox at all */
	t = fx_mkroot();
	fx_mkdir(t, "/etc");
	refused(t, "/etc/pve/qemu-server/100.conf", -EPERM, NULL);
	fx_rmroot(t);
}

static void
test_check_wrapper(void **state)
{
	struct root *r;
	char *cause;

	assert_int_equal(root_open(*state, &r), 0);
	assert_int_equal(allow_check(r, "/etc/modules", &cause), 0);
	assert_null(cause);
	assert_int_equal(allow_check(r, "/etc/shadow", &cause), -EPERM);
	assert_string_equal(
	    cause, "'/etc/shadow' is not a file vfio-wizard may write");
	free(cause);
	assert_int_equal(allow_check(r, "/etc/shadow", NULL), -EPERM);
	root_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_the_list),
	    T(test_dot_dot),
	    T(test_symlink_tricks),
	    T(test_directory_links),
	    T(test_pve_layouts),
	    T(test_check_wrapper),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
