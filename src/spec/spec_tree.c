/*
 * spec_tree.c: the generated tree, first in memory, then on disk.
 *
 * The generator adds every directory, file and symlink to a struct tree; a
 * path written twice, or a path below a file or a link, is a conflict found
 * before anything touches the disk (spec_load() builds the tree once just to
 * validate). tree_write() then creates the entries in sorted order below a
 * directory descriptor: each component is opened with O_NOFOLLOW, each file
 * created with O_EXCL, so nothing is ever written outside the tree, and a
 * failure removes what was made. Also the small byte and hash helpers.
 */
#include "spec_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TREE_MAX_DEPTH 64

uint64_t
spec_hash(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	/* splitmix64's finaliser spreads the bits of short inputs */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

void
spec_uuid(const char *seed, char out[37])
{
	uint8_t b[16];
	uint64_t h1 = spec_hash(seed, 0x1234), h2 = spec_hash(seed, 0x5678);
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(h1 >> (8 * i));
		b[8 + i] = (uint8_t)(h2 >> (8 * i));
	}
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4, as the kernel's */
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
}

void
put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void
put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

void
put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

char *
rel_target(const char *from, const char *to)
{
	const char *f = from, *t = to, *last = from;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	while (*f == '/')
		f++;
	while (*t == '/')
		t++;
	/* skip the components the link's directory and the target share */
	for (;;) {
		size_t fl = strcspn(f, "/"), tl = strcspn(t, "/");

		if (f[fl] != '/' || fl != tl || strncmp(f, t, fl) != 0 ||
		    (t[tl] != '/' && t[tl] != '\0'))
			break;
		f += fl + 1;
		t += tl + (t[tl] == '/');
	}
	/* one ".." per directory left between the link and the shared part */
	for (last = f, i = 0; *last != '\0'; last++)
		if (*last == '/')
			i++;
	while (i-- > 0)
		sb_adds(&sb, "../");
	sb_adds(&sb, t);
	if (sb.len == 0)
		sb_adds(&sb, ".");
	else if (sb.buf[sb.len - 1] == '/')
		sb.buf[--sb.len] = '\0';
	return sb_detach(&sb);
}

void
tree_init(struct tree *t)
{
	memset(t, 0, sizeof *t);
}

void
tree_release(struct tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->e[i].path);
		free(t->e[i].data);
	}
	free(t->e);
	free(t->slots);
	free(t->cause);
	memset(t, 0, sizeof *t);
}

static uint64_t
hash_n(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len-- > 0) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The slot holding path[0..len), or the empty slot where it would go. */
static size_t *
tree_slot(const struct tree *t, const char *path, size_t len)
{
	size_t mask = t->n_slots - 1, i = hash_n(path, len) & mask;

	for (;; i = (i + 1) & mask) {
		size_t *s = &t->slots[i];
		const char *p;

		if (*s == 0)
			return s;
		p = t->e[*s - 1].path;
		if (strncmp(p, path, len) == 0 && p[len] == '\0')
			return s;
	}
}

static void
tree_rehash(struct tree *t)
{
	size_t i;

	free(t->slots);
	t->n_slots = t->n_slots == 0 ? 1024 : t->n_slots * 2;
	t->slots = xcalloc(t->n_slots, sizeof *t->slots);
	for (i = 0; i < t->n; i++)
		*tree_slot(t, t->e[i].path, strlen(t->e[i].path)) = i + 1;
}

static struct tree_entry *
tree_lookup(const struct tree *t, const char *path, size_t len)
{
	size_t *s;

	if (t->n_slots == 0)
		return NULL;
	s = tree_slot(t, path, len);
	return *s == 0 ? NULL : &t->e[*s - 1];
}

static void
tree_insert(struct tree *t, const char *path, size_t len, enum tree_kind kind,
    const void *data, size_t dlen, mode_t mode)
{
	struct tree_entry *e;

	if (2 * (t->n + 1) > t->n_slots)
		tree_rehash(t);
	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 256 : t->cap * 2;
		t->e = xreallocarray(t->e, t->cap, sizeof *t->e);
	}
	e = &t->e[t->n++];
	e->path = xstrndup(path, len);
	e->kind = kind;
	e->len = dlen;
	e->mode = mode;
	e->data = NULL;
	if (kind != TREE_DIR) {
		e->data = xmalloc(dlen + 1);
		if (dlen > 0)
			memcpy(e->data, data, dlen);
		e->data[dlen] = '\0';
	}
	*tree_slot(t, e->path, len) = t->n;
}

