/*
 * test_step_sriov.c: the SR-IOV step on the Alder Lake fixture host
 * (replayed and probed as the CLI does, with sysfsutils and i915-sriov-dkms
 * installed): the exact text of /etc/sysfs.d/vfio-wizard.conf, an empty
 * re-plan, nothing for other modes; the refusals (no sysfsutils, the
 * in-tree i915 for the kernel that boots next, another sysfs.conf line with
 * another count, by path, through the bus link or by glob); verify before
 * and after the reboot, with the VFs and without them.
 */
#include "kmodules_fx.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"

extern const struct step step_sriov;

#define SRIOV_FILE "/etc/sysfs.d/vfio-wizard.conf"
#define ATTR "devices/pci0000:00/0000:00:02.0/sriov_numvfs"
#define ADL "alderlake-uefi-grub"

static const char *const sriov7[] = {
    "device=0000:00:02.0", "mode=sr-iov", NULL};
static const char *const sriov3[] = {
    "device=0000:00:02.0", "mode=sr-iov", "vfs=3", NULL};

static int
splan(struct fx_host *f, const char *const *items, struct plan *p, char **cause)
{
	struct choices c;
	int err;

	make_choices(&c, items);
	*cause = NULL;
	err = step_sriov.plan(f->host, &c, f->root, p, cause);
	choices_free(&c);
	return err;
}

static void
splan_ok(struct fx_host *f, const char *const *items, struct plan *p)
{
	char *cause = NULL;

	if (splan(f, items, p, &cause) != 0)
		fail_msg("plan: %s", cause);
}

static enum verify_result
sverify(struct fx_host *f, const char *const *items, bool after_reboot,
    struct strbuf *msg)
{
	struct choices c;
	enum verify_result v;

	make_choices(&c, items);
	sb_reset(msg);
	v = step_sriov.verify(f->host, &c, f->root, after_reboot, msg);
	choices_free(&c);
	return v;
}

/*
 * The Alder Lake host with one line of its spec replaced (a variant
 * without a package), loaded as fx_host_load() loads the host itself.
 */
static void
load_variant(struct fx_host *f, const char *from, const char *to)
{
	struct host_spec *spec = NULL;
	char *path = xasprintf("%s/tests/hosts/" ADL ".yaml", fx_srcdir());
	char *text, *at, *yaml, *cause = NULL;
	FILE *in = fopen(path, "r");
	size_t len;

	memset(f, 0, sizeof *f);
	assert_non_null(in);
	text = xcalloc(1, 1 << 20);
	len = fread(text, 1, (1 << 20) - 1, in);
	assert_true(len > 0 && feof(in));
	fclose(in);
	if ((at = strstr(text, from)) == NULL)
		fail_msg("'%s' is not in %s", from, path);
	yaml = xasprintf(
	    "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	if (spec_load_buffer(yaml, strlen(yaml), path, &spec, &cause) < 0 ||
	    spec_replay_temp(spec, &f->dir, &cause) < 0)
		fail_msg("%s: %s", path, cause);
	spec_free(spec);
	free(yaml);
	free(text);
	free(path);
	path = xasprintf("%s/data/hardware.yaml", fx_srcdir());
	if (kb_load(path, &f->kb, &cause) < 0)
		fail_msg("%s: %s", path, cause);
	free(path);
	assert_int_equal(root_open(f->dir, &f->root), 0);
	if (host_probe(f->root, f->kb, &f->host, &cause) < 0)
		fail_msg("variant: %s", cause);
}

/* The plan must be refused with -EPERM and a cause holding every text. */
static void
refused(
    struct fx_host *f, const char *const *items, const char *a, const char *b)
{
	struct plan p = PLAN_INIT;
	char *cause = NULL;

	assert_int_equal(splan(f, items, &p, &cause), -EPERM);
	assert_non_null(cause);
	if (strstr(cause, a) == NULL || (b != NULL && strstr(cause, b) == NULL))
		fail_msg("unexpected refusal: %s", cause);
	assert_true(plan_empty(&p));
	free(cause);
	plan_free(&p);
}

