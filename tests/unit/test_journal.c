/*
 * test_journal.c: the journal's text: every record type round-trips
 * (binary, NUL and non-UTF-8 bytes, huge fields); a last record cut at any
 * byte or with any byte changed is dropped as torn and never acted on;
 * damage before the last, or a sequence gap or repeat, is refused.
 * (test_journal_file.c: the file itself.)
 */
#include "journal_fx.h"

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	struct jrec v[NREC], *recs;
	enum journal_tail tail;
	size_t n = write_all(f, v), got, i;
	char *cause = NULL;

	assert_int_equal(journal_read(f->r, &recs, &got, &tail, &cause), 0);
	assert_null(cause);
	assert_int_equal(tail, JOURNAL_CLEAN);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++)
		assert_rec_eq(&recs[i], &v[i]);
	jrec_free_all(recs, got);
	for (i = 0; i < JR__COUNT; i++)
		assert_string_not_equal(
		    jrec_type_name((enum jrec_type)i), "unknown");
}

static void
test_truncated_every_offset(void **state)
{
	struct fx *f = *state;
	struct jrec v[NREC];
	size_t n = write_all(f, v), len, start, cut;
	char *buf = read_bytes(f, &len);

	start = last_start(buf, len);
	assert_true(start > 0 && start < len);
	for (cut = start; cut <= len; cut++) {
		/* a private copy: a read past the end is an ASan error */
		char *copy = xmalloc(cut + 1);

		memcpy(copy, buf, cut);
		if (cut == len)
			expect_parse(copy, cut, 0, JOURNAL_CLEAN, v, n);
		else if (cut == start)
			expect_parse(copy, cut, 0, JOURNAL_CLEAN, v, n - 1);
		else
			expect_parse(copy, cut, 0, JOURNAL_TORN, v, n - 1);
		free(copy);
	}
	/* and every record boundary before it reads clean */
	for (cut = 1; cut < n; cut++)
		expect_parse(buf, record_start(buf, len, cut + 1), 0,
		    JOURNAL_CLEAN, v, cut);
	free(buf);
}

static void
test_last_record_every_byte_changed(void **state)
{
	static const int values[] = {
	    -1, 0, '\n', '.', '-', ' ', '0', 'a', '"', ':', 0x80};
	struct fx *f = *state;
	struct jrec v[NREC];
	size_t n = write_all(f, v), len, start, i, k, tried = 0;
	char *buf = read_bytes(f, &len);

	start = last_start(buf, len);
	for (i = start; i < len; i++) {
		char old = buf[i];

		for (k = 0; k < nitems(values); k++) {
			char now = values[k] < 0 ? (char)(old ^ 0xff)
						 : (char)values[k];

			if (now == old)
				continue;
			buf[i] = now;
			expect_parse(buf, len, 0, JOURNAL_TORN, v, n - 1);
			tried++;
		}
		buf[i] = old;
	}
	assert_true(tried > (len - start) * 8);
	expect_parse(buf, len, 0, JOURNAL_CLEAN, v, n);
	free(buf);
}

static void
test_earlier_damage_refused(void **state)
{
	struct fx *f = *state;
	struct jrec v[NREC];
	size_t len, from, to, i, k;
	char *buf;

	write_all(f, v);
	buf = read_bytes(f, &len);
	for (k = 1; k <= 3; k++) {
		from = record_start(buf, len, k);
		to = record_start(buf, len, k + 1);
		for (i = from; i < to; i++) {
			struct jrec *recs;
			enum journal_tail tail;
			size_t n;
			char *cause = NULL, want[32];

			buf[i] ^= 0xff;
			assert_int_equal(
			    journal_parse(buf, len, &recs, &n, &tail, &cause),
			    -EBADMSG);
			snprintf(want, sizeof want, "journal record %zu ", k);
			assert_non_null(strstr(cause, want));
			free(cause);
			buf[i] ^= 0xff;
		}
	}
	free(buf);
}

