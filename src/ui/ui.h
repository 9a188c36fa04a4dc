/*
 * ui.h: the internal contract of src/ui, the only code that includes curses.
 *
 * The wizard is a stack of screens (tmux-style ops tables); the top one
 * gets the keys and draws, modal ones (dialogs) are drawn over the screen
 * below. flow.c runs the key loop: poll() on the terminal and on the
 * worker's self-pipe, global keys (F1 help of the top screen, Esc pops, q
 * asks before quitting and is refused while a write is under way), resize
 * and the one-line "enlarge the terminal" message below 80x24. Everything
 * is drawn on stdscr, laid out anew on every redraw, so a resize is just a
 * redraw. Screens show ui_lines built by the models (model.h) through the
 * widgets: w_list (a selectable list or tree with a `/` filter), w_text
 * (scrollable wrapped lines) and w_dialog (yes/no, typed text). Long work
 * (apply, resume, undo) runs in worker.c's thread; only this thread calls
 * curses.
 */
#ifndef VW_UI_UI_H
#define VW_UI_UI_H

#include "model.h"
#include "worker.h"

#include "vfio-wizard/check.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/ui.h"

#include <curses.h>
#include <time.h>
#include <wchar.h>

#define UI_MIN_COLS 80
#define UI_MIN_ROWS 24
#define UI_STACK_MAX 16

struct wiz;
struct ui_screen;

enum ui_key_result {
	UI_KEY_IGNORED = 0, /* not this screen's: the flow's global keys */
	UI_KEY_HANDLED,	    /* used; redraw */
};

/* A screen: a tmux-style table of callbacks (every member but id optional). */
struct ui_screen_ops {
	const char *id;	       /* "main", "help", "confirm" */
	const char *title;     /* N_() */
	const char *help;      /* N_(): what F1 shows, paragraphs split by \n */
	const char *help_more; /* N_(): a paragraph shared with other
				  screens, shown after help */
	bool modal;	       /* drawn over the screen below (dialogs) */
	void (*enter)(struct wiz *, struct ui_screen *);
	void (*draw)(struct wiz *, struct ui_screen *);
	enum ui_key_result (*key)(
	    struct wiz *, struct ui_screen *, wint_t key, bool is_function_key);
	void (*leave)(struct wiz *, struct ui_screen *); /* frees data */
};

/* The help paragraph on u, for the screens that offer it (scr_undo.c). */
extern const char ui_help_undo_key[];

struct ui_screen {
	const struct ui_screen_ops *ops;
	void *data; /* the screen's own state */
};

/* The terminal as term.c set it up. */
struct ui_term {
	bool started;
	bool ascii;  /* ASCII line drawing and marks */
	bool colour; /* colour pairs, else attributes only */
	SCREEN *screen;
	FILE *tty; /* /dev/tty when stdin/stdout are not the terminal */
};

/* The wizard's state shared by all screens. */
struct wiz {
	const struct ui_start *start;
	struct ui_term term;
	struct check_result *check;
	struct choices choices;
	struct plan plan;
	bool planned;		  /* plan is valid */
	char *plan_cause;	  /* why planning failed, or NULL */
	struct ui_model_in model; /* refreshed by wiz_replan() */
	unsigned plan_gen;	  /* counts wiz_replan() calls */
	int tx;			  /* enum engine_tx of the open transaction */

	struct ui_screen stack[UI_STACK_MAX];
	size_t depth;
	bool quit;
	int exit_code;
	char *message; /* one line shown above the key bar, or NULL */

	struct ui_worker *worker; /* a running job, or NULL */
	struct ui_lines job_log;  /* its progress lines so far */
	void (*job_done)(struct wiz *, int rc, void *arg);
	void *job_arg;
};

/* One entry of the key bar: "F1" "Help". */
struct ui_keyhelp {
	const char *key;  /* not translated: "F1", "Esc", "q" */
	const char *what; /* N_() */
};

