/*
 * spec_yaml.c: strict typed access to a libyaml document (see spec_yaml.h).
 * libyaml resolves no types, so an integer or a boolean must be a plain
 * (unquoted) scalar of the right form; anything else is an error that names
 * the key, the line and the column.
 */
#include "spec_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct spec_mark
ld_mark(const yaml_node_t *n)
{
	struct spec_mark m = {0, 0};

	if (n != NULL) {
		m.line = (unsigned)n->start_mark.line + 1;
		m.col = (unsigned)n->start_mark.column + 1;
	}
	return m;
}

int
ld_err(struct ld *ld, const yaml_node_t *n, const char *fmt, ...)
{
	struct spec_mark m = ld_mark(n);
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	spec_error(ld->s, &m, ld->cause, "%s", msg);
	free(msg);
	return -EINVAL;
}

yaml_node_t *
ld_node(struct ld *ld, int id)
{
	return yaml_document_get_node(ld->doc, id);
}

static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

int
ld_map(struct ld *ld, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_MAPPING_NODE)
		return ld_err(ld, n, "'%s' must be a mapping, not %s", what,
		    node_kind(n));
	return 0;
}

int
ld_seq(struct ld *ld, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return ld_err(
		    ld, n, "'%s' must be a list, not %s", what, node_kind(n));
	return 0;
}

/* The key node of the next pair, which must be a non-empty scalar. */
static int
next_key(struct ld *ld, yaml_node_t *map, struct ld_iter *it, const char *what,
    const char **key, yaml_node_t **val)
{
	yaml_node_t *k;

	if (it->p == NULL)
		it->p = map->data.mapping.pairs.start;
	else
		it->p++;
	if (it->p >= map->data.mapping.pairs.top)
		return 0;
	k = ld_node(ld, it->p->key);
	*val = ld_node(ld, it->p->value);
	it->key = k;
	if (k->type != YAML_SCALAR_NODE || k->data.scalar.length == 0)
		return ld_err(ld, k, "keys in '%s' must be plain words", what);
	*key = (const char *)k->data.scalar.value;
	return 1;
}

int
ld_next(struct ld *ld, yaml_node_t *map, struct ld_iter *it,
    const char *const *keys, const char *what, yaml_node_t **val)
{
	const char *key;
	int i, r;

	r = next_key(ld, map, it, what, &key, val);
	if (r <= 0)
		return r;
	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0)
			break;
	if (keys[i] == NULL)
		return ld_err(
		    ld, it->key, "unknown key '%s' in '%s'", key, what);
	if (it->seen & (1ULL << i))
		return ld_err(
		    ld, it->key, "duplicate key '%s' in '%s'", key, what);
	it->seen |= 1ULL << i;
	return i + 1;
}

int
ld_next_any(struct ld *ld, yaml_node_t *map, struct ld_iter *it,
    const char *what, const char **key, yaml_node_t **val)
{
	yaml_node_pair_t *q;
	int r = next_key(ld, map, it, what, key, val);

	if (r <= 0)
		return r;
	for (q = map->data.mapping.pairs.start; q < it->p; q++) {
		yaml_node_t *k = ld_node(ld, q->key);

		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, *key) == 0)
			return ld_err(ld, it->key, "duplicate key '%s' in '%s'",
			    *key, what);
	}
	return 1;
}

int
ld_required(struct ld *ld, yaml_node_t *map, const struct ld_iter *it,
    const char *const *keys, uint64_t required, const char *what)
{
	int i;

	for (i = 0; keys[i] != NULL; i++)
		if ((required & (1ULL << i)) && !(it->seen & (1ULL << i)))
			return ld_err(
			    ld, map, "missing key '%s' in '%s'", keys[i], what);
	return 0;
}

yaml_node_t *
ld_item(struct ld *ld, yaml_node_t *seq, size_t n)
{
	yaml_node_item_t *it = seq->data.sequence.items.start + n;

	if (it >= seq->data.sequence.items.top)
		return NULL;
	return ld_node(ld, *it);
}

bool
ld_is_quoted(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	       (n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		   n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

static bool
is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
		   strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}

int
ld_str(struct ld *ld, yaml_node_t *n, const char *key, char **out)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE)
		return ld_err(
		    ld, n, "'%s' must be a string, not %s", key, node_kind(n));
	if (is_null(n))
		return ld_err(ld, n, "'%s' must not be empty", key);
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return ld_err(ld, n, "'%s' must not contain a NUL byte", key);
	free(*out);
	*out = xstrdup(v);
	return 0;
}

int
ld_long(struct ld *ld, yaml_node_t *n, const char *key, long min, long max,
    long *out)
{
	const char *v = (const char *)n->data.scalar.value;
	char *end;
	long x;
	int base = 10;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || *v == '\0')
		goto bad;
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		v += 2;
	}
	if (*v == '\0' || strspn(v, base == 16 ? "0123456789abcdefABCDEF"
					       : "0123456789") != strlen(v))
		goto bad;
	errno = 0;
	x = strtol(v, &end, base);
	if (errno != 0 || x < min || x > max)
		goto bad;
	*out = x;
	return 0;
bad:
	return ld_err(
	    ld, n, "'%s' must be an integer from %ld to %ld", key, min, max);
}

int
ld_int(
    struct ld *ld, yaml_node_t *n, const char *key, int min, int max, int *out)
{
	long v;
	int err = ld_long(ld, n, key, min, max, &v);

	if (err == 0)
		*out = (int)v;
	return err;
}

int
ld_bool(struct ld *ld, yaml_node_t *n, const char *key, bool *out)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (strcmp(v, "true") == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, "false") == 0) {
			*out = false;
			return 0;
		}
	}
	return ld_err(ld, n, "'%s' must be true or false", key);
}

int
ld_strlist(struct ld *ld, yaml_node_t *n, const char *key, char ***out,
    size_t *count, struct spec_mark **marks)
{
	yaml_node_t *item;
	size_t i;
	int err;

	if ((err = ld_seq(ld, n, key)) < 0)
		return err;
	for (i = 0; (item = ld_item(ld, n, i)) != NULL; i++) {
		char *s = NULL;

		if ((err = ld_str(ld, item, key, &s)) < 0)
			return err;
		if (marks != NULL) {
			*marks =
			    xreallocarray(*marks, *count + 1, sizeof **marks);
			(*marks)[*count] = ld_mark(item);
		}
		ARRAY_PUSH(*out, *count, s);
	}
	return 0;
}
