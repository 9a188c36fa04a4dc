/*
 * json.c: a streaming JSON writer with two-space indentation and complete
 * string escaping (control characters as \u00XX; UTF-8 passed through).
 */
#include "vfio-wizard/json.h"

void
json_init(struct json *j, struct strbuf *out)
{
	j->out = out;
	j->depth = 0;
	j->need_comma = false;
	j->after_key = false;
}

/* Separate and indent before a value or a key. */
static void
json_prefix(struct json *j)
{
	int i;

	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma)
		sb_addc(j->out, ',');
	if (j->depth > 0) {
		sb_addc(j->out, '\n');
		for (i = 0; i < j->depth; i++)
			sb_adds(j->out, "  ");
	}
}

static void
json_open(struct json *j, char c)
{
	json_prefix(j);
	sb_addc(j->out, c);
	j->depth++;
	j->need_comma = false;
}

static void
json_close(struct json *j, char c)
{
	int i;
	bool empty = !j->need_comma;

	j->depth--;
	if (!empty) {
		sb_addc(j->out, '\n');
		for (i = 0; i < j->depth; i++)
			sb_adds(j->out, "  ");
	}
	sb_addc(j->out, c);
	j->need_comma = true;
	if (j->depth == 0)
		sb_addc(j->out, '\n');
}

void
json_object_begin(struct json *j)
{
	json_open(j, '{');
}

void
json_object_end(struct json *j)
{
	json_close(j, '}');
}

void
json_array_begin(struct json *j)
{
	json_open(j, '[');
}

void
json_array_end(struct json *j)
{
	json_close(j, ']');
}

static void
json_quote(struct strbuf *out, const char *s)
{
	const unsigned char *p;

	sb_addc(out, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			sb_adds(out, "\\\"");
			break;
		case '\\':
			sb_adds(out, "\\\\");
			break;
		case '\n':
			sb_adds(out, "\\n");
			break;
		case '\r':
			sb_adds(out, "\\r");
			break;
		case '\t':
			sb_adds(out, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				sb_addf(out, "\\u%04x", *p);
			else
				sb_addc(out, (char)*p);
		}
	}
	sb_addc(out, '"');
}

void
json_key(struct json *j, const char *key)
{
	json_prefix(j);
	json_quote(j->out, key);
	sb_adds(j->out, ": ");
	j->after_key = true;
	j->need_comma = true;
}

void
json_string(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_prefix(j);
	json_quote(j->out, s);
	j->need_comma = true;
}

void
json_int(struct json *j, long long v)
{
	json_prefix(j);
	sb_addf(j->out, "%lld", v);
	j->need_comma = true;
}

void
json_bool(struct json *j, bool v)
{
	json_prefix(j);
	sb_adds(j->out, v ? "true" : "false");
	j->need_comma = true;
}

void
json_null(struct json *j)
{
	json_prefix(j);
	sb_adds(j->out, "null");
	j->need_comma = true;
}

void
json_kv_string(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_string(j, v);
}

void
json_kv_int(struct json *j, const char *k, long long v)
{
	json_key(j, k);
	json_int(j, v);
}

void
json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}
