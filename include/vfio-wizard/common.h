/*
 * common.h: what every vfio-wizard file needs: config.h, gettext macros,
 * allocation that never returns NULL (tmux's xmalloc), and small helpers.
 *
 * Low layers return -errno and never print; the x* allocators abort on
 * out-of-memory, because a half-built snapshot is worse than a clean exit.
 */
#ifndef VW_COMMON_H
#define VW_COMMON_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#endif
#define N_(s) (s)

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#define VW_PRINTF(f, a) __attribute__((format(printf, f, a)))

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) VW_PRINTF(1, 2);
char *xvasprintf(const char *, va_list) VW_PRINTF(1, 0);

/* Append one element to a growable array: ARRAY_PUSH(arr, n, value). */
#define ARRAY_PUSH(arr, n, value)                                     \
	do {                                                          \
		(arr) = xreallocarray((arr), (n) + 1, sizeof *(arr)); \
		(arr)[(n)++] = (value);                               \
	} while (0)

/* Free a NULL-terminated or counted vector of strings. */
void strv_free(char **, size_t);
/* True when the counted vector holds a string equal to s. */
bool strv_has(char *const *, size_t, const char *s);

/* True when s starts with prefix. */
bool str_startswith(const char *s, const char *prefix);
/* Strip trailing white space (newlines from sysfs files) in place. */
char *str_rstrip(char *);
/* Parse a hex number (with or without 0x) that must fill the string. */
int str_hex(const char *, unsigned long *);

#endif
