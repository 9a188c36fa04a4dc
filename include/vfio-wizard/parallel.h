/*
 * parallel.h: a loop whose iterations run on several threads, for probes
 * that read thousands of sysfs entries (a host with 4,096 SR-IOV functions
 * costs some 80,000 system calls; they scale with the cores).
 */
#ifndef VW_PARALLEL_H
#define VW_PARALLEL_H

#include <stddef.h>

/*
 * The iterations [lo, hi) of a loop: a range lets one thread keep what
 * neighbouring iterations share (an open parent directory) for the whole
 * range. fn must touch only what its indexes own, and what no iteration
 * writes.
 */
typedef void (*par_fn)(void *arg, size_t lo, size_t hi);

/*
 * Start the loop over [0, n) in ranges of at most chunk iterations on up to
 * par_threads() threads, the caller's among them, and return at once: the
 * other threads have begun, and the caller can do other work before
 * par_join. With fewer than min_per_thread iterations a thread, fewer
 * threads are used; with one, par_join runs the whole loop.
 */
struct par_run;
struct par_run *par_start(
    size_t n, size_t min_per_thread, size_t chunk, par_fn fn, void *arg);

/* Take the caller's share of what is left, wait for the rest, free run. */
void par_join(struct par_run *run);

/* par_start and par_join at once. */
void par_for(
    size_t n, size_t min_per_thread, size_t chunk, par_fn fn, void *arg);

/*
 * The threads a loop may use: $VFIO_WIZARD_THREADS when it is a number
 * from 1 to 64, else the online CPUs, at most 8.
 */
unsigned par_threads(void);

#endif
