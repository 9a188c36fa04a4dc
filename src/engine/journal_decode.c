/*
 * journal_decode.c: one record's text (already cut out and CRC-checked)
 * into a struct jrec, with libyaml's event parser. Strict: every key known
 * and once, every value of its kind, no NUL in a string, the fields the
 * type needs present (jrec_check).
 */
#include "journal_priv.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct dec {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have_ev;
	char *why;
};

static int fail(struct dec *d, const char *fmt, ...) VW_PRINTF(2, 3);

static int
fail(struct dec *d, const char *fmt, ...)
{
	va_list ap;

	if (d->why == NULL) {
		va_start(ap, fmt);
		d->why = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* The next event into d->ev (the previous one freed). */
static int
next(struct dec *d)
{
	if (d->have_ev)
		yaml_event_delete(&d->ev);
	d->have_ev = false;
	if (!yaml_parser_parse(&d->p, &d->ev))
		return fail(d, "yaml: %s",
		    d->p.problem != NULL ? d->p.problem : "parse error");
	d->have_ev = true;
	return 0;
}

static int
expect(struct dec *d, yaml_event_type_t t, const char *what)
{
	int err = next(d);

	if (err < 0)
		return err;
	if (d->ev.type != t)
		return fail(d, "expected %s", what);
	return 0;
}

/* The current scalar event's bytes, !!binary decoded; -EBADMSG else. */
static int
scalar_bytes(struct dec *d, const char *key, char **out, size_t *len)
{
	const char *v = (const char *)d->ev.data.scalar.value;
	size_t n = d->ev.data.scalar.length;
	const char *tag = (const char *)d->ev.data.scalar.tag;

	if (d->ev.type != YAML_SCALAR_EVENT)
		return fail(d, "'%s' is not a scalar", key);
	if (tag != NULL && strcmp(tag, YAML_BINARY_TAG) == 0) {
		if (base64_decode(v, n, out, len) < 0)
			return fail(d, "'%s' is not valid base64", key);
		return 0;
	}
	if (tag != NULL && strcmp(tag, "!") != 0)
		return fail(d, "'%s' has an unexpected tag", key);
	*out = xmalloc(n + 1);
	memcpy(*out, v, n);
	(*out)[n] = '\0';
	*len = n;
	return 0;
}

/* A string value (no NUL inside). */
static int
get_string(struct dec *d, const char *key, char **out)
{
	size_t len;
	char *s;
	int err;

	if (*out != NULL)
		return fail(d, "'%s' given twice", key);
	err = scalar_bytes(d, key, &s, &len);
	if (err < 0)
		return err;
	if (memchr(s, '\0', len) != NULL) {
		free(s);
		return fail(d, "'%s' holds a NUL byte", key);
	}
	*out = s;
	return 0;
}

/* An unsigned decimal (octal with base 8) up to max. */
static int
get_ulong(struct dec *d, const char *key, int base, unsigned long max,
    unsigned long *out)
{
	const char *v = (const char *)d->ev.data.scalar.value;
	unsigned long x = 0;
	size_t i, n = d->ev.data.scalar.length;

	if (d->ev.type != YAML_SCALAR_EVENT || d->ev.data.scalar.tag != NULL ||
	    n == 0 || n > 20)
		return fail(d, "'%s' is not a number", key);
	for (i = 0; i < n; i++) {
		unsigned dgt = (unsigned char)v[i] - '0';

		if (dgt >= (unsigned)base)
			return fail(d, "'%s' is not a number", key);
		if (x > (max - dgt) / (unsigned)base)
			return fail(d, "'%s' is out of range", key);
		x = x * (unsigned)base + dgt;
	}
	*out = x;
	return 0;
}

/* A decimal int, maybe negative (an exit status or -signal). */
static int
get_int(struct dec *d, const char *key, int *out)
{
	const char *v = (const char *)d->ev.data.scalar.value;
	unsigned long x;
	bool neg = d->ev.type == YAML_SCALAR_EVENT && v[0] == '-';
	int err;

	if (neg) {
		d->ev.data.scalar.value++;
		d->ev.data.scalar.length--;
	}
	err = get_ulong(d, key, 10, (unsigned long)INT_MAX + neg, &x);
	if (neg) {
		d->ev.data.scalar.value--;
		d->ev.data.scalar.length++;
	}
	if (err == 0)
		*out = neg ? (int)(-(long)x) : (int)x;
	return err;
}

static int
get_bool(struct dec *d, const char *key, bool *out)
{
	const char *v = (const char *)d->ev.data.scalar.value;

	if (d->ev.type != YAML_SCALAR_EVENT || d->ev.data.scalar.tag != NULL)
		return fail(d, "'%s' is not true or false", key);
	if (strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0)
		*out = false;
	else
		return fail(d, "'%s' is not true or false", key);
	return 0;
}

/* A flow sequence of strings into a NULL-terminated vector. */
static int
get_strv(struct dec *d, const char *key, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	int err;

	if (*out != NULL)
		return fail(d, "'%s' given twice", key);
	if (d->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail(d, "'%s' is not a list", key);
	for (;;) {
		char *s = NULL;

		err = next(d);
		if (err < 0)
			break;
		if (d->ev.type == YAML_SEQUENCE_END_EVENT) {
			ARRAY_PUSH(v, n, NULL);
			*out = v;
			return 0;
		}
		err = get_string(d, key, &s);
		if (err < 0)
			break;
		ARRAY_PUSH(v, n, s);
	}
	strv_free(v, n);
	return err;
}

static int
get_meta(struct dec *d, struct file_meta *m)
{
	unsigned seen = 0;
	unsigned long x;
	int err;

	if (d->ev.type != YAML_MAPPING_START_EVENT)
		return fail(d, "'meta' is not a mapping");
	for (;;) {
		char key[8];

		if ((err = next(d)) < 0)
			return err;
		if (d->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (d->ev.type != YAML_SCALAR_EVENT ||
		    d->ev.data.scalar.length >= sizeof key)
			return fail(d, "bad key in 'meta'");
		memcpy(
		    key, d->ev.data.scalar.value, d->ev.data.scalar.length + 1);
		if ((err = next(d)) < 0)
			return err;
		if (strcmp(key, "exists") == 0 && !(seen & 1)) {
			err = get_bool(d, "meta.exists", &m->exists);
			seen |= 1;
		} else if (strcmp(key, "mode") == 0 && !(seen & 2)) {
			err = get_ulong(d, "meta.mode", 8, 07777, &x);
			m->mode = (mode_t)x;
			seen |= 2;
		} else if (strcmp(key, "uid") == 0 && !(seen & 4)) {
			err = get_ulong(d, "meta.uid", 10, UINT_MAX, &x);
			m->uid = (uid_t)x;
			seen |= 4;
		} else if (strcmp(key, "gid") == 0 && !(seen & 8)) {
			err = get_ulong(d, "meta.gid", 10, UINT_MAX, &x);
			m->gid = (gid_t)x;
			seen |= 8;
		} else
			return fail(d, "bad key in 'meta'");
		if (err < 0)
			return err;
	}
	if (seen != 15)
		return fail(d, "'meta' is incomplete");
	return 0;
}

enum {
	HAVE_SEQ = 1 << 0,
	HAVE_TYPE = 1 << 1,
	HAVE_META = 1 << 2,
	HAVE_STATUS = 1 << 3,
	HAVE_FORCE = 1 << 4,
	HAVE_CRC = 1 << 5,
	HAVE_DATA = 1 << 6,
};

/* One key and its value into r. */
static int
field(struct dec *d, const char *key, struct jrec *r, unsigned *have)
{
	char *s = NULL;
	int err, t;

#define ONCE(flag)                                               \
	do {                                                     \
		if (*have & (flag))                              \
			return fail(d, "'%s' given twice", key); \
		*have |= (flag);                                 \
	} while (0)

	if (strcmp(key, "seq") == 0) {
		ONCE(HAVE_SEQ);
		err = get_ulong(d, key, 10, ULONG_MAX, &r->seq);
	} else if (strcmp(key, "type") == 0) {
		ONCE(HAVE_TYPE);
		if ((err = get_string(d, key, &s)) < 0)
			return err;
		t = jrec_type_from_name(s);
		free(s);
		if (t < 0)
			return fail(d, "unknown record type");
		r->type = (enum jrec_type)t;
	} else if (strcmp(key, "txid") == 0)
		err = get_string(d, key, &r->txid);
	else if (strcmp(key, "time") == 0)
		err = get_string(d, key, &r->time);
	else if (strcmp(key, "boot_id") == 0)
		err = get_string(d, key, &r->boot_id);
	else if (strcmp(key, "path") == 0)
		err = get_string(d, key, &r->path);
	else if (strcmp(key, "step") == 0)
		err = get_string(d, key, &r->step);
	else if (strcmp(key, "state") == 0)
		err = get_string(d, key, &r->state);
	else if (strcmp(key, "text") == 0)
		err = get_string(d, key, &r->text);
	else if (strcmp(key, "choices") == 0)
		err = get_strv(d, key, &r->choices);
	else if (strcmp(key, "argv") == 0)
		err = get_strv(d, key, &r->argv);
	else if (strcmp(key, "data") == 0) {
		ONCE(HAVE_DATA);
		if (d->ev.type != YAML_SCALAR_EVENT ||
		    d->ev.data.scalar.tag == NULL ||
		    strcmp((const char *)d->ev.data.scalar.tag,
			YAML_BINARY_TAG) != 0)
			return fail(d, "'data' is not !!binary");
		err = scalar_bytes(d, key, &r->data, &r->len);
	} else if (strcmp(key, "meta") == 0) {
		ONCE(HAVE_META);
		err = get_meta(d, &r->meta);
	} else if (strcmp(key, "status") == 0) {
		ONCE(HAVE_STATUS);
		err = get_int(d, key, &r->status);
	} else if (strcmp(key, "force") == 0) {
		ONCE(HAVE_FORCE);
		err = get_bool(d, key, &r->force);
	} else if (strcmp(key, "crc") == 0) {
		ONCE(HAVE_CRC);
		err = 0; /* checked on the text before parsing */
	} else
		return fail(d, "unknown key '%s'", key);
#undef ONCE
	return err;
}

int
jrec_check(const struct jrec *r, char **why)
{
	const char *miss = NULL;

	switch (r->type) {
	case JR_BEGIN:
		miss = !r->txid	     ? "txid"
		       : !r->time    ? "time"
		       : !r->boot_id ? "boot_id"
				     : NULL;
		break;
	case JR_FILE:
		miss = !r->path ? "path" : !r->step ? "step" : NULL;
		break;
	case JR_BACKUP:
	case JR_WRITTEN:
	case JR_RESTORED:
		miss = !r->path ? "path" : NULL;
		break;
	case JR_RUN:
	case JR_RAN:
	case JR_COMMAND:
		miss = (!r->argv || !r->argv[0]) ? "argv" : NULL;
		break;
	case JR_STEP:
	case JR_VERIFY:
		miss = !r->step ? "step" : !r->state ? "state" : NULL;
		break;
	case JR_REBOOT:
		miss = !r->boot_id ? "boot_id" : NULL;
		break;
	case JR_APPLIED:
	case JR_UNDONE:
		miss = !r->time ? "time" : NULL;
		break;
	case JR_UNDO:
		break;
	default:
		*why = xstrdup("unknown record type");
		return -EINVAL;
	}
	if (r->data != NULL && r->type != JR_FILE && r->type != JR_BACKUP) {
		*why = xstrdup("'data' on a record that holds none");
		return -EINVAL;
	}
	if (miss != NULL) {
		*why = xasprintf("missing '%s'", miss);
		return -EINVAL;
	}
	return 0;
}

int
jrec_decode(const char *text, size_t len, struct jrec *r, char **why)
{
	struct dec d;
	unsigned have = 0;
	int err;

	memset(&d, 0, sizeof d);
	memset(r, 0, sizeof *r);
	if (!yaml_parser_initialize(&d.p)) {
		*why = xstrdup("cannot start the yaml parser");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&d.p, (const unsigned char *)text, len);
	if ((err = expect(&d, YAML_STREAM_START_EVENT, "a stream")) < 0 ||
	    (err = expect(&d, YAML_DOCUMENT_START_EVENT, "a document")) < 0 ||
	    (err = expect(&d, YAML_MAPPING_START_EVENT, "a mapping")) < 0)
		goto out;
	for (;;) {
		char *key;

		if ((err = next(&d)) < 0)
			goto out;
		if (d.ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (d.ev.type != YAML_SCALAR_EVENT ||
		    d.ev.data.scalar.tag != NULL ||
		    strlen((const char *)d.ev.data.scalar.value) !=
			d.ev.data.scalar.length) {
			err = fail(&d, "bad key");
			goto out;
		}
		key = xstrdup((const char *)d.ev.data.scalar.value);
		if ((err = next(&d)) == 0)
			err = field(&d, key, r, &have);
		free(key);
		if (err < 0)
			goto out;
	}
	if ((err = expect(&d, YAML_DOCUMENT_END_EVENT, "the document end")) <
		0 ||
	    (err = expect(&d, YAML_STREAM_END_EVENT, "one document")) < 0)
		goto out;
	if (!(have & HAVE_SEQ) || !(have & HAVE_TYPE) || !(have & HAVE_CRC))
		err = fail(&d, "missing '%s'",
		    !(have & HAVE_SEQ)	  ? "seq"
		    : !(have & HAVE_TYPE) ? "type"
					  : "crc");
	else if ((r->type == JR_FILE || r->type == JR_BACKUP) &&
		 !(have & HAVE_META))
		err = fail(&d, "missing 'meta'");
	else if (r->type == JR_RAN && !(have & HAVE_STATUS))
		err = fail(&d, "missing 'status'");
	else if (r->type == JR_UNDO && !(have & HAVE_FORCE))
		err = fail(&d, "missing 'force'");
	else if (jrec_check(r, &d.why) < 0)
		err = -EBADMSG;
out:
	if (d.have_ev)
		yaml_event_delete(&d.ev);
	yaml_parser_delete(&d.p);
	if (err < 0) {
		*why = d.why != NULL ? d.why : xstrdup("bad record");
		jrec_free(r);
		memset(r, 0, sizeof *r);
		return -EBADMSG;
	}
	free(d.why);
	return 0;
}
