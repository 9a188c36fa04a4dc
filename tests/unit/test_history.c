/*
 * test_history.c: engine_history (src/engine/history.c): no journal at
 * all; the i7-4770 fixture applied (the open transaction, reboot pending),
 * undone (archived: every file restored, the created ones marked) and
 * applied again (open first, then the archive); journals written with the
 * journal's own calls and archived with journal_archive: newest first, an
 * interrupted apply, a verified and a failed one after the reboot; an
 * archive without a whole record, a symlink and an open journal damaged
 * before its last record are listed as
 * unreadable with their cause, the others still listed; stray names in
 * history/ are skipped.
 */
#include "testutil.h"

#include "vfio-wizard/engine.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/journal.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"

#include <stdlib.h>
#include <string.h>

#define HIST "/var/lib/vfio-wizard/history"
#define JPATH "/var/lib/vfio-wizard/journal.yaml"

static bool
has_choice(const struct engine_tx_summary *s, const char *item)
{
	size_t i;

	for (i = 0; s->choices[i] != NULL; i++)
		if (strcmp(s->choices[i], item) == 0)
			return true;
	return false;
}

static const struct engine_tx_file *
file_of(const struct engine_tx_summary *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n_files; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return &s->files[i];
	return NULL;
}

static void
test_none(void **state)
{
	struct engine_tx_summary *v = NULL;
	char *dir = fx_mkroot(), *cause = NULL;
	struct root *r;
	size_t n = 7;

	(void)state;
	assert_int_equal(root_open(dir, &r), 0);
	assert_int_equal(engine_history(r, &v, &n, &cause), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_null(cause);
	/* an empty history directory: still nothing */
	fx_mkdir(dir, HIST);
	assert_int_equal(engine_history(r, &v, &n, &cause), 0);
	assert_int_equal(n, 0);
	root_free(r);
	fx_rmroot(dir);
}

/* Plan the i7-4770's iGPU and audio for VM 100 and apply. */
static void
apply_i7(struct fx_host *fx)
{
	struct choices c = {NULL, 0};
	struct plan p = PLAN_INIT;
	enum engine_outcome oc;
	char *cause = NULL;

	choices_add(&c, "device", "0000:00:02.0");
	choices_add(&c, "device", "0000:00:03.0");
	choices_add(&c, "vm", "100");
	assert_int_equal(choices_complete(fx->host, fx->kb, &c, &cause), 0);
	assert_int_equal(
	    engine_plan(fx->root, fx->host, &c, steps_all(), &p, &cause), 0);
	assert_int_equal(engine_apply(fx->root, fx->host, &c, steps_all(), &p,
			     NULL, &oc, &cause),
	    0);
	assert_int_equal(oc, ENGINE_REBOOT);
	plan_free(&p);
	choices_free(&c);
}

static void
test_engine_flow(void **state)
{
	struct engine_tx_summary *v = NULL;
	const struct engine_tx_file *f;
	struct strbuf conflicts = STRBUF_INIT;
	enum engine_outcome oc;
	struct fx_host fx;
	char *cause = NULL, *txid;
	size_t n = 0, i;

	(void)state;
	fx_host_load(&fx, "i7-4770-pve8");
	apply_i7(&fx);
	assert_int_equal(engine_history(fx.root, &v, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_true(v[0].open);
	assert_string_equal(v[0].source, "/var/lib/vfio-wizard/journal.yaml");
	assert_int_equal(v[0].state, ENGINE_HIST_REBOOT);
	assert_non_null(v[0].txid);
	assert_non_null(v[0].begun);
	assert_null(v[0].undone);
	assert_null(v[0].cause);
	assert_true(has_choice(&v[0], "device=0000:00:02.0"));
	assert_true(has_choice(&v[0], "vm=100"));
	assert_true(has_choice(&v[0], "mode=legacy-igd"));
	f = fx_nonnull(file_of(&v[0], "/etc/modprobe.d/vfio-wizard.conf"));
	assert_true(f->written && f->created && !f->restored);
	assert_string_equal(f->step, "modules");
	f = fx_nonnull(file_of(&v[0], "/etc/pve/qemu-server/100.conf"));
	assert_true(f->written && !f->created);
	assert_true(v[0].n_cmds >= 2);
	assert_string_equal(v[0].cmds[0].argv[0], "update-grub");
	assert_int_equal(v[0].cmds[0].runs, 1);
	assert_int_equal(v[0].cmds[0].last_status, 0);
	txid = xstrdup(v[0].txid);
	engine_history_free(v, n);

	/* undone: archived, every file restored, commands ran again */
	assert_int_equal(
	    engine_undo(fx.root, false, NULL, &oc, &conflicts, &cause), 0);
	assert_int_equal(oc, ENGINE_DONE);
	assert_int_equal(engine_history(fx.root, &v, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_false(v[0].open);
	assert_string_equal(v[0].txid, txid);
	assert_true(strstr(v[0].source, HIST "/") == v[0].source);
	assert_true(strstr(v[0].source, txid) != NULL);
	assert_int_equal(v[0].state, ENGINE_HIST_UNDONE);
	assert_non_null(v[0].undone);
	for (i = 0; i < v[0].n_files; i++)
		assert_true(v[0].files[i].restored);
	assert_int_equal(v[0].cmds[0].runs, 2);
	engine_history_free(v, n);

	/* applied again: the open one first, then the undone one */
	apply_i7(&fx);
	assert_int_equal(engine_history(fx.root, &v, &n, &cause), 0);
	assert_int_equal(n, 2);
	assert_true(v[0].open);
	assert_int_equal(v[0].state, ENGINE_HIST_REBOOT);
	assert_false(v[1].open);
	assert_string_equal(v[1].txid, txid);
	assert_int_equal(v[1].state, ENGINE_HIST_UNDONE);
	engine_history_free(v, n);
	free(txid);
	sb_release(&conflicts);
	fx_host_free(&fx);
}

/* Append one record of type t (fields given by the caller in r). */
static void
rec(struct journal *j, struct jrec r)
{
	char *cause = NULL;

	assert_int_equal(journal_append(j, &r, &cause), 0);
}

/*
 * Journal one transaction by hand: begin (txid, time), one created file
 * written, a command ran, then the records the ending asks for; archive
 * it unless it is to stay open.
 */
enum ending { END_INTERRUPTED, END_VERIFIED, END_FAILED, END_UNDONE };

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"
static void
make_tx(struct root *r, const char *txid, const char *time, enum ending e,
    bool archive)
{
	static char *choices[] = {"device=0000:01:00.0", "mode=pcie", NULL};
	static char *argv[] = {"update-initramfs", "-u", "-k", "all", NULL};
	struct journal *j = NULL;
	char *cause = NULL;

	assert_int_equal(journal_open(r, &j, &cause), 0);
	rec(j, (struct jrec){.type = JR_BEGIN,
		   .txid = (char *)txid,
		   .time = (char *)time,
		   .boot_id = "b1",
		   .choices = choices});
	rec(j, (struct jrec){.type = JR_FILE,
		   .path = "/etc/modprobe.d/x.conf",
		   .data = "options vfio-pci ids=10de:1b80\n",
		   .len = 31,
		   .meta = {true, 0644, 0, 0},
		   .step = "modules"});
	rec(j,
	    (struct jrec){.type = JR_COMMAND, .argv = argv, .step = "modules"});
	rec(j, (struct jrec){
		   .type = JR_STEP, .step = "plan", .state = "recorded"});
	if (e != END_INTERRUPTED) {
		rec(j, (struct jrec){.type = JR_BACKUP,
			   .path = "/etc/modprobe.d/x.conf",
			   .meta = {false, 0, 0, 0}});
		rec(j, (struct jrec){.type = JR_WRITTEN,
			   .path = "/etc/modprobe.d/x.conf"});
		rec(j, (struct jrec){.type = JR_RUN, .argv = argv});
		rec(j,
		    (struct jrec){
			.type = JR_RAN, .argv = argv, .status = 0, .text = ""});
		rec(j, (struct jrec){.type = JR_REBOOT, .boot_id = "b1"});
		rec(j, (struct jrec){.type = JR_APPLIED, .time = (char *)time});
	}
	if (e == END_VERIFIED || e == END_FAILED)
		rec(j, (struct jrec){.type = JR_VERIFY,
			   .step = "modules",
			   .state = e == END_VERIFIED ? "after-reboot-ok"
						      : "after-reboot-fail",
			   .text = "vfio-pci"});
	if (e == END_UNDONE) {
		rec(j, (struct jrec){.type = JR_UNDO});
		rec(j, (struct jrec){.type = JR_RESTORED,
			   .path = "/etc/modprobe.d/x.conf"});
		rec(j, (struct jrec){.type = JR_RUN, .argv = argv});
		rec(j, (struct jrec){.type = JR_RAN,
			   .argv = argv,
			   .status = 1,
			   .text = "failed"});
		rec(j, (struct jrec){
			   .type = JR_UNDONE, .time = "2025-03-01T10:00:00Z"});
	}
	journal_close(j);
	if (archive)
		assert_int_equal(journal_archive(r, txid, &cause), 0);
}
#pragma GCC diagnostic pop

static void
test_archives(void **state)
{
	struct engine_tx_summary *v = NULL;
	char *dir = fx_mkroot(), *cause = NULL;
	struct root *r;
	size_t n = 0;

	(void)state;
	assert_int_equal(root_open(dir, &r), 0);
	make_tx(r, "20250101T080000Z-aaaaaa", "2025-01-01T08:00:00Z",
	    END_UNDONE, true);
	make_tx(r, "20250301T080000Z-bbbbbb", "2025-03-01T08:00:00Z",
	    END_INTERRUPTED, true);
	make_tx(r, "20250201T080000Z-cccccc", "2025-02-01T08:00:00Z",
	    END_FAILED, true);
	make_tx(r, "20250401T080000Z-dddddd", "2025-04-01T08:00:00Z",
	    END_VERIFIED, false);
	/* names that are not archives */
	fx_write(dir, HIST "/notes.txt", "x\n");
	fx_write(dir, HIST "/.20990101T000000Z-000000.yaml", "x\n");
	fx_write(dir, HIST "/empty.yaml", "%s", "");
	assert_int_equal(engine_history(r, &v, &n, &cause), 0);
	assert_int_equal(n, 4);
	assert_true(v[0].open);
	assert_string_equal(v[0].txid, "20250401T080000Z-dddddd");
	assert_int_equal(v[0].state, ENGINE_HIST_VERIFIED);
	assert_string_equal(v[1].txid, "20250301T080000Z-bbbbbb");
	assert_int_equal(v[1].state, ENGINE_HIST_INTERRUPTED);
	assert_false(v[1].files[0].written);
	assert_int_equal(v[1].cmds[0].runs, 0);
	assert_string_equal(v[2].txid, "20250201T080000Z-cccccc");
	assert_int_equal(v[2].state, ENGINE_HIST_FAILED);
	assert_string_equal(v[3].txid, "20250101T080000Z-aaaaaa");
	assert_int_equal(v[3].state, ENGINE_HIST_UNDONE);
	assert_string_equal(v[3].begun, "2025-01-01T08:00:00Z");
	assert_string_equal(v[3].undone, "2025-03-01T10:00:00Z");
	assert_true(v[3].files[0].created && v[3].files[0].written &&
		    v[3].files[0].restored);
	assert_int_equal(v[3].cmds[0].runs, 2);
	assert_int_equal(v[3].cmds[0].last_status, 1);
	assert_string_equal(v[3].cmds[0].argv[3], "all");
	assert_null(v[3].cmds[0].argv[4]);
	assert_true(has_choice(&v[3], "mode=pcie"));
	engine_history_free(v, n);
	root_free(r);
	fx_rmroot(dir);
}

static void
test_unreadable(void **state)
{
	struct engine_tx_summary *v = NULL;
	char *dir = fx_mkroot(), *cause = NULL, *text = NULL, *p;
	struct root *r;
	size_t n = 0, len = 0;

	(void)state;
	assert_int_equal(root_open(dir, &r), 0);
	make_tx(r, "20250101T080000Z-aaaaaa", "2025-01-01T08:00:00Z",
	    END_UNDONE, true);
	fx_write(dir, HIST "/20250201T080000Z-bbbbbb.yaml",
	    "---\nseq: 1\ntype: begin\ncrc: 00000000\n...\n"
	    "---\nseq: 2\ntype: applied\ncrc: 00000000\n...\n");
	fx_symlink(dir, HIST "/20250301T080000Z-cccccc.yaml",
	    "20250101T080000Z-aaaaaa.yaml");
	/* the open journal: its first record damaged, whole ones after it */
	make_tx(r, "20250401T080000Z-dddddd", "2025-04-01T08:00:00Z",
	    END_VERIFIED, false);
	assert_int_equal(root_read(r, JPATH, &text, &len), 0);
	p = fx_nonnull(strstr(text, "dddddd"));
	*p = 'e';
	fx_write_bytes(dir, JPATH, text, len);
	free(text);
	assert_int_equal(engine_history(r, &v, &n, &cause), 0);
	assert_int_equal(n, 4);
	assert_true(v[0].open);
	assert_int_equal(v[0].state, ENGINE_HIST_UNREADABLE);
	assert_non_null(strstr(v[0].cause, JPATH));
	assert_non_null(strstr(v[0].cause, "damaged"));
	assert_null(v[0].txid);
	assert_non_null(v[0].choices);
	assert_null(v[0].choices[0]);
	assert_int_equal(v[1].state, ENGINE_HIST_UNREADABLE);
	assert_non_null(strstr(v[1].cause, "is not a plain file"));
	assert_non_null(strstr(v[1].cause, "20250301T080000Z-cccccc.yaml"));
	assert_int_equal(v[2].state, ENGINE_HIST_UNREADABLE);
	assert_non_null(strstr(v[2].cause, "20250201T080000Z-bbbbbb.yaml"));
	assert_non_null(strstr(v[2].cause, "no whole record"));
	assert_int_equal(v[3].state, ENGINE_HIST_UNDONE);
	engine_history_free(v, n);
	root_free(r);
	fx_rmroot(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_engine_flow),
	    cmocka_unit_test(test_archives),
	    cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
