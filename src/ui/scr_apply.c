/*
 * scr_apply.c: the apply: engine_apply runs in the worker thread while
 * this screen shows each write and command as the engine reports it, the
 * live output of update-initramfs and friends, and an elapsed-time clock
 * that ticks while a command runs (flow.c wakes every 200 ms). Esc and q
 * are refused until it ends; then the finish screen takes over.
 */
#include "ui.h"

#include "vfio-wizard/engine.h"

#include <stdlib.h>
#include <string.h>

struct apply_job {
	const struct ui_start *start;
	const struct choices *choices;
	const struct plan *plan;
	enum engine_outcome outcome;
	char *cause;
};

struct apply_scr {
	struct ui_text text;
	struct timespec t0;
	bool running;
};

static const struct ui_keyhelp apply_keys[] = {
    {"F1", N_("Help")},
    {"PgUp/PgDn", N_("Scroll")},
};

/* The worker thread: the engine call, nothing else. */
static int
apply_job(const struct engine_ui *ui, void *arg)
{
	struct apply_job *j = arg;

	j->outcome = ENGINE_FAILED;
	return engine_apply(j->start->root, j->start->host, j->choices,
	    j->start->steps, j->plan, ui, &j->outcome, &j->cause);
}

/* Back on the UI thread: the finish screen replaces this one. */
static void
apply_done(struct wiz *w, int rc, void *arg)
{
	struct apply_job *j = arg;
	enum engine_outcome oc = j->outcome;
	char *cause = j->cause;

	if (rc < 0 && oc == ENGINE_DONE)
		oc = ENGINE_FAILED;
	free(j);
	/* the journal says whether a transaction is open now */
	ui_tx_refresh(w);
	ui_pop_to(w, "apply");
	if (strcmp(ui_top(w)->ops->id, "apply") == 0)
		ui_pop(w);
	scr_finish_push(w, oc, cause);
	free(cause);
}

static void
apply_enter(struct wiz *w, struct ui_screen *s)
{
	struct apply_scr *a = s->data;
	struct apply_job *j = xcalloc(1, sizeof *j);

	clock_gettime(CLOCK_MONOTONIC, &a->t0);
	a->text.follow = true;
	j->start = w->start;
	j->choices = &w->choices;
	j->plan = &w->plan;
	if (ui_job_start(w, apply_job, j, apply_done, j) < 0) {
		free(j);
		return;
	}
	a->running = true;
	ui_text_set(&a->text, &w->job_log);
	a->text.follow = true;
}

static void
apply_draw(struct wiz *w, struct ui_screen *s)
{
	struct apply_scr *a = s->data;
	char *el = ui_elapsed(&a->t0), *head;

	head =
	    xasprintf(a->running ? _("Applying the changes: %s elapsed")
				 : _("Applying the changes: stopped after %s"),
		el);
	ui_put(w, 0, 1, COLS - 2, head, A_BOLD);
	free(head);
	free(el);
	ui_frame(w, 1, 0, LINES - 2, COLS, _("Progress"), true);
	ui_text_draw(w, &a->text, 2, 2, LINES - 4, COLS - 4);
	ui_keybar(w, LINES - 1, apply_keys, nitems(apply_keys));
}

static enum ui_key_result
apply_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct apply_scr *a = s->data;

	if (!fn && key == 27 && a->running) {
		ui_say(w, "%s",
		    _("a write is under way: going back waits until it ends"));
		return UI_KEY_HANDLED;
	}
	return ui_text_key(&a->text, key, fn);
}

static void
apply_leave(struct wiz *w, struct ui_screen *s)
{
	(void)w;
	free(s->data);
}

static const struct ui_screen_ops apply_ops = {
    .id = "apply",
    .title = N_("Apply"),
    .help = N_("The wizard writes the files of the plan, each journalled "
	       "first, then runs each command once (update-grub, "
	       "update-initramfs, qm, ...); their output shows here as it "
	       "comes, with the time elapsed.\n"
	       "Nothing can interrupt a write safely: q and Esc wait until "
	       "it ends. If the machine stops in the middle, 'vfio-wizard "
	       "resume' finishes the same transaction and 'vfio-wizard undo' "
	       "takes it back."),
    .draw = apply_draw,
    .key = apply_key,
    .enter = apply_enter,
    .leave = apply_leave,
};

void
scr_apply_push(struct wiz *w)
{
	ui_push(w, &apply_ops, xcalloc(1, sizeof(struct apply_scr)));
}
