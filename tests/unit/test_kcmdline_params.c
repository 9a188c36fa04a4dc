/*
 * test_kcmdline_params.c: the kernel command line step's parameter rules on
 * hand-made hosts (which parameters for which vendor, kernel and mode), the
 * conflicts it removes, the strict token check against every shell
 * injection shape, and the GRUB source tracing and appending helpers.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "../../src/steps/kcmdline.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* A host with n kernels of the given defaults and one iGPU at 00:02.0. */
struct fake {
	struct host h;
	struct installed_kernel k[2];
	struct pci_device gpu;
	struct selection sel;
	struct selected_fn fn;
};

static void
fake_init(struct fake *f, const char *vendor, size_t n_kernels,
    enum tri default_on, enum tri intgpu_off)
{
	size_t i;

	memset(f, 0, sizeof *f);
	f->h.cpu.vendor = (char *)vendor;
	for (i = 0; i < n_kernels; i++) {
		f->k[i].intel_iommu_default_on = default_on;
		f->k[i].intel_iommu_intgpu_off = intgpu_off;
	}
	f->h.kernel.installed = f->k;
	f->h.kernel.n_installed = n_kernels;
	strcpy(f->gpu.address, "0000:00:02.0");
	f->gpu.vendor_id = 0x8086;
	f->gpu.class_code = 0x030000;
	f->gpu.boot_vga = TRI_YES;
	f->sel.mode = MODE_VFIO;
}

/* Select the GPU in a mode (to_vfio as the selection would set it). */
static void
fake_select(struct fake *f, enum vw_mode mode, bool igpu)
{
	f->fn.dev = &f->gpu;
	f->fn.mode = mode;
	f->fn.to_vfio = mode == MODE_VFIO || mode == MODE_LEGACY_IGD;
	f->sel.fns = &f->fn;
	f->sel.n_fns = 1;
	f->sel.igpu = igpu ? &f->fn : NULL;
	f->sel.mode = mode;
	f->sel.vfs = mode == MODE_SRIOV ? 3 : 0;
}

/* The wanted tokens joined by spaces. */
static char *
tokens(struct fake *f)
{
	struct kcmd_want w;
	struct strbuf sb = STRBUF_INIT;
	char *cause = NULL;
	size_t i;

	assert_int_equal(kcmd_want_build(&f->h, &f->sel, &w, &cause), 0);
	for (i = 0; i < w.n_params; i++)
		sb_addf(&sb, "%s%s", i > 0 ? " " : "", w.params[i].token);
	kcmd_want_free(&w);
	return sb.len > 0 ? sb_detach(&sb) : xstrdup("");
}

static void
expect_tokens(struct fake *f, const char *want)
{
	char *got = tokens(f);

	assert_string_equal(got, want);
	free(got);
}

static void
test_wanted(void **state)
{
	struct fake f;

	(void)state;
	/* kernels that do not enable VT-d by default (PVE 8 with 6.5) */
	fake_init(&f, "GenuineIntel", 2, TRI_NO, TRI_NO);
	expect_tokens(&f, "intel_iommu=on iommu=pt");
	/* one of them unknown: keep the parameter */
	f.k[1].intel_iommu_default_on = TRI_UNKNOWN;
	expect_tokens(&f, "intel_iommu=on iommu=pt");
	/* every kernel default-on (PVE 8.2+ with 6.8) */
	fake_init(&f, "GenuineIntel", 2, TRI_YES, TRI_NO);
	expect_tokens(&f, "iommu=pt");
	/* no kernel known: nothing proves default-on */
	fake_init(&f, "GenuineIntel", 0, TRI_YES, TRI_NO);
	expect_tokens(&f, "intel_iommu=on iommu=pt");
	/* Debian's INTGPU_OFF: only with the iGPU chosen */
	fake_init(&f, "GenuineIntel", 1, TRI_YES, TRI_YES);
	expect_tokens(&f, "iommu=pt");
	fake_select(&f, MODE_GVT_G, true);
	expect_tokens(&f, "intel_iommu=on iommu=pt i915.enable_gvt=1");
	/* AMD: never amd_iommu=on */
	fake_init(&f, "AuthenticAMD", 1, TRI_YES, TRI_NO);
	expect_tokens(&f, "iommu=pt");
	fake_init(&f, "AuthenticAMD", 1, TRI_NO, TRI_NO);
	expect_tokens(&f, "iommu=pt");
}

