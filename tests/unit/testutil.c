/*
 * testutil.c: fixture helpers for the unit tests (see testutil.h).
 */
#include "testutil.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *
fx_path(const char *root, const char *path)
{
	char *p;

	while (*path == '/')
		path++;
	if (asprintf(&p, "%s/%s", root, path) < 0)
		abort();
	return p;
}

char *
fx_mkroot(void)
{
	const char *tmp = getenv("TMPDIR");
	char *t;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&t, "%s/vw-unit-XXXXXX", tmp) < 0)
		abort();
	if (mkdtemp(t) == NULL)
		abort();
	return t;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void
fx_rmroot(char *root)
{
	if (root == NULL)
		return;
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

/* mkdir -p of path below the fixture root; nothing above it is touched. */
static void
mkdir_below(const char *root, const char *path)
{
	char *p = fx_path(root, path);
	char *s;

	for (s = p + strlen(root) + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			abort();
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		abort();
	free(p);
}

void
fx_mkdir(const char *root, const char *path)
{
	mkdir_below(root, path);
}

/* Make the directories holding path (a path inside the fixture root). */
static void
mkparent(const char *root, const char *path)
{
	const char *slash;
	char *dir;

	while (*path == '/')
		path++;
	slash = strrchr(path, '/');
	if (slash == NULL)
		return;
	dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		abort();
	mkdir_below(root, dir);
	free(dir);
}

void
fx_write_bytes(const char *root, const char *path, const void *data, size_t len)
{
	char *p = fx_path(root, path);
	FILE *f;

	mkparent(root, path);
	f = fopen(p, "w");
	if (f == NULL)
		abort();
	if (len > 0 && fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
	free(p);
}

void
fx_write(const char *root, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	fx_write_bytes(root, path, text, (size_t)n);
	free(text);
}

void
fx_symlink(const char *root, const char *path, const char *target)
{
	char *p = fx_path(root, path);

	mkparent(root, path);
	if (symlink(target, p) < 0)
		abort();
	free(p);
}

const char *
fx_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

struct host *
fx_probe(const char *dir, void (*probe)(struct host *, const struct root *),
    struct host *h)
{
	struct root *r;

	if (h == NULL)
		h = xcalloc(1, sizeof *h);
	assert_int_equal(root_open(dir, &r), 0);
	probe(h, r);
	root_free(r);
	return h;
}

bool
fx_has_problem(const struct host *h, const char *text)
{
	size_t i;

	for (i = 0; i < h->n_problems; i++) {
		if (strstr(h->problems[i].message, text) != NULL)
			return true;
	}
	return false;
}

void
fx_host_load(struct fx_host *f, const char *name)
{
	struct host_spec *spec = NULL;
	char *path, *cause = NULL;

	memset(f, 0, sizeof *f);
	path = xasprintf("%s/tests/hosts/%s.yaml", fx_srcdir(), name);
	if (spec_load(path, &spec, &cause) < 0 ||
	    spec_replay_temp(spec, &f->dir, &cause) < 0)
		fail_msg("%s: %s", path, cause);
	spec_free(spec);
	free(path);
	path = xasprintf("%s/data/hardware.yaml", fx_srcdir());
	if (kb_load(path, &f->kb, &cause) < 0)
		fail_msg("%s: %s", path, cause);
	free(path);
	assert_int_equal(root_open(f->dir, &f->root), 0);
	if (host_probe(f->root, f->kb, &f->host, &cause) < 0)
		fail_msg("%s: %s", name, cause);
}

void
fx_host_free(struct fx_host *f)
{
	host_free(f->host);
	root_free(f->root);
	kb_free(f->kb);
	if (f->dir != NULL)
		spec_remove_tree(f->dir);
	free(f->dir);
	memset(f, 0, sizeof *f);
}
