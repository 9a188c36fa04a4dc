/*
 * test_fsio.c: fsio_replace leaves the old file or the new one, never a mix
 * and never a temporary file: every system call of a replacement is failed
 * in turn (EIO, ENOSPC, EROFS, short writes); symlinks, hard links and
 * immutable files are refused; owner, mode and xattrs are kept. The pmxcfs
 * rules are tested in test_fsio_pve.c.
 */
#include "fsio_faults.h"

static void
test_replace_keeps_owner_mode_xattr(void **state)
{
	const char *t = *state;
	char *p = host_path(t, "/etc/modprobe.d/vfio.conf"), *s, *cause;
	bool owner = geteuid() == 0, xattr;
	char val[16];
	struct stat st;

	assert_int_equal(chmod(p, 0604), 0);
	if (owner)
		assert_int_equal(chown(p, 1234, 5678), 0);
	xattr = setxattr(p, "user.vw-test", "kept", 4, 0) == 0;
	assert_int_equal(
	    replace(t, "/etc/modprobe.d/vfio.conf", NEW, NULL, 0, &cause), 0);
	assert_null(cause);
	s = slurp(t, "/etc/modprobe.d/vfio.conf");
	assert_string_equal(s, NEW);
	free(s);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	if (owner) {
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
	}
	if (xattr) {
		assert_int_equal(
		    getxattr(p, "user.vw-test", val, sizeof val), 4);
		assert_memory_equal(val, "kept", 4);
	} else {
		print_message(
		    "# user xattrs not supported here: not checked\n");
	}
	assert_true(F.fsyncs >= 2); /* the file and its directory */
	assert_int_equal(count_entries(t, "/etc/modprobe.d"), 1);
	free(p);
}

static void
test_new_file_gets_meta(void **state)
{
	const char *t = *state;
	struct file_meta m = {true, 0600, geteuid(), getegid()};
	char *p = host_path(t, "/etc/modprobe.d/new.conf"), *s, *cause;
	struct stat st;

	if (geteuid() == 0) {
		m.uid = 42;
		m.gid = 43;
	}
	assert_int_equal(
	    replace(t, "/etc/modprobe.d/new.conf", NEW, &m, 0, &cause), 0);
	s = slurp(t, "/etc/modprobe.d/new.conf");
	assert_string_equal(s, NEW);
	free(s);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, m.uid);
	assert_int_equal(st.st_gid, m.gid);
	free(p);
}

/* One fault run: the file is old (or new once renamed), no temp left. */
static void
check_after_fault(const char *t, const char *path, const char *before, int rc,
    const char *cause, int entries)
{
	char *s = slurp(t, path);

	if (F.renamed) {
		assert_non_null(s);
		assert_string_equal(s, NEW);
	} else if (before == NULL) {
		assert_null(s);
	} else {
		assert_non_null(s);
		assert_string_equal(s, before);
	}
	if (rc < 0) {
		assert_non_null(cause);
		assert_non_null(strstr(cause, path));
		assert_non_null(strstr(cause, strerror(F.err)));
	}
	free(s);
	assert_int_equal(count_entries(t, "/etc/modprobe.d"),
	    entries + (F.renamed && before == NULL));
}

/* Fail every call of a replacement in turn; returns the faults made. */
static int
fault_every_call(
    const char *t, const char *path, bool exists, int err, bool short_write)
{
	struct file_meta m = {true, 0644, geteuid(), getegid()};
	char *p = host_path(t, path);
	int at, n = 0;

	if (geteuid() == 0) {
		m.uid = 42; /* so that fchown is called, and failed */
		m.gid = 43;
	}
	for (at = 1;; at++) {
		int entries, rc;
		char *cause = NULL;

		if (exists) {
			fx_write(t, path, OLD);
			if (geteuid() == 0)
				assert_int_equal(chown(p, 42, 43), 0);
		} else {
			unlink(p);
		}
		entries = count_entries(t, "/etc/modprobe.d");
		reset_faults();
		F.at = at;
		F.err = err;
		F.short_write = short_write;
		rc = replace(t, path, NEW, &m, 0, &cause);
		if (!F.fired) {
			assert_int_equal(rc, 0);
			free(cause);
			break;
		}
		n++;
		check_after_fault(
		    t, path, exists ? OLD : NULL, rc, cause, entries);
		free(cause);
	}
	free(p);
	return n;
}

static void
test_fault_every_call(void **state)
{
	static const int errs[] = {EIO, ENOSPC, EROFS};
	const char *t = *state;
	size_t i;
	int n = 0;

	for (i = 0; i < nitems(errs); i++) {
		n += fault_every_call(
		    t, "/etc/modprobe.d/vfio.conf", true, errs[i], false);
		n += fault_every_call(
		    t, "/etc/modprobe.d/fresh.conf", false, errs[i], false);
		n += fault_every_call(
		    t, "/etc/modprobe.d/vfio.conf", true, errs[i], true);
	}
	print_message("# %d fault points exercised\n", n);
	assert_true(n > 30);
}

/* A write that never takes more than one byte still writes everything. */
static ssize_t
w_write_one(int fd, const void *buf, size_t len)
{
	(void)len;
	return write(fd, buf, 1);
}

