/*
 * pci_query.c: questions asked of the probed PCI list: the class predicates
 * (GPU, bridge, audio) and the lookup of a device by its address, a binary
 * search over the list probe_pci sorted by domain, bus, device, function.
 */
#include "vfio-wizard/host.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

bool
pci_is_gpu(const struct pci_device *d)
{
	return PCI_CLASS_BASE(d->class_code) == 0x03;
}

bool
pci_is_bridge(const struct pci_device *d)
{
	if (PCI_CLASS_BASE(d->class_code) != 0x06)
		return false;
	switch (PCI_CLASS_SUB(d->class_code)) {
	case 0x00: /* host bridge */
	case 0x01: /* ISA bridge (the LPC controller) */
	case 0x04: /* PCI-to-PCI bridge, PCIe root and switch ports */
	case 0x09: /* semi-transparent PCI-to-PCI bridge */
		return true;
	}
	return false;
}

bool
pci_is_audio(const struct pci_device *d)
{
	return (d->class_code >> 8) == 0x0403;
}

/* Parse "DDDD:BB:DD.F" (or "BB:DD.F" for domain 0); 0 or -EINVAL. */
static int
parse_address(
    const char *s, unsigned *dom, unsigned *bus, unsigned *dev, unsigned *fn)
{
	unsigned v[4] = {0, 0, 0, 0};
	int parts = 0, dots = 0;
	const char *p = s;

	for (;;) {
		int digits = 0;

		if (parts == 4)
			return -EINVAL;
		for (; isxdigit((unsigned char)*p) && digits < 9; p++, digits++)
			v[parts] = v[parts] << 4 |
				   (unsigned)(isdigit((unsigned char)*p)
						  ? *p - '0'
						  : tolower((unsigned char)*p) -
							'a' + 10);
		if (digits == 0 || digits > 8)
			return -EINVAL;
		parts++;
		if (*p == '\0')
			break;
		if (*p == '.')
			dots++;
		else if (*p != ':' || dots > 0)
			return -EINVAL;
		p++;
	}
	if (dots != 1 || parts < 3)
		return -EINVAL;
	if (parts == 3) {
		v[3] = v[2];
		v[2] = v[1];
		v[1] = v[0];
		v[0] = 0;
	}
	if (v[1] > 0xff || v[2] > 0x1f || v[3] > 7)
		return -EINVAL;
	*dom = v[0];
	*bus = v[1];
	*dev = v[2];
	*fn = v[3];
	return 0;
}

static int
cmp_bdf(unsigned d1, unsigned b1, unsigned s1, unsigned f1,
    const struct pci_device *p)
{
	if (d1 != p->domain)
		return d1 < p->domain ? -1 : 1;
	if (b1 != p->bus)
		return b1 < p->bus ? -1 : 1;
	if (s1 != p->dev)
		return s1 < p->dev ? -1 : 1;
	if (f1 != p->func)
		return f1 < p->func ? -1 : 1;
	return 0;
}

/* Binary search in the sorted device list; NULL when absent. */
const struct pci_device *
host_pci_find(const struct host *h, const char *address)
{
	unsigned dom, bus, dev, fn;
	size_t lo = 0, hi;

	if (h == NULL || address == NULL ||
	    parse_address(address, &dom, &bus, &dev, &fn) < 0)
		return NULL;
	hi = h->n_pci;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_bdf(dom, bus, dev, fn, &h->pci[mid]);

		if (c == 0)
			return &h->pci[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
