/*
 * parallel.c: a loop spread over threads that take the next range of
 * iterations from a shared counter as they go (ranges differ in cost: a PF
 * has more to read than its VFs). A thread that cannot be created leaves
 * its share to the others; the loop always completes.
 */
#include "vfio-wizard/parallel.h"
#include "vfio-wizard/common.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define PAR_MAX_THREADS 8
#define PAR_MAX_RUN 64 /* $VFIO_WIZARD_THREADS at most */

struct par_run {
	par_fn fn;
	void *arg;
	size_t n, chunk;
	size_t next;	  /* the next range's start, __atomic_fetch_add */
	size_t n_threads; /* started or not, the caller's excluded */
	pthread_t tid[PAR_MAX_RUN];
	bool started[PAR_MAX_RUN];
};

unsigned
par_threads(void)
{
	const char *env = getenv("VFIO_WIZARD_THREADS");
	long cpus;

	if (env != NULL && *env != '\0') {
		char *end;
		long v = strtol(env, &end, 10);

		if (*end == '\0' && v >= 1 && v <= PAR_MAX_RUN)
			return (unsigned)v;
	}
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		return 1;
	return cpus > PAR_MAX_THREADS ? PAR_MAX_THREADS : (unsigned)cpus;
}

/* Run ranges until none is left. */
static void *
par_worker(void *p)
{
	struct par_run *run = p;
	size_t lo;

	while ((lo = __atomic_fetch_add(
		    &run->next, run->chunk, __ATOMIC_RELAXED)) < run->n)
		run->fn(run->arg, lo,
		    run->n - lo < run->chunk ? run->n : lo + run->chunk);
	return NULL;
}

struct par_run *
par_start(size_t n, size_t min_per_thread, size_t chunk, par_fn fn, void *arg)
{
	struct par_run *run = xcalloc(1, sizeof *run);
	size_t want = par_threads(), k;

	run->fn = fn;
	run->arg = arg;
	run->n = n;
	run->chunk = chunk > 0 ? chunk : 1;
	if (min_per_thread == 0)
		min_per_thread = 1;
	if (want > n / min_per_thread)
		want = n / min_per_thread;
	/* the caller is one of the threads, at par_join */
	run->n_threads = want > 1 ? want - 1 : 0;
	for (k = 0; k < run->n_threads; k++)
		run->started[k] =
		    pthread_create(&run->tid[k], NULL, par_worker, run) == 0;
	return run;
}

void
par_join(struct par_run *run)
{
	size_t k;

	par_worker(run);
	for (k = 0; k < run->n_threads; k++)
		if (run->started[k])
			pthread_join(run->tid[k], NULL);
	free(run);
}

void
par_for(size_t n, size_t min_per_thread, size_t chunk, par_fn fn, void *arg)
{
	par_join(par_start(n, min_per_thread, chunk, fn, arg));
}
