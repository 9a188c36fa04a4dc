/*
 * test_strbuf.c: the growable buffer and the string helpers.
 */
#include "vfio-wizard/strbuf.h"
#include "testutil.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

static void
test_grow_and_format(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	int i;

	(void)state;
	assert_string_equal(sb_str(&sb), "");
	for (i = 0; i < 1000; i++)
		sb_addf(&sb, "%d,", i);
	assert_int_equal(sb.len, strlen(sb.buf));
	assert_true(str_startswith(sb.buf, "0,1,2,"));
	assert_non_null(strstr(sb.buf, ",999,"));
	sb_reset(&sb);
	assert_string_equal(sb_str(&sb), "");
	sb_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	s = sb_detach(&sb);
	assert_int_equal(s[2], 'b');
	assert_null(sb.buf);
	free(s);
	sb_release(&sb);
}

static void
test_strutil(void **state)
{
	unsigned long v;
	char buf[] = "0x8086 \n\n";

	(void)state;
	assert_string_equal(str_rstrip(buf), "0x8086");
	assert_int_equal(str_hex(buf, &v), 0);
	assert_int_equal(v, 0x8086);
	assert_int_equal(str_hex("0412", &v), 0);
	assert_int_equal(v, 0x412);
	assert_int_equal(str_hex("zz", &v), -EINVAL);
	assert_int_equal(str_hex("", &v), -EINVAL);
	assert_int_equal(str_hex("12 ", &v), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grow_and_format),
	    cmocka_unit_test(test_strutil),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
