/*
 * test_model_history.c: the undo screen's models (src/ui/model_history.c)
 * on transactions as engine_history gives them: the list rows (time,
 * state in one column, "open: ..." for the open one, the choices in one
 * line with the domain left out, an unreadable file by its path), no
 * transaction at all, and the detail of an undone, an open, an
 * interrupted and an unreadable transaction (files, commands, the guard's
 * typed confirmation, whether undo has anything left to do).
 */
#include "testutil.h"

#include "../../src/ui/model.h"
#include "vfio-wizard/engine.h"

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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"
static char *ch_i7[] = {"device=0000:00:02.0", "device=0000:00:03.0", "vm=100",
    "mode=legacy-igd", NULL};
static char *ch_guard[] = {"device=0000:01:00.0", "mode=pcie", "vm=101",
    "confirm=take 0000:01:00.0 from the host", NULL};
static char *ch_none[] = {NULL};
static char *argv_grub[] = {"update-grub", NULL};
static char *argv_initrd[] = {"update-initramfs", "-u", "-k", "all", NULL};

static struct engine_tx_file files_undone[] = {
    {"/etc/modprobe.d/vfio-wizard.conf", "modules", true, true, true},
    {"/etc/pve/qemu-server/100.conf", "vm", false, true, true},
};
static struct engine_tx_file files_open[] = {
    {"/etc/default/grub.d/vfio-wizard.cfg", "cmdline", true, true, false},
    {"/etc/pve/qemu-server/101.conf", "vm", false, false, false},
};
static struct engine_tx_command cmds[] = {
    {argv_grub, "cmdline", 2, 0},
    {argv_initrd, "modules", 1, 1},
};
static struct engine_tx_command cmds_not_run[] = {
    {argv_initrd, "modules", 0, 0},
};

/* The open one, an unreadable archive, an undone one, an interrupted. */
static void
sample(struct engine_tx_summary v[4])
{
	memset(v, 0, 4 * sizeof *v);
	v[0].source = "/var/lib/vfio-wizard/journal.yaml";
	v[0].open = true;
	v[0].state = ENGINE_HIST_REBOOT;
	v[0].txid = "20250401T080000Z-dddddd";
	v[0].begun = "2025-04-01T08:00:00Z";
	v[0].choices = ch_guard;
	v[0].files = files_open;
	v[0].n_files = 2;
	v[0].cmds = cmds_not_run;
	v[0].n_cmds = 1;
	v[1].source = "/var/lib/vfio-wizard/history/x.yaml";
	v[1].state = ENGINE_HIST_UNREADABLE;
	v[1].cause = "'/var/lib/vfio-wizard/history/x.yaml': journal record 1 "
		     "at byte 0 is damaged (crc mismatch) and later records "
		     "follow";
	v[1].choices = ch_none;
	v[2].source = "/var/lib/vfio-wizard/history/20250101T080000Z-a.yaml";
	v[2].state = ENGINE_HIST_UNDONE;
	v[2].txid = "20250101T080000Z-a";
	v[2].begun = "2025-01-01T08:00:00Z";
	v[2].undone = "2025-01-02T09:30:15Z";
	v[2].choices = ch_i7;
	v[2].files = files_undone;
	v[2].n_files = 2;
	v[2].cmds = cmds;
	v[2].n_cmds = 2;
	v[3].source = "/var/lib/vfio-wizard/history/20241201T080000Z-b.yaml";
	v[3].state = ENGINE_HIST_INTERRUPTED;
	v[3].txid = "20241201T080000Z-b";
	v[3].begun = "2024-12-01T08:00:00Z";
	v[3].choices = ch_none;
	v[3].torn = true;
}
#pragma GCC diagnostic pop

static void
test_rows(void **state)
{
	struct engine_tx_summary v[4];
	struct ui_lines l = UI_LINES_INIT;
	char *c;
	const char *p0, *p2;

	(void)state;
	sample(v);
	c = ui_history_choices(&v[2]);
	assert_string_equal(c, "00:02.0 00:03.0 legacy-igd VM 100");
	free(c);
	c = ui_history_choices(&v[3]);
	assert_string_equal(c, "no choices recorded");
	free(c);

	ui_model_history(v, 4, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].text, "2025-04-01 08:00  open: reboot "
					 "pending  01:00.0 pcie VM 101");
	assert_int_equal(l.v[0].role, UI_ROLE_WARN);
	assert_int_equal(l.v[1].role, UI_ROLE_FAIL);
	assert_string_equal(
	    l.v[1].text, "/var/lib/vfio-wizard/history/x.yaml  unreadable");
	assert_int_equal(l.v[2].role, UI_ROLE_INFO);
	assert_non_null(strstr(l.v[2].text, "2025-01-01 08:00  undone  "));
	assert_int_equal(l.v[3].role, UI_ROLE_WARN);
	/* the choices start in one column */
	p0 = strstr(l.v[0].text, "01:00.0");
	p2 = strstr(l.v[2].text, "00:02.0");
	assert_int_equal(p0 - l.v[0].text, p2 - l.v[2].text);
	ui_lines_free(&l);

	ui_model_history(NULL, 0, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].role, UI_ROLE_OK);
	assert_non_null(strstr(l.v[0].text, "No transactions"));
	ui_lines_free(&l);
}

