/*
 * journal_fx.h: what the journal tests share: a fixture root per test,
 * one record of every type (make_records), comparison and parse helpers.
 * Included by test_journal.c and test_journal_file.c only.
 */
#ifndef VW_JOURNAL_FX_H
#define VW_JOURNAL_FX_H

#include "vfio-wizard/journal.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JPATH "/var/lib/vfio-wizard/journal.yaml"
#define NREC (JR__COUNT + 8) /* room for make_records() */

struct fx {
	char *dir;
	struct root *r;
};

static inline int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = fx_mkroot();
	assert_int_equal(root_open(f->dir, &f->r), 0);
	*state = f;
	return 0;
}

static inline int
teardown(void **state)
{
	struct fx *f = *state;

	fsio_set_ops(NULL);
	root_free(f->r);
	fx_rmroot(f->dir);
	free(f);
	return 0;
}

static inline char *
fxp(const struct fx *f, const char *path)
{
	return xasprintf("%s%s", f->dir, path);
}

static char bin[] __attribute__((unused)) =
    "\0\x01\xff\xfe\x80 \n...\n---\n\"crc: 0\0";

/* One record of every type, with awkward bytes where bytes may go. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"
static inline size_t
make_records(struct jrec *v)
{
	static char *choices[] = {"device=0000:00:02.0", "mode=legacy",
	    "vm=100", "k\xc3\xa4y=\xe2\x9c\x93", NULL};
	static char *argv1[] = {"update-grub", NULL};
	static char *argv2[] = {
	    "update-initramfs", "-u", "-k", "all", "\xff\xfe bad utf-8", NULL};
	size_t n = 0;

	memset(v, 0, sizeof *v * NREC);
	v[n].type = JR_BEGIN;
	v[n].txid = "20240101T000000Z-1234";
	v[n].time = "2024-01-01T00:00:00Z";
	v[n].boot_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
	v[n++].choices = choices;
	v[n].type = JR_FILE;
	v[n].path = "/etc/default/grub";
	v[n].data = bin;
	v[n].len = sizeof bin;
	v[n].meta.mode = 0644;
	v[n++].step = "cmdline";
	v[n].type = JR_BACKUP;
	v[n].path = "/etc/default/grub";
	v[n].data = "GRUB_DEFAULT=0\n\xc0\xaf";
	v[n].len = 17;
	v[n].meta = (struct file_meta){true, 0640, 0, 4};
	n++;
	v[n].type = JR_WRITTEN;
	v[n++].path = "/etc/default/grub";
	v[n].type = JR_RUN;
	v[n++].argv = argv1;
	v[n].type = JR_RAN;
	v[n].argv = argv2;
	v[n].status = -9;
	v[n++].text =
	    "Generating grub configuration file ...\n\xff\x01\ndone\n";
	v[n].type = JR_STEP;
	v[n].step = "modules";
	v[n++].state = "done";
	v[n].type = JR_VERIFY;
	v[n].step = "devices";
	v[n].state = "fail";
	v[n++].text = "'0000:00:02.0' is bound to 'i915'";
	v[n].type = JR_REBOOT;
	v[n++].boot_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
	v[n].type = JR_APPLIED;
	v[n++].time = "2024-01-01T00:00:05Z";
	v[n].type = JR_UNDO;
	v[n++].force = true;
	v[n].type = JR_RESTORED;
	v[n++].path = "/etc/modules";
	v[n].type = JR_FILE; /* a removal: no data */
	v[n].path = "/etc/modprobe.d/vfio.conf";
	v[n++].step = "modules";
	v[n].type = JR_BACKUP; /* absent before, empty data */
	v[n].path = "/etc/modprobe.d/vfio.conf";
	v[n].data = "";
	v[n++].len = 0;
	v[n].type = JR_COMMAND;
	v[n].argv = argv1;
	v[n++].step = "cmdline";
	v[n].type = JR_UNDONE;
	v[n++].time = "2024-01-01T00:01:00Z";
	return n;
}
#pragma GCC diagnostic pop

