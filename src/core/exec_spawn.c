/*
 * exec_spawn.c: the one place that starts a child process (exec_priv.h).
 *
 * fork and execve, never a shell of our own choosing and never execvp. The
 * child gets a session and process group of its own, /dev/null as stdin,
 * one pipe for stdout and stderr (or one each), default signal
 * dispositions and no other file descriptor; a caged child also gets
 * RLIMIT_FSIZE 0 and no_new_privs. The parent reads the pipes with poll(),
 * hands stdout chunks to the callback as they arrive, keeps the first
 * output_max bytes of each stream and counts the rest, and at the time
 * limit sends SIGTERM (and SIGCONT, for a stopped child) to the group, then
 * SIGKILL after the grace period (at once when there is none). The child
 * is always reaped.
 */
#include "exec_priv.h"

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

/* How often the child's state is looked at while its output is quiet. */
#define EXEC_TICK_MS 100

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Move fd above stderr (a caller with 0-2 closed), close-on-exec. */
static int
fd_above_stdio(int fd)
{
	int moved;

	if (fd < 0 || fd > 2)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return moved < 0 ? -1 : moved;
}

/* Mark every descriptor from 3 up close-on-exec (async-signal-safe). */
static void
child_cloexec_all(void)
{
	struct rlimit rl;
	long fd, max = 65536;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)max)
		max = (long)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/* Report errno to the parent through the error pipe and give up. */
static void __attribute__((noreturn)) child_fail(int errfd)
{
	int err = errno;
	ssize_t ignored = write(errfd, &err, sizeof err);

	(void)ignored;
	_exit(127);
}

/* In the child: set up the process and execve; never returns. */
static void __attribute__((noreturn)) child_exec(const struct exec_spawn *sp,
    char *const *argv, int devnull, int outfd, int errfd, int failfd)
{
	struct rlimit none = {0, 0};
	struct sigaction sa;
	sigset_t all;
	int sig;

	if (setsid() < 0)
		child_fail(failfd);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails for KILL, STOP: fine */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
		child_fail(failfd);
	child_cloexec_all();
	if (chdir(sp->dir) < 0)
		child_fail(failfd);
	if (sp->caged && (setrlimit(RLIMIT_FSIZE, &none) < 0 ||
			     prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0))
		child_fail(failfd);
	execve(sp->path, argv, sp->env);
	child_fail(failfd);
}

/* One captured stream. */
struct stream {
	int fd;
	bool eof;
	struct strbuf *buf;
};

/* State of one run while the parent waits. */
struct run {
	const struct exec_spawn *sp;
	struct exec_capture *cap;
	pid_t pid;
	struct stream s[2]; /* stdout, stderr (fd -1 when merged) */
	bool exited;
	int64_t deadline; /* SIGTERM (or SIGKILL) at this time; -1: none */
	int64_t kill_at;  /* SIGKILL at this time; -1: not yet due */
};

/* Read what a pipe holds now, kept up to the cap; marks EOF. */
static void
run_read(struct run *rn, struct stream *s)
{
	char buf[65536];

	while (s->fd >= 0 && !s->eof) {
		ssize_t n = read(s->fd, buf, sizeof buf);
		size_t keep = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			s->eof = true;
			return;
		}
		if (s == &rn->s[0] && rn->sp->fn != NULL)
			rn->sp->fn(buf, (size_t)n, rn->sp->arg);
		if (s->buf->len < rn->sp->output_max)
			keep = rn->sp->output_max - s->buf->len;
		if (keep > (size_t)n)
			keep = (size_t)n;
		sb_add(s->buf, buf, keep);
		rn->cap->dropped += (size_t)n - keep;
	}
}

/* Reap the child when it has exited; blocking when wait is true. */
static void
run_reap(struct run *rn, bool wait)
{
	int st;
	pid_t p;

	if (rn->exited)
		return;
	do
		p = waitpid(rn->pid, &st, wait ? 0 : WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p == rn->pid) {
		rn->exited = true;
		if (WIFEXITED(st))
			rn->cap->status = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			rn->cap->status = 128 + WTERMSIG(st);
	} else if (p < 0) {
		rn->exited = true; /* ECHILD: reaped elsewhere */
		rn->cap->status = -1;
	}
}

/* Signal the whole group (the child alone if it has none yet). */
static void
run_signal(const struct run *rn, int sig)
{
	if (kill(-rn->pid, sig) < 0 && errno == ESRCH)
		kill(rn->pid, sig);
}

/* The time limit: SIGTERM first, SIGKILL once the grace period is over. */
static void
run_deadlines(struct run *rn, int64_t now)
{
	if (rn->deadline >= 0 && now >= rn->deadline) {
		rn->cap->timed_out = true;
		rn->deadline = -1;
		rn->kill_at = now + rn->sp->grace_ms;
		if (rn->sp->grace_ms > 0) {
			run_signal(rn, SIGTERM);
			run_signal(rn, SIGCONT);
		}
	}
	if (rn->kill_at >= 0 && now >= rn->kill_at) {
		run_signal(rn, SIGKILL);
		rn->kill_at = -1;
	}
}

