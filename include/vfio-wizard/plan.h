/*
 * plan.h: what an apply will do, before it does it.
 *
 * A plan is an ordered list of file changes {path, before, after, mode,
 * step} and of commands. Steps only produce text: they ask the plan for a
 * file's current text (the pending text when an earlier step already
 * changed it, else the file on disk) and hand back the new text, so a file
 * touched by several steps is one change. Commands are kept once each, in
 * the order first asked for (update-grub once, not once per step).
 *
 * plan_render() prints a unified diff of every change plus the commands; a
 * plan with nothing to do says so. The same host and choices always give
 * the same plan.
 */
#ifndef VW_PLAN_H
#define VW_PLAN_H

#include "vfio-wizard/fsio.h"
#include "vfio-wizard/strbuf.h"

struct root;

struct file_change {
	char *path;   /* inside the root, e.g. "/etc/default/grub" */
	char *before; /* NULL when the file does not exist */
	size_t before_len;
	struct file_meta before_meta;
	char *after; /* NULL: remove the file */
	size_t after_len;
	mode_t new_mode; /* mode for a file that does not exist yet */
	char *step;	 /* the step that last changed it */
};

struct plan_command {
	char **argv; /* NULL-terminated */
	char *step;  /* the first step that asked for it */
	char *why;   /* translated, one line */
};

/* Something the user should read before applying (why, conflicts). */
struct plan_note {
	char *step; /* the step that wrote it */
	char *text; /* translated, one or more sentences */
};

struct plan {
	struct file_change *files;
	size_t n_files;
	struct plan_command *cmds;
	size_t n_cmds;
	struct plan_note *notes; /* shown by plan_render, never journaled */
	size_t n_notes;
};

#define PLAN_INIT                         \
	{                                 \
		NULL, 0, NULL, 0, NULL, 0 \
	}

void plan_free(struct plan *);
/*
 * The text a step should edit: the pending text of path when the plan
 * already changes it, else the file as it is below the root (*text NULL
 * and *exists false when it does not exist). The text stays owned by the
 * plan or must be freed by the caller: *owned says which.
 */
int plan_current(struct plan *, const struct root *, const char *path,
    const char **text, size_t *len, bool *exists, char **owned, char **cause);
/*
 * Set path's new text (NULL to remove it). A change that gives back the
 * bytes on disk drops out of the plan again.
 */
int plan_set(struct plan *, const struct root *, const char *path,
    const char *after, size_t len, mode_t new_mode, const char *step,
    char **cause);
/* Ask for a command (kept once, by argv). */
void plan_command(
    struct plan *, const char *step, const char *why, const char *const *argv);
/*
 * Add a note: why the plan looks as it does (a binding by address instead
 * of by ID, a conflicting line elsewhere, with its file and line). Notes
 * are shown with the plan; they do not make it non-empty. A note with the
 * same text is kept once.
 */
void plan_note(struct plan *, const char *step, const char *fmt, ...)
    VW_PRINTF(3, 4);
bool plan_empty(const struct plan *);
/* Unified diff of every file change, then the commands, then the notes. */
void plan_render(const struct plan *, struct strbuf *);
/* Unified diff of two texts, with the given labels (3 lines of context). */
void diff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *label_a, const char *label_b, struct strbuf *out);

#endif
