/*
 * model_text.c: the plain-text side of the wizard's screens: arrays of
 * ui_lines, display widths of UTF-8 text, wrapping to a width and the
 * substring filter of the lists. No curses here (unit tested).
 */
#include "model.h"

#include "vfio-wizard/strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

bool
ui_role_marked(enum ui_role r)
{
	return r == UI_ROLE_OK || r == UI_ROLE_INFO || r == UI_ROLE_WARN ||
	       r == UI_ROLE_FAIL || r == UI_ROLE_PENDING;
}

void
ui_lines_add(
    struct ui_lines *l, enum ui_role role, int indent, const char *fmt, ...)
{
	struct ui_line line;
	va_list ap;

	va_start(ap, fmt);
	line.text = xvasprintf(fmt, ap);
	va_end(ap);
	line.role = role;
	line.indent = indent;
	ARRAY_PUSH(l->v, l->n, line);
}

void
ui_lines_add_text(
    struct ui_lines *l, enum ui_role role, int indent, const char *text)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		ui_lines_add(l, role, indent, "%.*s", (int)(nl - p), p);
		p = *nl == '\n' ? nl + 1 : nl;
	}
}

void
ui_lines_free(struct ui_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/*
 * One character of s: its length in bytes (>= 1) and its width in
 * columns (an invalid byte or a control character: one column).
 */
static size_t
char_at(const char *s, int *width)
{
	mbstate_t st;
	wchar_t wc;
	size_t len;
	int w;

	memset(&st, 0, sizeof st);
	len = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		*width = 1;
		return 1;
	}
	w = wcwidth(wc);
	*width = w < 0 ? 1 : w;
	return len;
}

int
ui_text_width(const char *s)
{
	int total = 0, w;

	while (*s != '\0') {
		s += char_at(s, &w);
		total += w;
	}
	return total;
}

/* Append s[0..len) as one piece. */
static void
piece(char ***out, size_t *n, const char *s, size_t len)
{
	ARRAY_PUSH(*out, *n, xstrndup(s, len));
}

void
ui_wrap(const char *text, int width, char ***out, size_t *n)
{
	const char *line = text, *p, *brk;
	size_t before = *n;
	int col, w;

	if (width < 1)
		width = 1;
	while (*line != '\0') {
		col = 0;
		brk = NULL;
		for (p = line; *p != '\0';) {
			size_t len = char_at(p, &w);

			if (*p == ' ')
				brk = p;
			if (col + w > width)
				break;
			col += w;
			p += len;
		}
		if (*p == '\0') {
			piece(out, n, line, (size_t)(p - line));
			break;
		}
		if (*p == ' ')
			brk = p;
		if (brk == NULL || brk == line) {
			/* a word longer than the width: cut it */
			if (p == line)
				p += char_at(p, &w);
			piece(out, n, line, (size_t)(p - line));
			line = p;
		} else {
			piece(out, n, line, (size_t)(brk - line));
			line = brk;
		}
		while (*line == ' ')
			line++;
	}
	if (*n == before)
		piece(out, n, "", 0);
}

/* strstr ignoring ASCII case; needle is already lower case. */
static bool
contains(const char *hay, const char *needle, size_t nlen)
{
	const char *p;
	size_t i;

	for (p = hay; *p != '\0'; p++) {
		for (i = 0; i < nlen; i++) {
			if (p[i] == '\0' ||
			    tolower((unsigned char)p[i]) != needle[i])
				break;
		}
		if (i == nlen)
			return true;
	}
	return false;
}

size_t
ui_filter(const struct ui_line *lines, size_t n, const char *needle,
    bool keep_parents, size_t *out)
{
	char *low;
	size_t nlen, i, k = 0, j;
	bool *keep;

	if (needle == NULL || *needle == '\0') {
		for (i = 0; i < n; i++)
			out[i] = i;
		return n;
	}
	low = xstrdup(needle);
	nlen = strlen(low);
	for (i = 0; i < nlen; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	keep = xcalloc(n > 0 ? n : 1, sizeof *keep);
	for (i = 0; i < n; i++) {
		int indent;

		if (!contains(lines[i].text, low, nlen))
			continue;
		keep[i] = true;
		if (!keep_parents)
			continue;
		indent = lines[i].indent;
		/* a kept row at this depth or above has its parents kept */
		for (j = i; j-- > 0 && indent > 0;) {
			if (keep[j] && lines[j].indent <= indent)
				break;
			if (lines[j].indent < indent) {
				indent = lines[j].indent;
				keep[j] = true;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (keep[i])
			out[k++] = i;
	}
	free(keep);
	free(low);
	return k;
}
