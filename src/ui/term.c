/*
 * term.c: the terminal: curses started on the controlling terminal and
 * restored on every way out (normal end, error, SIGTERM/SIGHUP, atexit);
 * colour (has_colors() and no NO_COLOR, https://no-color.org) or
 * attributes only; UTF-8 line drawing and marks, or an ASCII fallback when
 * the locale's codeset is not UTF-8.
 */
#include "ui.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The one started terminal, for atexit and the signal path. */
static struct wiz *term_wiz;
static volatile sig_atomic_t term_sig;
static volatile sig_atomic_t term_int;

enum {
	PAIR_OK = 1,
	PAIR_INFO,
	PAIR_WARN,
	PAIR_FAIL,
	PAIR_ADD,
	PAIR_DEL,
	PAIR_HUNK,
	PAIR_DIM,
};

static void
on_signal(int sig)
{
	if (sig == SIGINT)
		term_int = 1;
	else
		term_sig = sig;
}

int
ui_term_signal(void)
{
	return term_sig;
}

bool
ui_term_interrupted(void)
{
	bool was = term_int != 0;

	term_int = 0;
	return was;
}

static void
term_atexit(void)
{
	if (term_wiz != NULL)
		ui_term_stop(term_wiz);
}

static void
colours(void)
{
	short bg = -1;

	start_color();
	if (use_default_colors() == ERR)
		bg = COLOR_BLACK;
	init_pair(PAIR_OK, COLOR_GREEN, bg);
	init_pair(PAIR_INFO, COLOR_CYAN, bg);
	init_pair(PAIR_WARN, COLOR_YELLOW, bg);
	init_pair(PAIR_FAIL, COLOR_RED, bg);
	init_pair(PAIR_ADD, COLOR_GREEN, bg);
	init_pair(PAIR_DEL, COLOR_RED, bg);
	init_pair(PAIR_HUNK, COLOR_CYAN, bg);
	init_pair(PAIR_DIM, COLOR_BLUE, bg);
}

/*
 * Home and End as other terminals send them, whatever TERM says: tmux and
 * screen send ESC[1~ and ESC[4~ (an xterm TERM inside tmux is a common
 * setup), rxvt ESC[7~ and ESC[8~, xterm ESC[H and ESC[F or ESCOH and ESCOF.
 * Unknown to the terminfo entry, such a sequence would reach the screens as
 * Esc (back) and three keys. One the entry has already is left alone.
 */
static void
extra_keys(void)
{
	static const struct {
		const char *seq;
		int key;
	} keys[] = {
	    {"\033[1~", KEY_HOME},
	    {"\033[4~", KEY_END},
	    {"\033[7~", KEY_HOME},
	    {"\033[8~", KEY_END},
	    {"\033[H", KEY_HOME},
	    {"\033[F", KEY_END},
	    {"\033OH", KEY_HOME},
	    {"\033OF", KEY_END},
	};
	size_t i;

	for (i = 0; i < nitems(keys); i++)
		if (key_defined(keys[i].seq) == 0)
			define_key(keys[i].seq, keys[i].key);
}

int
ui_term_start(struct wiz *w, char **cause)
{
	const struct ui_start *s = w->start;
	const char *nc = getenv("NO_COLOR");
	struct sigaction sa;
	FILE *in = stdin, *out = stdout;
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		/* the controlling terminal, not a host file */
		w->term.tty = fopen("/dev/tty", "r+e");
		if (w->term.tty == NULL) {
			*cause = xasprintf("no terminal: %s", strerror(errno));
			return -ENOTTY;
		}
		in = out = w->term.tty;
	}
	w->term.screen = newterm(NULL, out, in);
	if (w->term.screen == NULL) {
		*cause = xasprintf("cannot start curses on terminal '%s'",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		if (w->term.tty != NULL)
			fclose(w->term.tty);
		w->term.tty = NULL;
		return -ENOTTY;
	}
	w->term.started = true;
	term_wiz = w;
	atexit(term_atexit);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	extra_keys();
	nodelay(stdscr, TRUE);
	curs_set(0);
	w->term.ascii = s->ascii >= 0 ? s->ascii != 0 : !utf8;
	w->term.colour = s->colour >= 0
			     ? s->colour != 0 && has_colors()
			     : has_colors() && (nc == NULL || *nc == '\0');
	if (w->term.colour)
		colours();
	return 0;
}

void
ui_term_stop(struct wiz *w)
{
	if (!w->term.started)
		return;
	w->term.started = false;
	curs_set(1);
	endwin();
	delscreen(w->term.screen);
	w->term.screen = NULL;
	if (w->term.tty != NULL)
		fclose(w->term.tty);
	w->term.tty = NULL;
	term_wiz = NULL;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

attr_t
ui_role_attr(const struct wiz *w, enum ui_role r)
{
	static const short pairs[UI_ROLE__COUNT] = {
	    [UI_ROLE_OK] = PAIR_OK,
	    [UI_ROLE_INFO] = PAIR_INFO,
	    [UI_ROLE_WARN] = PAIR_WARN,
	    [UI_ROLE_FAIL] = PAIR_FAIL,
	    [UI_ROLE_ADD] = PAIR_ADD,
	    [UI_ROLE_DEL] = PAIR_DEL,
	    [UI_ROLE_HUNK] = PAIR_HUNK,
	    [UI_ROLE_DIM] = PAIR_DIM,
	    [UI_ROLE_SIBLING] = PAIR_WARN,
	    [UI_ROLE_BLOCKER] = PAIR_FAIL,
	    [UI_ROLE_COMMAND] = PAIR_HUNK,
	};

	switch (r) {
	case UI_ROLE_TITLE:
		return A_BOLD;
	case UI_ROLE_SELECTED:
	case UI_ROLE_KEY:
		return A_REVERSE;
	case UI_ROLE_HINT:
		return A_BOLD;
	default:
		break;
	}
	if (w->term.colour && pairs[r] != 0)
		return COLOR_PAIR(pairs[r]) |
		       (r == UI_ROLE_FAIL || r == UI_ROLE_BLOCKER ? A_BOLD : 0);
	/* monochrome: what needs attention stands out */
	switch (r) {
	case UI_ROLE_WARN:
	case UI_ROLE_SIBLING:
	case UI_ROLE_ADD:
		return A_BOLD;
	case UI_ROLE_FAIL:
	case UI_ROLE_BLOCKER:
		return A_BOLD | A_UNDERLINE;
	case UI_ROLE_DEL:
	case UI_ROLE_HUNK:
		return A_UNDERLINE;
	default:
		return A_NORMAL;
	}
}

const char *
ui_mark(const struct wiz *w, enum ui_role r)
{
	bool a = w->term.ascii;

	switch (r) {
	case UI_ROLE_OK:
		return a ? "[+]" : "\u2713";
	case UI_ROLE_INFO:
		return a ? "[i]" : "i";
	case UI_ROLE_WARN:
		return a ? "[!]" : "!";
	case UI_ROLE_FAIL:
		return a ? "[x]" : "\u2717";
	case UI_ROLE_PENDING:
		return a ? "[ ]" : "\u00b7";
	default:
		return "";
	}
}
