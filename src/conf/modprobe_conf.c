/*
 * modprobe_conf.c: the modprobe.d codec, parse, print and queries (see
 * modprobe_conf.h). The reader follows kmod's getline_wrapped() and
 * kmod_config_parse() step for step so that both see the same directives.
 */
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *word;
	enum modprobe_kind kind;
} directives[] = {
    {"alias", MODPROBE_ALIAS},
    {"options", MODPROBE_OPTIONS},
    {"install", MODPROBE_INSTALL},
    {"remove", MODPROBE_REMOVE},
    {"blacklist", MODPROBE_BLACKLIST},
    {"softdep", MODPROBE_SOFTDEP},
    {"weakdep", MODPROBE_WEAKDEP},
};

/* kmod's underscores(): '-' becomes '_' except inside [...] patterns. */
static char *
underscores(char *s)
{
	bool in_brackets = false;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '[')
			in_brackets = true;
		else if (s[i] == ']')
			in_brackets = false;
		else if (s[i] == '-' && !in_brackets)
			s[i] = '_';
	}
	return s;
}

bool
modprobe_name_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/*
 * Read one logical line at text[*pos] as getline_wrapped() does; returns
 * its text (NUL-terminated, may hold NUL bytes) and counts physical lines.
 */
static char *
read_logical(
    const char *text, size_t len, size_t *pos, unsigned *n_phys, bool *open)
{
	struct strbuf sb = STRBUF_INIT;
	size_t p = *pos;
	bool joined = false;

	*n_phys = 0;
	*open = false;
	while (p < len) {
		char c = text[p++];

		joined = false;
		if (c == '\n')
			break;
		if (c != '\\') {
			sb_addc(&sb, c);
			continue;
		}
		if (p == len) {
			sb_addc(&sb, (char)0xff); /* kmod stores (char)EOF */
			*open = true;
			break;
		}
		c = text[p++];
		if (c == '\n') {
			(*n_phys)++;
			joined = true;
		} else
			sb_addc(&sb, c);
	}
	if (joined && p == len)
		*open = true;
	(*n_phys)++;
	*pos = p;
	if (sb.buf == NULL)
		return xstrdup("");
	return sb_detach(&sb);
}

/* strtok_r(" \t") over s from *save: the next word, NUL-terminated in s. */
static char *
next_word(char **save)
{
	char *s = *save, *e;

	s += strspn(s, " \t");
	if (*s == '\0') {
		*save = s;
		return NULL;
	}
	e = s + strcspn(s, " \t");
	if (*e != '\0')
		*e++ = '\0';
	*save = e;
	return s;
}

/* strtok_r(NULL, "\0"): what is left, or NULL when nothing is. */
static char *
rest_of(char **save)
{
	char *s = *save;

	*save = s + strlen(s);
	return *s == '\0' ? NULL : s;
}

/* Split softdep text into pre: and post: lists as kmod_config_add_softdep. */
static void
split_softdep(struct modprobe_line *l, const char *s)
{
	enum { NONE, PRE, POST } mode = NONE;
	const char *p = s, *e;

	for (;;) {
		while (*p != '\0' && isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && !isspace((unsigned char)*e); e++)
			;
		if ((size_t)(e - p) == 4 && memcmp(p, "pre:", 4) == 0)
			mode = PRE;
		else if ((size_t)(e - p) == 5 && memcmp(p, "post:", 5) == 0)
			mode = POST;
		else if (mode == PRE)
			ARRAY_PUSH(l->pre, l->n_pre, xstrndup(p, e - p));
		else if (mode == POST)
			ARRAY_PUSH(l->post, l->n_post, xstrndup(p, e - p));
		p = e;
	}
}

/* Split weakdep modules on white space into l->pre. */
static void
split_words(struct modprobe_line *l, const char *s)
{
	const char *p = s, *e;

	for (;;) {
		while (*p != '\0' && isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && !isspace((unsigned char)*e); e++)
			;
		ARRAY_PUSH(l->pre, l->n_pre, underscores(xstrndup(p, e - p)));
		p = e;
	}
}

