/*
 * test_exec.c: the command runner on fixture roots: the fake commands a
 * host spec replays (argv logged, output, told to fail or hang), the clean
 * environment, output captured and streamed, exit status, the time limit
 * (SIGTERM, then SIGKILL), missing commands, the output cap, no descriptor
 * leaking into the child and no zombie left; and the spec's commands: map.
 */
#include "vfio-wizard/exec.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"
#include "vfio-wizard/strbuf.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAKE_LOG "/var/log/vfio-wizard-fake-commands.log"

static const char spec_pve[] =
    "spec: 1\n"
    "name: fake-commands\n"
    "source: test_exec.c\n"
    "hostname: pve1\n"
    "pve:\n"
    "  version: 8.1.4\n"
    "commands:\n"
    "  update-initramfs: { exit: 1, output: \"E: it's broken\\n\" }\n"
    "  proxmox-boot-tool: { hang: true, output: \"refreshing\\n\" }\n"
    "  pve-efiboot-tool: {}\n";

static const char spec_plain[] = "spec: 1\n"
				 "name: plain-debian\n"
				 "source: test_exec.c\n";

struct fixture {
	char *dir;
	struct root *root;
};

/* Collects what the callback is handed. */
struct sink {
	struct strbuf sb;
	size_t calls;
	const char *dir; /* set: create <dir>/go when "first" arrives */
};

static void
collect(const char *chunk, size_t len, void *arg)
{
	struct sink *s = arg;

	sb_add(&s->sb, chunk, len);
	s->calls++;
	if (s->dir != NULL && strstr(sb_str(&s->sb), "first\n") != NULL) {
		fx_write(s->dir, "/go", "go\n");
		s->dir = NULL;
	}
}

/* Replay a spec into a fresh root and open it. */
static void
replay(struct fixture *f, const char *yaml)
{
	struct host_spec *s;
	char *cause = NULL;

	if (spec_load_buffer(yaml, strlen(yaml), "t.yaml", &s, &cause) < 0)
		fail_msg("spec: %s", cause);
	if (spec_replay_temp(s, &f->dir, &cause) < 0)
		fail_msg("replay: %s", cause);
	spec_free(s);
	assert_int_equal(root_open(f->dir, &f->root), 0);
}

static int
setup_pve(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	replay(f, spec_pve);
	*state = f;
	return 0;
}

static int
setup_plain(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	replay(f, spec_plain);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	root_free(f->root);
	spec_remove_tree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A script of our own at /usr/sbin/<name> in the fixture. */
static void
script(const struct fixture *f, const char *name, const char *body)
{
	char *rel = xasprintf("/usr/sbin/%s", name);
	char *abs = xasprintf("%s%s", f->dir, rel);

	fx_write(f->dir, rel, "#!/bin/sh\n%s", body);
	assert_int_equal(chmod(abs, 0755), 0);
	free(rel);
	free(abs);
}

static char *
read_log(const struct fixture *f)
{
	char *text = NULL;
	size_t len;

	if (root_read(f->root, FAKE_LOG, &text, &len) < 0)
		return xstrdup("");
	return text;
}

static void
run_ok(const struct fixture *f, const char *const *argv, int timeout,
    struct sink *sink, struct exec_result *res)
{
	char *cause = NULL;
	int err;

	err = exec_run(f->root, argv, timeout, sink != NULL ? collect : NULL,
	    sink, res, &cause);
	if (err < 0)
		fail_msg("exec_run %s: %s", argv[0], cause);
	assert_null(cause);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* No child of ours is left, not even a zombie. */
static void
assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void
test_default_commands(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"update-grub", "-o", "a b", NULL};
	const char *const qm[] = {
	    "qm", "set", "100", "--hostpci0", "00:02.0", NULL};
	struct sink sink = {STRBUF_INIT, 0, NULL};
	struct exec_result res;
	char *log, *path;

	path = exec_which(f->root, "update-grub");
	assert_non_null(path);
	assert_true(str_startswith(path, f->dir));
	assert_string_equal(path + strlen(f->dir), "/usr/sbin/update-grub");
	free(path);
	run_ok(f, argv, 10, &sink, &res);
	assert_int_equal(res.status, 0);
	assert_false(res.timed_out);
	assert_string_equal(
	    res.output, "Generating grub configuration file ...\ndone\n");
	assert_int_equal(res.output_len, strlen(res.output));
	/* the callback saw exactly what was captured */
	assert_true(sink.calls >= 1);
	assert_string_equal(sb_str(&sink.sb), res.output);
	exec_result_free(&res);
	run_ok(f, qm, 10, NULL, &res);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.output, "");
	exec_result_free(&res);
	log = read_log(f);
	assert_string_equal(log, "update-grub\t-o\ta b\n"
				 "qm\tset\t100\t--hostpci0\t00:02.0\n");
	free(log);
	sb_release(&sink.sb);
	assert_no_children();
}