static void
test_wanted_modes(void **state)
{
	struct fake f;

	(void)state;
	/* legacy IGD on the boot GPU: sysfb must not take it */
	fake_init(&f, "GenuineIntel", 1, TRI_NO, TRI_NO);
	fake_select(&f, MODE_LEGACY_IGD, true);
	expect_tokens(
	    &f, "intel_iommu=on iommu=pt initcall_blacklist=sysfb_init");
	/* vfio-pci claims it at boot already: nothing in its way */
	f.gpu.driver = (char *)"vfio-pci";
	expect_tokens(&f, "intel_iommu=on iommu=pt");
	f.gpu.driver = (char *)"i915";
	expect_tokens(
	    &f, "intel_iommu=on iommu=pt initcall_blacklist=sysfb_init");
	f.gpu.driver = NULL;
	/* not the boot GPU: no blacklist */
	f.gpu.boot_vga = TRI_NO;
	expect_tokens(&f, "intel_iommu=on iommu=pt");
	f.gpu.boot_vga = TRI_UNKNOWN;
	expect_tokens(&f, "intel_iommu=on iommu=pt");
	/* GVT-g and SR-IOV keep the GPU on the host: no blacklist */
	f.gpu.boot_vga = TRI_YES;
	fake_select(&f, MODE_GVT_G, true);
	expect_tokens(&f, "intel_iommu=on iommu=pt i915.enable_gvt=1");
	fake_select(&f, MODE_SRIOV, true);
	expect_tokens(&f, "intel_iommu=on iommu=pt i915.enable_guc=3 "
			  "i915.max_vfs=3");
	/* a discrete GPU going to vfio that is the boot VGA */
	fake_init(&f, "AuthenticAMD", 1, TRI_YES, TRI_NO);
	f.gpu.vendor_id = 0x10de;
	fake_select(&f, MODE_VFIO, false);
	expect_tokens(&f, "iommu=pt initcall_blacklist=sysfb_init");
	/* not a GPU at all */
	f.gpu.class_code = 0x040300;
	expect_tokens(&f, "iommu=pt");
}

static void
test_token_check_ok(void **state)
{
	static const char *const good[] = {
	    "intel_iommu=on",
	    "iommu=pt",
	    "initcall_blacklist=sysfb_init",
	    "i915.enable_gvt=1",
	    "i915.max_vfs=7",
	    "vfio-pci.ids=8086:0412,8086:0c0c",
	    "root=/dev/mapper/pve-root",
	    "quiet",
	    "pcie_acs_override=downstream,multifunction",
	    "video=efifb:off",
	    "a=c+d",
	};
	char *cause = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < nitems(good); i++) {
		if (kcmd_token_check(good[i], &cause) != 0)
			fail_msg("'%s' refused: %s", good[i], cause);
	}
}

/* Every way a token could break out of the GRUB file's double quotes. */
static void
test_token_check_injection(void **state)
{
	static const char *const bad[] = {
	    "a=$(reboot)",
	    "$(reboot)",
	    "a=${HOME}",
	    "a=$HOME",
	    "a=`id`",
	    "`id`",
	    "a=\"x\"",
	    "a=x\"",
	    "\"a=x",
	    "a='x'",
	    "a=x'",
	    "a=x;reboot",
	    "a;reboot",
	    "a=x\\",
	    "a=x\\\"",
	    "a\\=x",
	    "a=x\ny",
	    "a=x\n",
	    "a\n",
	    "a=x\ry",
	    "a=x y",
	    "a b",
	    " a=x",
	    "a=x\ty",
	    "a=x#y",
	    "#a",
	    "a=#",
	    "a=*",
	    "*",
	    "a=?",
	    "a=[x]",
	    "a=x&y",
	    "a=x&&reboot",
	    "a=x|y",
	    "a=x||reboot",
	    "a=x<y",
	    "a=x>y",
	    "a=x>/etc/passwd",
	    "a=(x)",
	    "a={x}",
	    "a=~",
	    "~root",
	    "a=x!",
	    "a=x%y",
	    "a=\xc2\xa0",
	    "a=\xa0x",
	    "a=x\x7f",
	    "a=x\x01",
	    "--",
	    "-a=x",
	    ".a=x",
	    "=x",
	    "a=",
	    "a==x",
	    "a=x=y",
	    "",
	};
	char *cause;
	size_t i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		if (kcmd_token_check(bad[i], &cause) == 0)
			fail_msg("token %zu accepted: '%s'", i, bad[i]);
		assert_non_null(cause);
		/* the message shows odd bytes escaped, never raw */
		assert_null(strchr(cause, '\n'));
		assert_null(strchr(cause, '\r'));
		free(cause);
	}
}