static void
test_short_writes_complete(void **state)
{
	struct fsio_ops ops = {.write = w_write_one};
	char *s, *cause;

	fsio_set_ops(&ops); /* the calls left NULL are the real ones */
	assert_int_equal(
	    replace(*state, "/etc/modprobe.d/vfio.conf", NEW, NULL, 0, &cause),
	    0);
	s = slurp(*state, "/etc/modprobe.d/vfio.conf");
	assert_string_equal(s, NEW);
	free(s);
}

static void
test_refuse_symlink_target(void **state)
{
	const char *t = *state;
	char *cause, *s;

	fx_write(t, "/etc/passwd", "root:x:0:0\n");
	fx_symlink(t, "/etc/modprobe.d/x.conf", "/etc/passwd");
	assert_int_equal(
	    replace(t, "/etc/modprobe.d/x.conf", NEW, NULL, 0, &cause), -ELOOP);
	assert_non_null(strstr(cause, "symbolic link"));
	assert_non_null(strstr(cause, "'/etc/modprobe.d/x.conf'"));
	free(cause);
	s = slurp(t, "/etc/passwd");
	assert_string_equal(s, "root:x:0:0\n");
	free(s);
	assert_string_equal(F.created, "");
	assert_int_equal(count_entries(t, "/etc/modprobe.d"), 2);
}

static void
test_planted_temp_link(void **state)
{
	const char *t = *state;
	char *cause, *s, *outside = host_path(t, "/etc/outside");
	struct stat st;

	/* a link is waiting at the temp name: O_EXCL|O_NOFOLLOW refuse it */
	F.plant = 1;
	assert_int_equal(
	    replace(t, "/etc/modprobe.d/vfio.conf", NEW, NULL, 0, &cause), 0);
	assert_int_equal(lstat(outside, &st), -1);
	s = slurp(t, "/etc/modprobe.d/vfio.conf");
	assert_string_equal(s, NEW);
	free(s);
	/* the planted link is still there, untouched: nothing else is */
	assert_int_equal(count_entries(t, "/etc/modprobe.d"), 2);

	/* at every name tried: the replacement fails, writes nothing */
	reset_faults();
	F.plant = 1000;
	assert_int_equal(
	    replace(t, "/etc/modprobe.d/vfio.conf", OLD, NULL, 0, &cause),
	    -EEXIST);
	assert_non_null(strstr(cause, "temporary file"));
	free(cause);
	assert_int_equal(lstat(outside, &st), -1);
	s = slurp(t, "/etc/modprobe.d/vfio.conf");
	assert_string_equal(s, NEW);
	free(s);
	free(outside);
}

static void
test_refuse_hard_link(void **state)
{
	const char *t = *state;
	char *a = host_path(t, "/etc/modprobe.d/vfio.conf");
	char *b = host_path(t, "/etc/other"), *cause;

	assert_int_equal(link(a, b), 0);
	assert_int_equal(
	    replace(t, "/etc/modprobe.d/vfio.conf", NEW, NULL, 0, &cause),
	    -EMLINK);
	assert_non_null(strstr(cause, "hard links"));
	free(cause);
	free(a);
	free(b);
	assert_string_equal(F.created, "");
}

static void
test_refuse_directories(void **state)
{
	const char *t = *state;
	char *cause;

	fx_mkdir(t, "/etc/modprobe.d/dir.conf");
	assert_int_equal(
	    replace(t, "/etc/modprobe.d/dir.conf", NEW, NULL, 0, &cause),
	    -EISDIR);
	assert_non_null(strstr(cause, "is a directory"));
	free(cause);
	fx_write(t, "/etc/modules-load.d", "a file\n");
	assert_int_equal(
	    replace(t, "/etc/modules-load.d/vfio.conf", NEW, NULL, 0, &cause),
	    -ENOTDIR);
	assert_string_equal(cause, "'/etc/modules-load.d' is not a directory");
	free(cause);
}

static void
test_refuse_immutable(void **state)
{
	const char *t = *state;
	char *p = host_path(t, "/etc/modprobe.d/vfio.conf"), *cause, *s;
	int fd, flags = 0, rc;

	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	if (geteuid() != 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
		close(fd);
		free(p);
		print_message("# skip: chattr +i needs root and a file system "
			      "with inode flags\n");
		skip();
	}
	flags |= FS_IMMUTABLE_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0) {
		close(fd);
		free(p);
		print_message("# skip: this file system has no chattr +i\n");
		skip();
	}
	rc = replace(t, "/etc/modprobe.d/vfio.conf", NEW, NULL, 0, &cause);
	flags &= ~FS_IMMUTABLE_FL;
	assert_int_equal(ioctl(fd, FS_IOC_SETFLAGS, &flags), 0);
	close(fd);
	assert_int_equal(rc, -EPERM);
	assert_non_null(strstr(cause, "immutable"));
	free(cause);
	s = slurp(t, "/etc/modprobe.d/vfio.conf");
	assert_string_equal(s, OLD);
	free(s);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_replace_keeps_owner_mode_xattr),
	    T(test_new_file_gets_meta),
	    T(test_fault_every_call),
	    T(test_short_writes_complete),
	    T(test_refuse_symlink_target),
	    T(test_planted_temp_link),
	    T(test_refuse_hard_link),
	    T(test_refuse_directories),
	    T(test_refuse_immutable),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
