/*
 * flow.c: the screen stack and the key loop. poll() waits on the terminal
 * and on the worker's self-pipe (200 ms while a job runs, for the elapsed
 * time); keys go to the top screen first, then to the global keys: F1 the
 * top screen's help, Esc pops, q asks before quitting (refused while a job
 * runs, as is Ctrl-C). KEY_RESIZE redraws everything; below 80x24 one line
 * asks for a larger terminal.
 */
#include "ui.h"

#include "vfio-wizard/engine.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
ui_push(struct wiz *w, const struct ui_screen_ops *ops, void *data)
{
	struct ui_screen *s;

	if (w->depth >= UI_STACK_MAX)
		return;
	s = &w->stack[w->depth++];
	s->ops = ops;
	s->data = data;
	if (ops->enter != NULL)
		ops->enter(w, s);
}

void
ui_pop(struct wiz *w)
{
	struct ui_screen *s;

	if (w->depth == 0)
		return;
	s = &w->stack[--w->depth];
	if (s->ops->leave != NULL)
		s->ops->leave(w, s);
	memset(s, 0, sizeof *s);
}

struct ui_screen *
ui_top(struct wiz *w)
{
	return w->depth > 0 ? &w->stack[w->depth - 1] : NULL;
}

void
ui_pop_to(struct wiz *w, const char *id)
{
	while (w->depth > 1 && strcmp(ui_top(w)->ops->id, id) != 0)
		ui_pop(w);
}

char *
ui_elapsed(const struct timespec *start)
{
	struct timespec now;
	long s;

	clock_gettime(CLOCK_MONOTONIC, &now);
	s = (long)(now.tv_sec - start->tv_sec);
	if (s < 0)
		s = 0;
	return xasprintf("%ld:%02ld", s / 60, s % 60);
}

void
ui_tx_refresh(struct wiz *w)
{
	enum engine_tx tx = ENGINE_TX_INTERRUPTED;
	char *why = NULL;

	if (engine_tx_state(w->start->root, w->start->host, &tx, &why) < 0)
		tx = ENGINE_TX_INTERRUPTED;
	free(why);
	w->tx = (int)tx;
}

int
ui_outcome_exit(int outcome)
{
	switch ((enum engine_outcome)outcome) {
	case ENGINE_DONE:
		return 0; /* done */
	case ENGINE_REBOOT:
		return 4; /* reboot needed */
	case ENGINE_CONFLICT:
		return 3; /* blocked */
	case ENGINE_FAILED:
		break;
	}
	return 1; /* error */
}

void
ui_say(struct wiz *w, const char *fmt, ...)
{
	va_list ap;

	free(w->message);
	va_start(ap, fmt);
	w->message = xvasprintf(fmt, ap);
	va_end(ap);
}

static void
quit_answer(struct wiz *w, bool yes, void *arg)
{
	(void)arg;
	if (yes)
		w->quit = true;
}

void
ui_ask_quit(struct wiz *w)
{
	if (w->worker != NULL) {
		ui_say(w, "%s",
		    _("a write is under way: quitting waits until it ends"));
		return;
	}
	ui_confirm(w, _("Quit"),
	    _("Quit vfio-wizard? Nothing more is changed."), quit_answer, NULL);
}

int
ui_job_start(struct wiz *w, ui_job_fn job, void *job_arg,
    void (*done)(struct wiz *, int rc, void *arg), void *arg)
{
	char *cause = NULL;

	if (w->worker != NULL)
		return -EBUSY;
	ui_lines_free(&w->job_log);
	w->worker = ui_worker_start(job, job_arg, &cause);
	if (w->worker == NULL) {
		ui_say(w, "%s", cause);
		free(cause);
		return -EAGAIN;
	}
	w->job_done = done;
	w->job_arg = arg;
	return 0;
}