/* Keep the first conflict: path written twice, or below a non-directory. */
static int
tree_conflict(struct tree *t, const char *path, const char *below)
{
	const struct tree_entry *e;

	if (t->cause != NULL)
		return -EEXIST;
	if (below == NULL) {
		t->cause = xasprintf("'/%s' is generated twice", path);
		return -EEXIST;
	}
	e = tree_lookup(t, below, strlen(below));
	t->cause = xasprintf("'/%s' lies below '/%s', which is %s", path, below,
	    e != NULL && e->kind == TREE_LINK ? "a symlink" : "a file");
	return -EEXIST;
}

static int
tree_add(struct tree *t, const char *path, enum tree_kind kind,
    const void *data, size_t len, mode_t mode)
{
	struct tree_entry *e;
	const char *p;
	size_t plen;

	while (*path == '/')
		path++;
	plen = strlen(path);
	if (plen == 0)
		return kind == TREE_DIR ? 0 : -EINVAL;
	for (p = strchr(path, '/'); p != NULL; p = strchr(p + 1, '/')) {
		e = tree_lookup(t, path, (size_t)(p - path));
		if (e == NULL)
			tree_insert(t, path, (size_t)(p - path), TREE_DIR, NULL,
			    0, 0755);
		else if (e->kind != TREE_DIR) {
			char *below = xstrndup(path, (size_t)(p - path));
			int err = tree_conflict(t, path, below);

			free(below);
			return err;
		}
	}
	e = tree_lookup(t, path, plen);
	if (e != NULL) {
		if (e->kind == TREE_DIR && kind == TREE_DIR)
			return 0;
		return tree_conflict(t, path, NULL);
	}
	tree_insert(t, path, plen, kind, data, len, mode);
	return 0;
}

int
tree_file(
    struct tree *t, const char *path, const void *data, size_t len, mode_t mode)
{
	return tree_add(t, path, TREE_FILE, data, len, mode);
}

int
tree_filef(struct tree *t, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int err;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	err = tree_add(t, path, TREE_FILE, s, strlen(s), 0644);
	free(s);
	return err;
}

int
tree_dir(struct tree *t, const char *path)
{
	return tree_add(t, path, TREE_DIR, NULL, 0, 0755);
}

int
tree_link(struct tree *t, const char *path, const char *target)
{
	return tree_add(t, path, TREE_LINK, target, strlen(target), 0777);
}

int
tree_rel_link(struct tree *t, const char *path, const char *target)
{
	char *rel = rel_target(path, target);
	int err = tree_link(t, path, rel);

	free(rel);
	return err;
}

bool
tree_has(const struct tree *t, const char *path)
{
	while (*path == '/')
		path++;
	return tree_lookup(t, path, strlen(path)) != NULL;
}

/* Sorted so that a directory's whole subtree follows it: '/' sorts first. */
static int
entry_cmp(const void *a, const void *b)
{
	const unsigned char *p =
	    (const unsigned char *)(*(struct tree_entry *const *)a)->path;
	const unsigned char *q =
	    (const unsigned char *)(*(struct tree_entry *const *)b)->path;

	for (; *p != '\0' && *p == *q; p++, q++)
		;
	if (*p == *q)
		return 0;
	if (*p == '\0')
		return -1;
	if (*q == '\0')
		return 1;
	if (*p == '/')
		return -1;
	if (*q == '/')
		return 1;
	return *p < *q ? -1 : 1;
}

/* The open directories from the tree's top to the current parent. */
struct walk {
	int root;
	int fd[TREE_MAX_DEPTH];
	char *name[TREE_MAX_DEPTH];
	size_t depth;
};

static void
walk_pop(struct walk *w, size_t depth)
{
	while (w->depth > depth) {
		w->depth--;
		close(w->fd[w->depth]);
		free(w->name[w->depth]);
	}
}

