/*
 * w_text.c: scrollable text of ui_lines (findings, a diff, help, the
 * progress log), each line wrapped to the width at every draw, so a resize
 * reflows it. Continuation rows keep the line's indent and role.
 */
#include "ui.h"

#include <stdlib.h>

void
ui_text_set(struct ui_text *t, const struct ui_lines *lines)
{
	t->lines = lines;
	t->top = 0;
	t->total = 0;
}

/* Columns the mark takes in front of a line without a gutter. */
static int
mark_cols(struct wiz *w, const struct ui_text *t, const struct ui_line *l)
{
	if (t->gutter || !ui_role_marked(l->role))
		return 0;
	return ui_text_width(ui_mark(w, l->role)) + 1;
}

void
ui_text_draw(struct wiz *w, struct ui_text *t, int y, int x, int h, int wd)
{
	size_t i, k, row = 0;
	int gut = t->gutter ? ui_gutter(w) : 0;

	t->page = h;
	/* count the rows first so the view can follow the end */
	if (t->follow || t->total == 0) {
		t->total = 0;
		for (i = 0; t->lines != NULL && i < t->lines->n; i++) {
			const struct ui_line *l = &t->lines->v[i];
			char **pieces = NULL;
			size_t n = 0;
			int tw = wd - gut - l->indent - mark_cols(w, t, l);

			ui_wrap(l->text, tw, &pieces, &n);
			t->total += n;
			strv_free(pieces, n);
		}
		if (t->follow && t->total > (size_t)h)
			t->top = t->total - (size_t)h;
	}
	for (i = 0; t->lines != NULL && i < t->lines->n; i++) {
		const struct ui_line *l = &t->lines->v[i];
		char **pieces = NULL;
		size_t n = 0;
		int mc = mark_cols(w, t, l);
		int tw = wd - gut - l->indent - mc;

		ui_wrap(l->text, tw, &pieces, &n);
		for (k = 0; k < n; k++, row++) {
			struct ui_line piece = *l;

			if (row < t->top || row >= t->top + (size_t)h)
				continue;
			piece.text = pieces[k];
			if (k > 0 && ui_role_marked(piece.role)) {
				/* a continuation: no mark, the text aligned */
				piece.role = UI_ROLE_NORMAL;
				piece.indent += mc;
			}
			ui_draw_line(w, y + (int)(row - t->top), x, wd, &piece,
			    t->gutter, false);
		}
		strv_free(pieces, n);
	}
	t->total = row;
	for (; row < t->top + (size_t)h; row++)
		if (row >= t->top)
			ui_blank(y + (int)(row - t->top), x, wd, A_NORMAL);
}

enum ui_key_result
ui_text_key(struct ui_text *t, wint_t key, bool fn)
{
	size_t page = t->page > 1 ? (size_t)t->page - 1 : 1;
	size_t max =
	    t->total > (size_t)t->page ? t->total - (size_t)t->page : 0;

	if (!fn && key == ' ')
		key = KEY_NPAGE;
	else if (!fn)
		return UI_KEY_IGNORED;
	switch (key) {
	case KEY_UP:
		if (t->top > 0)
			t->top--;
		break;
	case KEY_DOWN:
		if (t->top < max)
			t->top++;
		break;
	case KEY_PPAGE:
		t->top = t->top > page ? t->top - page : 0;
		break;
	case KEY_NPAGE:
		t->top = t->top + page < max ? t->top + page : max;
		break;
	case KEY_HOME:
		t->top = 0;
		break;
	case KEY_END:
		t->top = max;
		break;
	default:
		return UI_KEY_IGNORED;
	}
	t->follow = t->top == max;
	return UI_KEY_HANDLED;
}
