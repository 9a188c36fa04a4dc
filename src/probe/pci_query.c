/*
 * pci_query.c: questions asked of the probed PCI list: the class predicates
 * (GPU, bridge, audio) and the lookup of a device by its address, a binary
 * search over the list probe_pci sorted by domain, bus, device, function.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/pci_addr.h"

#include <stdlib.h>
#include <string.h>

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

/* Binary search in the sorted device list; NULL when absent. */
const struct pci_device *
host_pci_find(const struct host *h, const char *address)
{
	struct pci_addr want;
	size_t lo = 0, hi;

	if (h == NULL || pci_addr_parse(address, &want) < 0)
		return NULL;
	hi = h->n_pci;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pci_device *d = &h->pci[mid];
		struct pci_addr have = {d->domain, d->bus, d->dev, d->func};
		int c = pci_addr_cmp(&want, &have);

		if (c == 0)
			return d;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool
pci_same_vf_run(const struct pci_device *a, const struct pci_device *b)
{
	return a->physfn != NULL && b->physfn != NULL &&
	       strcmp(a->physfn, b->physfn) == 0 &&
	       a->vendor_id == b->vendor_id && a->device_id == b->device_id &&
	       (a->driver == NULL) == (b->driver == NULL) &&
	       (a->driver == NULL || strcmp(a->driver, b->driver) == 0);
}
