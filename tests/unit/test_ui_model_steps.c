/*
 * test_ui_model_steps.c: the main screen's model (src/ui/model_steps.c)
 * on fixture hosts: check_run()'s findings grouped into the six steps with
 * their evidence, each step's state from the findings, the choices and
 * the plan, the VM step's own words when no VM is chosen, and the title
 * line.
 */
#include "testutil.h"

#include "../../src/ui/model.h"
#include "vfio-wizard/engine.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"

#include <stdlib.h>
#include <string.h>

struct mt {
	struct fx_host fx;
	struct choices c;
	struct check_result *check;
	struct plan plan;
	char *cause;
	struct ui_model_in in;
};

/* Load a host, choose items ("key=value", NULL-terminated), check, plan. */
static void
mt_load(struct mt *t, const char *host, const char *const *items)
{
	struct check_options co = {NULL, 0, NULL};
	const char *dev = NULL;
	char *cause = NULL;
	size_t i;

	memset(t, 0, sizeof *t);
	fx_host_load(&t->fx, host);
	for (i = 0; items != NULL && items[i] != NULL; i++) {
		const char *eq = strchr(items[i], '=');
		char *key = xstrndup(items[i], (size_t)(eq - items[i]));

		choices_add(&t->c, key, eq + 1);
		if (strcmp(key, "device") == 0)
			dev = eq + 1;
		free(key);
	}
	if (dev != NULL) {
		co.devices = &dev;
		co.n_devices = 1;
		assert_int_equal(
		    choices_complete(t->fx.host, t->fx.kb, &t->c, &cause), 0);
	}
	co.choices = &t->c;
	assert_int_equal(
	    check_run(t->fx.host, t->fx.kb, &co, &t->check, &cause), 0);
	t->in.host = t->fx.host;
	t->in.check = t->check;
	t->in.choices = &t->c;
	t->in.steps = steps_all();
	if (engine_plan(t->fx.root, t->fx.host, &t->c, steps_all(), &t->plan,
		&t->cause) == 0)
		t->in.plan = &t->plan;
	t->in.plan_cause = t->cause;
}

static void
mt_free(struct mt *t)
{
	plan_free(&t->plan);
	check_result_free(t->check);
	choices_free(&t->c);
	free(t->cause);
	fx_host_free(&t->fx);
}

/* The index of the first line containing text with role, or -1. */
static int
find_line(const struct ui_lines *l, const char *text, int role)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strstr(l->v[i].text, text) != NULL &&
		    (role < 0 || l->v[i].role == (enum ui_role)role))
			return (int)i;
	return -1;
}

static enum ui_step_state
st(struct mt *t, enum ui_step_id id)
{
	return ui_step_state(&t->in, id);
}

