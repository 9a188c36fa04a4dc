/*
 * journal_emit.c: one journal record as YAML text, written with libyaml's
 * emitter (format in journal_priv.h), sealed with its CRC-32.
 */
#include "journal_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include <zlib.h>

static const char *const type_names[JR__COUNT] = {
    [JR_BEGIN] = "begin",
    [JR_FILE] = "file",
    [JR_BACKUP] = "backup",
    [JR_WRITTEN] = "written",
    [JR_RUN] = "run",
    [JR_RAN] = "ran",
    [JR_STEP] = "step",
    [JR_VERIFY] = "verify",
    [JR_REBOOT] = "reboot",
    [JR_APPLIED] = "applied",
    [JR_UNDO] = "undo",
    [JR_RESTORED] = "restored",
    [JR_UNDONE] = "undone",
    [JR_COMMAND] = "command",
};

const char *
jrec_type_name(enum jrec_type t)
{
	if ((unsigned)t >= JR__COUNT)
		return "unknown";
	return type_names[t];
}

int
jrec_type_from_name(const char *s)
{
	int i;

	for (i = 0; i < JR__COUNT; i++)
		if (strcmp(s, type_names[i]) == 0)
			return i;
	return -1;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
base64_encode(struct strbuf *sb, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	sb_grow(sb, (len + 2) / 3 * 4);
	for (i = 0; i + 3 <= len; i += 3) {
		unsigned v =
		    (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		sb_addc(sb, b64[v >> 18 & 63]);
		sb_addc(sb, b64[v >> 12 & 63]);
		sb_addc(sb, b64[v >> 6 & 63]);
		sb_addc(sb, b64[v & 63]);
	}
	if (len - i == 1) {
		unsigned v = (unsigned)p[i] << 16;

		sb_addc(sb, b64[v >> 18 & 63]);
		sb_addc(sb, b64[v >> 12 & 63]);
		sb_adds(sb, "==");
	} else if (len - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;

		sb_addc(sb, b64[v >> 18 & 63]);
		sb_addc(sb, b64[v >> 12 & 63]);
		sb_addc(sb, b64[v >> 6 & 63]);
		sb_addc(sb, '=');
	}
}

/* True when s is strict UTF-8 (no overlongs, surrogates or NUL). */
static bool
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		unsigned c = *p, cp, need, i;

		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3;
			cp = c & 0x07;
		} else
			return false;
		for (i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += need + 1;
	}
	return true;
}

struct emit {
	yaml_emitter_t em;
	yaml_event_t ev;
	bool failed;
};

static int
write_handler(void *data, unsigned char *buf, size_t size)
{
	sb_add(data, buf, size);
	return 1;
}

/* Emit the event prepared in e->ev (a failed init counts as a failure). */
static void
emit(struct emit *e, int init_ok)
{
	if (e->failed)
		return;
	if (!init_ok || !yaml_emitter_emit(&e->em, &e->ev))
		e->failed = true;
}

static void
scalar(struct emit *e, const char *tag, const char *v, size_t len,
    yaml_scalar_style_t style)
{
	bool implicit = tag == NULL;

	emit(e,
	    yaml_scalar_event_initialize(&e->ev, NULL, (yaml_char_t *)tag,
		(const yaml_char_t *)v, (int)len, implicit, implicit, style));
}

static void
plain(struct emit *e, const char *v)
{
	scalar(e, NULL, v, strlen(v), YAML_PLAIN_SCALAR_STYLE);
}

static void plainf(struct emit *e, const char *fmt, ...) VW_PRINTF(2, 3);

static void
plainf(struct emit *e, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	plain(e, s);
	free(s);
}

