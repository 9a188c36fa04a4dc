/*
 * cmdline.c: the kernel command line codec (see cmdline.h). The tokenizer
 * follows the kernel's lib/cmdline.c next_arg() step for step, including its
 * quirks (a '=' in the first byte does not split; quotes inside a value stay).
 */
#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/strbuf.h"

#include <stdlib.h>
#include <string.h>

/* The kernel's isspace(): the C white space plus 0xa0 (lib/ctype.c). */
static bool
k_isspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r' || c == 0xa0;
}

static size_t
skip_spaces(const char *s, size_t p)
{
	while (s[p] != '\0' && k_isspace((unsigned char)s[p]))
		p++;
	return p;
}

/*
 * Read one argument starting at text[s] (not white space, not the end), as
 * next_arg() does; fills key and value and returns the end of the raw token.
 */
static size_t
next_arg(const char *text, size_t s, struct cmdline_token *t)
{
	const char *args = text + s;
	size_t i, equals = 0, vstart, vend;
	bool in_quote = false, quoted = false;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i] != '\0'; i++) {
		if (k_isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}

	if (equals == 0) {
		/* a quoted `"key"` loses its closing quote */
		if (quoted && i > 0 && args[i - 1] == '"')
			t->key = xstrndup(args, i - 1);
		else
			t->key = xstrndup(args, i);
		t->value = NULL;
	} else {
		t->key = xstrndup(args, equals);
		vstart = equals + 1;
		vend = i;
		/* don't include quotes in the value */
		if (args[vstart] == '"') {
			vstart++;
			if (args[i - 1] == '"')
				vend = i - 1;
		}
		if (quoted && vend == i && args[i - 1] == '"')
			vend = i - 1;
		if (vend < vstart)
			vend = vstart;
		t->value = xstrndup(args + vstart, vend - vstart);
	}
	return (size_t)(args - text) + i;
}

struct cmdline *
cmdline_parse(const char *text)
{
	struct cmdline *cl = xcalloc(1, sizeof *cl);
	struct cmdline_token t;
	size_t p = 0, q, end;
	bool init = false;

	for (;;) {
		q = skip_spaces(text, p);
		if (text[q] == '\0') {
			cl->trail = xstrndup(text + p, q - p);
			break;
		}
		memset(&t, 0, sizeof t);
		t.space = xstrndup(text + p, q - p);
		end = next_arg(text, q, &t);
		t.raw = xstrndup(text + q, end - q);
		if (!init && t.value == NULL && strcmp(t.key, "--") == 0)
			init = true;
		t.init_arg = init;
		ARRAY_PUSH(cl->tokens, cl->n_tokens, t);
		p = end;
	}
	return cl;
}

void
cmdline_free(struct cmdline *cl)
{
	size_t i;

	if (cl == NULL)
		return;
	for (i = 0; i < cl->n_tokens; i++) {
		free(cl->tokens[i].space);
		free(cl->tokens[i].raw);
		free(cl->tokens[i].key);
		free(cl->tokens[i].value);
	}
	free(cl->tokens);
	free(cl->trail);
	free(cl);
}

void
cmdline_print(const struct cmdline *cl, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < cl->n_tokens; i++) {
		sb_adds(sb, cl->tokens[i].space);
		sb_adds(sb, cl->tokens[i].raw);
	}
	sb_adds(sb, cl->trail);
}

char *
cmdline_to_string(const struct cmdline *cl)
{
	struct strbuf sb = STRBUF_INIT;

	cmdline_print(cl, &sb);
	if (sb.buf == NULL)
		return xstrdup("");
	return sb_detach(&sb);
}

bool
cmdline_key_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		if (*a == *b)
			continue;
		if ((*a == '-' || *a == '_') && (*b == '-' || *b == '_'))
			continue;
		return false;
	}
	return *a == *b;
}

size_t
cmdline_find(const struct cmdline *cl, const char *key, size_t *idx, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < cl->n_tokens; i++) {
		if (cl->tokens[i].init_arg ||
		    !cmdline_key_eq(cl->tokens[i].key, key))
			continue;
		if (idx != NULL && n < max)
			idx[n] = i;
		n++;
	}
	return n;
}

const struct cmdline_token *
cmdline_last(const struct cmdline *cl, const char *key)
{
	size_t i;

	for (i = cl->n_tokens; i > 0; i--) {
		const struct cmdline_token *t = &cl->tokens[i - 1];

		if (!t->init_arg && cmdline_key_eq(t->key, key))
			return t;
	}
	return NULL;
}

bool
cmdline_has(const struct cmdline *cl, const char *key)
{
	return cmdline_last(cl, key) != NULL;
}

const char *
cmdline_get(const struct cmdline *cl, const char *key)
{
	const struct cmdline_token *t = cmdline_last(cl, key);

	return t != NULL ? t->value : NULL;
}

char *
cmdline_underscores(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '-')
			*p = '_';
	}
	return s;
}

bool
cmdline_token_modparam(
    const struct cmdline_token *t, char **module, char **param)
{
	const char *dot = strchr(t->key, '.');

	if (dot == NULL || dot == t->key || dot[1] == '\0')
		return false;
	*module = cmdline_underscores(xstrndup(t->key, dot - t->key));
	*param = xstrdup(dot + 1);
	return true;
}

const struct cmdline_token *
cmdline_find_modparam(
    const struct cmdline *cl, const char *module, const char *param)
{
	char *key = xasprintf("%s.%s", module, param);
	const struct cmdline_token *t = cmdline_last(cl, key);

	free(key);
	return t;
}