static void
test_detail_undone(void **state)
{
	struct engine_tx_summary v[4];
	struct ui_lines l = UI_LINES_INIT;
	long files, cmd;

	(void)state;
	sample(v);
	ui_model_history_detail(&v[2], &l);
	assert_int_equal(find(&l, UI_ROLE_TITLE, "Transaction 20250101T"), 0);
	assert_true(
	    find(&l, UI_ROLE_NORMAL, "begun 2025-01-01 08:00:00 UTC") > 0);
	assert_true(
	    find(&l, UI_ROLE_NORMAL, "undone 2025-01-02 09:30:15 UTC") > 0);
	assert_true(find(&l, UI_ROLE_INFO, "Already undone") > 0);
	assert_true(find(&l, UI_ROLE_NORMAL, "device=0000:00:03.0") > 0);
	files = find(&l, UI_ROLE_TITLE, "Files");
	assert_true(files > 0);
	assert_true(find(&l, UI_ROLE_OK,
			"/etc/modprobe.d/vfio-wizard.conf: created, removed "
			"again by undo (step modules)") > files);
	assert_true(find(&l, UI_ROLE_OK,
			"/etc/pve/qemu-server/100.conf: changed, put back by "
			"undo (step vm)") > files);
	cmd = find(&l, UI_ROLE_COMMAND, "update-initramfs -u -k all");
	assert_true(cmd > files);
	/* a failed last run stands out */
	assert_int_equal(l.v[cmd + 1].role, UI_ROLE_WARN);
	assert_non_null(
	    strstr(l.v[cmd + 1].text, "ran 1 time(s), last exit status 1"));
	assert_true(
	    find(&l, UI_ROLE_DIM, "ran 2 time(s), last exit status 0") > files);
	ui_lines_free(&l);
}

static void
test_detail_others(void **state)
{
	struct engine_tx_summary v[4];
	struct ui_lines l = UI_LINES_INIT;

	(void)state;
	sample(v);
	/* the open one: Enter previews the undo; the guard lifted */
	ui_model_history_detail(&v[0], &l);
	assert_true(find(&l, UI_ROLE_HINT, "This transaction is open") > 0);
	assert_true(find(&l, UI_ROLE_WARN,
			"guard lifted by the typed confirmation 'take "
			"0000:01:00.0 from the host'") > 0);
	assert_true(find(&l, UI_ROLE_NORMAL,
			"/etc/default/grub.d/vfio-wizard.cfg: created") > 0);
	assert_true(find(&l, UI_ROLE_DIM,
			"/etc/pve/qemu-server/101.conf: planned, not "
			"written") > 0);
	assert_true(find(&l, UI_ROLE_DIM, "not run") > 0);
	ui_lines_free(&l);

	/* interrupted before it wrote anything: nothing to undo */
	ui_model_history_detail(&v[3], &l);
	assert_true(find(&l, UI_ROLE_INFO, "Nothing to undo") > 0);
	assert_true(find(&l, UI_ROLE_DIM, "last record was cut off") > 0);
	assert_true(find(&l, UI_ROLE_DIM, "none recorded") > 0);
	assert_true(find(&l, UI_ROLE_DIM, "none") > 0);
	ui_lines_free(&l);

	/* unreadable: the file, why, and what to do */
	ui_model_history_detail(&v[1], &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].text, v[1].source);
	assert_int_equal(l.v[1].role, UI_ROLE_FAIL);
	assert_non_null(strstr(l.v[1].text, "crc mismatch"));
	assert_int_equal(l.v[2].role, UI_ROLE_HINT);
	ui_lines_free(&l);

	assert_string_equal(ui_history_state(&v[2]), "undone");
	v[2].state = ENGINE_HIST_FAILED;
	assert_int_equal(ui_history_role(&v[2]), UI_ROLE_FAIL);
	v[2].state = ENGINE_HIST_VERIFIED;
	assert_int_equal(ui_history_role(&v[2]), UI_ROLE_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_detail_undone),
	    cmocka_unit_test(test_detail_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
