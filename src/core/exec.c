/*
 * exec.c: the one command runner (exec.h).
 *
 * A command is looked up in the fixed PATH (inside the root when the root is
 * not "/"), then started with fork and execve: never a shell, never execvp.
 * The child gets a session and process group of its own, a clean
 * environment, /dev/null as stdin, one pipe for stdout and stderr, the root
 * as its working directory, default signal dispositions and no other file
 * descriptor. The parent reads the pipe with poll() and hands each chunk to
 * the callback as it arrives, keeps the first EXEC_OUTPUT_MAX bytes and
 * counts the rest, and at the time limit sends SIGTERM (and SIGCONT, for a
 * stopped child) to the group, then SIGKILL after a grace period. The child
 * is always reaped.
 */
#include "vfio-wizard/exec.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXEC_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define EXEC_OUTPUT_MAX (1024 * 1024)
#define EXEC_GRACE_MS 2000
/* How often the child's state is looked at while its output is quiet. */
#define EXEC_TICK_MS 100

static const char *const exec_dirs[] = {
    "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL};

/* Whether name is a bare command name: no slash, not "." or "..". */
static bool
bare_name(const char *name)
{
	return name != NULL && *name != '\0' && strchr(name, '/') == NULL &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/*
 * The host path of rel ("/usr/sbin/x") resolved inside the root, when it is
 * an executable regular file; under a fixture root the resolved path (every
 * link followed inside the root) so that execve cannot leave the tree.
 */
static char *
which_in(const struct root *r, const char *rel)
{
	char link[64], real[PATH_MAX];
	struct stat st;
	const char *top;
	ssize_t n;
	int fd;

	fd = root_openat(r, rel, O_PATH, 0);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 0111) == 0) {
		close(fd);
		return NULL;
	}
	if (root_is_host(r)) {
		close(fd);
		return xstrdup(rel);
	}
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof real - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	real[n] = '\0';
	top = root_dir(r);
	if (strncmp(real, top, strlen(top)) != 0 || real[strlen(top)] != '/')
		return NULL;
	return xstrdup(real);
}

char *
exec_which(const struct root *r, const char *name)
{
	size_t i;

	if (!bare_name(name))
		return NULL;
	for (i = 0; exec_dirs[i] != NULL; i++) {
		char *rel = xasprintf("%s/%s", exec_dirs[i], name);
		char *path = which_in(r, rel);

		free(rel);
		if (path != NULL)
			return path;
	}
	return NULL;
}

void
exec_result_free(struct exec_result *res)
{
	if (res == NULL)
		return;
	free(res->output);
	memset(res, 0, sizeof *res);
}

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
static void __attribute__((noreturn))
child_exec(const char *path, const char *dir, char *const *argv,
    char *const *envp, int devnull, int outfd, int errfd)
{
	struct sigaction sa;
	sigset_t all;
	int sig;

	if (setsid() < 0)
		child_fail(errfd);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* fails for KILL, STOP: fine */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		child_fail(errfd);
	child_cloexec_all();
	if (chdir(dir) < 0)
		child_fail(errfd);
	execve(path, argv, envp);
	child_fail(errfd);
}

/* The clean environment; VFIO_WIZARD_ROOT only under a fixture root. */
static char **
clean_env(const struct root *r)
{
	char **env = xcalloc(8, sizeof *env);
	size_t n = 0;

	env[n++] = xstrdup("PATH=" EXEC_PATH);
	env[n++] = xstrdup("LC_ALL=C");
	env[n++] = xstrdup("LANG=C");
	env[n++] = xstrdup("HOME=/root");
	env[n++] = xstrdup("TERM=dumb");
	if (!root_is_host(r))
		env[n++] = xasprintf("VFIO_WIZARD_ROOT=%s", root_dir(r));
	env[n] = NULL;
	return env;
}

/* State of one run while the parent waits. */
struct run {
	pid_t pid;
	int outfd;
	bool eof, exited, timed_out;
	int status;
	int64_t deadline;  /* SIGTERM at this time; -1: none */
	int64_t kill_at;   /* SIGKILL at this time; -1: not yet due */
	struct strbuf out; /* the kept output */
	size_t dropped;	   /* bytes past EXEC_OUTPUT_MAX */
	exec_output_fn fn;
	void *arg;
};

