/*
 * modprobe_conf.h: the modprobe.d codec (man modprobe.d(5)).
 *
 * Reads a file the way kmod's libkmod-config.c does: a logical line ends at
 * a newline; a backslash joins the next physical line ("\\\n" vanishes) and
 * otherwise escapes the byte after it (the backslash is dropped); a line
 * whose logical text starts with '#' is a comment; words are separated by
 * spaces and tabs only (a CR stays part of a word, as in libkmod). Known
 * directives: alias, options, install, remove, blacklist, softdep (with
 * pre: and post: lists), weakdep. Anything else (and the deprecated include
 * and config) is a directive we do not know: kept verbatim, never edited.
 * A known directive without its required words is INVALID: modprobe ignores
 * it, so do we, and it is kept verbatim too.
 *
 * Every logical line keeps its raw bytes (possibly several physical lines,
 * terminators included), so printing a parsed file gives back the input byte
 * for byte, whatever it is: parsing never fails.
 *
 * Module names compare as kmod compares them: '-' and '_' are the same.
 * Queries follow libkmod's semantics: every `options` line of a module
 * applies (joined with spaces, in file order); the first `softdep` of a
 * module is the one used; a module is blacklisted by any `blacklist` line.
 *
 * Edits are made for a file the wizard owns (/etc/modprobe.d/vfio-wizard.conf)
 * and are whole directives: setting `options` or `softdep` for a module
 * rewrites its first such line in place and deletes its later ones, so that
 * afterwards the file says exactly what was set; a new directive is appended.
 * Lines of other kinds and other modules are never touched. Names and texts
 * that could not be written back safely (invalid module names, option text
 * with newlines, quotes, backslashes or '#') are refused with a message.
 *
 * Low layer: calls return 0 or -errno and fill *cause with an untranslated
 * message (caller frees); nothing prints.
 */
#ifndef VW_MODPROBE_CONF_H
#define VW_MODPROBE_CONF_H

#include "vfio-wizard/common.h"

struct strbuf;

enum modprobe_kind {
	MODPROBE_BLANK,	    /* empty or spaces and tabs only */
	MODPROBE_COMMENT,   /* first word starts with '#' */
	MODPROBE_ALIAS,	    /* alias <name> <module> */
	MODPROBE_OPTIONS,   /* options <module> <params...> */
	MODPROBE_INSTALL,   /* install <module> <command...> */
	MODPROBE_REMOVE,    /* remove <module> <command...> */
	MODPROBE_BLACKLIST, /* blacklist <module> */
	MODPROBE_SOFTDEP,   /* softdep <module> [pre: ...] [post: ...] */
	MODPROBE_WEAKDEP,   /* weakdep <module> <modules...> */
	MODPROBE_UNKNOWN,   /* a directive we do not know: verbatim */
	MODPROBE_INVALID,   /* a known directive missing words: ignored */
};

struct modprobe_line {
	enum modprobe_kind kind;
	char *raw; /* the exact bytes, every physical line and terminator */
	size_t len;
	unsigned lineno; /* first physical line, from 1 */
	unsigned n_phys; /* physical lines it spans */
	bool open;	 /* the input ends inside it after a backslash: whatever
			    follows would be joined to it */
	char *text;	 /* logical text: joined, unescaped, no terminator */
	char *directive; /* the first word, NULL for blank lines */
	char *module;	 /* the module ('-' turned into '_'); alias: the
			    alias name; NULL for blank, comment, unknown */
	char *args;	 /* options, install, remove, softdep, weakdep: the
			    rest of the line as libkmod sees it (options:
			    tabs turned into spaces); alias: the target
			    module; else NULL */
	char **pre;	 /* softdep: pre: modules; weakdep: its modules */
	size_t n_pre;
	char **post; /* softdep: post: modules */
	size_t n_post;
};

struct modprobe_conf {
	struct modprobe_line *lines;
	size_t n_lines;
};

/* Parse len bytes of modprobe.d text; never fails. */
struct modprobe_conf *modprobe_conf_parse(const char *text, size_t len);
void modprobe_conf_free(struct modprobe_conf *);
/* Free a line's fields and zero it (the line itself is not freed). */
void modprobe_line_clear(struct modprobe_line *);

