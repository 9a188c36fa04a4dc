/*
 * fsio_pve.c: the public fsio calls (fsio.h) around the replacement in
 * fsio.c: the pmxcfs rules, reading a file with its metadata, removing a
 * file, and the writability check made before anything changes.
 *
 * pmxcfs is recognised by its FUSE magic on /etc/pve; a fixture root (not
 * the host) stands for pmxcfs when it holds /etc/pve/.version, the virtual
 * file every pmxcfs has. Quorum is read from /etc/pve/.members (pmxcfs's
 * JSON, '"quorate": 0' when this node has none), so a fixture says "no
 * quorum" the same way a cluster does.
 */
#include "vfio-wizard/fsio.h"
#include "vfio-wizard/root.h"
#include "fsio_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546

#define OP(name) \
	(fsio_ops()->name != NULL ? fsio_ops()->name : fsio_default_ops.name)

/* True when path is /etc/pve or below it, with no ".." to climb out. */
static bool
below_etc_pve(const char *path)
{
	const char *p;

	if (!str_startswith(path, "/etc/pve") ||
	    (path[8] != '\0' && path[8] != '/'))
		return false;
	for (p = path; (p = strstr(p, "/..")) != NULL; p += 3) {
		if (p[3] == '\0' || p[3] == '/')
			return false;
	}
	return true;
}

bool
fsio_is_pmxcfs(const struct root *r, const char *path)
{
	struct statfs sfs;
	int fd;
	bool fuse = false;

	if (!below_etc_pve(path))
		return false;
	fd = root_openat(r, "/etc/pve", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return false;
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == FUSE_SUPER_MAGIC)
		fuse = true;
	close(fd);
	if (fuse)
		return true;
	return !root_is_host(r) && root_exists(r, "/etc/pve/.version");
}

/* -EROFS when /etc/pve/.members says this node has no quorum. */
static int
pmxcfs_quorate(const struct root *r)
{
	char *text, *q;
	int err = 0;

	if (root_read(r, "/etc/pve/.members", &text, NULL) < 0)
		return 0; /* a single node has no cluster section: quorate */
	q = strstr(text, "\"quorate\"");
	if (q != NULL) {
		q += strlen("\"quorate\"");
		q += strspn(q, " \t\n:");
		if (*q == '0')
			err = -EROFS;
	}
	free(text);
	return err;
}

int
fsio_check_writable(const struct root *r, const char *path, char **cause)
{
	struct statvfs svfs;
	char *base;
	int dfd, err = 0;

	dfd = fsio_open_parent(r, path, &base, cause);
	if (dfd < 0)
		return dfd;
	free(base);
	if (fstatvfs(dfd, &svfs) == 0 && (svfs.f_flag & ST_RDONLY))
		err = fsio_refuse(
		    cause, -EROFS, "'%s' is on a read-only file system", path);
	else if (faccessat(dfd, "", W_OK, AT_EMPTY_PATH | AT_EACCESS) < 0 &&
		 errno != EINVAL && errno != ENOSYS)
		err =
		    fsio_fail(cause, -errno, "cannot write beside '%s'", path);
	else if (fsio_is_pmxcfs(r, path) && pmxcfs_quorate(r) < 0)
		err = fsio_refuse(cause, -EROFS,
		    "'/etc/pve' is read-only: this node has no quorum, so "
		    "'%s' cannot be written",
		    path);
	close(dfd);
	return err;
}

/*
 * The pmxcfs replacement, as PVE does it: "<file>.tmp.<pid>", written and
 * renamed; no fsync (pmxcfs commits each write), chown or chmod (ownership
 * is fixed, modes are 0640 or 0600), no extended attributes.
 */
