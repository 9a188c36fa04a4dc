/*
 * ui.h: the full-screen wizard's entry point, called by the command line
 * when no command is given (src/cli/cmd_wizard.c).
 *
 * ui_run() takes a probed host, the knowledge base and the initial choices
 * (from the options or an answers file), starts curses on the controlling
 * terminal, walks the screens and returns an exit code as the commands do
 * (0 done, 1 error, 3 blocked, 4 reboot needed). The terminal is restored
 * on every way out. It never touches a host file itself: the engine does.
 */
#ifndef VW_UI_H
#define VW_UI_H

#include "vfio-wizard/common.h"

struct root;
struct host;
struct kb;
struct choices;
struct step;

struct ui_start {
	const struct root *root;
	const struct host *host;
	const struct kb *kb;
	const struct choices *choices; /* copied; may be NULL */
	const struct step *const *steps;
	int ascii;  /* 1: ASCII drawing, 0: UTF-8, -1: from the locale */
	int colour; /* 1/0, or -1: has_colors() and no NO_COLOR */
};

/* Run the wizard; the exit code, or 1 with *cause when it cannot start. */
int ui_run(const struct ui_start *, char **cause);

#endif
