/*
 * test_ui_text.c: the wizard's plain-text helpers (src/ui/model_text.c):
 * display widths of UTF-8 text, wrapping to a width, and the list filter,
 * a tree's parent rows kept and 4,096 rows filtered fast.
 */
#include "testutil.h"

#include "../../src/ui/model.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
wrap_expect(const char *text, int width, const char *const *want)
{
	char **out = NULL;
	size_t n = 0, i;

	ui_wrap(text, width, &out, &n);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < n);
		assert_string_equal(out[i], want[i]);
	}
	assert_int_equal(n, i);
	strv_free(out, n);
}

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(ui_text_width(""), 0);
	assert_int_equal(ui_text_width("Firmware"), 8);
	assert_int_equal(ui_text_width("\u2713 Ger\u00e4te"), 8);
	/* CJK: two columns each */
	assert_int_equal(ui_text_width("\u6f22\u5b57"), 4);
	/* an invalid byte counts one column */
	assert_int_equal(ui_text_width("a\xffz"), 3);
}

static void
test_wrap(void **state)
{
	static const char *const w1[] = {"the IOMMU is", "not active", NULL};
	static const char *const w2[] = {"abcdefgh", "ij", NULL};
	static const char *const w3[] = {"", NULL};
	static const char *const w4[] = {"short", NULL};
	static const char *const w5[] = {
	    "\u00e4\u00e4\u00e4", "\u00e4\u00e4", NULL};
	static const char *const w6[] = {"a", "b", NULL};

	(void)state;
	wrap_expect("the IOMMU is not active", 12, w1);
	wrap_expect("abcdefghij", 8, w2);
	wrap_expect("", 10, w3);
	wrap_expect("short", 80, w4);
	/* widths in columns, not bytes */
	wrap_expect("\u00e4\u00e4\u00e4\u00e4\u00e4", 3, w5);
	/* spaces at a break vanish */
	wrap_expect("a    b", 1, w6);
}

static void
test_filter(void **state)
{
	struct ui_lines l = UI_LINES_INIT;
	size_t out[8], n;

	(void)state;
	ui_lines_add(&l, UI_ROLE_TITLE, 0, "group 1");
	ui_lines_add(&l, UI_ROLE_NORMAL, 2, "00:02.0 VGA Intel");
	ui_lines_add(&l, UI_ROLE_NORMAL, 2, "00:03.0 Audio Intel");
	ui_lines_add(&l, UI_ROLE_TITLE, 0, "group 2");
	ui_lines_add(&l, UI_ROLE_NORMAL, 2, "01:00.0 NVIDIA GPU");
	ui_lines_add(&l, UI_ROLE_NORMAL, 4, "01:00.1 nvidia audio");

	n = ui_filter(l.v, l.n, "", false, out);
	assert_int_equal(n, 6);
	n = ui_filter(l.v, l.n, "AUDIO", false, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 5);
	/* a tree keeps each match's parents, once */
	n = ui_filter(l.v, l.n, "audio", true, out);
	assert_int_equal(n, 5);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 3);
	assert_int_equal(out[3], 4);
	assert_int_equal(out[4], 5);
	n = ui_filter(l.v, l.n, "no such device", true, out);
	assert_int_equal(n, 0);
	ui_lines_free(&l);
}

/* 4,096 SR-IOV functions in one group: a filter takes well under 50 ms. */
static void
test_filter_fast(void **state)
{
	struct ui_lines l = UI_LINES_INIT;
	struct timespec a, b;
	size_t *out, n, i;
	double ms;

	(void)state;
	ui_lines_add(&l, UI_ROLE_TITLE, 0, "group 7");
	for (i = 0; i < 4096; i++)
		ui_lines_add(&l, UI_ROLE_NORMAL, 2,
		    "0000:%02zx:%02zx.%zu Ethernet Virtual Function "
		    "[8086:1515]",
		    i / 256 + 1, (i / 8) % 32, i % 8);
	out = xcalloc(l.n, sizeof *out);
	clock_gettime(CLOCK_MONOTONIC, &a);
	n = ui_filter(l.v, l.n, "virtual", true, out);
	assert_int_equal(n, l.n);
	n = ui_filter(l.v, l.n, "0000:10:1f.7", true, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	     (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	assert_true(ms < 50.0);
	free(out);
	ui_lines_free(&l);
}

static void
test_lines_text(void **state)
{
	struct ui_lines l = UI_LINES_INIT;

	(void)state;
	ui_lines_add_text(&l, UI_ROLE_DIM, 2, "one\ntwo\n\nfour");
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[1].text, "two");
	assert_string_equal(l.v[2].text, "");
	assert_int_equal(l.v[3].indent, 2);
	assert_true(ui_role_marked(UI_ROLE_WARN));
	assert_false(ui_role_marked(UI_ROLE_DIM));
	ui_lines_free(&l);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_width),
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_filter_fast),
	    cmocka_unit_test(test_lines_text),
	};

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		return 77;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
