/*
 * test_probe_cpu.c: the CPU probe reads vendor, model and the VT-x/AMD-V
 * flags from /proc/cpuinfo, counts processors, and asks the real knowledge
 * base whether the SKU has VT-d (i7-4770: yes; i7-4770K: no).
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct kb *kb;

static int
load_kb(void **state)
{
	char *path, *cause = NULL;

	(void)state;
	if (asprintf(&path, "%s/data/hardware.yaml", fx_srcdir()) < 0)
		return -1;
	if (kb_load(path, &kb, &cause) < 0) {
		fprintf(stderr, "kb: %s\n", cause);
		free(cause);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static int
free_kb(void **state)
{
	(void)state;
	kb_free(kb);
	return 0;
}

/* Write n processor entries with the given model name and flags. */
static char *
cpuinfo_root(const char *vendor, const char *model, const char *flags, int n)
{
	char *t = fx_mkroot();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i;

	for (i = 0; i < n; i++)
		fprintf(f,
		    "processor\t: %d\nvendor_id\t: %s\ncpu family\t: 6\n"
		    "model\t\t: 60\nmodel name\t: %s\nstepping\t: 3\n"
		    "flags\t\t: %s\n\n",
		    i, vendor, model, flags);
	fclose(f);
	fx_write_bytes(t, "/proc/cpuinfo", text, len);
	free(text);
	return t;
}

static struct host *
probe(const char *dir)
{
	struct host *h = xcalloc(1, sizeof *h);
	struct root *r;

	assert_int_equal(root_open(dir, &r), 0);
	probe_cpu(h, r, kb);
	root_free(r);
	return h;
}

static void
test_i7_4770(void **state)
{
	char *t = cpuinfo_root("GenuineIntel",
	    "Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz",
	    "fpu vme de pse tsc msr pae mce cx8 apic vmx smx est tm2", 8);
	struct host *h = probe(t);

	(void)state;
	assert_string_equal(h->cpu.vendor, "GenuineIntel");
	assert_int_equal(h->cpu.family, 6);
	assert_int_equal(h->cpu.model, 60);
	assert_int_equal(h->cpu.stepping, 3);
	assert_int_equal(h->cpu.threads, 8);
	assert_true(h->cpu.vmx);
	assert_false(h->cpu.svm);
	assert_false(h->cpu.hypervisor);
	assert_int_equal(h->cpu.sku_vtd, TRI_YES);
	assert_non_null(h->cpu.sku_note);
	assert_int_equal(h->n_problems, 0);
	host_free(h);
	fx_rmroot(t);
}

static void
test_i7_4770k_has_no_vtd(void **state)
{
	char *t = cpuinfo_root("GenuineIntel",
	    "Intel(R) Core(TM) i7-4770K CPU @ 3.50GHz", "fpu vme vmx est tm2",
	    4);
	struct host *h = probe(t);

	(void)state;
	assert_true(h->cpu.vmx);
	assert_int_equal(h->cpu.sku_vtd, TRI_NO);
	host_free(h);
	fx_rmroot(t);
}

static void
test_flags_are_whole_words(void **state)
{
	/* "vmx" inside another flag must not count; svm and hypervisor do */
	char *t =
	    cpuinfo_root("AuthenticAMD", "AMD Ryzen 9 5900X 12-Core Processor",
		"fpu svm_lock svm hypervisor", 2);
	struct host *h = probe(t);

	(void)state;
	assert_false(h->cpu.vmx);
	assert_true(h->cpu.svm);
	assert_true(h->cpu.hypervisor);
	assert_int_equal(h->cpu.sku_vtd, TRI_UNKNOWN);
	host_free(h);
	fx_rmroot(t);

	t = cpuinfo_root(
	    "GenuineIntel", "QEMU Virtual CPU", "fpu vmxx nvmx", 1);
	h = probe(t);
	assert_false(h->cpu.vmx);
	host_free(h);
	fx_rmroot(t);
}

static void
test_missing_cpuinfo_is_a_problem(void **state)
{
	char *t = fx_mkroot();
	struct host *h = probe(t);

	(void)state;
	assert_null(h->cpu.vendor);
	assert_int_equal(h->cpu.family, -1);
	assert_int_equal(h->n_problems, 1);
	assert_string_equal(h->problems[0].what, "cpu");
	assert_non_null(strstr(h->problems[0].message, "/proc/cpuinfo"));
	host_free(h);
	fx_rmroot(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_i7_4770),
	    cmocka_unit_test(test_i7_4770k_has_no_vtd),
	    cmocka_unit_test(test_flags_are_whole_words),
	    cmocka_unit_test(test_missing_cpuinfo_is_a_problem),
	};
	return cmocka_run_group_tests(tests, load_kb, free_kb);
}
