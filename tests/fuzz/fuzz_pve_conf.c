/*
 * fuzz_pve_conf.c: libFuzzer target for the Proxmox VE VM config codec.
 * Any input must parse (strictly or leniently) or be refused without a
 * crash or a leak; every config kept must print back byte for byte, and a
 * set/delete of a key must leave a config that parses again.
 */
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/strbuf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
same_text(const struct pve_conf *c, const char *want, size_t len)
{
	size_t n;
	char *back = pve_conf_text(c, &n);

	if (n != len || memcmp(back, want, len) != 0)
		abort();
	free(back);
}

/* Read every hostpciN value of the main section through its parser. */
static void
hostpci(const struct pve_conf *c)
{
	const struct pve_section *m = pve_conf_main(c);
	struct pve_hostpci hp;
	char *cause = NULL, *out;
	size_t i;

	for (i = 0; i < m->n_lines; i++) {
		const struct pve_line *l = &m->lines[i];

		if (l->kind != PVE_LINE_KEY || strncmp(l->key, "hostpci", 7))
			continue;
		if (pve_hostpci_parse(l->value, &hp, &cause) == 0) {
			out = pve_hostpci_print(&hp);
			free(out);
			pve_hostpci_free(&hp);
		}
		free(cause);
		cause = NULL;
	}
}

/* Set a key, check the result parses and holds it, then delete it. */
static void
edit(struct pve_conf *c)
{
	struct pve_conf *again = NULL;
	char *cause = NULL, *text;
	const char *v;
	size_t len;

	if (pve_conf_set(c, "hostpci0", "0000:00:02.0,legacy-igd=1", &cause) <
	    0) {
		free(cause);
		return;
	}
	text = pve_conf_text(c, &len);
	if (pve_conf_parse(text, len, 0, &again, &cause) < 0)
		abort();
	v = pve_conf_get(again, "hostpci0");
	if (v == NULL || strcmp(v, "0000:00:02.0,legacy-igd=1") != 0)
		abort();
	if (pve_conf_delete(again, "hostpci0") < 0 ||
	    pve_conf_get(again, "hostpci0") != NULL)
		abort();
	pve_conf_free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *buf = malloc(size ? size : 1), *cause = NULL;
	struct pve_conf *c = NULL;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (pve_conf_parse(buf, size, 0, &c, &cause) == 0) {
		same_text(c, buf, size);
		hostpci(c);
		edit(c);
	}
	pve_conf_free(c);
	c = NULL;
	free(cause);
	cause = NULL;
	if (pve_conf_parse(buf, size, PVE_PARSE_LENIENT, &c, &cause) == 0 ||
	    c != NULL) {
		if (c == NULL)
			abort();
		same_text(c, buf, size);
		pve_conf_free(c);
	}
	free(cause);
	free(buf);
	return 0;
}
