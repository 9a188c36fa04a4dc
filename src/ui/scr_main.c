/*
 * scr_main.c: the main screen: the title line (host, CPU, GPU, VM), the
 * step list on the side with each step's state, the selected step's
 * findings with their evidence in the main pane, and the key bar.
 */
#include "ui.h"

#include <stdlib.h>

struct main_scr {
	struct ui_lines steps;
	struct ui_list list;
	struct ui_lines findings;
	struct ui_text text;
	size_t shown;  /* the step whose findings are built */
	unsigned gen;  /* wiz->plan_gen when built */
	size_t opened; /* the step whose picker is open, else UI_STEP__COUNT */
};

static const struct ui_keyhelp main_keys[] = {
    {"F1", N_("Help")},
    {"Enter", N_("Next")},
    {"Esc", N_("Back")},
    {"d", N_("Diff")},
    {"u", N_("Undo")},
    {"q", N_("Quit")},
};

/* Build the step list and the findings of step id. */
static void
rebuild(struct wiz *w, struct main_scr *m, size_t id)
{
	ui_lines_free(&m->steps);
	ui_model_steps(&w->model, &m->steps);
	ui_list_set(&m->list, m->steps.v, m->steps.n);
	ui_list_select(&m->list, id);
	ui_lines_free(&m->findings);
	ui_model_step_findings(&w->model, (enum ui_step_id)id, &m->findings);
	ui_text_set(&m->text, &m->findings);
	m->shown = id;
	m->gen = w->plan_gen;
}

/*
 * Enter on the last step: the review, unless a step is blocked (its
 * findings say why) or planning was refused.
 */
static void
main_review(struct wiz *w)
{
	size_t i;

	for (i = 0; i < UI_STEP__COUNT; i++) {
		if (ui_step_state(&w->model, (enum ui_step_id)i) ==
		    UI_STATE_BLOCKED) {
			ui_say(w,
			    _("the %s step is blocked: its findings say why; "
			      "nothing can be applied"),
			    ui_step_title((enum ui_step_id)i));
			return;
		}
	}
	scr_review_push(w, true);
}

static void
main_enter(struct wiz *w, struct ui_screen *s)
{
	struct main_scr *m = xcalloc(1, sizeof *m);

	m->text.gutter = true;
	m->opened = UI_STEP__COUNT;
	s->data = m;
	rebuild(w, m, UI_STEP_FIRMWARE);
}

/* The side pane's width: the longest "mark title", within 19..26. */
static int
side_width(struct wiz *w, const struct main_scr *m)
{
	int best = 0, cw;
	size_t i;

	for (i = 0; i < m->steps.n; i++) {
		cw = ui_text_width(ui_mark(w, m->steps.v[i].role)) + 1 +
		     ui_text_width(m->steps.v[i].text);
		if (cw > best)
			best = cw;
	}
	best += 4;
	return best < 19 ? 19 : best > 26 ? 26 : best;
}

static void
main_draw(struct wiz *w, struct ui_screen *s)
{
	struct main_scr *m = s->data;
	size_t sel = ui_list_selected(&m->list);
	char *title = ui_model_title(&w->model, !w->term.ascii);
	int sw = side_width(w, m), h = LINES - 2;

	if (m->opened != UI_STEP__COUNT && ui_top(w) == s) {
		/* back from the picker or the choice: on, if it chose */
		enum ui_step_state st =
		    ui_step_state(&w->model, (enum ui_step_id)m->opened);

		if ((st == UI_STATE_DONE || st == UI_STATE_NEEDED) &&
		    m->opened + 1 < UI_STEP__COUNT)
			sel = m->opened + 1;
		m->opened = UI_STEP__COUNT;
	}
	if (sel != (size_t)-1 && (sel != m->shown || m->gen != w->plan_gen))
		rebuild(w, m, sel);
	ui_put(w, 0, 1, COLS - 2, title, A_BOLD);
	free(title);
	ui_frame(w, 1, 0, h, sw, _("Steps"), true);
	ui_list_draw(w, &m->list, 2, 2, h - 2, sw - 3, true);
	ui_frame(w, 1, sw, h, COLS - sw,
	    ui_step_title((enum ui_step_id)m->shown), false);
	ui_text_draw(w, &m->text, 2, sw + 2, h - 2, COLS - sw - 4);
	ui_keybar(w, LINES - 1, main_keys, nitems(main_keys));
}

static enum ui_key_result
main_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct main_scr *m = s->data;

	if ((fn && key == KEY_ENTER) || (!fn && (key == '\r' || key == '\n'))) {
		if (m->shown == UI_STEP_DEVICES || m->shown == UI_STEP_VM) {
			m->opened = m->shown;
			if (m->shown == UI_STEP_DEVICES)
				scr_devices_push(w);
			else
				scr_choice_push(w);
		} else if (m->shown == UI_STEP_REBOOT)
			main_review(w);
		else if (m->shown + 1 < UI_STEP__COUNT)
			rebuild(w, m, m->shown + 1);
		return UI_KEY_HANDLED;
	}
	if (!fn && (key == 'd' || key == 'D')) {
		scr_review_push(w, false);
		return UI_KEY_HANDLED;
	}
	if (!fn && (key == 'u' || key == 'U')) {
		scr_undo_push(w);
		return UI_KEY_HANDLED;
	}
	if (fn && (key == KEY_UP || key == KEY_DOWN || key == KEY_HOME ||
		      key == KEY_END))
		return ui_list_key(&m->list, key, fn);
	return ui_text_key(&m->text, key, fn);
}

static void
main_leave(struct wiz *w, struct ui_screen *s)
{
	struct main_scr *m = s->data;

	ui_list_free(&m->list);
	ui_lines_free(&m->steps);
	ui_lines_free(&m->findings);
	free(m);
}

const struct ui_screen_ops scr_main_ops = {
    .id = "main",
    .title = N_("Steps"),
    .help = N_("The steps of a passthrough, in order. Each step shows its "
	       "state: a check mark when nothing is left to do, ! when the "
	       "wizard will change something, x when a check refuses, and a "
	       "dot when nothing is chosen for it yet.\n"
	       "The right pane shows what the checks found for the step, "
	       "with the evidence below each finding and what the wizard "
	       "will change.\n"
	       "Up and Down choose a step, Enter goes to the next one. On "
	       "Devices Enter opens the device picker, on VM config the "
	       "choice of the mode and the VM; on the last step (Reboot) "
	       "Enter opens the review of every change, then applies it "
	       "after asking. PgUp, PgDn and the space bar scroll the "
	       "findings.\n"
	       "d shows the diff of the plan without applying it."),
    .help_more = ui_help_undo_key,
    .enter = main_enter,
    .draw = main_draw,
    .key = main_key,
    .leave = main_leave,
};
