/*
 * spec_emit.c: `vfio-wizard report`'s writer: a host spec (doc/host-spec.md)
 * from a probed host, through libyaml's emitter. This file holds the
 * emitter helpers, the header, the CPU and the IOMMU; the firmware, kernel
 * and PCI devices are in spec_emit_hw.c, the rest in spec_emit_sys.c.
 */
#include "spec_emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int
write_out(void *data, unsigned char *buf, size_t size)
{
	sb_add(data, buf, size);
	return 1;
}

static void
em_event(struct emit *e, yaml_event_t *ev, int ok)
{
	if (e->err != 0) {
		if (ok)
			yaml_event_delete(ev);
		return;
	}
	if (!ok || !yaml_emitter_emit(&e->y, ev))
		e->err = -EINVAL;
}

void
em_map(struct emit *e, bool flow)
{
	yaml_event_t ev;

	em_event(e, &ev,
	    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

void
em_seq(struct emit *e, bool flow)
{
	yaml_event_t ev;

	em_event(e, &ev,
	    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

void
em_end_map(struct emit *e)
{
	yaml_event_t ev;

	em_event(e, &ev, yaml_mapping_end_event_initialize(&ev));
}

void
em_end_seq(struct emit *e)
{
	yaml_event_t ev;

	em_event(e, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void
em_scalar(struct emit *e, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	em_event(e, &ev,
	    yaml_scalar_event_initialize(&ev, NULL, NULL,
		(yaml_char_t *)(uintptr_t)s, (int)strlen(s), 1, 1, style));
}

/* Plain scalars YAML 1.1 resolvers would read as something else. */
static bool
needs_quotes(const char *s)
{
	static const char *const words[] = {"y", "n", "yes", "no", "true",
	    "false", "on", "off", "null", "~", NULL};
	size_t i;

	if (*s == '\0')
		return true;
	for (i = 0; words[i] != NULL; i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	/* numbers, and anything starting like one */
	return strspn(s, "0123456789+-.") > 0 && strchr(s, ':') == NULL;
}

void
em_str(struct emit *e, const char *s)
{
	em_scalar(e, s,
	    needs_quotes(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
			    : YAML_ANY_SCALAR_STYLE);
}

void
em_plain(struct emit *e, const char *s)
{
	em_scalar(e, s, YAML_PLAIN_SCALAR_STYLE);
}

void
em_quoted(struct emit *e, const char *s)
{
	em_scalar(e, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void
em_text(struct emit *e, const char *s)
{
	em_scalar(e, s,
	    strchr(s, '\n') != NULL ? YAML_LITERAL_SCALAR_STYLE
				    : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void
em_int(struct emit *e, long v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%ld", v);
	em_scalar(e, buf, YAML_PLAIN_SCALAR_STYLE);
}

void
em_bool(struct emit *e, bool v)
{
	em_scalar(e, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
}

void
em_key(struct emit *e, const char *key)
{
	em_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);
}

void
em_kstr(struct emit *e, const char *key, const char *value)
{
	em_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);
	em_str(e, value);
}

void
em_kquoted(struct emit *e, const char *key, const char *value)
{
	em_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);
	em_quoted(e, value);
}

void
em_kint(struct emit *e, const char *key, long value)
{
	em_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);
	em_int(e, value);
}

void
em_kbool(struct emit *e, const char *key, bool value)
{
	em_scalar(e, key, YAML_PLAIN_SCALAR_STYLE);
	em_bool(e, value);
}

char *
em_redact(struct emit *e, const char *text)
{
	return e->red != NULL ? redact_text(e->red, text) : xstrdup(text);
}

char *
em_redact_file(struct emit *e, const char *path, const char *text)
{
	return e->red != NULL ? redact_file(e->red, path, text) : xstrdup(text);
}

/* The value of "key : value" in one cpuinfo block, or NULL. */
static char *
cpuinfo_field(const char *block, const char *key)
{
	const char *p = block;
	size_t kl = strlen(key);

	while (*p != '\0' && *p != '\n') {
		const char *eol = strchrnul(p, '\n');

		if (strncmp(p, key, kl) == 0 &&
		    (p[kl] == '\t' || p[kl] == ' ' || p[kl] == ':')) {
			const char *v = strchr(p, ':');

			if (v != NULL && v < eol) {
				v++;
				v += strspn(v, " \t");
				return xstrndup(v, (size_t)(eol - v));
			}
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return NULL;
}

/* The cpu: section from /proc/cpuinfo's first processor entry. */
void
emit_cpu(struct emit *e)
{
	static const char *const strs[][2] = {{"microcode", "microcode"},
	    {"mhz", "cpu MHz"}, {"cache_size", "cache size"},
	    {"address_sizes", "address sizes"}};
	char *text, *v;
	const char *p;
	size_t len, i;
	long threads = 0;

	if (root_read(e->r, "/proc/cpuinfo", &text, &len) < 0)
		return;
	for (p = text; (p = strstr(p, "processor")) != NULL; p++)
		if (p == text || p[-1] == '\n')
			threads++;
	em_key(e, "cpu");
	em_map(e, false);
	v = cpuinfo_field(text, "vendor_id");
	em_kstr(e, "vendor", v != NULL ? v : "unknown");
	free(v);
	v = cpuinfo_field(text, "model name");
	em_kquoted(e, "model_name", v != NULL ? v : "unknown");
	free(v);
	em_kint(e, "family", e->h->cpu.family >= 0 ? e->h->cpu.family : 0);
	em_kint(e, "model", e->h->cpu.model >= 0 ? e->h->cpu.model : 0);
	em_kint(
	    e, "stepping", e->h->cpu.stepping >= 0 ? e->h->cpu.stepping : 0);
	em_kint(e, "threads", threads > 0 ? threads : 1);
	v = cpuinfo_field(text, "cpu cores");
	if (v != NULL && atol(v) > 0)
		em_kint(e, "cores", atol(v));
	free(v);
	v = cpuinfo_field(text, "flags");
	em_kquoted(e, "flags", v != NULL ? v : "");
	free(v);
	v = cpuinfo_field(text, "bugs");
	if (v != NULL && *v != '\0')
		em_kquoted(e, "bugs", v);
	free(v);
	for (i = 0; i < EM_LEN(strs); i++) {
		v = cpuinfo_field(text, strs[i][1]);
		if (v != NULL && *v != '\0')
			em_kquoted(e, strs[i][0], v);
		free(v);
	}
	em_end_map(e);
	free(text);
}

/* The iommu: section. */
void
emit_iommu(struct emit *e)
{
	const struct host_iommu *io = &e->h->iommu;
	size_t i;

	em_key(e, "iommu");
	em_map(e, false);
	em_kbool(e, "active", io->active);
	if (io->active && io->n_units > 0) {
		em_key(e, "units");
		em_seq(e, true);
		for (i = 0; i < io->n_units; i++)
			em_str(e, io->units[i]);
		em_end_seq(e);
	}
	if (io->active && io->n_groups > 0 && io->groups[0].type != NULL)
		em_kstr(e, "group_type", io->groups[0].type);
	em_end_map(e);
}

/* The header: spec, name, description, source, hostname. */
static void
emit_header(struct emit *e, const struct spec_emit_opts *o)
{
	em_kint(e, "spec", 1);
	em_kstr(e, "name", o->name);
	if (o->description != NULL)
		em_kstr(e, "description", o->description);
	em_kstr(e, "source", o->source);
	if (e->hostname != NULL)
		em_kstr(e, "hostname", e->hostname);
}

/* The host's DNS domain, from the FQDN /etc/hosts gives the node. */
static char *
host_domain(const struct root *r, const char *hostname)
{
	char *text, *p, *dom = NULL;
	size_t len, hl = strlen(hostname);

	if (root_read(r, "/etc/hosts", &text, &len) < 0)
		return NULL;
	for (p = text; (p = strstr(p, hostname)) != NULL; p++) {
		if ((p == text || p[-1] == ' ' || p[-1] == '\t') &&
		    p[hl] == '.') {
			size_t n = strcspn(p + hl + 1, " \t\n#");

			if (n > 0)
				dom = xstrndup(p + hl + 1, n);
			break;
		}
	}
	free(text);
	return dom;
}

int
spec_emit(const struct root *r, const struct host *h,
    const struct spec_emit_opts *o, char **yaml, char **cause)
{
	struct emit e;
	yaml_event_t ev;
	char *dom = NULL;

	memset(&e, 0, sizeof e);
	e.r = r;
	e.h = h;
	if (o->redact) {
		if (h->hostname != NULL)
			dom = host_domain(r, h->hostname);
		e.red = redact_new(h->hostname, dom);
		free(dom);
		e.hostname =
		    h->hostname != NULL ? redact_hostname(e.red) : NULL;
	} else
		e.hostname = h->hostname;
	if (!yaml_emitter_initialize(&e.y)) {
		redact_free(e.red);
		if (cause != NULL)
			*cause = xstrdup("cannot set up libyaml's emitter");
		return -ENOMEM;
	}
	yaml_emitter_set_output(&e.y, write_out, &e.out);
	yaml_emitter_set_unicode(&e.y, 1);
	yaml_emitter_set_width(&e.y, 100);
	em_event(&e, &ev,
	    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	em_event(&e, &ev,
	    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	em_map(&e, false);
	emit_header(&e, o);
	emit_cpu(&e);
	emit_firmware(&e);
	emit_kernel(&e);
	emit_iommu(&e);
	emit_pci(&e);
	emit_net(&e);
	emit_block(&e);
	emit_mounts(&e);
	emit_pve(&e);
	emit_files(&e);
	emit_packages(&e);
	em_end_map(&e);
	em_event(&e, &ev, yaml_document_end_event_initialize(&ev, 1));
	em_event(&e, &ev, yaml_stream_end_event_initialize(&ev));
	if (e.err == 0 && !yaml_emitter_flush(&e.y))
		e.err = -EINVAL;
	if (e.err != 0 && cause != NULL)
		*cause = xasprintf("cannot write the spec: %s",
		    e.y.problem != NULL ? e.y.problem : "libyaml failed");
	yaml_emitter_delete(&e.y);
	redact_free(e.red);
	strv_free(e.ifaces, e.n_ifaces);
	if (e.err != 0) {
		sb_release(&e.out);
		return e.err;
	}
	*yaml = sb_detach(&e.out);
	return 0;
}
