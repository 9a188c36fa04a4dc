/*
 * pve_hostpci.c: parse and print the value of a hostpciN config key, as
 * qemu-server's parse_hostpci and pve-common's parse_property_string do
 * (see pve_conf.h for the format).
 */
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool
is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool
is_hex(char c)
{
	return is_hex_lower(c) || (c >= 'A' && c <= 'F');
}

/* Parse n lowercase hex digits at s into *v; false when not all hex. */
static bool
hex_span(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	while (n > 1 && *s == '0') {
		s++;
		n--;
	}
	if (n > 8)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_hex_lower(s[i]))
			return false;
		*v = *v * 16 +
		     (unsigned)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
	}
	return true;
}

/* Match one "(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?". */
static int
pci_id_span(const char *s, size_t n, unsigned *domain, unsigned *bus,
    unsigned *dev, int *func)
{
	const char *c1 = memchr(s, ':', n), *c2;
	unsigned f;

	*domain = 0;
	*func = -1;
	if (c1 == NULL)
		return -EINVAL;
	c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s));
	if (c2 != NULL) {
		if (c1 - s < 4 || !hex_span(s, (size_t)(c1 - s), domain))
			return -EINVAL;
		n -= (size_t)(c1 + 1 - s);
		s = c1 + 1;
		c1 = c2;
	}
	if (c1 - s != 2 || !hex_span(s, 2, bus))
		return -EINVAL;
	s = c1 + 1;
	n -= 3;
	if (n != 2 && n != 4)
		return -EINVAL;
	if (!hex_span(s, 2, dev))
		return -EINVAL;
	if (n == 4) {
		if (s[2] != '.' || !hex_span(s + 3, 1, &f))
			return -EINVAL;
		*func = (int)f;
	}
	return 0;
}

int
pve_pci_id_parse(
    const char *id, unsigned *domain, unsigned *bus, unsigned *dev, int *func)
{
	return pci_id_span(id, strlen(id), domain, bus, dev, func);
}

