/*
 * test_lock.c: one vfio-wizard at a time: of two processes started
 * together, exactly one gets the instance lock, every round; a killed
 * holder leaves no stale lock; qemu-server's per-VM lock is waited for up
 * to its timeout; planted symlinks in the state directory are refused.
 */
#include "vfio-wizard/lock.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 200

static int
setup(void **state)
{
	*state = fx_mkroot();
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

static struct root *
open_root(const char *t)
{
	struct root *r;

	assert_int_equal(root_open(t, &r), 0);
	return r;
}

static void
test_instance_excludes(void **state)
{
	const char *t = *state;
	struct root *r = open_root(t);
	struct lock *a, *b;
	char *cause, *want, *p;
	struct stat st;

	assert_int_equal(lock_instance(r, &a, &cause), 0);
	assert_null(cause);
	p = xasprintf("%s" STATE_DIR, t);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	free(p);
	p = xasprintf("%s" STATE_DIR "/lock", t);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(p);
	/* a second open file description: refused, naming the holder */
	assert_int_equal(lock_instance(r, &b, &cause), -EBUSY);
	assert_null(b);
	want = xasprintf(
	    "another vfio-wizard is running (pid %ld)", (long)getpid());
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	lock_release(a);
	assert_int_equal(lock_instance(r, &b, &cause), 0);
	lock_release(b);
	lock_release(NULL);
	root_free(r);
}

/* A child of the race: wait for the start, try, report, hold till told. */
static void
racer(const char *t, int start, int report, int done)
{
	struct root *r;
	struct lock *l = NULL;
	char c, *cause = NULL;

	if (root_open(t, &r) < 0 || read(start, &c, 1) != 1)
		_exit(2);
	c = lock_instance(r, &l, &cause) == 0 ? 'Y' : 'N';
	if (write(report, &c, 1) != 1 || read(done, &c, 1) < 0)
		_exit(3);
	_exit(l != NULL ? 0 : 1); /* the lock goes with the process */
}

static void
test_two_at_once(void **state)
{
	const char *t = *state;
	int round, i;

	for (round = 0; round < ROUNDS; round++) {
		int start[2], report[2], done[2], yes = 0, status;
		pid_t pid[2];
		char c;

		assert_int_equal(pipe(start), 0);
		assert_int_equal(pipe(report), 0);
		assert_int_equal(pipe(done), 0);
		for (i = 0; i < 2; i++) {
			pid[i] = fork();
			assert_true(pid[i] >= 0);
			if (pid[i] == 0) {
				close(start[1]);
				close(report[0]);
				close(done[1]);
				racer(t, start[0], report[1], done[0]);
			}
		}
		close(start[0]);
		close(report[1]);
		close(done[0]);
		assert_int_equal(write(start[1], "gg", 2), 2); /* go, both */
		for (i = 0; i < 2; i++) {
			assert_int_equal(read(report[0], &c, 1), 1);
			yes += c == 'Y';
		}
		if (yes != 1)
			fail_msg(
			    "round %d: %d processes got the lock", round, yes);
		close(done[1]); /* both may end now */
		for (i = 0; i < 2; i++)
			assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		close(start[1]);
		close(report[0]);
	}
	print_message(
	    "# %d rounds: exactly one of two proceeded each time\n", ROUNDS);
}

static void
test_released_when_holder_dies(void **state)
{
	const char *t = *state;
	struct root *r = open_root(t);
	struct lock *l;
	int ready[2], status;
	char c, *cause;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		if (lock_instance(r, &l, &cause) < 0 ||
		    write(ready[1], "Y", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(lock_instance(r, &l, &cause), -EBUSY);
	free(cause);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(lock_instance(r, &l, &cause), 0);
	lock_release(l);
	root_free(r);
}

static void
test_lock_vm(void **state)
{
	const char *t = *state;
	struct root *r;
	struct lock *a, *b;
	struct timespec t0, t1;
	char *cause, *p;

	/* Debian: /var/lock -> /run/lock, resolved inside the root */
	fx_mkdir(t, "/run/lock");
	fx_symlink(t, "/var/lock", "/run/lock");
	r = open_root(t);
	assert_int_equal(lock_vm(r, 100, 5, &a, &cause), 0);
	p = xasprintf("%s/run/lock/qemu-server/lock-100.conf", t);
	assert_int_equal(access(p, F_OK), 0);
	free(p);
	/* another VM is another lock */
	assert_int_equal(lock_vm(r, 101, 0, &b, &cause), 0);
	lock_release(b);
	/* the same VM: waited for, then refused */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(lock_vm(r, 100, 1, &b, &cause), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec >= 1);
	assert_null(b);
	assert_non_null(strstr(cause, "cannot lock VM 100"));
	assert_non_null(strstr(cause, "lock-100.conf"));
	free(cause);
	lock_release(a);
	assert_int_equal(lock_vm(r, 100, 0, &b, &cause), 0);
	lock_release(b);
	assert_int_equal(lock_vm(r, 7, 0, &b, &cause), -EINVAL);
	free(cause);
	root_free(r);
}

static void
test_state_dir_links(void **state)
{
	const char *t = *state;
	struct root *r;
	struct lock *l;
	char *cause, *p;

	/* the state directory planted as a link to /etc */
	fx_mkdir(t, "/etc");
	fx_symlink(t, STATE_DIR, "/etc");
	r = open_root(t);
	assert_true(lock_instance(r, &l, &cause) < 0);
	assert_null(l);
	assert_non_null(strstr(cause, "'" STATE_DIR "'"));
	free(cause);
	p = xasprintf("%s/etc/lock", t);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	root_free(r);

	/* the lock file planted as a link */
	p = xasprintf("%s" STATE_DIR, t);
	assert_int_equal(unlink(p), 0);
	free(p);
	fx_symlink(t, STATE_DIR "/lock", "../../../etc/shadow");
	r = open_root(t);
	assert_int_equal(lock_instance(r, &l, &cause), -ELOOP);
	free(cause);
	p = xasprintf("%s/etc/shadow", t);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	root_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_instance_excludes),
	    T(test_two_at_once),
	    T(test_released_when_holder_dies),
	    T(test_lock_vm),
	    T(test_state_dir_links),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
