/*
 * scr_choice.c: the mode and VM choice: the modes the chosen device's
 * verdict offers (the recommended one first), the VMs of the node (running
 * or locked ones shown, not choosable) and "no VM", the GVT-g type for
 * GVT-g (from the generation's family, or typed), the option ROM for
 * legacy IGD on an OVMF VM, the SR-IOV VF count, x-vga=1 for a whole GPU
 * and the drivers also blacklisted (model_choice.c). Below the list, why the
 * mode under the cursor suits this device, or what the row means, and the
 * plan's refusal when the choices cannot be planned. Every choice plans
 * again (wiz_replan).
 */
#include "ui.h"

#include "vfio-wizard/host.h"
#include "vfio-wizard/step.h"

#include <stdlib.h>
#include <string.h>

struct ch_scr {
	struct ui_choicerows rows;
	struct ui_list list;
	struct ui_lines info;
	struct ui_text text;
	size_t info_row;
	bool info_valid;
};

static const struct ui_keyhelp ch_keys[] = {
    {"F1", N_("Help")},
    {"Up/Down", N_("Move")},
    {"Enter", N_("Choose")}, /* CH_KEY_ENTER: what Enter does on the row */
    {"+/-", N_("Scroll")},
    {"Esc", N_("Back")},
};
#define CH_KEY_ENTER 2

/* What Enter does on the selected row, for the key bar. */
static const char *
enter_does(const struct ch_scr *c)
{
	size_t row = ui_list_selected(&c->list);

	if (row == (size_t)-1 || row >= c->rows.lines.n)
		return N_("Choose");
	switch (c->rows.kind[row]) {
	case UI_CHOICE_XVGA:
		return N_("Toggle");
	case UI_CHOICE_BLACKLIST:
		return N_("Remove");
	case UI_CHOICE_MDEV_TYPED:
	case UI_CHOICE_ROMFILE:
	case UI_CHOICE_VFS:
	case UI_CHOICE_BLACKLIST_ADD:
		return N_("Type");
	default:
		return N_("Choose");
	}
}

/* The verdict the choice is about: the chosen iGPU's, else the first. */
static const struct verdict *
target(const struct wiz *w)
{
	const struct verdict *first = NULL, *v;
	const struct pci_device *d;
	size_t i;

	for (i = 0; i < w->choices.n_items; i++) {
		if (strncmp(w->choices.items[i], "device=", 7) != 0 ||
		    (d = host_pci_find(
			 w->start->host, w->choices.items[i] + 7)) == NULL)
			continue;
		v = ui_verdict_of(w->check, (size_t)(d - w->start->host->pci));
		if (v != NULL && v->igpu != NULL)
			return v;
		if (first == NULL)
			first = v;
	}
	return first;
}

static void
rebuild(struct wiz *w, struct ch_scr *c)
{
	size_t keep = ui_list_selected(&c->list);

	ui_choicerows_free(&c->rows);
	ui_model_choice(w->start->host, target(w), &w->choices, &c->rows);
	ui_list_set(&c->list, c->rows.lines.v, c->rows.lines.n);
	if (keep != (size_t)-1 && keep < c->rows.lines.n)
		ui_list_select(&c->list, keep);
	c->info_valid = false;
}

static void
build_info(struct wiz *w, struct ch_scr *c)
{
	size_t row = ui_list_selected(&c->list);

	if (c->info_valid && row == c->info_row)
		return;
	ui_lines_free(&c->info);
	c->info_row = row;
	c->info_valid = true;
	ui_text_set(&c->text, &c->info);
	if (w->plan_cause != NULL) {
		ui_lines_add(&c->info, UI_ROLE_FAIL, 0, "%s",
		    _("The plan refuses these choices:"));
		ui_lines_add_text(&c->info, UI_ROLE_NORMAL, 2, w->plan_cause);
	}
	if (row != (size_t)-1)
		ui_model_choice_explain(w->start->host, target(w), &w->choices,
		    &c->rows, row, &c->info);
}

static void
ch_enter(struct wiz *w, struct ui_screen *s)
{
	struct ch_scr *c = xcalloc(1, sizeof *c);
	size_t i;

	c->list.gutter = true;
	c->text.gutter = true;
	s->data = c;
	rebuild(w, c);
	for (i = 0; i < c->rows.lines.n; i++) {
		if (c->rows.usable[i]) {
			ui_list_select(&c->list, i);
			break;
		}
	}
}

