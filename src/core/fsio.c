/*
 * fsio.c: safe file replacement below a root (see fsio.h): the target's
 * directory is opened through the root handle, a temporary file with an
 * unpredictable name is created beside the target with O_EXCL|O_NOFOLLOW,
 * given the old file's owner, mode and extended attributes, fsynced and
 * renamed over the target, and the directory is fsynced. Every system call
 * that changes something goes through struct fsio_ops (fault injection).
 *
 * The pmxcfs rules (no fsync, no chown/chmod, PVE's "<file>.tmp.<pid>"
 * name, 1 MiB) and the read, remove and writability calls are in
 * fsio_pve.c; the pieces both share are in fsio_priv.h.
 */
#include "vfio-wizard/fsio.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/testhook.h"
#include "fsio_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/xattr.h>
#include <unistd.h>

static int
sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return openat(dirfd, path, flags, mode);
}

const struct fsio_ops fsio_default_ops = {
    .openat = sys_openat,
    .write = write,
    .fsync = fsync,
    .renameat = renameat,
    .unlinkat = unlinkat,
    .fchown = fchown,
    .fchmod = fchmod,
    .close = close,
};

static const struct fsio_ops *cur_ops = &fsio_default_ops;

void
fsio_set_ops(const struct fsio_ops *ops)
{
	cur_ops = ops != NULL ? ops : &fsio_default_ops;
}

/* The call a test left NULL falls back to the real one. */
#define CUR(name) \
	(cur_ops->name != NULL ? cur_ops->name : fsio_default_ops.name)

/*
 * The fault-injection wrappers (VFIO_WIZARD_TEST_FAULT, testhook.h): each
 * counts the call, then fails it or passes it on to the ops in force.
 */
static int
fault_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	int err = test_fault_point("open", dirfd, path);

	if (err != 0) {
		errno = err;
		return -1;
	}
	return CUR(openat)(dirfd, path, flags, mode);
}

/* SHORT writes half the bytes; the write after that fails with EIO. */
static ssize_t
fault_write(int fd, const void *buf, size_t len)
{
	static bool short_done;
	int err = test_fault_point("write", fd, NULL);

	if (short_done) {
		short_done = false;
		err = EIO;
	}
	if (err == TEST_FAULT_SHORT && len >= 2) {
		short_done = true;
		return CUR(write)(fd, buf, len / 2);
	}
	if (err != 0) {
		errno = err == TEST_FAULT_SHORT ? EIO : err;
		return -1;
	}
	return CUR(write)(fd, buf, len);
}

static int
fault_fsync(int fd)
{
	int err = test_fault_point("fsync", fd, NULL);

	if (err != 0) {
		errno = err;
		return -1;
	}
	return CUR(fsync)(fd);
}

static int
fault_renameat(int olddirfd, const char *old, int newdirfd, const char *new)
{
	int err = test_fault_point("rename", newdirfd, new);

	if (err != 0) {
		errno = err;
		return -1;
	}
	return CUR(renameat)(olddirfd, old, newdirfd, new);
}

static int
fault_unlinkat(int dirfd, const char *path, int flags)
{
	int err = test_fault_point("unlink", dirfd, path);

	if (err != 0) {
		errno = err;
		return -1;
	}
	return CUR(unlinkat)(dirfd, path, flags);
}

static int
pass_fchown(int fd, uid_t uid, gid_t gid)
{
	return CUR(fchown)(fd, uid, gid);
}

static int
pass_fchmod(int fd, mode_t mode)
{
	return CUR(fchmod)(fd, mode);
}

static int
pass_close(int fd)
{
	return CUR(close)(fd);
}

static const struct fsio_ops fault_ops = {
    .openat = fault_openat,
    .write = fault_write,
    .fsync = fault_fsync,
    .renameat = fault_renameat,
    .unlinkat = fault_unlinkat,
    .fchown = pass_fchown,
    .fchmod = pass_fchmod,
    .close = pass_close,
};

const struct fsio_ops *
fsio_ops(void)
{
	return test_fault_enabled() ? &fault_ops : cur_ops;
}

/* The call in force: through fsio_ops(), so faults are injected. */
#define OP(name) \
	(fsio_ops()->name != NULL ? fsio_ops()->name : fsio_default_ops.name)

int
fsio_fail(char **cause, int err, const char *fmt, ...)
{
	va_list ap;
	char *what;

	if (cause != NULL) {
		va_start(ap, fmt);
		what = xvasprintf(fmt, ap);
		va_end(ap);
		*cause = xasprintf("%s: %s", what, strerror(-err));
		free(what);
	}
	return err;
}

int
fsio_refuse(char **cause, int err, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return err;
}

