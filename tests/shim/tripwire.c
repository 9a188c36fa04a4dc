/*
 * tripwire.c: an LD_PRELOAD shim for the tests that reports every file
 * access outside the fixture root.
 *
 * tripwire_calls.c wraps the libc calls that take a path (open, fopen,
 * opendir, the stat family, access, readlink, realpath, scandir, mkdir,
 * unlink, rename, ...), syscall(SYS_openat2) and the calls that run a
 * program (execve, execveat, posix_spawn, ...); this file judges them. A path
 * outside $TRIPWIRE_ROOT and outside the allow list is a violation: "tripwire:
 * <function> <path>" is appended to $TRIPWIRE_LOG (stderr when unset) and the
 * call then proceeds unchanged, so libraries keep working and one run shows
 * every stray access.
 *
 * Paths are made absolute against the cwd (or the dirfd, via /proc/self/fd)
 * and normalised lexically. A path inside the root or $TRIPWIRE_ALLOW is
 * also resolved with the real realpath(), so a symlink leading out of the
 * tree is caught too; openat2 with RESOLVE_IN_ROOT/RESOLVE_BENEATH is
 * confined by the kernel and checked lexically against its dirfd. A program
 * run with an environment that lacks the tripwire's own variables gets
 * them added, so children (the wizard's commands) are watched too.
 *
 * Environment: TRIPWIRE_ROOT (the tree; relative to the cwd at start-up),
 * TRIPWIRE_ALLOW (colon-separated prefixes: data the program ships, $TMPDIR),
 * TRIPWIRE_LOG (the file to append to), TRIPWIRE_EXEC (colon-separated
 * programs that may be run wherever they are: the one under test, which
 * timeout(1) starts). Built without sanitizers; with an
 * ASan program it runs after libasan's interceptors or before them (with
 * ASAN_OPTIONS=verify_asan_link_order=0): tests/lib/tripwire.sh does that.
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "tripwire.h"

#define TW_MAX_PREFIXES 64
#define TW_BUF (PATH_MAX * 2)

struct tw_prefix {
	char *path;
	size_t len;
};

/* Prefixes whose contents are checked for symlinks leading out. */
static struct tw_prefix tw_trees[TW_MAX_PREFIXES];
static size_t tw_ntrees;
/* Fixed prefixes trusted as they are: loader, locale, terminfo, ... */
static struct tw_prefix tw_allow[TW_MAX_PREFIXES];
static size_t tw_nallow;
/* Programs that may be run, exact paths ($TRIPWIRE_EXEC). */
static struct tw_prefix tw_exec[TW_MAX_PREFIXES];
static size_t tw_nexec;
static char *tw_log;
/* The tripwire's own variables ("NAME=value", absolute), for children. */
static char *tw_carry[8];
static size_t tw_ncarry;
static pthread_once_t tw_once = PTHREAD_ONCE_INIT;
/* Set while the shim itself works, so its own calls pass straight through. */
static __thread int tw_busy;

/*
 * Paths every process may touch. Kept short; each line says why.
 * Host state below the library directories is carved out in tw_denied.
 */
static const char *const tw_fixed[] = {
    /* the dynamic loader and the libraries it maps */
    "/etc/ld.so.cache",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/lib",
    "/lib64",
    "/usr/lib",
    "/usr/lib64",
    /* locale and time zone (gettext, setlocale, iconv modules) */
    "/usr/share/locale",
    "/usr/lib/locale",
    "/usr/share/i18n",
    "/etc/localtime",
    /* terminfo for ncurses ($HOME/.terminfo is added at start-up) */
    "/usr/share/terminfo",
    "/lib/terminfo",
    "/etc/terminfo",
    /* the PCI ID name file libpci reads */
    "/usr/share/misc/pci.ids",
    "/usr/share/hwdata/pci.ids",
    /* device nodes any program may use */
    "/dev/null",
    "/dev/tty",
    "/dev/urandom",
    /*
     * The process itself, and what ASan/LSan/UBSan read at start-up and
     * exit (maps, cmdline, environ, exe, task; overcommit_memory).
     */
    "/proc/self",
    "/proc/thread-self",
    "/proc/sys/vm/overcommit_memory",
    /*
     * Only because libkmod reads the live /proc/cmdline unconditionally
     * (libkmod-config.c, kmod_config_parse_kcmdline, from kmod_new); the
     * kmod probe subtracts those entries from the configuration it reports.
     */
    "/proc/cmdline",
    NULL,
};

