/*
 * kb_load.c: the schema of data/hardware.yaml and its strict loader.
 *
 * The file is parsed into a libyaml document and walked node by node (with
 * the helpers in kb_yaml.c), so every complaint names the line and column
 * it is about: unknown or repeated keys, missing required keys, malformed
 * hex IDs, unknown modes, a recommended mode that is not offered, GVT-g
 * without an mdev prefix, and device IDs listed twice. The data file belongs
 * to the program, not to the host being examined, so it is read directly
 * rather than through a root handle.
 */
#include "vfio-wizard/pci_addr.h"
#include "vfio-wizard/kb.h"
#include "kb_yaml.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define KB_MAX_SIZE (4u << 20)

struct loader {
	struct ky y;
	struct kb *kb;
};

/* "00:03.0": a device and function in lspci's notation (no domain). */
static int
check_slot(struct loader *l, yaml_node_t *n, const char *s)
{
	struct pci_addr a;

	if (strlen(s) != 7 || pci_addr_parse(s, &a) < 0)
		return ky_fail(&l->y, n, "bad slot '%s': want BB:DD.F", s);
	return 0;
}

enum { C_SLOT, C_VENDOR, C_IDS, C_WHAT, C__N };
static const char *const companion_keys[C__N] = {
    "slot",
    "vendor_id",
    "device_ids",
    "what",
};

static int
load_companion(struct loader *l, yaml_node_t *n, struct kb_companion *c)
{
	struct ky *y = &l->y;
	yaml_node_t *v[C__N];
	int r;

	r = ky_keys(y, n, "companion", companion_keys, C__N,
	    (1u << C_SLOT) | (1u << C_VENDOR) | (1u << C_IDS) | (1u << C_WHAT),
	    v);
	if (r == 0)
		r = ky_string(y, v[C_SLOT], "slot", &c->slot);
	if (r == 0)
		r = check_slot(l, v[C_SLOT], c->slot);
	if (r == 0)
		r = ky_hex16(y, v[C_VENDOR], "vendor id", &c->vendor_id);
	if (r == 0)
		r = ky_ids(y, v[C_IDS], "device_ids", &c->device_ids,
		    &c->n_device_ids);
	if (r == 0)
		r = ky_string(y, v[C_WHAT], "what", &c->what);
	return r;
}

static int
check_gen_id(struct loader *l, yaml_node_t *n, const char *id)
{
	const char *p;

	for (p = id; *p != '\0'; p++) {
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-')
			return ky_fail(
			    &l->y, n, "bad id '%s': want [a-z0-9-]+", id);
	}
	if (kb_igpu_find(l->kb, id) != NULL)
		return ky_fail(&l->y, n, "id '%s' listed twice", id);
	return 0;
}

/* "10.0": the QEMU release that first knows a generation. */
static int
check_version(struct loader *l, yaml_node_t *n, const char *s)
{
	unsigned major, minor;
	char tail;

	if (!isdigit((unsigned char)s[0]) ||
	    sscanf(s, "%u.%u%c", &major, &minor, &tail) != 2)
		return ky_fail(
		    &l->y, n, "bad QEMU version '%s': want MAJOR.MINOR", s);
	return 0;
}

enum {
	G_ID,
	G_NAME,
	G_GEN,
	G_MODES,
	G_REC,
	G_PREFIX,
	G_IDS,
	G_COMP,
	G_NOTE,
	G_SOURCE,
	G_QEMU,
	G_NAMES,
	G__N
};
static const char *const gen_keys[G__N] = {
    "id",
    "name",
    "gen",
    "modes",
    "recommended",
    "gvt_mdev_prefix",
    "device_ids",
    "companions",
    "note",
    "source",
    "legacy_igd_qemu",
    "names",
};
#define GEN_REQUIRED                                                       \
	((1u << G_ID) | (1u << G_NAME) | (1u << G_GEN) | (1u << G_MODES) | \
	    (1u << G_REC) | (1u << G_IDS) | (1u << G_SOURCE))

