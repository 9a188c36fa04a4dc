/*
 * pci_addr.h: PCI addresses, parsed and printed in one place.
 *
 * Accepts the spellings Proxmox, lspci and sysfs use: "0000:00:02.0" (a
 * domain of four to eight hex digits, as sysfs prints VMD domains) and
 * "00:02.0" (domain 0), hex in any case. Prints the sysfs form
 * "0000:00:02.0". Used by the probes (sysfs path components), the PCI
 * lookup and the checks (--device).
 */
#ifndef VW_PCI_ADDR_H
#define VW_PCI_ADDR_H

#include "vfio-wizard/common.h"

struct pci_addr {
	unsigned domain, bus, dev, func;
};

/* The longest printed form: "ffffffff:ff:1f.7" and the NUL. */
#define PCI_ADDR_LEN 17

/* Parse an address; 0, or -EINVAL for anything else. */
int pci_addr_parse(const char *in, struct pci_addr *out);
/* Print the sysfs form into out (PCI_ADDR_LEN bytes). */
void pci_addr_format(const struct pci_addr *, char *out);
/* Parse and print back normalised: "00:02.0" -> "0000:00:02.0". */
int pci_address_parse(const char *in, char out[PCI_ADDR_LEN]);
/* Order by domain, bus, device, function. */
int pci_addr_cmp(const struct pci_addr *, const struct pci_addr *);
/*
 * True when s[0..len) is a full sysfs address ("0000:00:1f.2"): how the
 * probes find devices among the components of a sysfs path.
 */
bool pci_addr_is_component(const char *s, size_t len);

#endif
