/*
 * kcmdline_gsrc.c: the GRUB defaults files evaluated with the origin of
 * every character, so that a conflicting token of the command line can be
 * removed in the file and assignment that put it there, byte for byte.
 *
 * The grub_default codec decides what the files mean (and refuses what it
 * cannot read); this file only re-reads each assignment's raw value to tie
 * the codec's literal text back to bytes of the file. Where the two
 * readings differ, or a character came from an escape, it has no origin
 * and nothing is edited through it.
 */
#include "vfio-wizard/grub_default.h"
#include "kcmdline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A value being built: bytes with their origins. */
struct tval {
	struct strbuf s;
	struct kgrub_origin *o;
	size_t n; /* == s.len */
};

static void
tval_addc(struct tval *v, char c, int file, int assign, size_t off)
{
	struct kgrub_origin o = {file, assign, off};

	sb_addc(&v->s, c);
	ARRAY_PUSH(v->o, v->n, o);
}

static void
tval_release(struct tval *v)
{
	sb_release(&v->s);
	free(v->o);
	memset(v, 0, sizeof *v);
}

/* One piece of a re-read value: a byte, or a variable reference. */
struct piece {
	char *var; /* the variable's name, or NULL for a byte */
	char c;
	size_t
	    off; /* the byte's offset; SIZE_MAX when it came from an escape */
};

struct lexed {
	struct piece *p;
	size_t n;
	size_t last_close; /* offset of the last closing quote, or SIZE_MAX */
	bool ok;
};

static void
lex_byte(struct lexed *lx, char c, size_t off)
{
	struct piece pc = {NULL, c, off};

	ARRAY_PUSH(lx->p, lx->n, pc);
}

static void
lexed_free(struct lexed *lx)
{
	size_t i;

	for (i = 0; i < lx->n; i++)
		free(lx->p[i].var);
	free(lx->p);
	memset(lx, 0, sizeof *lx);
}

static bool
name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* $NAME, ${NAME} or a literal '$' at t[*p]; false for anything else. */
static bool
lex_dollar(const char *t, size_t *p, struct lexed *lx)
{
	size_t s = *p, n = 0;
	struct piece pc = {NULL, 0, 0};

	if (t[s + 1] == '{') {
		if (name_start(t[s + 2]))
			while (name_char(t[s + 2 + n]))
				n++;
		if (n == 0 || t[s + 2 + n] != '}')
			return false;
		pc.var = xstrndup(t + s + 2, n);
		*p = s + 3 + n;
	} else if (name_start(t[s + 1])) {
		while (name_char(t[s + 1 + n]))
			n++;
		pc.var = xstrndup(t + s + 1, n);
		*p = s + 1 + n;
	} else if (t[s + 1] == '(' || t[s + 1] == '`' ||
		   (t[s + 1] >= '0' && t[s + 1] <= '9') ||
		   (t[s + 1] != '\0' && strchr("@*#?-$!", t[s + 1]) != NULL)) {
		return false;
	} else {
		lex_byte(lx, '$', s);
		*p = s + 1;
		return true;
	}
	ARRAY_PUSH(lx->p, lx->n, pc);
	return true;
}

/* A double-quoted string at t[*p] (the opening quote). */
static bool
lex_dquote(const char *t, size_t end, size_t *p, struct lexed *lx)
{
	size_t q = *p + 1;

	while (q < end) {
		char c = t[q];

		if (c == '"') {
			lx->last_close = q;
			*p = q + 1;
			return true;
		}
		if (c == '\\') {
			char d = t[q + 1];

			if (d == '\n') {
				q += 2;
			} else if (d == '$' || d == '`' || d == '"' ||
				   d == '\\') {
				lex_byte(lx, d, SIZE_MAX);
				q += 2;
			} else {
				lex_byte(lx, '\\', q);
				q++;
			}
		} else if (c == '$') {
			if (!lex_dollar(t, &q, lx))
				return false;
		} else if (c == '`') {
			return false;
		} else {
			lex_byte(lx, c, q);
			q++;
		}
	}
	return false;
}

/* Re-read the raw value t[start, end) as the codec's parse_value does. */
static void
lex_value(const char *t, size_t start, size_t end, struct lexed *lx)
{
	size_t p = start, q;

	memset(lx, 0, sizeof *lx);
	lx->last_close = SIZE_MAX;
	lx->ok = true;
	while (p < end && lx->ok) {
		char c = t[p];

		if (c == '\\' && t[p + 1] == '\n') {
			p += 2;
			continue;
		}
		switch (c) {
		case '\\':
			if (p + 1 >= end) {
				lex_byte(lx, '\\', p);
				p++;
			} else {
				lex_byte(lx, t[p + 1], SIZE_MAX);
				p += 2;
			}
			break;
		case '\'':
			for (q = p + 1; q < end && t[q] != '\''; q++)
				lex_byte(lx, t[q], q);
			if (q >= end) {
				lx->ok = false;
				break;
			}
			lx->last_close = q;
			p = q + 1;
			break;
		case '"':
			lx->ok = lex_dquote(t, end, &p, lx);
			break;
		case '$':
			lx->ok = lex_dollar(t, &p, lx);
			break;
		case '`':
			lx->ok = false;
			break;
		default:
			lex_byte(lx, c, p);
			p++;
		}
	}
	if (lx->ok && p != end)
		lx->ok = false;
}

