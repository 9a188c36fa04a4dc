/*
 * kb_yaml.c: strict, located reading of libyaml nodes (see kb_yaml.h).
 */
#include "vfio-wizard/kb.h"
#include "kb_yaml.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
ky_fail(struct ky *y, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (y->cause != NULL)
		return -EINVAL;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (n != NULL)
		y->cause = xasprintf("%s:%zu:%zu: %s", y->name,
		    (size_t)n->start_mark.line + 1,
		    (size_t)n->start_mark.column + 1, msg);
	else
		y->cause = xasprintf("%s: %s", y->name, msg);
	free(msg);
	return -EINVAL;
}

yaml_node_t *
ky_node(struct ky *y, int index)
{
	return yaml_document_get_node(&y->doc, index);
}

const char *
ky_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

size_t
ky_len(const yaml_node_t *n)
{
	return (
	    size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *
ky_item(struct ky *y, const yaml_node_t *n, size_t i)
{
	return ky_node(y, n->data.sequence.items.start[i]);
}

static int
want_scalar(struct ky *y, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE)
		return ky_fail(y, n, "'%s' must be a single value", what);
	return 0;
}

int
ky_string(struct ky *y, yaml_node_t *n, const char *what, char **out)
{
	int r;

	if ((r = want_scalar(y, n, what)) < 0)
		return r;
	if (*ky_scalar(n) == '\0')
		return ky_fail(y, n, "'%s' must not be empty", what);
	free(*out);
	*out = xstrdup(ky_scalar(n));
	return 0;
}

int
ky_hex16(struct ky *y, yaml_node_t *n, const char *what, uint16_t *out)
{
	const char *s;
	unsigned long v;
	size_t i, len;
	int r;

	if ((r = want_scalar(y, n, what)) < 0)
		return r;
	s = ky_scalar(n);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	len = strlen(s);
	for (i = 0; i < len && isxdigit((unsigned char)s[i]); i++)
		;
	if (len != 4 || i != len || str_hex(s, &v) < 0)
		return ky_fail(y, n, "bad %s '%s': want four hex digits", what,
		    ky_scalar(n));
	*out = (uint16_t)v;
	return 0;
}

int
ky_int(
    struct ky *y, yaml_node_t *n, const char *what, int min, int max, int *out)
{
	char *end;
	long v;
	int r;

	if ((r = want_scalar(y, n, what)) < 0)
		return r;
	errno = 0;
	v = strtol(ky_scalar(n), &end, 10);
	if (errno != 0 || end == ky_scalar(n) || *end != '\0' || v < min ||
	    v > max)
		return ky_fail(y, n, "bad %s '%s': want a number from %d to %d",
		    what, ky_scalar(n), min, max);
	*out = (int)v;
	return 0;
}

int
ky_bool(struct ky *y, yaml_node_t *n, const char *what, bool *out)
{
	int r;

	if ((r = want_scalar(y, n, what)) < 0)
		return r;
	if (strcmp(ky_scalar(n), "true") == 0)
		*out = true;
	else if (strcmp(ky_scalar(n), "false") == 0)
		*out = false;
	else
		return ky_fail(y, n, "bad %s '%s': want true or false", what,
		    ky_scalar(n));
	return 0;
}

int
ky_mode(struct ky *y, yaml_node_t *n, unsigned *out)
{
	int r, m;

	if ((r = want_scalar(y, n, "mode")) < 0)
		return r;
	m = mode_from_name(ky_scalar(n));
	if (m == 0)
		return ky_fail(y, n,
		    "unknown mode '%s': want legacy-igd, gvt-g, sr-iov or vfio",
		    ky_scalar(n));
	*out = (unsigned)m;
	return 0;
}

int
ky_sequence(struct ky *y, yaml_node_t *n, const char *what, bool empty_ok)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return ky_fail(y, n, "'%s' must be a list", what);
	if (!empty_ok && ky_len(n) == 0)
		return ky_fail(y, n, "'%s' must not be empty", what);
	return 0;
}

int
ky_modes(struct ky *y, yaml_node_t *n, unsigned *out)
{
	unsigned m;
	size_t i;
	int r;

	if ((r = ky_sequence(y, n, "modes", false)) < 0)
		return r;
	*out = 0;
	for (i = 0; i < ky_len(n); i++) {
		yaml_node_t *item = ky_item(y, n, i);

		if ((r = ky_mode(y, item, &m)) < 0)
			return r;
		if (*out & m)
			return ky_fail(
			    y, item, "mode '%s' listed twice", ky_scalar(item));
		*out |= m;
	}
	return 0;
}

int
ky_ids(struct ky *y, yaml_node_t *n, const char *what, uint16_t **ids,
    size_t *n_ids)
{
	uint16_t id;
	size_t i, j;
	int r;

	if ((r = ky_sequence(y, n, what, false)) < 0)
		return r;
	for (i = 0; i < ky_len(n); i++) {
		yaml_node_t *item = ky_item(y, n, i);

		if ((r = ky_hex16(y, item, "device id", &id)) < 0)
			return r;
		for (j = 0; j < *n_ids; j++) {
			if ((*ids)[j] == id)
				return ky_fail(y, item,
				    "device id '%04x' listed twice", id);
		}
		ARRAY_PUSH(*ids, *n_ids, id);
	}
	return 0;
}

int
ky_keys(struct ky *y, yaml_node_t *map, const char *what,
    const char *const *keys, size_t n_keys, unsigned required,
    yaml_node_t **values)
{
	yaml_node_pair_t *p;
	size_t i;

	for (i = 0; i < n_keys; i++)
		values[i] = NULL;
	if (map->type != YAML_MAPPING_NODE)
		return ky_fail(y, map, "%s must be a mapping of keys", what);
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = ky_node(y, p->key);

		if (k->type != YAML_SCALAR_NODE)
			return ky_fail(
			    y, k, "%s keys must be plain words", what);
		for (i = 0; i < n_keys; i++) {
			if (strcmp(keys[i], ky_scalar(k)) == 0)
				break;
		}
		if (i == n_keys)
			return ky_fail(
			    y, k, "unknown key '%s' in %s", ky_scalar(k), what);
		if (values[i] != NULL)
			return ky_fail(y, k, "key '%s' repeated in %s",
			    ky_scalar(k), what);
		values[i] = ky_node(y, p->value);
	}
	for (i = 0; i < n_keys; i++) {
		if ((required & (1u << i)) && values[i] == NULL)
			return ky_fail(
			    y, map, "missing key '%s' in %s", keys[i], what);
	}
	return 0;
}

int
ky_read_file(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if ((size_t)st.st_size > max)
		r = -EFBIG;
	if (r < 0) {
		close(fd);
		return r;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			free(buf);
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

int
ky_parse(struct ky *y, const char *text, size_t len)
{
	yaml_parser_t parser;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		if (parser.problem != NULL)
			y->cause = xasprintf("%s:%zu:%zu: %s%s%s", y->name,
			    parser.problem_mark.line + 1,
			    parser.problem_mark.column + 1, parser.problem,
			    parser.context != NULL ? " " : "",
			    parser.context != NULL ? parser.context : "");
		else
			y->cause = xasprintf("%s: cannot parse", y->name);
		r = -EINVAL;
	}
	yaml_parser_delete(&parser);
	return r;
}
