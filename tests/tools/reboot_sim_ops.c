/*
 * reboot_sim_ops.c: reboot-sim's change queue. Every part of the tool only
 * queues what the tree should look like (a file's bytes, a relative symlink,
 * a directory, a removal), and only what differs from the tree as it is, so
 * a second run queues nothing for the facts that did not change. Nothing is
 * written until every part has decided; rs_apply() then makes the changes
 * in queue order, each inside the root: files through fsio_replace() (a
 * temporary file and a rename), symlinks as a temporary link renamed over
 * the old one, directories and removals relative to a directory descriptor
 * that root_openat() resolved inside the root.
 */
#include "reboot_sim.h"

#include "../../src/spec/spec_priv.h"
#include "vfio-wizard/fsio.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
push(struct rs *s, enum rs_op_kind kind, const char *path, const void *data,
    size_t len, mode_t mode)
{
	struct rs_op op;

	op.kind = kind;
	op.path = xstrdup(path);
	op.data = xmalloc(len + 1);
	if (len > 0)
		memcpy(op.data, data, len);
	op.data[len] = '\0';
	op.len = len;
	op.mode = mode;
	ARRAY_PUSH(s->ops, s->n_ops, op);
}

/* True when path is queued for removal (itself or a parent). */
static bool
queued_removal(const struct rs *s, const char *path)
{
	size_t i, len;

	for (i = 0; i < s->n_ops; i++) {
		if (s->ops[i].kind != RS_REMOVE)
			continue;
		len = strlen(s->ops[i].path);
		if (strncmp(s->ops[i].path, path, len) == 0 &&
		    (path[len] == '\0' || path[len] == '/'))
			return true;
	}
	return false;
}

void
rs_file(
    struct rs *s, const char *path, const void *data, size_t len, mode_t mode)
{
	struct stat st;
	char *old = NULL;
	size_t old_len = 0;

	if (!queued_removal(s, path) &&
	    root_stat(s->r, path, &st, false) == 0) {
		if (S_ISREG(st.st_mode) &&
		    root_read(s->r, path, &old, &old_len) == 0 &&
		    old_len == len && memcmp(old, data, len) == 0) {
			free(old);
			return;
		}
		free(old);
		if (!S_ISREG(st.st_mode))
			push(s, RS_REMOVE, path, "", 0, 0);
	}
	push(s, RS_FILE, path, data, len, mode);
}

void
rs_filef(struct rs *s, const char *path, mode_t mode, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	rs_file(s, path, text, strlen(text), mode);
	free(text);
}

void
rs_link(struct rs *s, const char *path, const char *target)
{
	char *rel = rel_target(path, target), *old = NULL;
	struct stat st;

	if (!queued_removal(s, path) &&
	    root_stat(s->r, path, &st, false) == 0) {
		if (S_ISLNK(st.st_mode) &&
		    root_readlink(s->r, path, &old) == 0 &&
		    strcmp(old, rel) == 0) {
			free(old);
			free(rel);
			return;
		}
		free(old);
		if (!S_ISLNK(st.st_mode))
			push(s, RS_REMOVE, path, "", 0, 0);
	}
	push(s, RS_LINK, path, rel, strlen(rel), 0);
	free(rel);
}

void
rs_mkdir(struct rs *s, const char *path)
{
	struct stat st;

	if (queued_removal(s, path) || root_stat(s->r, path, &st, false) < 0 ||
	    !S_ISDIR(st.st_mode))
		push(s, RS_MKDIR, path, "", 0, 0755);
}

void
rs_remove(struct rs *s, const char *path)
{
	struct stat st;

	if (!queued_removal(s, path) && root_stat(s->r, path, &st, false) == 0)
		push(s, RS_REMOVE, path, "", 0, 0);
}

void
rs_ops_free(struct rs *s)
{
	size_t i;

	for (i = 0; i < s->n_ops; i++) {
		free(s->ops[i].path);
		free(s->ops[i].data);
	}
	free(s->ops);
	s->ops = NULL;
	s->n_ops = 0;
}

