/*
 * test_sh_sandbox.c: the caged /bin/sh that verify uses to source the GRUB
 * files: an empty environment but PATH=<dir>/nonexistent (no command is
 * found by name, builtins still work), dir as the working directory, stdin
 * from /dev/null, no file can grow (RLIMIT_FSIZE 0), arguments that stay
 * data, stdout and stderr apart, and the time limit. The dir is a fixture
 * root below the test's $TMPDIR.
 */
#include "vfio-wizard/sh_sandbox.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dir;

static int
setup(void **state)
{
	(void)state;
	dir = fx_mkroot();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fx_rmroot(dir);
	return 0;
}

static struct sh_result
run(const char *script, const char *const *args, int timeout_ms)
{
	struct sh_result res;
	char *cause = NULL;

	if (sh_sandbox_run(dir, script, args, timeout_ms, &res, &cause) != 0)
		fail_msg("sh_sandbox_run: %s", cause);
	return res;
}

static void
test_environment(void **state)
{
	struct sh_result res;
	char *want;

	(void)state;
	res = run("printf '%s|%s|%s|' \"${HOME-unset}\" \"$PATH\" \"$(pwd)\"; "
		  "if command -v ls >/dev/null; then echo found; "
		  "else echo none; fi",
	    NULL, 5000);
	assert_int_equal(res.status, 0);
	assert_false(res.timed_out);
	want = xasprintf("unset|%s/nonexistent|%s|none\n", dir, dir);
	assert_string_equal(res.out, want);
	free(want);
	sh_result_free(&res);
	/* the builtin echo stands in, as for Debian's GRUB_DISTRIBUTOR */
	res = run("D=`lsb_release -i -s 2> /dev/null || echo Debian`; "
		  "printf '%s' \"$D\"",
	    NULL, 5000);
	assert_string_equal(res.out, "Debian");
	sh_result_free(&res);
	/* stdin is empty */
	res = run("if read x; then echo got; else echo eof; fi", NULL, 5000);
	assert_string_equal(res.out, "eof\n");
	sh_result_free(&res);
}

static void
test_args_are_data(void **state)
{
	const char *const args[] = {"$(echo no)", "a b;`c`", "\n", NULL};
	struct sh_result res;

	(void)state;
	res = run("printf '[%s]' \"$1\" \"$2\" \"$3\" \"$#\"", args, 5000);
	assert_string_equal(res.out, "[$(echo no)][a b;`c`][\n][3]");
	sh_result_free(&res);
}

static void
test_streams(void **state)
{
	struct sh_result res;

	(void)state;
	res = run("printf 'o\\000u'; echo e >&2; exit 3", NULL, 5000);
	assert_int_equal(res.status, 3);
	assert_int_equal(res.out_len, 3);
	assert_memory_equal(res.out, "o\0u", 3);
	assert_string_equal(res.err, "e\n");
	sh_result_free(&res);
}

/* Nothing can be written into a file, not even below $TMPDIR. */
static void
test_no_writes(void **state)
{
	char *path = xasprintf("%s/f", dir);
	const char *const args[] = {path, NULL};
	struct sh_result res;
	struct stat st;

	(void)state;
	res = run("(printf x > \"$1\"); echo \"$?\"", args, 5000);
	assert_int_equal(res.status, 0);
	/* the subshell dies of SIGXFSZ */
	assert_string_equal(res.out, "153\n");
	if (stat(path, &st) == 0)
		assert_int_equal(st.st_size, 0);
	sh_result_free(&res);
	free(path);
}

static void
test_timeout(void **state)
{
	struct sh_result res;

	(void)state;
	res = run("echo started; while :; do :; done", NULL, 300);
	assert_true(res.timed_out);
	assert_int_equal(res.status, 128 + 9);
	assert_string_equal(res.out, "started\n");
	sh_result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_environment),
	    cmocka_unit_test(test_args_are_data),
	    cmocka_unit_test(test_streams),
	    cmocka_unit_test(test_no_writes),
	    cmocka_unit_test(test_timeout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
