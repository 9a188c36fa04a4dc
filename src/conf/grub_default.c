/*
 * grub_default.c: the parsing half of the /etc/default/grub codec (see
 * grub_default.h): the assignment-only subset of sh that grub-mkconfig
 * sources, with byte spans; grub_env.c evaluates the result.
 */
#include "vfio-wizard/grub_default.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *name; /* file name for messages */
	const char *s;
	size_t p;
	char *cause;
};

/* The value being built for one assignment. */
struct value {
	struct strbuf lit; /* pending literal bytes */
	struct grub_part *parts;
	size_t n_parts;
	char *unknown;
};

static unsigned
line_at(const char *s, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off && s[i] != '\0'; i++) {
		if (s[i] == '\n')
			line++;
	}
	return line;
}

static int VW_PRINTF(3, 4)
    fail(struct parser *ps, size_t off, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (ps->cause != NULL)
		return -EINVAL;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	ps->cause =
	    xasprintf("'%s' line %u: %s", ps->name, line_at(ps->s, off), msg);
	free(msg);
	return -EINVAL;
}

/* Record the first reason a value cannot be computed. */
static void VW_PRINTF(4, 5) unknown(
    struct parser *ps, struct value *v, size_t off, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (v->unknown != NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	v->unknown =
	    xasprintf("'%s' line %u: %s", ps->name, line_at(ps->s, off), msg);
	free(msg);
}

static bool
is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Characters that end an unquoted word. */
static bool
is_word_end(char c)
{
	return c == '\0' || c == '\n' || c == ';' || is_blank(c);
}

static bool
is_operator(char c)
{
	return c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
	       c == ')';
}

/* Skip blanks and backslash-newline line continuations. */
static void
skip_blanks(struct parser *ps)
{
	for (;;) {
		if (is_blank(ps->s[ps->p]))
			ps->p++;
		else if (ps->s[ps->p] == '\\' && ps->s[ps->p + 1] == '\n')
			ps->p += 2;
		else
			return;
	}
}

static void
flush_lit(struct value *v)
{
	struct grub_part part;

	if (v->lit.len == 0)
		return;
	part.is_var = false;
	part.text = sb_detach(&v->lit);
	ARRAY_PUSH(v->parts, v->n_parts, part);
}

static void
add_var(struct value *v, const char *name, size_t len)
{
	struct grub_part part;

	flush_lit(v);
	part.is_var = true;
	part.text = xstrndup(name, len);
	ARRAY_PUSH(v->parts, v->n_parts, part);
}

static void
value_free(struct value *v)
{
	size_t i;

	sb_release(&v->lit);
	for (i = 0; i < v->n_parts; i++)
		free(v->parts[i].text);
	free(v->parts);
	free(v->unknown);
}

/* The raw text of the word at p (for messages), cut at 40 bytes. */
static char *
word_at(const char *s, size_t p)
{
	size_t n = 0;

	while (!is_word_end(s[p + n]) && n < 40)
		n++;
	return xstrndup(s + p, n);
}

/* Skip a backtick substitution starting at ps->p (on the '`'). */
static int
skip_backticks(struct parser *ps)
{
	size_t start = ps->p++;

	for (;;) {
		char c = ps->s[ps->p];

		if (c == '\0')
			return fail(
			    ps, start, "unterminated command substitution '`'");
		ps->p++;
		if (c == '`')
			return 0;
		if (c == '\\' && ps->s[ps->p] != '\0')
			ps->p++;
	}
}

/* Skip a quoted string inside a $(...) substitution. */
static int
skip_quoted(struct parser *ps, size_t start)
{
	char q = ps->s[ps->p++];

	for (;;) {
		char c = ps->s[ps->p];

		if (c == '\0')
			return fail(ps, start,
			    "unterminated command substitution '$('");
		ps->p++;
		if (c == q)
			return 0;
		if (q == '"' && c == '\\' && ps->s[ps->p] != '\0')
			ps->p++;
	}
}

/* Skip $( ... ) or $(( ... )), ps->p on the '$'; parentheses must balance. */
static int
skip_dollar_paren(struct parser *ps)
{
	size_t start = ps->p;
	int depth = 0;

	ps->p++;
	for (;;) {
		char c = ps->s[ps->p];

		switch (c) {
		case '\0':
			return fail(ps, start,
			    "unterminated command substitution '$('");
		case '(':
			depth++;
			ps->p++;
			break;
		case ')':
			ps->p++;
			if (--depth == 0)
				return 0;
			break;
		case '\'':
		case '"':
			if (skip_quoted(ps, start) < 0)
				return -EINVAL;
			break;
		case '`':
			if (skip_backticks(ps) < 0)
				return -EINVAL;
			break;
		case '\\':
			ps->p++;
			if (ps->s[ps->p] != '\0')
				ps->p++;
			break;
		default:
			ps->p++;
		}
	}
}

/* An expansion at ps->p (on the '$'), unquoted or inside double quotes. */
static int
parse_dollar(struct parser *ps, struct value *v, bool unquoted_export)
{
	const char *s = ps->s;
	size_t start = ps->p, n;
	char c = s[start + 1];

	if (c == '(') {
		bool arith = s[start + 2] == '(';

		if (skip_dollar_paren(ps) < 0)
			return -EINVAL;
		unknown(ps, v, start,
		    arith ? "arithmetic expansion '$((' is not evaluated"
			  : "command substitution '$(' is not run");
		return 0;
	}
	if (c == '{') {
		n = 0;
		if (is_name_start(s[start + 2])) {
			while (is_name_char(s[start + 2 + n]))
				n++;
		}
		if (n == 0 || s[start + 2 + n] != '}') {
			char *w = word_at(s, start);
			int r = fail(ps, start,
			    "unsupported parameter expansion '%s'", w);

			free(w);
			return r;
		}
		add_var(v, s + start + 2, n);
		ps->p = start + 3 + n;
	} else if (is_name_start(c)) {
		n = 0;
		while (is_name_char(s[start + 1 + n]))
			n++;
		add_var(v, s + start + 1, n);
		ps->p = start + 1 + n;
	} else if ((c >= '0' && c <= '9') ||
		   (c != '\0' && strchr("@*#?-$!", c) != NULL)) {
		return fail(
		    ps, start, "special parameter '$%c' is not supported", c);
	} else {
		/* a lone '$' is literal */
		sb_addc(&v->lit, '$');
		ps->p++;
		return 0;
	}
	if (unquoted_export)
		unknown(ps, v, start,
		    "unquoted expansion in 'export' is not evaluated");
	return 0;
}

/* A double-quoted string at ps->p (on the opening quote). */
static int
parse_dquote(struct parser *ps, struct value *v)
{
	const char *s = ps->s;
	size_t start = ps->p++;

	for (;;) {
		char c = s[ps->p];

		switch (c) {
		case '\0':
			return fail(ps, start, "unterminated double quote");
		case '"':
			ps->p++;
			return 0;
		case '\\':
			c = s[ps->p + 1];
			if (c == '\n') {
				ps->p += 2;
			} else if (c == '$' || c == '`' || c == '"' ||
				   c == '\\') {
				sb_addc(&v->lit, c);
				ps->p += 2;
			} else {
				sb_addc(&v->lit, '\\');
				ps->p++;
			}
			break;
		case '$':
			if (parse_dollar(ps, v, false) < 0)
				return -EINVAL;
			break;
		case '`':
			if (skip_backticks(ps) < 0)
				return -EINVAL;
			unknown(ps, v, start,
			    "command substitution '`' is not run");
			break;
		default:
			sb_addc(&v->lit, c);
			ps->p++;
		}
	}
}

/*
 * The value of an assignment, from ps->p to the end of the word. Tilde
 * expansion applies at the start and after each unquoted ':'.
 */
static int
parse_value(struct parser *ps, struct value *v, bool export)
{
	const char *s = ps->s;
	bool tilde_ok = true;
	size_t q;

	for (;;) {
		char c = s[ps->p];

		if (is_word_end(c))
			break;
		/* a line continuation vanishes before anything else */
		if (c == '\\' && s[ps->p + 1] == '\n') {
			ps->p += 2;
			continue;
		}
		if (is_operator(c))
			return fail(
			    ps, ps->p, "unsupported shell operator '%c'", c);
		if (c == '~' && tilde_ok) {
			unknown(
			    ps, v, ps->p, "tilde expansion is not evaluated");
		}
		tilde_ok = false;
		switch (c) {
		case '\\':
			if (s[ps->p + 1] == '\0') {
				sb_addc(&v->lit, '\\');
				ps->p++;
			} else {
				sb_addc(&v->lit, s[ps->p + 1]);
				ps->p += 2;
			}
			break;
		case '\'':
			q = ps->p + 1;
			while (s[q] != '\0' && s[q] != '\'')
				q++;
			if (s[q] == '\0')
				return fail(
				    ps, ps->p, "unterminated single quote");
			sb_add(&v->lit, s + ps->p + 1, q - ps->p - 1);
			ps->p = q + 1;
			break;
		case '"':
			if (parse_dquote(ps, v) < 0)
				return -EINVAL;
			break;
		case '$':
			if (parse_dollar(ps, v, export) < 0)
				return -EINVAL;
			break;
		case '`':
			q = ps->p;
			if (skip_backticks(ps) < 0)
				return -EINVAL;
			unknown(
			    ps, v, q, "command substitution '`' is not run");
			break;
		case ':':
			tilde_ok = true;
			/* FALLTHROUGH */
		default:
			sb_addc(&v->lit, c);
			ps->p++;
		}
	}
	flush_lit(v);
	return 0;
}

/* Length of NAME at s when it is followed by '=', else 0. */
static size_t
assign_prefix(const char *s)
{
	size_t n = 0;

	if (!is_name_start(s[0]))
		return 0;
	while (is_name_char(s[n]))
		n++;
	return s[n] == '=' ? n : 0;
}

static void
assign_free(struct grub_assign *a)
{
	size_t i;

	free(a->name);
	free(a->unknown);
	for (i = 0; i < a->n_parts; i++)
		free(a->parts[i].text);
	free(a->parts);
}

/* One simple command: assignments, or `export` with its arguments. */
static int
parse_command(struct parser *ps, struct grub_default *gd)
{
	const char *s = ps->s;
	bool first = true, export = false;
	size_t n;

	for (;; first = false) {
		struct grub_assign a;
		struct value v;
		char c;

		skip_blanks(ps);
		c = s[ps->p];
		if (c == '\0' || c == '\n')
			return 0;
		if (c == ';') {
			ps->p++;
			return 0;
		}
		if (c == '#' && !first) {
			while (s[ps->p] != '\0' && s[ps->p] != '\n')
				ps->p++;
			return 0;
		}
		if (is_operator(c))
			return fail(
			    ps, ps->p, "unsupported shell operator '%c'", c);
		if (first && strncmp(s + ps->p, "export", 6) == 0 &&
		    is_word_end(s[ps->p + 6])) {
			export = true;
			ps->p += 6;
			continue;
		}
		n = assign_prefix(s + ps->p);
		if (n == 0) {
			char *w;
			int r;

			/* `export NAME` only marks NAME for export */
			if (export && is_name_start(c)) {
				size_t m = 0;

				while (is_name_char(s[ps->p + m]))
					m++;
				if (is_word_end(s[ps->p + m])) {
					ps->p += m;
					continue;
				}
			}
			w = word_at(s, ps->p);
			r = fail(
			    ps, ps->p, "unsupported shell command '%s'", w);
			free(w);
			return r;
		}
		memset(&a, 0, sizeof a);
		memset(&v, 0, sizeof v);
		a.start = ps->p;
		a.line = line_at(s, ps->p);
		a.name = xstrndup(s + ps->p, n);
		a.exported = export;
		ps->p += n + 1;
		a.value_start = ps->p;
		if (parse_value(ps, &v, export) < 0) {
			value_free(&v);
			assign_free(&a);
			return -EINVAL;
		}
		a.end = ps->p;
		a.parts = v.parts;
		a.n_parts = v.n_parts;
		a.unknown = v.unknown;
		sb_release(&v.lit);
		ARRAY_PUSH(gd->assigns, gd->n_assigns, a);
	}
}

int
grub_default_parse(
    const char *name, const char *text, struct grub_default **out, char **cause)
{
	struct parser ps = {name, text, 0, NULL};
	struct grub_default *gd = xcalloc(1, sizeof *gd);
	int r = 0;

	for (;;) {
		char c;

		skip_blanks(&ps);
		c = text[ps.p];
		if (c == '\0')
			break;
		if (c == '\n') {
			ps.p++;
		} else if (c == '#') {
			while (text[ps.p] != '\0' && text[ps.p] != '\n')
				ps.p++;
		} else if (c == ';') {
			r = fail(&ps, ps.p, "unexpected ';'");
			break;
		} else if ((r = parse_command(&ps, gd)) < 0) {
			break;
		}
	}
	if (r < 0) {
		grub_default_free(gd);
		*cause = ps.cause;
		return r;
	}
	*out = gd;
	return 0;
}

void
grub_default_free(struct grub_default *gd)
{
	size_t i;

	if (gd == NULL)
		return;
	for (i = 0; i < gd->n_assigns; i++)
		assign_free(&gd->assigns[i]);
	free(gd->assigns);
	free(gd);
}
