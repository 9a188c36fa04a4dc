/*
 * scr_undo.c: the transactions of the journal and undo. First the list
 * (engine_history: the open transaction first, then the archived ones
 * newest first) with the selected one's account below it. Enter on the
 * open one shows what undo would do to each file (engine_undo_preview:
 * its diff back to the original), files changed since the wizard wrote
 * them shown as conflicts before anything is done; Enter asks, then
 * engine_undo runs in the worker with its progress here. Undo refuses to
 * clobber a conflict; f lifts that after a typed confirmation naming the
 * number of files (the screen's --force). Enter on an archived one shows
 * what it did, read-only. Esc goes back to the list, then out.
 */
#include "ui.h"

#include "vfio-wizard/engine.h"

#include <stdlib.h>
#include <string.h>

enum undo_phase {
	UNDO_LIST,    /* the transactions */
	UNDO_DETAIL,  /* what one did, read-only */
	UNDO_PREVIEW, /* what undo would do to the open one */
	UNDO_RUNNING,
	UNDO_DONE,
};

struct undo_job {
	const struct root *root;
	bool force;
	struct strbuf conflicts;
	enum engine_outcome outcome;
	char *cause;
};

struct undo_scr {
	enum undo_phase phase;
	struct engine_tx_summary *hist;
	size_t n_hist;
	struct ui_lines rows; /* the list */
	struct ui_list list;
	size_t shown;	       /* the transaction the detail pane shows */
	struct ui_lines lines; /* detail, preview or result */
	struct ui_text text;
	size_t n_files, n_conflicts;
	struct timespec t0;
};

const char ui_help_undo_key[] = N_(
    "u lists the transactions of the journal: the open one first, then the "
    "finished ones, newest first. Enter on one shows its files and commands; "
    "on the open one it shows each file's diff back to the original, files "
    "changed since the wizard wrote them first as conflicts, and undoes after "
    "asking. f overwrites those conflicts after you type the phrase shown. A "
    "finished transaction is shown read-only.");

static const struct ui_keyhelp list_keys[] = {
    {"F1", N_("Help")},
    {"Enter", N_("Open")},
    {"/", N_("Filter")},
    {"Esc", N_("Back")},
    {"q", N_("Quit")},
};

