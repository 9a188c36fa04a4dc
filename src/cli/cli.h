/*
 * cli.h: the command-line front end's shared pieces: parsed options, where
 * the host comes from (the real machine, --root DIR, --replay FILE or
 * --demo NAME), and the text and JSON renderers of a check.
 */
#ifndef VW_CLI_H
#define VW_CLI_H

#include "vfio-wizard/check.h"
#include "vfio-wizard/strbuf.h"

/* Exit codes (design §5). */
enum {
	EXIT_DONE = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_BLOCKED = 3,
	EXIT_REBOOT = 4,
};

struct cli_opts {
	const char *root;    /* --root DIR */
	const char *replay;  /* --replay FILE */
	const char *demo;    /* --demo NAME */
	const char *kb_path; /* --kb FILE (tests) */
	const char *mode;    /* --mode MODE */
	const char *vm;	     /* --vm ID */
	const char *vfs;     /* --vfs N (SR-IOV) */
	const char *mdev;    /* --mdev TYPE (GVT-g) */
	const char *romfile; /* --romfile FILE (legacy IGD on OVMF) */
	bool x_vga;	     /* --x-vga: the GPU is the VM's display */
	const char *answers; /* --answers FILE.yaml */
	bool json;
	bool yes;	      /* --yes: no confirmation */
	bool force;	      /* --force: undo over changed files */
	const char **devices; /* --device BDF, repeatable */
	size_t n_devices;
	const char **blacklist; /* --blacklist MODULE, repeatable */
	size_t n_blacklist;
	const char **confirms; /* --confirm TEXT, repeatable */
	size_t n_confirms;
	const char *output; /* report -o FILE */
	bool summary_only;  /* report --summary */
	bool no_redact;	    /* report --no-redact */
};

/* A host tree to probe: the real root, a given dir, or a replayed spec. */
struct cli_source {
	struct root *root;
	char *tmpdir; /* a replayed tree to remove, or NULL */
};

int cli_source_open(const struct cli_opts *, struct cli_source *, char **cause);
void cli_source_close(struct cli_source *);

/* Demo hosts installed with the program. */
const char *demo_dir(void);
int demo_list(bool json);
char *demo_spec_path(const char *name, char **cause);

struct choices;
/* Add the choices of an answers file (answers.c); -errno with *cause. */
int answers_load(const char *path, struct choices *, char **cause);

int cmd_check(const struct cli_opts *);
int cmd_replay(const struct cli_opts *, int argc, char **argv);
int cmd_plan_apply(const struct cli_opts *, bool apply);
int cmd_resume(const struct cli_opts *);
int cmd_undo(const struct cli_opts *);
int cmd_status(const struct cli_opts *);
/* A redacted host spec and summary (cmd_report.c). */
int cmd_report(const struct cli_opts *);
/* No command: the full-screen wizard (cmd_wizard.c). */
int cmd_wizard(const struct cli_opts *);
/*
 * The choices of --answers, then of the options (cmd_engine.c); -EINVAL
 * after printing why.
 */
int choices_from(const struct cli_opts *, struct choices *);

void render_check_text(
    const struct host *, const struct check_result *, struct strbuf *);
void render_check_json(
    const struct host *, const struct check_result *, struct strbuf *);

/* Print "vfio-wizard: <message>" to stderr. */
void cli_error(const char *fmt, ...) VW_PRINTF(1, 2);

#endif
