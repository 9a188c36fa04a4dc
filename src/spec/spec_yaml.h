/*
 * spec_yaml.h: strict typed access to a libyaml document for the spec
 * loader: mappings with a fixed set of keys (unknown and duplicate keys are
 * errors), scalars read as strings, integers or booleans, all errors with
 * the node's line and column.
 */
#ifndef VW_SPEC_YAML_H
#define VW_SPEC_YAML_H

#include <yaml.h>

#include "spec_priv.h"

struct ld {
	yaml_document_t *doc;
	struct host_spec *s;
	char **cause;
};

/* Iteration state over one mapping. */
struct ld_iter {
	yaml_node_pair_t *p;
	uint64_t seen;	  /* bit i: keys[i] was present */
	yaml_node_t *key; /* the current key node */
};

struct spec_mark ld_mark(const yaml_node_t *);
int ld_err(struct ld *, const yaml_node_t *, const char *fmt, ...)
    VW_PRINTF(3, 4);
yaml_node_t *ld_node(struct ld *, int id);
/* The node must be a mapping or a sequence; what names it in messages. */
int ld_map(struct ld *, yaml_node_t *, const char *what);
int ld_seq(struct ld *, yaml_node_t *, const char *what);
/*
 * The next pair of a mapping whose keys must be in keys[] (NULL-ended):
 * returns the key's index + 1 with *val set, 0 at the end, or -EINVAL.
 */
int ld_next(struct ld *, yaml_node_t *map, struct ld_iter *,
    const char *const *keys, const char *what, yaml_node_t **val);
/* Every key whose bit is in required must have been seen. */
int ld_required(struct ld *, yaml_node_t *map, const struct ld_iter *,
    const char *const *keys, uint64_t required, const char *what);
/* The next pair of a mapping with free-form scalar keys. */
int ld_next_any(struct ld *, yaml_node_t *map, struct ld_iter *,
    const char *what, const char **key, yaml_node_t **val);
/* The nth item of a sequence, or NULL past the end. */
yaml_node_t *ld_item(struct ld *, yaml_node_t *seq, size_t n);

/* Scalars; key names the value in messages. */
int ld_str(struct ld *, yaml_node_t *, const char *key, char **out);
int ld_long(
    struct ld *, yaml_node_t *, const char *key, long min, long max, long *out);
int ld_int(
    struct ld *, yaml_node_t *, const char *key, int min, int max, int *out);
int ld_bool(struct ld *, yaml_node_t *, const char *key, bool *out);
/* A sequence of strings; marks (when not NULL) gets each item's mark. */
int ld_strlist(struct ld *, yaml_node_t *, const char *key, char ***out,
    size_t *n, struct spec_mark **marks);
bool ld_is_quoted(const yaml_node_t *);

/* Sections read in spec_load_sys.c. */
int load_cpu(struct ld *, yaml_node_t *);
int load_firmware(struct ld *, yaml_node_t *);
int load_kernel(struct ld *, yaml_node_t *);
int load_iommu(struct ld *, yaml_node_t *);
/* Sections read in spec_load_hw.c. */
int load_pci(struct ld *, yaml_node_t *);
int load_block(struct ld *, yaml_node_t *);
int load_pve(struct ld *, yaml_node_t *);
/* The fake commands (spec_commands.c). */
int load_commands(struct ld *, yaml_node_t *);
/* Virtual network interfaces and ZFS pools (spec_net.c). */
int load_net(struct ld *, yaml_node_t *);
int load_zpools(struct ld *, yaml_node_t *);
/* A mapping of absolute paths to strings (files:, symlinks:). */
int load_kv(
    struct ld *, yaml_node_t *, const char *what, struct spec_kv **, size_t *);

#endif
