/*
 * journal_parse.c: the journal's bytes into records. The text is cut into
 * records at their end markers (a line "..."), each is checked against its
 * CRC line and decoded (journal_decode.c), and the sequence numbers must
 * run 1, 2, 3... Damage with only damage after it is a torn tail (a crash
 * mid-append): dropped and reported. Damage followed by a good record, or
 * a sequence gap or repeat, makes the journal unusable: -EBADMSG.
 */
#include "journal_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const char *s, size_t len, char **out, size_t *outlen)
{
	char *buf;
	size_t i, o = 0;

	if (len % 4 != 0)
		return -EINVAL;
	buf = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		int v[4], k;
		bool last = i + 4 == len;

		for (k = 0; k < 4; k++) {
			v[k] = b64_value((unsigned char)s[i + k]);
			if (v[k] < 0 &&
			    !(last && s[i + k] == '=' &&
				(k == 3 || (k == 2 && s[i + 3] == '='))))
				goto bad;
		}
		buf[o++] = (char)(v[0] << 2 | v[1] >> 4);
		if (v[2] >= 0)
			buf[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		else if (v[1] & 15)
			goto bad; /* non-canonical padding bits */
		if (v[3] >= 0)
			buf[o++] = (char)((v[2] & 3) << 6 | v[3]);
		else if (v[2] >= 0 && (v[2] & 3))
			goto bad;
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return 0;
bad:
	free(buf);
	return -EINVAL;
}

void
jrec_free(struct jrec *r)
{
	if (r == NULL)
		return;
	free(r->txid);
	free(r->time);
	free(r->boot_id);
	strv_free(r->choices, (size_t)-1);
	free(r->path);
	free(r->data);
	free(r->step);
	free(r->state);
	strv_free(r->argv, (size_t)-1);
	free(r->text);
	memset(r, 0, sizeof *r);
}

void
jrec_free_all(struct jrec *recs, size_t n)
{
	size_t i;

	if (recs == NULL)
		return;
	for (i = 0; i < n; i++)
		jrec_free(&recs[i]);
	free(recs);
}

/* The end of the record starting at pos: just past its "...\n" line. */
static size_t
record_end(const char *buf, size_t len, size_t pos, bool *terminated)
{
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t eol = nl != NULL ? (size_t)(nl - buf) : len;

		if (nl != NULL && eol - pos == 3 &&
		    memcmp(buf + pos, "...", 3) == 0) {
			*terminated = true;
			return eol + 1;
		}
		pos = nl != NULL ? eol + 1 : len;
	}
	*terminated = false;
	return len;
}

#define CRC_LINE_LEN 14 /* "crc: xxxxxxxx\n" */
#define END_LINE_LEN 4	/* "...\n" */

/* Check a cut-out record's CRC line against its text; 0 or *why. */
static int
check_crc(const char *rec, size_t len, char **why)
{
	const char *line;
	unsigned long want = 0, got;
	size_t body, i;

	if (len < CRC_LINE_LEN + END_LINE_LEN + 1) {
		*why = xstrdup("too short");
		return -EBADMSG;
	}
	body = len - CRC_LINE_LEN - END_LINE_LEN;
	line = rec + body;
	if (rec[body - 1] != '\n' || memcmp(line, "crc: ", 5) != 0 ||
	    line[CRC_LINE_LEN - 1] != '\n') {
		*why = xstrdup("no crc line");
		return -EBADMSG;
	}
	for (i = 5; i < 13; i++) {
		char c = line[i];
		unsigned v;

		if (c >= '0' && c <= '9')
			v = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned)(c - 'a' + 10);
		else {
			*why = xstrdup("bad crc line");
			return -EBADMSG;
		}
		want = want << 4 | v;
	}
	got = crc32_z(0L, (const Bytef *)rec, body) & 0xffffffffUL;
	if (got != want) {
		*why = xasprintf(
		    "crc mismatch (%08lx, expected %08lx)", got, want);
		return -EBADMSG;
	}
	return 0;
}

int
journal_parse_valid(const char *buf, size_t len, struct jrec **recs, size_t *n,
    enum journal_tail *tail, size_t *valid, char **cause)
{
	struct jrec *v = NULL;
	size_t nv = 0, pos = 0, good_end = 0, bad_off = 0;
	char *bad_why = NULL, *msg = NULL;
	int err = 0;

	while (pos < len) {
		struct jrec r;
		bool terminated;
		size_t end = record_end(buf, len, pos, &terminated);
		char *why = NULL;

		if (!terminated)
			why = xstrdup("cut off");
		else if (check_crc(buf + pos, end - pos, &why) == 0)
			jrec_decode(buf + pos, end - pos, &r, &why);
		if (why != NULL) {
			if (bad_why == NULL) {
				bad_why = why;
				bad_off = pos;
			} else
				free(why);
			pos = end;
			continue;
		}
		if (bad_why != NULL) {
			msg = xasprintf("journal record %zu at byte %zu is "
					"damaged (%s) and later records "
					"follow",
			    nv + 1, bad_off, bad_why);
			jrec_free(&r);
			err = -EBADMSG;
			goto out;
		}
		if (r.seq != nv + 1) {
			msg = xasprintf("journal record %zu at byte %zu has "
					"sequence number %lu",
			    nv + 1, pos, r.seq);
			jrec_free(&r);
			err = -EBADMSG;
			goto out;
		}
		ARRAY_PUSH(v, nv, r);
		pos = good_end = end;
	}
out:
	free(bad_why);
	if (cause != NULL)
		*cause = msg;
	else
		free(msg);
	if (err < 0) {
		jrec_free_all(v, nv);
		return err;
	}
	*recs = v;
	*n = nv;
	*tail = good_end < len ? JOURNAL_TORN : JOURNAL_CLEAN;
	if (valid != NULL)
		*valid = good_end;
	return 0;
}

int
journal_parse(const char *buf, size_t len, struct jrec **recs, size_t *n,
    enum journal_tail *tail, char **cause)
{
	return journal_parse_valid(buf, len, recs, n, tail, NULL, cause);
}
