/*
 * scr_devices.c: the device picker: the IOMMU groups as a tree (model_
 * devices.c) with a `/` filter that keeps each match's group, and below it
 * the verdict on the device under the cursor (modes, what goes along, the
 * group's siblings, what blocks it). Space or Enter puts the device into
 * the choices (device=) or takes it out again; a device that only the
 * critical-device guard blocks asks for the typed confirmation of each
 * device the host would lose (the exact phrase of guard_phrase(), added as
 * confirm=), a device blocked by anything else cannot be chosen and the
 * pane says why. Every change plans again (wiz_replan).
 */
#include "ui.h"

#include "vfio-wizard/host.h"
#include "vfio-wizard/step.h"
#include "../steps/guard.h"

#include <stdlib.h>
#include <string.h>

#define GUARDED_MAX 64

struct dev_scr {
	struct ui_devrows rows;
	struct ui_list list;
	struct ui_lines info;
	struct ui_text text;
	size_t info_line; /* the row whose verdict info shows */
	bool info_valid;
	struct check_result *probe; /* check_run for the cursor's device */
	size_t probe_dev;
	/* a typed confirmation under way */
	size_t pending; /* host device being chosen */
	const struct pci_device *guarded[GUARDED_MAX];
	size_t n_guarded, next;
};

static const struct ui_keyhelp dev_keys[] = {
    {"F1", N_("Help")},
    {"Space", N_("Choose")},
    {"/", N_("Filter")},
    {"m", N_("Mode and VM")},
    {"Esc", N_("Back")},
};

/* Build the rows again from the current check (keeps the filter). */
static void
rebuild(struct wiz *w, struct dev_scr *d)
{
	size_t keep = ui_list_selected(&d->list);
	size_t dev = keep != (size_t)-1 && keep < d->rows.lines.n
			 ? d->rows.dev[keep]
			 : (size_t)-1;
	size_t i;

	ui_devrows_free(&d->rows);
	ui_model_devices(w->start->host, w->check, &w->choices, &d->rows);
	ui_list_set(&d->list, d->rows.lines.v, d->rows.lines.n);
	for (i = 0; dev != (size_t)-1 && i < d->rows.lines.n; i++) {
		if (d->rows.dev[i] == dev) {
			ui_list_select(&d->list, i);
			break;
		}
	}
	check_result_free(d->probe);
	d->probe = NULL;
	d->info_valid = false;
}

/* The verdict on host device dev with the current choices. */
static const struct verdict *
verdict_for(struct wiz *w, struct dev_scr *d, size_t dev)
{
	const struct verdict *v = ui_verdict_of(w->check, dev);
	const char *addr = w->start->host->pci[dev].address;
	struct check_options co = {&addr, 1, &w->choices};
	char *cause = NULL;

	if (v != NULL)
		return v;
	if (d->probe == NULL || d->probe_dev != dev) {
		check_result_free(d->probe);
		d->probe = NULL;
		if (check_run(w->start->host, w->start->kb, &co, &d->probe,
			&cause) < 0) {
			free(cause);
			return NULL;
		}
		d->probe_dev = dev;
	}
	return ui_verdict_of(d->probe, dev);
}

/* The lower pane for the selected row. */
static void
build_info(struct wiz *w, struct dev_scr *d)
{
	size_t line = ui_list_selected(&d->list), dev;
	const struct verdict *v;

	if (d->info_valid && line == d->info_line)
		return;
	ui_lines_free(&d->info);
	d->info_line = line;
	d->info_valid = true;
	ui_text_set(&d->text, &d->info);
	if (line == (size_t)-1)
		return;
	dev = d->rows.dev[line];
	if (dev == (size_t)-1) {
		ui_lines_add(&d->info, UI_ROLE_NORMAL, 0, "%s",
		    _("Every device of an IOMMU group goes to vfio-pci "
		      "together: the VM gets the chosen ones, the host loses "
		      "all of them."));
		return;
	}
	if (d->rows.count[line] > 1)
		ui_lines_add(&d->info, UI_ROLE_INFO, 0,
		    _("%zu virtual functions in one row: choosing it takes "
		      "the first, %s"),
		    d->rows.count[line], w->start->host->pci[dev].address);
	if ((v = verdict_for(w, d, dev)) != NULL)
		ui_model_verdict(w->start->host, &w->choices, v, &d->info);
}

