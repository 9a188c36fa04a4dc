/*
 * modlist.h: the codec for module lists: Debian's /etc/modules and
 * modules-load.d(5) files.
 *
 * systemd-modules-load reads such a file line by line, strips white space
 * at both ends, skips empty lines and lines whose first character is '#' or
 * ';', and loads the rest of the line as one module name. On Debian and
 * Proxmox /etc/modules is read the same way (through the link
 * /etc/modules-load.d/modules.conf). The old sysvinit script also accepted
 * parameters after the name ("module arg=1"); systemd does not (it looks up
 * the whole line as a name and fails), so this codec keeps such a line, with
 * its parameters apart, but does not count it as loading the module.
 *
 * Every line keeps its exact bytes, terminator ("\n" or "\r\n") included, so
 * printing a parsed list gives back the input byte for byte: odd spacing,
 * trailing white space, CRLF, a missing final newline. The parser refuses
 * only what it cannot represent safely: NUL bytes and a carriage return
 * that does not end a line (systemd would split the line there).
 *
 * Module names compare as the kernel compares them: '-' and '_' are the same
 * character; names handed out are normalised to '_'.
 *
 * Edits: add() appends one line "name" at the end with the file's newline
 * convention (a missing final newline is fixed then, and only then);
 * remove() removes exactly the lines that load the module and refuses when
 * the module also appears with parameters (whether those should go too is
 * the user's call, never a guess).
 *
 * Low layer: calls return 0 or -errno and fill *cause with an untranslated
 * message (caller frees); nothing prints.
 */
#ifndef VW_MODLIST_H
#define VW_MODLIST_H

#include "vfio-wizard/common.h"

struct strbuf;

enum modlist_kind {
	MODLIST_BLANK,	 /* empty or white space only */
	MODLIST_COMMENT, /* first non-blank character '#' or ';' */
	MODLIST_MODULE,	 /* a module name, maybe followed by parameters */
};

struct modlist_line {
	enum modlist_kind kind;
	char *raw; /* the exact bytes, terminator included */
	size_t len;
	char *name;   /* MODLIST_MODULE: the name, '-' turned into '_' */
	char *params; /* the trimmed text after the name, or NULL */
	bool valid;   /* the name is a valid module name (see below) */
};

struct modlist {
	struct modlist_line *lines;
	size_t n_lines;
};

/*
 * Parse len bytes. Returns 0, or -EINVAL with *cause ("line 3: NUL byte")
 * for input the codec cannot represent safely.
 */
int modlist_parse(
    const char *text, size_t len, struct modlist **out, char **cause);
void modlist_free(struct modlist *);

/* Append the list's text to sb: the input, byte for byte, plus edits. */
void modlist_print(const struct modlist *, struct strbuf *);
/* The list's text as a new NUL-terminated string; *len may be NULL. */
char *modlist_text(const struct modlist *, size_t *len);

/*
 * The modules the list loads (lines without parameters), normalised, each
 * once, in file order; returns how many and stores a vector the caller frees
 * with strv_free(). *names may be NULL when there are none.
 */
size_t modlist_names(const struct modlist *, char ***names);
/* True when a line loads the module (no parameters); '-' == '_'. */
bool modlist_contains(const struct modlist *, const char *name);
/*
 * The 1-based line number of the first line naming the module with
 * parameters (which systemd-modules-load cannot load), or 0.
 */
unsigned modlist_params_line(const struct modlist *, const char *name);

/*
 * True when name is a module name we are willing to write: 1 to 55 bytes
 * (the kernel's MODULE_NAME_LEN less its NUL) of [A-Za-z0-9_-].
 */
bool modlist_name_valid(const char *name);

/*
 * Append the line "name" (as given) unless the list already loads the
 * module: 0 either way. -EINVAL with *cause when the name is not valid.
 */
int modlist_add(struct modlist *, const char *name, char **cause);
/*
 * Remove every line that loads the module. -ENOENT when there is none;
 * -EINVAL with *cause, and nothing changed, when the module also appears
 * with parameters.
 */
int modlist_remove(struct modlist *, const char *name, char **cause);

#endif
