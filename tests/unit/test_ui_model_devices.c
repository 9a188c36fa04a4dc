/*
 * test_ui_model_devices.c: the device picker's and the choice screen's
 * models (src/ui/model_devices.c, model_choice.c) on fixture hosts: the
 * flat list with its note while the IOMMU is off (i7-4770), the groups as
 * a tree with the SATA controller and the NICs as blockers of 06:00.0
 * (shared-group-sata), the guard's devices and the choice edits; the
 * modes, VMs and explanations of the choice screen; and the rows and the
 * filter on a generated host of 4,096 functions.
 */
#include "testutil.h"

#include "../../src/ui/model.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct md {
	struct fx_host fx;
	struct choices c;
	struct check_result *check;
	struct ui_devrows rows;
};

/* Load a host, choose items ("key=value", NULL-terminated), check. */
static void
md_load(struct md *t, const char *host, const char *const *items)
{
	struct check_options co = {NULL, 0, NULL};
	const char *devs[8];
	char *cause = NULL;
	size_t i, n = 0;

	memset(t, 0, sizeof *t);
	fx_host_load(&t->fx, host);
	for (i = 0; items != NULL && items[i] != NULL; i++) {
		const char *eq = strchr(items[i], '=');
		char *key = xstrndup(items[i], (size_t)(eq - items[i]));

		choices_add(&t->c, key, eq + 1);
		if (strcmp(key, "device") == 0 && n < nitems(devs))
			devs[n++] = eq + 1;
		free(key);
	}
	co.devices = devs;
	co.n_devices = n;
	co.choices = &t->c;
	assert_int_equal(
	    check_run(t->fx.host, t->fx.kb, &co, &t->check, &cause), 0);
	ui_model_devices(t->fx.host, t->check, &t->c, &t->rows);
}

static void
md_free(struct md *t)
{
	ui_devrows_free(&t->rows);
	check_result_free(t->check);
	choices_free(&t->c);
	fx_host_free(&t->fx);
}

/* The index of the first line containing text, or -1. */
static int
find(const struct ui_lines *l, const char *text)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strstr(l->v[i].text, text) != NULL)
			return (int)i;
	return -1;
}

static size_t
dev_index(const struct host *h, const char *addr)
{
	const struct pci_device *d = host_pci_find(h, addr);

	assert_non_null(d);
	return (size_t)(d - h->pci);
}

/* i7-4770: no groups yet: a note, then every device flat. */
static void
test_flat_before_reboot(void **state)
{
	struct md t;
	int i;

	(void)state;
	md_load(&t, "i7-4770-pve8", NULL);
	assert_int_equal(t.rows.lines.n, t.fx.host->n_pci + 1);
	assert_int_equal(t.rows.lines.v[0].role, UI_ROLE_INFO);
	assert_non_null(strstr(t.rows.lines.v[0].text, "after the reboot"));
	assert_int_equal(t.rows.dev[0], (size_t)-1);
	i = find(&t.rows.lines, "0000:00:02.0");
	assert_true(i > 0);
	assert_non_null(strstr(t.rows.lines.v[i].text, "(i915)"));
	assert_non_null(strstr(t.rows.lines.v[i].text, "[8086:0412]"));
	assert_int_equal(t.rows.lines.v[i].indent, 0);
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_NORMAL);
	assert_int_equal(t.rows.dev[i], dev_index(t.fx.host, "0000:00:02.0"));
	md_free(&t);
}

/*
 * i7-4770 with the iGPU alone chosen (--device 00:02.0): it is marked; its
 * HDMI audio, another slot, is left out and stays with the host (the plan
 * passes 00:02.0 alone), not "goes along".
 */