static inline void
assert_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static inline void
assert_strv_eq(char **a, char **b)
{
	if (a == NULL || b == NULL) {
		assert_ptr_equal(a, b);
		return;
	}
	for (; *a != NULL && *b != NULL; a++, b++)
		assert_string_equal(*a, *b);
	assert_ptr_equal(*a, *b);
}

static inline void
assert_rec_eq(const struct jrec *a, const struct jrec *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->seq, b->seq);
	assert_str_eq(a->txid, b->txid);
	assert_str_eq(a->time, b->time);
	assert_str_eq(a->boot_id, b->boot_id);
	assert_strv_eq(a->choices, b->choices);
	assert_str_eq(a->path, b->path);
	if (a->data == NULL || b->data == NULL)
		assert_ptr_equal(a->data, b->data);
	else {
		assert_int_equal(a->len, b->len);
		assert_memory_equal(a->data, b->data, a->len);
	}
	assert_int_equal(a->meta.exists, b->meta.exists);
	assert_int_equal(a->meta.mode, b->meta.mode);
	assert_int_equal(a->meta.uid, b->meta.uid);
	assert_int_equal(a->meta.gid, b->meta.gid);
	assert_str_eq(a->step, b->step);
	assert_str_eq(a->state, b->state);
	assert_strv_eq(a->argv, b->argv);
	assert_int_equal(a->status, b->status);
	assert_str_eq(a->text, b->text);
	assert_int_equal(a->force, b->force);
}

/* Append every record to a new journal; returns the count. */
static inline size_t
write_all(struct fx *f, struct jrec *v)
{
	struct journal *j;
	char *cause = NULL;
	size_t i, n = make_records(v);

	assert_int_equal(journal_open(f->r, &j, &cause), 0);
	for (i = 0; i < n; i++) {
		int err = journal_append(j, &v[i], &cause);

		if (err < 0)
			print_error("record %zu: %s\n", i, cause);
		assert_int_equal(err, 0);
		assert_int_equal(v[i].seq, i + 1);
	}
	journal_close(j);
	return n;
}

static inline char *
read_bytes(struct fx *f, size_t *len)
{
	char *buf;

	assert_int_equal(root_read(f->r, JPATH, &buf, len), 0);
	return buf;
}

/* The offset where the last record starts. */
static inline size_t
last_start(const char *buf, size_t len)
{
	size_t i;

	assert_true(len >= 4);
	for (i = len - 5; i > 0; i--)
		if (memcmp(buf + i - 1, "\n...\n", 5) == 0)
			return i + 4;
	return 0;
}

/* The start of record k (1-based). */
static inline size_t
record_start(const char *buf, size_t len, size_t k)
{
	size_t i, seen = 1;

	if (k == 1)
		return 0;
	for (i = 0; i + 4 <= len; i++)
		if (memcmp(buf + i, "...\n", 4) == 0 &&
		    (i == 0 || buf[i - 1] == '\n') && ++seen == k)
			return i + 4;
	fail();
	return 0;
}

/* Parse and expect rc, tail and the first n records of v. */
static inline void
expect_parse(const char *buf, size_t len, int rc, enum journal_tail want,
    const struct jrec *v, size_t nv)
{
	struct jrec *recs = NULL;
	enum journal_tail tail;
	size_t n = 0, i;
	char *cause = NULL;
	int err = journal_parse(buf, len, &recs, &n, &tail, &cause);

	if (err != rc)
		print_error("len %zu: rc %d, cause %s\n", len, err,
		    cause ? cause : "(null)");
	assert_int_equal(err, rc);
	if (rc == 0) {
		assert_int_equal(tail, want);
		assert_int_equal(n, nv);
		for (i = 0; i < n; i++)
			assert_rec_eq(&recs[i], &v[i]);
		assert_null(cause);
		jrec_free_all(recs, n);
	} else
		assert_non_null(cause);
	free(cause);
}

#endif
