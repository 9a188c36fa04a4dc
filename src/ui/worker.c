/*
 * worker.c: a job (an engine call) in a pthread, its progress queued for
 * the UI thread behind a mutex and announced through a self-pipe.
 */
#include "worker.h"

#include "vfio-wizard/engine.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ui_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	int pipe[2];
	ui_job_fn job;
	void *arg;
	struct engine_ui ui;
	struct ui_lines queue; /* under lock */
	struct strbuf partial; /* output after its last newline; under lock */
	bool done;	       /* under lock */
	int rc;
};

/* Wake the UI thread (a full pipe already wakes it). */
static void
wake(struct ui_worker *w)
{
	char c = 0;
	ssize_t r;

	do
		r = write(w->pipe[1], &c, 1);
	while (r < 0 && errno == EINTR);
}

static void
on_progress(const char *line, void *arg)
{
	struct ui_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	ui_lines_add_text(&w->queue, UI_ROLE_NORMAL, 0, line);
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

/* Queue the complete lines of the partial output (under lock). */
static void
flush_lines(struct ui_worker *w, bool all)
{
	char *s = w->partial.buf, *nl, *cr;
	size_t used = 0;

	while (used < w->partial.len &&
	       ((nl = memchr(s + used, '\n', w->partial.len - used)) != NULL ||
		   all)) {
		size_t end = nl != NULL ? (size_t)(nl - s) : w->partial.len;
		char *line = xstrndup(s + used, end - used);

		/* a carriage return redraws the line: keep what follows */
		cr = strrchr(line, '\r');
		ui_lines_add(&w->queue, UI_ROLE_DIM, 2, "%s",
		    cr != NULL ? cr + 1 : line);
		free(line);
		used = nl != NULL ? end + 1 : end;
		if (nl == NULL)
			break;
	}
	if (used > 0) {
		memmove(s, s + used, w->partial.len - used);
		w->partial.len -= used;
		s[w->partial.len] = '\0';
	}
}

static void
on_output(const char *chunk, size_t len, void *arg)
{
	struct ui_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	sb_add(&w->partial, chunk, len);
	flush_lines(w, false);
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

static void *
run(void *arg)
{
	struct ui_worker *w = arg;
	int rc = w->job(&w->ui, w->arg);

	pthread_mutex_lock(&w->lock);
	flush_lines(w, true);
	w->rc = rc;
	w->done = true;
	pthread_mutex_unlock(&w->lock);
	wake(w);
	return NULL;
}

struct ui_worker *
ui_worker_start(ui_job_fn job, void *arg, char **cause)
{
	struct ui_worker *w = xcalloc(1, sizeof *w);
	sigset_t block, old;
	int err;

	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		*cause = xasprintf("cannot make a pipe: %s", strerror(errno));
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	w->job = job;
	w->arg = arg;
	w->ui.progress = on_progress;
	w->ui.output = on_output;
	w->ui.arg = w;
	/* the thread inherits this mask: signals go to the UI thread */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		*cause = xasprintf("cannot start a thread: %s", strerror(err));
		close(w->pipe[0]);
		close(w->pipe[1]);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

int
ui_worker_fd(const struct ui_worker *w)
{
	return w->pipe[0];
}

bool
ui_worker_drain(struct ui_worker *w, struct ui_lines *out, int *rc)
{
	char buf[256];
	bool done;
	size_t i;

	while (read(w->pipe[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->queue.n; i++)
		ARRAY_PUSH(out->v, out->n, w->queue.v[i]);
	free(w->queue.v);
	w->queue.v = NULL;
	w->queue.n = 0;
	done = w->done;
	if (done)
		*rc = w->rc;
	pthread_mutex_unlock(&w->lock);
	return done;
}

void
ui_worker_free(struct ui_worker *w)
{
	if (w == NULL)
		return;
	pthread_join(w->thread, NULL);
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_mutex_destroy(&w->lock);
	ui_lines_free(&w->queue);
	sb_release(&w->partial);
	free(w);
}
