/*
 * cmdline.h: the kernel command line codec.
 *
 * Splits a command line the way the kernel does (lib/cmdline.c next_arg and
 * kernel/params.c parse_args): white space separates arguments, double
 * quotes group (`"key=va lue"`, `key="va lue"`), there are no escapes, an
 * argument is `key=value` or `key` alone, and a bare `--` ends the kernel's
 * parameters (what follows goes to init). The kernel's isspace() is used, so
 * byte 0xa0 separates too.
 *
 * Every token keeps its raw bytes and the white space before it, so printing
 * the parsed line gives back the input byte for byte (trailing spaces and the
 * final newline of /proc/cmdline included).
 *
 * Keys compare as the kernel compares them (parameq): '-' and '_' are the
 * same character. Every occurrence of a key is kept; for the kernel the last
 * one wins. A module parameter is `module.param=value`.
 */
#ifndef VW_CMDLINE_H
#define VW_CMDLINE_H

#include "vfio-wizard/common.h"

struct strbuf;

struct cmdline_token {
	char *space;   /* white space before the token, verbatim */
	char *raw;     /* the token's bytes, quotes included */
	char *key;     /* the parameter name as the kernel sees it */
	char *value;   /* its value without quotes, NULL for `key` */
	bool init_arg; /* after `--`: an argument for init */
};

struct cmdline {
	struct cmdline_token *tokens;
	size_t n_tokens;
	char *trail; /* white space after the last token */
};

/* Parse a NUL-terminated command line; never fails. */
struct cmdline *cmdline_parse(const char *text);
void cmdline_free(struct cmdline *);

/* Print the line back: the input, byte for byte, when nothing was edited. */
void cmdline_print(const struct cmdline *, struct strbuf *);
char *cmdline_to_string(const struct cmdline *);

/* Compare two parameter names as the kernel does ('-' == '_'). */
bool cmdline_key_eq(const char *, const char *);

/*
 * Indexes of every kernel parameter (not init argument) named key, in order;
 * returns how many there are and, when idx is not NULL, stores up to max.
 */
size_t cmdline_find(
    const struct cmdline *, const char *key, size_t *idx, size_t max);
/* The last occurrence of key (the one the kernel acts on last), or NULL. */
const struct cmdline_token *cmdline_last(
    const struct cmdline *, const char *key);
/* True when key is present at all (with or without a value). */
bool cmdline_has(const struct cmdline *, const char *key);
/*
 * The value of the last occurrence of key; NULL when absent or when the last
 * occurrence has no `=`.
 */
const char *cmdline_get(const struct cmdline *, const char *key);

/*
 * Split a token's key `module.param` at its first '.': *module gets the
 * module name with '-' turned into '_', *param the parameter name (both
 * allocated). False, with nothing stored, when the key has no '.'.
 */
bool cmdline_token_modparam(
    const struct cmdline_token *, char **module, char **param);
/* The last `module.param=` token (module and param compared '-' == '_'). */
const struct cmdline_token *cmdline_find_modparam(
    const struct cmdline *, const char *module, const char *param);

/* Turn '-' into '_' in place (module names); returns its argument. */
char *cmdline_underscores(char *);

#endif
