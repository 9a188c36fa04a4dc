/*
 * scr_finish.c: the end of an apply: what was done (each file written,
 * each command run), whether the host must reboot and what to run after
 * the reboot, or why it stopped and how to continue; then the progress
 * log. Quitting from here exits as the commands do: 4 when a reboot is
 * needed, 0 when done, 1 when the apply failed.
 */
#include "ui.h"

#include "vfio-wizard/engine.h"

#include <stdlib.h>

struct finish {
	struct ui_lines lines;
	struct ui_text text;
	enum engine_outcome outcome;
};

static const struct ui_keyhelp finish_keys[] = {
    {"F1", N_("Help")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Steps")},
    {"q", N_("Quit")},
};

static void
finish_build(struct wiz *w, struct finish *f, const char *cause)
{
	size_t i;

	switch (f->outcome) {
	case ENGINE_REBOOT:
		ui_lines_add(&f->lines, UI_ROLE_WARN, 0, "%s",
		    _("Applied. A reboot is needed before the changes take "
		      "effect."));
		ui_lines_add(&f->lines, UI_ROLE_HINT, 2, "%s",
		    _("Reboot the host now, then run vfio-wizard again (or "
		      "'vfio-wizard resume') to verify."));
		break;
	case ENGINE_DONE:
		ui_lines_add(&f->lines, UI_ROLE_OK, 0, "%s",
		    _("Applied and verified: nothing more to do."));
		break;
	default:
		ui_lines_add(
		    &f->lines, UI_ROLE_FAIL, 0, "%s", _("The apply stopped."));
		if (cause != NULL)
			ui_lines_add_text(&f->lines, UI_ROLE_FAIL, 2, cause);
		ui_lines_add(&f->lines, UI_ROLE_HINT, 2, "%s",
		    w->tx != ENGINE_TX_NONE
			? _("The journal keeps what was done: vfio-wizard "
			    "offers to resume or undo it when started again "
			    "('vfio-wizard resume', 'vfio-wizard undo').")
			: _("Nothing was changed."));
		break;
	}
	if (f->outcome == ENGINE_REBOOT || f->outcome == ENGINE_DONE) {
		ui_lines_add(&f->lines, UI_ROLE_NORMAL, 0, "%s", "");
		ui_lines_add(
		    &f->lines, UI_ROLE_TITLE, 0, "%s", _("What was done"));
		ui_model_plan_done(&w->plan, &f->lines);
	}
	if (w->job_log.n > 0) {
		ui_lines_add(&f->lines, UI_ROLE_NORMAL, 0, "%s", "");
		ui_lines_add(&f->lines, UI_ROLE_TITLE, 0, "%s", _("Progress"));
	}
	for (i = 0; i < w->job_log.n; i++)
		ui_lines_add(&f->lines, w->job_log.v[i].role,
		    w->job_log.v[i].indent + 2, "%s", w->job_log.v[i].text);
	ui_text_set(&f->text, &f->lines);
}

static void
finish_draw(struct wiz *w, struct ui_screen *s)
{
	struct finish *f = s->data;

	ui_put(w, 0, 1, COLS - 2,
	    f->outcome == ENGINE_REBOOT ? _("Done: reboot the host now")
	    : f->outcome == ENGINE_DONE ? _("Done")
					: _("The apply stopped"),
	    A_BOLD);
	ui_frame(w, 1, 0, LINES - 2, COLS, _("Finish"), true);
	ui_text_draw(w, &f->text, 2, 2, LINES - 4, COLS - 4);
	ui_keybar(w, LINES - 1, finish_keys, nitems(finish_keys));
}

static enum ui_key_result
finish_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct finish *f = s->data;

	if (!fn && key == 27) {
		/* back to the steps, judged again on the files as they are */
		ui_pop_to(w, "main");
		wiz_replan(w);
		return UI_KEY_HANDLED;
	}
	return ui_text_key(&f->text, key, fn);
}

static void
finish_leave(struct wiz *w, struct ui_screen *s)
{
	struct finish *f = s->data;

	(void)w;
	ui_lines_free(&f->lines);
	free(f);
}

static const struct ui_screen_ops finish_ops = {
    .id = "finish",
    .title = N_("Finish"),
    .help = N_("What the apply did: the files written and the commands "
	       "run, then their output.\n"
	       "When a reboot is needed, reboot the host, then start "
	       "vfio-wizard again: it offers to verify every step on the "
	       "booted host ('vfio-wizard resume' does the same without a "
	       "screen). 'vfio-wizard undo' takes every change back.\n"
	       "q quits (exit status 4 while a reboot is needed), Esc goes "
	       "back to the steps."),
    .draw = finish_draw,
    .key = finish_key,
    .leave = finish_leave,
};

void
scr_finish_push(struct wiz *w, int outcome, const char *cause)
{
	struct finish *f = xcalloc(1, sizeof *f);

	f->outcome = (enum engine_outcome)outcome;
	w->exit_code = ui_outcome_exit(outcome);
	finish_build(w, f, cause);
	ui_push(w, &finish_ops, f);
}
