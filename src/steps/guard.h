/*
 * guard.h: the critical-device guard's words. The host snapshot says why
 * the host needs a device (host_device_needed(): the root filesystem's or a
 * Proxmox storage's controller, the management NIC, or a possible one where
 * the probes could not tell); these calls turn that into the translated
 * sentence each place shows: a blocker of the device itself, of a sibling
 * in its IOMMU group or of a function that goes along, and the refusal of a
 * chosen device. Each returns NULL when the host can give the device away.
 *
 * A block is lifted, one device at a time, only by a typed confirmation:
 * the choice "confirm=take 0000:01:00.1 from the host" (--confirm, or the
 * answers file's confirm: list), matched exactly. The phrase is never
 * translated, so the same answers file works in every locale. Once lifted,
 * the calls above return NULL for that device and guard_lift_note() says
 * what the host loses.
 */
#ifndef VW_GUARD_H
#define VW_GUARD_H

#include "vfio-wizard/host.h"

struct choices;

/* "take 0000:01:00.1 from the host": the phrase that lifts d's block. */
char *guard_phrase(const struct pci_device *);
/* True when the choices hold d's phrase as a "confirm=" item, exactly. */
bool guard_lifted(const struct choices *, const struct pci_device *);
/* True when the host needs d and no confirmation lifted that. */
bool guard_blocks(
    const struct host *, const struct choices *, const struct pci_device *);

/* "it is the management NIC (vmbr0 via eno1): passing it would ..." */
char *guard_self(
    const struct host *, const struct choices *, const struct pci_device *);
/* "IOMMU group 13 also holds 0000:01:00.1 (...), the controller of ..." */
char *guard_sibling(const struct host *, const struct choices *, int group,
    const struct pci_device *);
/* "its function 0000:03:00.1 (...) goes along and is ..." */
char *guard_companion(
    const struct host *, const struct choices *, const struct pci_device *);
/*
 * "0000:00:19.0 (...) is the management NIC (...): passing it would ...",
 * with the phrase that lifts it.
 */
char *guard_refusal(
    const struct host *, const struct choices *, const struct pci_device *);
/*
 * The refusal of chosen because sibling o shares its IOMMU group, with
 * the phrase that lifts it and the ACS advice.
 */
char *guard_sibling_refusal(const struct host *, const struct choices *,
    const struct pci_device *chosen, int group, const struct pci_device *o);
/*
 * The plan's note for a device whose block a confirmation lifted: what the
 * host loses, and that it was confirmed; NULL when the host does not need
 * it or it was not lifted.
 */
char *guard_lift_note(
    const struct host *, const struct choices *, const struct pci_device *);
/*
 * What to do about a group that holds more than the device: "move the
 * card to another slot, or ...; the ACS override ... is a last resort ...
 * and vfio-wizard never applies it".
 */
const char *guard_acs_advice(void);

#endif
