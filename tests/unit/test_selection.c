/*
 * test_selection.c: the choices resolved against real fixture hosts
 * (selection.c) and judged before planning (choose.c): the drivers that
 * would claim each function come from the kernel's modules.alias, the
 * iGPU's mode from the knowledge base, and every refusal says why.
 */
#include "testutil.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void
add(struct choices *c, const char *key, const char *value)
{
	choices_add(c, key, value);
}

static bool
has_driver(const struct selected_fn *f, const char *name)
{
	return strv_has(f->drivers, f->n_drivers, name);
}

static void
test_haswell_legacy(void **state)
{
	struct choices c = {NULL, 0};
	struct selection s;
	struct fx_host f;
	char *cause = NULL;
	const char *other = NULL;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	add(&c, "device", "00:02.0");
	add(&c, "device", "0000:00:03.0");
	add(&c, "device", "00:02.0"); /* twice: kept once */
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), 0);
	assert_string_equal(choices_get(&c, "mode"), "legacy-igd");
	assert_int_equal(selection_resolve(f.host, f.root, &c, &s, &cause), 0);
	assert_int_equal(s.n_fns, 2);
	assert_non_null(s.igpu);
	assert_string_equal(s.igpu->dev->address, "0000:00:02.0");
	assert_int_equal(s.mode, MODE_LEGACY_IGD);
	assert_true(s.igpu->to_vfio);
	assert_true(has_driver(&s.fns[0], "i915"));
	assert_true(has_driver(&s.fns[1], "snd_hda_intel"));
	assert_int_equal(s.vfs, 0);
	/* the PCH audio 00:1b.0 stays and needs snd_hda_intel; i915 not */
	assert_true(
	    selection_driver_needed(&s, f.host, "snd_hda_intel", &other));
	assert_string_equal(other, "0000:00:1b.0");
	assert_false(selection_driver_needed(&s, f.host, "i915", NULL));
	assert_false(selection_id_shared(&s, f.host, 0x8086, 0x0412, NULL));
	selection_free(&s);
	choices_free(&c);
	fx_host_free(&f);
}

static void
test_refusals(void **state)
{
	static const struct {
		const char *items[4];
		int err;
		const char *says;
	} cases[] = {
	    {{"device=00:1f.2"}, -EPERM, "boots from"},
	    {{"device=00:09.0"}, -ENODEV, "no PCI device"},
	    {{"device=zz:02.0"}, -EINVAL, "not a PCI address"},
	    {{"device=00:02.0", "mode=turbo"}, -EINVAL, "unknown mode"},
	    {{"device=00:03.0", "mode=gvt-g"}, -EINVAL, "integrated GPU"},
	    {{"device=00:02.0", "mode=legacy-igd", "vfs=3"}, -EINVAL, "SR-IOV"},
	    {{"device=00:02.0", "device=00:03.0", "blacklist=snd-hda-intel"},
		-EINVAL, "0000:00:1b.0"},
	    {{"device=00:02.0", "blacklist=i915;rm"}, -EINVAL,
		"not a module name"},
	};
	struct fx_host f;
	size_t i, j;

	(void)state;
	fx_host_load(&f, "i7-4770-pve8");
	for (i = 0; i < nitems(cases); i++) {
		struct choices c = {NULL, 0};
		struct selection s;
		char *cause = NULL;

		for (j = 0; j < 4 && cases[i].items[j] != NULL; j++) {
			char *k = xstrdup(cases[i].items[j]);
			char *eq = strchr(k, '=');

			*eq = '\0';
			add(&c, k, eq + 1);
			free(k);
		}
		assert_int_equal(
		    selection_resolve(f.host, f.root, &c, &s, &cause),
		    cases[i].err);
		assert_non_null(cause);
		if (strstr(cause, cases[i].says) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, cause,
			    cases[i].says);
		assert_null(s.fns);
		free(cause);
		choices_free(&c);
	}
	fx_host_free(&f);
}

static void
test_choose_refuses(void **state)
{
	struct choices c = {NULL, 0};
	struct fx_host f;
	char *cause = NULL;

	(void)state;
	/* no VT-d on a K part: blocked, fail-closed */
	fx_host_load(&f, "i7-4770k-pve8");
	add(&c, "device", "00:02.0");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), -EPERM);
	assert_non_null(strstr(cause, "VT-d"));
	free(cause);
	cause = NULL;
	choices_free(&c);
	fx_host_free(&f);
	/* Haswell has no GVT-g */
	fx_host_load(&f, "i7-4770-pve8");
	add(&c, "device", "00:02.0");
	add(&c, "mode", "gvt-g");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), -EINVAL);
	assert_non_null(strstr(cause, "legacy-igd"));
	free(cause);
	choices_free(&c);
	fx_host_free(&f);
}

static void
test_sriov_and_shared_ids(void **state)
{
	struct choices c = {NULL, 0};
	struct selection s;
	struct fx_host f;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "alderlake-uefi-grub");
	add(&c, "device", "00:02.0");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), 0);
	assert_string_equal(choices_get(&c, "mode"), "sr-iov");
	assert_int_equal(selection_resolve(f.host, f.root, &c, &s, &cause), 0);
	assert_int_equal(s.mode, MODE_SRIOV);
	assert_false(s.igpu->to_vfio); /* the host keeps the PF */
	assert_int_equal(s.vfs, 7);
	selection_free(&s);
	add(&c, "vfs", "8");
	assert_int_equal(
	    selection_resolve(f.host, f.root, &c, &s, &cause), -EINVAL);
	free(cause);
	choices_free(&c);
	fx_host_free(&f);

	/* an AMD host with an NVIDIA card and its audio function */
	fx_host_load(&f, "ryzen-nvidia");
	add(&c, "device", "05:00.0");
	add(&c, "device", "05:00.1");
	assert_int_equal(selection_resolve(f.host, f.root, &c, &s, &cause), 0);
	assert_null(s.igpu);
	assert_true(has_driver(&s.fns[0], "nouveau"));
	assert_true(has_driver(&s.fns[1], "snd_hda_intel"));
	assert_false(selection_id_shared(&s, f.host, s.fns[0].dev->vendor_id,
	    s.fns[0].dev->device_id, NULL));
	selection_free(&s);
	choices_free(&c);
	fx_host_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_haswell_legacy),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_choose_refuses),
	    cmocka_unit_test(test_sriov_and_shared_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
