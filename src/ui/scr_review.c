/*
 * scr_review.c: the review: the whole plan as a scrollable, coloured diff
 * (each file, its added and removed lines), the commands with their
 * purpose and the notes; Enter asks "Apply these changes?" and yes opens
 * the apply screen. Opened with `d` it only shows the diff.
 */
#include "ui.h"

#include "vfio-wizard/engine.h"

#include <stdlib.h>

struct review {
	struct ui_lines lines;
	struct ui_text text;
	bool can_apply;
};

static const struct ui_keyhelp review_keys[] = {
    {"F1", N_("Help")},
    {"Enter", N_("Apply")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Back")},
    {"q", N_("Quit")},
};

static const struct ui_keyhelp diff_keys[] = {
    {"F1", N_("Help")},
    {"PgUp/PgDn", N_("Scroll")},
    {"Esc", N_("Back")},
    {"q", N_("Quit")},
};

/* Whether the plan can be applied now; else *why (translated). */
static bool
applicable(struct wiz *w, const char **why)
{
	if (!w->planned) {
		*why = _("nothing can be applied: the plan was refused (see "
			 "above)");
		return false;
	}
	if (plan_empty(&w->plan)) {
		*why = _("nothing to apply: the host already has every "
			 "change");
		return false;
	}
	if (w->tx != ENGINE_TX_NONE) {
		*why = _("a transaction is open: resume or undo it first (u "
			 "opens the undo)");
		return false;
	}
	return true;
}

static void
review_build(struct wiz *w, struct review *r)
{
	ui_lines_free(&r->lines);
	if (!w->planned) {
		ui_lines_add(&r->lines, UI_ROLE_FAIL, 0, "%s",
		    _("There is no plan: a step refuses."));
		if (w->plan_cause != NULL)
			ui_lines_add_text(
			    &r->lines, UI_ROLE_HINT, 2, w->plan_cause);
	} else
		ui_model_plan(&w->plan, &r->lines);
	ui_text_set(&r->text, &r->lines);
}

static void
review_draw(struct wiz *w, struct ui_screen *s)
{
	struct review *r = s->data;

	ui_put(w, 0, 1, COLS - 2,
	    r->can_apply ? _("Review the changes, then apply them")
			 : _("What the wizard would change"),
	    A_BOLD);
	ui_frame(w, 1, 0, LINES - 2, COLS,
	    r->can_apply ? _("Review") : _("Diff"), true);
	ui_text_draw(w, &r->text, 2, 2, LINES - 4, COLS - 4);
	if (r->can_apply)
		ui_keybar(w, LINES - 1, review_keys, nitems(review_keys));
	else
		ui_keybar(w, LINES - 1, diff_keys, nitems(diff_keys));
}

static void
apply_answer(struct wiz *w, bool yes, void *arg)
{
	(void)arg;
	if (!yes)
		return;
	ui_pop(w); /* the review: Esc from the finish goes to the steps */
	scr_apply_push(w);
}

static enum ui_key_result
review_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct review *r = s->data;
	const char *why;

	if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
		if (!r->can_apply)
			return UI_KEY_HANDLED;
		if (!applicable(w, &why)) {
			ui_say(w, "%s", why);
			return UI_KEY_HANDLED;
		}
		ui_confirm(w, _("Apply"), _("Apply these changes?"),
		    apply_answer, NULL);
		return UI_KEY_HANDLED;
	}
	return ui_text_key(&r->text, key, fn);
}

static void
review_leave(struct wiz *w, struct ui_screen *s)
{
	struct review *r = s->data;

	(void)w;
	ui_lines_free(&r->lines);
	free(r);
}

static const struct ui_screen_ops review_ops = {
    .id = "review",
    .title = N_("Review"),
    .help = N_("Everything the wizard will change, before it changes "
	       "anything: each file with the lines it adds (+) and removes "
	       "(-), then the commands that run once after the files are "
	       "written, each with its purpose, then notes worth reading.\n"
	       "Enter asks whether to apply these changes; yes writes them, "
	       "journalled so that 'vfio-wizard undo' can take them back. "
	       "Esc goes back to the steps without changing anything. "
	       "Opened with d, the screen only shows the diff."),
    .draw = review_draw,
    .key = review_key,
    .leave = review_leave,
};

void
scr_review_push(struct wiz *w, bool can_apply)
{
	struct review *r = xcalloc(1, sizeof *r);

	r->can_apply = can_apply;
	review_build(w, r);
	ui_push(w, &review_ops, r);
}
