/*
 * spec.h: host specs, a machine described in one YAML file, and the
 * generator ("replay") that writes a root tree from one.
 *
 * A spec (doc/host-spec.md) names a CPU, firmware, kernel and modules, the
 * IOMMU, every PCI device, disks, Proxmox VE state and verbatim files.
 * spec_load() parses it with libyaml, strictly: unknown keys, wrong types,
 * malformed addresses or IDs, missing parents and clashing paths are errors
 * whose *cause reads "<origin>:<line>:<column>: <what>" (untranslated,
 * lowercase, subject quoted). A spec that loads is fully validated, so
 * spec_replay() only fails on the file system.
 *
 * spec_replay() writes the tree the kernel would show (sysfs, procfs, ACPI
 * tables, efivars, a libkmod-readable /lib/modules, /etc, /etc/pve) into DIR,
 * which must be absent (it is created) or empty. It never writes outside DIR:
 * every path is created relative to a directory descriptor with O_EXCL and
 * O_NOFOLLOW, and every symlink it makes is relative. The same spec always
 * gives a byte-identical tree.
 *
 * All calls return 0 or a negative errno; *cause (when cause is not NULL) is
 * set on failure and the caller frees it. Nothing here prints.
 */
#ifndef VW_SPEC_H
#define VW_SPEC_H

#include "vfio-wizard/common.h"

struct host_spec;

/* Load and validate a spec file (libyaml). */
int spec_load(const char *path, struct host_spec **out, char **cause);
/* The same from memory; origin names it in messages ("host.yaml"). */
int spec_load_buffer(const char *yaml, size_t len, const char *origin,
    struct host_spec **out, char **cause);
void spec_free(struct host_spec *);

/* The spec's name ([a-z0-9-]+), never NULL. */
const char *spec_name(const struct host_spec *);
/* Its description and source texts; "" when absent. */
const char *spec_description(const struct host_spec *);
const char *spec_source(const struct host_spec *);

/* Write the tree into dir, which must be absent or an empty directory. */
int spec_replay(const struct host_spec *, const char *dir, char **cause);
/*
 * Replay into a fresh mkdtemp directory ("$TMPDIR/vfio-wizard-replay-XXXXXX")
 * and return its path in *dir (caller frees, and removes it with
 * spec_remove_tree()).
 */
int spec_replay_temp(const struct host_spec *, char **dir, char **cause);
/* Remove a replayed tree recursively; never follows a symlink. */
int spec_remove_tree(const char *dir);

/* ---- reports: a spec written from a probed host (spec_emit*.c) ---- */
struct root;
struct host;
struct redact;

struct spec_emit_opts {
	const char *name;	 /* the spec's name ([a-z0-9-]+) */
	const char *description; /* or NULL */
	const char *source;	 /* "vfio-wizard report 0.1, 2024-05-01" */
	bool redact;		 /* leave out and replace what identifies */
};

/*
 * Write the host spec (doc/host-spec.md) that replays the host behind the
 * root: the probed snapshot plus the files the probes read, kept verbatim
 * (doc/report.md lists them). With opts->redact, serials, UUIDs, MAC and IP
 * addresses, host and VM names are replaced (spec_redact.c). *yaml gets
 * the text (caller frees). Reads only; never writes below the root.
 */
int spec_emit(const struct root *, const struct host *,
    const struct spec_emit_opts *, char **yaml, char **cause);

/*
 * Redaction with consistent replacements: one original value always maps
 * to the same placeholder within one report. hostname (or NULL) becomes
 * "pve", its domain "example.com"; IPv4 addresses move to 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24 (one documentation /24 per original /24,
 * host part kept), IPv6 to 2001:db8::/32, MAC addresses to
 * 02:00:00:00:00:NN, UUIDs to 00000000-0000-4000-8000-NNNNNNNNNNNN.
 */
struct redact *redact_new(const char *hostname, const char *domain);
void redact_free(struct redact *);
/* The placeholder host name ("pve"). */
const char *redact_hostname(const struct redact *);
/* A copy of a text with every identifying value replaced. */
char *redact_text(struct redact *, const char *text);
/* The same for a file, by its path: /proc/net/route's hex addresses too. */
char *redact_file(struct redact *, const char *path, const char *text);
/* A Proxmox VM config: name vm<ID>, no description, smbios1 uuid only. */
char *redact_vm_conf(struct redact *, unsigned long vmid, const char *conf);

#endif
