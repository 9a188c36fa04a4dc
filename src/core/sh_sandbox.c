/*
 * sh_sandbox.c: a caged /bin/sh for reading shell-syntax configuration
 * (sh_sandbox.h): the argument vector and the one-variable environment are
 * built here; the process itself is started, limited and read by the
 * command runner's machinery (exec_spawn.c), caged and with stderr apart.
 */
#include "vfio-wizard/sh_sandbox.h"
#include "exec_priv.h"

#include <stdlib.h>
#include <string.h>

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
	char *env[2] = {NULL, NULL};
	struct exec_spawn sp = {
	    .path = SH_SANDBOX_SHELL,
	    .dir = dir,
	    .env = env,
	    .caged = true,
	    .split_stderr = true,
	    .timeout_ms = timeout_ms,
	    .grace_ms = 0,
	    .output_max = SH_SANDBOX_OUTPUT_MAX,
	};
	struct exec_capture cap;
	char **argv = sh_argv(script, args);
	int err;

	memset(out, 0, sizeof *out);
	env[0] =
	    xasprintf("PATH=%s/nonexistent", strcmp(dir, "/") == 0 ? "" : dir);
	err = exec_spawn_run(&sp, (const char *const *)argv, &cap, cause);
	strv_free(argv, (size_t)-1);
	free(env[0]);
	if (err < 0)
		return err;
	out->status = cap.status;
	out->timed_out = cap.timed_out;
	out->truncated = cap.dropped > 0;
	out->out_len = cap.out.len;
	out->out = cap.out.len > 0 ? sb_detach(&cap.out) : xstrdup("");
	out->err_len = cap.err.len;
	out->err = cap.err.len > 0 ? sb_detach(&cap.err) : xstrdup("");
	sb_release(&cap.out);
	sb_release(&cap.err);
	return 0;
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
