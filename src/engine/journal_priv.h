/*
 * journal_priv.h: what the journal's files share: the record text format
 * (journal_emit.c), the reader (journal_parse.c) and base64.
 *
 * One record on disk, every string double-quoted (a line "..." can then
 * only be a document end), bytes and strings that are not UTF-8 as !!binary:
 *
 *   ---
 *   seq: 3
 *   type: backup
 *   path: "/etc/default/grub"
 *   data: !!binary "R1JVQl9ERUZBVUxUPTAK"
 *   meta: {exists: true, mode: "0644", uid: 0, gid: 0}
 *   crc: 1a2b3c4d
 *   ...
 *
 * The crc is zlib's CRC-32 of every byte from "---" up to the newline
 * before "crc:".
 */
#ifndef VW_JOURNAL_PRIV_H
#define VW_JOURNAL_PRIV_H

#include "vfio-wizard/journal.h"
#include "vfio-wizard/strbuf.h"

#define JOURNAL_DIR "/var/lib/vfio-wizard"
#define JOURNAL_HISTORY JOURNAL_DIR "/history"
#define JOURNAL_BASE "journal.yaml"

#define YAML_BINARY_TAG "tag:yaml.org,2002:binary"

/* Append the text of one record (rec->seq included) to out. */
int jrec_format(const struct jrec *, struct strbuf *out, char **cause);
/* 0 when a record has the fields its type needs, else -EINVAL and *why. */
int jrec_check(const struct jrec *, char **why);
/* Decode one record's text into r (zeroed first); *why on failure. */
int jrec_decode(const char *text, size_t len, struct jrec *r, char **why);
/* The type with that name, or -1. */
int jrec_type_from_name(const char *);

/*
 * journal_parse() that also says how many leading bytes hold the whole
 * valid records (where a torn tail starts).
 */
int journal_parse_valid(const char *buf, size_t len, struct jrec **recs,
    size_t *n, enum journal_tail *tail, size_t *valid, char **cause);

void base64_encode(struct strbuf *, const void *, size_t);
/* Decode strict base64 (padding required); -EINVAL on anything else. */
int base64_decode(const char *, size_t, char **out, size_t *outlen);

#endif
