/*
 * test_grub_default.c: the /etc/default/grub codec evaluates the shell
 * subset grub-mkconfig sources (quotes, escapes, expansions, continuations,
 * export, grub.d override order), records byte spans, leaves command
 * substitution unrun and refuses what it does not understand.
 */
#include "vfio-wizard/grub_default.h"
#include "testutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Evaluate one file; returns the parse status. */
static int
eval1(const char *text, struct grub_env *env, char **cause)
{
	const char *names[] = {"/etc/default/grub"};
	const char *texts[] = {text};

	*cause = NULL;
	return grub_default_eval(names, texts, 1, env, cause);
}

static void
expect(const struct grub_env *env, const char *name, const char *value)
{
	const char *v = grub_env_get(env, name);

	if (value == NULL) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, value);
}

/* Debian bookworm's stock file, as the grub2 package installs it. */
static const char debian_stock[] =
    "# If you change this file, run 'update-grub' afterwards to update\n"
    "# /boot/grub/grub.cfg.\n"
    "# For full documentation of the options in this file, see:\n"
    "#   info -f grub -n 'Simple configuration'\n"
    "\n"
    "GRUB_DEFAULT=0\n"
    "GRUB_TIMEOUT=5\n"
    "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
    "GRUB_CMDLINE_LINUX=\"\"\n"
    "\n"
    "# Uncomment to disable graphical terminal (grub-pc only)\n"
    "#GRUB_TERMINAL=console\n";

static void
test_stock(void **state)
{
	struct grub_env env = GRUB_ENV_INIT;
	const char *reason;
	char *cause, *cl;

	(void)state;
	assert_int_equal(eval1(debian_stock, &env, &cause), 0);
	expect(&env, "GRUB_DEFAULT", "0");
	expect(&env, "GRUB_TIMEOUT", "5");
	expect(&env, "GRUB_CMDLINE_LINUX_DEFAULT", "quiet");
	expect(&env, "GRUB_CMDLINE_LINUX", "");
	expect(&env, "GRUB_TERMINAL", NULL);
	/* the backticks are never run: the variable is unknown, with why */
	assert_int_equal(
	    grub_env_lookup(&env, "GRUB_DISTRIBUTOR", NULL, &reason),
	    GRUB_VAR_UNKNOWN);
	assert_non_null(strstr(reason, "line 8"));
	assert_non_null(strstr(reason, "command substitution"));
	assert_int_equal(grub_default_cmdline(&env, &cl, &cause), 0);
	assert_string_equal(cl, "quiet");
	free(cl);
	grub_env_free(&env);
}

static void
test_quotes(void **state)
{
	struct grub_env env = GRUB_ENV_INIT;
	char *cause;

	(void)state;
	assert_int_equal(eval1("A='single $B \"x\" \\n'\n"
			       "B=\"dq \\\" \\\\ \\$C \\` \\n end\"\n"
			       "C=un\\ quoted\\$\n"
			       "D=a\"b c\"'d e'f\n"
			       "E=x#notacomment # a comment\n"
			       "F= G=2\n"
			       "H=$ I=\"a$\"\n"
			       "J=a~b:c\n",
			     &env, &cause),
	    0);
	expect(&env, "A", "single $B \"x\" \\n");
	expect(&env, "B", "dq \" \\ $C ` \\n end");
	expect(&env, "C", "un quoted$");
	expect(&env, "D", "ab cd ef");
	expect(&env, "E", "x#notacomment");
	expect(&env, "F", "");
	expect(&env, "G", "2");
	expect(&env, "H", "$");
	expect(&env, "I", "a$");
	expect(&env, "J", "a~b:c");
	grub_env_free(&env);
}

