/*
 * worker.h: the wizard's long engine calls (apply, resume, undo) in a
 * thread, so the screen never freezes while update-initramfs runs.
 *
 * The job gets a struct engine_ui whose callbacks queue its progress lines
 * and the live command output (split into lines) under a mutex and write
 * one byte to a self-pipe; the UI thread polls the pipe's read end, drains
 * the queue into its log and redraws. No curses here (unit tested).
 */
#ifndef VW_UI_WORKER_H
#define VW_UI_WORKER_H

#include "model.h"

struct engine_ui;
struct ui_worker;

/* A job: calls the engine with ui; returns what the caller wants back. */
typedef int (*ui_job_fn)(const struct engine_ui *ui, void *arg);

/*
 * Start job(ui, arg) in a new thread (termination signals stay with the
 * calling thread); NULL with *cause when no thread or pipe can be made.
 */
struct ui_worker *ui_worker_start(ui_job_fn job, void *arg, char **cause);
/* The self-pipe's read end: readable when lines wait or the job ended. */
int ui_worker_fd(const struct ui_worker *);
/*
 * Move the queued lines into out (progress UI_ROLE_NORMAL, command output
 * UI_ROLE_DIM); true once the job has ended and everything is drained,
 * with its return value in *rc.
 */
bool ui_worker_drain(struct ui_worker *, struct ui_lines *out, int *rc);
/* Wait for the job to end and free everything. */
void ui_worker_free(struct ui_worker *);

#endif
