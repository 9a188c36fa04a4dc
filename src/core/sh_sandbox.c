/*
 * sh_sandbox.c: a caged /bin/sh for reading shell-syntax configuration
 * (sh_sandbox.h). fork, set the limits up in the child, execve; the parent
 * reads stdout and stderr with poll() until both close and the child has
 * exited, and kills the child's process group at the time limit.
 */
#include "vfio-wizard/sh_sandbox.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t
sh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Report errno to the parent through the error pipe and give up. */
static void __attribute__((noreturn)) sh_child_fail(int errfd)
{
	int err = errno;
	ssize_t ignored = write(errfd, &err, sizeof err);

	(void)ignored;
	_exit(127);
}

/* In the child: the cage, then execve; never returns. */
static void __attribute__((noreturn))
sh_child(const char *dir, char *const *argv, char *const *envp, int devnull,
    int outfd, int errfd, int failfd)
{
	struct rlimit fsize = {0, 0};
	struct sigaction sa;
	sigset_t none;
	int sig;

	if (setsid() < 0)
		sh_child_fail(failfd);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails for KILL, STOP: fine */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
		sh_child_fail(failfd);
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		int fd;

		for (fd = 3; fd < 1024; fd++)
			if (fd != failfd)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (chdir(dir) < 0 || setrlimit(RLIMIT_FSIZE, &fsize) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		sh_child_fail(failfd);
	execve(SH_SANDBOX_SHELL, argv, envp);
	sh_child_fail(failfd);
}

/* One captured stream. */
struct sh_stream {
	int fd;
	struct strbuf buf;
	bool truncated;
};

/* Read what fd holds now; closes it at end of file. */
static void
sh_drain(struct sh_stream *s)
{
	char chunk[16384];

	for (;;) {
		ssize_t n = read(s->fd, chunk, sizeof chunk);
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(s->fd);
			s->fd = -1;
			return;
		}
		keep = SH_SANDBOX_OUTPUT_MAX - s->buf.len;
		if (keep > (size_t)n)
			keep = (size_t)n;
		else
			s->truncated = true;
		sb_add(&s->buf, chunk, keep);
	}
}

/* Wait for both streams to close and the child to exit, or the limit. */
static int
sh_wait(pid_t pid, struct sh_stream *st, int timeout_ms, bool *timed_out)
{
	int64_t deadline = sh_now_ms() + timeout_ms;
	bool killed = false;
	int status = 0;

	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		int64_t left = deadline - sh_now_ms();
		int i;

		if (left <= 0 && !killed) {
			*timed_out = killed = true;
			if (kill(-pid, SIGKILL) < 0)
				kill(pid, SIGKILL);
		}
		for (i = 0; i < 2; i++) {
			if (st[i].fd >= 0) {
				pfd[n].fd = st[i].fd;
				pfd[n].events = POLLIN;
				n++;
			}
		}
		if (n == 0)
			break;
		if (poll(pfd, n,
			killed ? 100 : (int)(left > 100 ? 100 : left)) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; i < 2; i++)
			if (st[i].fd >= 0)
				sh_drain(&st[i]);
		if (killed) {
			/* a grandchild may hold a pipe open: stop reading */
			for (i = 0; i < 2; i++) {
				if (st[i].fd >= 0) {
					close(st[i].fd);
					st[i].fd = -1;
				}
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

static char **
sh_argv(const char *script, const char *const *args)
{
	size_t n = 0, i;
	char **argv;

	while (args != NULL && args[n] != NULL)
		n++;
	argv = xcalloc(n + 5, sizeof *argv);
	argv[0] = xstrdup("sh");
	argv[1] = xstrdup("-c");
	argv[2] = xstrdup(script);
	argv[3] = xstrdup("sh"); /* $0 */
	for (i = 0; i < n; i++)
		argv[4 + i] = xstrdup(args[i]);
	return argv;
}

int
sh_sandbox_run(const char *dir, const char *script, const char *const *args,
    int timeout_ms, struct sh_result *out, char **cause)
{
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, failp[2] = {-1, -1};
	struct sh_stream st[2];
	char **argv, *envp[2];
	int devnull, child_err, err = 0, i;
	ssize_t n;
	pid_t pid;

	memset(out, 0, sizeof *out);
	/* the child's stdin: this machine's /dev/null, not a host file */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(outp, O_CLOEXEC) < 0 ||
	    pipe2(errp, O_CLOEXEC) < 0 || pipe2(failp, O_CLOEXEC) < 0) {
		err = -errno;
		*cause = xasprintf(
		    "cannot run '%s': %s", SH_SANDBOX_SHELL, strerror(errno));
		goto out;
	}
	argv = sh_argv(script, args);
	envp[0] =
	    xasprintf("PATH=%s/nonexistent", strcmp(dir, "/") == 0 ? "" : dir);
	envp[1] = NULL;
	pid = fork();
	if (pid == 0)
		sh_child(dir, argv, envp, devnull, outp[1], errp[1], failp[1]);
	strv_free(argv, (size_t)-1);
	free(envp[0]);
	if (pid < 0) {
		err = -errno;
		*cause = xasprintf("cannot run '%s': fork: %s",
		    SH_SANDBOX_SHELL, strerror(errno));
		goto out;
	}
	close(failp[1]);
	failp[1] = -1;
	do
		n = read(failp[0], &child_err, sizeof child_err);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof child_err) {
		int st_ignored;

		while (waitpid(pid, &st_ignored, 0) < 0 && errno == EINTR)
			;
		err = -child_err;
		*cause = xasprintf("cannot run '%s': %s", SH_SANDBOX_SHELL,
		    strerror(child_err));
		goto out;
	}
	close(outp[1]);
	close(errp[1]);
	outp[1] = errp[1] = -1;
	memset(st, 0, sizeof st);
	st[0].fd = outp[0];
	st[1].fd = errp[0];
	outp[0] = errp[0] = -1;
	for (i = 0; i < 2; i++)
		fcntl(st[i].fd, F_SETFL, fcntl(st[i].fd, F_GETFL) | O_NONBLOCK);
	out->status = sh_wait(pid, st, timeout_ms, &out->timed_out);
	out->out_len = st[0].buf.len;
	out->out = st[0].buf.len > 0 ? sb_detach(&st[0].buf) : xstrdup("");
	out->err_len = st[1].buf.len;
	out->err = st[1].buf.len > 0 ? sb_detach(&st[1].buf) : xstrdup("");
	out->truncated = st[0].truncated || st[1].truncated;
	for (i = 0; i < 2; i++) {
		if (st[i].fd >= 0)
			close(st[i].fd);
		sb_release(&st[i].buf);
	}
out:
	if (devnull >= 0)
		close(devnull);
	for (i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (failp[i] >= 0)
			close(failp[i]);
	}
	return err;
}

void
sh_result_free(struct sh_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof *r);
}
