/*
 * grub_default.h: the /etc/default/grub codec.
 *
 * grub-mkconfig sources /etc/default/grub and then every
 * /etc/default/grub.d/ *.cfg with /bin/sh. This codec understands the subset
 * of shell such files really use, and refuses everything else with a clear
 * message instead of guessing:
 *
 *   - comments (`#` at the start of a word), blank lines, `;` and newlines
 *     between commands;
 *   - assignments `NAME=value`, several in one command (`A=1 B=2`), and
 *     `export NAME=value` / `export NAME`;
 *   - 'single quotes', "double quotes" with the escapes \" \\ \$ \` and
 *     \<newline>, unquoted backslash escapes and line continuations;
 *   - $NAME and ${NAME} expansion, unquoted and inside double quotes
 *     (unset variables expand to nothing, as in sh).
 *
 * Command substitution ($(...), backticks, $((...))) and tilde expansion
 * are never run: they happen in a subshell or depend on the environment, so
 * they affect only the variable being assigned, which becomes "unknown" with
 * the reason (Debian's stock file sets GRUB_DISTRIBUTOR with backticks, and
 * must still be read). Reading an unknown variable fails with that reason.
 *
 * Refused outright (the whole file, -EINVAL with a message): any command that
 * is not an assignment (if, ., source, function definitions and calls, an
 * assignment followed by a command), redirections, pipes and lists (| & < >
 * ( )), other parameter expansions (${A:-x}, ${#A}, $1, $@, ...), and
 * unterminated quotes or substitutions.
 *
 * Each assignment keeps the byte spans of its word and of its value in the
 * original text, so a later edit can replace exactly those bytes.
 */
#ifndef VW_GRUB_DEFAULT_H
#define VW_GRUB_DEFAULT_H

#include "vfio-wizard/common.h"

/* A piece of an assignment's value: literal text or a variable reference. */
struct grub_part {
	bool is_var;
	char *text; /* the literal bytes, or the variable's name */
};

struct grub_assign {
	char *name;	    /* "GRUB_CMDLINE_LINUX_DEFAULT" */
	size_t start, end;  /* the word NAME=value: text[start..end) */
	size_t value_start; /* the raw value (quotes included) starts here */
	unsigned line;	    /* 1-based line of the word's first byte */
	bool exported;	    /* written as `export NAME=...` */
	char *unknown;	    /* why the value cannot be computed, or NULL */
	struct grub_part *parts; /* the value, to evaluate */
	size_t n_parts;
};

struct grub_default {
	struct grub_assign *assigns; /* in file order */
	size_t n_assigns;
};

/*
 * Parse the text of one file (name is used in messages only). Returns 0, or
 * -EINVAL with *cause set ("'NAME' line N: ...") for anything outside the
 * subset above.
 */
int grub_default_parse(const char *name, const char *text,
    struct grub_default **out, char **cause);
void grub_default_free(struct grub_default *);

/* A shell variable environment. A NULL value is unknown, with its reason. */
struct grub_env {
	char **names;
	char **values;
	char **reasons;
	size_t n;
};

#define GRUB_ENV_INIT               \
	{                           \
		NULL, NULL, NULL, 0 \
	}

enum grub_var { GRUB_VAR_UNSET = 0, GRUB_VAR_SET, GRUB_VAR_UNKNOWN };

/* Look a variable up: its value when set, the reason when unknown. */
enum grub_var grub_env_lookup(const struct grub_env *, const char *name,
    const char **value, const char **reason);
/* The variable's value; NULL when unset or unknown. */
const char *grub_env_get(const struct grub_env *, const char *name);
/* Set a value, or (value NULL) mark the variable unknown with reason. */
void grub_env_set(
    struct grub_env *, const char *name, const char *value, const char *reason);
void grub_env_free(struct grub_env *);

/* Run a parsed file's assignments, in order, against env. */
void grub_default_apply(const struct grub_default *, struct grub_env *);

/*
 * Parse and apply a sequence of files, as grub-mkconfig sources them
 * (/etc/default/grub, then /etc/default/grub.d/ *.cfg in glob order). The
 * first file the codec refuses stops the run: -EINVAL with *cause.
 */
int grub_default_eval(const char *const *names, const char *const *texts,
    size_t n, struct grub_env *env, char **cause);

/*
 * The kernel arguments grub-mkconfig's 10_linux gives the default entry:
 * GRUB_CMDLINE_LINUX then GRUB_CMDLINE_LINUX_DEFAULT, joined by one space
 * (an empty or unset part is left out). -EINVAL with *cause when either is
 * unknown.
 */
int grub_default_cmdline(const struct grub_env *, char **out, char **cause);

#endif
