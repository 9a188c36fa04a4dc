/*
 * kb_yaml.h: strict reading of libyaml document nodes for the knowledge base
 * loader (internal to src/kb/).
 *
 * Each call checks one node's shape and value and, on a mismatch, records a
 * message "NAME:LINE:COL: ..." in the reader (the first one wins) and
 * returns -EINVAL, so the loader can chain calls with "if (r == 0)".
 */
#ifndef VW_KB_YAML_H
#define VW_KB_YAML_H

#include "vfio-wizard/common.h"

#include <yaml.h>

struct ky {
	const char *name; /* file name for messages */
	yaml_document_t doc;
	char *cause; /* the first error, or NULL */
};

/*
 * Read a whole regular file of at most max bytes (a file the program or
 * its user names, not host state): 0, or -errno (-EFBIG when too big).
 */
int ky_read_file(const char *path, size_t max, char **out, size_t *len);
/* Parse one YAML document into y->doc; -EINVAL with y->cause located. */
int ky_parse(struct ky *, const char *text, size_t len);

/* Record an error located at a node (or the whole file); -EINVAL. */
int ky_fail(struct ky *, const yaml_node_t *, const char *fmt, ...)
    VW_PRINTF(3, 4);

yaml_node_t *ky_node(struct ky *, int index);
const char *ky_scalar(const yaml_node_t *);
/* Items of a sequence node. */
size_t ky_len(const yaml_node_t *);
yaml_node_t *ky_item(struct ky *, const yaml_node_t *, size_t i);

/* A non-empty scalar, copied into *out (freeing what was there). */
int ky_string(struct ky *, yaml_node_t *, const char *what, char **out);
/* A 16-bit ID written as four hex digits, with or without "0x". */
int ky_hex16(struct ky *, yaml_node_t *, const char *what, uint16_t *out);
int ky_int(
    struct ky *, yaml_node_t *, const char *what, int min, int max, int *out);
/* "true" or "false", nothing else. */
int ky_bool(struct ky *, yaml_node_t *, const char *what, bool *out);
/* One mode name, or a non-empty list of distinct ones (enum vw_mode). */
int ky_mode(struct ky *, yaml_node_t *, unsigned *out);
int ky_modes(struct ky *, yaml_node_t *, unsigned *out);
/* A sequence node, optionally required to be non-empty. */
int ky_sequence(struct ky *, yaml_node_t *, const char *what, bool empty_ok);
/* A non-empty list of distinct hex16 IDs appended to *ids. */
int ky_ids(struct ky *, yaml_node_t *, const char *what, uint16_t **ids,
    size_t *n_ids);
/*
 * A mapping checked against a table of keys: unknown or repeated keys are
 * errors, and so are missing required ones (bit i of required for keys[i]).
 * The value of keys[i] lands in values[i], NULL when absent.
 */
int ky_keys(struct ky *, yaml_node_t *map, const char *what,
    const char *const *keys, size_t n_keys, unsigned required,
    yaml_node_t **values);

#endif
