/*
 * pci_priv.h: the PCI probe's private parts shared by pci.c (libpci, the
 * device list) and pci_sysfs.c (a device directory held open and read
 * relative to its fd: attributes, links, the config header, the fields
 * read ahead for libpci).
 */
#ifndef VW_PCI_PRIV_H
#define VW_PCI_PRIV_H

#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"

#include <pci/pci.h>

/* The config bytes read ahead for libpci's cache: the standard header. */
#define PCI_CACHE_HEAD 256

/* A device directory, held open while the device is probed. */
struct devdir {
	char *dir; /* "/sys/bus/pci/devices/<address>" */
	int fd;	   /* dir, held open: attributes are read relative to it */
};

char *read_attr(
    const struct root *r, const struct devdir *dd, const char *name);
int read_int_attr(
    const struct root *r, const struct devdir *dd, const char *name);
char *readlink_base_attr(
    const struct root *r, const struct devdir *dd, const char *name);
bool read_config_head(
    const struct root *r, const struct devdir *dd, u8 *buf, int *len);
unsigned prefill_libpci(const struct root *r, const struct devdir *dd,
    struct pci_dev *d, const u8 *cfg, int len);

#endif