/* Classify a logical line and fill its fields, as kmod_config_parse(). */
static void
classify(struct modprobe_line *l)
{
	char *copy = xstrdup(l->text), *save = copy, *cmd, *mod, *rest;
	size_t i;

	cmd = next_word(&save);
	if (cmd == NULL) {
		l->kind = MODPROBE_BLANK;
		goto out;
	}
	l->directive = xstrdup(cmd);
	if (cmd[0] == '#') {
		l->kind = MODPROBE_COMMENT;
		goto out;
	}
	l->kind = MODPROBE_UNKNOWN;
	for (i = 0; i < nitems(directives); i++)
		if (strcmp(cmd, directives[i].word) == 0)
			l->kind = directives[i].kind;
	if (l->kind == MODPROBE_UNKNOWN)
		goto out;

	mod = next_word(&save);
	if (l->kind == MODPROBE_ALIAS || l->kind == MODPROBE_BLACKLIST)
		rest = l->kind == MODPROBE_ALIAS ? next_word(&save) : mod;
	else
		rest = rest_of(&save);
	if (mod == NULL || rest == NULL) {
		l->kind = MODPROBE_INVALID;
		goto out;
	}
	l->module = underscores(xstrdup(mod));
	switch (l->kind) {
	case MODPROBE_ALIAS:
		l->args = underscores(xstrdup(rest));
		break;
	case MODPROBE_BLACKLIST:
		break;
	case MODPROBE_OPTIONS:
		l->args = xstrdup(rest);
		for (i = 0; l->args[i] != '\0'; i++)
			if (l->args[i] == '\t')
				l->args[i] = ' ';
		break;
	case MODPROBE_SOFTDEP:
		l->args = xstrdup(rest);
		split_softdep(l, rest);
		break;
	case MODPROBE_WEAKDEP:
		l->args = xstrdup(rest);
		split_words(l, rest);
		break;
	default: /* install, remove */
		l->args = xstrdup(rest);
		break;
	}
out:
	free(copy);
}

void
modprobe_line_clear(struct modprobe_line *l)
{
	free(l->raw);
	free(l->text);
	free(l->directive);
	free(l->module);
	free(l->args);
	strv_free(l->pre, l->n_pre);
	strv_free(l->post, l->n_post);
	memset(l, 0, sizeof *l);
}

struct modprobe_conf *
modprobe_conf_parse(const char *text, size_t len)
{
	struct modprobe_conf *mc = xcalloc(1, sizeof *mc);
	size_t pos = 0;
	unsigned lineno = 1;

	while (pos < len) {
		struct modprobe_line l;
		size_t start = pos;

		memset(&l, 0, sizeof l);
		l.text = read_logical(text, len, &pos, &l.n_phys, &l.open);
		l.raw = xmalloc(pos - start + 1);
		memcpy(l.raw, text + start, pos - start);
		l.raw[pos - start] = '\0';
		l.len = pos - start;
		l.lineno = lineno;
		lineno += l.n_phys;
		classify(&l);
		ARRAY_PUSH(mc->lines, mc->n_lines, l);
	}
	return mc;
}

void
modprobe_conf_free(struct modprobe_conf *mc)
{
	size_t i;

	if (mc == NULL)
		return;
	for (i = 0; i < mc->n_lines; i++)
		modprobe_line_clear(&mc->lines[i]);
	free(mc->lines);
	free(mc);
}

void
modprobe_conf_print(const struct modprobe_conf *mc, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < mc->n_lines; i++)
		sb_add(sb, mc->lines[i].raw, mc->lines[i].len);
}

char *
modprobe_conf_text(const struct modprobe_conf *mc, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	modprobe_conf_print(mc, &sb);
	if (len != NULL)
		*len = sb.len;
	if (sb.buf == NULL)
		return xstrdup("");
	return sb_detach(&sb);
}

const struct modprobe_line *
modprobe_conf_find(const struct modprobe_conf *mc, enum modprobe_kind kind,
    const char *module, const struct modprobe_line *after)
{
	size_t i = after == NULL ? 0 : (size_t)(after - mc->lines) + 1;

	for (; i < mc->n_lines; i++) {
		const struct modprobe_line *l = &mc->lines[i];

		if (l->kind != kind)
			continue;
		if (module == NULL ||
		    (l->module != NULL && modprobe_name_eq(l->module, module)))
			return l;
	}
	return NULL;
}

char *
modprobe_conf_options(
    const struct modprobe_conf *mc, const char *module, unsigned *lineno)
{
	const struct modprobe_line *l = NULL;
	struct strbuf sb = STRBUF_INIT;

	while ((l = modprobe_conf_find(mc, MODPROBE_OPTIONS, module, l))) {
		if (sb.buf == NULL && lineno != NULL)
			*lineno = l->lineno;
		if (sb.buf != NULL)
			sb_addc(&sb, ' ');
		sb_adds(&sb, l->args);
	}
	return sb.buf == NULL ? NULL : sb_detach(&sb);
}

const struct modprobe_line *
modprobe_conf_blacklisted(const struct modprobe_conf *mc, const char *module)
{
	return modprobe_conf_find(mc, MODPROBE_BLACKLIST, module, NULL);
}

const struct modprobe_line *
modprobe_conf_softdep(const struct modprobe_conf *mc, const char *module)
{
	return modprobe_conf_find(mc, MODPROBE_SOFTDEP, module, NULL);
}
