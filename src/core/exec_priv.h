/*
 * exec_priv.h: the process machinery under the command runner (exec.c) and
 * the caged shell (sh_sandbox.c), in exec_spawn.c. One place forks, sets
 * the child up, captures its output and enforces the time limit.
 */
#ifndef VW_EXEC_PRIV_H
#define VW_EXEC_PRIV_H

#include "vfio-wizard/exec.h"
#include "vfio-wizard/strbuf.h"

/* How to start one child. */
struct exec_spawn {
	const char *path;  /* the program, an absolute path */
	const char *dir;   /* its working directory */
	char *const *env;  /* its whole environment */
	bool caged;	   /* RLIMIT_FSIZE 0 and no_new_privs */
	bool split_stderr; /* stderr captured apart (else with stdout) */
	int timeout_ms;	   /* 0: no limit */
	int grace_ms;	   /* SIGTERM to SIGKILL; 0: SIGKILL at once */
	size_t output_max; /* bytes kept per stream */
	exec_output_fn fn; /* stdout chunks as they arrive, or NULL */
	void *arg;
};

/* What one child did. */
struct exec_capture {
	int status;	   /* exit code; 128+signal when killed */
	bool timed_out;	   /* the time limit was reached */
	struct strbuf out; /* stdout (and stderr unless split) */
	struct strbuf err; /* stderr when split */
	size_t dropped;	   /* bytes past output_max, both streams */
};

/*
 * Run argv[0] = any name, the program at sp->path, to completion or the
 * time limit; the child gets a session of its own, /dev/null as stdin,
 * default signal dispositions and no other descriptor. 0 when it ran
 * (whatever its status), -errno with an untranslated *cause when it could
 * not be started. The caller releases cap->out and cap->err.
 */
int exec_spawn_run(const struct exec_spawn *, const char *const *argv,
    struct exec_capture *cap, char **cause);

#endif