static void
test_plan(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT, p2 = PLAN_INIT;

	(void)state;
	fx_host_load(&f, ADL);
	splan_ok(&f, sriov7, &p);
	assert_int_equal(p.n_files, 1);
	assert_int_equal(p.n_cmds, 0);
	expect_text(&p, SRIOV_FILE,
	    "# SR-IOV virtual functions of 0000:00:02.0, written by "
	    "vfio-wizard.\n# sysfsutils applies this at boot; 'vfio-wizard "
	    "undo' removes this file.\n" ATTR " = 7\n");
	assert_null(fx_nonnull(change(&p, SRIOV_FILE))->before);
	assert_int_equal(fx_nonnull(change(&p, SRIOV_FILE))->new_mode, 0644);
	assert_string_equal(fx_nonnull(change(&p, SRIOV_FILE))->step, "sriov");
	assert_int_equal(p.n_notes, 0);
	/* applied: a new plan is empty */
	write_plan(&f, &p);
	splan_ok(&f, sriov7, &p2);
	assert_true(plan_empty(&p2));
	plan_free(&p2);
	/* another count replaces our own file's */
	splan_ok(&f, sriov3, &p2);
	expect_text(&p2, SRIOV_FILE,
	    "# SR-IOV virtual functions of 0000:00:02.0, written by "
	    "vfio-wizard.\n# sysfsutils applies this at boot; 'vfio-wizard "
	    "undo' removes this file.\n" ATTR " = 3\n");
	plan_free(&p2);
	plan_free(&p);
	fx_host_free(&f);
}

/* Other modes and other devices: nothing for this step. */
static void
test_not_sriov(void **state)
{
	static const char *const none[] = {NULL};
	static const char *const legacy[] = {
	    "device=0000:00:02.0", "mode=legacy-igd", NULL};
	static const char *const hsw[] = {
	    "device=0000:00:02.0", "device=0000:00:03.0", NULL};
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, ADL);
	splan_ok(&f, none, &p);
	assert_true(plan_empty(&p));
	assert_int_equal(sverify(&f, none, false, &msg), VERIFY_OK);
	splan_ok(&f, legacy, &p);
	assert_true(plan_empty(&p));
	fx_host_free(&f);
	fx_host_load(&f, "i7-4770-pve8");
	splan_ok(&f, hsw, &p);
	assert_true(plan_empty(&p));
	assert_int_equal(sverify(&f, hsw, true, &msg), VERIFY_OK);
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

static void
test_refused_no_sysfsutils(void **state)
{
	struct fx_host f;

	(void)state;
	load_variant(&f, "  sysfsutils: 2.1.1-4\n", "");
	refused(&f, sriov7, "sysfsutils is not installed",
	    "apt install sysfsutils");
	fx_host_free(&f);
	/* removed, its configuration kept: not installed either */
	fx_host_load(&f, ADL);
	fx_write(f.dir, "/var/lib/dpkg/status",
	    "Package: sysfsutils\nStatus: deinstall ok config-files\n"
	    "Version: 2.1.1-4\n");
	refused(&f, sriov7, "sysfsutils is not installed", NULL);
	fx_host_free(&f);
}

/* The in-tree i915 (no dkms module) for the kernel that boots. */
static void
test_refused_intree_i915(void **state)
{
	struct fx_host f;
	char *p;

	(void)state;
	fx_host_load(&f, ADL);
	/* dkms removed the module for this kernel */
	p = xasprintf("%s/var/lib/dkms/i915-sriov-dkms/"
		      "kernel-6.8.12-4-pve-x86_64",
	    f.dir);
	assert_int_equal(unlink(p), 0);
	free(p);
	refused(&f, sriov7, "kernel 6.8.12-4-pve, which boots next",
	    "https://github.com/strongtz/i915-sriov-dkms/releases");
	fx_host_free(&f);
	/* the host's in-tree i915 (no dkms module): its path is named */
	load_variant(&f, "i915: updates/dkms/i915.ko", "i915: module");
	refused(&f, sriov7, "kernel/drivers/gpu/drm/i915/i915.ko",
	    "not from i915-sriov-dkms");
	fx_host_free(&f);
}

