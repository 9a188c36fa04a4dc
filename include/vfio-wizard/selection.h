/*
 * selection.h: the user's choices resolved against the host, the one
 * reading of "device=", "mode=", "vfs=" and "blacklist=" that every step
 * shares.
 *
 * A selection lists the chosen PCI functions, each with the mode it goes
 * in: the mode choice applies to the Intel integrated GPU (bus 0, vendor
 * 8086, class 03) and every other function goes whole to vfio-pci. Only
 * legacy-igd and vfio take a function away from the host (to_vfio); with
 * GVT-g and SR-IOV the host's i915 keeps the GPU.
 *
 * A group is usable only when every device in it is on vfio-pci or has no
 * driver (passthrough-facts.md §8). So for each function that goes to
 * vfio-pci, the other members of its IOMMU group that a driver would claim
 * are added too, after the chosen ones, as siblings: to_vfio, but never
 * given to the VM (the VM step skips them). Bridges (pci_is_bridge) stay;
 * a function of the chosen device's own slot that was not chosen is a
 * sibling as well. selection_notes() names them in the plan.
 *
 * For each function it also names the drivers that would otherwise claim
 * it at boot: the modules the running (else the newest installed) kernel's
 * modules.alias gives for its modalias, read with libkmod below the root,
 * or its bound driver when the lookup finds none. vfio-pci and its variant
 * drivers are never among them.
 *
 * selection_resolve() refuses, with a translated *cause and -EINVAL (or
 * -ENODEV for an address that names no device, -EPERM for a device the
 * host cannot give away):
 *   - a malformed or unknown address, an unknown mode or VF count;
 *   - a mode other than vfio without a selected Intel integrated GPU, and
 *     legacy-igd for a GPU that is not at 0000:00:02.0;
 *   - a function the host needs (the critical-device guard, guard.c: the
 *     controller of the root filesystem or of a Proxmox storage in use,
 *     the management NIC, or a possible one where the probes could not
 *     tell), chosen or a sibling, unless the choices hold its typed
 *     confirmation "confirm=take <address> from the host" (guard.h);
 *   - a blacklist of a driver that a device staying on the host needs.
 * No choices at all is a valid, empty selection (the IOMMU alone).
 */
#ifndef VW_SELECTION_H
#define VW_SELECTION_H

#include "vfio-wizard/common.h"
#include "vfio-wizard/kb.h"

struct host;
struct kb;
struct root;
struct choices;
struct pci_device;
struct plan;

struct selected_fn {
	const struct pci_device *dev; /* into the host snapshot */
	enum vw_mode mode;	      /* MODE_VFIO unless it is the iGPU */
	bool to_vfio;		      /* vfio-pci claims it at boot */
	char **drivers; /* modules that would claim it, '_' spelling */
	size_t n_drivers;
	bool builtin; /* one of them is built into the kernel */
	bool sibling; /* in the group of a chosen function: vfio-pci only,
			 never given to the VM */
	bool lifted;  /* the host needs it; a typed confirmation let it go */
};

struct selection {
	struct selected_fn *fns; /* in the order chosen, each once */
	size_t n_fns;
	const struct selected_fn *igpu; /* the Intel iGPU, or NULL */
	enum vw_mode mode;		/* the iGPU's mode, else MODE_VFIO */
	int vfs;	  /* SR-IOV: VFs to create ("vfs=", else the
			     device's total, else 7); 0 otherwise */
	char **blacklist; /* drivers the user asked to blacklist */
	size_t n_blacklist;
	char *kernel; /* the release whose modules.alias was read */
	/* per host PCI device (same index): the modules that claim it */
	struct selection_drivers {
		char **names;
		size_t n;
		bool builtin; /* one of them is built in */
	} * all;
	size_t n_all;
};

#define SELECTION_INIT                                              \
	{                                                           \
		NULL, 0, NULL, MODE_VFIO, 0, NULL, 0, NULL, NULL, 0 \
	}

/*
 * Judge and complete the choices before planning (choose.c): a chosen
 * device that the check says cannot be passed through is refused (-EPERM,
 * the first blocker in *cause); without "mode=", the knowledge base's
 * recommended mode for the chosen iGPU is added; a mode the iGPU cannot
 * use on this host is refused (-EINVAL). The engine tests' steps skip it.
 */
int choices_complete(
    const struct host *, const struct kb *, struct choices *, char **cause);

int selection_resolve(const struct host *, const struct root *,
    const struct choices *, struct selection *, char **cause);
void selection_free(struct selection *);
/*
 * The plan's notes on the selection: each device whose guard block a
 * confirmation lifted (what the host loses), and the siblings that go to
 * vfio-pci with the chosen functions, by name, with the way out.
 */
void selection_notes(const struct host *, const struct choices *,
    const struct selection *, struct plan *, const char *step);

/* The selected function at this address, or NULL. */
const struct selected_fn *selection_find(
    const struct selection *, const char *address);
/*
 * True when a device that stays on the host (not selected) has this
 * vendor:device pair: `options vfio-pci ids=` would take it too.
 */
bool selection_id_shared(const struct selection *, const struct host *,
    uint16_t vendor, uint16_t device, const char **other);
/*
 * True when a device that stays on the host would be driven by this
 * module (its bound driver or its modalias), with that device in *other.
 */
bool selection_driver_needed(const struct selection *, const struct host *,
    const char *module, const char **other);

#endif
