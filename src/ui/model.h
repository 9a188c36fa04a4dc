/*
 * model.h: what the full-screen wizard shows, built without curses.
 *
 * Every screen lays out arrays of struct ui_line (a text, a role that says
 * how it looks, an indent) that plain functions build from the host
 * snapshot, check_run()'s findings, the choices and the plan. Nothing here
 * includes curses, so the models, the wrapping and the list filter are unit
 * tested on fixture hosts without a terminal (tests/unit/test_ui_*.c).
 */
#ifndef VW_UI_MODEL_H
#define VW_UI_MODEL_H

#include "vfio-wizard/check.h"
#include "vfio-wizard/common.h"

struct host;
struct plan;
struct choices;
struct step;

/* How a line looks; the view maps roles to colours or attributes. */
enum ui_role {
	UI_ROLE_NORMAL = 0,
	UI_ROLE_TITLE,	  /* bold: titles, headings */
	UI_ROLE_DIM,	  /* evidence, secondary text */
	UI_ROLE_HINT,	  /* the next action */
	UI_ROLE_OK,	  /* marked ✓ */
	UI_ROLE_INFO,	  /* marked · (information) */
	UI_ROLE_WARN,	  /* marked ! (something to do) */
	UI_ROLE_FAIL,	  /* marked ✗ (blocked) */
	UI_ROLE_PENDING,  /* marked · (not yet) */
	UI_ROLE_ADD,	  /* diff: added line */
	UI_ROLE_DEL,	  /* diff: removed line */
	UI_ROLE_HUNK,	  /* diff: hunk or file header */
	UI_ROLE_COMMAND,  /* a command that will run */
	UI_ROLE_SIBLING,  /* device picker: goes along with the target */
	UI_ROLE_BLOCKER,  /* device picker: blocks the target */
	UI_ROLE_SELECTED, /* the cursor row of a list */
	UI_ROLE_KEY,	  /* a key name in the key bar */
	UI_ROLE__COUNT
};

/* True for the roles the view draws with a state mark in front. */
bool ui_role_marked(enum ui_role);

struct ui_line {
	char *text; /* UTF-8, translated, no newline */
	enum ui_role role;
	int indent; /* columns (tree depth x 2, continuation lines) */
};

/* A growable array of lines; owns the texts. */
struct ui_lines {
	struct ui_line *v;
	size_t n;
};

#define UI_LINES_INIT   \
	{               \
		NULL, 0 \
	}

/* Append a line whose text is printf-formatted. */
void ui_lines_add(struct ui_lines *, enum ui_role, int indent, const char *fmt,
    ...) VW_PRINTF(4, 5);
/* Append one line per '\n'-separated line of text, all with role/indent. */
void ui_lines_add_text(
    struct ui_lines *, enum ui_role, int indent, const char *text);
void ui_lines_free(struct ui_lines *);

/* Display width of a UTF-8 string in columns (invalid bytes count 1). */
int ui_text_width(const char *);
/*
 * Wrap UTF-8 text to width columns at spaces (a word longer than width is
 * cut); appends the pieces to *out (n updated). Never returns zero pieces.
 */
void ui_wrap(const char *text, int width, char ***out, size_t *n);
/*
 * The rows of lines that contain needle (case-insensitive for ASCII;
 * empty needle: all), as indexes in out (room for n). With keep_parents a
 * match also keeps the nearest rows above it with a smaller indent, so a
 * device found in a tree keeps its group row. Returns the count.
 */
size_t ui_filter(const struct ui_line *lines, size_t n, const char *needle,
    bool keep_parents, size_t *out);

/* ---- the step list (model_steps.c) ---- */
enum ui_step_id {
	UI_STEP_FIRMWARE = 0,
	UI_STEP_CMDLINE,
	UI_STEP_MODULES,
	UI_STEP_DEVICES,
	UI_STEP_VM,
	UI_STEP_REBOOT,
	UI_STEP__COUNT
};

enum ui_step_state {
	UI_STATE_NOT_YET = 0, /* · nothing decided yet */
	UI_STATE_DONE,	      /* ✓ nothing to do */
	UI_STATE_NEEDED,      /* ! the plan changes something */
	UI_STATE_BLOCKED,     /* ✗ a check refuses */
};

