/*
 * tripwire.h: what the tripwire's checking core (tripwire.c) shares with its
 * libc wrappers (tripwire_calls.c). Everything here is hidden: the shim
 * exports only the wrapped libc functions.
 */
#ifndef VW_TRIPWIRE_H
#define VW_TRIPWIRE_H

#pragma GCC visibility push(hidden)

/* How a call treats the path's last component and symlinks. */
enum {
	TW_FOLLOW = 0,	 /* symlinks followed everywhere */
	TW_NOFOLLOW = 1, /* last component not followed (lstat, O_NOFOLLOW) */
	TW_CONFINED = 2, /* the kernel keeps resolution below dirfd */
	TW_EXEC = 4,	 /* a program run: $TRIPWIRE_EXEC paths are fine */
};

typedef int (*tw_open_fn)(const char *, int, ...);
typedef int (*tw_openat_fn)(int, const char *, int, ...);

/* The next definition of a libc symbol (libasan's or libc's); aborts if none.
 */
void *tw_next(const char *name);
/*
 * Check one access to path (relative to dirfd unless absolute); report it
 * when it leaves the root and the allow lists. Keeps errno.
 */
void tw_check(const char *fn, int dirfd, const char *path, int how);
/*
 * The environment for a program about to be run: envp plus the tripwire's
 * own variables it lacks (LD_PRELOAD, TRIPWIRE_*, ASAN_OPTIONS), so a child
 * started with a clean environment stays under the tripwire. buf holds n
 * pointers; envp itself is returned when nothing is missing or it is full.
 */
char *const *tw_env(char *const *envp, char **buf, size_t n);

/* The real function NAME, looked up once; TYPE is its pointer type. */
#define NEXT(type, name)                              \
	({                                            \
		static type tw_fn_;                   \
		if (tw_fn_ == NULL)                   \
			tw_fn_ = (type)tw_next(name); \
		tw_fn_;                               \
	})

#pragma GCC visibility pop

#endif
