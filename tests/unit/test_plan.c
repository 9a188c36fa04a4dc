/*
 * test_plan.c: the unified diff (known outputs, and a property: applying
 * the diff to a gives b, over thousands of random edits) and the plan (a
 * file changed by two steps is one change, a change back to the bytes on
 * disk drops out, commands are kept once).
 */
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static char *
diff(const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	diff_unified(a, a != NULL ? strlen(a) : 0, b, b != NULL ? strlen(b) : 0,
	    "a/f", "b/f", &sb);
	return sb_detach(&sb);
}

static void
test_known(void **state)
{
	char *d;

	(void)state;
	d = diff("GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n",
	    "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet "
	    "intel_iommu=on\"\n");
	assert_string_equal(d,
	    "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n GRUB_DEFAULT=0\n"
	    "-GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
	    "+GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"\n");
	free(d);
	d = diff(NULL, "vfio\nvfio_pci\n");
	assert_string_equal(
	    d, "--- a/f\n+++ b/f\n@@ -0,0 +1,2 @@\n+vfio\n+vfio_pci\n");
	free(d);
	d = diff("x", "x\n");
	assert_string_equal(d, "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n"
			       "\\ No newline at end of file\n+x\n");
	free(d);
	d = diff("same\n", "same\n");
	assert_string_equal(d, "--- a/f\n+++ b/f\n");
	free(d);
	/* two changes far apart make two hunks with 3 lines of context */
	d = diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
	    "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n");
	assert_string_equal(d,
	    "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
	    "@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+Y\n 12\n");
	free(d);
}

/* Copy a's next line (if any) to out, or just skip it; advances *ap. */
static void
take_line(const char **ap, struct strbuf *out)
{
	const char *nl = strchr(*ap, '\n');
	size_t n = nl != NULL ? (size_t)(nl - *ap) + 1 : strlen(*ap);

	if (out != NULL)
		sb_add(out, *ap, n);
	*ap += n;
}

/* Apply a diff made by diff_unified to a; the result must be b. */
static char *
patch(const char *a, const char *d)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = strstr(d, "\n+++ ");
	const char *ap = a;
	unsigned long done = 0; /* lines of a consumed so far */

	p = strchr(p + 1, '\n') + 1;
	while (*p != '\0') {
		unsigned long start, count = 1;
		char *e;

		assert_true(str_startswith(p, "@@ -"));
		start = strtoul(p + 4, &e, 10);
		if (*e == ',')
			count = strtoul(e + 1, NULL, 10);
		/* the hunk's first line of a is start (or after start if empty)
		 */
		while (done + 1 < (count == 0 ? start + 1 : start)) {
			take_line(&ap, &out);
			done++;
		}
		p = strchr(p, '\n') + 1;
		while (*p == ' ' || *p == '-' || *p == '+') {
			const char *nl = strchr(p, '\n');
			bool nonl = str_startswith(nl + 1, "\\ No newline");

			if (*p != '-') {
				sb_add(&out, p + 1, (size_t)(nl - p) - 1);
				if (!nonl)
					sb_addc(&out, '\n');
			}
			if (*p != '+') {
				take_line(&ap, NULL);
				done++;
			}
			p = nl + 1;
			if (nonl)
				p = strchr(p, '\n') + 1;
		}
	}
	sb_adds(&out, ap);
	return sb_detach(&out);
}

