/*
 * journal.h: the rollback journal, a YAML file below the root
 * (/var/lib/vfio-wizard/journal.yaml) that makes apply crash-safe, resume
 * possible and undo exact.
 *
 * The journal is an append-only stream of YAML documents, one record each,
 * written with libyaml. Every record carries a sequence number and ends
 * with a CRC-32 (zlib) of its own text, and journal_append() returns only
 * after the record is on disk (write, fsync of the file, and of the
 * directory when the file is new): the record is durable before the action
 * it guards. Reading takes every whole, valid record; a last record that is
 * torn (a crash mid-append) or corrupt is detected, reported and never
 * acted on; a bad record before the last makes the journal unusable (not
 * guessed at).
 *
 * Records of one transaction, in order: begin (transaction id, time, the
 * host's boot id, the user's choices), then per file a "file" record with
 * the intended bytes (plan), a "backup" with the original bytes and
 * metadata before the first write, a "written" after the rename; per
 * command a "run" before and a "ran" with the exit status and captured
 * output after; "step" states; "verify" results; "reboot" when a reboot is
 * awaited; "applied"; and for undo, "undo", "restored" per file and
 * "undone".
 */
#ifndef VW_JOURNAL_H
#define VW_JOURNAL_H

#include "vfio-wizard/fsio.h"

struct root;

#define JOURNAL_PATH "/var/lib/vfio-wizard/journal.yaml"

enum jrec_type {
	JR_BEGIN,
	JR_FILE,    /* path, data (after; NULL = remove), mode, step */
	JR_BACKUP,  /* path, data (before; NULL = absent), meta */
	JR_WRITTEN, /* path */
	JR_RUN,	    /* argv */
	JR_RAN,	    /* argv, status, output */
	JR_STEP,    /* step, state */
	JR_VERIFY,  /* step, state (ok/fail), text */
	JR_REBOOT,  /* boot_id: reboot awaited from this boot */
	JR_APPLIED,
	JR_UNDO,     /* force */
	JR_RESTORED, /* path */
	JR_UNDONE,
	JR_COMMAND, /* argv, step: a planned command (after the files) */
	JR__COUNT
};
const char *jrec_type_name(enum jrec_type);

struct jrec {
	enum jrec_type type;
	unsigned long seq; /* set by journal_append */
	char *txid;	   /* begin */
	char *time;	   /* begin, applied, undone: ISO 8601 UTC */
	char *boot_id;	   /* begin, reboot */
	char **choices;	   /* begin: "key=value" strings, NULL-terminated */
	char *path;	   /* file, backup, written, restored */
	char *data;	   /* file, backup: bytes (base64 on disk), or NULL */
	size_t len;
	struct file_meta meta; /* file (mode), backup */
	char *step;	       /* file, step, verify */
	char *state;	       /* step, verify */
	char **argv;	       /* run, ran: NULL-terminated */
	int status;	       /* ran */
	char *text;	       /* ran: output; verify: message */
	bool force;	       /* undo */
};

enum journal_tail {
	JOURNAL_CLEAN, /* every record whole */
	JOURNAL_TORN,  /* the last record was cut off or corrupt */
};

struct journal;

/*
 * Open the journal for appending, creating it (and the state dir, 0700;
 * the file 0600). An existing journal is read first: numbering carries on
 * after its last record, a torn last record is cut off (so new records
 * never follow damage), and a bad record before the last is -EBADMSG.
 */
int journal_open(const struct root *, struct journal **out, char **cause);
/*
 * Append one record durably (write, fsync); fills rec->seq. After a failed
 * write or fsync the journal refuses every further append (-EIO). A test
 * hook crash point follows each durable append (testhook.h).
 */
int journal_append(struct journal *, struct jrec *rec, char **cause);
void journal_close(struct journal *);

/*
 * Read the journal: the whole valid records (caller frees with
 * jrec_free_all), and whether a torn last record was dropped. -ENOENT when
 * there is no journal; -EBADMSG with *cause when a record before the last
 * is bad.
 */
int journal_read(const struct root *, struct jrec **recs, size_t *n,
    enum journal_tail *tail, char **cause);
/* The same over bytes in memory (the fuzz target's entry point). */
int journal_parse(const char *buf, size_t len, struct jrec **recs, size_t *n,
    enum journal_tail *tail, char **cause);
void jrec_free(struct jrec *);
void jrec_free_all(struct jrec *, size_t);
/* Move the journal to /var/lib/vfio-wizard/history/<txid>.yaml. */
int journal_archive(const struct root *, const char *txid, char **cause);

#endif
