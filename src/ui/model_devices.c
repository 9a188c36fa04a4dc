/*
 * model_devices.c: the device picker's rows, built without curses: the
 * IOMMU groups as a tree (a heading per group, its devices below with
 * address, libpci name, driver, class and IDs), or the devices flat with
 * a line saying the groups are known after the reboot while the IOMMU is
 * off. Consecutive SR-IOV virtual functions of one PF with one ID and one
 * driver are one row (the rule of `check`'s group list), so a host with
 * thousands of them stays a short list. The chosen devices, what goes
 * along with them, their group siblings and the devices that block them
 * (the critical-device guard) are marked from check_run()'s verdicts. Also
 * a verdict in lines, the devices whose guard a typed confirmation would
 * lift, and small edits of the choices.
 */
#include "model.h"

#include "vfio-wizard/host.h"
#include "vfio-wizard/step.h"
#include "../steps/guard.h"

#include <stdlib.h>
#include <sys/types.h>
#include <string.h>

enum mark {
	MARK_NONE = 0,
	MARK_LEFT_OUT,	/* a chosen device's companion, not chosen: stays */
	MARK_SIBLING,	/* in a chosen device's group */
	MARK_COMPANION, /* goes along with a chosen device */
	MARK_BLOCKER,	/* the host needs it: blocks a chosen device */
	MARK_CHOSEN,
	MARK_CHOSEN_ALONG, /* chosen too, with the device it goes along with */
	MARK_CHOSEN_BLOCKED,
};

bool
ui_choices_has(const struct choices *c, const char *key, const char *value)
{
	size_t kl = strlen(key), i;

	for (i = 0; i < c->n_items; i++) {
		const char *it = c->items[i];

		if (strncmp(it, key, kl) == 0 && it[kl] == '=' &&
		    strcmp(it + kl + 1, value) == 0)
			return true;
	}
	return false;
}

size_t
ui_choices_remove(struct choices *c, const char *key, const char *value)
{
	size_t kl = strlen(key), i, k = 0, gone = 0;

	for (i = 0; i < c->n_items; i++) {
		char *it = c->items[i];

		if (strncmp(it, key, kl) == 0 && it[kl] == '=' &&
		    (value == NULL || strcmp(it + kl + 1, value) == 0)) {
			free(it);
			gone++;
		} else
			c->items[k++] = it;
	}
	c->n_items = k;
	return gone;
}

void
ui_choices_set(struct choices *c, const char *key, const char *value)
{
	ui_choices_remove(c, key, NULL);
	if (value != NULL)
		choices_add(c, key, value);
}

/* The first "device=" choice naming device i (any spelling), else -1. */
static ssize_t
chosen_at(const struct host *h, const struct choices *c, size_t i)
{
	size_t k;

	for (k = 0; c != NULL && k < c->n_items; k++) {
		if (strncmp(c->items[k], "device=", 7) == 0 &&
		    host_pci_find(h, c->items[k] + 7) == &h->pci[i])
			return (ssize_t)k;
	}
	return -1;
}

/* True when "device=" names d, in any accepted spelling. */
static bool
chosen(const struct host *h, const struct choices *c, size_t i)
{
	return chosen_at(h, c, i) >= 0;
}

bool
ui_companion_goes(const struct host *h, const struct choices *c, size_t dev,
    const struct pci_device *o)
{
	const struct pci_device *d = &h->pci[dev];

	return chosen(h, c, (size_t)(o - h->pci)) ||
	       (o->domain == d->domain && o->bus == d->bus && o->dev == d->dev);
}

const struct verdict *
ui_verdict_of(const struct check_result *res, size_t dev)
{
	size_t i;

	for (i = 0; res != NULL && i < res->n_verdicts; i++)
		if (res->verdicts[i].device == dev)
			return &res->verdicts[i];
	return NULL;
}

size_t
ui_model_guarded(const struct host *h, const struct choices *c,
    const struct verdict *v, const struct pci_device **out, size_t max)
{
	const struct pci_device *o;
	size_t n = 0, i;

	for (i = 0; i < 1 + v->n_companions + v->n_siblings; i++) {
		if (i == 0)
			o = &h->pci[v->device];
		else if (i <= v->n_companions)
			o = host_pci_find(h, v->companions[i - 1]);
		else
			o = host_pci_find(
			    h, v->siblings[i - 1 - v->n_companions]);
		if (o != NULL && n < max && guard_blocks(h, c, o))
			out[n++] = o;
	}
	return n;
}

