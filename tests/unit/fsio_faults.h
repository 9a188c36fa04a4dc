/*
 * fsio_faults.h: the fault-injecting fsio ops and fixture helpers shared by
 * test_fsio.c and test_fsio_pve.c (static: each test program has its own).
 * F.at fails the at-th system call with F.err (or, with F.short_write,
 * makes the at-th write short and the next one fail); the wrappers count
 * what they saw.
 */
#ifndef VW_FSIO_FAULTS_H
#define VW_FSIO_FAULTS_H

#include "vfio-wizard/fsio.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define OLD "options kvm ignore_msrs=1\n"
#define NEW "options vfio-pci ids=8086:0412\noptions kvm ignore_msrs=1\n"

/* The fault plan and what the wrapped calls saw. */
static struct {
	int at;		  /* fail the at-th call (1-based), 0 = none */
	int err;	  /* with this errno */
	bool short_write; /* at counts writes: short, then err */
	bool short_pending;
	int calls, writes;
	bool fired, renamed;
	int fsyncs, fchowns, fchmods;
	int plant; /* plant a symlink at the next n temp names */
	char created[256];
} F;

static bool
hit(void)
{
	F.calls++;
	if (F.short_write || F.at == 0 || F.calls != F.at)
		return false;
	F.fired = true;
	errno = F.err;
	return true;
}

static int
w_openat(int dfd, const char *path, int flags, mode_t mode)
{
	if (hit())
		return -1;
	if (flags & O_CREAT) {
		snprintf(F.created, sizeof F.created, "%s", path);
		if (F.plant > 0) {
			F.plant--;
			assert_int_equal(symlinkat("../outside", dfd, path), 0);
		}
	}
	return openat(dfd, path, flags, mode);
}

static ssize_t
w_write(int fd, const void *buf, size_t len)
{
	if (hit())
		return -1;
	if (F.short_write && F.at != 0) {
		if (F.short_pending) {
			F.fired = true;
			errno = F.err;
			return -1;
		}
		if (++F.writes == F.at && len > 1) {
			F.short_pending = true;
			len /= 2;
		}
	}
	return write(fd, buf, len);
}

static int
w_fsync(int fd)
{
	F.fsyncs++;
	return hit() ? -1 : fsync(fd);
}

static int
w_renameat(int a, const char *old, int b, const char *new)
{
	int rc;

	if (hit())
		return -1;
	rc = renameat(a, old, b, new);
	if (rc == 0)
		F.renamed = true;
	return rc;
}

static int
w_unlinkat(int dfd, const char *path, int flags)
{
	return hit() ? -1 : unlinkat(dfd, path, flags);
}

static int
w_fchown(int fd, uid_t u, gid_t g)
{
	F.fchowns++;
	return hit() ? -1 : fchown(fd, u, g);
}

static int
w_fchmod(int fd, mode_t m)
{
	F.fchmods++;
	return hit() ? -1 : fchmod(fd, m);
}

static int
w_close(int fd)
{
	if (hit()) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static const struct fsio_ops wrapped = {
    .openat = w_openat,
    .write = w_write,
    .fsync = w_fsync,
    .renameat = w_renameat,
    .unlinkat = w_unlinkat,
    .fchown = w_fchown,
    .fchmod = w_fchmod,
    .close = w_close,
};

static void
reset_faults(void)
{
	memset(&F, 0, sizeof F);
	fsio_set_ops(&wrapped);
}

static int
setup(void **state)
{
	char *t = fx_mkroot();

	fx_write(t, "/etc/modprobe.d/vfio.conf", OLD);
	fx_mkdir(t, "/var/lib/vfio-wizard");
	*state = t;
	reset_faults();
	return 0;
}

static int
teardown(void **state)
{
	fsio_set_ops(NULL);
	fx_rmroot(*state);
	return 0;
}

static char *
host_path(const char *t, const char *path)
{
	return xasprintf("%s%s", t, path);
}

/* The bytes of a fixture file, NULL when absent. */
static char *
slurp(const char *t, const char *path)
{
	struct root *r;
	char *s;

	assert_int_equal(root_open(t, &r), 0);
	if (root_read(r, path, &s, NULL) < 0)
		s = NULL;
	root_free(r);
	return s;
}

/* The number of entries in a fixture directory. */
static int
count_entries(const char *t, const char *dir)
{
	char *p = host_path(t, dir);
	struct dirent *de;
	DIR *d = opendir(p);
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	free(p);
	return n;
}

static int
replace(const char *t, const char *path, const char *text,
    const struct file_meta *meta, unsigned flags, char **cause)
{
	struct root *r;
	int rc;

	assert_int_equal(root_open(t, &r), 0);
	rc = fsio_replace(r, path, text, strlen(text), meta, flags, cause);
	root_free(r);
	return rc;
}

#endif
