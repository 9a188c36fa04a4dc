/*
 * pci_priv.h: the PCI probe's private parts shared by pci.c (libpci, the
 * device list) and pci_sysfs.c (what one device's sysfs directory tells,
 * read on a worker thread: the config header, links, attributes, and the
 * fields read ahead for libpci).
 */
#ifndef VW_PCI_PRIV_H
#define VW_PCI_PRIV_H

#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"

#include <pci/pci.h>

/* The config bytes read ahead for libpci's cache: the standard header. */
#define PCI_CACHE_HEAD 256

/*
 * One device's sysfs directory, read without libpci and without touching
 * the host (devscan_read runs on par_for's threads); pci.c hands it to
 * libpci and merges it into a struct pci_device on the caller's thread.
 */
struct devscan {
	char address[PCI_ADDR_LEN]; /* set by the caller */
	bool config;		    /* a config file libpci will read */
	u8 cfg[PCI_CACHE_HEAD];	    /* its standard header, cfg_len bytes */
	int cfg_len;
	/* the kernel's IDs and class; -1 where libpci is left to read them */
	long vendor, device, cls, rev, sv, sd;
	char *physfn; /* the PF's address for a VF */
	char *driver;
	char *modalias;
	char *reset_method;
	char *boot_vga; /* read for VGA-class (or unknown-class) devices */
	int sriov_totalvfs, sriov_numvfs; /* the attributes, -1 when absent */
	char *parent;	   /* the upstream bridge from the device link */
	int revision_attr; /* the revision attribute, read without config */
};

/* A parent directory in /sys/devices held open across devices. */
struct parent_dir {
	char *path; /* as opened in the root, NULL when none */
	int fd;
};

void devscan_read(const struct root *r, int devices_fd, struct parent_dir *pc,
    struct devscan *s);
void parent_dir_close(struct parent_dir *pc);
unsigned devscan_prefill(const struct devscan *s, struct pci_dev *d);
void devscan_clear(struct devscan *s);

#endif