/* Host state inside the library directories: never allowed by them. */
static const char *const tw_denied[] = {
    "/lib/modules",
    "/usr/lib/modules",
    "/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/firmware",
    "/usr/lib/firmware",
    NULL,
};

/* Look up the next definition of a symbol (libasan's or libc's). */
void *
tw_next(const char *name)
{
	void *sym;

	sym = dlsym(RTLD_NEXT, name);
	if (sym == NULL)
		sym = dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");
	if (sym == NULL) {
		static const char msg[] = "tripwire: cannot find a symbol\n";
		ssize_t ignored = write(2, msg, sizeof msg - 1);

		(void)ignored;
		abort();
	}
	return sym;
}

/* Normalise an absolute path in place: no "//", "." or ".." components. */
static void
tw_normalise(char *path)
{
	char *out = path, *in = path;

	while (*in != '\0') {
		size_t len;

		while (*in == '/')
			in++;
		len = strcspn(in, "/");
		if (len == 0)
			break;
		if (len == 1 && in[0] == '.') {
			/* nothing */
		} else if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (out > path && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

/* Whether path equals prefix or lies below it. */
static bool
tw_under(const char *path, const struct tw_prefix *p)
{
	if (p->len == 1 && p->path[0] == '/')
		return true;
	return strncmp(path, p->path, p->len) == 0 &&
	       (path[p->len] == '\0' || path[p->len] == '/');
}

static bool
tw_in_list(const char *path, const struct tw_prefix *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (tw_under(path, &list[i]))
			return true;
	}
	return false;
}

/* Add a prefix (made absolute and normalised), and its realpath if other. */
static void
tw_add(struct tw_prefix *list, size_t *n, const char *path, bool resolve)
{
	char buf[TW_BUF], real[PATH_MAX];
	size_t i, before = *n;

	if (path == NULL || path[0] == '\0' || *n + 2 > TW_MAX_PREFIXES)
		return;
	if (path[0] == '/') {
		snprintf(buf, sizeof buf, "%s", path);
	} else {
		if (getcwd(buf, PATH_MAX) == NULL)
			return;
		snprintf(
		    buf + strlen(buf), sizeof buf - strlen(buf), "/%s", path);
	}
	tw_normalise(buf);
	list[(*n)++] = (struct tw_prefix){strdup(buf), strlen(buf)};
	if (resolve && realpath(buf, real) != NULL && strcmp(real, buf) != 0)
		list[(*n)++] = (struct tw_prefix){strdup(real), strlen(real)};
	for (i = before; i < *n; i++) {
		if (list[i].path == NULL) /* out of memory: drop the entry */
			*n = i;
	}
}

/* Keep NAME=value for children; value made absolute when path is set. */
static void
tw_keep(const char *name, bool path)
{
	const char *v = getenv(name);
	char cwd[PATH_MAX], *entry;
	size_t len;

	if (v == NULL || tw_ncarry == sizeof tw_carry / sizeof tw_carry[0])
		return;
	if (!path || v[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		cwd[0] = '\0';
	len = strlen(name) + strlen(cwd) + strlen(v) + 3;
	entry = malloc(len);
	if (entry == NULL)
		return;
	snprintf(
	    entry, len, "%s=%s%s%s", name, cwd, cwd[0] != '\0' ? "/" : "", v);
	tw_carry[tw_ncarry++] = entry;
}

/* Read the environment once; runs on the first intercepted call. */
static void
tw_init(void)
{
	const char *allow, *home;
	size_t i;

	tw_busy++;
	tw_add(tw_trees, &tw_ntrees, getenv("TRIPWIRE_ROOT"), true);
	allow = getenv("TRIPWIRE_ALLOW");
	if (allow != NULL) {
		char *copy = strdup(allow), *save = NULL, *tok;

		for (tok = strtok_r(copy, ":", &save); tok != NULL;
		     tok = strtok_r(NULL, ":", &save))
			tw_add(tw_trees, &tw_ntrees, tok, true);
		free(copy);
	}
	allow = getenv("TRIPWIRE_EXEC");
	if (allow != NULL) {
		char *copy = strdup(allow), *save = NULL, *tok;

		for (tok = strtok_r(copy, ":", &save); tok != NULL;
		     tok = strtok_r(NULL, ":", &save))
			tw_add(tw_exec, &tw_nexec, tok, true);
		free(copy);
	}
	for (i = 0; tw_fixed[i] != NULL; i++)
		tw_add(tw_allow, &tw_nallow, tw_fixed[i], false);
	home = getenv("HOME");
	if (home != NULL && home[0] == '/') {
		char buf[TW_BUF];

		snprintf(buf, sizeof buf, "%s/.terminfo", home);
		tw_add(tw_allow, &tw_nallow, buf, false);
	}
	if (getenv("TRIPWIRE_LOG") != NULL)
		tw_log = strdup(getenv("TRIPWIRE_LOG"));
	tw_keep("LD_PRELOAD", false);
	tw_keep("ASAN_OPTIONS", false);
	tw_keep("TRIPWIRE_ROOT", true);
	tw_keep("TRIPWIRE_ALLOW", false);
	tw_keep("TRIPWIRE_LOG", true);
	tw_keep("TRIPWIRE_EXEC", false);
	tw_busy--;
}

/* Write one violation line to the log, opened for each hit. */
static void
tw_report(const char *fn, const char *path, const char *real)
{
	char line[TW_BUF * 2 + 64];
	int fd = 2, len;

	len = snprintf(line, sizeof line, "tripwire: %s %s%s%s\n", fn, path,
	    real != NULL ? " -> " : "", real != NULL ? real : "");
	if (len < 0)
		return;
	if ((size_t)len >= sizeof line)
		len = sizeof line - 1;
	if (tw_log != NULL) {
		fd = NEXT(tw_open_fn, "open")(
		    tw_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			fd = 2;
	}
	if (write(fd, line, len) < 0) {
		/* nothing more to do: the call itself must go on */
	}
	if (fd != 2)
		close(fd);
}

/* Whether an absolute, normalised path needs no further look. */
static bool
tw_trusted(const char *path)
{
	char self[32];

	if (tw_in_list(path, tw_allow, tw_nallow)) {
		size_t i;

		for (i = 0; tw_denied[i] != NULL; i++) {
			struct tw_prefix d = {
			    (char *)tw_denied[i], strlen(tw_denied[i])};

			if (tw_under(path, &d))
				return false;
		}
		return true;
	}
	/* /proc/<own pid> is /proc/self under another name */
	snprintf(self, sizeof self, "/proc/%ld", (long)getpid());
	return tw_under(path, &(struct tw_prefix){self, strlen(self)});
}

/* The directory an fd refers to, into buf; false if unknown. */
static bool
tw_fd_path(int dirfd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	if (dirfd == AT_FDCWD)
		return getcwd(buf, size) != NULL;
	snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
	n = readlink(link, buf, size - 1);
	if (n <= 0 || buf[0] != '/')
		return false;
	buf[n] = '\0';
	return true;
}

/* Resolve symlinks as the call will; false if it cannot be done. */
static bool
tw_resolve(const char *path, int how, char *out)
{
	char parent[TW_BUF];
	char *slash;

	if (!(how & TW_NOFOLLOW) && realpath(path, out) != NULL)
		return true;
	/* missing (or not followed) last component: resolve its parent */
	snprintf(parent, sizeof parent, "%s", path);
	slash = strrchr(parent, '/');
	if (slash == NULL || slash[1] == '\0')
		return false;
	*slash = '\0';
	if (realpath(parent[0] != '\0' ? parent : "/", out) == NULL)
		return false;
	if (strlen(out) + strlen(slash + 1) + 2 > PATH_MAX)
		return false;
	if (strcmp(out, "/") != 0)
		strcat(out, "/");
	strcat(out, slash + 1);
	return true;
}

/*
 * The kernel applies ".." after following the symlinks before it, so
 * "dev/X/../../drivers" (X a link) is not what a lexical collapse says:
 * resolve the part up to the last ".." as the kernel would, when it exists.
 */
static void
tw_resolve_dotdot(char *abs)
{
	char real[PATH_MAX], rest[TW_BUF];
	char *p, *last = NULL;

	for (p = strstr(abs, "/.."); p != NULL; p = strstr(p + 1, "/.."))
		if (p[3] == '/' || p[3] == '\0')
			last = p + 3;
	if (last == NULL)
		return;
	snprintf(rest, sizeof rest, "%s", last);
	*last = '\0';
	if (realpath(abs, real) != NULL &&
	    strlen(real) + strlen(rest) < TW_BUF) {
		memcpy(abs, real, strlen(real));
		memcpy(abs + strlen(real), rest, strlen(rest) + 1);
	} else {
		strcat(abs, rest); /* missing: judge it lexically */
	}
}

/* Check one access; report it when it leaves the root and the allow list. */
void
tw_check(const char *fn, int dirfd, const char *path, int how)
{
	char abs[TW_BUF], real[PATH_MAX];
	int saved = errno;
	size_t len;

	if (tw_busy || path == NULL || path[0] == '\0')
		return;
	tw_busy++;
	pthread_once(&tw_once, tw_init);
	if (path[0] == '/' && !(how & TW_CONFINED)) {
		snprintf(abs, sizeof abs, "%s", path);
	} else {
		if (!tw_fd_path(dirfd, abs, PATH_MAX))
			goto out; /* unknown base: nothing to judge */
		len = strlen(abs);
		snprintf(abs + len, sizeof abs - len, "/%s", path);
		/* confined: ".." stops at dirfd, as the kernel's walk does */
		if (how & TW_CONFINED)
			tw_normalise(abs + len);
	}
	if (!(how & TW_CONFINED))
		tw_resolve_dotdot(abs);
	tw_normalise(abs);
	if (tw_trusted(abs))
		goto out;
	if (how & TW_EXEC) {
		size_t i;

		for (i = 0; i < tw_nexec; i++)
			if (strcmp(abs, tw_exec[i].path) == 0)
				goto out;
	}
	if (!tw_in_list(abs, tw_trees, tw_ntrees)) {
		tw_report(fn, abs, NULL);
		goto out;
	}
	if (!(how & TW_CONFINED) && tw_resolve(abs, how, real) &&
	    !tw_in_list(real, tw_trees, tw_ntrees) && !tw_trusted(real))
		tw_report(fn, abs, real);
out:
	tw_busy--;
	errno = saved;
}

/* Whether envp has a variable named like entry ("NAME=..."). */
static bool
tw_env_has(char *const *envp, const char *entry)
{
	size_t len = strcspn(entry, "=") + 1;

	for (; *envp != NULL; envp++)
		if (strncmp(*envp, entry, len) == 0)
			return true;
	return false;
}

/* envp plus the tripwire's variables it lacks, in buf (n pointers). */
char *const *
tw_env(char *const *envp, char **buf, size_t n)
{
	size_t i, k = 0;

	pthread_once(&tw_once, tw_init);
	if (envp == NULL)
		return envp;
	for (i = 0; envp[i] != NULL; i++) {
		if (i + tw_ncarry + 1 >= n)
			return envp;
		buf[k++] = envp[i];
	}
	for (i = 0; i < tw_ncarry; i++)
		if (!tw_env_has(envp, tw_carry[i]))
			buf[k++] = tw_carry[i];
	buf[k] = NULL;
	return buf;
}
