/*
 * test_journal_file.c: the journal file: numbering carries on across
 * opens, a torn tail is cut off before new records, failed writes and
 * fsyncs (fault injection through fsio ops) leave it readable without the
 * record and unused further; modes, symlinks refused, archive, and the
 * crash hook (VFIO_WIZARD_TEST_CRASH_AT/_LOG).
 */
#include "journal_fx.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_reopen_continues(void **state)
{
	struct fx *f = *state;
	struct journal *j;
	struct jrec v[NREC], *recs;
	enum journal_tail tail;
	struct stat st;
	size_t n = write_all(f, v), got;
	char *cause = NULL, *p;

	assert_int_equal(journal_open(f->r, &j, &cause), 0);
	assert_int_equal(journal_append(j, &v[3], &cause), 0);
	assert_int_equal(v[3].seq, n + 1);
	journal_close(j);
	assert_int_equal(journal_read(f->r, &recs, &got, &tail, &cause), 0);
	assert_int_equal(got, n + 1);
	assert_int_equal(tail, JOURNAL_CLEAN);
	jrec_free_all(recs, got);
	p = fxp(f, JPATH);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(p);
	p = fxp(f, "/var/lib/vfio-wizard");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	free(p);
	/* a record missing its fields is refused before anything is written */
	{
		struct jrec bad;

		memset(&bad, 0, sizeof bad);
		bad.type = JR_WRITTEN;

		assert_int_equal(journal_open(f->r, &j, &cause), 0);
		assert_int_equal(journal_append(j, &bad, &cause), -EINVAL);
		assert_non_null(strstr(cause, "missing 'path'"));
		free(cause);
		cause = NULL;
		assert_int_equal(journal_append(j, &v[3], &cause), 0);
		assert_int_equal(v[3].seq, n + 2);
		journal_close(j);
	}
}

static void
test_torn_tail_dropped_on_open(void **state)
{
	struct fx *f = *state;
	struct journal *j;
	struct jrec v[NREC], *recs;
	enum journal_tail tail;
	size_t n = write_all(f, v), len, got;
	char *buf = read_bytes(f, &len), *cause = NULL;

	/* a crash in the middle of the last append */
	fx_write_bytes(f->dir, JPATH, buf, len - 7);
	assert_int_equal(journal_read(f->r, &recs, &got, &tail, &cause), 0);
	assert_int_equal(got, n - 1);
	assert_int_equal(tail, JOURNAL_TORN);
	jrec_free_all(recs, got);
	assert_int_equal(journal_open(f->r, &j, &cause), 0);
	assert_int_equal(journal_append(j, &v[3], &cause), 0);
	assert_int_equal(v[3].seq, n);
	journal_close(j);
	assert_int_equal(journal_read(f->r, &recs, &got, &tail, &cause), 0);
	assert_int_equal(got, n);
	assert_int_equal(tail, JOURNAL_CLEAN);
	assert_rec_eq(&recs[n - 1], &v[3]);
	jrec_free_all(recs, got);
	/* damage before the last: refused, and nothing appended */
	buf[10] ^= 0xff;
	fx_write_bytes(f->dir, JPATH, buf, len);
	assert_int_equal(journal_open(f->r, &j, &cause), -EBADMSG);
	assert_non_null(strstr(cause, "journal record 1 "));
	free(cause);
	free(buf);
}

/* Fault injection: the n-th write or fsync of the journal fails. */
static int fail_write_at, fail_fsync_at, writes, fsyncs, fail_errno;
static bool short_write;

static ssize_t
bad_write(int fd, const void *buf, size_t len)
{
	if (++writes == fail_write_at) {
		if (short_write && len > 1) {
			short_write = false;
			writes--; /* the rest fails next time */
			return write(fd, buf, len / 2);
		}
		errno = fail_errno;
		return -1;
	}
	return write(fd, buf, len);
}

static int
bad_fsync(int fd)
{
	if (++fsyncs == fail_fsync_at) {
		errno = fail_errno;
		return -1;
	}
	return fsync(fd);
}

static const struct fsio_ops bad_ops = {
    .write = bad_write,
    .fsync = bad_fsync,
};

/* Append 3 records with a fault at the 3rd, then check what is read. */
static void
fault_case(struct fx *f, int wat, int fat, bool shortw, int eno)
{
	struct jrec v[NREC], *recs;
	struct journal *j;
	enum journal_tail tail;
	size_t i, n, want;
	char *cause = NULL;

	fx_rmroot(fxp(f, "/var/lib/vfio-wizard"));
	make_records(v);
	assert_int_equal(journal_open(f->r, &j, &cause), 0);
	/* count the calls of the appends only */
	writes = fsyncs = 0;
	fail_write_at = wat;
	fail_fsync_at = fat;
	short_write = shortw;
	fail_errno = eno;
	fsio_set_ops(&bad_ops);
	for (i = 0; i < 3; i++) {
		int err = journal_append(j, &v[i], &cause);

		if (i < 2) {
			assert_int_equal(err, 0);
			continue;
		}
		assert_int_equal(err, -eno);
		assert_non_null(strstr(cause, "cannot write record 3"));
		free(cause);
		cause = NULL;
	}
	/* not used further */
	assert_int_equal(journal_append(j, &v[3], &cause), -EIO);
	free(cause);
	cause = NULL;
	journal_close(j);
	fsio_set_ops(NULL);
	assert_int_equal(journal_read(f->r, &recs, &n, &tail, &cause), 0);
	/* the failed append cut its bytes off again */
	assert_int_equal(n, 2);
	assert_int_equal(tail, JOURNAL_CLEAN);
	want = n;
	for (i = 0; i < n; i++)
		assert_rec_eq(&recs[i], &v[i]);
	jrec_free_all(recs, n);
	/* opening again drops a torn tail and carries on numbering */
	assert_int_equal(journal_open(f->r, &j, &cause), 0);
	assert_int_equal(journal_append(j, &v[3], &cause), 0);
	assert_int_equal(v[3].seq, want + 1);
	journal_close(j);
	assert_int_equal(journal_read(f->r, &recs, &n, &tail, &cause), 0);
	assert_int_equal(n, want + 1);
	assert_int_equal(tail, JOURNAL_CLEAN);
	jrec_free_all(recs, n);
}