/* The i7-4770 with nothing chosen: the IOMMU alone is planned. */
static void
test_i7_nothing_chosen(void **state)
{
	struct ui_lines steps = UI_LINES_INIT, f = UI_LINES_INIT;
	struct mt t;
	int i;

	(void)state;
	mt_load(&t, "i7-4770-pve8", NULL);
	assert_non_null(t.in.plan);
	ui_model_steps(&t.in, &steps);
	assert_int_equal(steps.n, UI_STEP__COUNT);
	assert_string_equal(steps.v[0].text, "Firmware");
	assert_string_equal(steps.v[1].text, "Command line");
	assert_string_equal(steps.v[2].text, "Modules");
	assert_string_equal(steps.v[3].text, "Devices");
	assert_string_equal(steps.v[4].text, "VM config");
	assert_string_equal(steps.v[5].text, "Reboot");
	assert_int_equal(st(&t, UI_STEP_FIRMWARE), UI_STATE_DONE);
	assert_int_equal(steps.v[0].role, UI_ROLE_OK);
	/* intel_iommu=on is missing: the command line step has work */
	assert_int_equal(st(&t, UI_STEP_CMDLINE), UI_STATE_NEEDED);
	assert_int_equal(steps.v[1].role, UI_ROLE_WARN);
	assert_int_equal(st(&t, UI_STEP_DEVICES), UI_STATE_NOT_YET);
	assert_int_equal(steps.v[3].role, UI_ROLE_PENDING);
	assert_int_equal(st(&t, UI_STEP_VM), UI_STATE_NOT_YET);
	assert_int_equal(st(&t, UI_STEP_REBOOT), UI_STATE_NEEDED);

	/* Firmware: firmware and IOMMU findings, evidence below each */
	ui_model_step_findings(&t.in, UI_STEP_FIRMWARE, &f);
	i = find_line(&f, "VT-x is available", UI_ROLE_OK);
	assert_true(i >= 0);
	assert_int_equal(f.v[i + 1].role, UI_ROLE_DIM);
	assert_non_null(strstr(f.v[i + 1].text, "vmx"));
	i = find_line(&f, "the IOMMU is not active", UI_ROLE_WARN);
	assert_true(i >= 0);
	assert_true(find_line(&f, "intel_iommu=on", UI_ROLE_HINT) > i);
	assert_true(find_line(&f, "DMAR", UI_ROLE_DIM) >= 0);
	assert_int_equal(find_line(&f, "GRUB", -1), -1);
	ui_lines_free(&f);

	/* Command line: the boot findings, then what the plan changes */
	ui_model_step_findings(&t.in, UI_STEP_CMDLINE, &f);
	assert_true(find_line(&f, "boots with GRUB", UI_ROLE_INFO) >= 0);
	assert_true(find_line(&f, "/etc/default/grub", UI_ROLE_WARN) >= 0);
	assert_true(find_line(&f, "update-grub", UI_ROLE_WARN) >= 0);
	ui_lines_free(&f);

	ui_model_step_findings(&t.in, UI_STEP_DEVICES, &f);
	assert_true(find_line(&f, "no device chosen", UI_ROLE_PENDING) >= 0);
	assert_true(find_line(&f, "0000:00:02.0", UI_ROLE_OK) >= 0);
	ui_lines_free(&f);
	ui_model_step_findings(&t.in, UI_STEP_REBOOT, &f);
	assert_true(find_line(&f, "after a reboot", UI_ROLE_WARN) >= 0);
	ui_lines_free(&f);
	ui_lines_free(&steps);
	mt_free(&t);
}

/* The iGPU chosen for VM 100: modules and VM config have work too. */
static void
test_i7_igpu_vm(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "vm=100", NULL};
	struct ui_lines f = UI_LINES_INIT;
	struct mt t;
	char *title;

	(void)state;
	mt_load(&t, "i7-4770-pve8", items);
	assert_non_null(t.in.plan);
	assert_int_equal(st(&t, UI_STEP_DEVICES), UI_STATE_DONE);
	assert_int_equal(st(&t, UI_STEP_MODULES), UI_STATE_NEEDED);
	assert_int_equal(st(&t, UI_STEP_VM), UI_STATE_NEEDED);
	assert_int_equal(st(&t, UI_STEP_REBOOT), UI_STATE_NEEDED);

	ui_model_step_findings(&t.in, UI_STEP_DEVICES, &f);
	assert_true(find_line(&f, "chosen: 0000:00:02.0", UI_ROLE_OK) >= 0);
	/* 00:03.0 is another slot, not chosen: the plan leaves it out */
	assert_true(find_line(&f, "left out: 0000:00:03.0", UI_ROLE_DIM) >= 0);
	ui_lines_free(&f);
	ui_model_step_findings(&t.in, UI_STEP_VM, &f);
	assert_true(
	    find_line(&f, "/etc/pve/qemu-server/100.conf", UI_ROLE_WARN) >= 0);
	ui_lines_free(&f);
	ui_model_step_findings(&t.in, UI_STEP_MODULES, &f);
	assert_true(find_line(&f, "vfio", UI_ROLE_OK) >= 0);
	assert_true(find_line(&f, "/etc/modprobe.d/vfio-wizard.conf",
			UI_ROLE_WARN) >= 0);
	assert_true(find_line(&f, "update-initramfs", UI_ROLE_WARN) >= 0);
	ui_lines_free(&f);

	title = ui_model_title(&t.in, false);
	assert_string_equal(title,
	    "vfio-wizard " PACKAGE_VERSION " - pve - Intel Core i7-4770 - "
	    "HD Graphics 4600 -> VM 100 (win10)");
	free(title);
	title = ui_model_title(&t.in, true);
	assert_non_null(
	    strstr(title, " \u2500 pve \u2500 Intel Core i7-4770 "));
	assert_non_null(
	    strstr(title, "HD Graphics 4600 \u2192 VM 100 (win10)"));
	free(title);
	mt_free(&t);
}