/* The drop-in builder refuses an injected token and writes nothing. */
static void
test_dropin_refuses(void **state)
{
	const char *const ok[] = {"intel_iommu=on", "iommu=pt"};
	const char *const evil[] = {"iommu=pt", "a=\"; reboot; \""};
	char *out = NULL, *cause = NULL;

	(void)state;
	assert_int_equal(kcmd_grub_dropin(ok, 2, &out, &cause), 0);
	assert_non_null(strstr(out, "GRUB_CMDLINE_LINUX_DEFAULT=\""
				    "$GRUB_CMDLINE_LINUX_DEFAULT "
				    "intel_iommu=on iommu=pt\"\n"));
	free(out);
	out = NULL;
	assert_int_not_equal(kcmd_grub_dropin(evil, 2, &out, &cause), 0);
	assert_null(out);
	assert_non_null(strstr(cause, "refusing"));
	free(cause);
}

/* Conflicts of an Intel host in SR-IOV mode with 3 VFs. */
static void
test_conflicts(void **state)
{
	static const struct {
		const char *token;
		bool conflict;
	} cases[] = {
	    {"intel_iommu=off", true},
	    {"intel-iommu=off", true},
	    {"intel_iommu=on,igfx_off", true},
	    {"intel_iommu=igfx_off", true},
	    {"intel_iommu=on", false},
	    {"intel_iommu=on,sm_on", false},
	    {"iommu=off", true},
	    {"iommu=soft", true},
	    {"iommu=nopt", true},
	    {"iommu=pt", false},
	    {"iommu=force,pt", false},
	    {"iommu.passthrough=0", true},
	    {"iommu.passthrough=1", false},
	    {"amd_iommu=off", false}, /* an Intel host */
	    {"i915.enable_guc=2", true},
	    {"i915.enable_guc=3", false},
	    {"i915.max_vfs=7", true},
	    {"i915.max-vfs=3", false},
	    {"i915.enable_gvt=0", false}, /* not GVT-g */
	    {"quiet", false},
	    {"root=/dev/sda1", false},
	};
	struct fake f;
	struct kcmd_want w;
	char *cause = NULL;
	const char *why;
	size_t i;

	(void)state;
	fake_init(&f, "GenuineIntel", 1, TRI_NO, TRI_NO);
	fake_select(&f, MODE_SRIOV, true);
	assert_int_equal(kcmd_want_build(&f.h, &f.sel, &w, &cause), 0);
	for (i = 0; i < nitems(cases); i++) {
		struct cmdline *cl = cmdline_parse(cases[i].token);

		why = NULL;
		if (kcmd_conflicts(&w, &cl->tokens[0], &why) !=
		    cases[i].conflict)
			fail_msg("'%s': conflict should be %d", cases[i].token,
			    cases[i].conflict);
		assert_true(!cases[i].conflict || why != NULL);
		cmdline_free(cl);
	}
	kcmd_want_free(&w);

	/* AMD: amd_iommu=off conflicts, intel_iommu=off is nothing to it */
	fake_init(&f, "AuthenticAMD", 1, TRI_YES, TRI_NO);
	fake_select(&f, MODE_GVT_G, false);
	f.sel.mode = MODE_VFIO;
	assert_int_equal(kcmd_want_build(&f.h, &f.sel, &w, &cause), 0);
	{
		struct cmdline *cl = cmdline_parse(
		    "amd_iommu=off intel_iommu=off i915.enable_gvt=0 -- "
		    "iommu=off");

		assert_true(kcmd_conflicts(&w, &cl->tokens[0], &why));
		assert_false(kcmd_conflicts(&w, &cl->tokens[1], &why));
		assert_false(kcmd_conflicts(&w, &cl->tokens[2], &why));
		/* after `--`: init's argument, not the kernel's */
		assert_false(kcmd_conflicts(&w, &cl->tokens[4], &why));
		cmdline_free(cl);
	}
	kcmd_want_free(&w);
}

