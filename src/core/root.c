/*
 * root.c: the root handle, the one door through which host state is read.
 *
 * Paths are resolved inside the root directory: with openat2(2) and
 * RESOLVE_IN_ROOT where the kernel has it, otherwise with a component walk
 * that reads each symlink and clamps ".." and absolute targets at the root.
 * Either way an absolute link such as "/etc/pve/local -> /etc/pve/nodes/pve1"
 * resolves inside the fixture tree, never on the machine running the tests.
 */
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#define ROOT_MAX_LINKS 40

struct root {
	char *dir; /* absolute, no trailing slash except "/" */
	int fd;	   /* O_PATH descriptor of dir */
	bool host;
};

int
root_open(const char *dir, struct root **out)
{
	struct root *r;
	char *real;
	int fd;

	if (dir == NULL)
		dir = "/";
	real = realpath(dir, NULL);
	if (real == NULL)
		return -errno;
	fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;
		free(real);
		return err;
	}
	r = xcalloc(1, sizeof *r);
	r->dir = real;
	r->fd = fd;
	r->host = strcmp(real, "/") == 0;
	*out = r;
	return 0;
}

void
root_free(struct root *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	free(r->dir);
	free(r);
}

const char *
root_dir(const struct root *r)
{
	return r->dir;
}

bool
root_is_host(const struct root *r)
{
	return r->host;
}

char *
root_join(const struct root *r, const char *path)
{
	if (r->host)
		return xstrdup(path);
	while (*path == '/')
		path++;
	return xasprintf("%s/%s", r->dir, path);
}

/* Append one path component to a relative path being built. */
static void
push_component(struct strbuf *sb, const char *c, size_t len)
{
	if (sb->len > 0)
		sb_addc(sb, '/');
	sb_add(sb, c, len);
}

/* Drop the last component of a relative path being built. */
static void
pop_component(struct strbuf *sb)
{
	char *slash;

	if (sb->len == 0)
		return;
	slash = strrchr(sb->buf, '/');
	sb->len = slash != NULL ? (size_t)(slash - sb->buf) : 0;
	sb->buf[sb->len] = '\0';
}

/*
 * Resolve path inside the root without openat2: every symlink met is read
 * and spliced in, absolute targets restart at the root and ".." stops there.
 * The result is relative to the root fd and contains no symlink (except the
 * last component when !follow_last).
 */
static int
walk_resolve(
    const struct root *r, const char *path, bool follow_last, char **out)
{
	struct strbuf done = STRBUF_INIT, todo = STRBUF_INIT;
	char link[PATH_MAX];
	int links = 0;
	size_t pos = 0;

	sb_adds(&todo, path);
	while (pos < todo.len) {
		const char *c = todo.buf + pos;
		size_t len = strcspn(c, "/");
		bool last = pos + len >= todo.len;
		ssize_t n;
		size_t mark;

		pos += len + 1;
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			pop_component(&done);
			continue;
		}
		mark = done.len;
		push_component(&done, c, len);
		if (last && !follow_last)
			continue;
		n = readlinkat(r->fd, done.buf, link, sizeof link - 1);
		if (n < 0) {
			if (errno == EINVAL || errno == ENOENT)
				continue; /* not a link, or absent */
			goto fail;
		}
		if (++links > ROOT_MAX_LINKS) {
			errno = ELOOP;
			goto fail;
		}
		link[n] = '\0';
		done.len = mark;
		done.buf[done.len] = '\0';
		if (link[0] == '/')
			sb_reset(&done);
		{
			/* splice the target in front of what is left */
			struct strbuf next = STRBUF_INIT;

			sb_adds(&next, link);
			if (pos < todo.len) {
				sb_addc(&next, '/');
				sb_adds(&next, todo.buf + pos);
			}
			sb_release(&todo);
			todo = next;
			pos = 0;
		}
	}
	sb_release(&todo);
	if (done.len == 0)
		sb_adds(&done, ".");
	*out = sb_detach(&done);
	return 0;
fail : {
	int err = -errno;
	sb_release(&todo);
	sb_release(&done);
	return err;
}
}

int
root_resolve(const struct root *r, const char *path, char **out)
{
	char *rel;
	int err = walk_resolve(r, path, true, &rel);

	if (err < 0)
		return err;
	*out = strcmp(rel, ".") == 0 ? xstrdup("/") : xasprintf("/%s", rel);
	free(rel);
	return 0;
}