static const struct ui_keyhelp detail_keys[] = {
    {"F1", N_("Help")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Transactions")},
    {"q", N_("Quit")},
};

static const struct ui_keyhelp preview_keys[] = {
    {"F1", N_("Help")},
    {"Enter", N_("Undo")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Transactions")},
    {"q", N_("Quit")},
};

static const struct ui_keyhelp conflict_keys[] = {
    {"F1", N_("Help")},
    {"f", N_("Overwrite")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Transactions")},
    {"q", N_("Quit")},
};

static const struct ui_keyhelp done_keys[] = {
    {"F1", N_("Help")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Steps")},
    {"q", N_("Quit")},
};

/* Show lines in the text pane from the top (not following the end). */
static void
text_show(struct undo_scr *u, const struct ui_lines *lines)
{
	ui_text_set(&u->text, lines);
	u->text.follow = false;
}

/* The detail pane for the selected transaction (when it changed). */
static void
show_selected(struct undo_scr *u, bool always)
{
	size_t i = ui_list_selected(&u->list);

	if (i == (size_t)-1 || i >= u->n_hist) {
		if (u->shown != (size_t)-1 || always) {
			ui_lines_free(&u->lines);
			text_show(u, &u->lines);
		}
		u->shown = (size_t)-1;
		return;
	}
	if (i == u->shown && !always)
		return;
	u->shown = i;
	ui_lines_free(&u->lines);
	ui_model_history_detail(&u->hist[i], &u->lines);
	text_show(u, &u->lines);
}

/* Read the journal's transactions again and show the list. */
static void
load_list(struct wiz *w, struct undo_scr *u)
{
	char *cause = NULL;

	engine_history_free(u->hist, u->n_hist);
	u->hist = NULL;
	u->n_hist = 0;
	ui_lines_free(&u->rows);
	if (engine_history(w->start->root, &u->hist, &u->n_hist, &cause) < 0) {
		ui_lines_add(&u->rows, UI_ROLE_FAIL, 0,
		    _("the journal's history cannot be read: %s"), cause);
		free(cause);
	} else
		ui_model_history(u->hist, u->n_hist, &u->rows);
	ui_list_set(&u->list, u->rows.v, u->rows.n);
	u->phase = UNDO_LIST;
	show_selected(u, true);
}

/* Conflicts first (stable): what stops the undo is read first. */
static void
conflicts_first(struct engine_undo_file *f, size_t n)
{
	struct engine_undo_file tmp;
	size_t i, k, done = 0;

	for (i = 0; i < n; i++) {
		if (!f[i].conflict)
			continue;
		tmp = f[i];
		for (k = i; k > done; k--)
			f[k] = f[k - 1];
		f[done++] = tmp;
	}
}

/* What undo would do to the open transaction t, conflicts first. */
static void
undo_preview(
    struct wiz *w, struct undo_scr *u, const struct engine_tx_summary *t)
{
	struct engine_undo_file *f = NULL;
	struct ui_line hint;
	char *cause = NULL;
	size_t at;

	ui_lines_free(&u->lines);
	ui_lines_add(&u->lines, UI_ROLE_TITLE, 0, _("Transaction %s: %s"),
	    t->txid, ui_history_state(t));
	if (engine_undo_preview(w->start->root, &f, &u->n_files, &cause) < 0) {
		ui_lines_add(&u->lines, UI_ROLE_FAIL, 0,
		    _("the journal cannot be read: %s"), cause);
		free(cause);
		u->n_files = 0;
		u->n_conflicts = 1; /* nothing to offer */
		text_show(u, &u->lines);
		return;
	}
	conflicts_first(f, u->n_files);
	at = u->lines.n;
	u->n_conflicts = ui_model_undo(f, u->n_files, &u->lines);
	engine_undo_files_free(f, u->n_files);
	if (u->n_conflicts > 0) {
		/* the next action right below the conflicts' summary */
		ui_lines_add(&u->lines, UI_ROLE_HINT, 2, "%s",
		    _("f overwrites them with the originals after a typed "
		      "confirmation."));
		hint = u->lines.v[u->lines.n - 1];
		memmove(&u->lines.v[at + 2], &u->lines.v[at + 1],
		    (u->lines.n - 1 - (at + 1)) * sizeof hint);
		u->lines.v[at + 1] = hint;
	}
	text_show(u, &u->lines);
	u->phase = UNDO_PREVIEW;
}

static int
undo_job(const struct engine_ui *ui, void *arg)
{
	struct undo_job *j = arg;

	j->outcome = ENGINE_FAILED;
	return engine_undo(
	    j->root, j->force, ui, &j->outcome, &j->conflicts, &j->cause);
}

/* Back on the UI thread: the result above the progress log. */
static void
undo_done(struct wiz *w, int rc, void *arg)
{
	struct undo_job *j = arg;
	struct ui_screen *s;
	struct undo_scr *u;
	size_t i;

	(void)rc;
	ui_tx_refresh(w);
	w->exit_code = ui_outcome_exit(j->outcome);
	ui_pop_to(w, "undo");
	s = ui_top(w);
	if (strcmp(s->ops->id, "undo") == 0) {
		u = s->data;
		u->phase = UNDO_DONE;
		ui_lines_free(&u->lines);
		if (j->outcome == ENGINE_DONE || j->outcome == ENGINE_REBOOT)
			ui_lines_add(&u->lines, UI_ROLE_OK, 0, "%s",
			    _("Undone: every file is back as it was."));
		if (j->outcome == ENGINE_REBOOT)
			ui_lines_add(&u->lines, UI_ROLE_WARN, 2, "%s",
			    _("The host still runs with the passthrough "
			      "settings: reboot it to boot the restored "
			      "configuration."));
		else if (j->outcome != ENGINE_DONE)
			ui_lines_add(&u->lines, UI_ROLE_FAIL, 0, "%s",
			    _("The undo stopped."));
		if (j->cause != NULL)
			ui_lines_add_text(&u->lines, UI_ROLE_FAIL, 2, j->cause);
		ui_model_diff(sb_str(&j->conflicts), 2, true, &u->lines);
		ui_lines_add(&u->lines, UI_ROLE_NORMAL, 0, "%s", "");
		ui_lines_add(&u->lines, UI_ROLE_TITLE, 0, "%s", _("Progress"));
		for (i = 0; i < w->job_log.n; i++)
			ui_lines_add(&u->lines, w->job_log.v[i].role,
			    w->job_log.v[i].indent + 2, "%s",
			    w->job_log.v[i].text);
		text_show(u, &u->lines);
	}
	sb_release(&j->conflicts);
	free(j->cause);
	free(j);
}

/* Start engine_undo in the worker (forced: over the conflicts). */
static void
undo_start(struct wiz *w, struct undo_scr *u, bool force)
{
	struct undo_job *j = xcalloc(1, sizeof *j);

	j->root = w->start->root;
	j->force = force;
	if (ui_job_start(w, undo_job, j, undo_done, j) < 0) {
		free(j);
		return;
	}
	u->phase = UNDO_RUNNING;
	clock_gettime(CLOCK_MONOTONIC, &u->t0);
	ui_text_set(&u->text, &w->job_log);
	u->text.follow = true;
}

static void
undo_answer(struct wiz *w, bool yes, void *arg)
{
	if (yes)
		undo_start(w, arg, false);
}

/* The phrase that lifts the conflict refusal (typed as is, English). */
static char *
force_phrase(size_t n)
{
	return n == 1 ? xstrdup("overwrite 1 changed file")
		      : xasprintf("overwrite %zu changed files", n);
}

/* The typed confirmation came back: force the undo, or refuse. */
static void
force_typed(struct wiz *w, const char *text, void *arg)
{
	struct undo_scr *u = arg;
	char *phrase = force_phrase(u->n_conflicts);
	size_t before = u->n_conflicts;

	if (text == NULL) {
		ui_say(w, "%s", _("Cancelled: nothing was changed"));
	} else if (strcmp(text, phrase) != 0) {
		ui_say(w,
		    _("Wrong phrase: nothing was changed (type exactly "
		      "'%s')"),
		    phrase);
	} else {
		/* the files may have changed again while the dialog was up */
		undo_preview(w, u, &u->hist[u->shown]);
		if (u->n_conflicts != before)
			ui_say(w, "%s",
			    _("the changed files are not the ones shown any "
			      "more: nothing was changed; check them again"));
		else
			undo_start(w, u, true);
	}
	free(phrase);
}

static void
ask_force(struct wiz *w, struct undo_scr *u)
{
	char *phrase = force_phrase(u->n_conflicts), *q;

	q = xasprintf(_("%zu file(s) changed since the wizard wrote them. "
			"Undo would replace those changes with the files as "
			"they were before the wizard (see the diff). Only if "
			"the changes can go, type exactly: %s"),
	    u->n_conflicts, phrase);
	ui_prompt(w, _("Typed confirmation"), q, force_typed, u);
	free(q);
	free(phrase);
}

static void
undo_draw(struct wiz *w, struct ui_screen *s)
{
	struct undo_scr *u = s->data;
	const char *head;
	char *run = NULL, *el;
	int lh;

	switch (u->phase) {
	case UNDO_LIST:
		head = _("Undo: the transactions of the journal");
		break;
	case UNDO_DETAIL:
		head = _("Undo: what this transaction did");
		break;
	case UNDO_PREVIEW:
		head = _("Undo: what would be put back");
		break;
	case UNDO_RUNNING:
		el = ui_elapsed(&u->t0);
		run = xasprintf(_("Undoing the transaction: %s elapsed"), el);
		free(el);
		head = run;
		break;
	default:
		head = _("Undo: the result");
		break;
	}
	ui_put(w, 0, 1, COLS - 2, head, A_BOLD);
	free(run);
	if (u->phase == UNDO_LIST) {
		lh = (int)u->list.n_rows + 3;
		if (lh < 5)
			lh = 5;
		if (lh > (LINES - 2) / 2)
			lh = (LINES - 2) / 2;
		ui_frame(w, 1, 0, lh, COLS, _("Transactions"), true);
		ui_list_draw(w, &u->list, 2, 2, lh - 2, COLS - 4, true);
		show_selected(u, false);
		ui_frame(
		    w, 1 + lh, 0, LINES - 2 - lh, COLS, _("Details"), false);
		ui_text_draw(w, &u->text, 2 + lh, 2, LINES - 4 - lh, COLS - 4);
		ui_keybar(w, LINES - 1, list_keys, nitems(list_keys));
		return;
	}
	ui_frame(w, 1, 0, LINES - 2, COLS, _("Undo"), true);
	ui_text_draw(w, &u->text, 2, 2, LINES - 4, COLS - 4);
	if (u->phase == UNDO_DETAIL)
		ui_keybar(w, LINES - 1, detail_keys, nitems(detail_keys));
	else if (u->phase == UNDO_PREVIEW && u->n_conflicts > 0 &&
		 u->n_files > 0)
		ui_keybar(w, LINES - 1, conflict_keys, nitems(conflict_keys));
	else if (u->phase == UNDO_PREVIEW)
		ui_keybar(w, LINES - 1, preview_keys, nitems(preview_keys));
	else
		ui_keybar(w, LINES - 1, done_keys,
		    u->phase == UNDO_DONE ? nitems(done_keys) : 2);
}

/* Enter on a row: the open one's undo preview, else what it did. */
static void
open_selected(struct wiz *w, struct undo_scr *u)
{
	size_t i = ui_list_selected(&u->list);
	const struct engine_tx_summary *t;

	if (i == (size_t)-1 || i >= u->n_hist) {
		ui_say(w, "%s", _("there is nothing to undo"));
		return;
	}
	t = &u->hist[i];
	u->shown = i;
	if (t->open && t->state != ENGINE_HIST_UNREADABLE &&
	    t->state != ENGINE_HIST_UNDONE) {
		undo_preview(w, u, t);
		return;
	}
	show_selected(u, true);
	u->phase = UNDO_DETAIL;
}

static enum ui_key_result
undo_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct undo_scr *u = s->data;
	bool enter =
	    (fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'));
	bool esc = !fn && key == 27;

	switch (u->phase) {
	case UNDO_LIST:
		if (enter && !u->list.filtering) {
			open_selected(w, u);
			return UI_KEY_HANDLED;
		}
		/* Esc without a filter: the flow goes back */
		return ui_list_key(&u->list, key, fn);
	case UNDO_DETAIL:
	case UNDO_PREVIEW:
		if (esc) {
			load_list(w, u);
			return UI_KEY_HANDLED;
		}
		break;
	case UNDO_RUNNING:
		if (esc) {
			ui_say(w, "%s",
			    _("a write is under way: going back waits until "
			      "it ends"));
			return UI_KEY_HANDLED;
		}
		return ui_text_key(&u->text, key, fn);
	case UNDO_DONE:
		if (esc) {
			ui_pop_to(w, "main");
			wiz_replan(w);
			return UI_KEY_HANDLED;
		}
		return ui_text_key(&u->text, key, fn);
	}
	if (u->phase == UNDO_DETAIL && enter) {
		ui_say(w, "%s",
		    u->shown < u->n_hist &&
			    u->hist[u->shown].state == ENGINE_HIST_UNDONE
			? _("already undone: nothing to undo")
			: _("nothing to undo here: only the open transaction "
			    "can be undone"));
		return UI_KEY_HANDLED;
	}
	if (u->phase == UNDO_PREVIEW && enter) {
		if (u->n_files == 0)
			ui_say(w, "%s", _("there is nothing to undo"));
		else if (u->n_conflicts > 0)
			ui_say(w, "%s",
			    _("nothing was changed: files were changed since "
			      "(see the diff); f overwrites them"));
		else
			ui_confirm(w, _("Undo"),
			    _("Put every file back as it was and run the "
			      "commands again?"),
			    undo_answer, u);
		return UI_KEY_HANDLED;
	}
	if (u->phase == UNDO_PREVIEW && !fn && (key == 'f' || key == 'F')) {
		if (u->n_files > 0 && u->n_conflicts > 0)
			ask_force(w, u);
		else
			ui_say(w, "%s",
			    _("no file changed since the wizard wrote it: "
			      "Enter undoes"));
		return UI_KEY_HANDLED;
	}
	return ui_text_key(&u->text, key, fn);
}

static void
undo_enter(struct wiz *w, struct ui_screen *s)
{
	struct undo_scr *u = s->data;

	u->shown = (size_t)-1;
	u->list.gutter = true;
	load_list(w, u);
}

static void
undo_leave(struct wiz *w, struct ui_screen *s)
{
	struct undo_scr *u = s->data;

	(void)w;
	ui_list_free(&u->list);
	ui_lines_free(&u->rows);
	ui_lines_free(&u->lines);
	engine_history_free(u->hist, u->n_hist);
	free(u);
}

static const struct ui_screen_ops undo_ops = {
    .id = "undo",
    .title = N_("Undo"),
    .help = N_("This screen lists the transactions of the journal: the "
	       "open one first, then the finished ones the wizard keeps in "
	       "/var/lib/vfio-wizard/history, newest first, each with its "
	       "time, where it stands and what was chosen. The pane below "
	       "shows the selected one: its choices, each file and command.\n"
	       "Enter on the open transaction shows what undo would do: "
	       "each file put back to its original bytes and metadata, "
	       "newest first, the files the wizard created deleted, then "
	       "the regeneration commands run once more. A file someone "
	       "changed since the wizard wrote it is a conflict, shown "
	       "first: undo refuses to clobber it. Put it back, or press f "
	       "and type the phrase shown to overwrite it anyway (as "
	       "'vfio-wizard undo --force').\n"
	       "Enter on a finished transaction shows what it did; it has "
	       "nothing left to undo.\n"
	       "Enter asks before undoing; Esc goes back without changing "
	       "anything."),
    .enter = undo_enter,
    .draw = undo_draw,
    .key = undo_key,
    .leave = undo_leave,
};

void
scr_undo_push(struct wiz *w)
{
	ui_push(w, &undo_ops, xcalloc(1, sizeof(struct undo_scr)));
}
