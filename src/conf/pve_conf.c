/*
 * pve_conf.c: parse, print and edit Proxmox VE VM configs (see pve_conf.h).
 *
 * The grammar is qemu-server's parse_vm_config (PVE/QemuServer.pm): lines
 * split at "\n"; blank lines skipped; section headers matched before
 * anything else; lines of an unknown section ignored; "#" lines are the
 * description; everything else must be "key: value". Each line keeps its
 * raw bytes so print(parse(x)) == x for any x.
 */
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Perl's \s on bytes: space, \t, \n, \v, \f, \r. */
static bool
is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
all_space(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_space(s[i]))
			return false;
	}
	return true;
}

static bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

/*
 * Match "key:" at the start of s (key [a-z][a-z_-]*[0-9]*); returns the key's
 * length, or 0 when s does not start with a key and a colon.
 */
static size_t
match_key(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower(s[0]))
		return 0;
	for (i = 1; i < n && (is_lower(s[i]) || s[i] == '_' || s[i] == '-');
	     i++)
		;
	while (i < n && is_digit(s[i]))
		i++;
	if (i >= n || s[i] != ':')
		return 0;
	return i;
}

bool
pve_conf_key_valid(const char *key)
{
	size_t n = strlen(key);
	char *tmp;
	bool ok;

	tmp = xasprintf("%s:", key);
	ok = n > 0 && match_key(tmp, n + 1) == n;
	free(tmp);
	return ok;
}

/* The unanchored "snapstate:\s*(prepare|delete)\s*$" Proxmox also accepts. */
static bool
match_snapstate(const char *s, size_t n)
{
	static const char tag[] = "snapstate:";
	static const char *const states[] = {"prepare", "delete"};
	size_t i, j, k;

	for (i = 0; i + sizeof tag - 1 <= n; i++) {
		if (memcmp(s + i, tag, sizeof tag - 1) != 0)
			continue;
		j = i + sizeof tag - 1;
		while (j < n && is_space(s[j]))
			j++;
		for (k = 0; k < nitems(states); k++) {
			size_t sl = strlen(states[k]);

			if (n - j >= sl && memcmp(s + j, states[k], sl) == 0 &&
			    all_space(s + j + sl, n - j - sl))
				return true;
		}
	}
	return false;
}

/*
 * Recognise a section header "[inner]" followed by white space only. Returns
 * true and fills *kind and the inner span; special sections report the part
 * after "special:".
 */
static bool
match_header(const char *s, size_t n, enum pve_section_kind *kind,
    const char **name, size_t *name_len)
{
	const char *close;
	const char *in = s + 1;
	size_t inlen, i;

	if (n < 2 || s[0] != '[')
		return false;
	close = memchr(in, ']', n - 1);
	if (close == NULL)
		return false;
	inlen = (size_t)(close - in);
	if (!all_space(close + 1, n - (size_t)(close + 1 - s)))
		return false;
	*name = in;
	*name_len = inlen;
	if (inlen == 7 && strncasecmp(in, "PENDING", 7) == 0) {
		*kind = PVE_SECTION_PENDING;
		return true;
	}
	if (inlen > 8 && strncasecmp(in, "special:", 8) == 0) {
		const char *sp = in + 8;
		size_t sl = inlen - 8;

		if ((sl == 9 && strncasecmp(sp, "cloudinit", 9) == 0) ||
		    (sl == 8 && strncasecmp(sp, "fleecing", 8) == 0)) {
			*kind = PVE_SECTION_SPECIAL;
			*name = sp;
			*name_len = sl;
			return true;
		}
	}
	*kind = PVE_SECTION_UNKNOWN;
	if (inlen >= 2 && is_alpha(in[0])) {
		for (i = 1; i < inlen; i++) {
			if (!is_alpha(in[i]) && !is_digit(in[i]) &&
			    in[i] != '_' && in[i] != '-')
				break;
		}
		if (i == inlen)
			*kind = PVE_SECTION_SNAPSHOT;
	}
	return true;
}

/* Fill a key line's key, value and value span from its content. */
static void
set_key_fields(struct pve_line *l, size_t key_len, size_t content_len)
{
	size_t b = key_len + 1, e = content_len;

	while (b < e && is_space(l->raw[b]))
		b++;
	while (e > b && is_space(l->raw[e - 1]))
		e--;
	free(l->key);
	free(l->value);
	l->key = xstrndup(l->raw, key_len);
	l->value = xstrndup(l->raw + b, e - b);
	l->value_off = b;
	l->value_len = e - b;
}

/* A printable excerpt of a line for a message: at most 60 bytes, no controls.
 */