/* The path relative to the root fd, "." for the root itself. */
static const char *
relative(const char *path)
{
	while (*path == '/')
		path++;
	return *path == '\0' ? "." : path;
}

int
root_openat(const struct root *r, const char *path, int flags, mode_t mode)
{
	char *resolved;
	int fd, err;

#if defined(SYS_openat2) && defined(RESOLVE_IN_ROOT)
	{
		struct open_how how;

		memset(&how, 0, sizeof how);
		how.flags = (unsigned)flags | O_CLOEXEC;
		how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
		how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(
		    SYS_openat2, r->fd, relative(path), &how, sizeof how);
		if (fd >= 0)
			return fd;
		/* EAGAIN: a rename elsewhere raced a ".." step; walk instead */
		if (errno != ENOSYS && errno != EPERM && errno != EAGAIN)
			return -errno;
	}
#endif
	err = walk_resolve(r, path, !(flags & O_NOFOLLOW), &resolved);
	if (err < 0)
		return err;
	fd = openat(r->fd, resolved, flags | O_CLOEXEC, mode);
	err = fd < 0 ? -errno : fd;
	free(resolved);
	return err;
}

/* Open the directory holding path's last component; *base points into path. */
static int
open_parent(const struct root *r, const char *path, const char **base)
{
	const char *slash;
	char *dir;
	int fd;

	while (*path == '/')
		path++;
	slash = strrchr(path, '/');
	if (slash == NULL) {
		*base = *path ? path : ".";
		return root_openat(r, "/", O_PATH | O_DIRECTORY, 0);
	}
	if (slash[1] == '\0')
		return -EINVAL;
	*base = slash + 1;
	dir = xstrndup(path, (size_t)(slash - path));
	fd = root_openat(r, dir, O_PATH | O_DIRECTORY, 0);
	free(dir);
	return fd;
}

/*
 * Read what fd holds into a NUL-terminated buffer; closes fd. With
 * short_ends, a read(2) shorter than asked for ends it (sysfs attributes).
 */
static int
read_fd(int fd, bool short_ends, char **out, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf;

	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			int err = -errno;
			if (errno == EINTR)
				continue;
			close(fd);
			free(buf);
			return err;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (short_ends && (size_t)n < cap - (used - (size_t)n) - 1)
			break;
	}
	close(fd);
	buf[used] = '\0';
	/* most attributes are a few bytes: do not keep the page-sized buffer */
	if (cap - used > 256)
		buf = xreallocarray(buf, used + 1, 1);
	*out = buf;
	if (len != NULL)
		*len = used;
	return 0;
}

int
root_read(const struct root *r, const char *path, char **out, size_t *len)
{
	int fd = root_openat(r, path, O_RDONLY, 0);

	if (fd < 0)
		return fd;
	return read_fd(fd, false, out, len);
}

int
root_read_line(const struct root *r, const char *path, char **out)
{
	int err = root_read(r, path, out, NULL);

	if (err == 0)
		str_rstrip(*out);
	return err;
}

int
root_read_ulong(const struct root *r, const char *path, unsigned long *v)
{
	char *s, *end;
	int err;

	err = root_read_line(r, path, &s);
	if (err < 0)
		return err;
	errno = 0;
	*v = strtoul(s, &end, 0);
	err = (errno != 0 || end == s || *end != '\0') ? -EINVAL : 0;
	free(s);
	return err;
}

int
root_readlink(const struct root *r, const char *path, char **out)
{
	char buf[PATH_MAX];
	const char *base;
	ssize_t n;
	int dfd;

	dfd = open_parent(r, path, &base);
	if (dfd < 0)
		return dfd;
	n = readlinkat(dfd, base, buf, sizeof buf - 1);
	if (n < 0) {
		int err = -errno;
		close(dfd);
		return err;
	}
	close(dfd);
	buf[n] = '\0';
	*out = xstrdup(buf);
	return 0;
}

int
root_readlink_base(const struct root *r, const char *path, char **out)
{
	char *target, *slash;
	int err;

	err = root_readlink(r, path, &target);
	if (err < 0)
		return err;
	slash = strrchr(target, '/');
	*out = xstrdup(slash != NULL ? slash + 1 : target);
	free(target);
	return 0;
}

