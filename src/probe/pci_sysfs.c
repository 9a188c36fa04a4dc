/*
 * pci_sysfs.c: a PCI device's sysfs directory, held open while the device is
 * probed. Attributes and links are read relative to its fd (one openat2 or
 * readlinkat each, no path walk through /sys/bus/pci/devices/<address> per
 * attribute; the directory is not listed, an absent entry is one ENOENT), the
 * config header is read ahead once for libpci's cache, and the identity fields
 * libpci's sysfs method would read by absolute path are filled in ahead of
 * pci_fill_info() with the same parsing.
 */
#include "pci_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read an optional attribute of the device; NULL when absent or empty. */
char *
read_attr(const struct root *r, const struct devdir *dd, const char *name)
{
	char *s = NULL;

	if (dd->fd < 0)
		return NULL;
	if (root_read_line_in(r, dd->fd, dd->dir, name, &s) == 0) {
		/* root_read's buffer is a page: keep only the text */
		char *t = *s != '\0' ? xstrdup(s) : NULL;

		free(s);
		s = t;
	}
	return s;
}

/* An optional decimal attribute, -1 when absent or not a number. */
int
read_int_attr(const struct root *r, const struct devdir *dd, const char *name)
{
	char *s, *end;
	unsigned long v;
	int err;

	if (dd->fd < 0)
		return -1;
	/* as root_read_ulong: decimal or 0x-hex, nothing after it */
	err = root_read_line_in(r, dd->fd, dd->dir, name, &s);
	if (err < 0)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0')
		err = -EINVAL;
	free(s);
	return err < 0 || v > 0x7fffffff ? -1 : (int)v;
}

/* The last component of an optional link of the device, or NULL. */
char *
readlink_base_attr(
    const struct root *r, const struct devdir *dd, const char *name)
{
	char *target, *slash, *s;

	if (dd->fd < 0)
		return NULL;
	if (root_readlink_in(r, dd->fd, name, &target) < 0)
		return NULL;
	/* as root_readlink_base: the target's last component */
	slash = strrchr(target, '/');
	s = xstrdup(slash != NULL ? slash + 1 : target);
	free(target);
	return s;
}

/*
 * Whether the device has a config file, and its standard header (256 bytes)
 * read with one pread for libpci's cache (pci_setup_cache): the capability
 * walk then costs no read(2) each. Extended capabilities beyond it are read
 * by libpci as it needs them; the whole 4 KiB is not read, as that costs a
 * real device 1,024 config cycles. *len is 0 when nothing could be read
 * (libpci then reads the file itself, with its own warnings).
 */
bool
read_config_head(
    const struct root *r, const struct devdir *dd, u8 *buf, int *len)
{
	struct stat st;
	ssize_t n;
	int fd;

	*len = 0;
	if (dd->fd < 0)
		return false;
	fd = root_openat_in(r, dd->fd, dd->dir, "config", O_RDONLY);
	if (fd < 0)
		/* a dangling or unreadable entry is a config file libpci tries
		 */
		return fd != -ENOENT ||
		       root_lstat_in(r, dd->fd, "config", &st) == 0;
	do
		n = pread(fd, buf, PCI_CACHE_HEAD, 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	*len = n > 0 ? (int)n : 0;
	return true;
}

/*
 * One hex or decimal attribute as libpci's sysfs_get_value() reads it
 * (strtol base 0), but only when it is plainly well-formed and at most max;
 * -1 otherwise, and the field is left to libpci with its own warnings.
 */
static long
read_id_attr(
    const struct root *r, const struct devdir *dd, const char *name, long max)
{
	char *s, *end;
	long v;

	if (root_read_line_in(r, dd->fd, dd->dir, name, &s) < 0)
		return -1;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		v = -1;
	free(s);
	return v;
}

/* A little-endian word of the config head, or -1 past what was read. */
static long
cfg_word(const u8 *cfg, int len, int off)
{
	if (cfg == NULL || off + 2 > len)
		return -1;
	return (long)cfg[off] | (long)cfg[off + 1] << 8;
}

/*
 * Fill what libpci's sysfs method reads from the vendor, device, class,
 * revision and subsystem_* attributes, marked known so that pci_fill_info()
 * skips its own opens by absolute path. Fields the kernel takes straight
 * from config space come from the header already read (cfg, len bytes):
 * the IDs unless the Vendor ID reads 0xffff (an SR-IOV VF: the kernel gets
 * its IDs from the PF, and sysfs has them), the revision, and the subsystem
 * IDs of a type 0 header. The class is always read from sysfs, as the
 * kernel's quirks may have changed it. A field whose attributes are absent
 * or odd is left unmarked, for libpci to fill (and warn about) as it always
 * has. Returns the marked PCI_FILL_* flags.
 */
unsigned
prefill_libpci(const struct root *r, const struct devdir *dd, struct pci_dev *d,
    const u8 *cfg, int len)
{
	unsigned known = 0;
	long vendor, device, cls, rev, sv, sd;
	bool type0 = len > PCI_HEADER_TYPE &&
		     (cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL;

	if (dd->fd < 0)
		return 0;
	vendor = cfg_word(cfg, len, PCI_VENDOR_ID);
	device = cfg_word(cfg, len, PCI_DEVICE_ID);
	if (vendor < 0 || vendor == 0xffff || device < 0) {
		vendor = read_id_attr(r, dd, "vendor", 0xffff);
		device = read_id_attr(r, dd, "device", 0xffff);
	}
	if (vendor >= 0 && device >= 0) {
		d->vendor_id = (u16)vendor;
		d->device_id = (u16)device;
		known |= PCI_FILL_IDENT;
	}
	cls = read_id_attr(r, dd, "class", 0xffffff);
	if (cls >= 0) {
		d->device_class = (u16)(cls >> 8);
		known |= PCI_FILL_CLASS;
#ifdef PCI_FILL_CLASS_EXT
		/* without the attribute libpci falls back to config space */
		rev = len > PCI_REVISION_ID
			  ? (long)cfg[PCI_REVISION_ID]
			  : read_id_attr(r, dd, "revision", 0xff);
		if (rev >= 0) {
			d->prog_if = (u8)(cls & 0xff);
			d->rev_id = (u8)rev;
			known |= PCI_FILL_CLASS_EXT;
		}
#else
		(void)rev;
#endif
	}
#if HAVE_DECL_PCI_FILL_SUBSYS
	sv = type0 ? cfg_word(cfg, len, PCI_SUBSYSTEM_VENDOR_ID) : -1;
	sd = type0 ? cfg_word(cfg, len, PCI_SUBSYSTEM_ID) : -1;
	if (sv < 0 || sd < 0) {
		sv = read_id_attr(r, dd, "subsystem_vendor", 0xffff);
		sd = sv >= 0 ? read_id_attr(r, dd, "subsystem_device", 0xffff)
			     : -1;
	}
	if (sv >= 0 && sd >= 0) {
		d->subsys_vendor_id = (u16)sv;
		d->subsys_id = (u16)sd;
		known |= PCI_FILL_SUBSYS;
	}
#else
	(void)sv;
	(void)sd;
	(void)type0;
#endif
	d->known_fields |= known;
	return known;
}
