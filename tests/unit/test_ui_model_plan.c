/*
 * test_ui_model_plan.c: the review's, finish's and undo screen's models
 * (src/ui/model_plan.c): a unified diff as coloured lines, the plan of
 * the i7-4770 fixture host (its GRUB drop-in, modprobe.d file, VM config
 * lines and commands with their purpose), an empty plan, what an apply
 * did, and the undo preview with and without a conflict
 * (engine_undo_preview after an apply on the fixture).
 */
#include "testutil.h"

#include "../../src/ui/model.h"
#include "vfio-wizard/engine.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"

#include <stdlib.h>
#include <string.h>

/* The index of the first line whose text contains s with role, or -1. */
static long
find(const struct ui_lines *l, enum ui_role role, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].role == role && strstr(l->v[i].text, s) != NULL)
			return (long)i;
	return -1;
}

static void
test_diff(void **state)
{
	struct ui_lines l = UI_LINES_INIT;

	(void)state;
	ui_model_diff("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n"
		      "\\ No newline at end of file\n",
	    2, false, &l);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.v[0].role, UI_ROLE_HUNK);
	assert_string_equal(l.v[0].text, "@@ -1,2 +1,2 @@");
	assert_int_equal(l.v[1].role, UI_ROLE_NORMAL);
	assert_int_equal(l.v[2].role, UI_ROLE_DEL);
	assert_string_equal(l.v[2].text, "-old");
	assert_int_equal(l.v[3].role, UI_ROLE_ADD);
	assert_int_equal(l.v[4].role, UI_ROLE_DIM);
	assert_int_equal(l.v[3].indent, 2);
	ui_lines_free(&l);
	/* with headers: the ---/+++ lines too */
	ui_model_diff("--- a/f\n+++ b/f\n", 0, true, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].role, UI_ROLE_HUNK);
	ui_lines_free(&l);
	ui_model_diff("", 0, true, &l);
	assert_int_equal(l.n, 0);
}

struct pt {
	struct fx_host fx;
	struct choices c;
	struct plan plan;
};

static void
pt_load(struct pt *t, const char *host, const char *const *items)
{
	char *cause = NULL;
	size_t i;

	memset(t, 0, sizeof *t);
	fx_host_load(&t->fx, host);
	for (i = 0; items[i] != NULL; i++) {
		const char *eq = strchr(items[i], '=');
		char *key = xstrndup(items[i], (size_t)(eq - items[i]));

		choices_add(&t->c, key, eq + 1);
		free(key);
	}
	assert_int_equal(
	    choices_complete(t->fx.host, t->fx.kb, &t->c, &cause), 0);
	assert_int_equal(engine_plan(t->fx.root, t->fx.host, &t->c, steps_all(),
			     &t->plan, &cause),
	    0);
}

static void
pt_free(struct pt *t)
{
	plan_free(&t->plan);
	choices_free(&t->c);
	fx_host_free(&t->fx);
}

static const char *const i7_items[] = {
    "device=0000:00:02.0", "device=0000:00:03.0", "vm=100", NULL};

static void
test_plan_i7(void **state)
{
	struct ui_lines l = UI_LINES_INIT;
	struct pt t;
	long grub, mod, vm, cmds, initrd;

	(void)state;
	pt_load(&t, "i7-4770-pve8", i7_items);
	ui_model_plan(&t.plan, &l);
	grub = find(&l, UI_ROLE_HUNK,
	    "/etc/default/grub.d/vfio-wizard.cfg: new file (step cmdline)");
	mod = find(&l, UI_ROLE_HUNK, "/etc/modprobe.d/vfio-wizard.conf: new");
	vm = find(&l, UI_ROLE_HUNK, "/etc/pve/qemu-server/100.conf: changed");
	assert_true(grub >= 0 && mod > grub && vm > mod);
	/* the drop-in's lines are added lines, indented under the file */
	assert_true(find(&l, UI_ROLE_ADD, "intel_iommu=on") > grub);
	assert_int_equal(l.v[grub + 2].indent, 2);
	assert_true(find(&l, UI_ROLE_ADD, "+hostpci0: ") > vm);
	/* no ---/+++ headers: the heading names the file */
	assert_int_equal(find(&l, UI_ROLE_HUNK, "+++ "), -1);
	cmds = find(&l, UI_ROLE_TITLE, "Commands");
	assert_true(cmds > vm);
	assert_true(find(&l, UI_ROLE_COMMAND, "update-grub") > cmds);
	initrd = find(&l, UI_ROLE_COMMAND, "update-initramfs -u -k all");
	assert_true(initrd > cmds);
	/* the purpose below its command */
	assert_int_equal(l.v[initrd + 1].role, UI_ROLE_DIM);
	assert_true(strstr(l.v[initrd + 1].text, "initramfs") != NULL);
	ui_lines_free(&l);

	/* what an apply did: each file written, each command run */
	ui_model_plan_done(&t.plan, &l);
	assert_int_equal(l.n, t.plan.n_files + t.plan.n_cmds);
	assert_true(find(&l, UI_ROLE_OK,
			"wrote /etc/modprobe.d/vfio-wizard.conf") >= 0);
	assert_true(find(&l, UI_ROLE_OK, "ran update-grub") >= 0);
	ui_lines_free(&l);
	pt_free(&t);
}

