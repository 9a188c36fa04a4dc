/*
 * sh_sandbox.h: run a short /bin/sh script in a cage, for the one place
 * where vfio-wizard lets a shell read configuration: recomputing the GRUB
 * command line the way grub-mkconfig does (it sources /etc/default/grub and
 * /etc/default/grub.d/ *.cfg with /bin/sh).
 *
 * The child is started with fork and execve("/bin/sh", "-c", script, "sh",
 * args...): the arguments reach the script as $1, $2, ... and are never
 * parsed as shell text. It runs in dir ("/" on the host; a fixture root in
 * tests and demos) with an empty environment apart from PATH=/nonexistent
 * (<dir>/nonexistent below another dir: a directory that does not exist,
 * so no external command is found by name and Debian's stock
 * GRUB_DISTRIBUTOR=`lsb_release ... || echo Debian` falls back to the
 * builtin echo), /dev/null as stdin, a session of its own, RLIMIT_FSIZE 0
 * (a write to any file kills it with SIGXFSZ), no_new_privs, no other file
 * descriptor, and a time limit after which its process group is killed.
 * stdout and stderr are captured separately, each up to
 * SH_SANDBOX_OUTPUT_MAX bytes.
 *
 * What the script sources still runs with the caller's rights: the files
 * are the ones update-grub has just executed as root, so the sandbox keeps
 * a mistake from doing harm (writes, commands found by name) rather than
 * containing a hostile file.
 *
 * Returns 0 when the script ran (whatever its status), -errno with an
 * untranslated *cause when it could not be started. Never prints.
 */
#ifndef VW_SH_SANDBOX_H
#define VW_SH_SANDBOX_H

#include "vfio-wizard/common.h"

#define SH_SANDBOX_SHELL "/bin/sh"
#define SH_SANDBOX_OUTPUT_MAX (256 * 1024)

struct sh_result {
	int status;	/* exit code; 128+signal when killed */
	bool timed_out; /* the time limit was reached */
	char *out;	/* stdout, NUL-terminated (may hold NULs) */
	size_t out_len;
	char *err; /* stderr, NUL-terminated */
	size_t err_len;
	bool truncated; /* output past SH_SANDBOX_OUTPUT_MAX was dropped */
};

/* Run script in dir with positional args (NULL-terminated, may be NULL). */
int sh_sandbox_run(const char *dir, const char *script, const char *const *args,
    int timeout_ms, struct sh_result *out, char **cause);
void sh_result_free(struct sh_result *);

#endif