/* ---- term.c ---- */
/* Start curses on the controlling terminal; -errno with *cause. */
int ui_term_start(struct wiz *, char **cause);
/* Restore the terminal (idempotent; also run at exit and on signals). */
void ui_term_stop(struct wiz *);
/* A termination signal that arrived (SIGTERM/SIGHUP), else 0. */
int ui_term_signal(void);
/* True once after a SIGINT (Ctrl-C): handled like q. */
bool ui_term_interrupted(void);
/* The attributes of a role (colour pair or monochrome attributes). */
attr_t ui_role_attr(const struct wiz *, enum ui_role);
/* The state mark of a role ("✓", or "[+]" in ASCII mode); "" if none. */
const char *ui_mark(const struct wiz *, enum ui_role);

/* ---- draw.c ---- */
/*
 * Draw UTF-8 text at y,x clipped to width columns with attr; returns the
 * columns used. Control characters and bytes the locale cannot decode
 * show as '?'.
 */
int ui_put(struct wiz *, int y, int x, int width, const char *text, attr_t);
/* Fill width columns at y,x with blanks in attr. */
void ui_blank(int y, int x, int width, attr_t);
/* A frame with a title in its top edge; focused frames are bold. */
void ui_frame(
    struct wiz *, int y, int x, int h, int w, const char *title, bool focused);
/* The key bar on row y: each key highlighted, then its translated name. */
void ui_keybar(struct wiz *, int y, const struct ui_keyhelp *, size_t n);
/*
 * One ui_line at y,x within width: the state mark for marked roles (in a
 * gutter of ui_gutter() columns when gutter is set), then the text.
 */
void ui_draw_line(struct wiz *, int y, int x, int width, const struct ui_line *,
    bool gutter, bool selected);
/* Columns the mark gutter takes (mark width and a blank). */
int ui_gutter(const struct wiz *);

/* ---- w_list.c: a selectable list or tree with a `/` filter ---- */
struct ui_list {
	const struct ui_line *lines; /* borrowed */
	size_t n;
	size_t *rows; /* visible rows (indexes into lines) */
	size_t n_rows;
	size_t sel, top; /* in rows */
	char filter[256];
	bool filtering;	   /* typing the filter */
	bool keep_parents; /* a tree: matches keep their parent rows */
	bool gutter;	   /* reserve a mark column */
	int page;	   /* rows shown at the last draw */
};

/* Show lines (borrowed until the next set or free), keeping the filter. */
void ui_list_set(struct ui_list *, const struct ui_line *, size_t n);
/* Draw in the box y,x,h,w; the selected row is highlighted if focused. */
void ui_list_draw(
    struct wiz *, struct ui_list *, int y, int x, int h, int w, bool focused);
/*
 * Navigation (Up, Down, PgUp, PgDn, Home, End), `/` to type a filter
 * (Enter keeps it, Esc clears it). Enter outside the filter is left to
 * the screen (UI_KEY_IGNORED).
 */
enum ui_key_result ui_list_key(struct ui_list *, wint_t key, bool fn);
/* The selected line's index in lines, or (size_t)-1 when none shows. */
size_t ui_list_selected(const struct ui_list *);
/* Select the row showing line index i (if it shows). */
void ui_list_select(struct ui_list *, size_t i);
void ui_list_free(struct ui_list *);

/* ---- w_text.c: scrollable wrapped lines ---- */
struct ui_text {
	const struct ui_lines *lines; /* borrowed */
	size_t top;		      /* first wrapped row shown */
	bool gutter;		      /* reserve a mark column */
	bool follow;		      /* stay at the end as lines arrive */
	int page;		      /* rows shown at the last draw */
	size_t total;		      /* wrapped rows at the last draw */
};