static void
test_plan_empty(void **state)
{
	struct ui_lines l = UI_LINES_INIT;
	struct plan p = PLAN_INIT;

	(void)state;
	ui_model_plan(&p, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].role, UI_ROLE_OK);
	assert_non_null(strstr(l.v[0].text, "Nothing to do"));
	ui_lines_free(&l);
	plan_note(&p, "cmdline", "a note with %s", "its subject");
	ui_model_plan(&p, &l);
	assert_true(find(&l, UI_ROLE_INFO, "a note with its subject") > 0);
	ui_lines_free(&l);
	plan_free(&p);
}

static void
test_undo(void **state)
{
	struct engine_undo_file *f = NULL;
	struct ui_lines l = UI_LINES_INIT;
	enum engine_outcome oc;
	enum engine_tx tx;
	char *cause = NULL;
	struct pt t;
	size_t n = 0;

	(void)state;
	/* no transaction: nothing to undo */
	pt_load(&t, "i7-4770-pve8", i7_items);
	assert_int_equal(engine_tx_state(t.fx.root, t.fx.host, &tx, &cause), 0);
	assert_int_equal(tx, ENGINE_TX_NONE);
	assert_int_equal(engine_undo_preview(t.fx.root, &f, &n, &cause), 0);
	assert_int_equal(ui_model_undo(f, n, &l), 0);
	assert_true(find(&l, UI_ROLE_OK, "nothing to undo") >= 0);
	ui_lines_free(&l);

	assert_int_equal(engine_apply(t.fx.root, t.fx.host, &t.c, steps_all(),
			     &t.plan, NULL, &oc, &cause),
	    0);
	assert_int_equal(oc, ENGINE_REBOOT);
	assert_int_equal(engine_tx_state(t.fx.root, t.fx.host, &tx, &cause), 0);
	assert_int_equal(tx, ENGINE_TX_REBOOT);
	assert_int_equal(engine_undo_preview(t.fx.root, &f, &n, &cause), 0);
	assert_int_equal(n, t.plan.n_files);
	assert_int_equal(ui_model_undo(f, n, &l), 0);
	/* a created file: undo removes it, every line a removed one */
	assert_true(find(&l, UI_ROLE_HUNK,
			"/etc/modprobe.d/vfio-wizard.conf: restored") >= 0);
	assert_true(find(&l, UI_ROLE_DEL, "-options vfio-pci") >= 0);
	/* the VM config: the hostpci lines go again */
	assert_true(find(&l, UI_ROLE_DEL, "-hostpci0: ") >= 0);
	assert_int_equal(find(&l, UI_ROLE_FAIL, ""), -1);
	ui_lines_free(&l);
	engine_undo_files_free(f, n);

	/* someone changed a file since: a conflict with its diff */
	fx_write(t.fx.dir, "/etc/modprobe.d/vfio-wizard.conf",
	    "options kvm ignore_msrs=1\n");
	assert_int_equal(engine_undo_preview(t.fx.root, &f, &n, &cause), 0);
	assert_int_equal(ui_model_undo(f, n, &l), 1);
	assert_int_equal(find(&l, UI_ROLE_FAIL, "1 file(s) changed"), 0);
	assert_true(find(&l, UI_ROLE_FAIL,
			"/etc/modprobe.d/vfio-wizard.conf: changed since") > 0);
	assert_true(find(&l, UI_ROLE_ADD, "+options kvm ignore_msrs=1") > 0);
	assert_true(find(&l, UI_ROLE_HUNK, "(as the wizard wrote it)") > 0);
	ui_lines_free(&l);
	engine_undo_files_free(f, n);
	pt_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diff),
	    cmocka_unit_test(test_plan_i7),
	    cmocka_unit_test(test_plan_empty),
	    cmocka_unit_test(test_undo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
