/*
 * engine.h: plan, apply, resume, undo and status: the one place where the
 * machine is changed.
 *
 * engine_plan() runs every step's plan() over the host snapshot and checks
 * each path against the allow-list. engine_apply() takes the instance lock,
 * journals the transaction (the intended bytes of every file and the
 * commands first, then per file the original bytes and metadata before it
 * is replaced atomically), runs each regeneration command once, calls every
 * step's verify() and records whether a reboot is awaited. A crash at any
 * point leaves a journal from which engine_resume() finishes the same
 * transaction, and engine_undo() restores every file to its original bytes
 * and metadata, newest first, deleting files the wizard created, refusing to
 * clobber a file someone changed since (unless forced), and runs the
 * commands once more; its outcome is ENGINE_REBOOT when the host has booted
 * with the changes (it runs with them until the next boot).
 */
#ifndef VW_ENGINE_H
#define VW_ENGINE_H

#include "vfio-wizard/common.h"
#include "vfio-wizard/exec.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"

struct host;
struct root;

/* Progress and output, for the CLI and the TUI (every member optional). */
struct engine_ui {
	void (*progress)(const char *line, void *arg); /* translated */
	exec_output_fn output;			       /* live command output */
	void *arg;
};

/* What an apply, resume or undo ended with. */
enum engine_outcome {
	ENGINE_DONE = 0, /* finished, nothing awaited */
	ENGINE_REBOOT,	 /* finished; a reboot is needed */
	ENGINE_FAILED,	 /* stopped; the journal says where */
	ENGINE_CONFLICT, /* undo: files changed since; see the report */
};

#define ENGINE_COMMAND_TIMEOUT 900 /* seconds: update-initramfs is slow */

int engine_plan(const struct root *, const struct host *,
    const struct choices *, const struct step *const *steps, struct plan *out,
    char **cause);
int engine_apply(const struct root *, const struct host *,
    const struct choices *, const struct step *const *steps,
    const struct plan *, const struct engine_ui *, enum engine_outcome *,
    char **cause);
int engine_resume(const struct root *, const struct host *,
    const struct step *const *steps, const struct engine_ui *,
    enum engine_outcome *, char **cause);
int engine_undo(const struct root *, bool force, const struct engine_ui *,
    enum engine_outcome *, struct strbuf *conflicts, char **cause);
/* A readable account of the open transaction (or that there is none). */
int engine_status(const struct root *, struct strbuf *out, char **cause);

/* Where the open transaction stands, as engine_resume would decide. */
enum engine_tx {
	ENGINE_TX_NONE = 0,    /* none open (none begun, or undone) */
	ENGINE_TX_INTERRUPTED, /* an apply or an undo was cut off: resume */
	ENGINE_TX_REBOOT,      /* applied in this boot: a reboot is needed */
	ENGINE_TX_VERIFY,      /* applied, and the host booted since: verify */
	ENGINE_TX_FAILED,      /* verified after the reboot: something failed */
	ENGINE_TX_DONE,	       /* applied and verified */
};
int engine_tx_state(
    const struct root *, const struct host *, enum engine_tx *, char **cause);

/* One file of the open transaction, as engine_undo would treat it. */
struct engine_undo_file {
	char *path;
	bool done;     /* already the original (or never written): kept */
	bool conflict; /* changed since the wizard wrote it: undo stops */
	char *diff;    /* now -> restored; a conflict: wizard's -> now */
};
/*
 * What engine_undo would do, changing nothing: the files newest first
 * (none when no transaction is open). Free with engine_undo_files_free.
 */
int engine_undo_preview(const struct root *, struct engine_undo_file **out,
    size_t *n, char **cause);
void engine_undo_files_free(struct engine_undo_file *, size_t);

/* Where a transaction of the journal ended up (engine_history). */
enum engine_hist_state {
	ENGINE_HIST_UNREADABLE = 0, /* its file cannot be read: see cause */
	ENGINE_HIST_INTERRUPTED,    /* an apply or an undo was cut off */
	ENGINE_HIST_APPLIED,	    /* applied, no reboot awaited */
	ENGINE_HIST_REBOOT,	    /* applied: reboot, then verify */
	ENGINE_HIST_VERIFIED,	    /* verified after the reboot */
	ENGINE_HIST_FAILED,	    /* after the reboot: a step failed */
	ENGINE_HIST_UNDONE,	    /* every file put back */
};

/* One file a transaction planned, and what became of it. */
struct engine_tx_file {
	char *path;
	char *step;
	bool created;  /* did not exist before: undo removes it */
	bool written;  /* the wizard's bytes were put in place */
	bool restored; /* undo put the original back */
};

/* One command a transaction planned, and how it ran. */
struct engine_tx_command {
	char **argv; /* NULL-terminated */
	char *step;
	int runs;	 /* times it ended (apply, resume, undo) */
	int last_status; /* of the last run */
};

/* One transaction of the journal, open or archived. */
struct engine_tx_summary {
	char *source; /* JOURNAL_PATH or .../history/<txid>.yaml */
	bool open;    /* the journal itself, not an archive */
	enum engine_hist_state state;
	char *cause;	/* unreadable: why (untranslated); else NULL */
	bool torn;	/* a cut-off last record was ignored */
	char *txid;	/* NULL when unreadable */
	char *begun;	/* ISO 8601 UTC */
	char *undone;	/* when undone, ISO 8601 UTC, or NULL */
	char **choices; /* "key=value", NULL-terminated (never NULL) */
	struct engine_tx_file *files; /* in plan order */
	size_t n_files;
	struct engine_tx_command *cmds;
	size_t n_cmds;
};
/*
 * Every transaction the journal knows, read-only: the open one
 * (journal.yaml) first, then the archived ones newest first. A file that
 * cannot be read or trusted is one ENGINE_HIST_UNREADABLE entry with its
 * cause, not a failure; -errno only when the history cannot be listed.
 */
int engine_history(const struct root *, struct engine_tx_summary **out,
    size_t *n, char **cause);
void engine_history_free(struct engine_tx_summary *, size_t);

#endif