static void
dev_enter(struct wiz *w, struct ui_screen *s)
{
	struct dev_scr *d = xcalloc(1, sizeof *d);

	d->list.keep_parents = true;
	d->list.gutter = true;
	d->text.gutter = true;
	s->data = d;
	rebuild(w, d);
	/* start on the first chosen device, else the first GPU */
	for (size_t i = 0; i < d->rows.lines.n; i++) {
		size_t dev = d->rows.dev[i];

		if (dev != (size_t)-1 &&
		    (d->rows.lines.v[i].role == UI_ROLE_OK ||
			d->rows.lines.v[i].role == UI_ROLE_FAIL)) {
			ui_list_select(&d->list, i);
			return;
		}
	}
	for (size_t i = 0; i < d->rows.lines.n; i++) {
		if (d->rows.dev[i] != (size_t)-1 &&
		    pci_is_gpu(&w->start->host->pci[d->rows.dev[i]])) {
			ui_list_select(&d->list, i);
			return;
		}
	}
}

static void
dev_draw(struct wiz *w, struct ui_screen *s)
{
	struct dev_scr *d = s->data;
	char *title = ui_model_title(&w->model, !w->term.ascii);
	int lh = (LINES - 2) * 3 / 5, bh = LINES - 2 - lh;

	build_info(w, d);
	ui_blank(0, 0, COLS, A_NORMAL);
	ui_put(w, 0, 1, COLS - 2, title, A_BOLD);
	free(title);
	ui_frame(w, 1, 0, lh, COLS, _("Devices"), true);
	ui_list_draw(w, &d->list, 2, 2, lh - 2, COLS - 4, true);
	ui_frame(w, 1 + lh, 0, bh, COLS, _("Verdict"), false);
	ui_text_draw(w, &d->text, 2 + lh, 2, bh - 2, COLS - 4);
	ui_keybar(w, LINES - 1, dev_keys, nitems(dev_keys));
}

/* After a change of the choices: plan again, rebuild, say a refusal. */
static void
changed(struct wiz *w, struct dev_scr *d)
{
	wiz_replan(w);
	rebuild(w, d);
	if (w->plan_cause != NULL)
		ui_say(w, "%s", w->plan_cause);
}

/* True when a "device=" choice names p. */
static bool
is_chosen(const struct wiz *w, const struct pci_device *p)
{
	size_t i;

	for (i = 0; i < w->choices.n_items; i++)
		if (strncmp(w->choices.items[i], "device=", 7) == 0 &&
		    host_pci_find(w->start->host, w->choices.items[i] + 7) == p)
			return true;
	return false;
}

/* Take every "device=" naming p (in any spelling) out of the choices. */
static void
drop_device(struct wiz *w, const struct pci_device *p)
{
	const struct host *h = w->start->host;
	size_t i;

	for (i = 0; i < w->choices.n_items;) {
		const char *it = w->choices.items[i];

		if (strncmp(it, "device=", 7) == 0 &&
		    host_pci_find(h, it + 7) == p) {
			char *val = xstrdup(it + 7);

			ui_choices_remove(&w->choices, "device", val);
			free(val);
			i = 0; /* the array changed: start over */
		} else
			i++;
	}
}

/*
 * Take device dev out of the choices, with what only it needed: its mode
 * (an iGPU), the functions that went along and their confirmations.
 */