static void
test_told_to_fail(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {
	    "update-initramfs", "-u", "-k", "all", NULL};
	const char *const extra[] = {"pve-efiboot-tool", NULL};
	struct exec_result res;
	char *log;

	run_ok(f, argv, 10, NULL, &res);
	assert_int_equal(res.status, 1);
	assert_false(res.timed_out);
	assert_string_equal(res.output, "E: it's broken\n");
	exec_result_free(&res);
	/* a command only the spec names */
	run_ok(f, extra, 10, NULL, &res);
	assert_int_equal(res.status, 0);
	exec_result_free(&res);
	log = read_log(f);
	assert_string_equal(
	    log, "update-initramfs\t-u\t-k\tall\npve-efiboot-tool\n");
	free(log);
	assert_no_children();
}

static void
test_hang_is_killed(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"proxmox-boot-tool", "refresh", NULL};
	struct exec_result res;
	struct timespec t0;
	double took;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_ok(f, argv, 1, NULL, &res);
	took = seconds_since(&t0);
	assert_true(res.timed_out);
	assert_int_equal(res.status, 128 + 15); /* SIGTERM was enough */
	assert_string_equal(res.output, "refreshing\n");
	assert_true(took >= 0.9 && took < 1.9);
	exec_result_free(&res);
	assert_no_children();
}

static void
test_term_ignored_then_killed(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"stubborn", NULL};
	struct exec_result res;
	struct timespec t0;
	double took;

	script(f, "stubborn",
	    "trap '' TERM\necho started\n"
	    "while :; do kill -STOP $$; done\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_ok(f, argv, 1, NULL, &res);
	took = seconds_since(&t0);
	assert_true(res.timed_out);
	assert_int_equal(res.status, 128 + 9);
	assert_string_equal(res.output, "started\n");
	assert_true(took >= 2.9 && took < 5.0); /* 1 s + the 2 s grace */
	exec_result_free(&res);
	assert_no_children();
}

static void
test_clean_environment(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"showenv", NULL};
	struct exec_result res;
	char *want, *line, *save = NULL;

	script(f, "showenv",
	    "export -p\necho \"cwd=$PWD\"\n"
	    "if read x; then echo stdin=data; "
	    "else echo stdin=eof; fi\n");
	/* junk in our own environment must not get through */
	setenv("VW_TEST_SECRET", "leak", 1);
	setenv("LD_LIBRARY_PATH", "/nowhere", 1);
	run_ok(f, argv, 10, NULL, &res);
	unsetenv("VW_TEST_SECRET");
	unsetenv("LD_LIBRARY_PATH");
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(
	    res.output, "export PATH='/usr/sbin:/usr/bin:/sbin:/bin'\n"));
	assert_non_null(strstr(res.output, "export LC_ALL='C'\n"));
	assert_non_null(strstr(res.output, "export LANG='C'\n"));
	assert_non_null(strstr(res.output, "export HOME='/root'\n"));
	assert_non_null(strstr(res.output, "export TERM='dumb'\n"));
	want = xasprintf("export VFIO_WIZARD_ROOT='%s'\n", f->dir);
	assert_non_null(strstr(res.output, want));
	free(want);
	want = xasprintf("cwd=%s\n", f->dir);
	assert_non_null(strstr(res.output, want));
	free(want);
	assert_non_null(strstr(res.output, "stdin=eof\n"));
	/* nothing else, but what the test's tripwire carries into children */
	for (line = strtok_r(res.output, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		static const char *const ok[] = {
		    "export PATH=", "export LC_ALL=", "export LANG=",
		    "export HOME=", "export TERM=", "export VFIO_WIZARD_ROOT=",
		    "export LD_PRELOAD=", "export ASAN_OPTIONS=",
		    "export TRIPWIRE_", "export PWD=", "cwd=", "stdin=", NULL};
		size_t i;

		for (i = 0; ok[i] != NULL; i++)
			if (str_startswith(line, ok[i]))
				break;
		if (ok[i] == NULL)
			fail_msg("unexpected in the environment: %s", line);
	}
	exec_result_free(&res);
}

