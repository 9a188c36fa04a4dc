/*
 * fsio.h: safe file replacement below a root (git's lockfile/tempfile in
 * spirit), the only way vfio-wizard writes a file.
 *
 * fsio_replace() writes the new bytes to a temporary file in the target's
 * own directory (an unpredictable name, O_CREAT|O_EXCL|O_NOFOLLOW), gives it
 * the owner, mode and extended attributes of the file it replaces (or the
 * ones asked for when it is new), fsyncs it, renames it over the target and
 * fsyncs the directory. A reader sees the old file or the new one, never a
 * mix; any failure (fsync included) removes the temporary file, leaves the
 * old file as it was and returns -errno with a message.
 *
 * Refused before anything is written: a target that is a symlink, a hard
 * link (st_nlink > 1), an immutable or append-only file, a directory in the
 * path that is a symlink leaving the root, a file over the size limit.
 *
 * Under pmxcfs (/etc/pve on Proxmox: a FUSE file system with no fsync, fixed
 * ownership, modes 0640/0600 only, files up to 1 MiB, read-only without
 * quorum) the same temp+rename is done without the calls it does not
 * support, and a read-only /etc/pve is refused up front.
 *
 * pmxcfs is told by its FUSE magic on /etc/pve; a fixture root (not the
 * host) stands for it when it holds /etc/pve/.version (a file every pmxcfs
 * has). No quorum is read from /etc/pve/.members ('"quorate": 0'), on the
 * host and in a fixture alike.
 *
 * Every system call goes through struct fsio_ops, so tests can fail the
 * n-th open, write, fsync, rename or unlink with any errno, or make a write
 * short (fault injection).
 */
#ifndef VW_FSIO_H
#define VW_FSIO_H

#include <sys/stat.h>
#include <sys/types.h>

#include "vfio-wizard/common.h"

struct root;

/* What a file is (or was) apart from its bytes. */
struct file_meta {
	bool exists;
	mode_t mode; /* permission bits only */
	uid_t uid;
	gid_t gid;
};

/* The system calls fsio makes; fsio_default_ops uses the real ones. */
struct fsio_ops {
	int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*fsync)(int fd);
	int (*renameat)(
	    int olddirfd, const char *old, int newdirfd, const char *new);
	int (*unlinkat)(int dirfd, const char *path, int flags);
	int (*fchown)(int fd, uid_t uid, gid_t gid);
	int (*fchmod)(int fd, mode_t mode);
	int (*close)(int fd);
};
extern const struct fsio_ops fsio_default_ops;
/* The ops in force (the journal's writes go through them too). */
const struct fsio_ops *fsio_ops(void);
/* Set *cause to "<what>: strerror(-err)" (if cause) and return err. */
int fsio_fail(char **cause, int err, const char *fmt, ...) VW_PRINTF(3, 4);
/* Replace the ops (tests); NULL restores the defaults, and so does a NULL
 * member for that one call. */
void fsio_set_ops(const struct fsio_ops *);

enum {
	FSIO_PMXCFS = 1 << 0, /* the target lives on pmxcfs */
	/*
	 * journal: append data to the file (created with meta's mode),
	 * fsync it and, when it is new, its directory; no temp, no rename.
	 * A failed append cuts the file back to its old length.
	 */
	FSIO_DURABLE_ONLY = 1 << 1,
};

/* The largest file pmxcfs accepts (memdb.h). */
#define FSIO_PMXCFS_MAX (1024 * 1024)

/* Read a file's bytes and metadata (exists=false and 0 when absent). */
int fsio_read(const struct root *, const char *path, char **data, size_t *len,
    struct file_meta *meta, char **cause);
/*
 * Atomically replace (or create) path with data. meta gives the mode and
 * owner for a new file; an existing file keeps its own. flags: FSIO_PMXCFS
 * or 0 (fsio_is_pmxcfs() tells).
 */
int fsio_replace(const struct root *, const char *path, const void *data,
    size_t len, const struct file_meta *meta, unsigned flags, char **cause);
/* Remove a file the wizard created (fsync of the directory afterwards). */
int fsio_remove(
    const struct root *, const char *path, unsigned flags, char **cause);
/* True when path lies on pmxcfs (FUSE, below /etc/pve). */
bool fsio_is_pmxcfs(const struct root *, const char *path);
/* 0 when the directory of path is writable; -EROFS etc. with a message. */
int fsio_check_writable(const struct root *, const char *path, char **cause);

#endif
