/*
 * lock.c: one vfio-wizard at a time (an flock on STATE_DIR/lock) and
 * qemu-server's per-VM lock (/var/lock/qemu-server/lock-<vmid>.conf), both
 * below the root. flock locks belong to the open file: they go when the
 * holder closes it or dies, so a crash never leaves a stale lock. The lock
 * files themselves stay, as qemu-server's do: removing a lock file another
 * process may be opening would let two holders in.
 */
#include "vfio-wizard/lock.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VM_LOCK_DIR "/var/lock/qemu-server"
#define LOCK_POLL_NS (50 * 1000 * 1000)

struct lock {
	int fd;
};

/* Fill *cause and return err. */
static int VW_PRINTF(3, 4)
    lock_fail(char **cause, int err, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return err;
}

/* mkdir -p of an absolute path inside the root; the last one gets mode. */
static int
make_dirs(const struct root *r, const char *path, mode_t mode)
{
	char *prefix = xstrdup(path);
	char *slash = prefix;
	int err = 0;

	for (;;) {
		char *name;
		int fd;

		slash = strchr(slash + 1, '/');
		if (slash != NULL)
			*slash = '\0';
		fd = root_openat(r, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd >= 0) {
			close(fd);
		} else if (fd != -ENOENT) {
			err = fd;
			break;
		} else {
			name = strrchr(prefix, '/');
			*name = '\0';
			fd = root_openat(r, prefix[0] ? prefix : "/",
			    O_PATH | O_DIRECTORY, 0);
			*name = '/';
			if (fd < 0) {
				err = fd;
				break;
			}
			if (mkdirat(fd, name + 1, slash == NULL ? mode : 0755) <
				0 &&
			    errno != EEXIST)
				err = -errno;
			close(fd);
			if (err < 0)
				break;
		}
		if (slash == NULL)
			break;
		*slash = '/';
	}
	free(prefix);
	return err;
}

/*
 * Open (creating) the lock file name in directory dir, made with dir_mode
 * when absent; the directory itself must not be a symlink.
 */
static int
open_lock_file(const struct root *r, const char *dir, mode_t dir_mode,
    const char *name, int flags, char **cause)
{
	struct stat st;
	int dfd, fd, err;

	err = make_dirs(r, dir, dir_mode);
	if (err < 0)
		return lock_fail(
		    cause, err, "cannot create '%s': %s", dir, strerror(-err));
	dfd = root_openat(r, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dfd == -ELOOP || dfd == -ENOTDIR)
		return lock_fail(cause, dfd,
		    "'%s' is a symbolic link or not a directory", dir);
	if (dfd < 0)
		return lock_fail(
		    cause, dfd, "cannot open '%s': %s", dir, strerror(-dfd));
	if (fstat(dfd, &st) == 0 && st.st_uid != geteuid()) {
		close(dfd);
		return lock_fail(cause, -EPERM,
		    "'%s' belongs to uid %lu, not to this user", dir,
		    (unsigned long)st.st_uid);
	}
	fd = openat(dfd, name, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	err = fd < 0 ? -errno : 0;
	close(dfd);
	if (fd < 0)
		return lock_fail(cause, err, "cannot open '%s/%s': %s", dir,
		    name, strerror(-err));
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return lock_fail(
		    cause, -EINVAL, "'%s/%s' is not a regular file", dir, name);
	}
	return fd;
}

/* The pid a holder wrote into its lock file, 0 when unknown. */
static long
holder_pid(int fd)
{
	char buf[32];
	ssize_t n;

	n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int
lock_instance(const struct root *r, struct lock **out, char **cause)
{
	char pid[32];
	int fd, len;

	if (cause != NULL)
		*cause = NULL;
	*out = NULL;
	fd = open_lock_file(r, STATE_DIR, 0700, "lock", O_RDWR, cause);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = -errno;
		long holder;

		if (err != -EWOULDBLOCK) {
			close(fd);
			return lock_fail(cause, err,
			    "cannot lock '" STATE_DIR "/lock': %s",
			    strerror(-err));
		}
		holder = holder_pid(fd);
		close(fd);
		if (holder > 0)
			return lock_fail(cause, -EBUSY,
			    "another vfio-wizard is running (pid %ld)", holder);
		return lock_fail(
		    cause, -EBUSY, "another vfio-wizard is running");
	}
	/* for the message of the next one; the lock is what counts */
	len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) < 0) {
		/* a missing pid only makes the message vaguer */
	}
	*out = xcalloc(1, sizeof **out);
	(*out)->fd = fd;
	return 0;
}

int
lock_vm(const struct root *r, int vmid, int timeout_sec, struct lock **out,
    char **cause)
{
	struct timespec start, now, nap = {0, LOCK_POLL_NS};
	char name[64];
	int fd;

	if (cause != NULL)
		*cause = NULL;
	*out = NULL;
	if (vmid < 100)
		return lock_fail(cause, -EINVAL, "'%d' is not a VM id", vmid);
	snprintf(name, sizeof name, "lock-%d.conf", vmid);
	fd = open_lock_file(
	    r, VM_LOCK_DIR, 0755, name, O_WRONLY | O_APPEND, cause);
	if (fd < 0)
		return fd;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = -errno;

		if (err == -EINTR)
			continue;
		if (err != -EWOULDBLOCK) {
			close(fd);
			return lock_fail(cause, err,
			    "cannot lock '" VM_LOCK_DIR "/%s': %s", name,
			    strerror(-err));
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout_sec) {
			close(fd);
			return lock_fail(cause, -ETIMEDOUT,
			    "cannot lock VM %d: another process has held "
			    "'" VM_LOCK_DIR "/%s' for %d s",
			    vmid, name, timeout_sec);
		}
		nanosleep(&nap, NULL);
	}
	*out = xcalloc(1, sizeof **out);
	(*out)->fd = fd;
	return 0;
}

void
lock_release(struct lock *l)
{
	if (l == NULL)
		return;
	flock(l->fd, LOCK_UN);
	close(l->fd);
	free(l);
}
