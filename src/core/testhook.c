/*
 * testhook.c: the crash-test and fault-injection hooks (see testhook.h).
 * The log files are test artifacts named by the environment, not host
 * paths, so they are opened directly rather than through the root handle.
 */
#include "vfio-wizard/testhook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long crash_points;

void
test_crash_point(const char *what)
{
	const char *log = getenv("VFIO_WIZARD_TEST_CRASH_LOG");
	const char *at = getenv("VFIO_WIZARD_TEST_CRASH_AT");
	unsigned long n = ++crash_points;

	if (log != NULL && *log != '\0') {
		int fd =
		    open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dprintf(fd, "%lu %s\n", n, what);
			close(fd);
		}
	}
	if (at != NULL && *at != '\0') {
		char *end;
		unsigned long k;

		errno = 0;
		k = strtoul(at, &end, 10);
		if (errno == 0 && *end == '\0' && k == n)
			raise(SIGKILL);
	}
}

/* The fault asked for, read once from the environment. */
static struct {
	int state; /* 0: not read yet, 1: off, 2: on */
	unsigned long at;
	int err; /* an errno, TEST_FAULT_SHORT, or 0 for none */
	const char *log;
	unsigned long calls;
} fault;

static void
fault_read_env(void)
{
	static const struct {
		const char *name;
		int err;
	} errs[] = {
	    {"EIO", EIO},
	    {"ENOSPC", ENOSPC},
	    {"EROFS", EROFS},
	    {"SHORT", TEST_FAULT_SHORT},
	};
	const char *spec = getenv("VFIO_WIZARD_TEST_FAULT");
	char *end;
	size_t i;

	fault.log = getenv("VFIO_WIZARD_TEST_FAULT_LOG");
	if (fault.log != NULL && *fault.log == '\0')
		fault.log = NULL;
	if (spec != NULL && *spec != '\0') {
		errno = 0;
		fault.at = strtoul(spec, &end, 10);
		if (errno == 0 && *end == ':')
			for (i = 0; i < sizeof errs / sizeof errs[0]; i++)
				if (strcmp(end + 1, errs[i].name) == 0)
					fault.err = errs[i].err;
		if (fault.err == 0)
			fault.at = 0;
	}
	fault.state = (fault.err != 0 || fault.log != NULL) ? 2 : 1;
}

bool
test_fault_enabled(void)
{
	if (fault.state == 0)
		fault_read_env();
	return fault.state == 2;
}

/* Append "n op path" to the log; fds are named through /proc/self/fd. */
static void
fault_log(unsigned long n, const char *op, int dirfd, const char *name)
{
	char link[64], path[PATH_MAX];
	ssize_t len;
	int fd;

	snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
	len = readlink(link, path, sizeof path - 1);
	if (len < 0)
		len = 0;
	path[len] = '\0';
	fd = open(fault.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (name == NULL)
		dprintf(fd, "%lu %s %s\n", n, op, path);
	else if (name[0] == '/')
		dprintf(fd, "%lu %s %s\n", n, op, name);
	else
		dprintf(fd, "%lu %s %s/%s\n", n, op, path, name);
	close(fd);
}

int
test_fault_point(const char *op, int dirfd, const char *name)
{
	unsigned long n;

	if (!test_fault_enabled())
		return 0;
	n = ++fault.calls;
	if (fault.log != NULL)
		fault_log(n, op, dirfd, name);
	if (n != fault.at)
		return 0;
	if (fault.err == TEST_FAULT_SHORT && strcmp(op, "write") != 0)
		return EIO;
	return fault.err;
}
