/*
 * afterboot.h: the diagnosis after the reboot (issue 5), internal to
 * src/steps. When the host has booted the configuration the wizard wrote,
 * the command line and modules steps verify what the running system shows
 * (struct host, probed after the boot) and, for each thing that did not
 * take effect, say three things: what is wrong, with the evidence (the
 * address, the driver, the file, the value); the likely cause, reasoned
 * from the snapshot and the root's files; and the next action.
 *
 * Each ab_* call appends the problems it finds to a report; ab_render()
 * turns the report into the verify message (translated).
 */
#ifndef VW_AFTERBOOT_H
#define VW_AFTERBOOT_H

#include "vfio-wizard/common.h"
#include "vfio-wizard/strbuf.h"

struct choices;
struct host;
struct pci_device;
struct root;
struct selection;
struct kcmd_want;
struct km_want;

/* One thing that did not take effect; every text translated. */
struct ab_problem {
	char *what;  /* what is wrong, with the evidence */
	char *cause; /* the likely cause */
	char *next;  /* what to do next */
};

struct ab_report {
	struct ab_problem *items;
	size_t n;
};

#define AB_REPORT_INIT  \
	{               \
		NULL, 0 \
	}

/* Append a problem; takes ownership of the three strings. */
void ab_add(struct ab_report *, char *what, char *cause, char *next);
void ab_report_free(struct ab_report *);
/*
 * The report as the verify message: each problem's what, then an indented
 * "likely cause:" and "next:" line; problems one after the other.
 */
void ab_render(const struct ab_report *, struct strbuf *msg);

/*
 * The kernel command line step: the running kernel lacks wanted parameters
 * (the bootloader was not refreshed, an older kernel or another entry
 * booted, or the configuration lost them); the IOMMU is not active
 * although the parameters are there (VT-d/AMD-Vi off in the firmware, no
 * DMAR/IVRS table).
 */
void ab_cmdline(
    const struct host *, const struct kcmd_want *, struct ab_report *);
void ab_iommu(const struct host *, struct ab_report *);

/*
 * The modules step: each function meant for vfio-pci is on it (else: the
 * host driver won the race, the initramfs is stale, the driver is built
 * in, vfio-pci was not loaded), /dev/vfio/<group> exists and the group is
 * viable (no sibling on a host driver, no device the host needs unless
 * the choices lifted the guard for it), GVT-g's
 * kvmgt and mdev types (SR-IOV's VFs: the SR-IOV step).
 */
void ab_devices(const struct host *, const struct root *,
    const struct choices *, const struct selection *, const struct km_want *,
    struct ab_report *);

/* "0000:00:02.0 (HD Graphics 4600)": a device by address and name. */
char *ab_dev_name(const struct pci_device *);

#endif
