/*
 * test_ui_model_choice.c: the choice screen's rows for the CLI's --vfs,
 * --x-vga and --blacklist (src/ui/model_choice.c) on fixture hosts: the
 * VF count only in SR-IOV mode (alderlake-uefi-grub, sriov_totalvfs 7),
 * the x-vga toggle only for a whole GPU (ryzen-nvidia's RTX 3060, not the
 * i7-4770's iGPU), the blacklist rows for any device with each chosen
 * module removable, the option ROM row for legacy IGD on an OVMF VM alone
 * (cometlake-zfs-sdboot's VM 100); and the checks of a typed count and
 * module name.
 */
#include "testutil.h"

#include "../../src/ui/model.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/step.h"

#include <stdlib.h>
#include <string.h>

struct mc {
	struct fx_host fx;
	struct choices c;
	struct check_result *check;
	struct ui_choicerows r;
	const struct verdict *v;
};

/* Load host, choose "key=value" items, check, build the rows for dev. */
static void
mc_load(
    struct mc *t, const char *host, const char *dev, const char *const *items)
{
	struct check_options co = {NULL, 0, NULL};
	const char *devs[1] = {dev};
	char *cause = NULL;
	size_t i;

	memset(t, 0, sizeof *t);
	fx_host_load(&t->fx, host);
	choices_add(&t->c, "device", dev);
	for (i = 0; items != NULL && items[i] != NULL; i++) {
		const char *eq = strchr(items[i], '=');
		char *key = xstrndup(items[i], (size_t)(eq - items[i]));

		choices_add(&t->c, key, eq + 1);
		free(key);
	}
	co.devices = devs;
	co.n_devices = 1;
	co.choices = &t->c;
	assert_int_equal(
	    check_run(t->fx.host, t->fx.kb, &co, &t->check, &cause), 0);
	for (i = 0; i < t->fx.host->n_pci; i++)
		if (strcmp(t->fx.host->pci[i].address, dev) == 0)
			t->v = ui_verdict_of(t->check, i);
	assert_non_null(t->v);
	ui_model_choice(t->fx.host, t->v, &t->c, &t->r);
}

static void
mc_free(struct mc *t)
{
	ui_choicerows_free(&t->r);
	check_result_free(t->check);
	choices_free(&t->c);
	fx_host_free(&t->fx);
}

/* The first row of kind k whose text contains text, or -1. */
static int
row(const struct mc *t, enum ui_choice_kind k, const char *text)
{
	size_t i;

	for (i = 0; i < t->r.lines.n; i++)
		if (t->r.kind[i] == k &&
		    strstr(t->r.lines.v[i].text, text) != NULL)
			return (int)i;
	return -1;
}

/* SR-IOV: the count row with the default 7, then a chosen 3. */
static void
test_vfs_row(void **state)
{
	static const char *const sriov[] = {"mode=sr-iov", NULL};
	static const char *const three[] = {"mode=sr-iov", "vfs=3", NULL};
	static const char *const vfio[] = {"mode=vfio", NULL};
	struct ui_lines ex = UI_LINES_INIT;
	struct mc t;
	int i;

	(void)state;
	mc_load(&t, "alderlake-uefi-grub", "0000:00:02.0", sriov);
	i = row(&t, UI_CHOICE_VFS, "virtual functions: 7 (default, up to 7)");
	assert_true(i >= 0);
	assert_string_equal(t.r.value[i], "7");
	assert_int_equal(t.r.lines.v[i].role, UI_ROLE_PENDING);
	assert_true(t.r.usable[i]);
	assert_int_equal(row(&t, UI_CHOICE_XVGA, ""), -1);
	ui_model_choice_explain(t.fx.host, t.v, &t.c, &t.r, (size_t)i, &ex);
	assert_non_null(strstr(ex.v[0].text, "sriov_totalvfs"));
	ui_lines_free(&ex);
	assert_int_equal(ui_choice_vfs_default(t.fx.host, t.v), 7);
	mc_free(&t);

	mc_load(&t, "alderlake-uefi-grub", "0000:00:02.0", three);
	i = row(&t, UI_CHOICE_VFS, "virtual functions: 3 (up to 7)");
	assert_true(i >= 0);
	assert_string_equal(t.r.value[i], "3");
	assert_int_equal(t.r.lines.v[i].role, UI_ROLE_OK);
	mc_free(&t);

	/* not SR-IOV: no count row */
	mc_load(&t, "alderlake-uefi-grub", "0000:00:02.0", vfio);
	assert_int_equal(row(&t, UI_CHOICE_VFS, ""), -1);
	mc_free(&t);
}

