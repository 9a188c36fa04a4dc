/*
 * guard.h: the critical-device guard's words. The host snapshot says why
 * the host needs a device (host_device_needed(): the root filesystem's or a
 * Proxmox storage's controller, the management NIC, or a possible one where
 * the probes could not tell); these calls turn that into the translated
 * sentence each place shows: a blocker of the device itself, of a sibling
 * in its IOMMU group or of a function that goes along, and the refusal of a
 * chosen device. Each returns NULL when the host can give the device away.
 */
#ifndef VW_GUARD_H
#define VW_GUARD_H

#include "vfio-wizard/host.h"

/* "it is the management NIC (vmbr0 via eno1): passing it would ..." */
char *guard_self(const struct host *, const struct pci_device *);
/* "IOMMU group 13 also holds 0000:01:00.1 (...), the controller of ..." */
char *guard_sibling(const struct host *, int group, const struct pci_device *);
/* "its function 0000:03:00.1 (...) goes along and is ..." */
char *guard_companion(const struct host *, const struct pci_device *);
/* "0000:00:19.0 (...) is the management NIC (...): passing it would ..." */
char *guard_refusal(const struct host *, const struct pci_device *);

#endif
