/*
 * testhook.c: the crash-test hook (see testhook.h). The log file is a test
 * artifact named by the environment, not a host path, so it is opened
 * directly rather than through the root handle.
 */
#include "vfio-wizard/testhook.h"

#include <errno.h>
#include <fcntl.h>
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