/* Open the directory holding path's last component; *base gets that name. */
static int
parent_fd(const struct rs *s, const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	*base = slash + 1;
	dir = slash == path ? xstrdup("/")
			    : xstrndup(path, (size_t)(slash - path));
	fd = root_openat(s->r, dir, O_RDONLY | O_DIRECTORY, 0);
	free(dir);
	return fd;
}

/* mkdir -p inside the root: every missing component of path. */
static int
make_dirs(const struct rs *s, const char *path, char **cause)
{
	char *p = xstrdup(path), *q;
	const char *base;
	struct stat st;
	int fd, err = 0;

	for (q = p + 1; err == 0; q++) {
		bool end = *q == '\0';

		if (*q != '/' && !end)
			continue;
		*q = '\0';
		if (root_stat(s->r, p, &st, true) < 0) {
			fd = parent_fd(s, p, &base);
			if (fd < 0)
				err = fd;
			else if (mkdirat(fd, base, 0755) < 0 && errno != EEXIST)
				err = -errno;
			if (fd >= 0)
				close(fd);
			if (err < 0)
				*cause = xasprintf("cannot create '%s': %s", p,
				    strerror(-err));
		}
		if (end)
			break;
		*q = '/';
	}
	free(p);
	return err;
}

/* rm -rf inside the root; never follows a symlink. */
static int
remove_tree(const struct rs *s, const char *path, char **cause)
{
	struct stat st;
	const char *base;
	char **names = NULL;
	size_t n = 0, i;
	int fd, err;

	if (root_stat(s->r, path, &st, false) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		err = root_listdir(s->r, path, &names, &n);
		for (i = 0; err == 0 && i < n; i++) {
			char *child = xasprintf("%s/%s", path, names[i]);

			err = remove_tree(s, child, cause);
			free(child);
		}
		strv_free(names, n);
		if (err < 0)
			return err;
	}
	fd = parent_fd(s, path, &base);
	if (fd < 0)
		err = fd;
	else if (unlinkat(fd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		err = -errno;
	else
		err = 0;
	if (fd >= 0)
		close(fd);
	if (err < 0 && *cause == NULL)
		*cause =
		    xasprintf("cannot remove '%s': %s", path, strerror(-err));
	return err;
}

/* A symlink made beside path under a temporary name, renamed over it. */
static int
make_link(const struct rs *s, const struct rs_op *op, char **cause)
{
	const char *base;
	char *tmp;
	int fd, err = 0;

	fd = parent_fd(s, op->path, &base);
	if (fd < 0) {
		*cause = xasprintf("cannot open the directory of '%s': %s",
		    op->path, strerror(-fd));
		return fd;
	}
	tmp = xasprintf(".%s.rs-%ld", base, (long)getpid());
	unlinkat(fd, tmp, 0);
	if (symlinkat(op->data, fd, tmp) < 0 ||
	    renameat(fd, tmp, fd, base) < 0) {
		err = -errno;
		unlinkat(fd, tmp, 0);
		*cause =
		    xasprintf("cannot link '%s': %s", op->path, strerror(-err));
	}
	free(tmp);
	close(fd);
	return err;
}

int
rs_apply(struct rs *s, char **cause)
{
	struct file_meta meta;
	char *dir;
	size_t i;
	int err = 0;

	*cause = NULL;
	for (i = 0; err == 0 && i < s->n_ops; i++) {
		const struct rs_op *op = &s->ops[i];

		if (op->kind == RS_REMOVE) {
			err = remove_tree(s, op->path, cause);
			continue;
		}
		dir = op->kind == RS_MKDIR
			  ? xstrdup(op->path)
			  : xstrndup(op->path,
				(size_t)(strrchr(op->path, '/') - op->path));
		err = *dir != '\0' ? make_dirs(s, dir, cause) : 0;
		free(dir);
		if (err < 0 || op->kind == RS_MKDIR)
			continue;
		if (op->kind == RS_LINK) {
			err = make_link(s, op, cause);
			continue;
		}
		memset(&meta, 0, sizeof meta);
		meta.mode = op->mode;
		meta.uid = geteuid();
		meta.gid = getegid();
		err = fsio_replace(
		    s->r, op->path, op->data, op->len, &meta, 0, cause);
	}
	return err;
}