/* Append the file's text to sb: the input, byte for byte, plus edits. */
void modprobe_conf_print(const struct modprobe_conf *, struct strbuf *sb);
/* The text as a new NUL-terminated string; *len may be NULL. */
char *modprobe_conf_text(const struct modprobe_conf *, size_t *len);

/* Compare two module names as kmod does ('-' == '_'). */
bool modprobe_name_eq(const char *, const char *);

/*
 * The next line of kind for module (any module when module is NULL) after
 * line after (from the start when after is NULL), or NULL.
 */
const struct modprobe_line *modprobe_conf_find(const struct modprobe_conf *,
    enum modprobe_kind, const char *module, const struct modprobe_line *after);
/*
 * Every option of module, from all its `options` lines joined with one
 * space (as modprobe applies them), or NULL when there is none. *lineno
 * (may be NULL) gets the first such line.
 */
char *modprobe_conf_options(
    const struct modprobe_conf *, const char *module, unsigned *lineno);
/* The first `blacklist` line of module, or NULL. */
const struct modprobe_line *modprobe_conf_blacklisted(
    const struct modprobe_conf *, const char *module);
/* The `softdep` line of module that libkmod uses (the first), or NULL. */
const struct modprobe_line *modprobe_conf_softdep(
    const struct modprobe_conf *, const char *module);

/*
 * Make the file say `options <module> <params>` and nothing else for that
 * module: the first options line of module is rewritten in place, its later
 * ones deleted; appended when there is none. -EINVAL with *cause for an
 * invalid module name or parameter text, or a file that cannot be edited.
 */
int modprobe_conf_set_options(struct modprobe_conf *, const char *module,
    const char *params, char **cause);
/*
 * The same for `softdep <module> pre: <pre...> post: <post...>` (an empty
 * list is left out; both empty is refused).
 */
int modprobe_conf_set_softdep(struct modprobe_conf *, const char *module,
    const char *const *pre, size_t n_pre, const char *const *post,
    size_t n_post, char **cause);
/* Append `blacklist <module>` unless the file already blacklists it. */
int modprobe_conf_add_blacklist(
    struct modprobe_conf *, const char *module, char **cause);
/*
 * Delete every line of kind (options, install, remove, blacklist, softdep,
 * weakdep; alias by alias name) for module. -ENOENT when there is none,
 * -EINVAL for another kind.
 */
int modprobe_conf_remove(
    struct modprobe_conf *, enum modprobe_kind, const char *module);

/*
 * Bind devices to vfio-pci by address rather than by ID: make the file's
 * only install line for vfio-pci read exactly
 *   install vfio-pci echo vfio-pci > /sys/bus/pci/devices/<addr>/
 *   driver_override; ...; /sbin/modprobe --ignore-install vfio-pci
 *   $CMDLINE_OPTS
 * (one line; one echo per address, in the order given). Addresses must be
 * the full lowercase sysfs form "0000:07:00.1"; -EINVAL with *cause else.
 */
int modprobe_conf_set_vfio_override(
    struct modprobe_conf *, const char *const *addrs, size_t n, char **cause);
/*
 * The strict reader of that shape: 0 and the addresses (strv_free them)
 * when command (an install line's args) is exactly what the setter writes,
 * -EINVAL for anything else.
 */
int modprobe_vfio_override_parse(const char *command, char ***addrs, size_t *n);

/* True for a module name the wizard may write: [A-Za-z0-9_-], 1..55. */
bool modprobe_module_name_valid(const char *);
/*
 * Check option text before it is written: one line of printable ASCII
 * words separated by single spaces, no quotes, backslashes or '#'.
 */
int modprobe_params_check(const char *params, char **cause);

/*
 * Check a vfio-pci `ids=` value (drivers/vfio/pci/vfio_pci.c): a comma list
 * of vendor:device[:subvendor[:subdevice[:class[:class_mask]]]], plain hex
 * without 0x; ids 1 to 4 digits (ffffffff for any subvendor or subdevice),
 * class and mask 1 to 6 digits. -EINVAL with *cause naming the bad entry.
 */
int modprobe_vfio_ids_check(const char *value, char **cause);

#endif