/* Raise the mark of the device at address to m (a stronger one stays). */
static void
mark_addr(const struct host *h, unsigned char *marks, const char *address,
    enum mark m)
{
	const struct pci_device *d = host_pci_find(h, address);

	if (d != NULL && marks[d - h->pci] < m)
		marks[d - h->pci] = (unsigned char)m;
}

/* Marks from the chosen devices' verdicts (one per host device). */
static unsigned char *
build_marks(const struct host *h, const struct check_result *res,
    const struct choices *c)
{
	unsigned char *marks = xcalloc(h->n_pci > 0 ? h->n_pci : 1, 1);
	size_t i, k;

	for (i = 0; i < h->n_pci; i++)
		if (chosen(h, c, i))
			marks[i] = MARK_CHOSEN;
	for (i = 0; res != NULL && i < res->n_verdicts; i++) {
		const struct verdict *v = &res->verdicts[i];
		const struct pci_device *o;

		if (marks[v->device] < MARK_CHOSEN)
			continue;
		if (v->n_blockers > 0)
			marks[v->device] = MARK_CHOSEN_BLOCKED;
		for (k = 0; k < v->n_companions; k++) {
			o = host_pci_find(h, v->companions[k]);
			/* chosen after it (the picker adds them): along */
			if (o != NULL && marks[o - h->pci] == MARK_CHOSEN &&
			    chosen_at(h, c, (size_t)(o - h->pci)) >
				chosen_at(h, c, v->device)) {
				marks[o - h->pci] = MARK_CHOSEN_ALONG;
				continue;
			}
			if (o != NULL && !ui_companion_goes(h, c, v->device, o))
				mark_addr(
				    h, marks, v->companions[k], MARK_LEFT_OUT);
			else
				mark_addr(h, marks, v->companions[k],
				    o != NULL && guard_blocks(h, c, o)
					? MARK_BLOCKER
					: MARK_COMPANION);
		}
		for (k = 0; k < v->n_siblings; k++) {
			o = host_pci_find(h, v->siblings[k]);
			mark_addr(h, marks, v->siblings[k],
			    o != NULL && guard_blocks(h, c, o) ? MARK_BLOCKER
							       : MARK_SIBLING);
		}
	}
	return marks;
}

static const struct {
	enum ui_role role;
	const char *tag;
} mark_look[] = {
    [MARK_NONE] = {UI_ROLE_NORMAL, NULL},
    [MARK_LEFT_OUT] = {UI_ROLE_DIM, N_("left out: stays with the host")},
    [MARK_SIBLING] = {UI_ROLE_SIBLING, N_("same IOMMU group: to vfio-pci "
					  "too")},
    [MARK_COMPANION] = {UI_ROLE_SIBLING, N_("goes along")},
    [MARK_BLOCKER] = {UI_ROLE_BLOCKER, N_("blocks: the host needs it")},
    [MARK_CHOSEN] = {UI_ROLE_OK, N_("chosen")},
    [MARK_CHOSEN_ALONG] = {UI_ROLE_OK, N_("goes along")},
    [MARK_CHOSEN_BLOCKED] = {UI_ROLE_FAIL, N_("chosen, blocked")},
};

static void
add_row(struct ui_devrows *out, enum ui_role role, int indent, size_t dev,
    size_t count, const char *text)
{
	ui_lines_add(&out->lines, role, indent, "%s", text);
	out->dev = xreallocarray(out->dev, out->lines.n, sizeof *out->dev);
	out->count =
	    xreallocarray(out->count, out->lines.n, sizeof *out->count);
	out->dev[out->lines.n - 1] = dev;
	out->count[out->lines.n - 1] = count;
}

/* "0000:00:02.0 [tag] Name (driver) · class, vendor [8086:0412]" */
static void
device_row(struct ui_devrows *out, const struct host *h,
    const unsigned char *marks, size_t i, int indent)
{
	const struct pci_device *d = &h->pci[i];
	enum mark m = (enum mark)marks[i];
	char *tag = mark_look[m].tag != NULL
			? xasprintf(" [%s]", _(mark_look[m].tag))
			: xstrdup("");
	char *text =
	    xasprintf("%s%s %s (%s) \u00b7 %s, %s [%04x:%04x]", d->address, tag,
		d->device_name, d->driver != NULL ? d->driver : _("no driver"),
		d->class_name, d->vendor_name, d->vendor_id, d->device_id);

	add_row(out, mark_look[m].role, indent, i, 1, text);
	free(text);
	free(tag);
}

