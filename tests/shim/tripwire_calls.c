/*
 * tripwire_calls.c: the libc functions the tripwire wraps. Each wrapper
 * hands its path (and dirfd, and whether the last component is followed) to
 * tw_check() and then calls the next definition, unchanged: glibc 2.36's
 * open, fopen, opendir, stat, access, readlink, realpath, scandir, nftw,
 * mkdir, unlink, rename... families, syscall(SYS_openat2), and the calls
 * that run a program: execve, execveat, fexecve, execv, execvp, execvpe,
 * posix_spawn, posix_spawnp (the program's path is checked, the tripwire's
 * environment is carried into a clean one). glibc's execl*, system and
 * popen reach execve inside libc, where no shim sees them.
 */
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <linux/openat2.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "tripwire.h"

/* Check an openat2 call: confined resolution is judged against dirfd. */
static void
tw_check_openat2(int dirfd, const char *path, const struct open_how *how)
{
	int mode = TW_FOLLOW;

	if (how != NULL && (how->resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH)))
		mode |= TW_CONFINED;
	if (how != NULL && (how->flags & O_NOFOLLOW))
		mode |= TW_NOFOLLOW;
	tw_check("openat2", dirfd, path, mode);
}

static int
tw_open_how(int flags)
{
	return (flags & O_NOFOLLOW) ? TW_NOFOLLOW : TW_FOLLOW;
}

static int
tw_at_how(int flags)
{
	return (flags & AT_SYMLINK_NOFOLLOW) ? TW_NOFOLLOW : TW_FOLLOW;
}

/* ---- open and friends ------------------------------------------------ */

/* The mode argument of open(2), present with O_CREAT or O_TMPFILE. */
#define TW_MODE(flags, last)                             \
	({                                               \
		mode_t m_ = 0;                           \
		if ((flags) & (O_CREAT | __O_TMPFILE)) { \
			va_list ap_;                     \
			va_start(ap_, last);             \
			m_ = va_arg(ap_, int);           \
			va_end(ap_);                     \
		}                                        \
		m_;                                      \
	})