/*
 * Legacy IGD for an OVMF VM: the option ROM row, a warning until a file is
 * named, and why; not for a SeaBIOS VM, nor in another mode.
 */
static void
test_romfile_row(void **state)
{
	static const char *const igd[] = {"mode=legacy-igd", "vm=100", NULL};
	static const char *const rom[] = {
	    "mode=legacy-igd", "vm=100", "romfile=igd.rom", NULL};
	static const char *const gvt[] = {"mode=gvt-g", "vm=100", NULL};
	static const char *const seabios[] = {
	    "mode=legacy-igd", "vm=100", NULL};
	struct ui_lines ex = UI_LINES_INIT;
	struct mc t;
	int i;

	(void)state;
	/* Comet Lake's VM 100 boots OVMF */
	mc_load(&t, "cometlake-zfs-sdboot", "0000:00:02.0", igd);
	i = row(&t, UI_CHOICE_ROMFILE, "romfile: none chosen");
	assert_true(i >= 0);
	assert_null(t.r.value[i]);
	assert_int_equal(t.r.lines.v[i].role, UI_ROLE_WARN);
	assert_true(t.r.usable[i]);
	ui_model_choice_explain(t.fx.host, t.v, &t.c, &t.r, (size_t)i, &ex);
	assert_non_null(strstr(ex.v[0].text, "OVMF needs an IGD option ROM"));
	ui_lines_free(&ex);
	mc_free(&t);

	mc_load(&t, "cometlake-zfs-sdboot", "0000:00:02.0", rom);
	i = row(&t, UI_CHOICE_ROMFILE, "romfile: igd.rom");
	assert_true(i >= 0);
	assert_string_equal(t.r.value[i], "igd.rom");
	assert_int_equal(t.r.lines.v[i].role, UI_ROLE_OK);
	mc_free(&t);

	mc_load(&t, "cometlake-zfs-sdboot", "0000:00:02.0", gvt);
	assert_int_equal(row(&t, UI_CHOICE_ROMFILE, ""), -1);
	mc_free(&t);

	/* the i7-4770's VM 100 boots SeaBIOS: no option ROM asked */
	mc_load(&t, "i7-4770-pve8", "0000:00:02.0", seabios);
	assert_int_equal(row(&t, UI_CHOICE_ROMFILE, ""), -1);
	mc_free(&t);
}

/* A typed count is checked as selection.c checks "vfs=". */
static void
test_vfs_check(void **state)
{
	struct mc t;
	char *why;

	(void)state;
	mc_load(&t, "alderlake-uefi-grub", "0000:00:02.0", NULL);
	assert_null(ui_choice_check_vfs(t.fx.host, t.v, "1"));
	assert_null(ui_choice_check_vfs(t.fx.host, t.v, "7"));
	why = ui_choice_check_vfs(t.fx.host, t.v, "8");
	assert_string_equal(
	    why, "'8' is not a VF count this GPU offers (1 to 7)");
	free(why);
	free(ui_choice_check_vfs(t.fx.host, t.v, "0"));
	why = ui_choice_check_vfs(t.fx.host, t.v, "-1");
	assert_non_null(why);
	free(why);
	why = ui_choice_check_vfs(t.fx.host, t.v, "3x");
	assert_non_null(why);
	free(why);
	why = ui_choice_check_vfs(t.fx.host, t.v, "");
	assert_non_null(why);
	free(why);
	mc_free(&t);
}