static void
binary(struct emit *e, const void *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	base64_encode(&sb, data, len);
	scalar(e, YAML_BINARY_TAG, sb_str(&sb), sb.len,
	    YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	sb_release(&sb);
}

/* A string: double-quoted when it is UTF-8, else its bytes as !!binary. */
static void
string(struct emit *e, const char *s)
{
	if (utf8_valid(s))
		scalar(e, NULL, s, strlen(s), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	else
		binary(e, s, strlen(s));
}

static void
key_string(struct emit *e, const char *key, const char *s)
{
	if (s == NULL)
		return;
	plain(e, key);
	string(e, s);
}

static void
key_strv(struct emit *e, const char *key, char *const *v)
{
	if (v == NULL)
		return;
	plain(e, key);
	emit(e, yaml_sequence_start_event_initialize(
		    &e->ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE));
	for (; *v != NULL; v++)
		string(e, *v);
	emit(e, yaml_sequence_end_event_initialize(&e->ev));
}

static void
key_meta(struct emit *e, const struct file_meta *m)
{
	plain(e, "meta");
	emit(e, yaml_mapping_start_event_initialize(
		    &e->ev, NULL, NULL, 1, YAML_FLOW_MAPPING_STYLE));
	plain(e, "exists");
	plain(e, m->exists ? "true" : "false");
	plain(e, "mode");
	plainf(e, "%04o", (unsigned)(m->mode & 07777));
	plain(e, "uid");
	plainf(e, "%lu", (unsigned long)m->uid);
	plain(e, "gid");
	plainf(e, "%lu", (unsigned long)m->gid);
	emit(e, yaml_mapping_end_event_initialize(&e->ev));
}

/* The fields of a record, in a fixed order. */
static void
emit_fields(struct emit *e, const struct jrec *r)
{
	plain(e, "seq");
	plainf(e, "%lu", r->seq);
	plain(e, "type");
	plain(e, jrec_type_name(r->type));
	key_string(e, "txid", r->txid);
	key_string(e, "time", r->time);
	key_string(e, "boot_id", r->boot_id);
	key_strv(e, "choices", r->choices);
	key_string(e, "path", r->path);
	if (r->data != NULL) {
		plain(e, "data");
		binary(e, r->data, r->len);
	}
	if (r->type == JR_FILE || r->type == JR_BACKUP)
		key_meta(e, &r->meta);
	key_string(e, "step", r->step);
	key_string(e, "state", r->state);
	key_strv(e, "argv", r->argv);
	if (r->type == JR_RAN) {
		plain(e, "status");
		plainf(e, "%d", r->status);
	}
	key_string(e, "text", r->text);
	if (r->type == JR_UNDO) {
		plain(e, "force");
		plain(e, r->force ? "true" : "false");
	}
}

#define CRC_TAIL "crc: 00000000\n...\n"

int
jrec_format(const struct jrec *r, struct strbuf *out, char **cause)
{
	struct emit e;
	struct strbuf sb = STRBUF_INIT;
	char *why = NULL, hex[9];
	size_t body;
	int err = 0;

	if (jrec_check(r, &why) < 0) {
		*cause = xasprintf("journal record %lu (%s): %s", r->seq,
		    jrec_type_name(r->type), why);
		free(why);
		return -EINVAL;
	}
	memset(&e, 0, sizeof e);
	if (!yaml_emitter_initialize(&e.em)) {
		*cause = xstrdup("cannot start the yaml emitter");
		return -ENOMEM;
	}
	yaml_emitter_set_output(&e.em, write_handler, &sb);
	yaml_emitter_set_width(&e.em, -1);
	yaml_emitter_set_unicode(&e.em, 0);
	emit(&e, yaml_stream_start_event_initialize(&e.ev, YAML_UTF8_ENCODING));
	emit(&e,
	    yaml_document_start_event_initialize(&e.ev, NULL, NULL, NULL, 0));
	emit(&e, yaml_mapping_start_event_initialize(
		     &e.ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
	emit_fields(&e, r);
	plain(&e, "crc");
	plain(&e, "00000000");
	emit(&e, yaml_mapping_end_event_initialize(&e.ev));
	emit(&e, yaml_document_end_event_initialize(&e.ev, 0));
	emit(&e, yaml_stream_end_event_initialize(&e.ev));
	if (!e.failed && !yaml_emitter_flush(&e.em))
		e.failed = true;
	if (e.failed) {
		*cause = xasprintf("journal record %lu (%s): yaml emitter: %s",
		    r->seq, jrec_type_name(r->type),
		    e.em.problem != NULL ? e.em.problem : "failed");
		err = -EINVAL;
	} else if (sb.len < sizeof CRC_TAIL - 1 ||
		   memcmp(sb.buf + sb.len - (sizeof CRC_TAIL - 1), CRC_TAIL,
		       sizeof CRC_TAIL - 1) != 0 ||
		   (sb.len > sizeof CRC_TAIL - 1 &&
		       sb.buf[sb.len - sizeof CRC_TAIL] != '\n')) {
		*cause = xasprintf("journal record %lu (%s): unexpected "
				   "emitter output",
		    r->seq, jrec_type_name(r->type));
		err = -EINVAL;
	} else {
		body = sb.len - (sizeof CRC_TAIL - 1);
		snprintf(hex, sizeof hex, "%08lx",
		    crc32_z(0L, (const Bytef *)sb.buf, body) & 0xffffffffUL);
		memcpy(sb.buf + body + 5, hex, 8);
		sb_add(out, sb.buf, sb.len);
	}
	yaml_emitter_delete(&e.em);
	sb_release(&sb);
	return err;
}