static void
test_missing(void **state)
{
	struct fake f;
	struct kcmd_want w;
	struct strbuf why = STRBUF_INIT;
	const char **miss;
	char *cause = NULL;

	(void)state;
	fake_init(&f, "GenuineIntel", 1, TRI_NO, TRI_NO);
	fake_select(&f, MODE_GVT_G, true);
	assert_int_equal(kcmd_want_build(&f.h, &f.sel, &w, &cause), 0);
	assert_int_equal(kcmd_missing(&w, "quiet", &miss), 3);
	assert_string_equal(miss[0], "intel_iommu=on");
	assert_string_equal(miss[2], "i915.enable_gvt=1");
	free(miss);
	/* lists, '-' == '_', bools as the kernel reads them */
	assert_int_equal(kcmd_missing(&w,
			     "intel_iommu=sm_on,on iommu=force,pt "
			     "i915.enable-gvt=Y",
			     &miss),
	    0);
	free(miss);
	/* a conflicting occurrence does not count */
	assert_int_equal(kcmd_missing(&w,
			     "intel_iommu=on,igfx_off iommu=pt "
			     "i915.enable_gvt=1",
			     &miss),
	    1);
	free(miss);
	/* init's arguments do not count */
	assert_int_equal(kcmd_missing(&w,
			     "quiet -- intel_iommu=on iommu=pt "
			     "i915.enable_gvt=1",
			     &miss),
	    3);
	free(miss);
	assert_true(kcmd_line_ok(
	    &w, "ro intel_iommu=on iommu=pt i915.enable_gvt=1 quiet", &why));
	assert_false(kcmd_line_ok(
	    &w, "intel_iommu=on iommu=pt i915.enable_gvt=1 iommu=soft", &why));
	assert_non_null(strstr(sb_str(&why), "iommu=soft"));
	sb_reset(&why);
	assert_false(kcmd_line_ok(&w, "intel_iommu=on", &why));
	assert_non_null(strstr(sb_str(&why), "iommu=pt"));
	sb_release(&why);
	kcmd_want_free(&w);
}

static void
expect_append(const char *text, const char *want)
{
	const char *const toks[] = {"intel_iommu=on", "iommu=pt"};
	size_t vs = strchr(text, '=') - text + 1;
	size_t end = strcspn(text + vs, "\n") + vs;
	char *out = NULL, *cause = NULL;

	if (kgrub_append(text, vs, end, toks, 2, &out, &cause) != 0)
		fail_msg("'%s': %s", text, cause);
	assert_string_equal(out, want);
	free(out);
}

static void
test_append(void **state)
{
	char *out = NULL, *cause = NULL;
	const char *const toks[] = {"iommu=pt"};
	const char *t = "A=\"$(cat /x)\"\n";

	(void)state;
	expect_append("A=\"quiet\"\n", "A=\"quiet intel_iommu=on iommu=pt\"\n");
	expect_append("A=\"\"\n", "A=\"intel_iommu=on iommu=pt\"\n");
	expect_append(
	    "A=\"quiet \"\n", "A=\"quiet intel_iommu=on iommu=pt\"\n");
	expect_append("A='quiet'\n", "A='quiet intel_iommu=on iommu=pt'\n");
	expect_append("A=quiet\n", "A=\"quiet intel_iommu=on iommu=pt\"\n");
	expect_append("A=\n", "A=\"intel_iommu=on iommu=pt\"\n");
	expect_append("A=$B\n", "A=$B\" intel_iommu=on iommu=pt\"\n");
	expect_append(
	    "A=\"$B quiet\"\n", "A=\"$B quiet intel_iommu=on iommu=pt\"\n");
	expect_append("A=\"x\"'y'\n", "A=\"x\"'y intel_iommu=on iommu=pt'\n");
	assert_int_not_equal(
	    kgrub_append(t, 2, strlen(t) - 1, toks, 1, &out, &cause), 0);
	assert_null(out);
	free(cause);
}