int
root_stat(const struct root *r, const char *path, struct stat *st, bool follow)
{
	const char *base;
	int dfd, err = 0;

	if (follow) {
		int fd = root_openat(r, path, O_PATH, 0);

		if (fd < 0)
			return fd;
		if (fstat(fd, st) < 0)
			err = -errno;
		close(fd);
		return err;
	}
	dfd = open_parent(r, path, &base);
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	close(dfd);
	return err;
}

bool
root_exists(const struct root *r, const char *path)
{
	struct stat st;

	return root_stat(r, path, &st, true) == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kernel's struct linux_dirent64, as getdents64(2) fills it. */
struct vw_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * List and close an open directory fd, sorted, without "." and "..".
 * getdents64(2) straight into a buffer: fdopendir's fcntl and fstat cost
 * two more calls per directory, which adds up over 4,096 IOMMU groups.
 */
static int
listdir_fd(int fd, char ***names, size_t *n)
{
	char buf[16384] __attribute__((aligned(8)));
	char **v = NULL;
	size_t count = 0;

	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
		long pos = 0;

		if (got < 0) {
			int err = -errno;

			if (errno == EINTR)
				continue;
			close(fd);
			strv_free(v, count);
			return err;
		}
		if (got == 0)
			break;
		while (pos < got) {
			const struct vw_dirent64 *de =
			    (const struct vw_dirent64 *)(buf + pos);

			pos += de->d_reclen;
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			ARRAY_PUSH(v, count, xstrdup(de->d_name));
		}
	}
	close(fd);
	if (count > 1)
		qsort(v, count, sizeof *v, cmp_names);
	*names = v;
	*n = count;
	return 0;
}

int
root_listdir(const struct root *r, const char *path, char ***names, size_t *n)
{
	int fd = root_openat(r, path, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0)
		return fd;
	return listdir_fd(fd, names, n);
}

int
root_opendir(const struct root *r, const char *path)
{
	return root_openat(r, path, O_RDONLY | O_DIRECTORY, 0);
}

int
root_openat_in(const struct root *r, int dirfd, const char *dirpath,
    const char *name, int flags)
{
	char *path;
	int fd;

#if defined(SYS_openat2) && defined(RESOLVE_BENEATH)
	if (*name != '\0' && *name != '/') {
		struct open_how how;

		memset(&how, 0, sizeof how);
		how.flags = (unsigned)flags | O_CLOEXEC;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof how);
		if (fd >= 0)
			return fd;
		/* EXDEV: a link out of the directory; resolve it in the root */
		if (errno != EXDEV && errno != ENOSYS && errno != EPERM &&
		    errno != EAGAIN && errno != ELOOP)
			return -errno;
	}
#else
	(void)dirfd;
#endif
	path = xasprintf("%s/%s", dirpath, name);
	fd = root_openat(r, path, flags, 0);
	free(path);
	return fd;
}

int
root_read_in(const struct root *r, int dirfd, const char *dirpath,
    const char *name, char **out, size_t *len)
{
	int fd = root_openat_in(r, dirfd, dirpath, name, O_RDONLY);

	if (fd < 0)
		return fd;
	return read_fd(fd, true, out, len);
}

int
root_read_line_in(const struct root *r, int dirfd, const char *dirpath,
    const char *name, char **out)
{
	int err = root_read_in(r, dirfd, dirpath, name, out, NULL);

	if (err == 0)
		str_rstrip(*out);
	return err;
}

int
root_readlink_in(const struct root *r, int dirfd, const char *name, char **out)
{
	char buf[PATH_MAX];
	ssize_t n;

	(void)r;
	/* one component: the link itself is read, nothing is followed */
	if (*name == '\0' || strchr(name, '/') != NULL)
		return -EINVAL;
	n = readlinkat(dirfd, name, buf, sizeof buf - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*out = xstrdup(buf);
	return 0;
}

int
root_listdir_in(const struct root *r, int dirfd, const char *dirpath,
    const char *name, char ***names, size_t *n)
{
	int fd =
	    root_openat_in(r, dirfd, dirpath, name, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return fd;
	return listdir_fd(fd, names, n);
}

int
root_lstat_in(
    const struct root *r, int dirfd, const char *name, struct stat *st)
{
	(void)r;
	if (*name == '\0' || strchr(name, '/') != NULL)
		return -EINVAL;
	return fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int
root_listdir_fd(const struct root *r, int dirfd, char ***names, size_t *n)
{
	int fd;

	(void)r;
	/* a fresh open description: fdopendir's offset is not dirfd's */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return listdir_fd(fd, names, n);
}