/* x-vga: a whole GPU only; off, then on with "x-vga=1". */
static void
test_xvga_row(void **state)
{
	static const char *const on[] = {"x-vga=1", NULL};
	struct ui_lines ex = UI_LINES_INIT;
	struct mc t;
	int i;

	(void)state;
	mc_load(&t, "ryzen-nvidia", "0000:05:00.0", NULL);
	i = row(&t, UI_CHOICE_XVGA, "x-vga=1: this GPU is the VM's display");
	assert_true(i >= 0);
	assert_string_equal(t.r.value[i], "0");
	assert_int_equal(t.r.lines.v[i].role, UI_ROLE_PENDING);
	assert_int_equal(t.r.kind[i + 1], UI_CHOICE_NONE);
	assert_non_null(strstr(t.r.lines.v[i + 1].text, "vga: none"));
	assert_int_equal(row(&t, UI_CHOICE_VFS, ""), -1);
	ui_model_choice_explain(t.fx.host, t.v, &t.c, &t.r, (size_t)i, &ex);
	assert_non_null(strstr(ex.v[0].text, "primary VGA display"));
	ui_lines_free(&ex);
	mc_free(&t);

	mc_load(&t, "ryzen-nvidia", "0000:05:00.0", on);
	i = row(&t, UI_CHOICE_XVGA, "x-vga=1");
	assert_string_equal(t.r.value[i], "1");
	assert_int_equal(t.r.lines.v[i].role, UI_ROLE_OK);
	mc_free(&t);

	/* an Intel iGPU: no x-vga row (legacy IGD implies it) */
	mc_load(&t, "i7-4770-pve8", "0000:00:02.0", NULL);
	assert_int_equal(row(&t, UI_CHOICE_XVGA, ""), -1);
	mc_free(&t);
}

/* The blacklist rows: each chosen module, then "also blacklist". */
static void
test_blacklist_rows(void **state)
{
	static const char *const two[] = {
	    "blacklist=nouveau", "blacklist=nvidiafb", NULL};
	struct mc t;
	int i, add;

	(void)state;
	mc_load(&t, "ryzen-nvidia", "0000:05:00.0", NULL);
	assert_int_equal(row(&t, UI_CHOICE_BLACKLIST, ""), -1);
	assert_true(
	    row(&t, UI_CHOICE_BLACKLIST_ADD, "also blacklist a driver") >= 0);
	mc_free(&t);

	mc_load(&t, "ryzen-nvidia", "0000:05:00.0", two);
	i = row(&t, UI_CHOICE_BLACKLIST, "nouveau");
	assert_true(i >= 0);
	assert_string_equal(t.r.value[i], "nouveau");
	assert_int_equal(t.r.lines.v[i].role, UI_ROLE_OK);
	assert_true(row(&t, UI_CHOICE_BLACKLIST, "nvidiafb") > i);
	add = row(&t, UI_CHOICE_BLACKLIST_ADD, "");
	assert_true(add > row(&t, UI_CHOICE_BLACKLIST, "nvidiafb"));
	mc_free(&t);
}

/* A typed module name is checked as selection.c checks "blacklist=". */
static void
test_module_check(void **state)
{
	char *why = NULL, *name;

	(void)state;
	name = ui_choice_module("snd-hda-intel", &why);
	assert_string_equal(name, "snd_hda_intel");
	assert_null(why);
	free(name);
	assert_null(ui_choice_module("nou veau", &why));
	assert_string_equal(why, "'nou veau' is not a module name");
	free(why);
	why = NULL;
	assert_null(ui_choice_module("../x", &why));
	assert_non_null(why);
	free(why);
	why = NULL;
	assert_null(ui_choice_module(
	    "a1234567890123456789012345678901234567890123456789012345", &why));
	free(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vfs_row),
	    cmocka_unit_test(test_vfs_check),
	    cmocka_unit_test(test_romfile_row),
	    cmocka_unit_test(test_xvga_row),
	    cmocka_unit_test(test_blacklist_rows),
	    cmocka_unit_test(test_module_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
