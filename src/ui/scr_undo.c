/*
 * scr_undo.c: undo the open transaction: first what undo would do to each
 * file (engine_undo_preview: its diff back to the original), files changed
 * since the wizard wrote them shown as conflicts before anything is done;
 * Enter asks, then engine_undo runs in the worker with its progress here.
 */
#include "ui.h"

#include "vfio-wizard/engine.h"

#include <stdlib.h>
#include <string.h>

enum undo_phase { UNDO_PREVIEW, UNDO_RUNNING, UNDO_DONE };

struct undo_job {
	const struct root *root;
	struct strbuf conflicts;
	enum engine_outcome outcome;
	char *cause;
};

struct undo_scr {
	struct ui_lines lines;
	struct ui_text text;
	enum undo_phase phase;
	size_t n_files, n_conflicts;
	struct timespec t0;
};

static const struct ui_keyhelp preview_keys[] = {
    {"F1", N_("Help")},
    {"Enter", N_("Undo")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Back")},
    {"q", N_("Quit")},
};

static const struct ui_keyhelp done_keys[] = {
    {"F1", N_("Help")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Steps")},
    {"q", N_("Quit")},
};

static void
undo_preview(struct wiz *w, struct undo_scr *u)
{
	struct engine_undo_file *f = NULL;
	char *cause = NULL;

	ui_lines_free(&u->lines);
	if (engine_undo_preview(w->start->root, &f, &u->n_files, &cause) < 0) {
		ui_lines_add(&u->lines, UI_ROLE_FAIL, 0,
		    _("the journal cannot be read: %s"), cause);
		free(cause);
		u->n_files = 0;
		u->n_conflicts = 1; /* nothing to offer */
	} else
		u->n_conflicts = ui_model_undo(f, u->n_files, &u->lines);
	engine_undo_files_free(f, u->n_files);
	ui_text_set(&u->text, &u->lines);
}

static int
undo_job(const struct engine_ui *ui, void *arg)
{
	struct undo_job *j = arg;

	j->outcome = ENGINE_FAILED;
	return engine_undo(
	    j->root, false, ui, &j->outcome, &j->conflicts, &j->cause);
}

/* Back on the UI thread: the result above the progress log. */
static void
undo_done(struct wiz *w, int rc, void *arg)
{
	struct undo_job *j = arg;
	struct ui_screen *s;
	struct undo_scr *u;
	enum engine_tx tx = ENGINE_TX_INTERRUPTED;
	char *why = NULL;
	size_t i;

	(void)rc;
	if (engine_tx_state(w->start->root, w->start->host, &tx, &why) < 0)
		tx = ENGINE_TX_INTERRUPTED;
	free(why);
	w->tx = (int)tx;
	w->exit_code = ui_outcome_exit(j->outcome);
	ui_pop_to(w, "undo");
	s = ui_top(w);
	if (strcmp(s->ops->id, "undo") == 0) {
		u = s->data;
		u->phase = UNDO_DONE;
		ui_lines_free(&u->lines);
		if (j->outcome == ENGINE_DONE)
			ui_lines_add(&u->lines, UI_ROLE_OK, 0, "%s",
			    _("Undone: every file is back as it was."));
		else
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
		ui_text_set(&u->text, &u->lines);
	}
	sb_release(&j->conflicts);
	free(j->cause);
	free(j);
}

static void
undo_answer(struct wiz *w, bool yes, void *arg)
{
	struct undo_scr *u = arg;
	struct undo_job *j;

	if (!yes)
		return;
	j = xcalloc(1, sizeof *j);
	j->root = w->start->root;
	if (ui_job_start(w, undo_job, j, undo_done, j) < 0) {
		free(j);
		return;
	}
	u->phase = UNDO_RUNNING;
	clock_gettime(CLOCK_MONOTONIC, &u->t0);
	u->text.follow = true;
	ui_text_set(&u->text, &w->job_log);
	u->text.follow = true;
}

static void
undo_draw(struct wiz *w, struct ui_screen *s)
{
	struct undo_scr *u = s->data;
	char *head = NULL, *el;

	if (u->phase == UNDO_RUNNING) {
		el = ui_elapsed(&u->t0);
		head = xasprintf(_("Undoing the transaction: %s elapsed"), el);
		free(el);
	}
	ui_put(w, 0, 1, COLS - 2,
	    head != NULL	    ? head
	    : u->phase == UNDO_DONE ? _("Undo: the result")
				    : _("Undo: what would be put back"),
	    A_BOLD);
	free(head);
	ui_frame(w, 1, 0, LINES - 2, COLS, _("Undo"), true);
	ui_text_draw(w, &u->text, 2, 2, LINES - 4, COLS - 4);
	if (u->phase == UNDO_PREVIEW)
		ui_keybar(w, LINES - 1, preview_keys, nitems(preview_keys));
	else
		ui_keybar(w, LINES - 1, done_keys,
		    u->phase == UNDO_DONE ? nitems(done_keys) : 2);
}

static enum ui_key_result
undo_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct undo_scr *u = s->data;
	bool enter =
	    (fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'));

	if (u->phase == UNDO_RUNNING && !fn && key == 27) {
		ui_say(w, "%s",
		    _("a write is under way: going back waits until it ends"));
		return UI_KEY_HANDLED;
	}
	if (u->phase == UNDO_DONE && !fn && key == 27) {
		ui_pop_to(w, "main");
		wiz_replan(w);
		return UI_KEY_HANDLED;
	}
	if (u->phase == UNDO_PREVIEW && enter) {
		if (u->n_files == 0)
			ui_say(w, "%s", _("there is nothing to undo"));
		else if (u->n_conflicts > 0)
			ui_say(w, "%s",
			    _("nothing was changed: files changed since the "
			      "wizard wrote them (see the diff)"));
		else
			ui_confirm(w, _("Undo"),
			    _("Put every file back as it was and run the "
			      "commands again?"),
			    undo_answer, u);
		return UI_KEY_HANDLED;
	}
	return ui_text_key(&u->text, key, fn);
}

static void
undo_enter(struct wiz *w, struct ui_screen *s)
{
	undo_preview(w, s->data);
}

static void
undo_leave(struct wiz *w, struct ui_screen *s)
{
	struct undo_scr *u = s->data;

	(void)w;
	ui_lines_free(&u->lines);
	free(u);
}

static const struct ui_screen_ops undo_ops = {
    .id = "undo",
    .title = N_("Undo"),
    .help = N_("Undo puts every file of the open transaction back to its "
	       "original bytes and metadata, newest first, deletes the "
	       "files the wizard created, and runs the regeneration commands "
	       "once more.\n"
	       "Before anything is done, this screen shows each file with "
	       "the diff undo would apply. A file someone changed since the "
	       "wizard wrote it is a conflict: undo refuses to clobber it; "
	       "put it back, or use 'vfio-wizard undo --force'.\n"
	       "Enter asks, then undoes; Esc goes back without changing "
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
