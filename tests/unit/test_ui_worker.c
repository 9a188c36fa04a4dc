/*
 * test_ui_worker.c: the wizard's worker thread (src/ui/worker.c): progress
 * lines and command output (split into lines, a carriage return keeping
 * what follows it, a last line without newline) reach the UI thread
 * through the queue, the self-pipe wakes it, and the job's value arrives.
 */
#include "testutil.h"

#include "../../src/ui/worker.h"
#include "vfio-wizard/engine.h"

#include <poll.h>
#include <string.h>

static int
job(const struct engine_ui *ui, void *arg)
{
	(void)arg;
	ui->progress("writing '/etc/default/grub'", ui->arg);
	ui->output("Generating grub", 15, ui->arg);
	ui->output(" configuration file ...\nFound linux\n", 36, ui->arg);
	ui->output("10%\r50%\r100%\n", 13, ui->arg);
	ui->output("done", 4, ui->arg);
	return 42;
}

static void
test_worker_lines(void **state)
{
	struct ui_lines log = UI_LINES_INIT;
	struct ui_worker *w;
	struct pollfd pfd;
	char *cause = NULL;
	int rc = -1, spins = 0;

	(void)state;
	w = ui_worker_start(job, NULL, &cause);
	assert_non_null(w);
	for (;;) {
		pfd.fd = ui_worker_fd(w);
		pfd.events = POLLIN;
		assert_true(poll(&pfd, 1, 5000) == 1);
		if (ui_worker_drain(w, &log, &rc))
			break;
		assert_true(++spins < 1000);
	}
	ui_worker_free(w);
	assert_int_equal(rc, 42);
	assert_int_equal(log.n, 5);
	assert_string_equal(log.v[0].text, "writing '/etc/default/grub'");
	assert_int_equal(log.v[0].role, UI_ROLE_NORMAL);
	assert_string_equal(
	    log.v[1].text, "Generating grub configuration file ...");
	assert_int_equal(log.v[1].role, UI_ROLE_DIM);
	assert_string_equal(log.v[2].text, "Found linux");
	assert_string_equal(log.v[3].text, "100%");
	assert_string_equal(log.v[4].text, "done");
	ui_lines_free(&log);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_worker_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