static void
unchoose(struct wiz *w, struct dev_scr *d, size_t dev)
{
	const struct host *h = w->start->host;
	const struct pci_device *p = &h->pci[dev];
	const struct verdict *v = ui_verdict_of(w->check, dev);
	size_t i;

	if (v != NULL && v->igpu != NULL) {
		ui_choices_remove(&w->choices, "mode", NULL);
		ui_choices_remove(&w->choices, "mdev", NULL);
		ui_choices_remove(&w->choices, "romfile", NULL);
	}
	drop_device(w, p);
	for (i = 0; v != NULL && i < v->n_companions; i++) {
		const struct pci_device *o = host_pci_find(h, v->companions[i]);

		if (o != NULL)
			drop_device(w, o);
	}
	/* the confirmations of what it took along */
	for (i = 0; v != NULL && i < v->n_companions + v->n_siblings + 1; i++) {
		const struct pci_device *o =
		    i == 0 ? p
		    : i <= v->n_companions
			? host_pci_find(h, v->companions[i - 1])
			: host_pci_find(
			      h, v->siblings[i - 1 - v->n_companions]);
		char *phrase;

		if (o == NULL)
			continue;
		phrase = guard_phrase(o);
		ui_choices_remove(&w->choices, "confirm", phrase);
		free(phrase);
	}
	changed(w, d);
	ui_say(w, _("%s is no longer chosen"), p->address);
}

/*
 * Put device dev into the choices (its block is lifted or none), with the
 * functions its verdict says go along (the iGPU's HDMI audio, a card's
 * other functions), as --device does for each of them.
 */
static void
choose(struct wiz *w, struct dev_scr *d, size_t dev, const struct verdict *v)
{
	const struct host *h = w->start->host;
	const struct pci_device *p = &h->pci[dev], *o;
	bool had_mode = choices_get(&w->choices, "mode") != NULL;
	size_t i;

	choices_add(&w->choices, "device", p->address);
	for (i = 0; v != NULL && i < v->n_companions; i++) {
		o = host_pci_find(h, v->companions[i]);
		if (o != NULL && !is_chosen(w, o))
			choices_add(&w->choices, "device", o->address);
	}
	if (v != NULL && v->igpu != NULL && v->recommended != 0 && !had_mode)
		choices_add(&w->choices, "mode", mode_name(v->recommended));
	changed(w, d);
	if (w->plan_cause == NULL)
		ui_say(w, _("%s is chosen: m chooses the mode and the VM"),
		    p->address);
}

static void ask_next(struct wiz *w, struct dev_scr *d);

/* A typed confirmation came back: go on, or refuse and keep the host's. */
static void
confirmed(struct wiz *w, const char *text, void *arg)
{
	struct dev_scr *d = arg;
	const struct pci_device *g = d->guarded[d->next];
	char *phrase = guard_phrase(g);
	size_t i;

	if (text == NULL) {
		ui_say(w, _("Cancelled: %s is not chosen"),
		    w->start->host->pci[d->pending].address);
	} else if (strcmp(text, phrase) != 0) {
		ui_say(w,
		    _("Wrong phrase: %s is not chosen (type exactly "
		      "'%s')"),
		    w->start->host->pci[d->pending].address, phrase);
	} else if (++d->next < d->n_guarded) {
		ask_next(w, d);
	} else {
		for (i = 0; i < d->n_guarded; i++) {
			char *ph = guard_phrase(d->guarded[i]);

			if (!ui_choices_has(&w->choices, "confirm", ph))
				choices_add(&w->choices, "confirm", ph);
			free(ph);
		}
		check_result_free(d->probe);
		d->probe = NULL;
		choose(w, d, d->pending, verdict_for(w, d, d->pending));
	}
	free(phrase);
}

/* Ask for the phrase of the next guarded device. */
static void
ask_next(struct wiz *w, struct dev_scr *d)
{
	const struct host *h = w->start->host;
	const struct pci_device *g = d->guarded[d->next],
				*p = &h->pci[d->pending];
	char *why, *phrase = guard_phrase(g), *q;

	if (g == p)
		why = guard_self(h, &w->choices, g);
	else if (g->iommu_group >= 0 && g->iommu_group == p->iommu_group)
		why = guard_sibling(h, &w->choices, g->iommu_group, g);
	else
		why = guard_companion(h, &w->choices, g);
	q = xasprintf(_("Choosing %s takes %s from the host: %s. Only if the "
			"host can do without it, type exactly: %s"),
	    p->address, g->address, why != NULL ? why : "", phrase);
	ui_prompt(w, _("Typed confirmation"), q, confirmed, d);
	free(q);
	free(why);
	free(phrase);
}