/* Read what the pipe holds now, kept up to the cap; marks EOF. */
static void
run_read(struct run *rn)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(rn->outfd, buf, sizeof buf);
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			rn->eof = true;
			return;
		}
		if (rn->fn != NULL)
			rn->fn(buf, (size_t)n, rn->arg);
		keep = 0;
		if (rn->out.len < EXEC_OUTPUT_MAX)
			keep = EXEC_OUTPUT_MAX - rn->out.len;
		if (keep > (size_t)n)
			keep = (size_t)n;
		sb_add(&rn->out, buf, keep);
		rn->dropped += (size_t)n - keep;
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
			rn->status = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			rn->status = 128 + WTERMSIG(st);
	} else if (p < 0) {
		rn->exited = true; /* ECHILD: reaped elsewhere */
		rn->status = -1;
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
		rn->timed_out = true;
		rn->deadline = -1;
		run_signal(rn, SIGTERM);
		run_signal(rn, SIGCONT);
		rn->kill_at = now + EXEC_GRACE_MS;
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
		struct pollfd pfd = {.fd = rn->outfd, .events = POLLIN};
		int64_t now = now_ms(), wait = EXEC_TICK_MS;

		run_reap(rn, false);
		if (rn->exited) {
			/* what is left in the pipe; a grandchild may hold it */
			if (!rn->eof)
				run_read(rn);
			break;
		}
		run_deadlines(rn, now);
		if (rn->deadline >= 0 && rn->deadline - now < wait)
			wait = rn->deadline - now;
		if (rn->kill_at >= 0 && rn->kill_at - now < wait)
			wait = rn->kill_at - now;
		if (wait < 0)
			wait = 0;
		if (rn->eof) {
			/* stdout closed, still running: look again soon */
			if (wait > 10)
				wait = 10;
			poll(NULL, 0, (int)wait);
			continue;
		}
		if (poll(&pfd, 1, (int)wait) > 0)
			run_read(rn);
	}
	/* a timed-out command's helpers go with it */
	if (rn->timed_out)
		run_signal(rn, SIGKILL);
}

/* Start the child: fds prepared, argv resolved; fills rn->pid. */
static int
run_start(const struct root *r, const char *path, const char *const *argv,
    struct run *rn, char **cause)
{
	int pipefd[2] = {-1, -1}, errpipe[2] = {-1, -1}, devnull, err = 0;
	char **env = clean_env(r);
	ssize_t n;
	int child_err;

	/*
	 * The child's stdin is this machine's /dev/null, not a host file read
	 * through the root: a device of the process, like its pipe.
	 */
	devnull = fd_above_stdio(open("/dev/null", O_RDWR | O_CLOEXEC));
	if (devnull < 0 || pipe2(pipefd, O_CLOEXEC) < 0 ||
	    (pipefd[0] = fd_above_stdio(pipefd[0])) < 0 ||
	    (pipefd[1] = fd_above_stdio(pipefd[1])) < 0 ||
	    pipe2(errpipe, O_CLOEXEC) < 0 ||
	    (errpipe[1] = fd_above_stdio(errpipe[1])) < 0) {
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
		child_exec(path, root_dir(r), (char *const *)argv, env, devnull,
		    pipefd[1], errpipe[1]);
	close(errpipe[1]);
	errpipe[1] = -1;
	/* execve closes the error pipe; an errno arrives if it failed */
	do
		n = read(errpipe[0], &child_err, sizeof child_err);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof child_err) {
		err = -child_err;
		*cause =
		    xasprintf("cannot run '%s': %s", path, strerror(child_err));
		rn->exited = false;
		run_reap(rn, true);
		goto out;
	}
	rn->outfd = pipefd[0];
	pipefd[0] = -1;
	fcntl(rn->outfd, F_SETFL, fcntl(rn->outfd, F_GETFL) | O_NONBLOCK);
out:
	if (devnull >= 0)
		close(devnull);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (errpipe[0] >= 0)
		close(errpipe[0]);
	if (errpipe[1] >= 0)
		close(errpipe[1]);
	strv_free(env, (size_t)-1);
	return err;
}

int
exec_run(const struct root *r, const char *const *argv, int timeout_sec,
    exec_output_fn fn, void *arg, struct exec_result *out, char **cause)
{
	struct run rn = {.outfd = -1, .deadline = -1, .kill_at = -1};
	char *path, *ignored = NULL;
	int err;

	memset(out, 0, sizeof *out);
	if (cause == NULL)
		cause = &ignored;
	*cause = NULL;
	if (argv == NULL || !bare_name(argv[0])) {
		*cause = xasprintf("'%s' is not a command name",
		    argv != NULL && argv[0] != NULL ? argv[0] : "");
		free(ignored);
		return -EINVAL;
	}
	path = exec_which(r, argv[0]);
	if (path == NULL) {
		*cause = root_is_host(r)
			     ? xasprintf("command '%s' not found in " EXEC_PATH,
				   argv[0])
			     : xasprintf("command '%s' not found in " EXEC_PATH
					 " below '%s'",
				   argv[0], root_dir(r));
		free(ignored);
		return -ENOENT;
	}
	rn.fn = fn;
	rn.arg = arg;
	if (timeout_sec > 0)
		rn.deadline = now_ms() + (int64_t)timeout_sec * 1000;
	err = run_start(r, path, argv, &rn, cause);
	free(path);
	if (err < 0) {
		free(ignored);
		sb_release(&rn.out);
		return err;
	}
	run_wait(&rn);
	close(rn.outfd);
	if (rn.dropped > 0)
		sb_addf(&rn.out, "\n[%zu more bytes of output not kept]\n",
		    rn.dropped);
	out->status = rn.status;
	out->timed_out = rn.timed_out;
	out->output_len = rn.out.len;
	out->output = rn.out.len > 0 ? sb_detach(&rn.out) : xstrdup("");
	out->output_dropped = rn.dropped;
	sb_release(&rn.out);
	free(ignored);
	return 0;
}
