/*
 * test_parallel.c: par_for and par_start/par_join visit every index once,
 * in ranges of at most the chunk, on 1 to 7 threads ($VFIO_WIZARD_THREADS),
 * for loops of 0 iterations, fewer than a chunk, and many; the caller's
 * work between par_start and par_join runs while the loop does.
 */
#include "vfio-wizard/common.h"
#include "vfio-wizard/parallel.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

struct visits {
	unsigned *count; /* one per index, added to atomically */
	size_t chunk;
	unsigned oversized; /* ranges longer than the chunk */
};

static void
visit(void *arg, size_t lo, size_t hi)
{
	struct visits *v = arg;
	size_t i;

	if (hi - lo > v->chunk)
		__atomic_fetch_add(&v->oversized, 1, __ATOMIC_RELAXED);
	for (i = lo; i < hi; i++)
		__atomic_fetch_add(&v->count[i], 1, __ATOMIC_RELAXED);
}

/* Each index of [0, n) seen once by a loop on `threads` threads. */
static void
check_loop(const char *threads, size_t n, size_t min, size_t chunk, bool split)
{
	struct visits v = {NULL, chunk > 0 ? chunk : 1, 0};
	size_t i;

	setenv("VFIO_WIZARD_THREADS", threads, 1);
	v.count = xcalloc(n + 1, sizeof *v.count);
	if (split) {
		struct par_run *run = par_start(n, min, chunk, visit, &v);

		par_join(run);
	} else
		par_for(n, min, chunk, visit, &v);
	for (i = 0; i < n; i++)
		assert_int_equal(v.count[i], 1);
	assert_int_equal(v.count[n], 0);
	assert_int_equal(v.oversized, 0);
	free(v.count);
}

static void
test_every_index_once(void **state)
{
	static const char *const threads[] = {"1", "2", "3", "7"};
	static const size_t sizes[] = {0, 1, 5, 63, 64, 65, 1000, 4096};
	size_t t, s;

	(void)state;
	for (t = 0; t < sizeof threads / sizeof *threads; t++)
		for (s = 0; s < sizeof sizes / sizeof *sizes; s++) {
			check_loop(threads[t], sizes[s], 1, 64, false);
			check_loop(threads[t], sizes[s], 256, 7, true);
			check_loop(threads[t], sizes[s], 0, 0, false);
		}
	unsetenv("VFIO_WIZARD_THREADS");
}

static void
test_thread_count(void **state)
{
	(void)state;
	setenv("VFIO_WIZARD_THREADS", "5", 1);
	assert_int_equal(par_threads(), 5);
	/* not a count from 1 to 64: the online CPUs, at most 8 */
	setenv("VFIO_WIZARD_THREADS", "0", 1);
	assert_in_range(par_threads(), 1, 8);
	setenv("VFIO_WIZARD_THREADS", "65", 1);
	assert_in_range(par_threads(), 1, 8);
	setenv("VFIO_WIZARD_THREADS", "2x", 1);
	assert_in_range(par_threads(), 1, 8);
	unsetenv("VFIO_WIZARD_THREADS");
	assert_in_range(par_threads(), 1, 8);
}

/* The caller works between par_start and par_join while threads run. */
static void
test_caller_works_meanwhile(void **state)
{
	struct visits v = {NULL, 16, 0};
	struct par_run *run;
	size_t i, n = 2000;
	unsigned mine = 0;

	(void)state;
	setenv("VFIO_WIZARD_THREADS", "3", 1);
	v.count = xcalloc(n, sizeof *v.count);
	run = par_start(n, 1, 16, visit, &v);
	for (i = 0; i < 1000; i++)
		mine++;
	par_join(run);
	assert_int_equal(mine, 1000);
	for (i = 0; i < n; i++)
		assert_int_equal(v.count[i], 1);
	free(v.count);
	unsetenv("VFIO_WIZARD_THREADS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_index_once),
	    cmocka_unit_test(test_thread_count),
	    cmocka_unit_test(test_caller_works_meanwhile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
