/*
 * spec_redact.c: what a report leaves out of a host's files. Host names,
 * IP and MAC addresses, UUIDs and serials are replaced by placeholders, the
 * same original always by the same placeholder, so the redacted spec stays
 * self-consistent (/etc/hosts still names the node's address on vmbr0).
 * doc/report.md lists each rule and why.
 */
#include "vfio-wizard/spec.h"
#include "vfio-wizard/strbuf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REDACT_HOST "pve"
#define REDACT_DOMAIN "example.com"

/* One original value and the placeholder it got. */
struct rmap {
	char **from, **to;
	size_t n;
};

struct redact {
	char *hostname, *domain;
	struct rmap v4net; /* "a.b.c" -> "192.0.2" */
	struct rmap v6net; /* the first 64 bits -> "2001:db8:N" */
	struct rmap v6;	   /* a full address -> its placeholder */
	struct rmap mac, uuid, node;
};

static const char *
rmap_get(const struct rmap *m, const char *from)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->from[i], from) == 0)
			return m->to[i];
	return NULL;
}

static const char *
rmap_put(struct rmap *m, const char *from, char *to)
{
	ARRAY_PUSH(m->from, m->n, xstrdup(from));
	m->n--;
	ARRAY_PUSH(m->to, m->n, to);
	return to;
}

static void
rmap_free(struct rmap *m)
{
	strv_free(m->from, m->n);
	strv_free(m->to, m->n);
}

struct redact *
redact_new(const char *hostname, const char *domain)
{
	struct redact *r = xcalloc(1, sizeof *r);

	if (hostname != NULL && *hostname != '\0')
		r->hostname = xstrdup(hostname);
	if (domain != NULL && *domain != '\0')
		r->domain = xstrdup(domain);
	return r;
}

void
redact_free(struct redact *r)
{
	if (r == NULL)
		return;
	free(r->hostname);
	free(r->domain);
	rmap_free(&r->v4net);
	rmap_free(&r->v6net);
	rmap_free(&r->v6);
	rmap_free(&r->mac);
	rmap_free(&r->uuid);
	rmap_free(&r->node);
	free(r);
}

const char *
redact_hostname(const struct redact *r)
{
	(void)r;
	return REDACT_HOST;
}

static bool
is_word(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Documentation /24s for the original /24s, in order of appearance. */
static const char *
v4_net(struct redact *r, const char *net)
{
	static const char *const doc[] = {"192.0.2", "198.51.100", "203.0.113"};
	const char *to = rmap_get(&r->v4net, net);

	if (to != NULL)
		return to;
	if (r->v4net.n < 3)
		return rmap_put(&r->v4net, net, xstrdup(doc[r->v4net.n]));
	/* RFC 2544's benchmarking range when the three are used up */
	return rmap_put(
	    &r->v4net, net, xasprintf("198.18.%zu", r->v4net.n - 3));
}

/* Addresses that identify nothing: loopback, any, masks, multicast. */
static bool
v4_keep(const unsigned char a[4])
{
	uint32_t v = (uint32_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];

	if (a[0] == 127 || a[0] == 0 || a[0] >= 224)
		return true;
	/* a netmask: ones, then zeroes */
	return v != 0 && ((~v + 1) & ~v) == 0;
}

/* The replacement of one IPv4 address, or NULL to keep it. */
static char *
v4_redact(struct redact *r, const unsigned char a[4])
{
	char net[16];

	if (v4_keep(a))
		return NULL;
	snprintf(net, sizeof net, "%u.%u.%u", a[0], a[1], a[2]);
	return xasprintf("%s.%u", v4_net(r, net), a[3]);
}

/* The replacement of one IPv6 address, or NULL to keep it. */
static char *
v6_redact(struct redact *r, const unsigned char a[16])
{
	char key[64], net[32];
	const char *to, *pfx;
	size_t hosts;

	if (a[0] == 0xff || (a[0] == 0xfe && a[1] == 0) ||
	    (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0) ||
	    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8))
		return NULL; /* ::1, ::, multicast, fe00::, documentation */
	inet_ntop(AF_INET6, a, key, sizeof key);
	to = rmap_get(&r->v6, key);
	if (to != NULL)
		return xstrdup(to);
	snprintf(net, sizeof net, "%02x%02x%02x%02x%02x%02x%02x%02x", a[0],
	    a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
	pfx = rmap_get(&r->v6net, net);
	if (pfx == NULL)
		pfx = rmap_put(
		    &r->v6net, net, xasprintf("2001:db8:%zx", r->v6net.n));
	/* host numbers count within the whole report: unique and short */
	hosts = r->v6.n + 1;
	return xstrdup(rmap_put(&r->v6, key, xasprintf("%s::%zx", pfx, hosts)));
}

static bool
is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* Length of a MAC address (hh:hh:hh:hh:hh:hh) at p, or 0. */
static size_t
mac_len(const char *p)
{
	int i;

	for (i = 0; i < 6; i++) {
		if (!is_hex(p[i * 3]) || !is_hex(p[i * 3 + 1]))
			return 0;
		if (i < 5 && p[i * 3 + 2] != ':' && p[i * 3 + 2] != '-')
			return 0;
	}
	if (is_hex(p[17]) || p[17] == ':')
		return 0;
	return 17;
}

/* Length of a UUID (8-4-4-4-12 hex digits) at p, or 0. */
static size_t
uuid_len(const char *p)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	size_t n = 0;
	int g, i;

	for (g = 0; g < 5; g++) {
		for (i = 0; i < groups[g]; i++, n++)
			if (!is_hex(p[n]))
				return 0;
		if (g < 4 && p[n++] != '-')
			return 0;
	}
	return is_hex(p[n]) || p[n] == '-' ? 0 : n;
}