static void
test_sequence_gaps(void **state)
{
	struct fx *f = *state;
	struct jrec v[NREC], *recs;
	enum journal_tail tail;
	size_t len, a, b, c, n;
	char *buf, *cat, *cause = NULL;

	write_all(f, v);
	buf = read_bytes(f, &len);
	a = record_start(buf, len, 2);
	b = record_start(buf, len, 3);
	c = record_start(buf, len, 4);
	/* record 1 twice */
	cat = xmalloc(2 * a);
	memcpy(cat, buf, a);
	memcpy(cat + a, buf, a);
	assert_int_equal(
	    journal_parse(cat, 2 * a, &recs, &n, &tail, &cause), -EBADMSG);
	assert_non_null(strstr(cause, "sequence number 1"));
	free(cause);
	free(cat);
	/* 1 then 3: record 2 missing */
	cat = xmalloc(a + c - b);
	memcpy(cat, buf, a);
	memcpy(cat + a, buf + b, c - b);
	assert_int_equal(
	    journal_parse(cat, a + c - b, &recs, &n, &tail, &cause), -EBADMSG);
	assert_non_null(strstr(cause, "sequence number 3"));
	free(cause);
	free(cat);
	/* starting at 2 */
	assert_int_equal(
	    journal_parse(buf + a, b - a, &recs, &n, &tail, &cause), -EBADMSG);
	free(cause);
	free(buf);
}

static void
test_empty_and_garbage(void **state)
{
	static const char *garbage[] = {"x", "\n", "---\n...\n",
	    "--- !!binary \"AAAA\"\ncrc: 00000000\n...\n", "...\n...\n",
	    "---\nseq: 1\ntype: begin\ncrc: 00000000\n...\n",
	    "\xff\xfe\x00\x01", "---\n- [a\n", "---\nseq: &a 1\n"};
	struct fx *f = *state;
	struct jrec *recs;
	enum journal_tail tail;
	size_t n, i;
	char *cause = NULL;

	assert_int_equal(journal_read(f->r, &recs, &n, &tail, &cause), -ENOENT);
	fx_write(f->dir, JPATH, "%s", "");
	assert_int_equal(journal_read(f->r, &recs, &n, &tail, &cause), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tail, JOURNAL_CLEAN);
	assert_null(cause);
	jrec_free_all(recs, n);
	for (i = 0; i < nitems(garbage); i++)
		expect_parse(garbage[i], strlen(garbage[i]) + (i == 6 ? 2 : 0),
		    0, JOURNAL_TORN, NULL, 0);
	expect_parse(NULL, 0, 0, JOURNAL_CLEAN, NULL, 0);
}

static void
test_huge_fields(void **state)
{
	struct fx *f = *state;
	struct journal *j;
	struct jrec r, *recs;
	enum journal_tail tail;
	size_t i, n, big = 4u << 20;
	char *cause = NULL, **argv = xcalloc(2001, sizeof *argv);

	memset(&r, 0, sizeof r);
	r.type = JR_FILE;
	r.path = xstrdup("/etc/modules");
	r.step = xstrdup("modules");
	r.data = xmalloc(big);
	r.len = big;
	for (i = 0; i < big; i++)
		r.data[i] = (char)(i * 2654435761u >> 13);
	assert_int_equal(journal_open(f->r, &j, &cause), 0);
	assert_int_equal(journal_append(j, &r, &cause), 0);
	jrec_free(&r);
	r.type = JR_RAN;
	for (i = 0; i < 2000; i++)
		argv[i] = xasprintf("arg-%zu-\xe2\x9c\x93", i);
	r.argv = argv;
	r.text = xmalloc(big + 1);
	memset(r.text, 'x', big);
	r.text[big] = '\0';
	assert_int_equal(journal_append(j, &r, &cause), 0);
	journal_close(j);
	assert_int_equal(journal_read(f->r, &recs, &n, &tail, &cause), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tail, JOURNAL_CLEAN);
	assert_int_equal(recs[0].len, big);
	assert_int_equal((unsigned char)recs[0].data[big - 1],
	    (unsigned char)(char)((big - 1) * 2654435761u >> 13));
	assert_string_equal(recs[1].argv[1999], argv[1999]);
	assert_null(recs[1].argv[2000]);
	assert_string_equal(recs[1].text, r.text);
	jrec_free_all(recs, n);
	strv_free(argv, 2000);
	free(r.text);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_round_trip),
	    T(test_truncated_every_offset),
	    T(test_last_record_every_byte_changed),
	    T(test_earlier_damage_refused),
	    T(test_sequence_gaps),
	    T(test_empty_and_garbage),
	    T(test_huge_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