/* n (at least 2) VFs, first to last, as one row. */
static void
vf_row(struct ui_devrows *out, const struct host *h, size_t first, size_t last,
    size_t n, int indent)
{
	const struct pci_device *a = &h->pci[first], *b = &h->pci[last];
	char *text = xasprintf(_("%zu virtual functions of %s, %s to %s (%s) "
				 "\u00b7 %s [%04x:%04x]"),
	    n, a->physfn, a->address, b->address,
	    a->driver != NULL ? a->driver : _("no driver"), a->device_name,
	    a->vendor_id, a->device_id);

	add_row(out, UI_ROLE_NORMAL, indent, first, n, text);
	free(text);
}

/* The devices idx[0..n): VF runs as one row, the others one row each. */
static void
device_rows(struct ui_devrows *out, const struct host *h,
    const unsigned char *marks, const size_t *idx, size_t n, int indent)
{
	size_t j, k;

	for (j = 0; j < n; j = k) {
		const struct pci_device *d = &h->pci[idx[j]];

		for (k = j + 1; k < n && marks[idx[j]] == MARK_NONE &&
				marks[idx[k]] == MARK_NONE &&
				pci_same_vf_run(d, &h->pci[idx[k]]);
		     k++)
			;
		if (k - j >= 2)
			vf_row(out, h, idx[j], idx[k - 1], k - j, indent);
		else
			device_row(out, h, marks, idx[j], indent);
	}
}

/* The group holds one unmarked device, a VF: its index, or -1. */
static long
lone_vf(const struct host *h, const unsigned char *marks,
    const struct iommu_group *g)
{
	if (g->n_devices != 1 || h->pci[g->devices[0]].physfn == NULL ||
	    marks[g->devices[0]] != MARK_NONE)
		return -1;
	return (long)g->devices[0];
}

static void
group_rows(
    struct ui_devrows *out, const struct host *h, const unsigned char *marks)
{
	const struct iommu_group *gs = h->iommu.groups;
	size_t i, k, *loose = NULL, n_loose = 0;
	long a, b;
	char *head;

	for (i = 0; i < h->iommu.n_groups; i = k) {
		k = i + 1;
		/* VFs in groups of their own, one after another */
		if ((a = lone_vf(h, marks, &gs[i])) >= 0) {
			while (k < h->iommu.n_groups &&
			       (b = lone_vf(h, marks, &gs[k])) >= 0 &&
			       pci_same_vf_run(&h->pci[a], &h->pci[b]))
				k++;
		}
		if (k - i >= 2) {
			head = xasprintf(_("IOMMU groups %d to %d, one each"),
			    gs[i].id, gs[k - 1].id);
			add_row(out, UI_ROLE_TITLE, 0, (size_t)-1, 0, head);
			vf_row(out, h, gs[i].devices[0], gs[k - 1].devices[0],
			    k - i, 2);
		} else {
			head = xasprintf(_("IOMMU group %d"), gs[i].id);
			add_row(out, UI_ROLE_TITLE, 0, (size_t)-1, 0, head);
			device_rows(
			    out, h, marks, gs[i].devices, gs[i].n_devices, 2);
		}
		free(head);
	}
	for (i = 0; i < h->n_pci; i++)
		if (h->pci[i].iommu_group < 0)
			ARRAY_PUSH(loose, n_loose, i);
	if (n_loose > 0) {
		add_row(
		    out, UI_ROLE_TITLE, 0, (size_t)-1, 0, _("No IOMMU group"));
		device_rows(out, h, marks, loose, n_loose, 2);
	}
	free(loose);
}

void
ui_model_devices(const struct host *h, const struct check_result *res,
    const struct choices *c, struct ui_devrows *out)
{
	unsigned char *marks = build_marks(h, res, c);
	size_t *all, i;

	memset(out, 0, sizeof *out);
	if (h->iommu.active && h->iommu.n_groups > 0) {
		group_rows(out, h, marks);
	} else {
		add_row(out, UI_ROLE_INFO, 0, (size_t)-1, 0,
		    _("No IOMMU groups yet: they are known after the reboot "
		      "that turns the IOMMU on"));
		all = xreallocarray(
		    NULL, h->n_pci > 0 ? h->n_pci : 1, sizeof *all);
		for (i = 0; i < h->n_pci; i++)
			all[i] = i;
		device_rows(out, h, marks, all, h->n_pci, 0);
		free(all);
	}
	free(marks);
}