/* Cross-field rules of one generation, once its fields are read. */
static int
check_gen(struct loader *l, yaml_node_t **v, const struct kb_igpu_gen *g)
{
	struct ky *y = &l->y;
	const struct kb_igpu_gen *owner;
	size_t i;

	if ((g->recommended & g->modes) == 0)
		return ky_fail(y, v[G_REC],
		    "recommended mode '%s' is not in modes",
		    mode_name(g->recommended));
	if ((g->modes & MODE_GVT_G) && g->gvt_mdev_prefix == NULL)
		return ky_fail(y, v[G_MODES], "gvt-g needs 'gvt_mdev_prefix'");
	if (!(g->modes & MODE_GVT_G) && g->gvt_mdev_prefix != NULL)
		return ky_fail(y, v[G_PREFIX],
		    "'gvt_mdev_prefix' given without mode gvt-g");
	if (g->gvt_mdev_prefix != NULL &&
	    !str_startswith(g->gvt_mdev_prefix, "i915-GVTg_V"))
		return ky_fail(y, v[G_PREFIX],
		    "bad gvt_mdev_prefix '%s': want i915-GVTg_V...",
		    g->gvt_mdev_prefix);
	if (g->legacy_igd_qemu != NULL && !(g->modes & MODE_LEGACY_IGD))
		return ky_fail(y, v[G_QEMU],
		    "'legacy_igd_qemu' given without mode legacy-igd");
	for (i = 0; i < g->n_device_ids; i++) {
		owner = kb_igpu_lookup(l->kb, 0x8086, g->device_ids[i]);
		if (owner != NULL)
			return ky_fail(y, ky_item(y, v[G_IDS], i),
			    "device id '%04x' already listed under '%s'",
			    g->device_ids[i], owner->id);
	}
	return 0;
}