/* Trace a set of files and return the span of the token at line[s, e). */
static bool
span_of(const char *const *names, const char *const *texts, size_t n,
    const char *token, int *file, size_t *a, size_t *b)
{
	struct kgrub_trace tr;
	char *cause = NULL, *at;
	bool ok;

	assert_int_equal(kgrub_trace(names, texts, n, &tr, &cause), 0);
	at = strstr(tr.line, token);
	assert_non_null(at);
	ok = kgrub_source_span(&tr, (size_t)(at - tr.line),
	    (size_t)(at - tr.line) + strlen(token), file, a, b);
	kgrub_trace_free(&tr);
	return ok;
}

static void
test_trace(void **state)
{
	const char *names[] = {
	    "/etc/default/grub", "/etc/default/grub.d/a.cfg"};
	const char *texts[2];
	struct kgrub_trace tr;
	char *cause = NULL;
	size_t a, b;
	int file;

	(void)state;
	texts[0] = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=off\"\n"
		   "GRUB_CMDLINE_LINUX=\"\"\n";
	texts[1] = "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX iommu=soft "
		   "boot=zfs\"\n";
	assert_int_equal(kgrub_trace(names, texts, 2, &tr, &cause), 0);
	assert_string_equal(tr.line, " iommu=soft boot=zfs quiet "
				     "intel_iommu=off");
	kgrub_trace_free(&tr);
	/* the token and the space before it, in its own file */
	assert_true(span_of(names, texts, 2, "intel_iommu=off", &file, &a, &b));
	assert_int_equal(file, 0);
	assert_int_equal(a, strlen("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet"));
	assert_int_equal(b, a + strlen(" intel_iommu=off"));
	assert_true(span_of(names, texts, 2, "iommu=soft", &file, &a, &b));
	assert_int_equal(file, 1);
	assert_int_equal(a, strlen("GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX"));
	/* first in its value: the space after it goes */
	texts[0] = "GRUB_CMDLINE_LINUX_DEFAULT='intel_iommu=off quiet'\n";
	assert_true(span_of(names, texts, 1, "intel_iommu=off", &file, &a, &b));
	assert_int_equal(a, strlen("GRUB_CMDLINE_LINUX_DEFAULT='"));
	assert_int_equal(b, a + strlen("intel_iommu=off "));
	/* built from a variable and text: no single source */
	texts[0] = "X=off\nGRUB_CMDLINE_LINUX_DEFAULT=\"intel_iommu=$X\"\n";
	assert_false(
	    span_of(names, texts, 1, "intel_iommu=off", &file, &a, &b));
	/* an escaped byte in it: not edited */
	texts[0] = "GRUB_CMDLINE_LINUX_DEFAULT=intel_iommu\\=off\n";
	assert_false(
	    span_of(names, texts, 1, "intel_iommu=off", &file, &a, &b));
	/* through another variable: its own assignment is the source */
	texts[0] = "X=\"iommu=off\"\nGRUB_CMDLINE_LINUX=\"$X quiet\"\n";
	assert_true(span_of(names, texts, 1, "iommu=off", &file, &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 3 + strlen("iommu=off"));
	/* an unknown part makes the line unknown */
	texts[0] = "GRUB_CMDLINE_LINUX=\"`echo x`\"\n";
	assert_int_not_equal(kgrub_trace(names, texts, 1, &tr, &cause), 0);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wanted),
	    cmocka_unit_test(test_wanted_modes),
	    cmocka_unit_test(test_token_check_ok),
	    cmocka_unit_test(test_token_check_injection),
	    cmocka_unit_test(test_dropin_refuses),
	    cmocka_unit_test(test_conflicts),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_append),
	    cmocka_unit_test(test_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