static char *
excerpt(const char *s, size_t n)
{
	size_t i, max = n > 60 ? 60 : n;
	char *out = xmalloc(max + 4);

	for (i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (n > max)
		memcpy(out + max, "...", 4);
	else
		out[max] = '\0';
	return out;
}

static struct pve_section *
add_section(struct pve_conf *c, enum pve_section_kind kind, const char *name,
    size_t name_len)
{
	struct pve_section s = {kind, xstrndup(name, name_len), NULL, 0};

	ARRAY_PUSH(c->sections, c->n_sections, s);
	return &c->sections[c->n_sections - 1];
}

int
pve_conf_parse(const char *text, size_t len, int flags, struct pve_conf **out,
    char **cause)
{
	struct pve_conf *c = xcalloc(1, sizeof *c);
	struct pve_section *sec;
	size_t pos = 0, lineno = 0, first_bad = 0;
	char *bad = NULL;

	*out = NULL;
	sec = add_section(c, PVE_SECTION_MAIN, "", 0);
	while (pos < len) {
		const char *s = text + pos, *nl, *name;
		size_t clen, rlen, name_len, key_len;
		enum pve_section_kind kind;
		struct pve_line l = {0};

		lineno++;
		nl = memchr(s, '\n', len - pos);
		clen = nl != NULL ? (size_t)(nl - s) : len - pos;
		rlen = nl != NULL ? clen + 1 : clen;
		l.raw = xmalloc(rlen + 1);
		memcpy(l.raw, s, rlen);
		l.raw[rlen] = '\0';
		l.len = rlen;
		pos += rlen;

		if (all_space(s, clen)) {
			l.kind = PVE_LINE_BLANK;
		} else if (match_header(s, clen, &kind, &name, &name_len)) {
			l.kind = PVE_LINE_HEADER;
			sec = add_section(c, kind, name, name_len);
		} else if (sec->kind == PVE_SECTION_UNKNOWN) {
			l.kind = PVE_LINE_VERBATIM;
		} else if (s[0] == '#') {
			l.kind = PVE_LINE_COMMENT;
		} else if ((key_len = match_key(s, clen)) > 0 &&
			   clen > key_len + 1) {
			l.kind = PVE_LINE_KEY;
			set_key_fields(&l, key_len, clen);
		} else if (match_snapstate(s, clen)) {
			l.kind = PVE_LINE_VERBATIM;
		} else {
			l.kind = PVE_LINE_INVALID;
			c->n_invalid++;
			if (bad == NULL) {
				bad = excerpt(s, clen);
				first_bad = lineno;
			}
		}
		ARRAY_PUSH(sec->lines, sec->n_lines, l);
	}
	if (bad != NULL) {
		*cause =
		    xasprintf("line %zu: unable to parse '%s'", first_bad, bad);
		free(bad);
		if (flags & PVE_PARSE_LENIENT)
			*out = c;
		else
			pve_conf_free(c);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

static void
line_release(struct pve_line *l)
{
	free(l->raw);
	free(l->key);
	free(l->value);
}

void
pve_conf_free(struct pve_conf *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_sections; i++) {
		for (j = 0; j < c->sections[i].n_lines; j++)
			line_release(&c->sections[i].lines[j]);
		free(c->sections[i].lines);
		free(c->sections[i].name);
	}
	free(c->sections);
	free(c);
}

void
pve_conf_print(const struct pve_conf *c, struct strbuf *sb)
{
	size_t i, j;

	for (i = 0; i < c->n_sections; i++) {
		for (j = 0; j < c->sections[i].n_lines; j++)
			sb_add(sb, c->sections[i].lines[j].raw,
			    c->sections[i].lines[j].len);
	}
}

char *
pve_conf_text(const struct pve_conf *c, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	pve_conf_print(c, &sb);
	if (len != NULL)
		*len = sb.len;
	if (sb.buf == NULL)
		return xstrdup("");
	return sb_detach(&sb);
}

const struct pve_section *
pve_conf_main(const struct pve_conf *c)
{
	return &c->sections[0];
}

const struct pve_section *
pve_conf_section(
    const struct pve_conf *c, enum pve_section_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_sections; i++) {
		const struct pve_section *s = &c->sections[i];

		if (s->kind != kind)
			continue;
		if (kind == PVE_SECTION_MAIN || kind == PVE_SECTION_PENDING ||
		    name == NULL || strcasecmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

const char *
pve_section_get(const struct pve_section *s, const char *key)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < s->n_lines; i++) {
		const struct pve_line *l = &s->lines[i];

		if (l->kind == PVE_LINE_KEY && strcmp(l->key, key) == 0)
			v = l->value;
	}
	return v;
}

const char *
pve_conf_get(const struct pve_conf *c, const char *key)
{
	return pve_section_get(pve_conf_main(c), key);
}

/* The line terminator the file uses: that of its first full line. */
static const char *
conf_eol(const struct pve_conf *c)
{
	size_t i, j;

	for (i = 0; i < c->n_sections; i++) {
		for (j = 0; j < c->sections[i].n_lines; j++) {
			const struct pve_line *l = &c->sections[i].lines[j];

			if (l->len == 0 || l->raw[l->len - 1] != '\n')
				continue;
			return l->len >= 2 && l->raw[l->len - 2] == '\r'
				   ? "\r\n"
				   : "\n";
		}
	}
	return "\n";
}

static bool
has_newline(const struct pve_line *l)
{
	return l->len > 0 && l->raw[l->len - 1] == '\n';
}

/* Remove the terminator of a line ("\n" or "\r\n"). */
static void
strip_newline(struct pve_line *l)
{
	if (!has_newline(l))
		return;
	l->len--;
	if (l->len > 0 && l->raw[l->len - 1] == '\r')
		l->len--;
	l->raw[l->len] = '\0';
}

static void
add_newline(struct pve_line *l, const char *eol)
{
	size_t n = strlen(eol);

	l->raw = xreallocarray(l->raw, l->len + n + 1, 1);
	memcpy(l->raw + l->len, eol, n + 1);
	l->len += n;
}

static void
remove_line(struct pve_section *s, size_t i)
{
	line_release(&s->lines[i]);
	memmove(&s->lines[i], &s->lines[i + 1],
	    (s->n_lines - i - 1) * sizeof *s->lines);
	s->n_lines--;
}

/*
 * Remove the lines of key from the main section, except the one at keep
 * (SIZE_MAX: none). A file that ended without a newline still does.
 */
static size_t
remove_key(struct pve_conf *c, const char *key, size_t keep)
{
	struct pve_section *m = &c->sections[0];
	size_t i = m->n_lines, removed = 0;
	bool tail_bare = false;

	if (c->n_sections == 1 && m->n_lines > 0)
		tail_bare = !has_newline(&m->lines[m->n_lines - 1]);
	while (i-- > 0) {
		struct pve_line *l = &m->lines[i];

		if (i == keep || l->kind != PVE_LINE_KEY ||
		    strcmp(l->key, key) != 0)
			continue;
		remove_line(m, i);
		if (keep != SIZE_MAX && i < keep)
			keep--;
		removed++;
	}
	if (removed > 0 && tail_bare && m->n_lines > 0)
		strip_newline(&m->lines[m->n_lines - 1]);
	return removed;
}

static int
check_edit(
    const struct pve_conf *c, const char *key, const char *value, char **cause)
{
	size_t n;

	if (c->n_invalid > 0) {
		*cause = xasprintf(
		    "config has %zu unparsable line(s)", c->n_invalid);
		return -EINVAL;
	}
	if (!pve_conf_key_valid(key) || strcmp(key, "description") == 0 ||
	    strcmp(key, "delete") == 0) {
		*cause = xasprintf("invalid config key '%s'", key);
		return -EINVAL;
	}
	n = strlen(value);
	if (n == 0 || is_space(value[0]) || is_space(value[n - 1]) ||
	    strpbrk(value, "\n\r") != NULL) {
		*cause =
		    xasprintf("invalid value '%s' for key '%s'", value, key);
		return -EINVAL;
	}
	return 0;
}

int
pve_conf_set(
    struct pve_conf *c, const char *key, const char *value, char **cause)
{
	struct pve_section *m = &c->sections[0];
	struct pve_line nl = {0};
	struct strbuf sb = STRBUF_INIT;
	size_t i, last = SIZE_MAX, pos = 0;
	int err;

	if ((err = check_edit(c, key, value, cause)) < 0)
		return err;
	for (i = 0; i < m->n_lines; i++) {
		if (m->lines[i].kind == PVE_LINE_KEY &&
		    strcmp(m->lines[i].key, key) == 0)
			last = i;
	}
	if (last != SIZE_MAX) {
		struct pve_line *l = &m->lines[last];
		size_t vend = l->value_off + l->value_len;
		size_t clen = l->len - (has_newline(l) ? 1 : 0);

		sb_add(&sb, l->raw, l->value_off);
		sb_adds(&sb, value);
		sb_add(&sb, l->raw + vend, l->len - vend);
		clen = clen - l->value_len + strlen(value);
		free(l->raw);
		l->len = sb.len;
		l->raw = sb_detach(&sb);
		set_key_fields(l, strlen(key), clen);
		remove_key(c, key, last);
		return 0;
	}

	for (i = 0; i < m->n_lines; i++) {
		if (m->lines[i].kind != PVE_LINE_BLANK)
			pos = i + 1;
	}
	sb_addf(&sb, "%s: %s", key, value);
	nl.kind = PVE_LINE_KEY;
	nl.len = sb.len;
	nl.raw = sb_detach(&sb);
	set_key_fields(&nl, strlen(key), nl.len);
	if (pos > 0 && !has_newline(&m->lines[pos - 1]))
		add_newline(&m->lines[pos - 1], conf_eol(c)); /* end of file */
	else
		add_newline(&nl, conf_eol(c));
	m->lines = xreallocarray(m->lines, m->n_lines + 1, sizeof *m->lines);
	memmove(&m->lines[pos + 1], &m->lines[pos],
	    (m->n_lines - pos) * sizeof *m->lines);
	m->lines[pos] = nl;
	m->n_lines++;
	return 0;
}

int
pve_conf_delete(struct pve_conf *c, const char *key)
{
	if (c->n_invalid > 0)
		return -EINVAL;
	return remove_key(c, key, SIZE_MAX) > 0 ? 0 : -ENOENT;
}