static void
test_expansion(void **state)
{
	struct grub_env env = GRUB_ENV_INIT;
	char *cause;

	(void)state;
	assert_int_equal(
	    eval1("BASE=\"quiet\"\n"
		  "GRUB_CMDLINE_LINUX_DEFAULT=\"$BASE intel_iommu=on\"\n"
		  "GRUB_CMDLINE_LINUX_DEFAULT=\"${GRUB_CMDLINE_LINUX_DEFAULT} "
		  "iommu=pt\"\n"
		  "X=$BASE${BASE}_$UNSET.$BASE_\n"
		  "A=1 B=$A; C=$B\n",
		&env, &cause),
	    0);
	expect(&env, "GRUB_CMDLINE_LINUX_DEFAULT",
	    "quiet intel_iommu=on iommu=pt");
	/* $BASE_ is the variable BASE_, unset */
	expect(&env, "X", "quietquiet_.");
	expect(&env, "B", "1");
	expect(&env, "C", "1");
	grub_env_free(&env);
}

static void
test_continuation_export(void **state)
{
	struct grub_env env = GRUB_ENV_INIT;
	struct grub_default *gd;
	char *cause;
	const char *text = "export GRUB_CMDLINE_LINUX=\"a \\\n"
			   "b\"\n"
			   "GRUB_CMDLINE_LINUX_DEFAULT=one\\\n"
			   "two \\\n"
			   "  Z=3\n"
			   "export Z\n"
			   "export\n";

	(void)state;
	assert_int_equal(eval1(text, &env, &cause), 0);
	expect(&env, "GRUB_CMDLINE_LINUX", "a b");
	expect(&env, "GRUB_CMDLINE_LINUX_DEFAULT", "onetwo");
	expect(&env, "Z", "3");

	assert_int_equal(grub_default_parse("f", text, &gd, &cause), 0);
	assert_int_equal(gd->n_assigns, 3);
	assert_true(gd->assigns[0].exported);
	assert_false(gd->assigns[1].exported);
	assert_int_equal(gd->assigns[0].line, 1);
	assert_int_equal(gd->assigns[1].line, 3);
	assert_int_equal(gd->assigns[2].line, 5);
	grub_default_free(gd);
	grub_env_free(&env);
}

static void
test_spans(void **state)
{
	struct grub_default *gd;
	char *cause;
	const char *text = "# c\nGRUB_TIMEOUT=5   GRUB_CMDLINE_LINUX=\"x y\" "
			   "# tail\n";
	const struct grub_assign *a;

	(void)state;
	assert_int_equal(grub_default_parse("f", text, &gd, &cause), 0);
	assert_int_equal(gd->n_assigns, 2);
	a = &gd->assigns[1];
	assert_string_equal(a->name, "GRUB_CMDLINE_LINUX");
	assert_int_equal(
	    a->end - a->start, strlen("GRUB_CMDLINE_LINUX=\"x y\""));
	assert_memory_equal(text + a->start, "GRUB_CMDLINE_LINUX=", 19);
	assert_memory_equal(
	    text + a->value_start, "\"x y\"", a->end - a->value_start);
	a = &gd->assigns[0];
	assert_memory_equal(text + a->start, "GRUB_TIMEOUT=5", 14);
	assert_int_equal(a->end, a->start + 14);
	grub_default_free(gd);
}

static void
test_grub_d_order(void **state)
{
	struct grub_env env = GRUB_ENV_INIT;
	const char *names[] = {"/etc/default/grub",
	    "/etc/default/grub.d/50-a.cfg", "/etc/default/grub.d/90-b.cfg"};
	const char *texts[] = {
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT "
	    "intel_iommu=on\"\n",
	    "GRUB_CMDLINE_LINUX=\"root=ZFS=rpool/ROOT/pve-1 boot=zfs\"\n",
	};
	char *cause = NULL, *cl;

	(void)state;
	assert_int_equal(grub_default_eval(names, texts, 3, &env, &cause), 0);
	assert_int_equal(grub_default_cmdline(&env, &cl, &cause), 0);
	assert_string_equal(
	    cl, "root=ZFS=rpool/ROOT/pve-1 boot=zfs quiet intel_iommu=on");
	free(cl);
	grub_env_free(&env);
}

static void
expect_unknown_cmdline(const char *text, const char *needle)
{
	struct grub_env env = GRUB_ENV_INIT;
	char *cause, *cl = NULL;

	assert_int_equal(eval1(text, &env, &cause), 0);
	assert_int_equal(grub_default_cmdline(&env, &cl, &cause), -EINVAL);
	assert_null(cl);
	assert_non_null(strstr(cause, needle));
	free(cause);
	grub_env_free(&env);
}