void
ui_draw_all(struct wiz *w)
{
	size_t base = w->depth;

	erase();
	if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
		char *msg = xasprintf(_("enlarge the terminal to %dx%d (now "
					"%dx%d; q quits)"),
		    UI_MIN_COLS, UI_MIN_ROWS, COLS, LINES);

		ui_put(w, 0, 0, COLS, msg, A_BOLD);
		free(msg);
		refresh();
		return;
	}
	/* the lowest screen that shows: modal screens show the one below */
	while (base > 0 && w->stack[base - 1].ops->modal)
		base--;
	if (base > 0)
		base--;
	for (; base < w->depth; base++) {
		struct ui_screen *s = &w->stack[base];

		if (s->ops->draw != NULL)
			s->ops->draw(w, s);
	}
	if (w->message != NULL) {
		ui_blank(LINES - 2, 0, COLS, A_NORMAL);
		ui_put(w, LINES - 2, 1, COLS - 2, w->message,
		    ui_role_attr(w, UI_ROLE_WARN) | A_BOLD);
	}
	refresh();
	ui_bench_mark(w);
}

/* The global keys, once the top screen left the key alone. */
static void
global_key(struct wiz *w, wint_t key, bool fn)
{
	struct ui_screen *top = ui_top(w);

	if (!fn && key == 27 && w->depth > 1)
		ui_pop(w);
	else if (!fn && (key == 'q' || key == 'Q'))
		ui_ask_quit(w);
	else if (fn && key == KEY_F(1) && top != NULL &&
		 strcmp(top->ops->id, "help") != 0)
		scr_help_push(w, top);
}

static void
handle_key(struct wiz *w, wint_t key, bool fn)
{
	struct ui_screen *top = ui_top(w);

	free(w->message);
	w->message = NULL;
	if (fn && key == KEY_RESIZE)
		return;
	if (COLS < UI_MIN_COLS || LINES < UI_MIN_ROWS) {
		/* nothing shows: only q works, and asks nothing */
		if (!fn && (key == 'q' || key == 'Q') && w->worker == NULL)
			w->quit = true;
		return;
	}
	if (fn && key == KEY_F(1)) {
		global_key(w, key, fn);
		return;
	}
	if (top != NULL && top->ops->key != NULL &&
	    top->ops->key(w, top, key, fn) == UI_KEY_HANDLED)
		return;
	global_key(w, key, fn);
}

/* Move the worker's lines into the log; the job's end runs its callback. */
static void
drain_job(struct wiz *w)
{
	void (*done)(struct wiz *, int, void *);
	int rc = 0;

	if (w->worker == NULL || !ui_worker_drain(w->worker, &w->job_log, &rc))
		return;
	ui_worker_free(w->worker);
	w->worker = NULL;
	done = w->job_done;
	w->job_done = NULL;
	if (done != NULL)
		done(w, rc, w->job_arg);
}

/* A termination signal: restore the terminal and die of it. */
static void
die_of(struct wiz *w, int sig)
{
	ui_term_stop(w);
	signal(sig, SIG_DFL);
	raise(sig);
}

int
ui_loop(struct wiz *w)
{
	struct pollfd pfd[2];
	wint_t key;
	int r, nfd;

	ui_draw_all(w);
	while (!w->quit && w->depth > 0) {
		pfd[0].fd = STDIN_FILENO;
		if (w->term.tty != NULL)
			pfd[0].fd = fileno(w->term.tty);
		pfd[0].events = POLLIN;
		nfd = 1;
		if (w->worker != NULL) {
			pfd[1].fd = ui_worker_fd(w->worker);
			pfd[1].events = POLLIN;
			nfd = 2;
		}
		r = poll(pfd, (nfds_t)nfd, w->worker != NULL ? 200 : -1);
		if (r < 0 && errno != EINTR)
			break;
		if (ui_term_signal() != 0)
			die_of(w, ui_term_signal());
		if (ui_term_interrupted())
			handle_key(w, 'q', false);
		drain_job(w);
		/* a resize interrupts poll; curses then has KEY_RESIZE */
		while ((r = get_wch(&key)) != ERR && !w->quit)
			handle_key(w, key, r == KEY_CODE_YES);
		if (!w->quit)
			ui_draw_all(w);
	}
	while (w->depth > 0)
		ui_pop(w);
	return w->exit_code;
}
