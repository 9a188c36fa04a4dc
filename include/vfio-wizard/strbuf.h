/*
 * strbuf.h: a growable, always NUL-terminated byte buffer (git's strbuf in
 * miniature). Used for text the wizard builds: reports, JSON, file images.
 */
#ifndef VW_STRBUF_H
#define VW_STRBUF_H

#include "vfio-wizard/common.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define STRBUF_INIT        \
	{                  \
		NULL, 0, 0 \
	}

void sb_grow(struct strbuf *, size_t extra);
void sb_add(struct strbuf *, const void *, size_t);
void sb_adds(struct strbuf *, const char *);
void sb_addc(struct strbuf *, char);
void sb_addf(struct strbuf *, const char *, ...) VW_PRINTF(2, 3);
void sb_vaddf(struct strbuf *, const char *, va_list) VW_PRINTF(2, 0);
/* Never NULL: an empty buffer reads as "". */
const char *sb_str(const struct strbuf *);
/* Hand the string over to the caller (who frees it) and reset the buffer. */
char *sb_detach(struct strbuf *);
void sb_reset(struct strbuf *);
void sb_release(struct strbuf *);

#endif