int
fsio_open_parent(
    const struct root *r, const char *path, char **base, char **cause)
{
	const char *slash;
	char *dir;
	int fd;

	if (path[0] != '/')
		return fsio_refuse(
		    cause, -EINVAL, "'%s' is not an absolute path", path);
	slash = strrchr(path, '/');
	if (slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return fsio_refuse(
		    cause, -EINVAL, "'%s' does not name a file", path);
	dir = slash == path ? xstrdup("/")
			    : xstrndup(path, (size_t)(slash - path));
	fd = root_openat(r, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		if (fd == -ENOTDIR)
			fsio_refuse(cause, fd, "'%s' is not a directory", dir);
		else
			fsio_fail(cause, fd, "cannot open directory '%s'", dir);
		free(dir);
		return fd;
	}
	free(dir);
	*base = xstrdup(slash + 1);
	return fd;
}

/* A fresh temporary name beside base: "<base>.vw-" and six random chars. */
static char *
temp_name(const char *base)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];
	char suffix[7];
	size_t i;

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		/* getrandom only fails before the pool is ready: mix time */
		unsigned long v = (unsigned long)getpid() * 2654435761u ^
				  (unsigned long)(uintptr_t)&rnd;
		for (i = 0; i < sizeof rnd; i++)
			rnd[i] = (unsigned char)(v >> (i * 5));
	}
	for (i = 0; i < sizeof rnd; i++)
		suffix[i] = set[rnd[i] % (sizeof set - 1)];
	suffix[6] = '\0';
	return xasprintf("%s.vw-%s", base, suffix);
}

int
fsio_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = OP(write)(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fsio_old_file(int dfd, const char *path, const char *base, bool pmxcfs,
    struct stat *st, int *ofd, char **cause)
{
	int fd, attr = 0;
	struct stat fst;

	*ofd = -1;
	if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return fsio_fail(cause, -errno, "cannot stat '%s'", path);
	}
	if (S_ISLNK(st->st_mode))
		return fsio_refuse(cause, -ELOOP,
		    "'%s' is a symbolic link; refusing to write through it",
		    path);
	if (S_ISDIR(st->st_mode))
		return fsio_refuse(cause, -EISDIR, "'%s' is a directory", path);
	if (!S_ISREG(st->st_mode))
		return fsio_refuse(
		    cause, -EINVAL, "'%s' is not a regular file", path);
	if (st->st_nlink > 1)
		return fsio_refuse(cause, -EMLINK,
		    "'%s' has %lu hard links; replacing it would split them",
		    path, (unsigned long)st->st_nlink);
	fd = OP(openat)(dfd, base,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
	if (fd < 0)
		return fsio_fail(cause, -errno, "cannot open '%s'", path);
	*ofd = fd;
	if (fstat(fd, &fst) < 0)
		return fsio_fail(cause, -errno, "cannot stat '%s'", path);
	if (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)
		return fsio_refuse(cause, -EAGAIN,
		    "'%s' changed while it was being opened", path);
	if (pmxcfs)
		return 1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &attr) < 0) {
		if (errno != ENOTTY && errno != ENOTSUP && errno != EINVAL &&
		    errno != ENOSYS)
			return fsio_fail(cause, -errno,
			    "cannot read the attributes of '%s'", path);
		attr = 0;
	}
	if (attr & FS_IMMUTABLE_FL)
		return fsio_refuse(cause, -EPERM,
		    "'%s' is immutable (chattr +i); refusing to replace it",
		    path);
	if (attr & FS_APPEND_FL)
		return fsio_refuse(cause, -EPERM,
		    "'%s' is append-only (chattr +a); refusing to replace it",
		    path);
	return 1;
}

/* Copy the extended attributes of the old file to the temporary one. */
static int
copy_xattrs(int from, int to)
{
	char *names = NULL, *val = NULL, *name;
	ssize_t n, vn;
	int err = 0;

	n = flistxattr(from, NULL, 0);
	if (n <= 0)
		return (n < 0 && errno != ENOTSUP) ? -errno : 0;
	names = xmalloc((size_t)n);
	n = flistxattr(from, names, (size_t)n);
	if (n < 0) {
		err = errno == ENOTSUP ? 0 : -errno;
		goto out;
	}
	for (name = names; name < names + n; name += strlen(name) + 1) {
		vn = fgetxattr(from, name, NULL, 0);
		if (vn < 0) {
			err = -errno;
			goto out;
		}
		val = xreallocarray(val, (size_t)vn + 1, 1);
		vn = fgetxattr(from, name, val, (size_t)vn);
		if (vn < 0 || fsetxattr(to, name, val, (size_t)vn, 0) < 0) {
			if (errno == ENOTSUP)
				continue; /* the target keeps none: fine */
			err = -errno;
			goto out;
		}
	}
out:
	free(val);
	free(names);
	return err;
}

