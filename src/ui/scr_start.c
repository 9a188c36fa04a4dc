/*
 * scr_start.c: shown first when the journal holds an open transaction.
 * It says where the transaction stands (engine_tx_state: interrupted;
 * applied in this boot, a reboot still needed; booted since, to verify)
 * with the engine's account of its files and commands, and offers: Enter
 * resumes or verifies (engine_resume in the worker, its result lines with
 * each after-reboot diagnosis here), u lists the journal's transactions
 * (the undo screen), Esc continues to the steps, which show the open
 * transaction's choices (view only while it is open).
 */
#include "ui.h"

#include "vfio-wizard/engine.h"

#include <stdlib.h>
#include <string.h>

struct resume_job {
	const struct ui_start *start;
	enum engine_outcome outcome;
	char *cause;
};

struct start_scr {
	struct ui_lines lines;
	struct ui_text text;
	bool running, ran;
	struct timespec t0;
};

static const struct ui_keyhelp start_keys[] = {
    {"F1", N_("Help")},
    {"Enter", N_("Resume/Verify")},
    {"u", N_("Undo")},
    {"Esc", N_("Steps")},
    {"q", N_("Quit")},
};

/* Whether Enter has something to do in the state (resume or verify). */
static bool
can_resume(const struct wiz *w)
{
	return w->tx == ENGINE_TX_INTERRUPTED || w->tx == ENGINE_TX_VERIFY ||
	       w->tx == ENGINE_TX_FAILED;
}

static void
start_build(struct wiz *w, struct start_scr *st)
{
	struct strbuf sb = STRBUF_INIT;
	char *cause = NULL;

	ui_lines_free(&st->lines);
	switch ((enum engine_tx)w->tx) {
	case ENGINE_TX_INTERRUPTED:
		ui_lines_add(&st->lines, UI_ROLE_WARN, 0, "%s",
		    _("A transaction was interrupted: Enter resumes it, u "
		      "undoes it."));
		break;
	case ENGINE_TX_REBOOT:
		ui_lines_add(&st->lines, UI_ROLE_WARN, 0, "%s",
		    _("Applied, and a reboot is still needed: reboot the host, "
		      "then start vfio-wizard again to verify."));
		break;
	case ENGINE_TX_VERIFY:
		ui_lines_add(&st->lines, UI_ROLE_INFO, 0, "%s",
		    _("The host has rebooted since the apply: Enter verifies "
		      "every step now."));
		break;
	case ENGINE_TX_FAILED:
		ui_lines_add(&st->lines, UI_ROLE_FAIL, 0, "%s",
		    _("After the reboot not every change took effect: do what "
		      "each line below says, reboot if it needs one, then "
		      "Enter verifies again."));
		break;
	case ENGINE_TX_DONE:
		ui_lines_add(&st->lines, UI_ROLE_OK, 0, "%s",
		    _("Applied and verified. u takes it all back."));
		break;
	case ENGINE_TX_NONE:
		ui_lines_add(&st->lines, UI_ROLE_OK, 0, "%s",
		    _("No transaction is open."));
		break;
	}
	ui_lines_add(&st->lines, UI_ROLE_NORMAL, 0, "%s", "");
	if (engine_status(w->start->root, &sb, &cause) < 0) {
		ui_lines_add_text(&st->lines, UI_ROLE_FAIL, 0, cause);
		free(cause);
	}
	ui_lines_add_text(&st->lines, UI_ROLE_DIM, 0, sb_str(&sb));
	sb_release(&sb);
	ui_text_set(&st->text, &st->lines);
}

static int
resume_job(const struct engine_ui *ui, void *arg)
{
	struct resume_job *j = arg;

	j->outcome = ENGINE_FAILED;
	return engine_resume(j->start->root, j->start->host, j->start->steps,
	    ui, &j->outcome, &j->cause);
}

/* The role of a progress line of resume: a step verified or failed. */
static enum ui_role
result_role(const char *line, enum ui_role role)
{
	const char *colon = strstr(line, ": ");

	if (role != UI_ROLE_NORMAL || colon == NULL)
		return role;
	if (str_startswith(colon + 2, _("verified")))
		return UI_ROLE_OK;
	if (str_startswith(colon + 2, _("FAILED")))
		return UI_ROLE_FAIL;
	return role;
}

static void
resume_done(struct wiz *w, int rc, void *arg)
{
	struct resume_job *j = arg;
	struct start_scr *st;
	size_t i;

	(void)rc;
	ui_tx_refresh(w);
	w->exit_code = ui_outcome_exit(j->outcome);
	ui_pop_to(w, "start");
	if (strcmp(ui_top(w)->ops->id, "start") == 0) {
		st = ui_top(w)->data;
		st->running = false;
		st->ran = true;
		ui_lines_free(&st->lines);
		if (j->outcome == ENGINE_DONE)
			ui_lines_add(&st->lines, UI_ROLE_OK, 0, "%s",
			    _("Every step is verified: the passthrough is "
			      "ready."));
		else if (j->outcome == ENGINE_REBOOT)
			ui_lines_add(&st->lines, UI_ROLE_WARN, 0, "%s",
			    _("A reboot is still needed: reboot the host, "
			      "then start vfio-wizard again to verify."));
		else
			ui_lines_add(&st->lines, UI_ROLE_FAIL, 0, "%s",
			    _("Not every step took effect: each failed line "
			      "below names the likely cause and what to do."));
		if (j->cause != NULL)
			ui_lines_add_text(
			    &st->lines, UI_ROLE_FAIL, 2, j->cause);
		ui_lines_add(&st->lines, UI_ROLE_NORMAL, 0, "%s", "");
		for (i = 0; i < w->job_log.n; i++) {
			const struct ui_line *l = &w->job_log.v[i];

			ui_lines_add(&st->lines, result_role(l->text, l->role),
			    l->indent, "%s", l->text);
		}
		ui_text_set(&st->text, &st->lines);
	}
	free(j->cause);
	free(j);
}