/* Whether the re-read pieces say what the codec's parts say. */
static bool
lex_agrees(const struct lexed *lx, const struct grub_assign *a)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	size_t i;
	bool same;

	for (i = 0; i < lx->n; i++) {
		if (lx->p[i].var != NULL)
			sb_addf(&x, "\001%s\002", lx->p[i].var);
		else
			sb_addc(&x, lx->p[i].c);
	}
	for (i = 0; i < a->n_parts; i++) {
		if (a->parts[i].is_var)
			sb_addf(&y, "\001%s\002", a->parts[i].text);
		else
			sb_adds(&y, a->parts[i].text);
	}
	same = x.len == y.len && memcmp(sb_str(&x), sb_str(&y), x.len) == 0;
	sb_release(&x);
	sb_release(&y);
	return same;
}

/* A traced environment: one value per name, NULL value when unknown. */
struct tenv {
	char **names;
	struct tval *vals;
	bool *unknown;
	size_t n;
};

static struct tval *
tenv_find(struct tenv *e, const char *name, bool *unknown)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (strcmp(e->names[i], name) == 0) {
			*unknown = e->unknown[i];
			return &e->vals[i];
		}
	}
	*unknown = false;
	return NULL;
}

static void
tenv_set(struct tenv *e, const char *name, struct tval *v, bool unknown)
{
	bool was;
	struct tval *old = tenv_find(e, name, &was);
	size_t i;

	if (old != NULL) {
		i = (size_t)(old - e->vals);
		tval_release(old);
	} else {
		i = e->n++;
		e->names = xreallocarray(e->names, e->n, sizeof *e->names);
		e->vals = xreallocarray(e->vals, e->n, sizeof *e->vals);
		e->unknown =
		    xreallocarray(e->unknown, e->n, sizeof *e->unknown);
		e->names[i] = xstrdup(name);
	}
	e->vals[i] = *v;
	e->unknown[i] = unknown;
}

static void
tenv_free(struct tenv *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->names[i]);
		tval_release(&e->vals[i]);
	}
	free(e->names);
	free(e->vals);
	free(e->unknown);
}

/* Run one assignment into the environment, keeping origins. */
static void
trace_assign(struct tenv *e, const char *text, const struct grub_assign *a,
    int file, int ai)
{
	struct tval v;
	struct lexed lx;
	bool unknown = a->unknown != NULL, uk;
	size_t i, j;

	memset(&v, 0, sizeof v);
	lex_value(text, a->value_start, a->end, &lx);
	if (!lx.ok || !lex_agrees(&lx, a)) {
		/* no origins: the codec's parts, every byte untraceable */
		lexed_free(&lx);
		for (i = 0; i < a->n_parts; i++) {
			struct piece pc = {NULL, 0, 0};

			if (a->parts[i].is_var) {
				pc.var = xstrdup(a->parts[i].text);
				ARRAY_PUSH(lx.p, lx.n, pc);
				continue;
			}
			for (j = 0; a->parts[i].text[j] != '\0'; j++)
				lex_byte(&lx, a->parts[i].text[j], SIZE_MAX);
		}
	}
	for (i = 0; i < lx.n && !unknown; i++) {
		const struct piece *pc = &lx.p[i];
		const struct tval *ref;

		if (pc->var == NULL) {
			if (pc->off == SIZE_MAX)
				tval_addc(&v, pc->c, -1, -1, 0);
			else
				tval_addc(&v, pc->c, file, ai, pc->off);
			continue;
		}
		ref = tenv_find(e, pc->var, &uk);
		if (uk) {
			unknown = true;
		} else if (ref != NULL) {
			for (j = 0; j < ref->n; j++)
				tval_addc(&v, ref->s.buf[j], ref->o[j].file,
				    ref->o[j].assign, ref->o[j].off);
		}
	}
	lexed_free(&lx);
	if (unknown)
		tval_release(&v);
	tenv_set(e, a->name, &v, unknown);
}

int
kgrub_trace(const char *const *names, const char *const *texts, size_t n,
    struct kgrub_trace *out, char **cause)
{
	static const char *const vars[] = {
	    "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"};
	struct tenv e = {NULL, NULL, NULL, 0};
	struct tval line;
	size_t i, j;
	int err = 0;