static void
ch_draw(struct wiz *w, struct ui_screen *s)
{
	struct ch_scr *c = s->data;
	char *title = ui_model_title(&w->model, !w->term.ascii);
	int lh = (LINES - 2) / 2, bh = LINES - 2 - lh;
	struct ui_keyhelp keys[nitems(ch_keys)];

	build_info(w, c);
	ui_blank(0, 0, COLS, A_NORMAL);
	ui_put(w, 0, 1, COLS - 2, title, A_BOLD);
	free(title);
	ui_frame(w, 1, 0, lh, COLS, _("Mode and VM"), true);
	ui_list_draw(w, &c->list, 2, 2, lh - 2, COLS - 4, true);
	ui_frame(w, 1 + lh, 0, bh, COLS, _("Why"), false);
	ui_text_draw(w, &c->text, 2 + lh, 2, bh - 2, COLS - 4);
	memcpy(keys, ch_keys, sizeof keys);
	keys[CH_KEY_ENTER].what = enter_does(c);
	ui_keybar(w, LINES - 1, keys, nitems(keys));
}

/* The choices changed: plan again and show the result. */
static void
changed(struct wiz *w, struct ch_scr *c)
{
	wiz_replan(w);
	rebuild(w, c);
}

/* A typed GVT-g type or option ROM came back (arg: the key). */
static void
typed(struct wiz *w, const char *text, void *arg)
{
	struct ui_screen *top = ui_top(w);
	const char *key = arg;

	if (text == NULL || *text == '\0' || top == NULL ||
	    strcmp(top->ops->id, "choice") != 0)
		return;
	ui_choices_set(&w->choices, key, text);
	changed(w, top->data);
}

/* A typed VF count came back: checked as "vfs=" is, then chosen. */
static void
typed_vfs(struct wiz *w, const char *text, void *arg)
{
	struct ui_screen *top = ui_top(w);
	char *why;

	(void)arg;
	if (text == NULL || *text == '\0' || top == NULL ||
	    strcmp(top->ops->id, "choice") != 0)
		return;
	why = ui_choice_check_vfs(w->start->host, target(w), text);
	if (why != NULL) {
		ui_say(w, "%s", why);
		free(why);
		return;
	}
	ui_choices_set(&w->choices, "vfs", text);
	changed(w, top->data);
}

/* A typed module name came back: checked as "blacklist=" is, added. */
static void
typed_blacklist(struct wiz *w, const char *text, void *arg)
{
	struct ui_screen *top = ui_top(w);
	char *why = NULL, *name;

	(void)arg;
	if (text == NULL || *text == '\0' || top == NULL ||
	    strcmp(top->ops->id, "choice") != 0)
		return;
	if ((name = ui_choice_module(text, &why)) == NULL) {
		ui_say(w, "%s", why);
		free(why);
		return;
	}
	if (!ui_choices_has(&w->choices, "blacklist", name))
		choices_add(&w->choices, "blacklist", name);
	free(name);
	changed(w, top->data);
}

static void
pick(struct wiz *w, struct ch_scr *c)
{
	size_t row = ui_list_selected(&c->list);
	const char *val;
	char *q;

	if (row == (size_t)-1 || c->rows.kind[row] == UI_CHOICE_NONE)
		return;
	if (!c->rows.usable[row]) {
		ui_say(w, "%s", c->rows.lines.v[row].text);
		return;
	}
	val = c->rows.value[row];
	switch (c->rows.kind[row]) {
	case UI_CHOICE_MODE:
		ui_choices_set(&w->choices, "mode", val);
		if (strcmp(val, "gvt-g") != 0)
			ui_choices_remove(&w->choices, "mdev", NULL);
		if (strcmp(val, "legacy-igd") != 0)
			ui_choices_remove(&w->choices, "romfile", NULL);
		if (mode_from_name(val) != (int)MODE_SRIOV)
			ui_choices_remove(&w->choices, "vfs", NULL);
		break;
	case UI_CHOICE_VM:
		ui_choices_set(&w->choices, "vm", val);
		break;
	case UI_CHOICE_NO_VM:
		ui_choices_remove(&w->choices, "vm", NULL);
		ui_choices_remove(&w->choices, "romfile", NULL);
		break;
	case UI_CHOICE_MDEV:
		ui_choices_set(&w->choices, "mdev", val);
		break;
	case UI_CHOICE_MDEV_TYPED:
		ui_prompt(w, _("GVT-g type"),
		    _("The type name as the host will list it in "
		      "mdev_supported_types, for example i915-GVTg_V5_4 "
		      "(Skylake to Comet Lake) or i915-GVTg_V4_4 "
		      "(Broadwell):"),
		    typed, (void *)"mdev");
		return;
	case UI_CHOICE_ROMFILE:
		q = xstrdup(_("The IGD option ROM's file name in "
			      "/usr/share/kvm (copy it there first):"));
		ui_prompt(w, _("Option ROM"), q, typed, (void *)"romfile");
		free(q);
		return;
	case UI_CHOICE_VFS:
		q = xasprintf(_("How many virtual functions (now %s)?"), val);
		ui_prompt(w, _("Virtual functions"), q, typed_vfs, NULL);
		free(q);
		return;
	case UI_CHOICE_XVGA:
		ui_choices_set(
		    &w->choices, "x-vga", strcmp(val, "1") == 0 ? NULL : "1");
		break;
	case UI_CHOICE_BLACKLIST:
		ui_choices_remove(&w->choices, "blacklist", val);
		break;
	case UI_CHOICE_BLACKLIST_ADD:
		ui_prompt(w, _("Blacklist a driver"),
		    _("The module name to keep from loading at boot, as "
		      "lsmod names it (for example nouveau):"),
		    typed_blacklist, NULL);
		return;
	case UI_CHOICE_NONE:
		return;
	}
	changed(w, c);
}

