/*
 * w_list.c: a scrollable, selectable list or tree of ui_lines with a `/`
 * filter (case-insensitive substring, model_text.c's ui_filter). The rows
 * shown are recomputed only when the lines or the filter change, so a list
 * of thousands of SR-IOV functions stays fast.
 */
#include "ui.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Recompute the rows shown, keeping the selected line if it still shows. */
static void
refilter(struct ui_list *l)
{
	size_t keep = ui_list_selected(l), i;

	l->rows = xreallocarray(l->rows, l->n > 0 ? l->n : 1, sizeof *l->rows);
	l->n_rows =
	    ui_filter(l->lines, l->n, l->filter, l->keep_parents, l->rows);
	l->sel = 0;
	l->top = 0;
	for (i = 0; keep != (size_t)-1 && i < l->n_rows; i++) {
		if (l->rows[i] == keep) {
			l->sel = i;
			break;
		}
	}
}

void
ui_list_set(struct ui_list *l, const struct ui_line *lines, size_t n)
{
	size_t keep = ui_list_selected(l);

	l->lines = lines;
	l->n = n;
	l->n_rows = 0;
	refilter(l);
	if (keep != (size_t)-1 && keep < n)
		ui_list_select(l, keep);
}

size_t
ui_list_selected(const struct ui_list *l)
{
	if (l->lines == NULL || l->sel >= l->n_rows)
		return (size_t)-1;
	return l->rows[l->sel];
}

void
ui_list_select(struct ui_list *l, size_t i)
{
	size_t r;

	for (r = 0; r < l->n_rows; r++) {
		if (l->rows[r] == i) {
			l->sel = r;
			return;
		}
	}
}

void
ui_list_draw(
    struct wiz *w, struct ui_list *l, int y, int x, int h, int wd, bool focused)
{
	int r, rows = h;

	if (l->filtering || l->filter[0] != '\0')
		rows--; /* the filter line at the bottom */
	if (rows < 1)
		rows = 1;
	l->page = rows;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + (size_t)rows)
		l->top = l->sel - (size_t)rows + 1;
	for (r = 0; r < rows; r++) {
		size_t row = l->top + (size_t)r;

		if (row >= l->n_rows) {
			ui_blank(y + r, x, wd, A_NORMAL);
			continue;
		}
		ui_draw_line(w, y + r, x, wd, &l->lines[l->rows[row]],
		    l->gutter, focused && row == l->sel);
	}
	if (rows < h) {
		char *s =
		    xasprintf("/%s%s", l->filter, l->filtering ? "_" : "");
		char *count = xasprintf(_("%zu of %zu"), l->n_rows, l->n);
		int cw = ui_text_width(count);

		ui_blank(y + rows, x, wd, A_NORMAL);
		ui_put(w, y + rows, x, wd - cw - 1, s, A_BOLD);
		if (cw < wd)
			ui_put(w, y + rows, x + wd - cw, cw, count, A_NORMAL);
		free(count);
		free(s);
	}
}

/* Append the UTF-8 encoding of key to the filter (if it fits). */
static void
filter_add(struct ui_list *l, wint_t key)
{
	char mb[MB_LEN_MAX + 1];
	mbstate_t st;
	size_t len, have = strlen(l->filter);

	memset(&st, 0, sizeof st);
	len = wcrtomb(mb, (wchar_t)key, &st);
	if (len == (size_t)-1 || have + len >= sizeof l->filter)
		return;
	memcpy(l->filter + have, mb, len);
	l->filter[have + len] = '\0';
}

/* Remove the last character (a whole UTF-8 sequence) of the filter. */
static void
filter_back(struct ui_list *l)
{
	size_t n = strlen(l->filter);

	while (n > 0 && ((unsigned char)l->filter[n - 1] & 0xc0) == 0x80)
		n--;
	if (n > 0)
		n--;
	l->filter[n] = '\0';
}

static enum ui_key_result
filter_key(struct ui_list *l, wint_t key, bool fn)
{
	if (!fn && key == 27) { /* Esc: drop the filter */
		l->filtering = false;
		l->filter[0] = '\0';
	} else if ((fn && key == KEY_ENTER) ||
		   (!fn && (key == '\r' || key == '\n'))) {
		l->filtering = false;
		return UI_KEY_HANDLED;
	} else if ((fn && key == KEY_BACKSPACE) ||
		   (!fn && (key == 127 || key == 8))) {
		filter_back(l);
	} else if (!fn && key >= ' ') {
		filter_add(l, key);
	} else {
		return UI_KEY_IGNORED;
	}
	refilter(l);
	return UI_KEY_HANDLED;
}

enum ui_key_result
ui_list_key(struct ui_list *l, wint_t key, bool fn)
{
	size_t page = l->page > 1 ? (size_t)l->page - 1 : 1;

	if (l->filtering) {
		enum ui_key_result r = filter_key(l, key, fn);

		if (r == UI_KEY_HANDLED || !fn)
			return r;
	}
	if (!fn && key == '/') {
		l->filtering = true;
		return UI_KEY_HANDLED;
	}
	if (!fn && key == 27 && l->filter[0] != '\0') {
		l->filter[0] = '\0';
		refilter(l);
		return UI_KEY_HANDLED;
	}
	if (!fn)
		return UI_KEY_IGNORED;
	switch (key) {
	case KEY_UP:
		if (l->sel > 0)
			l->sel--;
		break;
	case KEY_DOWN:
		if (l->sel + 1 < l->n_rows)
			l->sel++;
		break;
	case KEY_PPAGE:
		l->sel = l->sel > page ? l->sel - page : 0;
		break;
	case KEY_NPAGE:
		l->sel += page;
		if (l->sel >= l->n_rows)
			l->sel = l->n_rows > 0 ? l->n_rows - 1 : 0;
		break;
	case KEY_HOME:
		l->sel = 0;
		break;
	case KEY_END:
		l->sel = l->n_rows > 0 ? l->n_rows - 1 : 0;
		break;
	default:
		return UI_KEY_IGNORED;
	}
	return UI_KEY_HANDLED;
}

void
ui_list_free(struct ui_list *l)
{
	free(l->rows);
	l->rows = NULL;
	l->n_rows = 0;
}
