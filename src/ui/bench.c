/*
 * bench.c: the measurement hook of bench/tui. With VFIO_WIZARD_BENCH=FILE
 * in the environment, every frame whose top screen differs from the
 * previous frame's appends "<screen id> <CLOCK_REALTIME in ns>" to FILE
 * once it is drawn, so a script can time the first full screen and the
 * opening of a screen from outside (date +%s%N reads the same clock).
 * Without the variable it costs one getenv per run.
 */
#include "ui.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void
ui_bench_mark(struct wiz *w)
{
	static const char *file, *last;
	static bool looked;
	struct ui_screen *top = ui_top(w);
	struct timespec now;
	int fd;

	if (!looked) {
		file = getenv("VFIO_WIZARD_BENCH");
		looked = true;
	}
	if (file == NULL || *file == '\0' || top == NULL ||
	    (last != NULL && strcmp(last, top->ops->id) == 0))
		return;
	last = top->ops->id;
	clock_gettime(CLOCK_REALTIME, &now);
	/* not a host file: the benchmark's own log, named by its caller */
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	dprintf(fd, "%s %lld%09ld\n", last, (long long)now.tv_sec,
	    (long)now.tv_nsec);
	close(fd);
}
