/*
 * draw.c: drawing on stdscr: UTF-8 text clipped to a width in columns (wide
 * characters through mvadd_wch), frames with a title in the top edge (WACS
 * line drawing or ASCII +-|), the key bar and one ui_line with its mark.
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

int
ui_put(struct wiz *w, int y, int x, int width, const char *text, attr_t attr)
{
	const char *p = text;
	mbstate_t st;
	int used = 0;

	memset(&st, 0, sizeof st);
	while (*p != '\0' && used < width) {
		wchar_t wc, ws[2];
		cchar_t cc;
		size_t len = mbrtowc(&wc, p, MB_CUR_MAX, &st);
		int cw;

		if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
			memset(&st, 0, sizeof st);
			wc = L'?';
			len = 1;
		}
		if (w->term.ascii && wc > 0x7e)
			wc = L'?';
		cw = wcwidth(wc);
		if (cw < 0 || wc < L' ') {
			wc = L'?';
			cw = 1;
		}
		if (used + cw > width)
			break;
		ws[0] = wc;
		ws[1] = L'\0';
		setcchar(
		    &cc, ws, attr & ~A_COLOR, (short)PAIR_NUMBER(attr), NULL);
		mvadd_wch(y, x + used, &cc);
		used += cw;
		p += len;
	}
	return used;
}

void
ui_blank(int y, int x, int width, attr_t attr)
{
	int i;

	attrset(attr);
	for (i = 0; i < width; i++)
		mvaddch(y, x + i, ' ');
	attrset(A_NORMAL);
}

void
ui_frame(
    struct wiz *w, int y, int x, int h, int wd, const char *title, bool focused)
{
	attr_t a = focused ? A_BOLD : A_NORMAL;
	int i;

	if (h < 2 || wd < 2)
		return;
	attrset(a);
	if (w->term.ascii) {
		for (i = 1; i < wd - 1; i++) {
			mvaddch(y, x + i, '-');
			mvaddch(y + h - 1, x + i, '-');
		}
		for (i = 1; i < h - 1; i++) {
			mvaddch(y + i, x, '|');
			mvaddch(y + i, x + wd - 1, '|');
		}
		mvaddch(y, x, '+');
		mvaddch(y, x + wd - 1, '+');
		mvaddch(y + h - 1, x, '+');
		mvaddch(y + h - 1, x + wd - 1, '+');
	} else {
		mvhline_set(y, x + 1, WACS_HLINE, wd - 2);
		mvhline_set(y + h - 1, x + 1, WACS_HLINE, wd - 2);
		mvvline_set(y + 1, x, WACS_VLINE, h - 2);
		mvvline_set(y + 1, x + wd - 1, WACS_VLINE, h - 2);
		mvadd_wch(y, x, WACS_ULCORNER);
		mvadd_wch(y, x + wd - 1, WACS_URCORNER);
		mvadd_wch(y + h - 1, x, WACS_LLCORNER);
		mvadd_wch(y + h - 1, x + wd - 1, WACS_LRCORNER);
	}
	attrset(A_NORMAL);
	if (title != NULL && *title != '\0' && wd > 6) {
		int used;

		ui_blank(y, x + 1, 1, a);
		used = ui_put(w, y, x + 2, wd - 5, title, a | A_BOLD);
		ui_blank(y, x + 2 + used, 1, a);
	}
}

void
ui_keybar(struct wiz *w, int y, const struct ui_keyhelp *keys, size_t n)
{
	int x = 1, cols = COLS;
	size_t i;

	ui_blank(y, 0, cols, A_NORMAL);
	for (i = 0; i < n && x < cols; i++) {
		x += ui_put(w, y, x, cols - x, keys[i].key,
		    ui_role_attr(w, UI_ROLE_KEY));
		x += ui_put(w, y, x, cols - x, " ", A_NORMAL);
		x += ui_put(w, y, x, cols - x, _(keys[i].what), A_NORMAL);
		x += ui_put(w, y, x, cols - x, "  ", A_NORMAL);
	}
}

int
ui_gutter(const struct wiz *w)
{
	return w->term.ascii ? 4 : 2;
}

void
ui_draw_line(struct wiz *w, int y, int x, int width, const struct ui_line *l,
    bool gutter, bool selected)
{
	attr_t a = ui_role_attr(w, l->role);
	attr_t base = selected ? ui_role_attr(w, UI_ROLE_SELECTED) : A_NORMAL;
	int col = 0, used;

	ui_blank(y, x, width, base);
	if (ui_role_marked(l->role)) {
		used = ui_put(w, y, x, width, ui_mark(w, l->role), a | base);
		col = gutter ? ui_gutter(w) : used + 1;
	} else if (gutter) {
		col = ui_gutter(w);
	}
	col += l->indent;
	if (col >= width)
		return;
	/* the text keeps the role's colour only for the mark's roles */
	ui_put(w, y, x + col, width - col, l->text,
	    (ui_role_marked(l->role) && l->role != UI_ROLE_FAIL ? A_NORMAL
								: a) |
		base);
}