static void
test_chosen_igpu_companion(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "mode=legacy-igd", NULL};
	struct md t;
	struct ui_lines v = UI_LINES_INIT;
	int i;

	(void)state;
	md_load(&t, "i7-4770-pve8", items);
	i = find(&t.rows.lines, "0000:00:02.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_OK);
	assert_non_null(strstr(t.rows.lines.v[i].text, "chosen"));
	i = find(&t.rows.lines, "0000:00:03.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_DIM);
	assert_non_null(
	    strstr(t.rows.lines.v[i].text, "[left out: stays with the host]"));
	ui_model_verdict(t.fx.host, &t.c,
	    ui_verdict_of(t.check, dev_index(t.fx.host, "0000:00:02.0")), &v);
	assert_true(find(&v, "legacy-igd (recommended)") >= 0);
	assert_int_equal(find(&v, "goes along:"), -1);
	i = find(&v, "left out: 0000:00:03.0");
	assert_true(i >= 0);
	assert_int_equal(v.v[i].role, UI_ROLE_DIM);
	ui_lines_free(&v);
	md_free(&t);
}

/* The picker chooses the audio with the iGPU: both checked, it goes along. */
static void
test_chosen_companion_too(void **state)
{
	static const char *const items[] = {"device=0000:00:02.0",
	    "device=0000:00:03.0", "mode=legacy-igd", NULL};
	struct ui_lines v = UI_LINES_INIT;
	struct md t;
	int i;

	(void)state;
	md_load(&t, "i7-4770-pve8", items);
	i = find(&t.rows.lines, "0000:00:02.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_OK);
	assert_non_null(strstr(t.rows.lines.v[i].text, "[chosen]"));
	i = find(&t.rows.lines, "0000:00:03.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_OK);
	assert_non_null(strstr(t.rows.lines.v[i].text, "[goes along]"));
	ui_model_verdict(t.fx.host, &t.c,
	    ui_verdict_of(t.check, dev_index(t.fx.host, "0000:00:02.0")), &v);
	i = find(&v, "goes along: 0000:00:03.0");
	assert_true(i >= 0);
	assert_int_equal(v.v[i].role, UI_ROLE_SIBLING);
	ui_lines_free(&v);
	md_free(&t);
}

/* shared-group-sata: group 13 as a tree; the guard's devices block. */
static void
test_shared_group_blockers(void **state)
{
	static const char *const items[] = {"device=0000:06:00.0", NULL};
	const struct pci_device *g[16];
	const struct verdict *vd;
	struct ui_lines v = UI_LINES_INIT;
	struct md t;
	size_t n, k, rows[64];
	int i, head;

	(void)state;
	md_load(&t, "shared-group-sata", items);
	head = find(&t.rows.lines, "IOMMU group 13");
	assert_true(head >= 0);
	assert_int_equal(t.rows.lines.v[head].role, UI_ROLE_TITLE);
	i = find(&t.rows.lines, "0000:06:00.0");
	assert_true(i > head);
	assert_int_equal(t.rows.lines.v[i].indent, 2);
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_FAIL);
	i = find(&t.rows.lines, "0000:01:00.1");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_BLOCKER);
	assert_non_null(strstr(t.rows.lines.v[i].text, "blocks"));
	i = find(&t.rows.lines, "0000:04:00.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_BLOCKER);
	i = find(&t.rows.lines, "0000:01:00.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_SIBLING);
	i = find(&t.rows.lines, "0000:06:00.1");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_SIBLING);
	assert_non_null(strstr(t.rows.lines.v[i].text, "goes along"));
	/* another group stays plain */
	i = find(&t.rows.lines, "0000:07:00.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_NORMAL);

	/* only the guard blocks: three phrases lift it */
	vd = ui_verdict_of(t.check, dev_index(t.fx.host, "0000:06:00.0"));
	assert_non_null(vd);
	n = ui_model_guarded(t.fx.host, &t.c, vd, g, nitems(g));
	assert_int_equal(n, 3);
	assert_int_equal(n, vd->n_blockers);
	assert_string_equal(g[0]->address, "0000:01:00.1");
	ui_model_verdict(t.fx.host, &t.c, vd, &v);
	assert_true(find(&v, "typed confirmation") >= 0);
	i = find(&v, "same group: 0000:01:00.1");
	assert_int_equal(v.v[i].role, UI_ROLE_BLOCKER);
	ui_lines_free(&v);

	/* the filter keeps the group heading of a match */
	n = ui_filter(t.rows.lines.v, t.rows.lines.n, "killer", true, rows);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0], (size_t)head);
	for (k = 0; k < n; k++)
		assert_true(rows[k] < t.rows.lines.n);
	md_free(&t);
}

/* The confirmations lift the guard: the SATA controller goes along. */
static void
test_shared_group_lifted(void **state)
{
	static const char *const items[] = {"device=0000:06:00.0",
	    "confirm=take 0000:01:00.1 from the host",
	    "confirm=take 0000:04:00.0 from the host",
	    "confirm=take 0000:05:00.0 from the host", NULL};
	const struct pci_device *g[16];
	struct md t;
	int i;

	(void)state;
	md_load(&t, "shared-group-sata", items);
	i = find(&t.rows.lines, "0000:06:00.0");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_OK);
	i = find(&t.rows.lines, "0000:01:00.1");
	assert_int_equal(t.rows.lines.v[i].role, UI_ROLE_SIBLING);
	assert_int_equal(
	    ui_model_guarded(t.fx.host, &t.c,
		ui_verdict_of(t.check, dev_index(t.fx.host, "0000:06:00.0")), g,
		nitems(g)),
	    0);
	md_free(&t);
}

