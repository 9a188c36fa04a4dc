/*
 * test_cmdline.c: the kernel command line codec splits as the kernel's
 * next_arg() does, finds keys with '-' == '_', keeps every occurrence, and
 * prints back every input byte for byte.
 */
#include "vfio-wizard/cmdline.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void
roundtrip(const char *text)
{
	struct cmdline *cl = cmdline_parse(text);
	char *back = cmdline_to_string(cl);

	assert_string_equal(back, text);
	free(back);
	cmdline_free(cl);
}

static void
test_roundtrip(void **state)
{
	static const char *const inputs[] = {
	    "",
	    " ",
	    "\n",
	    "quiet",
	    "BOOT_IMAGE=/boot/vmlinuz-6.5.13-6-pve root=/dev/mapper/pve-root "
	    "ro quiet\n",
	    "  leading and trailing   ",
	    "a\tb\n\nc  \n",
	    "\"key=va lue\" k2=\"v 2\" \"bare quoted\"",
	    "unterminated=\"quote runs to the end   ",
	    "\"",
	    "\"\"",
	    "=",
	    "=a=b",
	    "x= y==z a=\"\" b=\"",
	    "intel_iommu=on intel_iommu=off intel-iommu=on",
	    "dyndbg=\"file foo.c +p\" -- init arg \"x y\"",
	    "nbsp\xa0split \xc3\xa9t\xc3\xa9",
	    "vfio-pci.ids=8086:0412,8086:0c0c "
	    "modprobe.blacklist=i915,snd_hda_intel ",
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(inputs); i++)
		roundtrip(inputs[i]);
}

static void
test_tokens(void **state)
{
	struct cmdline *cl = cmdline_parse(
	    "  \"key=va lue\" k2=\"v 2\" \"bare\" a=b\"c d\"e f= g =x\n");

	(void)state;
	assert_int_equal(cl->n_tokens, 7);
	assert_string_equal(cl->tokens[0].space, "  ");
	assert_string_equal(cl->tokens[0].raw, "\"key=va lue\"");
	assert_string_equal(cl->tokens[0].key, "key");
	assert_string_equal(cl->tokens[0].value, "va lue");
	assert_string_equal(cl->tokens[1].key, "k2");
	assert_string_equal(cl->tokens[1].value, "v 2");
	assert_string_equal(cl->tokens[2].key, "bare");
	assert_null(cl->tokens[2].value);
	/* quotes inside a value are kept, as the kernel keeps them */
	assert_string_equal(cl->tokens[3].key, "a");
	assert_string_equal(cl->tokens[3].value, "b\"c d\"e");
	assert_string_equal(cl->tokens[4].key, "f");
	assert_string_equal(cl->tokens[4].value, "");
	assert_string_equal(cl->tokens[5].key, "g");
	assert_null(cl->tokens[5].value);
	/* a '=' in the first byte does not split (next_arg's equals == 0) */
	assert_string_equal(cl->tokens[6].key, "=x");
	assert_null(cl->tokens[6].value);
	assert_string_equal(cl->trail, "\n");
	cmdline_free(cl);
}

static void
test_empty(void **state)
{
	struct cmdline *cl = cmdline_parse("   \n");

	(void)state;
	assert_int_equal(cl->n_tokens, 0);
	assert_string_equal(cl->trail, "   \n");
	assert_null(cmdline_get(cl, "quiet"));
	assert_false(cmdline_has(cl, "quiet"));
	cmdline_free(cl);
}

static void
test_find(void **state)
{
	struct cmdline *cl =
	    cmdline_parse("intel_iommu=on quiet intel-iommu=igfx_off iommu=pt "
			  "-- intel_iommu=off");
	size_t idx[4];

	(void)state;
	assert_int_equal(cmdline_find(cl, "intel_iommu", idx, 4), 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 2);
	/* last wins; init arguments after `--` are not kernel parameters */
	assert_string_equal(cmdline_get(cl, "intel_iommu"), "igfx_off");
	assert_string_equal(cmdline_get(cl, "intel-iommu"), "igfx_off");
	assert_true(cmdline_has(cl, "quiet"));
	assert_null(cmdline_get(cl, "quiet"));
	assert_null(cmdline_get(cl, "iommu.passthrough"));
	assert_true(cl->tokens[4].init_arg);
	assert_true(cl->tokens[5].init_arg);
	assert_false(cl->tokens[3].init_arg);
	assert_int_equal(cmdline_find(cl, "intel_iommu", NULL, 0), 2);
	cmdline_free(cl);
}

static void
test_modparams(void **state)
{
	struct cmdline *cl = cmdline_parse(
	    "vfio-pci.ids=8086:0412 i915.enable_gvt=1 vfio_pci.ids=8086:0c0c "
	    "noparam. .x=1 modprobe.blacklist=i915");
	const struct cmdline_token *t;
	char *mod, *param;

	(void)state;
	t = cmdline_find_modparam(cl, "vfio_pci", "ids");
	assert_non_null(t);
	assert_string_equal(t->value, "8086:0c0c");
	t = cmdline_find_modparam(cl, "vfio-pci", "ids");
	assert_string_equal(t->value, "8086:0c0c");
	assert_true(cmdline_token_modparam(&cl->tokens[0], &mod, &param));
	assert_string_equal(mod, "vfio_pci");
	assert_string_equal(param, "ids");
	free(mod);
	free(param);
	assert_false(cmdline_token_modparam(&cl->tokens[3], &mod, &param));
	assert_false(cmdline_token_modparam(&cl->tokens[4], &mod, &param));
	t = cmdline_find_modparam(cl, "modprobe", "blacklist");
	assert_string_equal(t->value, "i915");
	assert_null(cmdline_find_modparam(cl, "i915", "enable_guc"));
	cmdline_free(cl);
}

static void
test_key_eq(void **state)
{
	(void)state;
	assert_true(cmdline_key_eq("a-b_c", "a_b-c"));
	assert_false(cmdline_key_eq("ab", "abc"));
	assert_false(cmdline_key_eq("abc", "ab"));
	assert_true(cmdline_key_eq("", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_modparams),
	    cmocka_unit_test(test_key_eq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