/* Show lines from the top. */
void ui_text_set(struct ui_text *, const struct ui_lines *);
/* Draw in the box y,x,h,w, wrapping each line to the width. */
void ui_text_draw(struct wiz *, struct ui_text *, int y, int x, int h, int w);
/* Scrolling keys (Up, Down, PgUp, PgDn, Home, End, space). */
enum ui_key_result ui_text_key(struct ui_text *, wint_t key, bool fn);

/* ---- w_dialog.c ---- */
/*
 * Ask a yes/no question in a modal dialog; done runs after it closed with
 * the answer (Esc and n: no). Default: no.
 */
void ui_confirm(struct wiz *, const char *title, const char *question,
    void (*done)(struct wiz *, bool yes, void *arg), void *arg);
/*
 * Ask for a line of text (the guard's typed confirmation); done gets the
 * text typed, or NULL when cancelled with Esc.
 */
void ui_prompt(struct wiz *, const char *title, const char *prompt,
    void (*done)(struct wiz *, const char *text, void *arg), void *arg);

/* ---- flow.c ---- */
/* Push a screen (its enter runs); data becomes the screen's. */
void ui_push(struct wiz *, const struct ui_screen_ops *, void *data);
/* Pop the top screen (its leave runs). */
void ui_pop(struct wiz *);
/* The top screen, or NULL. */
struct ui_screen *ui_top(struct wiz *);
/* Show one line above the key bar until the next key (printf-style). */
void ui_say(struct wiz *, const char *fmt, ...) VW_PRINTF(2, 3);
/* Ask before quitting (refused while a job runs). */
void ui_ask_quit(struct wiz *);
/*
 * Run job in the worker thread with progress into wiz->job_log; done runs
 * on this thread when it ends. -EBUSY when a job runs already.
 */
int ui_job_start(struct wiz *, ui_job_fn job, void *job_arg,
    void (*done)(struct wiz *, int rc, void *arg), void *arg);
/* The key loop until wiz->quit; returns wiz->exit_code. */
int ui_loop(struct wiz *);
/* Draw every screen of the stack that shows (bottom modal chain up). */
void ui_draw_all(struct wiz *);
/* bench.c: log a newly drawn top screen for bench/tui (VFIO_WIZARD_BENCH). */
void ui_bench_mark(struct wiz *);
/* Pop screens until the top one is id (or only one is left). */
void ui_pop_to(struct wiz *, const char *id);

/* ---- ui_run.c ---- */
/* Check and plan again after the choices changed (refreshes wiz->model). */
void wiz_replan(struct wiz *);

/* ---- screens ---- */
extern const struct ui_screen_ops scr_main_ops;
/* Push the help of screen s (F1). */
void scr_help_push(struct wiz *, const struct ui_screen *s);
/* The open transaction: resume, verify after the reboot, undo (start). */
void scr_start_push(struct wiz *);
/* The plan as a diff and the commands; Enter confirms and applies. */
void scr_review_push(struct wiz *, bool can_apply);
/* engine_apply in the worker with its progress; then the finish screen. */
void scr_apply_push(struct wiz *);
/* What was done, whether to reboot (outcome: enum engine_outcome). */
void scr_finish_push(struct wiz *, int outcome, const char *cause);
/* What undo would do, conflicts first; Enter confirms and undoes. */
void scr_undo_push(struct wiz *);
/* The elapsed time of a job as m:ss, since start (CLOCK_MONOTONIC). */
char *ui_elapsed(const struct timespec *start);
/* The exit code of an engine outcome, as the commands return it. */
int ui_outcome_exit(int outcome);
/*
 * After a job of the worker: read again from the journal where the
 * transaction stands (w->tx; interrupted when it cannot be read).
 */
void ui_tx_refresh(struct wiz *);
/* The device picker: IOMMU groups, Space chooses, / filters. */
void scr_devices_push(struct wiz *);
/* The mode, the VM, the GVT-g type or option ROM of the chosen device. */
void scr_choice_push(struct wiz *);

#endif
