/*
 * w_dialog.c: modal dialogs drawn over the screen below: a yes/no question
 * (y or the translated "Yes"'s first letter, n, Esc, Tab and the arrows,
 * Enter) and a typed line of text (the guard's typed confirmation: Enter
 * hands the text over, Esc cancels). Each calls its done callback after it
 * has closed, so the callback may push the next screen.
 */
#include "ui.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

struct dialog {
	char *title;
	char *text; /* question or prompt */
	bool yes;   /* the button under the cursor */
	wchar_t input[256];
	size_t len;
	void (*done_yn)(struct wiz *, bool, void *);
	void (*done_text)(struct wiz *, const char *, void *);
	void *arg;
};

/* Draw the dialog box with the text wrapped, extra rows below it. */
static int
dialog_box(struct wiz *w, struct dialog *d, int extra, int *bx, int *bw)
{
	char **pieces = NULL;
	size_t n = 0, i;
	int width = COLS - 8 < 64 ? COLS - 8 : 64, h, y, x;

	if (width < 20)
		width = 20;
	ui_wrap(d->text, width - 4, &pieces, &n);
	h = (int)n + extra + 3;
	y = (LINES - h) / 2;
	x = (COLS - width) / 2;
	for (i = 0; i < (size_t)h; i++)
		ui_blank(y + (int)i, x, width, A_NORMAL);
	ui_frame(w, y, x, h, width, d->title, true);
	for (i = 0; i < n; i++)
		ui_put(
		    w, y + 1 + (int)i, x + 2, width - 4, pieces[i], A_NORMAL);
	strv_free(pieces, n);
	*bx = x;
	*bw = width;
	return y + 1 + (int)n + 1;
}

static void
confirm_draw(struct wiz *w, struct ui_screen *s)
{
	struct dialog *d = s->data;
	char *yes = xasprintf("[ %s ]", _("Yes"));
	char *no = xasprintf("[ %s ]", _("No"));
	int x, wd, y = dialog_box(w, d, 1, &x, &wd);
	int yw = ui_text_width(yes), nw = ui_text_width(no);
	int bx = x + (wd - yw - nw - 2) / 2;

	ui_put(w, y, bx, yw, yes,
	    d->yes ? ui_role_attr(w, UI_ROLE_SELECTED) : A_NORMAL);
	ui_put(w, y, bx + yw + 2, nw, no,
	    !d->yes ? ui_role_attr(w, UI_ROLE_SELECTED) : A_NORMAL);
	free(yes);
	free(no);
}

/* Close the dialog, then tell the caller. */
static void
confirm_answer(struct wiz *w, struct dialog *d, bool yes)
{
	void (*done)(struct wiz *, bool, void *) = d->done_yn;
	void *arg = d->arg;

	ui_pop(w);
	if (done != NULL)
		done(w, yes, arg);
}

static bool
is_enter(wint_t key, bool fn)
{
	return fn ? key == KEY_ENTER : key == '\r' || key == '\n';
}

static enum ui_key_result
confirm_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct dialog *d = s->data;
	wint_t yl = (wint_t)towlower((wint_t)(unsigned char)_("Yes")[0]);

	if (!fn && (key == 'y' || key == 'Y' || towlower(key) == yl))
		confirm_answer(w, d, true);
	else if (!fn && (key == 'n' || key == 'N' || key == 27))
		confirm_answer(w, d, false);
	else if (is_enter(key, fn))
		confirm_answer(w, d, d->yes);
	else if ((fn && (key == KEY_LEFT || key == KEY_RIGHT ||
			    key == KEY_BTAB)) ||
		 (!fn && key == '\t'))
		d->yes = !d->yes;
	return UI_KEY_HANDLED; /* modal: nothing reaches the flow */
}

static void
dialog_leave(struct wiz *w, struct ui_screen *s)
{
	struct dialog *d = s->data;

	free(d->title);
	free(d->text);
	free(d);
}

static const struct ui_screen_ops confirm_ops = {
    .id = "confirm",
    .title = N_("Question"),
    .help = N_("Answer the question: y or Enter on Yes goes ahead, n or "
	       "Esc does not. Tab and the arrow keys move between the "
	       "buttons."),
    .modal = true,
    .draw = confirm_draw,
    .key = confirm_key,
    .leave = dialog_leave,
};

void
ui_confirm(struct wiz *w, const char *title, const char *question,
    void (*done)(struct wiz *, bool yes, void *arg), void *arg)
{
	struct dialog *d = xcalloc(1, sizeof *d);

	d->title = xstrdup(title);
	d->text = xstrdup(question);
	d->done_yn = done;
	d->arg = arg;
	ui_push(w, &confirm_ops, d);
}

/* The input as UTF-8 (caller frees). */
static char *
input_text(const struct dialog *d)
{
	char *out = xcalloc(d->len * MB_LEN_MAX + 1, 1);
	const wchar_t *src = d->input;
	mbstate_t st;

	memset(&st, 0, sizeof st);
	if (wcsrtombs(out, &src, d->len * MB_LEN_MAX + 1, &st) == (size_t)-1)
		out[0] = '\0';
	return out;
}

static void
prompt_draw(struct wiz *w, struct ui_screen *s)
{
	struct dialog *d = s->data;
	int x, wd, y = dialog_box(w, d, 1, &x, &wd);
	char *text = input_text(d), *shown;
	int tw = ui_text_width(text), room = wd - 6;
	const char *p = text;

	/* keep the end of a long input in view */
	while (tw > room && *p != '\0') {
		p++;
		while (((unsigned char)*p & 0xc0) == 0x80)
			p++;
		tw = ui_text_width(p);
	}
	shown = xasprintf("> %s_", p);
	ui_put(w, y, x + 2, wd - 4, shown, A_BOLD);
	free(shown);
	free(text);
}

static enum ui_key_result
prompt_key(struct wiz *w, struct ui_screen *s, wint_t key, bool fn)
{
	struct dialog *d = s->data;
	void (*done)(struct wiz *, const char *, void *) = d->done_text;
	void *arg = d->arg;
	char *text;

	if (!fn && key == 27) {
		ui_pop(w);
		if (done != NULL)
			done(w, NULL, arg);
	} else if (is_enter(key, fn)) {
		text = input_text(d);
		ui_pop(w);
		if (done != NULL)
			done(w, text, arg);
		free(text);
	} else if ((fn && key == KEY_BACKSPACE) ||
		   (!fn && (key == 127 || key == 8))) {
		if (d->len > 0)
			d->input[--d->len] = L'\0';
	} else if (!fn && iswprint(key) &&
		   d->len + 1 < sizeof d->input / sizeof d->input[0]) {
		d->input[d->len++] = (wchar_t)key;
		d->input[d->len] = L'\0';
	}
	return UI_KEY_HANDLED;
}

static const struct ui_screen_ops prompt_ops = {
    .id = "prompt",
    .title = N_("Confirmation"),
    .help = N_("Type the text exactly as asked and press Enter; Esc "
	       "cancels and changes nothing."),
    .modal = true,
    .draw = prompt_draw,
    .key = prompt_key,
    .leave = dialog_leave,
};

void
ui_prompt(struct wiz *w, const char *title, const char *prompt,
    void (*done)(struct wiz *, const char *text, void *arg), void *arg)
{
	struct dialog *d = xcalloc(1, sizeof *d);

	d->title = xstrdup(title);
	d->text = xstrdup(prompt);
	d->done_text = done;
	d->arg = arg;
	ui_push(w, &prompt_ops, d);
}