	memset(out, 0, sizeof *out);
	memset(&line, 0, sizeof line);
	for (i = 0; i < n && err == 0; i++) {
		struct grub_default *gd;

		err = grub_default_parse(names[i], texts[i], &gd, cause);
		if (err < 0)
			break;
		for (j = 0; j < gd->n_assigns; j++)
			trace_assign(
			    &e, texts[i], &gd->assigns[j], (int)i, (int)j);
		grub_default_free(gd);
	}
	for (i = 0; i < nitems(vars) && err == 0; i++) {
		bool uk;
		const struct tval *v = tenv_find(&e, vars[i], &uk);

		if (uk) {
			*cause = xasprintf("cannot evaluate '%s'", vars[i]);
			err = -EINVAL;
		} else if (v != NULL && v->n > 0) {
			if (line.n > 0)
				tval_addc(&line, ' ', -1, -1, 0);
			for (j = 0; j < v->n; j++)
				tval_addc(&line, v->s.buf[j], v->o[j].file,
				    v->o[j].assign, v->o[j].off);
		}
	}
	tenv_free(&e);
	if (err < 0) {
		tval_release(&line);
		return err;
	}
	out->len = line.n;
	out->line = line.n > 0 ? sb_detach(&line.s) : xstrdup("");
	out->orig = line.o;
	return 0;
}

void
kgrub_trace_free(struct kgrub_trace *t)
{
	free(t->line);
	free(t->orig);
	memset(t, 0, sizeof *t);
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether line byte k is the byte right next to off in the same place. */
static bool
adjacent(const struct kgrub_trace *t, size_t k, const struct kgrub_origin *o,
    size_t off)
{
	return t->orig[k].file == o->file && t->orig[k].assign == o->assign &&
	       t->orig[k].off == off;
}

bool
kgrub_source_span(const struct kgrub_trace *t, size_t s, size_t e, int *file,
    size_t *start, size_t *end)
{
	const struct kgrub_origin *o;
	size_t k, a, b;

	if (s >= e || e > t->len)
		return false;
	o = &t->orig[s];
	if (o->file < 0)
		return false;
	for (k = s + 1; k < e; k++) {
		if (!adjacent(t, k, o, o->off + (k - s)))
			return false;
	}
	a = o->off;
	b = o->off + (e - s);
	/* the white space before it, else the white space after it */
	for (k = s;
	     k > 0 && blank(t->line[k - 1]) && adjacent(t, k - 1, o, a - 1);
	     k--)
		a--;
	if (a == o->off) {
		for (k = e;
		     k < t->len && blank(t->line[k]) && adjacent(t, k, o, b);
		     k++)
			b++;
	}
	*file = o->file;
	*start = a;
	*end = b;
	return true;
}

/* Bytes that may stand unquoted in a value we wrap in double quotes. */
static bool
plain_value(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') ||
			strchr("_.,:/+=-", c) != NULL))
			return false;
	}
	return true;
}

int
kgrub_append(const char *text, size_t value_start, size_t end,
    const char *const *tokens, size_t n, char **out, char **cause)
{
	struct strbuf sb = STRBUF_INIT, toks = STRBUF_INIT;
	struct lexed lx;
	bool sep;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			sb_addc(&toks, ' ');
		sb_adds(&toks, tokens[i]);
	}
	lex_value(text, value_start, end, &lx);
	if (!lx.ok) {
		lexed_free(&lx);
		sb_release(&toks);
		*cause = xstrdup("its value cannot be extended safely");
		return -EINVAL;
	}
	/* a space before the tokens unless the value is empty or ends in one */
	sep = lx.n > 0 &&
	      !(lx.p[lx.n - 1].var == NULL && blank(lx.p[lx.n - 1].c));
	if (lx.last_close != SIZE_MAX && lx.last_close + 1 == end) {
		/* inside the closing quote */
		sb_add(&sb, text, end - 1);
		if (sep)
			sb_addc(&sb, ' ');
		sb_adds(&sb, sb_str(&toks));
		sb_adds(&sb, text + end - 1);
	} else if (plain_value(text + value_start, end - value_start)) {
		sb_add(&sb, text, value_start);
		sb_addc(&sb, '"');
		sb_add(&sb, text + value_start, end - value_start);
		if (end > value_start)
			sb_addc(&sb, ' ');
		sb_adds(&sb, sb_str(&toks));
		sb_addc(&sb, '"');
		sb_adds(&sb, text + end);
	} else {
		sb_add(&sb, text, end);
		sb_adds(&sb, sep ? "\" " : "\"");
		sb_adds(&sb, sb_str(&toks));
		sb_addc(&sb, '"');
		sb_adds(&sb, text + end);
	}
	lexed_free(&lx);
	sb_release(&toks);
	*out = sb_detach(&sb);
	return 0;
}
