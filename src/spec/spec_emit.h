/*
 * spec_emit.h: the report writer's shared state (spec_emit*.c): a libyaml
 * emitter into a string buffer, the root it reads, the snapshot and the
 * redaction in force.
 */
#ifndef VW_SPEC_EMIT_H
#define VW_SPEC_EMIT_H

#include <yaml.h>

#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"
#include "vfio-wizard/strbuf.h"

#define EM_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct emit {
	yaml_emitter_t y;
	struct strbuf out;
	const struct root *r;
	const struct host *h;
	struct redact *red; /* NULL: nothing is redacted */
	int err;	    /* first libyaml failure */
	/* the hostname the spec gives (redacted or not) */
	const char *hostname;
	/* names of the interfaces the spec lists (NICs and net:) */
	char **ifaces;
	size_t n_ifaces;
};

/* Events; a failure is kept in e->err and later calls do nothing. */
void em_map(struct emit *, bool flow);
void em_seq(struct emit *, bool flow);
void em_end_map(struct emit *);
void em_end_seq(struct emit *);
/* A scalar: plain when YAML reads it back as the same string. */
void em_str(struct emit *, const char *);
/* A plain scalar whatever it looks like (config values: y, m, 512). */
void em_plain(struct emit *, const char *);
/* A scalar that must stay a string ("8", "yes", "0001"): double-quoted. */
void em_quoted(struct emit *, const char *);
/* Multi-line text: a literal block where libyaml can write one. */
void em_text(struct emit *, const char *);
void em_int(struct emit *, long);
void em_bool(struct emit *, bool);
/* A mapping key; the value follows. */
void em_key(struct emit *, const char *key);
/* key: value pairs. */
void em_kstr(struct emit *, const char *key, const char *value);
void em_kquoted(struct emit *, const char *key, const char *value);
void em_kint(struct emit *, const char *key, long value);
void em_kbool(struct emit *, const char *key, bool value);

/* Redacted copies (or plain copies when redaction is off); caller frees. */
char *em_redact(struct emit *, const char *text);
char *em_redact_file(struct emit *, const char *path, const char *text);

/* The sections, in the spec's order (spec_emit.c, spec_emit_hw.c,
   spec_emit_sys.c). */
void emit_cpu(struct emit *);
void emit_firmware(struct emit *);
void emit_kernel(struct emit *);
void emit_iommu(struct emit *);
void emit_pci(struct emit *);
void emit_net(struct emit *);
void emit_block(struct emit *);
void emit_mounts(struct emit *);
void emit_pve(struct emit *);
void emit_files(struct emit *);
void emit_packages(struct emit *);

#endif