static void
test_status_and_stderr(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"mixed", NULL};
	const char *const selfkill[] = {"selfkill", NULL};
	struct exec_result res;

	script(f, "mixed", "echo out\necho err >&2\nexit 3\n");
	run_ok(f, argv, 10, NULL, &res);
	assert_int_equal(res.status, 3);
	assert_string_equal(res.output, "out\nerr\n");
	exec_result_free(&res);
	/* killed by a signal: 128 + the signal */
	script(f, "selfkill", "echo bye\nkill -KILL $$\n");
	run_ok(f, selfkill, 10, NULL, &res);
	assert_int_equal(res.status, 128 + 9);
	assert_false(res.timed_out);
	assert_string_equal(res.output, "bye\n");
	exec_result_free(&res);
	assert_no_children();
}

static void
test_streams_live(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"stream", NULL};
	struct sink sink = {STRBUF_INIT, 0, f->dir};
	struct exec_result res;

	/* "second" only comes once the callback has seen "first" */
	script(f, "stream",
	    "echo first\n"
	    "while [ ! -e \"$VFIO_WIZARD_ROOT/go\" ]; do :; done\n"
	    "echo second\n");
	run_ok(f, argv, 5, &sink, &res);
	assert_false(res.timed_out);
	assert_int_equal(res.status, 0);
	assert_string_equal(res.output, "first\nsecond\n");
	assert_string_equal(sb_str(&sink.sb), res.output);
	assert_true(sink.calls >= 2);
	exec_result_free(&res);
	sb_release(&sink.sb);
}

static void
test_missing_and_bad_names(void **state)
{
	struct fixture *f = *state;
	const char *const missing[] = {"qm", NULL};
	const char *const slash[] = {"/bin/sh", NULL};
	const char *const dots[] = {"..", NULL};
	const char *const escape[] = {"escape", NULL};
	const char *const plain[] = {"notexec", NULL};
	struct exec_result res;
	char *cause = NULL;

	/* a plain Debian host has no qm */
	assert_null(exec_which(f->root, "qm"));
	assert_int_equal(
	    exec_run(f->root, missing, 5, NULL, NULL, &res, &cause), -ENOENT);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "command 'qm' not found"));
	free(cause);
	cause = NULL;
	assert_int_equal(
	    exec_run(f->root, slash, 5, NULL, NULL, &res, &cause), -EINVAL);
	assert_non_null(strstr(cause, "'/bin/sh'"));
	free(cause);
	cause = NULL;
	assert_int_equal(
	    exec_run(f->root, dots, 5, NULL, NULL, &res, &cause), -EINVAL);
	free(cause);
	cause = NULL;
	/* a link to the host's /bin/sh resolves inside the root: absent */
	fx_symlink(f->dir, "/usr/sbin/escape", "/bin/sh");
	assert_null(exec_which(f->root, "escape"));
	assert_int_equal(
	    exec_run(f->root, escape, 5, NULL, NULL, &res, &cause), -ENOENT);
	free(cause);
	cause = NULL;
	/* not executable: not a command */
	fx_write(f->dir, "/usr/bin/notexec", "#!/bin/sh\nexit 0\n");
	assert_null(exec_which(f->root, "notexec"));
	assert_int_equal(
	    exec_run(f->root, plain, 5, NULL, NULL, &res, &cause), -ENOENT);
	free(cause);
	/* a relative link inside the root is followed, and stays inside */
	fx_symlink(f->dir, "/usr/sbin/grub-alias", "update-grub");
	cause = exec_which(f->root, "grub-alias");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "/usr/sbin/update-grub"));
	free(cause);
}

