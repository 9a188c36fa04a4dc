/*
 * journal.c: the journal file itself: open (creating the state directory
 * and the file, dropping a torn tail), durable append, read and archive.
 * Every path goes through the root handle; every call that changes the
 * disk goes through struct fsio_ops, so tests can fail any of them. After
 * a failed write or fsync the journal is not used again: a failed fsync
 * is never trusted.
 */
#include "journal_priv.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/testhook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct journal {
	int dfd;	   /* the state directory */
	int fd;		   /* journal.yaml, O_APPEND */
	unsigned long seq; /* of the last record */
	bool broken;
};

/* The call a test left NULL falls back to the real one. */
#define OP(name) \
	(fsio_ops()->name != NULL ? fsio_ops()->name : fsio_default_ops.name)

/* fsync through the ops; -errno. */
static int
sync_fd(int fd)
{
	return OP(fsync)(fd) < 0 ? -errno : 0;
}

/*
 * mkdir one directory below an open parent (mode when new) and fsync the
 * parent when it was made; 1 when made, 0 when it was there.
 */
static int
make_dir(int pfd, const char *name, mode_t mode)
{
	int err;

	if (mkdirat(pfd, name, mode) < 0)
		return errno == EEXIST ? 0 : -errno;
	err = sync_fd(pfd);
	return err < 0 ? err : 1;
}

/* Create the state directory (and /var/lib when a fixture lacks it). */
static int
open_state_dir(const struct root *r, char **cause)
{
	static const struct {
		const char *parent, *name;
		mode_t mode;
	} dirs[] = {
	    {"/", "var", 0755},
	    {"/var", "lib", 0755},
	    {"/var/lib", "vfio-wizard", 0700},
	};
	size_t i;
	int fd, err;

	for (i = 0; i < nitems(dirs); i++) {
		fd = root_openat(r, dirs[i].parent, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0)
			return fsio_fail(cause, fd,
			    "cannot open directory '%s'", dirs[i].parent);
		err = make_dir(fd, dirs[i].name, dirs[i].mode);
		close(fd);
		if (err < 0)
			return fsio_fail(cause, err,
			    "cannot create directory '%s/%s'",
			    strcmp(dirs[i].parent, "/") == 0 ? ""
							     : dirs[i].parent,
			    dirs[i].name);
	}
	fd =
	    root_openat(r, JOURNAL_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd == -ELOOP || fd == -ENOTDIR) {
		if (cause != NULL)
			*cause = xstrdup("state directory '" JOURNAL_DIR
					 "' is not a directory (a symlink?)");
		return fd;
	}
	if (fd < 0)
		return fsio_fail(
		    cause, fd, "cannot open directory '%s'", JOURNAL_DIR);
	return fd;
}

/* Read a whole open file from offset 0. */
static int
read_fd(int fd, char **out, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	off_t off = 0;

	for (;;) {
		ssize_t got;

		sb_grow(&sb, 65536);
		got = pread(fd, sb.buf + sb.len, 65536, off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = -errno;

			sb_release(&sb);
			return err;
		}
		if (got == 0)
			break;
		sb.len += (size_t)got;
		sb.buf[sb.len] = '\0';
		off += got;
	}
	*len = sb.len;
	*out = sb.len > 0 ? sb_detach(&sb) : xstrdup("");
	sb_release(&sb);
	return 0;
}

/* A regular file with one link, or a refusal. */
static int
check_regular(int fd, const char *what, char **cause)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fsio_fail(cause, -errno, "cannot stat '%s'", what);
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		if (cause != NULL)
			*cause = xasprintf("'%s' is not a plain file with "
					   "one link",
			    what);
		return -EPERM;
	}
	return 0;
}

/*
 * Take up an existing journal: continue its numbering and cut a torn tail
 * off (durably), so that new records never follow damage.
 */
static int
resume_file(struct journal *j, char **cause)
{
	struct jrec *recs;
	enum journal_tail tail;
	size_t n, valid, len;
	char *buf, *why = NULL;
	int err;

	if ((err = read_fd(j->fd, &buf, &len)) < 0)
		return fsio_fail(cause, err, "cannot read '%s'", JOURNAL_PATH);
	err = journal_parse_valid(buf, len, &recs, &n, &tail, &valid, &why);
	free(buf);
	if (err < 0) {
		if (cause != NULL)
			*cause = why;
		else
			free(why);
		return err;
	}
	free(why);
	j->seq = n;
	jrec_free_all(recs, n);
	if (tail == JOURNAL_TORN) {
		if (ftruncate(j->fd, (off_t)valid) < 0)
			return fsio_fail(cause, -errno,
			    "cannot drop the torn end of '%s'", JOURNAL_PATH);
		if ((err = sync_fd(j->fd)) < 0)
			return fsio_fail(
			    cause, err, "cannot sync '%s'", JOURNAL_PATH);
	}
	return 0;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		OP(close)(j->fd);
	if (j->dfd >= 0)
		close(j->dfd);
	free(j);
}

