/*
 * kb.c: the knowledge base at run time: mode names, the default data path,
 * lookups by PCI ID and CPU model name, and freeing. The loader is in
 * kb_load.c.
 */
#include "vfio-wizard/kb.h"
#include "vfio-wizard/host.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	enum vw_mode mode;
	const char *name;
} mode_names[] = {
    {MODE_LEGACY_IGD, "legacy-igd"},
    {MODE_GVT_G, "gvt-g"},
    {MODE_SRIOV, "sr-iov"},
    {MODE_VFIO, "vfio"},
};

const char *
mode_name(enum vw_mode mode)
{
	size_t i;

	for (i = 0; i < nitems(mode_names); i++) {
		if (mode_names[i].mode == mode)
			return mode_names[i].name;
	}
	return NULL;
}

int
mode_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < nitems(mode_names); i++) {
		if (strcmp(mode_names[i].name, name) == 0)
			return mode_names[i].mode;
	}
	return 0;
}

char *
kb_default_path(void)
{
	const char *dir = getenv("VFIO_WIZARD_DATADIR");

	if (dir != NULL && *dir != '\0')
		return xasprintf("%s/hardware.yaml", dir);
	return xstrdup(PKGDATADIR "/hardware.yaml");
}

static void
companion_clear(struct kb_companion *c)
{
	free(c->slot);
	free(c->device_ids);
	free(c->what);
}

static void
igpu_clear(struct kb_igpu_gen *g)
{
	size_t i;

	free(g->id);
	free(g->name);
	free(g->gvt_mdev_prefix);
	free(g->device_ids);
	for (i = 0; i < g->n_companions; i++)
		companion_clear(&g->companions[i]);
	free(g->companions);
	free(g->note);
	free(g->source);
	free(g->legacy_igd_qemu);
	for (i = 0; i < g->n_names; i++)
		free(g->names[i].name);
	free(g->names);
}

void
kb_free(struct kb *kb)
{
	size_t i;

	if (kb == NULL)
		return;
	for (i = 0; i < kb->n_igpu; i++)
		igpu_clear(&kb->igpu[i]);
	free(kb->igpu);
	for (i = 0; i < kb->n_cpus; i++) {
		free(kb->cpus[i].vendor);
		free(kb->cpus[i].match);
		free(kb->cpus[i].note);
		free(kb->cpus[i].source);
	}
	free(kb->cpus);
	for (i = 0; i < kb->n_quirks; i++) {
		free(kb->quirks[i].what);
		free(kb->quirks[i].source);
	}
	free(kb->quirks);
	free(kb);
}

static bool
ids_contain(const uint16_t *ids, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

const struct kb_igpu_gen *
kb_igpu_lookup(const struct kb *kb, uint16_t vendor, uint16_t device)
{
	size_t i;

	if (kb == NULL || vendor != 0x8086)
		return NULL;
	for (i = 0; i < kb->n_igpu; i++) {
		const struct kb_igpu_gen *g = &kb->igpu[i];

		if (ids_contain(g->device_ids, g->n_device_ids, device))
			return g;
	}
	return NULL;
}

const char *
kb_igpu_name(const struct kb_igpu_gen *g, uint16_t device)
{
	size_t i;

	for (i = 0; g != NULL && i < g->n_names; i++) {
		if (g->names[i].device_id == device)
			return g->names[i].name;
	}
	return NULL;
}

const struct kb_igpu_gen *
kb_igpu_find(const struct kb *kb, const char *id)
{
	size_t i;

	if (kb == NULL || id == NULL)
		return NULL;
	for (i = 0; i < kb->n_igpu; i++) {
		if (strcmp(kb->igpu[i].id, id) == 0)
			return &kb->igpu[i];
	}
	return NULL;
}

bool
kb_companion_matches(
    const struct kb_companion *c, uint16_t vendor, uint16_t device)
{
	return c != NULL && c->vendor_id == vendor &&
	       ids_contain(c->device_ids, c->n_device_ids, device);
}

/* The end of the token starting at s. */
static const char *
token_end(const char *s)
{
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	return s;
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * Whether the white-space separated tokens of match occur, in order and
 * adjacent, as whole tokens of text (case-insensitive): "i7-4770" is in
 * "Intel(R) Core(TM) i7-4770 CPU" but not in "... i7-4770K CPU".
 */
static bool
tokens_match_at(const char *text, const char *match)
{
	const char *t = text, *m = skip_space(match);

	while (*m != '\0') {
		const char *te = token_end(t), *me = token_end(m);
		size_t tl = te - t, ml = me - m;

		if (tl != ml || strncasecmp(t, m, ml) != 0)
			return false;
		t = skip_space(te);
		m = skip_space(me);
	}
	return true;
}

static bool
model_has_tokens(const char *model, const char *match)
{
	const char *t = skip_space(model);

	while (*t != '\0') {
		if (tokens_match_at(t, match))
			return true;
		t = skip_space(token_end(t));
	}
	return false;
}

int
kb_cpu_vtd(const struct kb *kb, const char *vendor, const char *model_name,
    const struct kb_cpu_sku **match)
{
	size_t i;

	if (match != NULL)
		*match = NULL;
	if (kb == NULL || model_name == NULL)
		return TRI_UNKNOWN;
	for (i = 0; i < kb->n_cpus; i++) {
		const struct kb_cpu_sku *sku = &kb->cpus[i];

		if (vendor != NULL && sku->vendor != NULL &&
		    strcmp(vendor, sku->vendor) != 0)
			continue;
		if (!model_has_tokens(model_name, sku->match))
			continue;
		if (match != NULL)
			*match = sku;
		return sku->vtd ? TRI_YES : TRI_NO;
	}
	return TRI_UNKNOWN;
}

const struct kb_quirk *
kb_quirk_lookup(const struct kb *kb, uint16_t vendor, uint16_t device)
{
	const struct kb_quirk *any = NULL;
	size_t i;

	if (kb == NULL)
		return NULL;
	for (i = 0; i < kb->n_quirks; i++) {
		const struct kb_quirk *q = &kb->quirks[i];

		if (q->vendor_id != vendor)
			continue;
		if (q->device_id == device)
			return q;
		if (q->device_id == 0xffff && any == NULL)
			any = q;
	}
	return any;
}
