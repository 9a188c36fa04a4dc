/*
 * scr_help.c: F1: the help of the screen below (its ops->help, one
 * paragraph per line, wrapped, and the paragraph it shares with other
 * screens, ops->help_more), then the keys that work everywhere.
 */
#include "ui.h"

#include <stdlib.h>

struct help {
	char *title;
	struct ui_lines lines;
	struct ui_text text;
};

static const struct ui_keyhelp help_keys[] = {
    {"Esc", N_("Back")},
    {"PgUp/PgDn", N_("Scroll")},
    {"q", N_("Quit")},
};

static void
help_draw(struct wiz *w, struct ui_screen *s)
{
	struct help *h = s->data;

	ui_put(w, 0, 1, COLS - 2, h->title, A_BOLD);
	ui_frame(w, 1, 0, LINES - 2, COLS, _("Help"), true);
	ui_text_draw(w, &h->text, 2, 2, LINES - 4, COLS - 4);
	ui_keybar(w, LINES - 1, help_keys, nitems(help_keys));
}

static enum ui_key_result
help_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct help *h = s->data;

	return ui_text_key(&h->text, key, fn);
}

static void
help_leave(struct wiz *w, struct ui_screen *s)
{
	struct help *h = s->data;

	ui_lines_free(&h->lines);
	free(h->title);
	free(h);
}

static const struct ui_screen_ops help_ops = {
    .id = "help",
    .title = N_("Help"),
    .help = N_("The help of the screen you came from. Esc goes back."),
    .draw = help_draw,
    .key = help_key,
    .leave = help_leave,
};

void
scr_help_push(struct wiz *w, const struct ui_screen *s)
{
	struct help *h = xcalloc(1, sizeof *h);
	const char *title = s->ops->title != NULL ? _(s->ops->title) : "";

	h->title = xasprintf(_("vfio-wizard help: %s"), title);
	if (s->ops->help != NULL) {
		ui_lines_add_text(
		    &h->lines, UI_ROLE_NORMAL, 0, _(s->ops->help));
		if (s->ops->help_more != NULL)
			ui_lines_add_text(
			    &h->lines, UI_ROLE_NORMAL, 0, _(s->ops->help_more));
		ui_lines_add(&h->lines, UI_ROLE_NORMAL, 0, "%s", "");
	}
	ui_lines_add(
	    &h->lines, UI_ROLE_TITLE, 0, "%s", _("Keys on every screen"));
	ui_lines_add(&h->lines, UI_ROLE_NORMAL, 2, "%s", _("F1     this help"));
	ui_lines_add(&h->lines, UI_ROLE_NORMAL, 2, "%s",
	    _("Esc    back to the previous screen"));
	ui_lines_add(&h->lines, UI_ROLE_NORMAL, 2, "%s",
	    _("q      quit (asks first; refused while a write is under "
	      "way)"));
	ui_text_set(&h->text, &h->lines);
	ui_push(w, &help_ops, h);
}