int
journal_open(const struct root *r, struct journal **out, char **cause)
{
	struct journal *j = xcalloc(1, sizeof *j);
	bool created = true;
	int err;

	j->fd = -1;
	if ((j->dfd = open_state_dir(r, cause)) < 0) {
		err = j->dfd;
		goto fail;
	}
	j->fd = OP(openat)(j->dfd, JOURNAL_BASE,
	    O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (j->fd < 0 && errno == EEXIST) {
		created = false;
		j->fd = OP(openat)(j->dfd, JOURNAL_BASE,
		    O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0);
	}
	if (j->fd < 0) {
		err = -errno;
		if (err == -ELOOP) {
			if (cause != NULL)
				*cause = xstrdup(
				    "journal '" JOURNAL_PATH "' is a symlink");
		} else
			fsio_fail(cause, err, "cannot open '%s'", JOURNAL_PATH);
		goto fail;
	}
	if ((err = check_regular(j->fd, JOURNAL_PATH, cause)) < 0)
		goto fail;
	if (created) {
		if ((err = sync_fd(j->dfd)) < 0) {
			fsio_fail(cause, err, "cannot sync '%s'", JOURNAL_DIR);
			goto fail;
		}
	} else if ((err = resume_file(j, cause)) < 0)
		goto fail;
	*out = j;
	return 0;
fail:
	journal_close(j);
	return err;
}

int
journal_append(struct journal *j, struct jrec *rec, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long old = rec->seq;
	off_t start;
	size_t off = 0;
	int err;

	if (j->broken) {
		if (cause != NULL)
			*cause = xstrdup("journal '" JOURNAL_PATH
					 "' failed earlier and is not used "
					 "further");
		return -EIO;
	}
	rec->seq = j->seq + 1;
	if ((err = jrec_format(rec, &sb, cause)) < 0) {
		rec->seq = old;
		return err;
	}
	start = lseek(j->fd, 0, SEEK_END);
	while (off < sb.len) {
		ssize_t w = OP(write)(j->fd, sb.buf + off, sb.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	if (err == 0)
		err = sync_fd(j->fd);
	sb_release(&sb);
	if (err < 0) {
		/* best effort: leave no partial record behind (still torn-safe)
		 */
		if (start >= 0 && ftruncate(j->fd, start) == 0)
			(void)OP(fsync)(j->fd);
		j->broken = true;
		rec->seq = old;
		return fsio_fail(cause, err,
		    "cannot write record %lu (%s) to '%s'", j->seq + 1,
		    jrec_type_name(rec->type), JOURNAL_PATH);
	}
	j->seq++;
	{
		char what[32];

		snprintf(
		    what, sizeof what, "journal %s", jrec_type_name(rec->type));
		test_crash_point(what);
	}
	return 0;
}

int
journal_read(const struct root *r, struct jrec **recs, size_t *n,
    enum journal_tail *tail, char **cause)
{
	char *buf;
	size_t len;
	int fd, err;

	if (cause != NULL)
		*cause = NULL;
	fd = root_openat(r, JOURNAL_PATH, O_RDONLY | O_NOFOLLOW, 0);
	if (fd == -ENOENT)
		return fd;
	if (fd < 0)
		return fsio_fail(cause, fd, "cannot open '%s'", JOURNAL_PATH);
	err = check_regular(fd, JOURNAL_PATH, cause);
	if (err == 0 && (err = read_fd(fd, &buf, &len)) < 0)
		fsio_fail(cause, err, "cannot read '%s'", JOURNAL_PATH);
	close(fd);
	if (err < 0)
		return err;
	err = journal_parse(buf, len, recs, n, tail, cause);
	free(buf);
	return err;
}

/* A transaction id that is safe as a file name. */
static bool
txid_ok(const char *s)
{
	size_t i;

	if (s == NULL || *s == '\0' || *s == '.' || strlen(s) > 128)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_' ||
			c == '.' || c == ':'))
			return false;
	}
	return true;
}

int
journal_archive(const struct root *r, const char *txid, char **cause)
{
	char *name = NULL;
	struct stat st;
	int dfd, hfd = -1, err;

	if (!txid_ok(txid)) {
		if (cause != NULL)
			*cause = xasprintf("transaction id '%s' is not a "
					   "valid file name",
			    txid != NULL ? txid : "");
		return -EINVAL;
	}
	if ((dfd = open_state_dir(r, cause)) < 0)
		return dfd;
	if ((err = make_dir(dfd, "history", 0700)) < 0) {
		fsio_fail(cause, err, "cannot create directory '%s'",
		    JOURNAL_HISTORY);
		goto out;
	}
	hfd = openat(
	    dfd, "history", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hfd < 0) {
		err = fsio_fail(cause, -errno, "cannot open directory '%s'",
		    JOURNAL_HISTORY);
		goto out;
	}
	name = xasprintf("%s.yaml", txid);
	if (fstatat(hfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		err = -EEXIST;
	else if (errno != ENOENT)
		err = -errno;
	if (err < 0) {
		fsio_fail(cause, err, "cannot archive the journal as '%s/%s'",
		    JOURNAL_HISTORY, name);
		goto out;
	}
	if (OP(renameat)(dfd, JOURNAL_BASE, hfd, name) < 0) {
		err = fsio_fail(cause, -errno, "cannot move '%s' to '%s/%s'",
		    JOURNAL_PATH, JOURNAL_HISTORY, name);
		goto out;
	}
	test_crash_point("journal archive");
	if ((err = sync_fd(hfd)) < 0 || (err = sync_fd(dfd)) < 0)
		fsio_fail(cause, err, "cannot sync '%s'", JOURNAL_HISTORY);
out:
	free(name);
	if (hfd >= 0)
		close(hfd);
	close(dfd);
	return err;
}