/* Wait for output, exit and the time limit until the child is gone. */
static void
run_wait(struct run *rn)
{
	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		int64_t now = now_ms(), wait = EXEC_TICK_MS;
		int i;

		run_reap(rn, false);
		if (rn->exited) {
			/* what is left in the pipes; a grandchild may hold them
			 */
			for (i = 0; i < 2; i++)
				run_read(rn, &rn->s[i]);
			break;
		}
		run_deadlines(rn, now);
		if (rn->deadline >= 0 && rn->deadline - now < wait)
			wait = rn->deadline - now;
		if (rn->kill_at >= 0 && rn->kill_at - now < wait)
			wait = rn->kill_at - now;
		if (wait < 0)
			wait = 0;
		for (i = 0; i < 2; i++) {
			if (rn->s[i].fd >= 0 && !rn->s[i].eof) {
				pfd[n].fd = rn->s[i].fd;
				pfd[n].events = POLLIN;
				n++;
			}
		}
		if (n == 0) {
			/* output closed, still running: look again soon */
			poll(NULL, 0, (int)(wait > 10 ? 10 : wait));
			continue;
		}
		if (poll(pfd, n, (int)wait) > 0) {
			for (i = 0; i < 2; i++)
				run_read(rn, &rn->s[i]);
		}
	}
	/* a timed-out command's helpers go with it */
	if (rn->cap->timed_out)
		run_signal(rn, SIGKILL);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A pipe whose both ends sit above stdio, close-on-exec. */
static int
pipe_above_stdio(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	p[0] = fd_above_stdio(p[0]);
	p[1] = fd_above_stdio(p[1]);
	return p[0] < 0 || p[1] < 0 ? -1 : 0;
}

/* Start the child; fills rn->pid and the read ends of the streams. */
static int
run_start(struct run *rn, const char *const *argv, char **cause)
{
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, failp[2] = {-1, -1};
	int devnull, err = 0, child_err, i;
	ssize_t n;

	/*
	 * The child's stdin is this machine's /dev/null, not a host file read
	 * through the root: a device of the process, like its pipes.
	 */
	devnull = fd_above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
	if (devnull < 0 || pipe_above_stdio(outp) < 0 ||
	    (rn->sp->split_stderr && pipe_above_stdio(errp) < 0) ||
	    pipe_above_stdio(failp) < 0) {
		err = -errno;
		*cause =
		    xasprintf("cannot run '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	rn->pid = fork();
	if (rn->pid < 0) {
		err = -errno;
		*cause = xasprintf(
		    "cannot run '%s': fork: %s", argv[0], strerror(errno));
		goto out;
	}
	if (rn->pid == 0)
		child_exec(rn->sp, (char *const *)argv, devnull, outp[1],
		    errp[1] >= 0 ? errp[1] : outp[1], failp[1]);
	close_fd(&failp[1]);
	/* execve closes the error pipe; an errno arrives if it failed */
	do
		n = read(failp[0], &child_err, sizeof child_err);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof child_err) {
		err = -child_err;
		*cause = xasprintf(
		    "cannot run '%s': %s", rn->sp->path, strerror(child_err));
		run_reap(rn, true);
		goto out;
	}
	rn->s[0].fd = outp[0];
	rn->s[1].fd = errp[0];
	outp[0] = errp[0] = -1;
	for (i = 0; i < 2; i++) {
		if (rn->s[i].fd >= 0)
			fcntl(rn->s[i].fd, F_SETFL,
			    fcntl(rn->s[i].fd, F_GETFL) | O_NONBLOCK);
	}
out:
	close_fd(&devnull);
	for (i = 0; i < 2; i++) {
		close_fd(&outp[i]);
		close_fd(&errp[i]);
		close_fd(&failp[i]);
	}
	return err;
}

int
exec_spawn_run(const struct exec_spawn *sp, const char *const *argv,
    struct exec_capture *cap, char **cause)
{
	struct run rn;
	int err, i;

	memset(cap, 0, sizeof *cap);
	memset(&rn, 0, sizeof rn);
	rn.sp = sp;
	rn.cap = cap;
	rn.s[0].fd = rn.s[1].fd = -1;
	rn.s[0].buf = &cap->out;
	rn.s[1].buf = &cap->err;
	rn.deadline = sp->timeout_ms > 0 ? now_ms() + sp->timeout_ms : -1;
	rn.kill_at = -1;
	err = run_start(&rn, argv, cause);
	if (err < 0)
		return err;
	run_wait(&rn);
	for (i = 0; i < 2; i++)
		close_fd(&rn.s[i].fd);
	return 0;
}
