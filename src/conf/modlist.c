/*
 * modlist.c: parse, print and edit module lists (/etc/modules,
 * modules-load.d files; see modlist.h).
 *
 * The reading rules are systemd-modules-load's (src/modules-load): a line is
 * stripped of " \t\r\n" at both ends, skipped when empty or when it starts
 * with '#' or ';', and otherwise names one module. Each line keeps its raw
 * bytes so print(parse(x)) == x for any x the parser accepts.
 */
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's MODULE_NAME_LEN (64 - sizeof(unsigned long)) less the NUL. */
#define MODNAME_MAX 55

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool
modlist_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i >= MODNAME_MAX || !is_name_char(name[i]))
			return false;
	}
	return i > 0;
}

/* Copy a name with '-' turned into '_'. */
static char *
normalise(const char *s, size_t n)
{
	char *out = xstrndup(s, n);
	char *p;

	for (p = out; *p != '\0'; p++) {
		if (*p == '-')
			*p = '_';
	}
	return out;
}

/* Classify one line (raw bytes, terminator included) and fill it in. */
static void
line_init(struct modlist_line *l, const char *raw, size_t len)
{
	size_t b = 0, e = len, n;

	memset(l, 0, sizeof *l);
	l->raw = xstrndup(raw, len);
	l->len = len;
	while (b < e && is_blank(raw[b]))
		b++;
	while (e > b && is_blank(raw[e - 1]))
		e--;
	if (b == e) {
		l->kind = MODLIST_BLANK;
		return;
	}
	if (raw[b] == '#' || raw[b] == ';') {
		l->kind = MODLIST_COMMENT;
		return;
	}
	l->kind = MODLIST_MODULE;
	for (n = b; n < e && raw[n] != ' ' && raw[n] != '\t'; n++)
		;
	l->name = normalise(raw + b, n - b);
	l->valid = modlist_name_valid(l->name);
	while (n < e && (raw[n] == ' ' || raw[n] == '\t'))
		n++;
	if (n < e)
		l->params = xstrndup(raw + n, e - n);
}

int
modlist_parse(const char *text, size_t len, struct modlist **out, char **cause)
{
	struct modlist *ml;
	size_t i, start = 0;
	unsigned line = 1;

	*out = NULL;
	for (i = 0; i < len; i++) {
		if (text[i] == '\0') {
			*cause = xasprintf("line %u: NUL byte", line);
			return -EINVAL;
		}
		if (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')) {
			*cause = xasprintf("line %u: carriage return "
					   "inside the line",
			    line);
			return -EINVAL;
		}
		if (text[i] == '\n')
			line++;
	}
	ml = xcalloc(1, sizeof *ml);
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - text) + 1 : len;

		ml->lines = xreallocarray(
		    ml->lines, ml->n_lines + 1, sizeof *ml->lines);
		line_init(&ml->lines[ml->n_lines++], text + start, end - start);
		start = end;
	}
	*out = ml;
	return 0;
}

static void
line_release(struct modlist_line *l)
{
	free(l->raw);
	free(l->name);
	free(l->params);
}

void
modlist_free(struct modlist *ml)
{
	size_t i;

	if (ml == NULL)
		return;
	for (i = 0; i < ml->n_lines; i++)
		line_release(&ml->lines[i]);
	free(ml->lines);
	free(ml);
}

void
modlist_print(const struct modlist *ml, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < ml->n_lines; i++)
		sb_add(sb, ml->lines[i].raw, ml->lines[i].len);
}

char *
modlist_text(const struct modlist *ml, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	modlist_print(ml, &sb);
	if (len != NULL)
		*len = sb.len;
	if (sb.buf == NULL)
		return xstrdup("");
	return sb_detach(&sb);
}

/* True when the line names the module (normalised comparison). */
static bool
line_names(const struct modlist_line *l, const char *name)
{
	const char *a = l->name, *b = name;

	if (l->kind != MODLIST_MODULE)
		return false;
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		if (*a != (*b == '-' ? '_' : *b))
			return false;
	}
	return *a == '\0' && *b == '\0';
}

/* True when the line loads the module: it names it, without parameters. */
static bool
line_loads(const struct modlist_line *l, const char *name)
{
	return line_names(l, name) && l->params == NULL;
}

size_t
modlist_names(const struct modlist *ml, char ***names)
{
	size_t i, j, n = 0;

	*names = NULL;
	for (i = 0; i < ml->n_lines; i++) {
		const struct modlist_line *l = &ml->lines[i];

		if (l->kind != MODLIST_MODULE || l->params != NULL)
			continue;
		for (j = 0; j < n; j++) {
			if (strcmp((*names)[j], l->name) == 0)
				break;
		}
		if (j == n)
			ARRAY_PUSH(*names, n, xstrdup(l->name));
	}
	return n;
}

bool
modlist_contains(const struct modlist *ml, const char *name)
{
	size_t i;

	for (i = 0; i < ml->n_lines; i++) {
		if (line_loads(&ml->lines[i], name))
			return true;
	}
	return false;
}

unsigned
modlist_params_line(const struct modlist *ml, const char *name)
{
	size_t i;

	for (i = 0; i < ml->n_lines; i++) {
		if (line_names(&ml->lines[i], name) &&
		    ml->lines[i].params != NULL)
			return (unsigned)i + 1;
	}
	return 0;
}

/* The file's newline: the first line's terminator, "\n" by default. */
static const char *
newline_of(const struct modlist *ml)
{
	size_t i;

	for (i = 0; i < ml->n_lines; i++) {
		const struct modlist_line *l = &ml->lines[i];

		if (l->len > 0 && l->raw[l->len - 1] == '\n')
			return l->len > 1 && l->raw[l->len - 2] == '\r' ? "\r\n"
									: "\n";
	}
	return "\n";
}

int
modlist_add(struct modlist *ml, const char *name, char **cause)
{
	const char *nl;
	struct modlist_line *last;
	char *raw;

	if (!modlist_name_valid(name)) {
		*cause = xasprintf("'%s': not a valid module name", name);
		return -EINVAL;
	}
	if (modlist_contains(ml, name))
		return 0;
	nl = newline_of(ml);
	if (ml->n_lines > 0) {
		last = &ml->lines[ml->n_lines - 1];
		if (last->raw[last->len - 1] != '\n') {
			raw = xasprintf("%s%s", last->raw, nl);
			free(last->raw);
			last->raw = raw;
			last->len = strlen(raw);
		}
	}
	raw = xasprintf("%s%s", name, nl);
	ml->lines =
	    xreallocarray(ml->lines, ml->n_lines + 1, sizeof *ml->lines);
	line_init(&ml->lines[ml->n_lines++], raw, strlen(raw));
	free(raw);
	return 0;
}

int
modlist_remove(struct modlist *ml, const char *name, char **cause)
{
	unsigned pl = modlist_params_line(ml, name);
	size_t i, j;

	if (pl != 0) {
		*cause = xasprintf("'%s' has parameters on line %u ('%s'): "
				   "remove or move them by hand",
		    name, pl, ml->lines[pl - 1].params);
		return -EINVAL;
	}
	if (!modlist_contains(ml, name))
		return -ENOENT;
	for (i = j = 0; i < ml->n_lines; i++) {
		if (line_loads(&ml->lines[i], name))
			line_release(&ml->lines[i]);
		else
			ml->lines[j++] = ml->lines[i];
	}
	ml->n_lines = j;
	return 0;
}