/* pve-common parse_boolean: 1|on|yes|true, 0|off|no|false, any case. */
static int
parse_bool(const char *v)
{
	static const char *const yes[] = {"1", "on", "yes", "true"};
	static const char *const no[] = {"0", "off", "no", "false"};
	size_t i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* True when no byte of v is in reject, and v is not empty. */
static bool
plain(const char *v, const char *reject)
{
	return *v != '\0' && strpbrk(v, reject) == NULL;
}

static bool
hex_id(const char *v)
{
	return strlen(v) == 6 && v[0] == '0' && v[1] == 'x' && is_hex(v[2]) &&
	       is_hex(v[3]) && is_hex(v[4]) && is_hex(v[5]);
}

static bool
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* pve-configid: [a-z][a-z0-9_-]+, any case. */
static bool
config_id(const char *v)
{
	size_t i, n = strlen(v);

	if (n < 2 || !is_alnum(v[0]) || (v[0] >= '0' && v[0] <= '9'))
		return false;
	for (i = 1; i < n; i++) {
		if (!is_alnum(v[i]) && v[i] != '_' && v[i] != '-')
			return false;
	}
	return true;
}

static int
parse_hosts(struct pve_hostpci *h, const char *v)
{
	const char *s = v;
	unsigned d, b, dv;
	int f;

	for (;;) {
		const char *semi = strchr(s, ';');
		size_t n = semi != NULL ? (size_t)(semi - s) : strlen(s);

		if (pci_id_span(s, n, &d, &b, &dv, &f) < 0)
			return -EINVAL;
		ARRAY_PUSH(h->hosts, h->n_hosts, xstrndup(s, n));
		if (semi == NULL)
			return 0;
		s = semi + 1;
	}
}

enum hp_type { HP_HOST, HP_STR, HP_BOOL };

struct hp_key {
	const char *name;
	enum hp_type type;
	size_t off; /* of the char * or int field */
};

#define HP_STR_KEY(n, f)                                   \
	{                                                  \
		n, HP_STR, offsetof(struct pve_hostpci, f) \
	}
#define HP_BOOL_KEY(n, f)                                   \
	{                                                   \
		n, HP_BOOL, offsetof(struct pve_hostpci, f) \
	}

/* Sorted by name: pve_hostpci_print() walks it in this order. */
static const struct hp_key hp_keys[] = {
    HP_STR_KEY("device-id", device_id),
    HP_STR_KEY("driver", driver),
    {"host", HP_HOST, 0},
    HP_BOOL_KEY("legacy-igd", legacy_igd),
    HP_STR_KEY("mapping", mapping),
    HP_STR_KEY("mdev", mdev),
    HP_BOOL_KEY("pcie", pcie),
    HP_BOOL_KEY("rombar", rombar),
    HP_STR_KEY("romfile", romfile),
    HP_STR_KEY("sub-device-id", sub_device_id),
    HP_STR_KEY("sub-vendor-id", sub_vendor_id),
    HP_STR_KEY("vendor-id", vendor_id),
    HP_BOOL_KEY("x-vga", x_vga),
};

#define HP_FIELD_STR(h, k) ((char **)((char *)(h) + (k)->off))
#define HP_FIELD_INT(h, k) ((int *)((char *)(h) + (k)->off))

/* Check a string key's value against its pattern in the schema. */
static bool
value_ok(const char *key, const char *v)
{
	if (strcmp(key, "mapping") == 0)
		return config_id(v);
	if (strcmp(key, "romfile") == 0)
		return plain(v, ",;");
	if (strcmp(key, "mdev") == 0)
		return plain(v, "/.:");
	if (strstr(key, "-id") != NULL)
		return hex_id(v);
	return plain(v, ",");
}

/* Store one key=value part; -EINVAL with *cause on a bad key or value. */
static int
set_part(struct pve_hostpci *h, const char *k, const char *v, char **cause)
{
	const struct hp_key *key = NULL;
	size_t i;
	int b;

	for (i = 0; i < nitems(hp_keys); i++) {
		if (strcmp(hp_keys[i].name, k) == 0)
			key = &hp_keys[i];
	}
	if (key == NULL) {
		*cause = xasprintf("invalid key '%s' in hostpci value", k);
		return -EINVAL;
	}
	if ((key->type == HP_HOST && h->n_hosts > 0) ||
	    (key->type == HP_STR && *HP_FIELD_STR(h, key) != NULL) ||
	    (key->type == HP_BOOL && *HP_FIELD_INT(h, key) != -1)) {
		*cause = xasprintf("duplicate key '%s' in hostpci value", k);
		return -EINVAL;
	}
	switch (key->type) {
	case HP_HOST:
		if (parse_hosts(h, v) < 0) {
			*cause = xasprintf("invalid host pci id list '%s'", v);
			return -EINVAL;
		}
		return 0;
	case HP_BOOL:
		if ((b = parse_bool(v)) < 0) {
			*cause =
			    xasprintf("invalid boolean '%s' for '%s'", v, k);
			return -EINVAL;
		}
		*HP_FIELD_INT(h, key) = b;
		return 0;
	case HP_STR:
		if (!value_ok(k, v)) {
			*cause = xasprintf("invalid value '%s' for '%s'", v, k);
			return -EINVAL;
		}
		*HP_FIELD_STR(h, key) = xstrdup(v);
		return 0;
	}
	return -EINVAL;
}

static int
parse_parts(struct pve_hostpci *h, char *copy, char **cause)
{
	char *part, *next;
	int err;

	for (part = copy; part != NULL; part = next) {
		char *eq;

		next = strchr(part, ',');
		if (next != NULL)
			*next++ = '\0';
		if (strspn(part, " \t\n\v\f\r") == strlen(part))
			continue;
		eq = strchr(part, '=');
		if (eq == NULL) {
			err = set_part(h, "host", part, cause);
		} else if (eq == part || eq[1] == '\0') {
			*cause =
			    xasprintf("missing key or value in '%s'", part);
			return -EINVAL;
		} else {
			*eq = '\0';
			err = set_part(h, part, eq + 1, cause);
		}
		if (err < 0)
			return err;
	}
	return 0;
}

int
pve_hostpci_parse(const char *value, struct pve_hostpci *out, char **cause)
{
	char *copy;
	int err;

	memset(out, 0, sizeof *out);
	out->rombar = out->pcie = out->x_vga = out->legacy_igd = -1;
	copy = xstrdup(value);
	err = parse_parts(out, copy, cause);
	free(copy);
	if (err == 0 && out->n_hosts > 0 && out->mapping != NULL) {
		*cause = xstrdup("cannot set both 'host' and 'mapping'");
		err = -EINVAL;
	} else if (err == 0 && out->n_hosts == 0 && out->mapping == NULL) {
		*cause = xasprintf("hostpci value '%s' names no 'host' or "
				   "'mapping'",
		    value);
		err = -EINVAL;
	}
	if (err < 0)
		pve_hostpci_free(out);
	return err;
}

void
pve_hostpci_free(struct pve_hostpci *h)
{
	size_t i;

	strv_free(h->hosts, h->n_hosts);
	for (i = 0; i < nitems(hp_keys); i++) {
		if (hp_keys[i].type == HP_STR)
			free(*HP_FIELD_STR(h, &hp_keys[i]));
	}
	memset(h, 0, sizeof *h);
	h->rombar = h->pcie = h->x_vga = h->legacy_igd = -1;
}

char *
pve_hostpci_print(const struct pve_hostpci *h)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < h->n_hosts; i++)
		sb_addf(&sb, "%s%s", i > 0 ? ";" : "", h->hosts[i]);
	for (i = 0; i < nitems(hp_keys); i++) {
		const struct hp_key *k = &hp_keys[i];
		const char *sep = sb.len > 0 ? "," : "";

		if (k->type == HP_STR && *HP_FIELD_STR(h, k) != NULL)
			sb_addf(
			    &sb, "%s%s=%s", sep, k->name, *HP_FIELD_STR(h, k));
		else if (k->type == HP_BOOL && *HP_FIELD_INT(h, k) >= 0)
			sb_addf(
			    &sb, "%s%s=%d", sep, k->name, *HP_FIELD_INT(h, k));
	}
	return sb.buf != NULL ? sb_detach(&sb) : xstrdup("");
}

bool
pve_hostpci_covers(const struct pve_hostpci *h, const char *address)
{
	unsigned ad, ab, adv, d, b, dv;
	int af, f;
	char *low = xstrdup(address), *p;
	size_t i;
	bool ok;

	for (p = low; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	}
	ok = pve_pci_id_parse(low, &ad, &ab, &adv, &af) == 0;
	free(low);
	if (!ok)
		return false;
	for (i = 0; i < h->n_hosts; i++) {
		if (pve_pci_id_parse(h->hosts[i], &d, &b, &dv, &f) < 0)
			continue;
		if (d == ad && b == ab && dv == adv && (f < 0 || f == af))
			return true;
	}
	return false;
}