/*
 * The iGPU chosen, no VM: the VM step says how to choose one on screen
 * (Enter on the step), not the command line's --vm ID, and keeps the
 * note's 'qm create' example with the settings legacy IGD needs.
 */
static void
test_i7_igpu_no_vm(void **state)
{
	static const char *const items[] = {"device=0000:00:02.0", NULL};
	struct ui_lines f = UI_LINES_INIT;
	struct mt t;
	size_t i;
	int k;

	(void)state;
	mt_load(&t, "i7-4770-pve8", items);
	assert_non_null(t.in.plan);
	assert_int_equal(st(&t, UI_STEP_VM), UI_STATE_NOT_YET);
	ui_model_step_findings(&t.in, UI_STEP_VM, &f);
	assert_true(find_line(&f, "no VM chosen yet", UI_ROLE_PENDING) >= 0);
	assert_true(find_line(&f,
			"Enter on this step chooses one of the "
			"host's VMs",
			UI_ROLE_HINT) >= 0);
	k = find_line(&f, "'qm create 102 --name passthrough", UI_ROLE_HINT);
	assert_true(k >= 0);
	assert_non_null(strstr(f.v[k].text, "--machine pc --bios seabios "
					    "--vga none', then start "
					    "vfio-wizard again"));
	for (i = 0; i < f.n; i++)
		assert_null(strstr(f.v[i].text, "--vm"));
	ui_lines_free(&f);
	mt_free(&t);
}

/* The finished host: every step is done, nothing waits for a reboot. */
static void
test_i7_done(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "vm=100", NULL};
	struct mt t;
	int id;

	(void)state;
	mt_load(&t, "i7-4770-pve8-done", items);
	assert_non_null(t.in.plan);
	for (id = 0; id < UI_STEP__COUNT; id++)
		assert_int_equal(st(&t, (enum ui_step_id)id), UI_STATE_DONE);
	mt_free(&t);
}

/* The i7-4770K has no VT-d: Firmware is blocked and so is planning. */
static void
test_i7k_blocked(void **state)
{
	struct ui_lines f = UI_LINES_INIT;
	struct mt t;

	(void)state;
	mt_load(&t, "i7-4770k-pve8", NULL);
	assert_int_equal(st(&t, UI_STEP_FIRMWARE), UI_STATE_BLOCKED);
	ui_model_step_findings(&t.in, UI_STEP_FIRMWARE, &f);
	assert_true(find_line(&f, "VT-d", UI_ROLE_FAIL) >= 0);
	ui_lines_free(&f);
	if (t.in.plan == NULL) {
		assert_int_equal(st(&t, UI_STEP_CMDLINE), UI_STATE_BLOCKED);
		ui_model_step_findings(&t.in, UI_STEP_CMDLINE, &f);
		assert_true(
		    find_line(&f, "nothing planned", UI_ROLE_FAIL) >= 0);
		ui_lines_free(&f);
	}
	mt_free(&t);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_i7_nothing_chosen),
	    cmocka_unit_test(test_i7_igpu_vm),
	    cmocka_unit_test(test_i7_igpu_no_vm),
	    cmocka_unit_test(test_i7_done),
	    cmocka_unit_test(test_i7k_blocked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
