/*
 * pci_addr.c: parsing and printing PCI addresses (see pci_addr.h).
 */
#include "vfio-wizard/pci_addr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Read 1..max hex digits at *p into *v, advancing *p; the digit count. */
static size_t
hex_run(const char **p, size_t max, unsigned *v)
{
	size_t n = 0;

	*v = 0;
	while (n < max + 1 && isxdigit((unsigned char)**p)) {
		int c = tolower((unsigned char)**p);

		*v = *v << 4 | (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
		(*p)++;
		n++;
	}
	return n;
}

/* Parse at p up to the end of the address; *end gets where it stopped. */
static int
parse_at(const char *p, struct pci_addr *a, const char **end)
{
	unsigned v[3];
	size_t n;
	const char *q = p;

	n = hex_run(&q, 8, &v[0]);
	if (n == 0 || n > 8 || *q != ':')
		return -EINVAL;
	q++;
	n = hex_run(&q, 2, &v[1]);
	if (n != 2)
		return -EINVAL;
	if (*q == ':') {       /* a domain was given */
		if (q - p < 7) /* four digits at least */
			return -EINVAL;
		q++;
		a->domain = v[0];
		a->bus = v[1];
		if (hex_run(&q, 2, &a->dev) != 2)
			return -EINVAL;
	} else {
		if (q - p != 5) /* "bb:dd" */
			return -EINVAL;
		a->domain = 0;
		a->bus = v[0];
		a->dev = v[1];
	}
	if (*q++ != '.' || !isdigit((unsigned char)*q))
		return -EINVAL;
	a->func = (unsigned)(*q++ - '0');
	if (a->bus > 0xff || a->dev > 0x1f || a->func > 7)
		return -EINVAL;
	*end = q;
	return 0;
}

int
pci_addr_parse(const char *in, struct pci_addr *out)
{
	const char *end;

	if (in == NULL || parse_at(in, out, &end) < 0 || *end != '\0')
		return -EINVAL;
	return 0;
}

void
pci_addr_format(const struct pci_addr *a, char *out)
{
	snprintf(out, PCI_ADDR_LEN, "%04x:%02x:%02x.%x",
	    a->domain & 0xffffffffu, a->bus & 0xff, a->dev & 0x1f, a->func & 7);
}

int
pci_address_parse(const char *in, char out[PCI_ADDR_LEN])
{
	struct pci_addr a;

	if (pci_addr_parse(in, &a) < 0)
		return -EINVAL;
	pci_addr_format(&a, out);
	return 0;
}

int
pci_addr_cmp(const struct pci_addr *x, const struct pci_addr *y)
{
	const unsigned kx[4] = {x->domain, x->bus, x->dev, x->func};
	const unsigned ky[4] = {y->domain, y->bus, y->dev, y->func};
	int i;

	for (i = 0; i < 4; i++) {
		if (kx[i] != ky[i])
			return kx[i] < ky[i] ? -1 : 1;
	}
	return 0;
}

bool
pci_addr_is_component(const char *s, size_t len)
{
	struct pci_addr a;
	const char *end;

	/* the full form only: sysfs always prints the domain */
	if (len < 12 || len > 16 || parse_at(s, &a, &end) < 0)
		return false;
	return (size_t)(end - s) == len;
}
