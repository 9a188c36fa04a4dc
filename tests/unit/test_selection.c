/*
 * test_selection.c: the choices resolved against real fixture hosts
 * (selection.c) and judged before planning (choose.c): the drivers that
 * would claim each function come from the kernel's modules.alias, the
 * iGPU's mode from the knowledge base, and every refusal says why. The
 * other members of a chosen function's IOMMU group go to vfio-pci with it
 * as siblings (never to the VM), bridges stay, and a sibling the host
 * needs is refused until its typed confirmation lifts the block.
 */
#include "testutil.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/plan.h"
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

/* The selected function at an address, which the test expects. */
static const struct selected_fn *
fn_at(const struct selection *s, const char *address)
{
	static const struct selected_fn none;
	const struct selected_fn *f = selection_find(s, address);

	if (f == NULL) {
		fail_msg("%s is not selected", address);
		return &none;
	}
	return f;
}

static bool
noted(const struct plan *p, const char *text)
{
	size_t i;

	for (i = 0; i < p->n_notes; i++)
		if (strstr(p->notes[i].text, text) != NULL)
			return true;
	return false;
}

/* A function of the chosen device's own slot in its group goes along. */
static void
test_own_function_sibling(void **state)
{
	struct choices c = {NULL, 0};
	struct plan p = PLAN_INIT;
	struct selection s;
	struct fx_host f;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	add(&c, "device", "05:00.0");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), 0);
	assert_int_equal(selection_resolve(f.host, f.root, &c, &s, &cause), 0);
	assert_int_equal(s.n_fns, 2);
	assert_false(fn_at(&s, "0000:05:00.0")->sibling);
	assert_true(fn_at(&s, "0000:05:00.1")->sibling);
	assert_true(fn_at(&s, "0000:05:00.1")->to_vfio);
	assert_true(has_driver(fn_at(&s, "0000:05:00.1"), "snd_hda_intel"));
	/* it leaves the host, so its driver no longer counts as needed */
	assert_false(selection_id_shared(&s, f.host, 0x10de, 0x228e, NULL));
	selection_notes(f.host, &c, &s, &p, "modules");
	assert_true(noted(&p, "0000:05:00.1 (GA106 High Definition Audio "
			      "Controller), another function of "
			      "0000:05:00.0, shares its IOMMU group"));
	assert_true(noted(&p, "choose it with --device 0000:05:00.1"));
	assert_int_equal(p.n_notes, 1);
	plan_free(&p);
	selection_free(&s);
	choices_free(&c);
	fx_host_free(&f);
}

/* Siblings the host needs: refused, then lifted one by one. */
static void
test_group_siblings(void **state)
{
	static const char *const lifts[] = {
	    "take 0000:01:00.1 from the host",
	    "take 0000:04:00.0 from the host",
	    "take 0000:05:00.0 from the host",
	};
	static const char *const group13[] = {"0000:01:00.0", "0000:01:00.1",
	    "0000:03:00.0", "0000:04:00.0", "0000:05:00.0"};
	struct choices c = {NULL, 0};
	struct plan p = PLAN_INIT;
	struct selection s;
	struct fx_host f;
	char *cause = NULL;
	size_t i;

	(void)state;
	fx_host_load(&f, "shared-group-sata");
	add(&c, "device", "06:00.0");
	add(&c, "device", "06:00.1");
	for (i = 0; i < nitems(lifts); i++) {
		/* the selection itself refuses, fail-closed */
		assert_int_equal(
		    selection_resolve(f.host, f.root, &c, &s, &cause), -EPERM);
		assert_non_null(strstr(cause, lifts[i]));
		assert_non_null(strstr(cause, "another slot"));
		assert_non_null(strstr(cause, "pcie_acs_override="));
		free(cause);
		cause = NULL;
		assert_int_equal(
		    choices_complete(f.host, f.kb, &c, &cause), -EPERM);
		free(cause);
		cause = NULL;
		add(&c, "confirm", lifts[i]);
	}
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), 0);
	assert_int_equal(selection_resolve(f.host, f.root, &c, &s, &cause), 0);
	assert_int_equal(s.n_fns, 2 + nitems(group13));
	assert_false(fn_at(&s, "0000:06:00.0")->sibling);
	assert_false(fn_at(&s, "0000:06:00.1")->sibling);
	for (i = 0; i < nitems(group13); i++) {
		const struct selected_fn *g = fn_at(&s, group13[i]);

		assert_true(g->sibling);
		assert_true(g->to_vfio);
		assert_true(g->n_drivers > 0);
	}
	assert_true(fn_at(&s, "0000:01:00.1")->lifted);
	assert_false(fn_at(&s, "0000:01:00.0")->lifted);
	/* bridges stay, and so does the other group */
	assert_null(selection_find(&s, "0000:02:04.0"));
	assert_null(selection_find(&s, "0000:01:00.2"));
	assert_null(selection_find(&s, "0000:07:00.0"));
	assert_true(has_driver(fn_at(&s, "0000:01:00.1"), "ahci"));
	selection_notes(f.host, &c, &s, &p, "modules");
	assert_int_equal(p.n_notes, 4);
	assert_true(noted(&p, "CRITICAL-DEVICE GUARD LIFTED by the typed "
			      "confirmation 'take 0000:01:00.1 from the "
			      "host': 0000:01:00.1 (X370 Series Chipset SATA "
			      "Controller) is the controller of the root "
			      "filesystem"));
	assert_true(noted(&p, "IOMMU group 13 also holds 0000:01:00.0 (X370 "
			      "Series Chipset USB 3.1 xHCI Controller), "
			      "0000:01:00.1"));
	assert_true(noted(&p, "0000:03:00.0 (ASM1143 USB 3.1 Host "
			      "Controller)"));
	assert_true(noted(&p, "They are not given to the VM"));
	assert_true(noted(&p, "vfio-wizard never applies it"));
	plan_free(&p);
	selection_free(&s);
	/* a wrong phrase among right ones is refused as a typo */
	add(&c, "confirm", "take 0000:01:00.0 from the host");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), -EINVAL);
	assert_non_null(strstr(cause, "'take 0000:01:00.0 from the host' "
				      "lifts no block"));
	free(cause);
	choices_free(&c);
	fx_host_free(&f);
}

/* GVT-g keeps the GPU on the host: its group stays as it is. */
static void
test_no_siblings_without_vfio(void **state)
{
	struct choices c = {NULL, 0};
	struct selection s;
	struct fx_host f;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "cometlake-zfs-sdboot");
	add(&c, "device", "00:02.0");
	add(&c, "device", "00:14.0");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), 0);
	assert_int_equal(selection_resolve(f.host, f.root, &c, &s, &cause), 0);
	assert_int_equal(s.mode, MODE_GVT_G);
	/* 00:14.2 shares the USB controller's group but has no driver */
	assert_int_equal(s.n_fns, 2);
	assert_null(selection_find(&s, "0000:00:14.2"));
	assert_ptr_equal(s.igpu, fn_at(&s, "0000:00:02.0"));
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
	    cmocka_unit_test(test_own_function_sibling),
	    cmocka_unit_test(test_group_siblings),
	    cmocka_unit_test(test_no_siblings_without_vfio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
