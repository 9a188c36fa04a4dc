/*
 * testutil.h: fixture helpers for the unit tests: a fresh temporary root per
 * test, and calls to lay files, directories and relative symlinks into it.
 * Paths given are inside the fixture root ("/sys/bus/pci/devices/...").
 */
#ifndef VW_TESTUTIL_H
#define VW_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/*
 * cmocka 1.1 does not declare _fail() noreturn, though it never returns
 * (it jumps out of the test): say so, so that a pointer checked with
 * "if (p == NULL) fail_msg(...)" counts as checked (-Wnull-dereference).
 */
void _fail(const char *const file, const int line) __attribute__((noreturn));
/* p itself, failing the test when it is NULL (the compiler knows it too). */
#define fx_nonnull(p)                               \
	(__extension__({                            \
		__typeof__(p) fx_nn_ = (p);         \
		if (fx_nn_ == NULL)                 \
			fail_msg("%s is NULL", #p); \
		fx_nn_;                             \
	}))

/* Make an empty fixture root under $TMPDIR; returns its absolute path. */
char *fx_mkroot(void);
/* Remove a fixture root recursively (never follows symlinks). */
void fx_rmroot(char *root);
/* mkdir -p of a path inside the fixture root. */
void fx_mkdir(const char *root, const char *path);
/* Write a file (parents made), text given printf-style. */
void fx_write(const char *root, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fx_write_bytes(
    const char *root, const char *path, const void *data, size_t len);
/* Create a symlink at path (parents made) pointing to target, verbatim. */
void fx_symlink(const char *root, const char *path, const char *target);
/* The source tree's directory (from $top_srcdir, else "."). */
const char *fx_srcdir(void);

struct host;
struct root;
/*
 * Run one probe over the fixture root dir, into h, or into a fresh host
 * when h is NULL (free it with host_free); returns the host.
 */
struct host *fx_probe(const char *dir,
    void (*probe)(struct host *, const struct root *), struct host *h);
/*
 * A fixture host of tests/hosts/ (name without .yaml), replayed into a
 * fresh directory under $TMPDIR, opened and fully probed with the
 * knowledge base of data/. fx_host_free() removes the tree again.
 */
struct fx_host {
	char *dir;
	struct root *root;
	struct host *host;
	struct kb *kb;
};
void fx_host_load(struct fx_host *, const char *name);
void fx_host_free(struct fx_host *);

/* True when one of the host's probe problems mentions text. */
bool fx_has_problem(const struct host *, const char *text);

#endif