/* Adding, replacing and removing choice items. */
static void
test_choices_edit(void **state)
{
	struct choices c = {NULL, 0};

	(void)state;
	choices_add(&c, "device", "0000:00:02.0");
	choices_add(&c, "device", "0000:00:03.0");
	ui_choices_set(&c, "mode", "gvt-g");
	ui_choices_set(&c, "mode", "legacy-igd");
	assert_int_equal(c.n_items, 3);
	assert_string_equal(choices_get(&c, "mode"), "legacy-igd");
	assert_true(ui_choices_has(&c, "device", "0000:00:03.0"));
	assert_false(ui_choices_has(&c, "device", "0000:00:04.0"));
	assert_int_equal(ui_choices_remove(&c, "device", "0000:00:02.0"), 1);
	assert_false(ui_choices_has(&c, "device", "0000:00:02.0"));
	ui_choices_set(&c, "mode", NULL);
	assert_null(choices_get(&c, "mode"));
	assert_int_equal(c.n_items, 1);
	choices_free(&c);
}

/* The row of a choice whose text holds text, or -1. */
static int
choice_row(
    const struct ui_choicerows *r, enum ui_choice_kind k, const char *text)
{
	size_t i;

	for (i = 0; i < r->lines.n; i++)
		if (r->kind[i] == k && strstr(r->lines.v[i].text, text) != NULL)
			return (int)i;
	return -1;
}

/* i7-4770: legacy-igd only; VM 101 runs and cannot be chosen. */
static void
test_choice_i7(void **state)
{
	static const char *const items[] = {
	    "device=0000:00:02.0", "mode=legacy-igd", "vm=100", NULL};
	const struct verdict *v;
	struct ui_choicerows r;
	struct ui_lines ex = UI_LINES_INIT;
	struct md t;
	int i;

	(void)state;
	md_load(&t, "i7-4770-pve8", items);
	v = ui_verdict_of(t.check, dev_index(t.fx.host, "0000:00:02.0"));
	ui_model_choice(t.fx.host, v, &t.c, &r);
	i = choice_row(&r, UI_CHOICE_MODE, "legacy-igd (recommended)");
	assert_true(i >= 0);
	assert_int_equal(r.lines.v[i].role, UI_ROLE_OK);
	assert_int_equal(choice_row(&r, UI_CHOICE_MODE, "gvt-g"), -1);
	i = choice_row(&r, UI_CHOICE_VM, "win10");
	assert_true(r.usable[i]);
	assert_int_equal(r.lines.v[i].role, UI_ROLE_OK);
	i = choice_row(&r, UI_CHOICE_VM, "debian12");
	assert_false(r.usable[i]);
	assert_non_null(strstr(r.lines.v[i].text, "running"));
	assert_true(choice_row(&r, UI_CHOICE_NO_VM, "no VM") >= 0);
	/* SeaBIOS VM: no option ROM row; no GVT-g type row */
	assert_int_equal(choice_row(&r, UI_CHOICE_ROMFILE, ""), -1);
	assert_int_equal(choice_row(&r, UI_CHOICE_MDEV, ""), -1);
	i = choice_row(&r, UI_CHOICE_MODE, "legacy-igd");
	ui_model_choice_explain(t.fx.host, v, &t.c, &r, (size_t)i, &ex);
	assert_true(find(&ex, "i440fx") >= 0);
	assert_true(find(&ex, "Haswell") >= 0);
	assert_true(find(&ex, "GVT-g does not exist for Haswell") >= 0);
	ui_lines_free(&ex);
	ui_choicerows_free(&r);
	md_free(&t);
}

/* Without a device the mode waits; a whole GPU is vfio. */
static void
test_choice_no_device(void **state)
{
	static const char *const items[] = {"device=0000:07:00.0", NULL};
	struct ui_choicerows r;
	struct md t;
	int i;

	(void)state;
	md_load(&t, "shared-group-sata", NULL);
	ui_model_choice(t.fx.host, NULL, &t.c, &r);
	assert_true(find(&r.lines, "Choose a device first") >= 0);
	i = choice_row(&r, UI_CHOICE_NO_VM, "");
	assert_int_equal(r.lines.v[i].role, UI_ROLE_OK);
	ui_choicerows_free(&r);
	md_free(&t);
	md_load(&t, "shared-group-sata", items);
	ui_model_choice(t.fx.host,
	    ui_verdict_of(t.check, dev_index(t.fx.host, "0000:07:00.0")), &t.c,
	    &r);
	assert_true(find(&r.lines, "vfio \u2014 the whole device") >= 0);
	ui_choicerows_free(&r);
	md_free(&t);
}

