/*
 * fuzz_journal.c: libFuzzer target for the journal reader. Any input must
 * parse or be refused without a crash, a leak or an out-of-bounds read;
 * what parses must survive a format/parse round trip unchanged.
 */
#include "vfio-wizard/journal.h"
#include "vfio-wizard/strbuf.h"
#include "../../src/engine/journal_priv.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Re-emit the records and parse them again: they must come back CLEAN. */
static void
round_trip(struct jrec *recs, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	struct jrec *again = NULL;
	enum journal_tail tail;
	size_t i, m = 0;
	char *cause = NULL;

	for (i = 0; i < n; i++)
		if (jrec_format(&recs[i], &sb, &cause) < 0)
			abort();
	if (journal_parse(sb_str(&sb), sb.len, &again, &m, &tail, &cause) < 0 ||
	    m != n || tail != JOURNAL_CLEAN)
		abort();
	for (i = 0; i < n; i++)
		if (again[i].type != recs[i].type ||
		    again[i].len != recs[i].len)
			abort();
	free(cause);
	jrec_free_all(again, m);
	sb_release(&sb);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* a private copy, so that a read past the end is caught */
	char *buf = malloc(size ? size : 1);
	struct jrec *recs = NULL;
	enum journal_tail tail;
	size_t n = 0;
	char *cause = NULL;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (journal_parse(buf, size, &recs, &n, &tail, &cause) == 0) {
		round_trip(recs, n);
		jrec_free_all(recs, n);
	}
	free(cause);
	free(buf);
	return 0;
}
