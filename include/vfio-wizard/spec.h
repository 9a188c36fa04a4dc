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

#endif
