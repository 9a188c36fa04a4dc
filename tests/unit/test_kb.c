/*
 * test_kb.c: the hardware knowledge base: data/hardware.yaml checked against
 * the facts file (IDs, modes, companions, CPU SKUs), whole-token CPU
 * matching, and the strict loader's messages for malformed files.
 */
#include "vfio-wizard/kb.h"
#include "vfio-wizard/host.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct kb *kb;

static int
setup(void **state)
{
	char *cause = NULL, *dir = NULL;
	int r;

	(void)state;
	if (getenv("VFIO_WIZARD_DATADIR") == NULL) {
		if (asprintf(&dir, "%s/data", fx_srcdir()) < 0)
			return -1;
		setenv("VFIO_WIZARD_DATADIR", dir, 1);
		free(dir);
	}
	dir = kb_default_path();
	r = kb_load(dir, &kb, &cause);
	free(dir);
	if (r < 0) {
		fprintf(stderr, "kb_load: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	kb_free(kb);
	return 0;
}

static bool
has_companion(const struct kb_igpu_gen *g, const char *slot, uint16_t vendor,
    uint16_t device)
{
	size_t i;

	for (i = 0; i < g->n_companions; i++) {
		if (strcmp(g->companions[i].slot, slot) == 0 &&
		    kb_companion_matches(&g->companions[i], vendor, device))
			return true;
	}
	return false;
}

static void
test_haswell_hd4600(void **state)
{
	const struct kb_igpu_gen *g;
	size_t i;

	(void)state;
	g = kb_igpu_lookup(kb, 0x8086, 0x0412);
	assert_non_null(g);
	assert_string_equal(g->id, "haswell");
	assert_non_null(strstr(g->name, "Haswell"));
	assert_non_null(strstr(g->name, "7.5"));
	assert_int_equal(g->gen, 7);
	/* facts §8: GVT-g on Haswell is unsupported; legacy IGD only. */
	assert_int_equal(g->modes, MODE_LEGACY_IGD);
	assert_int_equal(g->recommended, MODE_LEGACY_IGD);
	assert_null(g->gvt_mdev_prefix);
	assert_null(g->legacy_igd_qemu);
	/* facts §1: HDMI audio is 00:03.0 8086:0c0c; there is no 00:02.1. */
	assert_true(has_companion(g, "00:03.0", 0x8086, 0x0c0c));
	for (i = 0; i < g->n_companions; i++)
		assert_true(strncmp(g->companions[i].slot, "00:02.", 6) != 0);
	assert_non_null(g->source);
	/* Other Haswell IDs from i915_pciids.h land in the same generation. */
	assert_ptr_equal(kb_igpu_lookup(kb, 0x8086, 0x0d22), g);
	assert_ptr_equal(kb_igpu_lookup(kb, 0x8086, 0x0a16), g);
	assert_ptr_equal(kb_igpu_find(kb, "haswell"), g);
	/* The product names of Intel's driver INF. */
	assert_string_equal(kb_igpu_name(g, 0x0412), "HD Graphics 4600");
	assert_string_equal(kb_igpu_name(g, 0x0d22), "Iris Pro Graphics 5200");
	assert_null(kb_igpu_name(g, 0x0c12));
	assert_null(kb_igpu_name(NULL, 0x0412));
}

static void
test_gvt_generations(void **state)
{
	const struct kb_igpu_gen *g;

	(void)state;
	g = kb_igpu_lookup(kb, 0x8086, 0x9bc5);
	assert_non_null(g);
	assert_string_equal(g->id, "comet-lake");
	assert_true(g->modes & MODE_GVT_G);
	assert_int_equal(g->recommended, MODE_GVT_G);
	assert_string_equal(g->gvt_mdev_prefix, "i915-GVTg_V5_");

	g = kb_igpu_lookup(kb, 0x8086, 0x1616);
	assert_non_null(g);
	assert_string_equal(g->id, "broadwell");
	assert_int_equal(g->gen, 8);
	assert_string_equal(g->gvt_mdev_prefix, "i915-GVTg_V4_");
	assert_true(has_companion(g, "00:03.0", 0x8086, 0x160c));

	g = kb_igpu_lookup(kb, 0x8086, 0x3e92);
	assert_non_null(g);
	assert_string_equal(g->id, "coffee-lake");
	assert_true(g->modes & MODE_GVT_G);
}

static void
test_sriov_generations(void **state)
{
	const struct kb_igpu_gen *g;

	(void)state;
	g = kb_igpu_lookup(kb, 0x8086, 0x4680);
	assert_non_null(g);
	assert_string_equal(g->id, "alder-lake");
	assert_non_null(strstr(g->name, "Alder Lake"));
	assert_int_equal(g->gen, 12);
	assert_true(g->modes & MODE_SRIOV);
	assert_int_equal(g->recommended, MODE_SRIOV);
	assert_false(g->modes & MODE_GVT_G);

	g = kb_igpu_lookup(kb, 0x8086, 0xa780);
	assert_non_null(g);
	assert_string_equal(g->id, "raptor-lake");
	assert_true(g->modes & MODE_SRIOV);

	/* Rocket Lake: gen 12 graphics without SR-IOV or GVT-g. */
	g = kb_igpu_lookup(kb, 0x8086, 0x4c8a);
	assert_non_null(g);
	assert_int_equal(g->gen, 12);
	assert_int_equal(g->modes, MODE_LEGACY_IGD);
}

static void
test_lookup_misses(void **state)
{
	(void)state;
	assert_null(kb_igpu_lookup(kb, 0x8086, 0xffff));
	assert_null(kb_igpu_lookup(kb, 0x10de, 0x0412));
	assert_null(kb_igpu_lookup(kb, 0x8086, 0x0c0c)); /* the audio */
	assert_null(kb_igpu_lookup(NULL, 0x8086, 0x0412));
	assert_null(kb_igpu_find(kb, "no-such-lake"));
}

/* Rules every generation must follow, from the facts file. */
static void
test_generation_rules(void **state)
{
	size_t i, j, k, l;

	(void)state;
	assert_true(kb->n_igpu >= 12);
	for (i = 0; i < kb->n_igpu; i++) {
		const struct kb_igpu_gen *g = &kb->igpu[i];

		assert_non_null(g->source);
		/* Notes end up inside messages: no final full stop. */
		if (g->note != NULL)
			assert_int_not_equal(g->note[strlen(g->note) - 1], '.');
		assert_true(g->n_device_ids > 0);
		assert_true(g->recommended & g->modes);
		assert_false(g->modes & MODE_VFIO);
		/* Mainline GVT-g: BDW, SKL, KBL, BXT, CFL, CML only. */
		if (g->modes & MODE_GVT_G) {
			assert_true(g->gen == 8 || g->gen == 9);
			assert_non_null(g->gvt_mdev_prefix);
			assert_string_equal(g->gvt_mdev_prefix,
			    g->gen == 8 ? "i915-GVTg_V4_" : "i915-GVTg_V5_");
			assert_int_equal(g->recommended, MODE_GVT_G);
		} else {
			assert_null(g->gvt_mdev_prefix);
		}
		if (g->modes & MODE_SRIOV) {
			assert_true(g->gen >= 12);
			assert_int_equal(g->recommended, MODE_SRIOV);
		}
		if (g->gen <= 7)
			assert_int_equal(g->modes, MODE_LEGACY_IGD);
		/* Every device ID is unique across generations. */
		for (j = 0; j < g->n_device_ids; j++) {
			for (k = i; k < kb->n_igpu; k++) {
				const struct kb_igpu_gen *h = &kb->igpu[k];

				for (l = (k == i ? j + 1 : 0);
				     l < h->n_device_ids; l++)
					assert_int_not_equal(
					    g->device_ids[j], h->device_ids[l]);
			}
			assert_ptr_equal(
			    kb_igpu_lookup(kb, 0x8086, g->device_ids[j]), g);
		}
	}
}

static void
test_cpu_skus(void **state)
{
	const struct kb_cpu_sku *m;
	size_t i;

	(void)state;
	assert_int_equal(kb_cpu_vtd(kb, "GenuineIntel",
			     "Intel(R) Core(TM) i7-4770K CPU @ 3.50GHz", &m),
	    TRI_NO);
	assert_non_null(m);
	assert_string_equal(m->match, "i7-4770K");
	assert_non_null(m->source);

	assert_int_equal(kb_cpu_vtd(kb, "GenuineIntel",
			     "Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz", &m),
	    TRI_YES);
	assert_string_equal(m->match, "i7-4770");

	assert_int_equal(kb_cpu_vtd(kb, "GenuineIntel",
			     "Intel(R) Core(TM) i7-4790K CPU @ 4.00GHz", NULL),
	    TRI_YES);
	assert_int_equal(kb_cpu_vtd(kb, NULL, "i7-4790K", NULL), TRI_YES);
	assert_int_equal(kb_cpu_vtd(kb, "GenuineIntel",
			     "Intel(R) Core(TM) i5-4670K CPU @ 3.40GHz", NULL),
	    TRI_NO);
	assert_int_equal(kb_cpu_vtd(kb, "GenuineIntel",
			     "Intel(R) Core(TM) i5-2500K CPU @ 3.30GHz", NULL),
	    TRI_NO);

	/* Whole tokens only: the S part is its own SKU, not an i7-4770. */
	assert_int_equal(kb_cpu_vtd(kb, "GenuineIntel",
			     "Intel(R) Core(TM) i7-4770S CPU @ 3.10GHz", &m),
	    TRI_UNKNOWN);
	assert_null(m);
	assert_int_equal(
	    kb_cpu_vtd(kb, "GenuineIntel", "xi7-4770 CPU", NULL), TRI_UNKNOWN);
	assert_int_equal(kb_cpu_vtd(kb, "AuthenticAMD",
			     "AMD Ryzen 7 5800X 8-Core Processor", NULL),
	    TRI_UNKNOWN);
	/* A listed model under another vendor is not a match. */
	assert_int_equal(
	    kb_cpu_vtd(kb, "AuthenticAMD", "i7-4770", NULL), TRI_UNKNOWN);
	assert_int_equal(
	    kb_cpu_vtd(kb, "GenuineIntel", NULL, NULL), TRI_UNKNOWN);
	assert_int_equal(kb_cpu_vtd(kb, "GenuineIntel", "", NULL), TRI_UNKNOWN);
	for (i = 0; i < kb->n_cpus; i++) {
		const struct kb_cpu_sku *c = &kb->cpus[i];

		assert_non_null(c->source);
		if (c->note != NULL)
			assert_int_not_equal(c->note[strlen(c->note) - 1], '.');
	}
}

static void
test_quirks(void **state)
{
	const struct kb_quirk *q;

	(void)state;
	q = kb_quirk_lookup(kb, 0x1002, 0x67df); /* RX 480/580 */
	assert_non_null(q);
	assert_int_equal(q->device_id, 0x67df);
	assert_non_null(strstr(q->what, "vendor-reset"));
	assert_non_null(q->source);
	assert_non_null(kb_quirk_lookup(kb, 0x1002, 0x731f));
	assert_null(kb_quirk_lookup(kb, 0x8086, 0x0412));
	assert_null(kb_quirk_lookup(kb, 0x1002, 0x1234));
}

static void
test_mode_names(void **state)
{
	static const char *const names[] = {
	    "legacy-igd", "gvt-g", "sr-iov", "vfio"};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(names); i++) {
		int m = mode_from_name(names[i]);

		assert_int_not_equal(m, 0);
		assert_string_equal(mode_name(m), names[i]);
	}
	assert_int_equal(mode_from_name("legacy-igd"), MODE_LEGACY_IGD);
	assert_int_equal(mode_from_name("sr-iov"), MODE_SRIOV);
	assert_int_equal(mode_from_name("gvt-d"), 0);
	assert_int_equal(mode_from_name(""), 0);
	assert_int_equal(mode_from_name(NULL), 0);
	assert_null(mode_name(0));
	assert_null(mode_name(MODE_GVT_G | MODE_SRIOV));
}

static void
test_default_path(void **state)
{
	char *saved = NULL, *p;
	const char *env = getenv("VFIO_WIZARD_DATADIR");

	(void)state;
	if (env != NULL)
		saved = strdup(env);
	setenv("VFIO_WIZARD_DATADIR", "/opt/kb", 1);
	p = kb_default_path();
	assert_string_equal(p, "/opt/kb/hardware.yaml");
	free(p);
	unsetenv("VFIO_WIZARD_DATADIR");
	p = kb_default_path();
	assert_string_equal(p, PKGDATADIR "/hardware.yaml");
	free(p);
	if (saved != NULL) {
		setenv("VFIO_WIZARD_DATADIR", saved, 1);
		free(saved);
	}
}

/* A minimal valid entry the malformed cases below start from. */
#define GOOD_GEN                        \
	"  - id: haswell\n"             \
	"    name: Haswell\n"           \
	"    gen: 7\n"                  \
	"    modes: [legacy-igd]\n"     \
	"    recommended: legacy-igd\n" \
	"    device_ids: [0412]\n"      \
	"    source: test\n"

/* Load text written to a temporary file; return the error and message. */
static int
load_text(const char *text, char **cause)
{
	struct kb *k = NULL;
	char *root = fx_mkroot(), *path;
	int r;

	fx_write(root, "/hardware.yaml", "%s", text);
	if (asprintf(&path, "%s/hardware.yaml", root) < 0)
		abort();
	r = kb_load(path, &k, cause);
	if (r == 0)
		kb_free(k);
	else
		assert_null(k);
	if (r < 0)
		assert_non_null(strstr(*cause, path));
	free(path);
	fx_rmroot(root);
	return r;
}

static void
expect_error(const char *text, const char *where, const char *what)
{
	char *cause = NULL;

	assert_int_equal(load_text(text, &cause), -EINVAL);
	assert_non_null(cause);
	if (where != NULL && strstr(cause, where) == NULL)
		fail_msg("'%s' lacks '%s'", cause, where);
	if (strstr(cause, what) == NULL)
		fail_msg("'%s' lacks '%s'", cause, what);
	free(cause);
}

static void
test_malformed(void **state)
{
	char *cause = NULL;
	struct kb *k = NULL;

	(void)state;
	/* The minimal file itself loads. */
	assert_int_equal(load_text("version: 1\nigpu:\n" GOOD_GEN, &cause), 0);
	assert_null(cause);

	expect_error("version: 1\nigpu: [\n", ":3:1:", "did not find expected");
	expect_error("version: 1\nigpu:\n  - id: a\n   name: b\n", ":4:", "");
	expect_error("version: 1\ncolour: blue\nigpu:\n" GOOD_GEN,
	    ":2:1:", "unknown key 'colour'");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "    colour: blue\n",
	    ":10:5:", "unknown key 'colour' in igpu entry");
	expect_error(
	    "version: 2\nigpu:\n" GOOD_GEN, ":1:10:", "bad version '2'");
	expect_error("igpu:\n" GOOD_GEN, ":1:1:", "missing key 'version'");
	expect_error("version: 1\nigpu:\n"
		     "  - id: haswell\n"
		     "    name: Haswell\n"
		     "    gen: 7\n"
		     "    modes: [legacy-igd]\n"
		     "    recommended: legacy-igd\n"
		     "    device_ids: [0412, 04zz]\n"
		     "    source: test\n",
	    ":8:24:", "bad device id '04zz'");
	expect_error("version: 1\nigpu:\n"
		     "  - id: haswell\n"
		     "    name: Haswell\n"
		     "    gen: 7\n"
		     "    modes: [legacy-igd]\n"
		     "    recommended: legacy-igd\n"
		     "    device_ids: [412]\n"
		     "    source: test\n",
	    ":8:18:", "bad device id '412'");
	expect_error("version: 1\nigpu:\n"
		     "  - id: haswell\n"
		     "    name: Haswell\n"
		     "    gen: 7\n"
		     "    modes: [legacy-igd, gvt-x]\n"
		     "    recommended: legacy-igd\n"
		     "    device_ids: [0412]\n"
		     "    source: test\n",
	    ":6:25:", "unknown mode 'gvt-x'");
	expect_error("version: 1\nigpu:\n"
		     "  - id: haswell\n"
		     "    name: Haswell\n"
		     "    gen: 7\n"
		     "    modes: [legacy-igd]\n"
		     "    recommended: gvt-g\n"
		     "    device_ids: [0412]\n"
		     "    source: test\n",
	    ":7:18:", "recommended mode 'gvt-g' is not in modes");
	expect_error("version: 1\nigpu:\n"
		     "  - id: broadwell\n"
		     "    name: Broadwell\n"
		     "    gen: 8\n"
		     "    modes: [gvt-g]\n"
		     "    recommended: gvt-g\n"
		     "    device_ids: [1616]\n"
		     "    source: test\n",
	    ":6:12:", "gvt-g needs 'gvt_mdev_prefix'");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "  - id: other\n"
		     "    name: Other\n"
		     "    gen: 8\n"
		     "    modes: [legacy-igd]\n"
		     "    recommended: legacy-igd\n"
		     "    device_ids: [1616, 0x0412]\n"
		     "    source: test\n",
	    ":15:24:", "device id '0412' already listed under 'haswell'");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "    companions:\n"
		     "      - slot: \"00:3.0\"\n"
		     "        vendor_id: 8086\n"
		     "        device_ids: [0c0c]\n"
		     "        what: audio\n",
	    ":11:15:", "bad slot '00:3.0'");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "cpus:\n"
		     "  - vendor: GenuineIntel\n"
		     "    match: i7-4770K\n"
		     "    vtd: maybe\n"
		     "    source: test\n",
	    ":13:10:", "bad vtd 'maybe'");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "quirks:\n"
		     "  - vendor_id: 1002\n"
		     "    what: x\n"
		     "    source: test\n",
	    ":11:5:", "one of 'device_id' or 'device_ids'");

	expect_error("version: 1\nigpu:\n" GOOD_GEN "    names: [a]\n", NULL,
	    "names must map device ids to names");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "    names:\n"
		     "      1616: HD Graphics 5500\n",
	    NULL, "named device id '1616' is not in device_ids");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "    names:\n"
		     "      12345: x\n",
	    NULL, "bad names key '12345'");
	expect_error("version: 1\nigpu:\n" GOOD_GEN "    names:\n"
		     "      0412: x\n"
		     "      0x0412: y\n",
	    NULL, "name of '0412' given twice");

	/* A missing file gives -errno and names the file. */
	{
		char *dir = fx_mkroot(), *missing;

		missing = xasprintf("%s/nonexistent/hardware.yaml", dir);
		assert_int_equal(kb_load(missing, &k, &cause), -ENOENT);
		assert_null(k);
		assert_non_null(strstr(cause, missing));
		free(cause);
		free(missing);
		fx_rmroot(dir);
	}

	/* An empty buffer is an empty document, not a crash. */
	assert_int_equal(kb_load_buffer("", 0, "empty", &k, &cause), -EINVAL);
	assert_string_equal(cause, "empty: empty document");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_haswell_hd4600),
	    cmocka_unit_test(test_gvt_generations),
	    cmocka_unit_test(test_sriov_generations),
	    cmocka_unit_test(test_lookup_misses),
	    cmocka_unit_test(test_generation_rules),
	    cmocka_unit_test(test_cpu_skus),
	    cmocka_unit_test(test_quirks),
	    cmocka_unit_test(test_mode_names),
	    cmocka_unit_test(test_default_path),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
