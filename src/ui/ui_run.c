/*
 * ui_run.c: the wizard's entry point: the check and the plan for the
 * initial choices (the engine's calls, as the commands make them), the
 * terminal, the main screen (under the start screen when the journal holds
 * an open transaction) and the key loop; everything restored and
 * freed on the way out.
 */
#include "ui.h"

#include "vfio-wizard/engine.h"
#include "vfio-wizard/host.h"

#include <stdlib.h>
#include <string.h>

void
wiz_replan(struct wiz *w)
{
	const struct ui_start *s = w->start;
	struct check_options co;
	const char **devs = NULL;
	size_t n = 0, i;
	char *cause = NULL;

	for (i = 0; i < w->choices.n_items; i++)
		if (str_startswith(w->choices.items[i], "device="))
			ARRAY_PUSH(
			    devs, n, w->choices.items[i] + strlen("device="));
	co.devices = devs;
	co.n_devices = n;
	co.choices = &w->choices;
	check_result_free(w->check);
	w->check = NULL;
	if (check_run(s->host, s->kb, &co, &w->check, &cause) < 0) {
		/* only an unknown --device fails: check without it */
		free(cause);
		cause = NULL;
		co.n_devices = 0;
		if (check_run(s->host, s->kb, &co, &w->check, &cause) < 0)
			w->check = xcalloc(1, sizeof *w->check);
	}
	free(devs);
	plan_free(&w->plan);
	memset(&w->plan, 0, sizeof w->plan);
	free(w->plan_cause);
	w->plan_cause = NULL;
	w->planned = engine_plan(s->root, s->host, &w->choices, s->steps,
			 &w->plan, &cause) == 0;
	if (!w->planned)
		w->plan_cause = cause;
	else
		free(cause);
	w->model.host = s->host;
	w->model.check = w->check;
	w->model.choices = &w->choices;
	w->model.plan = w->planned ? &w->plan : NULL;
	w->model.plan_cause = w->plan_cause;
	w->model.steps = s->steps;
	w->plan_gen++;
}

static void
wiz_free(struct wiz *w)
{
	ui_worker_free(w->worker);
	ui_lines_free(&w->job_log);
	check_result_free(w->check);
	plan_free(&w->plan);
	choices_free(&w->choices);
	free(w->plan_cause);
	free(w->message);
}

int
ui_run(const struct ui_start *s, char **cause)
{
	struct wiz w;
	enum engine_tx tx;
	char *txcause = NULL;
	size_t i;
	int rc;

	memset(&w, 0, sizeof w);
	w.start = s;
	for (i = 0; s->choices != NULL && i < s->choices->n_items; i++) {
		const char *it = s->choices->items[i], *eq = strchr(it, '=');
		char *key;

		if (eq == NULL)
			continue;
		key = xstrndup(it, (size_t)(eq - it));
		choices_add(&w.choices, key, eq + 1);
		free(key);
	}
	wiz_replan(&w);
	if (ui_term_start(&w, cause) < 0) {
		wiz_free(&w);
		return 1;
	}
	ui_push(&w, &scr_main_ops, NULL);
	/* an open transaction comes first: resume, verify or undo it */
	tx = ENGINE_TX_NONE;
	if (engine_tx_state(s->root, s->host, &tx, &txcause) < 0) {
		ui_say(&w, _("the journal cannot be read: %s"), txcause);
		free(txcause);
		tx = ENGINE_TX_INTERRUPTED;
	}
	w.tx = (int)tx;
	if (tx != ENGINE_TX_NONE)
		scr_start_push(&w);
	rc = ui_loop(&w);
	ui_term_stop(&w);
	wiz_free(&w);
	return rc;
}