static int
load_companions(struct loader *l, yaml_node_t *n, struct kb_igpu_gen *g)
{
	size_t i;
	int r;

	if ((r = ky_sequence(&l->y, n, "companions", true)) < 0)
		return r;
	for (i = 0; i < ky_len(n); i++) {
		struct kb_companion c = {0};

		r = load_companion(l, ky_item(&l->y, n, i), &c);
		ARRAY_PUSH(g->companions, g->n_companions, c);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * names: a mapping of device ID to product name, each ID one of the
 * generation's device_ids.
 */
static int
load_names(struct loader *l, yaml_node_t *n, struct kb_igpu_gen *g)
{
	struct ky *y = &l->y;
	yaml_node_pair_t *p;
	size_t i;
	int r;

	if (n->type != YAML_MAPPING_NODE)
		return ky_fail(y, n, "names must map device ids to names");
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		struct kb_gpu_name nm = {0};
		yaml_node_t *k = ky_node(y, p->key);

		r = ky_hex16(y, k, "names key", &nm.device_id);
		if (r == 0)
			r = ky_string(
			    y, ky_node(y, p->value), "name", &nm.name);
		if (r < 0) {
			free(nm.name);
			return r;
		}
		ARRAY_PUSH(g->names, g->n_names, nm);
		for (i = 0; i + 1 < g->n_names; i++) {
			if (g->names[i].device_id == nm.device_id)
				return ky_fail(y, k,
				    "name of '%04x' given twice", nm.device_id);
		}
		for (i = 0; i < g->n_device_ids; i++) {
			if (g->device_ids[i] == nm.device_id)
				break;
		}
		if (i == g->n_device_ids)
			return ky_fail(y, k,
			    "named device id '%04x' is not in device_ids",
			    nm.device_id);
	}
	return 0;
}

static int
load_gen(struct loader *l, yaml_node_t *n)
{
	struct kb_igpu_gen g = {0};
	struct ky *y = &l->y;
	yaml_node_t *v[G__N];
	int r;

	r = ky_keys(y, n, "igpu entry", gen_keys, G__N, GEN_REQUIRED, v);
	if (r == 0)
		r = ky_string(y, v[G_ID], "id", &g.id);
	if (r == 0)
		r = check_gen_id(l, v[G_ID], g.id);
	if (r == 0)
		r = ky_string(y, v[G_NAME], "name", &g.name);
	if (r == 0)
		r = ky_int(y, v[G_GEN], "gen", 1, 99, &g.gen);
	if (r == 0)
		r = ky_modes(y, v[G_MODES], &g.modes);
	if (r == 0)
		r = ky_mode(y, v[G_REC], &g.recommended);
	if (r == 0 && v[G_PREFIX] != NULL)
		r = ky_string(
		    y, v[G_PREFIX], "gvt_mdev_prefix", &g.gvt_mdev_prefix);
	if (r == 0)
		r = ky_ids(
		    y, v[G_IDS], "device_ids", &g.device_ids, &g.n_device_ids);
	if (r == 0 && v[G_COMP] != NULL)
		r = load_companions(l, v[G_COMP], &g);
	if (r == 0 && v[G_NOTE] != NULL)
		r = ky_string(y, v[G_NOTE], "note", &g.note);
	if (r == 0)
		r = ky_string(y, v[G_SOURCE], "source", &g.source);
	if (r == 0 && v[G_QEMU] != NULL)
		r = ky_string(
		    y, v[G_QEMU], "legacy_igd_qemu", &g.legacy_igd_qemu);
	if (r == 0 && v[G_QEMU] != NULL)
		r = check_version(l, v[G_QEMU], g.legacy_igd_qemu);
	if (r == 0 && v[G_NAMES] != NULL)
		r = load_names(l, v[G_NAMES], &g);
	if (r == 0)
		r = check_gen(l, v, &g);
	/* Kept even when broken, so kb_free() releases what was read. */
	ARRAY_PUSH(l->kb->igpu, l->kb->n_igpu, g);
	return r;
}

enum { U_VENDOR, U_MATCH, U_VTD, U_NOTE, U_SOURCE, U__N };
static const char *const cpu_keys[U__N] = {
    "vendor",
    "match",
    "vtd",
    "note",
    "source",
};

static int
check_cpu(struct loader *l, yaml_node_t *n, const struct kb_cpu_sku *c)
{
	size_t i;

	if (isspace((unsigned char)c->match[0]) ||
	    isspace((unsigned char)c->match[strlen(c->match) - 1]))
		return ky_fail(&l->y, n,
		    "match '%s' has surrounding white space", c->match);
	for (i = 0; i + 1 < l->kb->n_cpus; i++) {
		if (strcmp(l->kb->cpus[i].vendor, c->vendor) == 0 &&
		    strcasecmp(l->kb->cpus[i].match, c->match) == 0)
			return ky_fail(
			    &l->y, n, "cpu '%s' listed twice", c->match);
	}
	return 0;
}

static int
load_cpu(struct loader *l, yaml_node_t *n)
{
	struct kb_cpu_sku *c;
	struct ky *y = &l->y;
	yaml_node_t *v[U__N];
	int r;

	r = ky_keys(y, n, "cpu entry", cpu_keys, U__N,
	    (1u << U_VENDOR) | (1u << U_MATCH) | (1u << U_VTD) |
		(1u << U_SOURCE),
	    v);
	if (r < 0)
		return r;
	l->kb->cpus =
	    xreallocarray(l->kb->cpus, l->kb->n_cpus + 1, sizeof *l->kb->cpus);
	c = &l->kb->cpus[l->kb->n_cpus++];
	memset(c, 0, sizeof *c);
	r = ky_string(y, v[U_VENDOR], "vendor", &c->vendor);
	if (r == 0)
		r = ky_string(y, v[U_MATCH], "match", &c->match);
	if (r == 0)
		r = ky_bool(y, v[U_VTD], "vtd", &c->vtd);
	if (r == 0 && v[U_NOTE] != NULL)
		r = ky_string(y, v[U_NOTE], "note", &c->note);
	if (r == 0)
		r = ky_string(y, v[U_SOURCE], "source", &c->source);
	if (r == 0)
		r = check_cpu(l, v[U_MATCH], c);
	return r;
}

enum { Q_VENDOR, Q_ID, Q_IDS, Q_WHAT, Q_SOURCE, Q__N };
static const char *const quirk_keys[Q__N] = {
    "vendor_id",
    "device_id",
    "device_ids",
    "what",
    "source",
};

/* The IDs of a quirk: device_id (a hex ID or "any") or device_ids. */
static int
quirk_ids(struct loader *l, yaml_node_t **v, uint16_t **ids, size_t *n_ids)
{
	uint16_t id;
	int r;

	if (v[Q_IDS] != NULL)
		return ky_ids(&l->y, v[Q_IDS], "device_ids", ids, n_ids);
	if (v[Q_ID]->type == YAML_SCALAR_NODE &&
	    strcmp(ky_scalar(v[Q_ID]), "any") == 0)
		id = 0xffff;
	else if ((r = ky_hex16(&l->y, v[Q_ID], "device id", &id)) < 0)
		return r;
	ARRAY_PUSH(*ids, *n_ids, id);
	return 0;
}

/* Append one kb_quirk per device ID (0xffff for "device_id: any"). */
static int
load_quirk(struct loader *l, yaml_node_t *n)
{
	const struct kb_quirk *old;
	struct ky *y = &l->y;
	uint16_t vendor, *ids = NULL;
	size_t i, n_ids = 0;
	yaml_node_t *v[Q__N];
	char *what = NULL, *source = NULL;
	int r;

	r = ky_keys(y, n, "quirk", quirk_keys, Q__N,
	    (1u << Q_VENDOR) | (1u << Q_WHAT) | (1u << Q_SOURCE), v);
	if (r == 0 && (v[Q_ID] == NULL) == (v[Q_IDS] == NULL))
		r = ky_fail(
		    y, n, "quirk needs one of 'device_id' or 'device_ids'");
	if (r == 0)
		r = ky_hex16(y, v[Q_VENDOR], "vendor id", &vendor);
	if (r == 0)
		r = quirk_ids(l, v, &ids, &n_ids);
	if (r == 0)
		r = ky_string(y, v[Q_WHAT], "what", &what);
	if (r == 0)
		r = ky_string(y, v[Q_SOURCE], "source", &source);
	for (i = 0; r == 0 && i < n_ids; i++) {
		struct kb_quirk q = {
		    .vendor_id = vendor,
		    .device_id = ids[i],
		    .what = xstrdup(what),
		    .source = xstrdup(source),
		};

		old = kb_quirk_lookup(l->kb, vendor, ids[i]);
		if (old != NULL && old->device_id == ids[i])
			r = ky_fail(y, n, "quirk for '%04x:%04x' listed twice",
			    vendor, ids[i]);
		ARRAY_PUSH(l->kb->quirks, l->kb->n_quirks, q);
	}
	free(ids);
	free(what);
	free(source);
	return r;
}

static int
load_list(struct loader *l, yaml_node_t *n, const char *what,
    int (*one)(struct loader *, yaml_node_t *))
{
	size_t i;
	int r;

	if ((r = ky_sequence(&l->y, n, what, true)) < 0)
		return r;
	for (i = 0; i < ky_len(n); i++) {
		if ((r = one(l, ky_item(&l->y, n, i))) < 0)
			return r;
	}
	return 0;
}

enum { T_VERSION, T_IGPU, T_CPUS, T_QUIRKS, T__N };
static const char *const top_keys[T__N] = {
    "version",
    "igpu",
    "cpus",
    "quirks",
};

static int
load_root(struct loader *l)
{
	yaml_node_t *root = yaml_document_get_root_node(&l->y.doc);
	yaml_node_t *v[T__N];
	int r, version;

	if (root == NULL)
		return ky_fail(&l->y, NULL, "empty document");
	r = ky_keys(&l->y, root, "the knowledge base", top_keys, T__N,
	    (1u << T_VERSION) | (1u << T_IGPU), v);
	if (r == 0)
		r = ky_int(&l->y, v[T_VERSION], "version", 1, 1, &version);
	if (r == 0)
		r = load_list(l, v[T_IGPU], "igpu", load_gen);
	if (r == 0 && v[T_CPUS] != NULL)
		r = load_list(l, v[T_CPUS], "cpus", load_cpu);
	if (r == 0 && v[T_QUIRKS] != NULL)
		r = load_list(l, v[T_QUIRKS], "quirks", load_quirk);
	return r;
}

int
kb_load_buffer(const char *text, size_t len, const char *name, struct kb **out,
    char **cause)
{
	struct loader l = {.y.name = name != NULL ? name : "<buffer>"};
	int r;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	r = ky_parse(&l.y, text, len);
	if (r == 0) {
		l.kb = xcalloc(1, sizeof *l.kb);
		r = load_root(&l);
		yaml_document_delete(&l.y.doc);
		if (r < 0)
			kb_free(l.kb);
		else
			*out = l.kb;
	}
	if (cause != NULL)
		*cause = l.y.cause;
	else
		free(l.y.cause);
	return r;
}

int
kb_load(const char *path, struct kb **out, char **cause)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (cause != NULL)
		*cause = NULL;
	r = ky_read_file(path, KB_MAX_SIZE, &text, &len);
	if (r < 0) {
		if (cause != NULL)
			*cause = xasprintf(
			    "cannot read '%s': %s", path, strerror(-r));
		return r;
	}
	r = kb_load_buffer(text, len, path, out, cause);
	free(text);
	return r;
}