/* Step from a heading row in direction key (KEY_UP, KEY_DOWN). */
static bool
ch_off_heading(struct ch_scr *c, wint_t key)
{
	size_t row;

	while ((row = ui_list_selected(&c->list)) != (size_t)-1 &&
	       c->rows.kind[row] == UI_CHOICE_NONE) {
		size_t at = c->list.sel;

		ui_list_key(&c->list, key, true);
		if (c->list.sel == at) /* the first or last row */
			return false;
	}
	return true;
}

/*
 * List keys; every move steps over the headings (Home, End and the page
 * keys too: Home would land on the "Mode" heading).
 */
static enum ui_key_result
ch_move(struct ch_scr *c, wint_t key, bool fn)
{
	size_t before = c->list.sel;
	enum ui_key_result r = ui_list_key(&c->list, key, fn);
	wint_t dir = key == KEY_UP || key == KEY_PPAGE || key == KEY_END
			 ? KEY_UP
			 : KEY_DOWN;

	if (r != UI_KEY_HANDLED || !fn)
		return r;
	if (!ch_off_heading(c, dir) &&
	    !ch_off_heading(c, dir == KEY_UP ? KEY_DOWN : KEY_UP))
		c->list.sel = before;
	return r;
}

static enum ui_key_result
ch_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct ch_scr *c = s->data;

	if ((!fn && (key == ' ' || key == '\r' || key == '\n')) ||
	    (fn && key == KEY_ENTER)) {
		pick(w, c);
		return UI_KEY_HANDLED;
	}
	if (!fn && (key == '+' || key == '-'))
		return ui_text_key(
		    &c->text, key == '+' ? KEY_NPAGE : KEY_PPAGE, true);
	if (!fn && key == '/')
		return UI_KEY_IGNORED; /* a short list: no filter */
	return ch_move(c, key, fn);
}

static void
ch_leave(struct wiz *w, struct ui_screen *s)
{
	struct ch_scr *c = s->data;

	(void)w;
	ui_list_free(&c->list);
	ui_choicerows_free(&c->rows);
	ui_lines_free(&c->info);
	free(c);
}

static const struct ui_screen_ops scr_choice_ops = {
    .id = "choice",
    .title = N_("Mode and VM"),
    .help = N_("How the chosen device goes to a VM, and which VM.\n"
	       "The modes are those that work for this device on this "
	       "host, the recommended one first; the pane below says why, "
	       "with the knowledge base's advice for the iGPU's "
	       "generation.\n"
	       "The VMs of this node follow: a running or locked VM is "
	       "shown but cannot be chosen until it is stopped or "
	       "unlocked. Without a VM the plan prepares the host and says "
	       "how to create one.\n"
	       "For GVT-g choose the virtual GPU's type; for legacy IGD on "
	       "an OVMF VM type the option ROM's file name; for SR-IOV "
	       "type the number of virtual functions; for a whole GPU "
	       "switch x-vga=1 when it is the VM's display. Any driver "
	       "typed under 'also blacklist a driver' is kept from "
	       "loading at boot; Enter on one removes it.\n"
	       "Enter chooses the row under the cursor and plans again; "
	       "when the plan refuses, the pane says why. + and - scroll "
	       "the pane. Esc goes back."),
    .enter = ch_enter,
    .draw = ch_draw,
    .key = ch_key,
    .leave = ch_leave,
};

void
scr_choice_push(struct wiz *w)
{
	ui_push(w, &scr_choice_ops, NULL);
}
