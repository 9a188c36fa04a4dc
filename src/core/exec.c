/*
 * exec.c: the one command runner (exec.h).
 *
 * A command is looked up in the fixed PATH (inside the root when the root is
 * not "/") and run through exec_spawn.c with a clean environment, the root
 * as its working directory, stdout and stderr on one pipe (handed to the
 * callback as they arrive, the first EXEC_OUTPUT_MAX bytes kept), and at
 * the time limit SIGTERM, then SIGKILL after a grace period.
 */
#include "exec_priv.h"
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

int
exec_run(const struct root *r, const char *const *argv, int timeout_sec,
    exec_output_fn fn, void *arg, struct exec_result *out, char **cause)
{
	struct exec_spawn sp = {
	    .dir = root_dir(r),
	    .timeout_ms = timeout_sec > 0 ? timeout_sec * 1000 : 0,
	    .grace_ms = EXEC_GRACE_MS,
	    .output_max = EXEC_OUTPUT_MAX,
	    .fn = fn,
	    .arg = arg,
	};
	struct exec_capture cap;
	char *path, *ignored = NULL, **env;
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
	sp.path = path;
	sp.env = env = clean_env(r);
	err = exec_spawn_run(&sp, argv, &cap, cause);
	free(path);
	strv_free(env, (size_t)-1);
	free(ignored);
	if (err < 0)
		return err;
	if (cap.dropped > 0)
		sb_addf(&cap.out, "\n[%zu more bytes of output not kept]\n",
		    cap.dropped);
	out->status = cap.status;
	out->timed_out = cap.timed_out;
	out->output_len = cap.out.len;
	out->output = cap.out.len > 0 ? sb_detach(&cap.out) : xstrdup("");
	out->output_dropped = cap.dropped;
	sb_release(&cap.out);
	sb_release(&cap.err);
	return 0;
}