#define TW_OPEN(name)                                                \
	int name(const char *path, int flags, ...)                   \
	{                                                            \
		mode_t mode = TW_MODE(flags, flags);                 \
		tw_check(#name, AT_FDCWD, path, tw_open_how(flags)); \
		return NEXT(tw_open_fn, #name)(path, flags, mode);   \
	}
#define TW_OPENAT(name)                                                     \
	int name(int dirfd, const char *path, int flags, ...)               \
	{                                                                   \
		mode_t mode = TW_MODE(flags, flags);                        \
		tw_check(#name, dirfd, path, tw_open_how(flags));           \
		return NEXT(tw_openat_fn, #name)(dirfd, path, flags, mode); \
	}

int __open(const char *, int, ...);
int __open64(const char *, int, ...);
int __open_2(const char *, int);
int __open64_2(const char *, int);
int __openat_2(int, const char *, int);
int __openat64_2(int, const char *, int);

TW_OPEN(open)
TW_OPEN(open64)
TW_OPEN(__open)
TW_OPEN(__open64)
TW_OPENAT(openat)
TW_OPENAT(openat64)

/*
 * A wrapper for a call whose path is argument PATH and whose dirfd is DIRFD;
 * PROTO and ARGS are its parameter and argument lists.
 */
#define TW_WRAP(ret, name, proto, args, dirfd, path, how) \
	ret name proto                                    \
	{                                                 \
		typedef ret(*fn_t) proto;                 \
		tw_check(#name, dirfd, path, how);        \
		return NEXT(fn_t, #name) args;            \
	}

TW_WRAP(
    int, __open_2, (const char *p, int f), (p, f), AT_FDCWD, p, tw_open_how(f))
TW_WRAP(int, __open64_2, (const char *p, int f), (p, f), AT_FDCWD, p,
    tw_open_how(f))
TW_WRAP(int, __openat_2, (int d, const char *p, int f), (d, p, f), d, p,
    tw_open_how(f))
TW_WRAP(int, __openat64_2, (int d, const char *p, int f), (d, p, f), d, p,
    tw_open_how(f))
TW_WRAP(int, creat, (const char *p, mode_t m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(int, creat64, (const char *p, mode_t m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(FILE *, fopen, (const char *p, const char *m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(FILE *, fopen64, (const char *p, const char *m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(FILE *, freopen, (const char *p, const char *m, FILE *s), (p, m, s),
    AT_FDCWD, p, 0)
TW_WRAP(FILE *, freopen64, (const char *p, const char *m, FILE *s), (p, m, s),
    AT_FDCWD, p, 0)
TW_WRAP(DIR *, opendir, (const char *p), (p), AT_FDCWD, p, 0)

/* ---- stat family ----------------------------------------------------- */

int __xstat(int, const char *, struct stat *);
int __xstat64(int, const char *, struct stat64 *);
int __lxstat(int, const char *, struct stat *);
int __lxstat64(int, const char *, struct stat64 *);
int __fxstatat(int, int, const char *, struct stat *, int);
int __fxstatat64(int, int, const char *, struct stat64 *, int);

TW_WRAP(int, stat, (const char *p, struct stat *b), (p, b), AT_FDCWD, p, 0)
TW_WRAP(int, stat64, (const char *p, struct stat64 *b), (p, b), AT_FDCWD, p, 0)
TW_WRAP(int, lstat, (const char *p, struct stat *b), (p, b), AT_FDCWD, p,
    TW_NOFOLLOW)
TW_WRAP(int, lstat64, (const char *p, struct stat64 *b), (p, b), AT_FDCWD, p,
    TW_NOFOLLOW)
TW_WRAP(int, fstatat, (int d, const char *p, struct stat *b, int f),
    (d, p, b, f), d, p, tw_at_how(f))
TW_WRAP(int, fstatat64, (int d, const char *p, struct stat64 *b, int f),
    (d, p, b, f), d, p, tw_at_how(f))
TW_WRAP(int, statx,
    (int d, const char *p, int f, unsigned int m, struct statx *b),
    (d, p, f, m, b), d, p, tw_at_how(f))
TW_WRAP(int, __xstat, (int v, const char *p, struct stat *b), (v, p, b),
    AT_FDCWD, p, 0)
TW_WRAP(int, __xstat64, (int v, const char *p, struct stat64 *b), (v, p, b),
    AT_FDCWD, p, 0)
TW_WRAP(int, __lxstat, (int v, const char *p, struct stat *b), (v, p, b),
    AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, __lxstat64, (int v, const char *p, struct stat64 *b), (v, p, b),
    AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, __fxstatat, (int v, int d, const char *p, struct stat *b, int f),
    (v, d, p, b, f), d, p, tw_at_how(f))
TW_WRAP(int, __fxstatat64,
    (int v, int d, const char *p, struct stat64 *b, int f), (v, d, p, b, f), d,
    p, tw_at_how(f))

/* ---- access, links, names -------------------------------------------- */

TW_WRAP(int, access, (const char *p, int m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(int, eaccess, (const char *p, int m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(int, euidaccess, (const char *p, int m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(int, faccessat, (int d, const char *p, int m, int f), (d, p, m, f), d,
    p, tw_at_how(f))
TW_WRAP(ssize_t, readlink, (const char *p, char *b, size_t n), (p, b, n),
    AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(ssize_t, readlinkat, (int d, const char *p, char *b, size_t n),
    (d, p, b, n), d, p, TW_NOFOLLOW)
TW_WRAP(char *, realpath, (const char *p, char *r), (p, r), AT_FDCWD, p, 0)
TW_WRAP(char *, canonicalize_file_name, (const char *p), (p), AT_FDCWD, p, 0)

/* ---- directories ----------------------------------------------------- */

typedef int (*tw_filter_fn)(const struct dirent *);
typedef int (*tw_compar_fn)(const struct dirent **, const struct dirent **);
typedef int (*tw_filter64_fn)(const struct dirent64 *);
typedef int (*tw_compar64_fn)(
    const struct dirent64 **, const struct dirent64 **);
typedef int (*tw_nftw_cb)(const char *, const struct stat *, int, struct FTW *);
typedef int (*tw_nftw64_cb)(
    const char *, const struct stat64 *, int, struct FTW *);
typedef int (*tw_ftw_cb)(const char *, const struct stat *, int);
typedef int (*tw_ftw64_cb)(const char *, const struct stat64 *, int);
typedef int (*tw_glob_err)(const char *, int);

TW_WRAP(int, scandir,
    (const char *p, struct dirent ***l, tw_filter_fn f, tw_compar_fn c),
    (p, l, f, c), AT_FDCWD, p, 0)
TW_WRAP(int, scandir64,
    (const char *p, struct dirent64 ***l, tw_filter64_fn f, tw_compar64_fn c),
    (p, l, f, c), AT_FDCWD, p, 0)
TW_WRAP(int, scandirat,
    (int d, const char *p, struct dirent ***l, tw_filter_fn f, tw_compar_fn c),
    (d, p, l, f, c), d, p, 0)
TW_WRAP(int, scandirat64,
    (int d, const char *p, struct dirent64 ***l, tw_filter64_fn f,
	tw_compar64_fn c),
    (d, p, l, f, c), d, p, 0)
TW_WRAP(int, nftw, (const char *p, tw_nftw_cb fn, int n, int f), (p, fn, n, f),
    AT_FDCWD, p, (f & FTW_PHYS) ? TW_NOFOLLOW : 0)
TW_WRAP(int, nftw64, (const char *p, tw_nftw64_cb fn, int n, int f),
    (p, fn, n, f), AT_FDCWD, p, (f & FTW_PHYS) ? TW_NOFOLLOW : 0)
TW_WRAP(
    int, ftw, (const char *p, tw_ftw_cb fn, int n), (p, fn, n), AT_FDCWD, p, 0)
TW_WRAP(int, ftw64, (const char *p, tw_ftw64_cb fn, int n), (p, fn, n),
    AT_FDCWD, p, 0)
TW_WRAP(int, glob, (const char *p, int f, tw_glob_err e, glob_t *g),
    (p, f, e, g), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, glob64, (const char *p, int f, tw_glob_err e, glob64_t *g),
    (p, f, e, g), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, chdir, (const char *p), (p), AT_FDCWD, p, 0)

/* ---- changes to the tree --------------------------------------------- */

TW_WRAP(int, mkdir, (const char *p, mode_t m), (p, m), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, mkdirat, (int d, const char *p, mode_t m), (d, p, m), d, p,
    TW_NOFOLLOW)
TW_WRAP(int, rmdir, (const char *p), (p), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, unlink, (const char *p), (p), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(
    int, unlinkat, (int d, const char *p, int f), (d, p, f), d, p, TW_NOFOLLOW)
TW_WRAP(int, truncate, (const char *p, off_t l), (p, l), AT_FDCWD, p, 0)
TW_WRAP(int, truncate64, (const char *p, off64_t l), (p, l), AT_FDCWD, p, 0)
TW_WRAP(int, chmod, (const char *p, mode_t m), (p, m), AT_FDCWD, p, 0)
TW_WRAP(int, fchmodat, (int d, const char *p, mode_t m, int f), (d, p, m, f), d,
    p, tw_at_how(f))
TW_WRAP(
    int, chown, (const char *p, uid_t u, gid_t g), (p, u, g), AT_FDCWD, p, 0)
TW_WRAP(int, lchown, (const char *p, uid_t u, gid_t g), (p, u, g), AT_FDCWD, p,
    TW_NOFOLLOW)
TW_WRAP(int, fchownat, (int d, const char *p, uid_t u, gid_t g, int f),
    (d, p, u, g, f), d, p, tw_at_how(f))
TW_WRAP(int, utimensat,
    (int d, const char *p, const struct timespec t[2], int f), (d, p, t, f), d,
    p, tw_at_how(f))
TW_WRAP(int, mknod, (const char *p, mode_t m, dev_t v), (p, m, v), AT_FDCWD, p,
    TW_NOFOLLOW)
TW_WRAP(
    int, mkfifo, (const char *p, mode_t m), (p, m), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(char *, mkdtemp, (char *p), (p), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, mkstemp, (char *p), (p), AT_FDCWD, p, TW_NOFOLLOW)
TW_WRAP(int, mkstemp64, (char *p), (p), AT_FDCWD, p, TW_NOFOLLOW)

/* Two-path calls: both ends are checked. */
#define TW_WRAP2(name, proto, args, d1, p1, d2, p2)   \
	int name proto                                \
	{                                             \
		typedef int(*fn_t) proto;             \
		tw_check(#name, d1, p1, TW_NOFOLLOW); \
		tw_check(#name, d2, p2, TW_NOFOLLOW); \
		return NEXT(fn_t, #name) args;        \
	}

TW_WRAP2(
    rename, (const char *a, const char *b), (a, b), AT_FDCWD, a, AT_FDCWD, b)
TW_WRAP2(renameat, (int da, const char *a, int db, const char *b),
    (da, a, db, b), da, a, db, b)
TW_WRAP2(renameat2,
    (int da, const char *a, int db, const char *b, unsigned int f),
    (da, a, db, b, f), da, a, db, b)
TW_WRAP2(link, (const char *a, const char *b), (a, b), AT_FDCWD, a, AT_FDCWD, b)
TW_WRAP2(linkat, (int da, const char *a, int db, const char *b, int f),
    (da, a, db, b, f), da, a, db, b)

/* A symlink's target is text, not an access: only the link is checked. */
TW_WRAP(int, symlink, (const char *t, const char *p), (t, p), AT_FDCWD, p,
    TW_NOFOLLOW)
TW_WRAP(int, symlinkat, (const char *t, int d, const char *p), (t, d, p), d, p,
    TW_NOFOLLOW)

/* ---- running programs ---------------------------------------------- */

#define TW_ENV_MAX 1024

extern char **environ;

/*
 * Check the program a PATH search (execvp, posix_spawnp) would run: the
 * first executable candidate, or file itself when it has a slash.
 */
static void
tw_check_search(const char *fn, const char *file)
{
	typedef int (*access_fn)(const char *, int);
	const char *path = getenv("PATH"), *p, *end;
	char buf[4096];

	if (file == NULL || strchr(file, '/') != NULL || *file == '\0') {
		tw_check(fn, AT_FDCWD, file, TW_EXEC);
		return;
	}
	if (path == NULL)
		path = "/bin:/usr/bin";
	for (p = path; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, ":");
		if ((size_t)snprintf(buf, sizeof buf, "%.*s/%s", (int)(end - p),
			p, file) >= sizeof buf ||
		    end == p)
			continue;
		if (NEXT(access_fn, "access")(buf, X_OK) == 0) {
			tw_check(fn, AT_FDCWD, buf, TW_EXEC);
			return;
		}
	}
}

int
execve(const char *path, char *const argv[], char *const envp[])
{
	typedef int (*fn_t)(const char *, char *const[], char *const[]);
	char *env[TW_ENV_MAX];

	tw_check("execve", AT_FDCWD, path, TW_EXEC);
	return NEXT(fn_t, "execve")(path, argv, tw_env(envp, env, TW_ENV_MAX));
}

int
execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
    int flags)
{
	typedef int (*fn_t)(
	    int, const char *, char *const[], char *const[], int);
	char *env[TW_ENV_MAX];

	tw_check("execveat", dirfd, path, tw_at_how(flags) | TW_EXEC);
	return NEXT(fn_t, "execveat")(
	    dirfd, path, argv, tw_env(envp, env, TW_ENV_MAX), flags);
}

/* An fd names no path: only the environment is carried. */
int
fexecve(int fd, char *const argv[], char *const envp[])
{
	typedef int (*fn_t)(int, char *const[], char *const[]);
	char *env[TW_ENV_MAX];

	return NEXT(fn_t, "fexecve")(fd, argv, tw_env(envp, env, TW_ENV_MAX));
}

int
execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	typedef int (*fn_t)(const char *, char *const[], char *const[]);
	char *env[TW_ENV_MAX];

	tw_check_search("execvpe", file);
	return NEXT(fn_t, "execvpe")(file, argv, tw_env(envp, env, TW_ENV_MAX));
}

int
execvp(const char *file, char *const argv[])
{
	typedef int (*fn_t)(const char *, char *const[]);

	tw_check_search("execvp", file);
	return NEXT(fn_t, "execvp")(file, argv);
}

int
posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	typedef int (*fn_t)(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const[], char *const[]);
	char *env[TW_ENV_MAX];

	tw_check("posix_spawn", AT_FDCWD, path, TW_EXEC);
	return NEXT(fn_t, "posix_spawn")(
	    pid, path, fa, attr, argv, tw_env(envp, env, TW_ENV_MAX));
}

int
posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	typedef int (*fn_t)(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const[], char *const[]);
	char *env[TW_ENV_MAX];

	tw_check_search("posix_spawnp", file);
	return NEXT(fn_t, "posix_spawnp")(
	    pid, file, fa, attr, argv, tw_env(envp, env, TW_ENV_MAX));
}

/* ---- raw system calls ------------------------------------------------ */

/*
 * syscall(2): the root handle reaches openat2 this way (glibc 2.36 has no
 * wrapper); the path-taking calls a program might issue raw are checked.
 */
long
syscall(long nr, ...)
{
	typedef long (*fn_t)(long, ...);
	va_list ap;
	long a[6];
	int i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	switch (nr) {
	case SYS_openat2:
		tw_check_openat2((int)a[0], (const char *)a[1],
		    (const struct open_how *)a[2]);
		break;
	case SYS_openat:
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_readlinkat:
		tw_check("syscall", (int)a[0], (const char *)a[1],
		    nr == SYS_openat ? tw_open_how((int)a[2]) : 0);
		break;
#ifdef SYS_open
	case SYS_open:
	case SYS_stat:
	case SYS_lstat:
	case SYS_access:
	case SYS_readlink:
		tw_check("syscall", AT_FDCWD, (const char *)a[0], 0);
		break;
#endif
	default:
		break;
	}
	return NEXT(fn_t, "syscall")(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