/*
 * The steps below show the open transaction as it is: its choices (the
 * journal's begin record) when the command line gave none, planned again
 * so each step's state matches what was applied and verified.
 */
static void
adopt_tx_choices(struct wiz *w)
{
	struct engine_tx_summary *hist = NULL;
	size_t n = 0, i;
	char *cause = NULL, *key, **c;
	const char *eq;

	if (w->choices.n_items > 0)
		return;
	if (engine_history(w->start->root, &hist, &n, &cause) < 0) {
		free(cause);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!hist[i].open || hist[i].state == ENGINE_HIST_UNREADABLE)
			continue;
		for (c = hist[i].choices; *c != NULL; c++) {
			if ((eq = strchr(*c, '=')) == NULL)
				continue;
			key = xstrndup(*c, (size_t)(eq - *c));
			choices_add(&w->choices, key, eq + 1);
			free(key);
		}
		break;
	}
	engine_history_free(hist, n);
	if (w->choices.n_items > 0)
		wiz_replan(w);
}

static void
start_enter(struct wiz *w, struct ui_screen *s)
{
	adopt_tx_choices(w);
	start_build(w, s->data);
	if (w->tx == ENGINE_TX_REBOOT)
		w->exit_code = 4; /* quitting leaves the reboot pending */
}

static void
start_draw(struct wiz *w, struct ui_screen *s)
{
	struct start_scr *st = s->data;
	char *head, *el;

	if (st->running) {
		el = ui_elapsed(&st->t0);
		head = xasprintf(_("Resuming the transaction: %s elapsed"), el);
		free(el);
	} else
		head = xstrdup(_("vfio-wizard: an open transaction"));
	ui_put(w, 0, 1, COLS - 2, head, A_BOLD);
	free(head);
	ui_frame(w, 1, 0, LINES - 2, COLS, _("Transaction"), true);
	ui_text_draw(w, &st->text, 2, 2, LINES - 4, COLS - 4);
	ui_keybar(w, LINES - 1, start_keys, nitems(start_keys));
}

static enum ui_key_result
start_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct start_scr *st = s->data;
	struct resume_job *j;

	if (st->running) {
		if (!fn && key == 27) {
			ui_say(w, "%s",
			    _("a write is under way: going back waits until "
			      "it ends"));
			return UI_KEY_HANDLED;
		}
		return ui_text_key(&st->text, key, fn);
	}
	if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
		if (!can_resume(w)) {
			ui_say(w, "%s",
			    w->tx == ENGINE_TX_REBOOT
				? _("reboot the host first: nothing can be "
				    "verified before the reboot")
				: _("nothing to resume: u undoes, Esc goes to "
				    "the steps"));
			return UI_KEY_HANDLED;
		}
		j = xcalloc(1, sizeof *j);
		j->start = w->start;
		if (ui_job_start(w, resume_job, j, resume_done, j) < 0) {
			free(j);
			return UI_KEY_HANDLED;
		}
		st->running = true;
		clock_gettime(CLOCK_MONOTONIC, &st->t0);
		ui_text_set(&st->text, &w->job_log);
		st->text.follow = true;
		return UI_KEY_HANDLED;
	}
	if (!fn && (key == 'u' || key == 'U')) {
		if (w->tx == ENGINE_TX_NONE)
			ui_say(w, "%s", _("there is nothing to undo"));
		else
			scr_undo_push(w);
		return UI_KEY_HANDLED;
	}
	return ui_text_key(&st->text, key, fn);
}

static void
start_leave(struct wiz *w, struct ui_screen *s)
{
	struct start_scr *st = s->data;

	(void)w;
	ui_lines_free(&st->lines);
	free(st);
}

static const struct ui_screen_ops start_ops = {
    .id = "start",
    .title = N_("Transaction"),
    .help = N_("vfio-wizard keeps a journal of every change it makes. "
	       "This screen shows the open transaction: what was chosen, "
	       "each file and command, and what is left to do.\n"
	       "Enter resumes an interrupted apply or undo, or, after the "
	       "reboot, verifies every step on the booted host; a failed "
	       "check names the likely cause and the next action.\n"
	       "Esc goes to the steps: they show the open transaction's "
	       "choices as the host has them now. Nothing new can be "
	       "applied until the transaction is undone."),
    .help_more = ui_help_undo_key,
    .enter = start_enter,
    .draw = start_draw,
    .key = start_key,
    .leave = start_leave,
};

void
scr_start_push(struct wiz *w)
{
	ui_push(w, &start_ops, xcalloc(1, sizeof(struct start_scr)));
}