static void
test_patch_property(void **state)
{
	static const char *const words[] = {"a\n", "b\n", "c\n", "d\n",
	    "options vfio-pci ids=8086:0412\n", "\n", "e"};
	unsigned seed = 4770;
	int round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		int i, na = (int)(rand_r(&seed) % 14), nb;
		char *d, *got;

		for (i = 0; i < na; i++)
			sb_adds(&a, words[rand_r(&seed) % 6]);
		/* b: a with random deletions, insertions and changes */
		nb = (int)(rand_r(&seed) % 14);
		for (i = 0; i < nb || i < na; i++) {
			unsigned r = rand_r(&seed) % 4;

			if (r == 0 && i < na)
				continue;
			sb_adds(&b, words[rand_r(&seed) % 6]);
		}
		if (rand_r(&seed) % 5 == 0)
			sb_adds(&b, "e"); /* no final newline */
		d = diff(sb_str(&a), sb_str(&b));
		got = patch(sb_str(&a), d);
		if (strcmp(got, sb_str(&b)) != 0)
			fail_msg(
			    "round %d:\na=[%s]\nb=[%s]\ndiff:\n%s\ngot=[%s]",
			    round, sb_str(&a), sb_str(&b), d, got);
		free(d);
		free(got);
		sb_release(&a);
		sb_release(&b);
	}
}

static void
test_plan_merges(void **state)
{
	char *t = fx_mkroot(), *cause = NULL, *owned;
	struct plan p = PLAN_INIT;
	struct root *r;
	const char *text;
	size_t len;
	bool exists;
	struct strbuf sb = STRBUF_INIT;
	static const char *const grub[] = {"update-grub", NULL};

	(void)state;
	fx_write(t, "/etc/modules", "# /etc/modules\n");
	assert_int_equal(root_open(t, &r), 0);
	assert_int_equal(plan_current(&p, r, "/etc/modules", &text, &len,
			     &exists, &owned, &cause),
	    0);
	assert_true(exists);
	assert_string_equal(text, "# /etc/modules\n");
	free(owned);
	/* two steps append to the same file: one change */
	assert_int_equal(
	    plan_set(&p, r, "/etc/modules", "# /etc/modules\nvfio\n",
		strlen("# /etc/modules\nvfio\n"), 0644, "one", &cause),
	    0);
	assert_int_equal(plan_current(&p, r, "/etc/modules", &text, &len,
			     &exists, &owned, &cause),
	    0);
	assert_null(owned);
	assert_string_equal(text, "# /etc/modules\nvfio\n");
	assert_int_equal(
	    plan_set(&p, r, "/etc/modules", "# /etc/modules\nvfio\nvfio_pci\n",
		strlen("# /etc/modules\nvfio\nvfio_pci\n"), 0644, "two",
		&cause),
	    0);
	assert_int_equal(p.n_files, 1);
	assert_string_equal(p.files[0].step, "two");
	assert_string_equal(p.files[0].before, "# /etc/modules\n");
	/* a new file */
	assert_int_equal(
	    plan_set(&p, r, "/etc/modprobe.d/vfio-wizard.conf",
		"softdep i915 pre: vfio-pci\n",
		strlen("softdep i915 pre: vfio-pci\n"), 0644, "two", &cause),
	    0);
	assert_int_equal(p.n_files, 2);
	assert_null(p.files[1].before);
	plan_command(&p, "one", "refresh", grub);
	plan_command(&p, "two", "refresh", grub);
	assert_int_equal(p.n_cmds, 1);
	plan_render(&p, &sb);
	assert_non_null(
	    strstr(sb_str(&sb), "--- /dev/null\n"
				"+++ b/etc/modprobe.d/vfio-wizard.conf"));
	assert_non_null(strstr(sb_str(&sb), "\n  update-grub    # refresh\n"));
	sb_release(&sb);
	/* back to the bytes on disk: the change drops out */
	assert_int_equal(plan_set(&p, r, "/etc/modules", "# /etc/modules\n", 15,
			     0644, "three", &cause),
	    0);
	assert_int_equal(p.n_files, 1);
	plan_free(&p);
	assert_true(plan_empty(&p));
	plan_render(&p, &sb);
	assert_non_null(strstr(sb_str(&sb), "Nothing to do"));
	sb_release(&sb);
	root_free(r);
	fx_rmroot(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known),
	    cmocka_unit_test(test_patch_property),
	    cmocka_unit_test(test_plan_merges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