static void
add_mac(struct redact *r, struct strbuf *sb, const char *p)
{
	char key[18];
	const char *to;
	size_t i;

	for (i = 0; i < 17; i++)
		key[i] = (char)toupper((unsigned char)p[i]);
	key[17] = '\0';
	if (strcmp(key, "00:00:00:00:00:00") == 0 ||
	    strcmp(key, "FF:FF:FF:FF:FF:FF") == 0) {
		sb_add(sb, p, 17);
		return;
	}
	to = rmap_get(&r->mac, key);
	if (to == NULL)
		to = rmap_put(&r->mac, key,
		    xasprintf("02:00:00:00:%02X:%02X",
			(unsigned)((r->mac.n + 1) >> 8) & 0xff,
			(unsigned)(r->mac.n + 1) & 0xff));
	if (islower((unsigned char)p[0]) || islower((unsigned char)p[1])) {
		for (i = 0; to[i] != '\0'; i++)
			sb_addc(sb, (char)tolower((unsigned char)to[i]));
	} else
		sb_adds(sb, to);
}

static void
add_uuid(struct redact *r, struct strbuf *sb, const char *p, size_t n)
{
	char *key = xstrndup(p, n);
	const char *to;
	size_t i;

	for (i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	to = rmap_get(&r->uuid, key);
	if (to == NULL)
		to = rmap_put(&r->uuid, key,
		    xasprintf("00000000-0000-4000-8000-%012zx", r->uuid.n + 1));
	free(key);
	sb_adds(sb, to);
}

/* An IPv4 or IPv6 address at p (bounded); its length and replacement. */
static size_t
ip_at(struct redact *r, const char *text, const char *p, char **repl)
{
	char buf[64];
	unsigned char a[16];
	size_t n = 0;
	bool colon = false;

	*repl = NULL;
	if (p > text && (is_hex(p[-1]) || p[-1] == ':' || p[-1] == '.'))
		return 0;
	while (n < sizeof buf - 1 &&
	       (is_hex(p[n]) || p[n] == ':' || p[n] == '.')) {
		colon |= p[n] == ':';
		n++;
	}
	while (n > 0 && (p[n - 1] == '.' || p[n - 1] == ':') &&
	       !(n >= 2 && p[n - 1] == ':' && p[n - 2] == ':'))
		n--; /* "address 10.0.0.1." ends a sentence */
	if (n < 2 || is_hex(p[n]))
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (!colon && inet_pton(AF_INET, buf, a) == 1) {
		*repl = v4_redact(r, a);
		return n;
	}
	if (colon && strchr(buf, '.') == NULL &&
	    inet_pton(AF_INET6, buf, a) == 1) {
		*repl = v6_redact(r, a);
		return n;
	}
	return 0;
}

/* Whether the word at p (length n) is a whole word of the text. */
static bool
whole_word(const char *text, const char *p, size_t n)
{
	return (p == text || !is_word(p[-1])) && !is_word(p[n]);
}

char *
redact_text(struct redact *r, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = text;
	size_t hl = r->hostname != NULL ? strlen(r->hostname) : 0;
	size_t dl = r->domain != NULL ? strlen(r->domain) : 0;
	size_t n;
	char *repl;

	while (*p != '\0') {
		if (dl > 0 && strncmp(p, r->domain, dl) == 0 &&
		    (p == text || p[-1] == '.' || !is_word(p[-1])) &&
		    !is_word(p[dl])) {
			sb_adds(&sb, REDACT_DOMAIN);
			p += dl;
		} else if (hl > 0 && strncmp(p, r->hostname, hl) == 0 &&
			   whole_word(text, p, hl)) {
			sb_adds(&sb, REDACT_HOST);
			p += hl;
		} else if (is_hex(*p) && (p == text || !is_hex(p[-1])) &&
			   (n = mac_len(p)) > 0 &&
			   (p == text || (p[-1] != ':' && p[-1] != '-'))) {
			add_mac(r, &sb, p);
			p += n;
		} else if (is_hex(*p) && (p == text || !is_hex(p[-1])) &&
			   (n = uuid_len(p)) > 0) {
			add_uuid(r, &sb, p, n);
			p += n;
		} else if ((is_hex(*p) || *p == ':') &&
			   (n = ip_at(r, text, p, &repl)) > 0) {
			if (repl != NULL)
				sb_adds(&sb, repl);
			else
				sb_add(&sb, p, n);
			free(repl);
			p += n;
		} else if (str_startswith(p, "serial=") &&
			   (p == text || !is_word(p[-1]))) {
			/* a disk's serial in a VM config or fstab option */
			sb_adds(&sb, "serial=redacted");
			p += 7;
			while (*p != '\0' && *p != ',' && *p != '\n' &&
			       !isspace((unsigned char)*p))
				p++;
		} else if (is_word(*p)) {
			/* a whole word: no address starts inside it */
			while (is_word(*p))
				sb_addc(&sb, *p++);
		} else
			sb_addc(&sb, *p++);
	}
	return sb_detach(&sb);
}

/* One 8-hex-digit little-endian IPv4 address of /proc/net/route. */
static void
route_v4(struct redact *r, struct strbuf *sb, const char *tok, size_t n)
{
	unsigned char a[4];
	unsigned long v;
	char *s = xstrndup(tok, n), *end, *repl;

	v = strtoul(s, &end, 16);
	if (n != 8 || *end != '\0') {
		sb_add(sb, tok, n);
		free(s);
		return;
	}
	free(s);
	a[0] = v & 0xff, a[1] = v >> 8 & 0xff, a[2] = v >> 16 & 0xff;
	a[3] = v >> 24 & 0xff;
	repl = v4_redact(r, a);
	if (repl == NULL) {
		sb_add(sb, tok, n);
		return;
	}
	if (inet_pton(AF_INET, repl, a) == 1)
		sb_addf(sb, "%02X%02X%02X%02X", a[3], a[2], a[1], a[0]);
	free(repl);
}

/* /proc/net/route: Destination and Gateway (columns 2 and 3) mapped. */
static char *
redact_route(struct redact *r, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = text;
	bool first = true;

	while (*p != '\0') {
		const char *eol = strchrnul(p, '\n');
		int col = 0;

		while (p < eol) {
			size_t n = strcspn(p, " \t\n");

			if (n > (size_t)(eol - p))
				n = (size_t)(eol - p);
			if (n == 0) {
				sb_addc(&sb, *p++);
				continue;
			}
			col++;
			if (!first && (col == 2 || col == 3))
				route_v4(r, &sb, p, n);
			else
				sb_add(&sb, p, n);
			p += n;
		}
		first = false;
		if (*p == '\n')
			sb_addc(&sb, *p++);
	}
	return sb_detach(&sb);
}

/* A cluster node name in storage.cfg's "nodes" lists: node2, node3, ... */
static const char *
node_name(struct redact *r, const char *name)
{
	const char *to;

	/* the text was redacted already: this node is "pve" by now */
	if (strcmp(name, REDACT_HOST) == 0 ||
	    (r->hostname != NULL && strcmp(name, r->hostname) == 0))
		return REDACT_HOST;
	to = rmap_get(&r->node, name);
	return to != NULL ? to
			  : rmap_put(&r->node, name,
				xasprintf("node%zu", r->node.n + 2));
}

/* storage.cfg: the "nodes" option lists other cluster members by name. */
static char *
redact_storage(struct redact *r, const char *text)
{
	struct strbuf sb = STRBUF_INIT;
	char *red = redact_text(r, text), *p = red;

	while (*p != '\0') {
		char *eol = strchrnul(p, '\n');
		char *q = p + strspn(p, " \t");

		if (q > p && str_startswith(q, "nodes ")) {
			char *list = xstrndup(q + 6, (size_t)(eol - q - 6));
			char *save = NULL, *tok;
			bool first = true;

			sb_add(&sb, p, (size_t)(q - p) + 6);
			for (tok = strtok_r(list, ", \t", &save); tok != NULL;
			     tok = strtok_r(NULL, ", \t", &save)) {
				sb_addf(&sb, "%s%s", first ? "" : ",",
				    node_name(r, tok));
				first = false;
			}
			free(list);
		} else
			sb_add(&sb, p, (size_t)(eol - p));
		p = eol;
		if (*p == '\n')
			sb_addc(&sb, *p++);
	}
	free(red);
	return sb_detach(&sb);
}

char *
redact_file(struct redact *r, const char *path, const char *text)
{
	if (strcmp(path, "/proc/net/route") == 0)
		return redact_route(r, text);
	if (strcmp(path, "/etc/pve/storage.cfg") == 0)
		return redact_storage(r, text);
	return redact_text(r, text);
}

/* Keep only smbios1's uuid: serial, manufacturer, product may be real. */
static void
vm_smbios(struct redact *r, struct strbuf *sb, const char *val, size_t n)
{
	char *v = xstrndup(val, n), *save = NULL, *tok, *red;
	bool any = false;

	sb_adds(sb, "smbios1: ");
	for (tok = strtok_r(v, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!str_startswith(tok, "uuid="))
			continue;
		red = redact_text(r, tok);
		sb_adds(sb, red);
		free(red);
		any = true;
	}
	if (!any)
		sb_adds(sb, "uuid=00000000-0000-4000-8000-000000000000");
	free(v);
}

char *
redact_vm_conf(struct redact *r, unsigned long vmid, const char *conf)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = conf;
	char *red;

	while (*p != '\0') {
		const char *eol = strchrnul(p, '\n');
		size_t n = (size_t)(eol - p);

		if (*p == '#') {
			/* the description: free text, left out */
		} else if (str_startswith(p, "name:")) {
			sb_addf(&sb, "name: vm%lu\n", vmid);
		} else if (str_startswith(p, "smbios1: ")) {
			vm_smbios(r, &sb, p + 9, n - 9);
			sb_addc(&sb, '\n');
		} else if (str_startswith(p, "tags:")) {
			/* personal labels, left out */
		} else {
			char *line = xstrndup(p, n);

			red = redact_text(r, line);
			sb_adds(&sb, red);
			sb_addc(&sb, '\n');
			free(red);
			free(line);
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return sb_detach(&sb);
}
