/*
 * pci_address.c: accepts a PCI address the way Proxmox and lspci spell it
 * ("0000:00:02.0" or "00:02.0", hex, any case) and normalises it to the
 * sysfs form "0000:00:02.0".
 */
#include "vfio-wizard/check.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Parse exactly n hex digits at *p, advancing it. */
static int
hex_field(const char **p, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)(*p)[i];

		if (!isxdigit(c))
			return -EINVAL;
		v = v * 16 +
		    (unsigned)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*p += n;
	*out = v;
	return 0;
}

int
pci_address_parse(const char *in, char out[16])
{
	unsigned domain = 0, bus, dev, fn;
	const char *p = in;

	if (in == NULL)
		return -EINVAL;
	if (strlen(in) == 12) {
		if (hex_field(&p, 4, &domain) < 0 || *p++ != ':')
			return -EINVAL;
	} else if (strlen(in) != 7)
		return -EINVAL;
	if (hex_field(&p, 2, &bus) < 0 || *p++ != ':')
		return -EINVAL;
	if (hex_field(&p, 2, &dev) < 0 || *p++ != '.')
		return -EINVAL;
	if (hex_field(&p, 1, &fn) < 0 || *p != '\0')
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, 16, "%04x:%02x:%02x.%x", domain, bus, dev, fn);
	return 0;
}
