/*
 * root.h: the one door to the machine.
 *
 * Every read of host state goes through a root handle: "/" in production, a
 * fixture tree in tests and demos (--root DIR). Paths given to these calls are
 * absolute paths *inside* the root ("/sys/bus/pci/devices"); symlinks are
 * resolved inside the root (openat2 RESOLVE_IN_ROOT, or a component walk where
 * the kernel lacks openat2), so a link to "/" or "../../.." never escapes.
 *
 * Libraries that take paths (libpci's sysfs.path, libkmod's dirname and
 * config paths) get them from root_join(); the trees they walk use relative
 * links, as the kernel's sysfs does.
 *
 * All calls return 0 or a negative errno and never print.
 */
#ifndef VW_ROOT_H
#define VW_ROOT_H

#include <sys/stat.h>
#include <sys/types.h>

#include "vfio-wizard/common.h"

struct root;

/* Open a root handle on an existing directory (NULL or "/" for the host). */
int root_open(const char *dir, struct root **out);
void root_free(struct root *);

/* The root's absolute directory, "/" for the real host. */
const char *root_dir(const struct root *);
/* True when the handle is the real machine ("/"). */
bool root_is_host(const struct root *);
/* "<root>/<path>" for a library that takes a path; caller frees. */
char *root_join(const struct root *, const char *path);

/*
 * The absolute path inside the root that path leads to, every symlink
 * followed inside the root ("/etc/pve/local/x" -> "/etc/pve/nodes/pve1/x");
 * components that do not exist (a file about to be created) are kept.
 */
int root_resolve(const struct root *, const char *path, char **out);

/* open(2) inside the root; returns an fd or -errno. */
int root_openat(const struct root *, const char *path, int flags, mode_t mode);
/*
 * Read a whole file into a NUL-terminated buffer (*len excludes the NUL).
 * sysfs and procfs attributes are read with one read(2) where they fit.
 */
int root_read(const struct root *, const char *path, char **out, size_t *len);
/* Read a one-line attribute and strip the trailing newline. */
int root_read_line(const struct root *, const char *path, char **out);
/* Read an attribute holding a number (decimal or 0x-hex). */
int root_read_ulong(const struct root *, const char *path, unsigned long *);
int root_readlink(const struct root *, const char *path, char **out);
/* The last component of a symlink's target (a driver or group name). */
int root_readlink_base(const struct root *, const char *path, char **out);
int root_stat(
    const struct root *, const char *path, struct stat *, bool follow);
bool root_exists(const struct root *, const char *path);
/* The entries of a directory, without "." and "..", sorted; strv_free them. */
int root_listdir(
    const struct root *, const char *path, char ***names, size_t *n);

/*
 * Calls on a directory held open: root_opendir opens one inside the root
 * (O_RDONLY, usable for reading and listing), and the *_in calls take that
 * fd with the directory's path and one entry name. A name is resolved below
 * the fd with one openat2(RESOLVE_BENEATH); a link leading out of the
 * directory (absolute, or ".." above it) is resolved inside the root from
 * "<dirpath>/<name>" as root_openat would. For probes that read many
 * attributes of one sysfs directory without a path walk per attribute.
 * root_read_in reads like a sysfs attribute: a read(2) that returns less
 * than it asked for ends the file (the kernel hands an attribute over whole
 * in one read; a regular file is short only at its end), so a small file
 * costs one read instead of two. Not for procfs seq files.
 */
int root_opendir(const struct root *, const char *path);
int root_openat_in(const struct root *, int dirfd, const char *dirpath,
    const char *name, int flags);
int root_read_in(const struct root *, int dirfd, const char *dirpath,
    const char *name, char **out, size_t *len);
int root_read_line_in(const struct root *, int dirfd, const char *dirpath,
    const char *name, char **out);
/* The entries of a directory below the held one, sorted. */
int root_listdir_in(const struct root *, int dirfd, const char *dirpath,
    const char *name, char ***names, size_t *n);
/* lstat(2) of one entry of the held directory (never followed). */
int root_lstat_in(
    const struct root *, int dirfd, const char *name, struct stat *);
/* readlink(2) of the entry itself (its own target, never followed). */
int root_readlink_in(
    const struct root *, int dirfd, const char *name, char **out);
/* The entries of the held directory itself, sorted, as root_listdir. */
int root_listdir_fd(const struct root *, int dirfd, char ***names, size_t *n);

#endif