/* Another line for the same attribute: by path, link or glob. */
static void
test_refused_conflict(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, ADL);
	fx_write(f.dir, "/etc/sysfs.conf", "# mine\n" ATTR " = 2\n");
	refused(&f, sriov7, "/etc/sysfs.conf:2 sets " ATTR " to 2", "--vfs 2");
	fx_write(f.dir, "/etc/sysfs.conf", "%s",
	    "bus/pci/devices/0000:00:02.0/sriov_numvfs=4 # via the link\n");
	refused(&f, sriov7, "/etc/sysfs.conf:1", "to 4");
	fx_write(f.dir, "/etc/sysfs.conf", "\n");
	fx_write(f.dir, "/etc/sysfs.d/igpu.conf",
	    "devices/pci0000:00/0000:00:0[2]*/sriov_numvfs = 0\n");
	refused(&f, sriov7, "/etc/sysfs.d/igpu.conf:1", "to 0");
	/* the same count elsewhere: nothing to write, a note says where */
	fx_write(f.dir, "/etc/sysfs.d/igpu.conf", ATTR " = 7\n");
	assert_int_equal(splan(&f, sriov7, &p, &cause), 0);
	assert_true(plan_empty(&p));
	assert_true(has_note(&p, "/etc/sysfs.d/igpu.conf:1 already asks"));
	plan_free(&p);
	/* other attributes and other files are left alone */
	fx_write(f.dir, "/etc/sysfs.d/igpu.conf",
	    "mode " ATTR " = 0600\ndevices/system/cpu/cpu0/cpufreq/"
	    "scaling_governor = powersave\n");
	fx_write(f.dir, "/etc/sysfs.d/igpu.txt", ATTR " = 1\n");
	splan_ok(&f, sriov7, &p);
	assert_int_equal(p.n_files, 1);
	plan_free(&p);
	fx_host_free(&f);
}

/* Mark the PF with n VFs listed in the snapshot, as after the boot. */
static void
fake_vfs(struct fx_host *f, int n)
{
	struct pci_device *pf =
	    (struct pci_device *)host_pci_find(f->host, "0000:00:02.0");
	size_t i, old = f->host->n_pci;

	pf->sriov_numvfs = n;
	f->host->pci =
	    xreallocarray(f->host->pci, old + (size_t)n, sizeof *f->host->pci);
	pf = (struct pci_device *)host_pci_find(f->host, "0000:00:02.0");
	for (i = 0; i < (size_t)n; i++) {
		struct pci_device *vf = &f->host->pci[old + i];

		memset(vf, 0, sizeof *vf);
		snprintf(
		    vf->address, sizeof vf->address, "0000:00:02.%zu", i + 1);
		vf->physfn = xstrdup(pf->address);
	}
	f->host->n_pci = old + (size_t)n;
}

static void
test_verify(void **state)
{
	struct fx_host f;
	struct plan p = PLAN_INIT;
	struct strbuf msg = STRBUF_INIT;

	(void)state;
	fx_host_load(&f, ADL);
	assert_int_equal(sverify(&f, sriov7, false, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg.buf, "no sysfsutils file sets " ATTR));
	splan_ok(&f, sriov7, &p);
	write_plan(&f, &p);
	assert_int_equal(sverify(&f, sriov7, false, &msg), VERIFY_AFTER_REBOOT);
	assert_string_equal(msg.buf, "takes effect after the reboot");
	/* a later file changes the count: the file no longer holds */
	fx_write(f.dir, "/etc/sysfs.d/zz.conf", ATTR " = 2\n");
	assert_int_equal(sverify(&f, sriov7, false, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg.buf, "/etc/sysfs.d/zz.conf:1 sets"));
	/* after the reboot, without the VFs: max_vfs is missing */
	assert_int_equal(sverify(&f, sriov7, true, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg.buf, "0000:00:02.0 has 0 VFs instead of 7"));
	assert_non_null(strstr(msg.buf, "i915.max_vfs"));
	/* max_vfs set, still no VFs: sysfsutils did not run */
	fx_write(f.dir, "/sys/module/i915/parameters/max_vfs", "7\n");
	assert_int_equal(sverify(&f, sriov7, true, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg.buf, "systemctl status sysfsutils"));
	/* the PF on another driver */
	free(((struct pci_device *)host_pci_find(f.host, "0000:00:02.0"))
		 ->driver);
	((struct pci_device *)host_pci_find(f.host, "0000:00:02.0"))->driver =
	    xstrdup("vfio-pci");
	assert_int_equal(sverify(&f, sriov7, true, &msg), VERIFY_FAILED);
	assert_non_null(strstr(msg.buf, "it is on vfio-pci, not i915"));
	/* with the VFs */
	reprobe(&f);
	fake_vfs(&f, 7);
	assert_int_equal(sverify(&f, sriov7, true, &msg), VERIFY_OK);
	assert_string_equal(msg.buf, "0000:00:02.0 has its 7 VFs");
	sb_release(&msg);
	plan_free(&p);
	fx_host_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan),
	    cmocka_unit_test(test_not_sriov),
	    cmocka_unit_test(test_refused_no_sysfsutils),
	    cmocka_unit_test(test_refused_intree_i915),
	    cmocka_unit_test(test_refused_conflict),
	    cmocka_unit_test(test_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