/* Give the temporary file the owner and mode it must end with. */
static int
set_owner_mode(int tfd, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;

	if (fstat(tfd, &st) < 0)
		return -errno;
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    OP(fchown)(tfd, uid, gid) < 0)
		return -errno;
	if (OP(fchmod)(tfd, mode & 07777) < 0)
		return -errno;
	return 0;
}

int
fsio_replace_at(struct fsio_job *j)
{
	const char *path = j->path;
	char **cause = j->cause;
	int tfd = -1, err = 0, attempt;
	char *tmp = NULL;
	uid_t uid;
	gid_t gid;
	mode_t mode;

	if (j->exists) {
		uid = j->old.st_uid;
		gid = j->old.st_gid;
		mode = j->old.st_mode & 07777;
	} else {
		uid = j->meta != NULL ? j->meta->uid : geteuid();
		gid = j->meta != NULL ? j->meta->gid : getegid();
		mode = j->meta != NULL ? j->meta->mode & 07777 : 0644;
	}
	for (attempt = 0; attempt < 16; attempt++) {
		free(tmp);
		tmp = temp_name(j->base);
		tfd = OP(openat)(j->dfd, tmp,
		    O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600);
		if (tfd >= 0 || errno != EEXIST)
			break;
	}
	if (tfd < 0) {
		err = fsio_fail(cause, -errno,
		    "cannot create a temporary file beside '%s'", path);
		free(tmp);
		return err;
	}
	if ((err = fsio_write_all(tfd, j->data, j->len)) < 0) {
		fsio_fail(cause, err, "cannot write '%s'", path);
		goto fail;
	}
	if ((err = set_owner_mode(tfd, uid, gid, mode)) < 0) {
		fsio_fail(
		    cause, err, "cannot set the owner and mode of '%s'", path);
		goto fail;
	}
	if (j->ofd >= 0 && (err = copy_xattrs(j->ofd, tfd)) < 0) {
		fsio_fail(cause, err,
		    "cannot copy the extended attributes of '%s'", path);
		goto fail;
	}
	if (OP(fsync)(tfd) < 0) {
		err = fsio_fail(cause, -errno, "cannot sync '%s'", path);
		goto fail;
	}
	err = OP(close)(tfd) < 0 ? -errno : 0;
	tfd = -1;
	if (err < 0) {
		fsio_fail(cause, err, "cannot write '%s'", path);
		goto fail;
	}
	if (OP(renameat)(j->dfd, tmp, j->dfd, j->base) < 0) {
		err = fsio_fail(cause, -errno, "cannot rename over '%s'", path);
		goto fail;
	}
	free(tmp);
	if (OP(fsync)(j->dfd) < 0)
		return fsio_fail(cause, -errno,
		    "'%s' was replaced but its directory cannot be synced",
		    path);
	return 0;
fail:
	if (tfd >= 0)
		OP(close)(tfd);
	OP(unlinkat)(j->dfd, tmp, 0);
	free(tmp);
	return err;
}

/*
 * FSIO_DURABLE_ONLY: append data to the file (created when absent), fsync
 * it, and the directory when the file is new; a failure cuts the file back
 * to its old length.
 */
int
fsio_append_at(struct fsio_job *j)
{
	int fd, err = 0;
	mode_t mode = j->meta != NULL ? j->meta->mode & 07777 : 0600;
	off_t old = j->exists ? j->old.st_size : 0;

	fd = OP(openat)(j->dfd, j->base,
	    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return fsio_fail(j->cause, -errno, "cannot open '%s'", j->path);
	if ((err = fsio_write_all(fd, j->data, j->len)) < 0)
		fsio_fail(j->cause, err, "cannot write '%s'", j->path);
	else if (OP(fsync)(fd) < 0)
		err = fsio_fail(j->cause, -errno, "cannot sync '%s'", j->path);
	if (err < 0 && ftruncate(fd, old) == 0)
		(void)OP(fsync)(fd);
	if (OP(close)(fd) < 0 && err == 0)
		err = fsio_fail(j->cause, -errno, "cannot write '%s'", j->path);
	if (err < 0) {
		if (!j->exists)
			OP(unlinkat)(j->dfd, j->base, 0);
		return err;
	}
	if (!j->exists && OP(fsync)(j->dfd) < 0)
		return fsio_fail(j->cause, -errno,
		    "cannot sync the directory of '%s'", j->path);
	return 0;
}