/* A host in memory: n_pf PFs with vfs VFs each, each VF its own group. */
static struct host *
big_host(size_t n_pf, size_t vfs)
{
	struct host *h = xcalloc(1, sizeof *h);
	size_t i, k, n = 0;

	h->n_pci = n_pf * (vfs + 1);
	h->pci = xcalloc(h->n_pci, sizeof *h->pci);
	h->iommu.active = true;
	h->iommu.groups = xcalloc(h->n_pci, sizeof *h->iommu.groups);
	for (i = 0; i < n_pf; i++) {
		for (k = 0; k <= vfs; k++, n++) {
			struct pci_device *d = &h->pci[n];
			struct iommu_group *g = &h->iommu.groups[n];

			d->domain = (unsigned)((i + 1) >> 8);
			d->bus = (unsigned)((i + 1) & 0xff);
			d->dev = (unsigned)(k / 8);
			d->func = (unsigned)(k % 8);
			snprintf(d->address, sizeof d->address,
			    "%04x:%02x:%02x.%u", d->domain, d->bus, d->dev,
			    d->func);
			d->vendor_id = 0x8086;
			d->device_id = k == 0 ? 0x1572 : 0x154c;
			d->vendor_name = xstrdup("Intel Corporation");
			d->device_name = xstrdup(
			    k == 0 ? "Ethernet Controller X710"
				   : "Ethernet Virtual Function 700 Series");
			d->class_name = xstrdup("Ethernet controller");
			d->driver = xstrdup(k == 0 ? "i40e" : "iavf");
			d->iommu_group = (int)n;
			if (k > 0)
				d->physfn = xasprintf(
				    "%04x:%02x:00.0", d->domain, d->bus);
			g->id = (int)n;
			g->devices = xcalloc(1, sizeof *g->devices);
			g->devices[0] = n;
			g->n_devices = 1;
		}
	}
	h->iommu.n_groups = n;
	return h;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 16 PFs of 255 VFs: 32 rows; the filter over them is instant. */
static void
test_big_sriov_host(void **state)
{
	struct host *h = big_host(16, 255);
	struct ui_devrows r;
	struct choices c = {NULL, 0};
	size_t *rows, n, i;
	double t0;
	int k;

	(void)state;
	assert_int_equal(h->n_pci, 4096);
	t0 = now();
	ui_model_devices(h, NULL, &c, &r);
	/* per PF: its group heading and row, a heading and one VF row */
	assert_int_equal(r.lines.n, 16 * 4);
	k = find(&r.lines, "255 virtual functions of 0000:01:00.0");
	assert_true(k >= 0);
	assert_int_equal(r.count[k], 255);
	assert_string_equal(h->pci[r.dev[k]].address, "0000:01:00.1");
	assert_true(find(&r.lines, "IOMMU groups 1 to 255") >= 0);
	rows = xcalloc(r.lines.n, sizeof *rows);
	for (i = 0; i < 100; i++)
		n = ui_filter(r.lines.v, r.lines.n, "0000:10:", true, rows);
	assert_int_equal(n, 4);
	ui_devrows_free(&r);
	free(rows);

	/* one VF chosen: its run splits around it */
	choices_add(&c, "device", "0000:02:00.5");
	ui_model_devices(h, NULL, &c, &r);
	k = find(&r.lines, "0000:02:00.5");
	assert_int_equal(r.lines.v[k].role, UI_ROLE_OK);
	assert_true(find(&r.lines, "4 virtual functions of 0000:02:00.0") >= 0);
	assert_true(
	    find(&r.lines, "250 virtual functions of 0000:02:00.0") >= 0);
	ui_devrows_free(&r);
	choices_free(&c);
	assert_true(now() - t0 < 2.0);
	host_free(h);
}

/* 4,096 distinct devices in groups of two: 6,144 rows filtered fast. */
static void
test_big_plain_host(void **state)
{
	struct host *h = big_host(4096, 0);
	struct ui_devrows r;
	struct choices c = {NULL, 0};
	size_t *rows, n = 0, i;
	double t0;

	(void)state;
	ui_model_devices(h, NULL, &c, &r);
	assert_int_equal(r.lines.n, 2 * 4096);
	rows = xcalloc(r.lines.n, sizeof *rows);
	t0 = now();
	for (i = 0; i < 20; i++)
		n = ui_filter(r.lines.v, r.lines.n, "0000:ff:00.0", true, rows);
	assert_int_equal(n, 2);
	n = ui_filter(r.lines.v, r.lines.n, "x710", true, rows);
	assert_int_equal(n, r.lines.n);
	/* 20 filters of 8,192 rows: well under a second even with ASan */
	assert_true(now() - t0 < 1.0);
	free(rows);
	ui_devrows_free(&r);
	host_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flat_before_reboot),
	    cmocka_unit_test(test_chosen_igpu_companion),
	    cmocka_unit_test(test_chosen_companion_too),
	    cmocka_unit_test(test_shared_group_blockers),
	    cmocka_unit_test(test_shared_group_lifted),
	    cmocka_unit_test(test_choices_edit),
	    cmocka_unit_test(test_choice_i7),
	    cmocka_unit_test(test_choice_no_device),
	    cmocka_unit_test(test_big_sriov_host),
	    cmocka_unit_test(test_big_plain_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