void
ui_devrows_free(struct ui_devrows *r)
{
	ui_lines_free(&r->lines);
	free(r->dev);
	free(r->count);
	memset(r, 0, sizeof *r);
}

/* One line per address of list, with its name, in role. */
static void
addr_lines(struct ui_lines *out, const struct host *h, const struct choices *c,
    const char *label, char **list, size_t n, enum ui_role role)
{
	const struct pci_device *o;
	size_t i;

	for (i = 0; i < n; i++) {
		o = host_pci_find(h, list[i]);
		ui_lines_add(out,
		    o != NULL && guard_blocks(h, c, o) ? UI_ROLE_BLOCKER : role,
		    2, "%s %s %s", label, list[i],
		    o != NULL ? o->device_name : "");
	}
}

void
ui_model_verdict(const struct host *h, const struct choices *c,
    const struct verdict *v, struct ui_lines *out)
{
	const struct pci_device *d = &h->pci[v->device], *g[64];
	size_t n_g, i;
	unsigned bit;
	char *modes = NULL, *t, *group;

	ui_lines_add(
	    out, UI_ROLE_TITLE, 0, "%s %s", d->address, d->device_name);
	group = d->iommu_group >= 0
		    ? xasprintf(_(", IOMMU group %d"), d->iommu_group)
		    : xstrdup("");
	ui_lines_add(out, UI_ROLE_DIM, 2, _("%s, %s [%04x:%04x], driver %s%s"),
	    d->vendor_name, d->class_name, d->vendor_id, d->device_id,
	    d->driver != NULL ? d->driver : _("none"), group);
	free(group);
	if (v->igpu != NULL)
		ui_lines_add(out, UI_ROLE_DIM, 2, "%s", v->igpu->name);
	for (bit = 1; bit <= MODE_VFIO; bit <<= 1) {
		if (!(v->modes & bit))
			continue;
		t = xasprintf("%s%s%s%s", modes != NULL ? modes : "",
		    modes != NULL ? ", " : "", mode_name((enum vw_mode)bit),
		    bit == v->recommended ? _(" (recommended)") : "");
		free(modes);
		modes = t;
	}
	if (modes != NULL)
		ui_lines_add(out, UI_ROLE_OK, 0, _("Modes: %s"), modes);
	else
		ui_lines_add(out, UI_ROLE_FAIL, 0, "%s",
		    _("No passthrough mode works for it now"));
	free(modes);
	for (i = 0; i < v->n_blockers; i++)
		ui_lines_add(out, UI_ROLE_FAIL, 0, "%s", v->blockers[i]);
	n_g = ui_model_guarded(h, c, v, g, nitems(g));
	if (v->n_blockers > 0 && n_g == v->n_blockers)
		ui_lines_add(out, UI_ROLE_HINT, 0, "%s",
		    _("Only the host's need of these devices blocks it: "
		      "choosing it asks for a typed confirmation for each, "
		      "if the host can do without them."));
	else if (v->n_blockers > 0)
		ui_lines_add(out, UI_ROLE_HINT, 0, "%s",
		    _("No confirmation lifts this: fix the cause first (the "
		      "firmware, the kernel or the slot), then check again."));
	for (i = 0; i < v->n_companions; i++) {
		const struct pci_device *o = host_pci_find(h, v->companions[i]);

		/* chosen, it goes without this one: the picker's Space on
		 * it would take it along */
		if (o != NULL && chosen(h, c, v->device) &&
		    !ui_companion_goes(h, c, v->device, o))
			ui_lines_add(out, UI_ROLE_DIM, 2, "%s %s %s",
			    _("left out:"), v->companions[i], o->device_name);
		else
			addr_lines(out, h, c, _("goes along:"),
			    &v->companions[i], 1, UI_ROLE_SIBLING);
	}
	addr_lines(out, h, c, _("same group:"), v->siblings, v->n_siblings,
	    UI_ROLE_SIBLING);
	for (i = 0; i < v->n_notes; i++)
		ui_lines_add(out, UI_ROLE_INFO, 0, "%s", v->notes[i]);
}