static void
test_output_cap(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"chatty", NULL};
	struct sink sink = {STRBUF_INIT, 0, NULL};
	struct exec_result res;
	const size_t total = 2048 * 1024, cap = 1024 * 1024;

	/* 2 MiB: 2048 lines of 1023 'x' and a newline */
	script(f, "chatty",
	    "l=x; i=0\n"
	    "while [ $i -lt 10 ]; do l=$l$l; i=$((i + 1)); done\n"
	    "l=${l%x}\n"
	    "i=0\n"
	    "while [ $i -lt 2048 ]; do echo \"$l\"; i=$((i + 1)); done\n");
	run_ok(f, argv, 30, &sink, &res);
	assert_int_equal(res.status, 0);
	assert_int_equal(sink.sb.len, total); /* the callback saw it all */
	assert_int_equal(res.output_dropped, total - cap);
	assert_true(res.output_len > cap && res.output_len < cap + 100);
	assert_non_null(
	    strstr(res.output + cap, "1048576 more bytes of output not kept"));
	assert_int_equal(strlen(res.output), res.output_len);
	exec_result_free(&res);
	sb_release(&sink.sb);
}

static void
test_no_fd_leaks(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {"fds", NULL};
	struct exec_result res;
	char *path = xasprintf("%s/etc-leak", f->dir), *line, *save = NULL;
	int fd, pipefd[2];

	/* the shell keeps its script open (dash at fd 10): marked "script" */
	script(f, "fds",
	    "for f in /proc/$$/fd/*; do\n"
	    "\tif [ \"$f\" -ef \"$0\" ]; then echo script; "
	    "else echo \"${f##*/}\"; fi\n"
	    "done\n");
	/* descriptors without close-on-exec, as careless code leaves them */
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 50), 50);
	assert_int_equal(pipe(pipefd), 0);
	run_ok(f, argv, 10, NULL, &res);
	close(fd);
	close(50);
	close(pipefd[0]);
	close(pipefd[1]);
	assert_int_equal(res.status, 0);
	/* 0, 1, 2 and the directory the shell's glob is reading */
	for (line = strtok_r(res.output, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "script") != 0 && atoi(line) > 3)
			fail_msg("descriptor %s leaked into the child", line);
	}
	exec_result_free(&res);
	free(path);
}

static void
test_spec_commands_rejected(void **state)
{
	static const char *const bad[] = {
	    "commands:\n  \"a/b\": {}\n",
	    "commands:\n  update-grub: { exitt: 0 }\n",
	    "commands:\n  update-grub: { exit: 256 }\n",
	    "commands:\n  update-grub: { hang: yes }\n",
	    "commands:\n  update-grub: 1\n",
	    "commands:\n  qm: {}\n  qm: {}\n",
	    "files:\n  /usr/sbin/update-grub: \"x\"\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		char *yaml = xasprintf("%s%s", spec_plain, bad[i]);
		struct host_spec *s = NULL;
		char *cause = NULL;

		assert_int_equal(
		    spec_load_buffer(yaml, strlen(yaml), "t.yaml", &s, &cause),
		    -EINVAL);
		assert_null(s);
		assert_non_null(cause);
		assert_true(str_startswith(cause, "t.yaml:"));
		free(cause);
		free(yaml);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_default_commands, setup_pve, teardown),
	    cmocka_unit_test_setup_teardown(
		test_told_to_fail, setup_pve, teardown),
	    cmocka_unit_test_setup_teardown(
		test_hang_is_killed, setup_pve, teardown),
	    cmocka_unit_test_setup_teardown(
		test_term_ignored_then_killed, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(
		test_clean_environment, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(
		test_status_and_stderr, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(
		test_streams_live, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(
		test_missing_and_bad_names, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(
		test_output_cap, setup_plain, teardown),
	    cmocka_unit_test_setup_teardown(
		test_no_fd_leaks, setup_plain, teardown),
	    cmocka_unit_test(test_spec_commands_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