static int
pmxcfs_replace_at(struct fsio_job *j)
{
	mode_t mode;
	char *tmp;
	int tfd, err;

	if (j->exists)
		mode = (j->old.st_mode & 0077) ? 0640 : 0600;
	else
		mode =
		    (j->meta == NULL || (j->meta->mode & 0077)) ? 0640 : 0600;
	tmp = xasprintf("%s.tmp.%ld", j->base, (long)getpid());
	tfd = OP(openat)(j->dfd, tmp,
	    O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
	if (tfd < 0 && errno == EEXIST) {
		/* our pid's name: a leftover of a dead run with the same pid */
		OP(unlinkat)(j->dfd, tmp, 0);
		tfd = OP(openat)(j->dfd, tmp,
		    O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
	}
	if (tfd < 0) {
		err = fsio_fail(j->cause, -errno,
		    "cannot create a temporary file beside '%s'", j->path);
		free(tmp);
		return err;
	}
	if ((err = fsio_write_all(tfd, j->data, j->len)) < 0) {
		fsio_fail(j->cause, err, "cannot write '%s'", j->path);
		OP(close)(tfd);
		goto fail;
	}
	if (OP(close)(tfd) < 0) {
		err = fsio_fail(j->cause, -errno, "cannot write '%s'", j->path);
		goto fail;
	}
	if (OP(renameat)(j->dfd, tmp, j->dfd, j->base) < 0) {
		err = fsio_fail(
		    j->cause, -errno, "cannot rename over '%s'", j->path);
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	OP(unlinkat)(j->dfd, tmp, 0);
	free(tmp);
	return err;
}

int
fsio_replace(const struct root *r, const char *path, const void *data,
    size_t len, const struct file_meta *meta, unsigned flags, char **cause)
{
	struct fsio_job j;
	bool pmxcfs;
	int err;

	if (cause != NULL)
		*cause = NULL;
	pmxcfs = (flags & FSIO_PMXCFS) || fsio_is_pmxcfs(r, path);
	if (pmxcfs && len > FSIO_PMXCFS_MAX)
		return fsio_refuse(cause, -EFBIG,
		    "'%s' would be %zu bytes; /etc/pve (pmxcfs) takes at most "
		    "1 MiB per file",
		    path, len);
	if (pmxcfs && (err = fsio_check_writable(r, path, cause)) < 0)
		return err;
	memset(&j, 0, sizeof j);
	j.path = path;
	j.data = data;
	j.len = len;
	j.meta = meta;
	j.cause = cause;
	j.ofd = -1;
	j.dfd = fsio_open_parent(r, path, &j.base, cause);
	if (j.dfd < 0)
		return j.dfd;
	err = fsio_old_file(j.dfd, path, j.base, pmxcfs, &j.old, &j.ofd, cause);
	if (err >= 0) {
		j.exists = err == 1;
		if (flags & FSIO_DURABLE_ONLY)
			err = fsio_append_at(&j);
		else if (pmxcfs)
			err = pmxcfs_replace_at(&j);
		else
			err = fsio_replace_at(&j);
	}
	if (j.ofd >= 0)
		OP(close)(j.ofd);
	OP(close)(j.dfd);
	free(j.base);
	return err;
}

int
fsio_remove(
    const struct root *r, const char *path, unsigned flags, char **cause)
{
	struct stat st;
	char *base;
	int dfd, err = 0;

	if (cause != NULL)
		*cause = NULL;
	dfd = fsio_open_parent(r, path, &base, cause);
	if (dfd == -ENOENT)
		return 0; /* its directory is gone: so is the file */
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			err =
			    fsio_fail(cause, -errno, "cannot stat '%s'", path);
	} else if (!S_ISREG(st.st_mode)) {
		err = fsio_refuse(cause, -EINVAL,
		    "'%s' is not a regular file; refusing to remove it", path);
	} else if (OP(unlinkat)(dfd, base, 0) < 0) {
		err = fsio_fail(cause, -errno, "cannot remove '%s'", path);
	} else if (!(flags & FSIO_PMXCFS) && !fsio_is_pmxcfs(r, path) &&
		   OP(fsync)(dfd) < 0) {
		err = fsio_fail(cause, -errno,
		    "'%s' was removed but its directory cannot be synced",
		    path);
	}
	OP(close)(dfd);
	free(base);
	return err;
}

int
fsio_read(const struct root *r, const char *path, char **data, size_t *len,
    struct file_meta *meta, char **cause)
{
	struct stat st;
	size_t cap, used = 0;
	char *buf;
	int fd;

	if (cause != NULL)
		*cause = NULL;
	*data = NULL;
	*len = 0;
	memset(meta, 0, sizeof *meta);
	fd = root_openat(r, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd == -ELOOP)
		return fsio_refuse(cause, fd, "'%s' is a symbolic link", path);
	if (fd < 0)
		return fsio_fail(cause, fd, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		int err = -errno;

		close(fd);
		return fsio_fail(cause, err, "cannot stat '%s'", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fsio_refuse(cause,
		    S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
		    "'%s' is not a regular file", path);
	}
	cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			free(buf);
			return fsio_fail(cause, err, "cannot read '%s'", path);
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*data = buf;
	*len = used;
	meta->exists = true;
	meta->mode = st.st_mode & 07777;
	meta->uid = st.st_uid;
	meta->gid = st.st_gid;
	return 0;
}
