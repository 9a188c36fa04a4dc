/*
 * test_json.c: the JSON writer's layout and escaping.
 */
#include "vfio-wizard/json.h"
#include "testutil.h"

#include <stdlib.h>

static void
test_nested(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;

	(void)state;
	json_init(&j, &sb);
	json_object_begin(&j);
	json_kv_string(&j, "a", "x\"y\\z\n\x01");
	json_key(&j, "list");
	json_array_begin(&j);
	json_int(&j, 1);
	json_bool(&j, false);
	json_null(&j);
	json_array_end(&j);
	json_key(&j, "empty");
	json_array_begin(&j);
	json_array_end(&j);
	json_kv_string(&j, "n", NULL);
	json_object_end(&j);
	assert_string_equal(sb_str(&sb), "{\n"
					 "  \"a\": \"x\\\"y\\\\z\\n\\u0001\",\n"
					 "  \"list\": [\n"
					 "    1,\n"
					 "    false,\n"
					 "    null\n"
					 "  ],\n"
					 "  \"empty\": [],\n"
					 "  \"n\": null\n"
					 "}\n");
	sb_release(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
