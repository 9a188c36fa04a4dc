/*
 * exec.h: the one command runner.
 *
 * Commands (update-grub, update-initramfs, proxmox-boot-tool, qm) run with
 * execve(2): no shell, a fixed PATH (/usr/sbin:/usr/bin:/sbin:/bin), a clean
 * environment (PATH, LC_ALL=C, HOME=/root, TERM=dumb), stdin from /dev/null,
 * stdout and stderr captured together (and handed to an optional callback as
 * they arrive, for a live view), and a time limit after which the process
 * group gets SIGTERM, then SIGKILL.
 *
 * On a root other than "/", the command is looked up in that root's PATH
 * directories instead and runs with VFIO_WIZARD_ROOT set to the root: the
 * fixture hosts' fake commands, which log their argv and can be told to
 * fail or hang. A command that exists in neither place is an error with a
 * clear message, not a silent success.
 */
#ifndef VW_EXEC_H
#define VW_EXEC_H

#include "vfio-wizard/common.h"

struct root;

struct exec_result {
	int status;	       /* exit code; 128+signal when killed */
	bool timed_out;	       /* the time limit was reached */
	char *output;	       /* stdout+stderr, NUL-terminated */
	size_t output_len;     /* at most 1 MiB plus a note */
	size_t output_dropped; /* bytes past the 1 MiB (noted at the end) */
};

/* Called with each chunk of output as it arrives (may be NULL). */
typedef void (*exec_output_fn)(const char *chunk, size_t len, void *arg);

/*
 * Run argv (argv[0] a bare command name, looked up in the fixed PATH) to
 * completion or the time limit. Returns 0 when the command ran (whatever
 * its status), -errno with *cause when it could not be started.
 */
int exec_run(const struct root *, const char *const *argv, int timeout_sec,
    exec_output_fn, void *arg, struct exec_result *out, char **cause);
void exec_result_free(struct exec_result *);
/* The full path a command would run from, or NULL when it is not there. */
char *exec_which(const struct root *, const char *name);

#endif