/* What the step list is built from; plan NULL when planning failed. */
struct ui_model_in {
	const struct host *host;
	const struct check_result *check;
	const struct choices *choices;
	const struct plan *plan;
	const char *plan_cause; /* why there is no plan, or NULL */
	const struct step *const *steps;
};

/* The translated title of a step ("Firmware", "Command line", ...). */
const char *ui_step_title(enum ui_step_id);
/* The step's state: see model_steps.c for the rules. */
enum ui_step_state ui_step_state(const struct ui_model_in *, enum ui_step_id);
/* The role that shows a state (OK, WARN, FAIL, PENDING). */
enum ui_role ui_state_role(enum ui_step_state);
/* The step list: one line per step, text = title, role = its state. */
void ui_model_steps(const struct ui_model_in *, struct ui_lines *out);
/* The findings of one step, with evidence and hints below each. */
void ui_model_step_findings(
    const struct ui_model_in *, enum ui_step_id, struct ui_lines *out);
/*
 * The title line: program and version, host name, CPU model (without
 * "(R)", "(TM)" and the clock), the GPU chosen or found, and the VM;
 * separated by " ─ " and " → " with utf8, else " - " and " -> ".
 */
char *ui_model_title(const struct ui_model_in *, bool utf8);

/* ---- the plan and the open transaction (model_plan.c) ---- */
struct engine_undo_file;
/*
 * The lines of a unified diff at indent: ---/+++ (only with headers) and
 * @@ as HUNK, + ADD, - DEL, "\ No newline" DIM, context NORMAL.
 */
void ui_model_diff(
    const char *diff, int indent, bool headers, struct ui_lines *out);
/*
 * The whole plan: each file (a heading with its path, what happens to it
 * and the step, then its diff), the commands (COMMAND) with their purpose
 * (DIM) below, the notes (INFO); an empty plan says so (OK).
 */
void ui_model_plan(const struct plan *, struct ui_lines *out);
/* What an apply of the plan did: each file written, each command run. */
void ui_model_plan_done(const struct plan *, struct ui_lines *out);
/*
 * What undo would do (engine_undo_preview): conflicts first in one FAIL
 * line, then each file's state and diff. Returns the conflicts.
 */
size_t ui_model_undo(
    const struct engine_undo_file *, size_t n, struct ui_lines *out);

/* ---- the device picker and the choices (model_devices.c) ---- */
/*
 * The picker's rows: lines, and per line the host->pci index it shows
 * (a run of VFs: its first; (size_t)-1 for a heading) and how many
 * functions it stands for.
 */
struct ui_devrows {
	struct ui_lines lines;
	size_t *dev;
	size_t *count;
};
/*
 * IOMMU groups as a tree (flat with a note while there are none), VF runs
 * as one row; the chosen devices (OK, FAIL when blocked), what goes along
 * and their siblings (SIBLING) and the devices the host needs (BLOCKER)
 * marked from res's verdicts of the chosen devices.
 */
void ui_model_devices(const struct host *, const struct check_result *res,
    const struct choices *, struct ui_devrows *out);
void ui_devrows_free(struct ui_devrows *);
/* The verdict on host device dev in res, or NULL. */
/*
 * Whether companion o of device dev goes to the VM with it: chosen itself,
 * or a function of the same slot (passed as the whole device).
 */
bool ui_companion_goes(const struct host *, const struct choices *, size_t dev,
    const struct pci_device *o);
const struct verdict *ui_verdict_of(const struct check_result *, size_t dev);
/* A verdict: the device, modes, what goes along, siblings, blockers. */
void ui_model_verdict(const struct host *, const struct choices *,
    const struct verdict *, struct ui_lines *out);
/*
 * The devices among v's own, its companions and siblings whose block only
 * the guard holds (a typed confirmation lifts each); returns the count.
 */
size_t ui_model_guarded(const struct host *, const struct choices *,
    const struct verdict *, const struct pci_device **out, size_t max);
