/*
 * tw-probe.c: a tiny program for the tripwire self-test. It makes one file
 * access the way the wizard's code and libraries do (open, fopen, opendir,
 * stat, statx, openat, raw openat2), or runs a program (execve, posix_spawn,
 * with an empty environment, as the command runner's is clean), so the test
 * can tell whether the shim reports it. Built with the project's flags, so an
 * --enable-asan build also checks that the shim works together with libasan.
 *
 * Usage: tw-probe OP PATH [PATH2]; exit 0 when the call succeeded, 1 when
 * it failed (the errno is printed), 2 on bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv);

/* openat2(2) through syscall(2), as the root handle calls it. */
static int
probe_openat2(int dirfd, const char *path, unsigned long long resolve)
{
	struct open_how how;

	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY | O_CLOEXEC;
	how.resolve = resolve;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* Run path with an empty environment: execve, or posix_spawn and wait. */
static int
probe_run(const char *op, const char *path)
{
	char *const argv[] = {(char *)path, NULL}, *const envp[] = {NULL};
	pid_t pid;
	int rc, st;

	if (strcmp(op, "execve") == 0) {
		execve(path, argv, envp);
		return -errno;
	}
	rc = posix_spawn(&pid, path, NULL, NULL, argv, envp);
	if (rc != 0)
		return -rc;
	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

/* Run one access; returns 0 when it succeeded, else -errno. */
static int
probe(const char *op, const char *path, const char *path2)
{
	struct stat st;
	struct statx stx;
	FILE *f;
	DIR *d;
	int fd, dirfd, rc;

	if (strcmp(op, "execve") == 0 || strcmp(op, "spawn") == 0)
		return probe_run(op, path);
	if (strcmp(op, "open") == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		rc = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (strcmp(op, "fopen") == 0) {
		f = fopen(path, "re");
		rc = f == NULL ? -errno : 0;
		if (f != NULL)
			fclose(f);
		return rc;
	}
	if (strcmp(op, "opendir") == 0) {
		d = opendir(path);
		rc = d == NULL ? -errno : 0;
		if (d != NULL)
			closedir(d);
		return rc;
	}
	if (strcmp(op, "stat") == 0)
		return stat(path, &st) < 0 ? -errno : 0;
	if (strcmp(op, "lstat") == 0)
		return lstat(path, &st) < 0 ? -errno : 0;
	if (strcmp(op, "statx") == 0)
		return statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0
			   ? -errno
			   : 0;
	if (strcmp(op, "openat2") == 0 && path2 == NULL) {
		fd = probe_openat2(AT_FDCWD, path, 0);
	} else if (path2 != NULL &&
		   (strcmp(op, "openat") == 0 || strcmp(op, "openat2") == 0 ||
		       strcmp(op, "openat2-in-root") == 0)) {
		dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return -errno;
		if (strcmp(op, "openat") == 0)
			fd = openat(dirfd, path2, O_RDONLY | O_CLOEXEC);
		else
			fd = probe_openat2(dirfd, path2,
			    strcmp(op, "openat2") == 0 ? 0 : RESOLVE_IN_ROOT);
		rc = errno;
		close(dirfd);
		errno = rc;
	} else {
		return -EINVAL;
	}
	rc = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: tw-probe OP PATH [PATH2]\n");
		return 2;
	}
	rc = probe(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
	if (rc == -EINVAL) {
		fprintf(
		    stderr, "tw-probe: unknown operation \"%s\"\n", argv[1]);
		return 2;
	}
	if (rc < 0) {
		printf("%s\n", strerror(-rc));
		return 1;
	}
	printf("ok\n");
	return 0;
}