static void
test_substitution_not_run(void **state)
{
	(void)state;
	expect_unknown_cmdline("GRUB_CMDLINE_LINUX=\"$(cat /etc/x)\"\n",
	    "'GRUB_CMDLINE_LINUX': '/etc/default/grub' line 1: command "
	    "substitution '$(' is not run");
	expect_unknown_cmdline("GRUB_CMDLINE_LINUX_DEFAULT=`echo quiet`\n",
	    "command substitution '`' is not run");
	expect_unknown_cmdline("\n\nX=\"a `date` b\"\nGRUB_CMDLINE_LINUX=$X\n",
	    "'GRUB_CMDLINE_LINUX' uses 'X': '/etc/default/grub' line 3");
	expect_unknown_cmdline(
	    "GRUB_CMDLINE_LINUX=$((1+2))\n", "arithmetic expansion");
	expect_unknown_cmdline("GRUB_CMDLINE_LINUX=~/x\n", "tilde");
	expect_unknown_cmdline("GRUB_CMDLINE_LINUX=$(echo \"a)\" 'b)' "
			       "$(x))\n",
	    "command substitution");
}

static void
expect_refused(const char *text, const char *needle)
{
	struct grub_default *gd = NULL;
	char *cause = NULL;

	assert_int_equal(
	    grub_default_parse("/etc/default/grub", text, &gd, &cause),
	    -EINVAL);
	assert_null(gd);
	assert_non_null(cause);
	if (strstr(cause, needle) == NULL)
		fail_msg("'%s': cause '%s' lacks '%s'", text, cause, needle);
	free(cause);
}

static void
test_refused(void **state)
{
	(void)state;
	expect_refused("A=1\n$(rm -rf /)\n",
	    "'/etc/default/grub' line 2: unsupported shell command '$(rm'");
	expect_refused("`touch x`\n", "line 1");
	expect_refused(
	    "if true; then A=1; fi\n", "unsupported shell command 'if'");
	expect_refused(". /etc/foo\n", "unsupported shell command '.'");
	expect_refused("source /etc/foo\n", "unsupported shell command");
	expect_refused("f() { A=1; }\n", "unsupported shell command 'f()'");
	expect_refused(
	    "setup_grub\n", "unsupported shell command 'setup_grub'");
	expect_refused("A=1 cmd\n", "unsupported shell command 'cmd'");
	expect_refused("A=\"open\n", "line 1: unterminated double quote");
	expect_refused("\nA='open\n", "line 2: unterminated single quote");
	expect_refused("A=`open\n", "unterminated command substitution");
	expect_refused("A=$(open\n", "unterminated command substitution");
	expect_refused("A=${B:-x}\n", "unsupported parameter expansion");
	expect_refused("A=${#B}\n", "unsupported parameter expansion");
	expect_refused("A=$1\n", "special parameter '$1'");
	expect_refused("A=\"$@\"\n", "special parameter '$@'");
	expect_refused("A=1 > /tmp/x\n", "unsupported shell operator '>'");
	expect_refused("A=1|B=2\n", "unsupported shell operator '|'");
	expect_refused("A=1 && B=2\n", "unsupported shell operator '&'");
	expect_refused(";\n", "unexpected ';'");
	expect_refused("export -n A\n", "unsupported shell command '-n'");
}

static void
test_empty_and_unset(void **state)
{
	struct grub_env env = GRUB_ENV_INIT;
	char *cause, *cl;

	(void)state;
	assert_int_equal(eval1("", &env, &cause), 0);
	assert_int_equal(eval1("   \n\t\n# only comments\n", &env, &cause), 0);
	assert_int_equal(env.n, 0);
	assert_int_equal(grub_default_cmdline(&env, &cl, &cause), 0);
	assert_string_equal(cl, "");
	free(cl);
	grub_env_free(&env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stock),
	    cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_expansion),
	    cmocka_unit_test(test_continuation_export),
	    cmocka_unit_test(test_spans),
	    cmocka_unit_test(test_grub_d_order),
	    cmocka_unit_test(test_substitution_not_run),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_empty_and_unset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