/* True when the choices hold "key=value". */
bool ui_choices_has(const struct choices *, const char *key, const char *value);
/* Remove "key=value" items (value NULL: every key= item); the count. */
size_t ui_choices_remove(struct choices *, const char *key, const char *value);
/* Replace every key= item by one "key=value" (value NULL: remove). */
void ui_choices_set(struct choices *, const char *key, const char *value);

/* ---- the mode and VM choice (model_choice.c) ---- */
enum ui_choice_kind {
	UI_CHOICE_NONE = 0,	 /* a heading or a line to read */
	UI_CHOICE_MODE,		 /* value: "legacy-igd" */
	UI_CHOICE_VM,		 /* value: "100" */
	UI_CHOICE_NO_VM,	 /* no VM: the plan says how to create one */
	UI_CHOICE_MDEV,		 /* value: "i915-GVTg_V5_4" */
	UI_CHOICE_MDEV_TYPED,	 /* type a GVT-g type name */
	UI_CHOICE_ROMFILE,	 /* type the option ROM's name (OVMF) */
	UI_CHOICE_VFS,		 /* type the SR-IOV VF count (value: now) */
	UI_CHOICE_XVGA,		 /* toggle x-vga=1 for a whole GPU */
	UI_CHOICE_BLACKLIST,	 /* value: a module chosen; Enter removes it */
	UI_CHOICE_BLACKLIST_ADD, /* type a module name to blacklist */
};
/* The choice screen's rows: lines, and per line what Enter chooses. */
struct ui_choicerows {
	struct ui_lines lines;
	enum ui_choice_kind *kind;
	char **value;
	bool *usable; /* false: shown, not choosable (a running VM) */
};
/*
 * The modes v offers (recommended first; v NULL: a device comes first),
 * the VMs and "no VM", the GVT-g types with mode=gvt-g, the option ROM
 * for legacy IGD on an OVMF VM; the current choices marked OK.
 */
void ui_model_choice(const struct host *, const struct verdict *v,
    const struct choices *, struct ui_choicerows *out);
void ui_choicerows_free(struct ui_choicerows *);
/* The VF count planned without "vfs=": sriov_totalvfs, else 7. */
int ui_choice_vfs_default(const struct host *, const struct verdict *);
/*
 * NULL when text is a VF count v's iGPU offers (1 to its sriov_totalvfs,
 * else to 63, as selection.c checks "vfs="), else why not (free it).
 */
char *ui_choice_check_vfs(
    const struct host *, const struct verdict *, const char *text);
/*
 * The module name of a typed "blacklist=" value ('-' as '_', as
 * selection.c reads it), or NULL with *cause set when it is no module
 * name.
 */
char *ui_choice_module(const char *text, char **cause);
/* One paragraph: what a mode does and needs (translated). */
const char *ui_mode_explanation(enum vw_mode);
/* What row means for this device: the mode's why, a VM's state. */
void ui_model_choice_explain(const struct host *, const struct verdict *v,
    const struct choices *, const struct ui_choicerows *, size_t row,
    struct ui_lines *out);

/* ---- the journal's transactions (model_history.c) ---- */
struct engine_tx_summary;
/* Where a transaction stands in a few words ("undone"), translated. */
const char *ui_history_state(const struct engine_tx_summary *);
/* The role (mark) of a transaction's state. */
enum ui_role ui_history_role(const struct engine_tx_summary *);
/* The choices in one line: "00:02.0 00:03.0 legacy-igd VM 100" (free it). */
char *ui_history_choices(const struct engine_tx_summary *);
/*
 * The undo screen's list: one row per transaction (engine_history's
 * order): when it began, its state ("open: ..." for the open one), what
 * was chosen; an unreadable one by its file.
 */
void ui_model_history(
    const struct engine_tx_summary *, size_t n, struct ui_lines *out);
/*
 * What one transaction did: when, its state and whether undo has anything
 * left to do, the choices, each file (created or changed, put back by
 * undo) and each command with how it ran; an unreadable one: why.
 */
void ui_model_history_detail(
    const struct engine_tx_summary *, struct ui_lines *out);

#endif