/* Space/Enter on a row. */
static void
toggle(struct wiz *w, struct dev_scr *d)
{
	size_t line = ui_list_selected(&d->list), dev;
	const struct verdict *v;

	if (line == (size_t)-1 || (dev = d->rows.dev[line]) == (size_t)-1)
		return;
	if (d->rows.lines.v[line].role == UI_ROLE_OK ||
	    d->rows.lines.v[line].role == UI_ROLE_FAIL) {
		unchoose(w, d, dev);
		return;
	}
	v = verdict_for(w, d, dev);
	if (v == NULL || v->n_blockers == 0) {
		choose(w, d, dev, v);
		return;
	}
	d->n_guarded = ui_model_guarded(
	    w->start->host, &w->choices, v, d->guarded, GUARDED_MAX);
	if (d->n_guarded == 0 || d->n_guarded != v->n_blockers) {
		ui_say(w,
		    _("%s cannot be chosen: %s (no confirmation lifts "
		      "this)"),
		    w->start->host->pci[dev].address, v->blockers[0]);
		return;
	}
	d->pending = dev;
	d->next = 0;
	ask_next(w, d);
}

static enum ui_key_result
dev_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct dev_scr *d = s->data;

	if (d->list.filtering)
		return ui_list_key(&d->list, key, fn);
	if ((!fn && (key == ' ' || key == '\r' || key == '\n')) ||
	    (fn && key == KEY_ENTER)) {
		toggle(w, d);
		return UI_KEY_HANDLED;
	}
	if (!fn && (key == 'm' || key == 'M')) {
		scr_choice_push(w);
		return UI_KEY_HANDLED;
	}
	if (!fn && (key == '+' || key == '-'))
		return ui_text_key(
		    &d->text, key == '+' ? KEY_NPAGE : KEY_PPAGE, true);
	return ui_list_key(&d->list, key, fn);
}

static void
dev_leave(struct wiz *w, struct ui_screen *s)
{
	struct dev_scr *d = s->data;

	(void)w;
	ui_list_free(&d->list);
	ui_devrows_free(&d->rows);
	ui_lines_free(&d->info);
	check_result_free(d->probe);
	free(d);
}

static const struct ui_screen_ops scr_devices_ops = {
    .id = "devices",
    .title = N_("Devices"),
    .help = N_("The PCI devices of the host, by IOMMU group: every device "
	       "of a group goes to vfio-pci together. While the IOMMU is "
	       "off, the groups are known only after the reboot, and the "
	       "devices are listed flat. Many virtual functions of one "
	       "device show as one row.\n"
	       "Space or Enter chooses the device under the cursor for "
	       "passthrough, or takes it out again. The chosen devices "
	       "show a check mark; what goes along with them and their "
	       "group's other devices are marked, and so are the devices "
	       "the host needs (its disk's controller, its network card). "
	       "A function that goes along in another slot (the iGPU's "
	       "HDMI audio) can be taken out with Space: it is marked left "
	       "out and stays with the host.\n"
	       "A device the host needs is given away only after you type "
	       "the confirmation the dialog shows, exactly; nothing lifts "
	       "a block of the firmware or the kernel.\n"
	       "/ filters the list by any part of a row (address, name, "
	       "driver, class, IDs); Enter keeps the filter, Esc clears "
	       "it. + and - scroll the verdict below. m chooses the mode "
	       "and the VM. Esc goes back."),
    .enter = dev_enter,
    .draw = dev_draw,
    .key = dev_key,
    .leave = dev_leave,
};

void
scr_devices_push(struct wiz *w)
{
	ui_push(w, &scr_devices_ops, NULL);
}