static void
test_faults(void **state)
{
	struct fx *f = *state;

	fault_case(f, 3, 0, false, EIO);
	fault_case(f, 3, 0, false, ENOSPC);
	fault_case(f, 3, 0, true, ENOSPC); /* half written, then no space */
	fault_case(f, 3, 0, true, EIO);
	fault_case(f, 0, 3, false, EIO);
	fault_case(f, 0, 3, false, EROFS);
}

static void
test_symlinks_refused(void **state)
{
	struct fx *f = *state;
	struct journal *j;
	char *cause = NULL, *p;

	fx_write(f->dir, "/elsewhere", "x\n");
	fx_symlink(f->dir, JPATH, "/elsewhere");
	assert_int_equal(journal_open(f->r, &j, &cause), -ELOOP);
	assert_non_null(strstr(cause, "symlink"));
	free(cause);
	fx_rmroot(fxp(f, "/var/lib/vfio-wizard"));
	fx_mkdir(f->dir, "/somewhere");
	fx_symlink(f->dir, "/var/lib/vfio-wizard", "/somewhere");
	assert_true(journal_open(f->r, &j, &cause) < 0);
	assert_non_null(strstr(cause, "vfio-wizard"));
	free(cause);
	p = fxp(f, "/somewhere/journal.yaml");
	assert_int_equal(access(p, F_OK), -1);
	free(p);
}

static void
test_archive(void **state)
{
	struct fx *f = *state;
	struct jrec v[NREC];
	struct stat st;
	char *cause = NULL, *p;

	write_all(f, v);
	assert_int_equal(journal_archive(f->r, "../evil", &cause), -EINVAL);
	free(cause);
	assert_int_equal(journal_archive(f->r, v[0].txid, &cause), 0);
	p = fxp(f, "/var/lib/vfio-wizard/history");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	free(p);
	p = fxp(f, "/var/lib/vfio-wizard/history/20240101T000000Z-1234.yaml");
	assert_int_equal(stat(p, &st), 0);
	free(p);
	p = fxp(f, JPATH);
	assert_int_equal(stat(p, &st), -1);
	free(p);
	/* a second journal of the same id never overwrites the first */
	write_all(f, v);
	assert_int_equal(journal_archive(f->r, v[0].txid, &cause), -EEXIST);
	free(cause);
}

/* Read the crash log into a string. */
static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = xcalloc(1, 4096);

	if (fp != NULL) {
		if (fread(buf, 1, 4095, fp) == 0)
			buf[0] = '\0';
		fclose(fp);
	}
	return buf;
}

static void
test_crash_hook(void **state)
{
	struct fx *f = *state;
	struct jrec v[NREC], *recs;
	struct journal *j;
	enum journal_tail tail;
	char *log = fxp(f, "/crash.log"), *text, *cause = NULL, at[16];
	unsigned long k;
	size_t n;
	pid_t pid;
	int status;

	make_records(v);
	setenv("VFIO_WIZARD_TEST_CRASH_LOG", log, 1);
	assert_int_equal(journal_open(f->r, &j, &cause), 0);
	assert_int_equal(journal_append(j, &v[0], &cause), 0);
	journal_close(j);
	text = slurp(log);
	assert_int_equal(sscanf(text, "%lu journal begin\n", &k), 1);
	free(text);
	/* the child dies right after its second record is durable */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		snprintf(at, sizeof at, "%lu", k + 2);
		setenv("VFIO_WIZARD_TEST_CRASH_AT", at, 1);
		if (journal_open(f->r, &j, &cause) < 0)
			_exit(1);
		journal_append(j, &v[1], &cause);
		journal_append(j, &v[2], &cause);
		journal_append(j, &v[3], &cause);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	unsetenv("VFIO_WIZARD_TEST_CRASH_LOG");
	text = slurp(log);
	assert_non_null(strstr(text, "journal file\n"));
	assert_non_null(strstr(text, "journal backup\n"));
	assert_null(strstr(text, "journal written\n"));
	free(text);
	assert_int_equal(journal_read(f->r, &recs, &n, &tail, &cause), 0);
	assert_int_equal(n, 3);
	assert_int_equal(tail, JOURNAL_CLEAN);
	jrec_free_all(recs, n);
	free(log);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_reopen_continues),
	    T(test_torn_tail_dropped_on_open),
	    T(test_faults),
	    T(test_symlinks_refused),
	    T(test_archive),
	    T(test_crash_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