/* Make the walk's directories the parents of path; returns the parent fd. */
static int
walk_to(struct walk *w, const char *path, const char **base)
{
	const char *p = path, *slash;
	size_t d = 0;

	while ((slash = strchr(p, '/')) != NULL) {
		size_t len = (size_t)(slash - p);

		if (d < w->depth && strlen(w->name[d]) == len &&
		    strncmp(w->name[d], p, len) == 0) {
			d++;
			p = slash + 1;
			continue;
		}
		walk_pop(w, d);
		if (d >= TREE_MAX_DEPTH)
			return -ENAMETOOLONG;
		w->name[d] = xstrndup(p, len);
		w->fd[d] = openat(d == 0 ? w->root : w->fd[d - 1], w->name[d],
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (w->fd[d] < 0) {
			int err = -errno;

			free(w->name[d]);
			return err;
		}
		w->depth = ++d;
		p = slash + 1;
	}
	walk_pop(w, d);
	*base = p;
	return d == 0 ? w->root : w->fd[d - 1];
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
create_entry(int pfd, const char *base, const struct tree_entry *e)
{
	int fd, err;

	switch (e->kind) {
	case TREE_DIR:
		if (mkdirat(pfd, base, e->mode) < 0 ||
		    fchmodat(pfd, base, e->mode, 0) < 0)
			return -errno;
		return 0;
	case TREE_LINK:
		if (symlinkat(e->data, pfd, base) < 0)
			return -errno;
		return 0;
	case TREE_FILE:
		break;
	}
	fd = openat(pfd, base,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, e->data, e->len);
	/* the mode is the entry's, whatever the umask */
	if (err == 0 && fchmod(fd, e->mode) < 0)
		err = -errno;
	if (close(fd) < 0 && err == 0)
		err = -errno;
	return err;
}

/* Remove what was created, newest first, walking without following links. */
static void
tree_undo(struct tree_entry **order, size_t done, int root)
{
	struct walk w = {.root = root};

	while (done-- > 0) {
		const char *base;
		int pfd = walk_to(&w, order[done]->path, &base);

		if (pfd < 0)
			continue;
		unlinkat(pfd, base,
		    order[done]->kind == TREE_DIR ? AT_REMOVEDIR : 0);
	}
	walk_pop(&w, 0);
}

int
tree_write(struct tree *t, int dirfd, char **cause)
{
	struct tree_entry **order;
	struct walk w = {.root = dirfd};
	size_t i;
	int err = 0;

	order = xreallocarray(NULL, t->n, sizeof *order);
	for (i = 0; i < t->n; i++)
		order[i] = &t->e[i];
	qsort(order, t->n, sizeof *order, entry_cmp);
	for (i = 0; i < t->n; i++) {
		const char *base;
		int pfd = walk_to(&w, order[i]->path, &base);

		err = pfd < 0 ? pfd : create_entry(pfd, base, order[i]);
		if (err < 0)
			break;
	}
	walk_pop(&w, 0);
	if (err < 0) {
		if (cause != NULL)
			*cause = xasprintf("cannot create '/%s': %s",
			    order[i]->path, strerror(-err));
		tree_undo(order, i, dirfd);
	}
	free(order);
	return err;
}

/* Remove name below dfd recursively, never following a symlink. */
static int
remove_at(int dfd, const char *name, int depth)
{
	DIR *d;
	struct dirent *de;
	int fd, err = 0;

	if (unlinkat(dfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	if (depth > TREE_MAX_DEPTH)
		return -ELOOP;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((de = readdir(d)) != NULL) {
		int e;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		e = remove_at(fd, de->d_name, depth + 1);
		if (e < 0 && err == 0)
			err = e;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && err == 0)
		err = -errno;
	return err;
}

int
spec_remove_tree(const char *dir)
{
	char *copy, *slash, *base;
	int pfd, err;

	if (dir == NULL || *dir == '\0')
		return -EINVAL;
	copy = xstrdup(dir);
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	if (slash == NULL) {
		base = copy;
		pfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		base = slash + 1;
		*slash = '\0';
		pfd = open(slash == copy ? "/" : copy,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (pfd < 0) {
		err = -errno;
		free(copy);
		return err;
	}
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		err = -EINVAL;
	else
		err = remove_at(pfd, base, 0);
	close(pfd);
	free(copy);
	return err;
}
