/*
 * fsio_priv.h: what fsio.c (the replacement itself) and fsio_pve.c (pmxcfs,
 * read, remove, writability) share: one replacement's state and the
 * helpers that fill a cause.
 */
#ifndef VW_FSIO_PRIV_H
#define VW_FSIO_PRIV_H

#include "vfio-wizard/fsio.h"

#include <sys/stat.h>

/* One replacement under way. */
struct fsio_job {
	const char *path; /* as the caller gave it, for messages */
	char *base;	  /* last component of path */
	int dfd;	  /* the directory holding it (O_RDONLY) */
	int ofd;	  /* the old file (O_RDONLY), or -1 */
	bool exists;	  /* the old file is there: old is valid */
	struct stat old;
	const void *data;
	size_t len;
	const struct file_meta *meta; /* for a new file; may be NULL */
	char **cause;
};

/* Fill *cause with the message alone and return err. */
int fsio_refuse(char **cause, int err, const char *fmt, ...) VW_PRINTF(3, 4);

/* Open the directory of an absolute path through the root; *base owned. */
int fsio_open_parent(
    const struct root *, const char *path, char **base, char **cause);
/*
 * Look at the old file: 0 when absent, 1 when it is a regular file that
 * may be replaced (*ofd open on it), -errno with a message when refused.
 */
int fsio_old_file(int dfd, const char *path, const char *base, bool pmxcfs,
    struct stat *st, int *ofd, char **cause);
/* write(2) until done, through the ops; -errno on failure. */
int fsio_write_all(int fd, const void *data, size_t len);

/* The ordinary replacement: temp file, owner, mode, xattrs, fsync, rename. */
int fsio_replace_at(struct fsio_job *);
/* FSIO_DURABLE_ONLY: append and fsync, no temp file. */
int fsio_append_at(struct fsio_job *);

#endif
