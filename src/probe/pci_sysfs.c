/*
 * pci_sysfs.c: what one PCI device's sysfs directory tells, read on a
 * worker thread while the directory is held open. Attributes and links are
 * read relative to its fd (one openat2 or readlinkat each, no path walk
 * through /sys/bus/pci/devices/<address> per attribute; the directory is
 * not listed, an absent entry is one ENOENT). The config header is read
 * once for libpci's cache, and the identity libpci's sysfs method would
 * read by absolute path is taken from the modalias: the kernel prints it
 * from the same fields as the vendor, device, subsystem_* and class
 * attributes (drivers/pci/pci-sysfs.c, modalias_show), VF IDs and class
 * quirks included, so one read does for five.
 */
#include "pci_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An optional attribute of the device; NULL when absent or empty. */
static char *
read_attr(const struct root *r, int fd, const char *dir, const char *name)
{
	char *s = NULL;

	if (fd < 0)
		return NULL;
	if (root_read_line_in(r, fd, dir, name, &s) == 0 && *s == '\0') {
		free(s);
		s = NULL;
	}
	return s;
}

/*
 * A hex or decimal attribute (strtol base 0, as libpci's sysfs_get_value()
 * and root_read_ulong read it), when plainly well-formed and at most max;
 * -1 otherwise.
 */
static long
read_num_attr(
    const struct root *r, int fd, const char *dir, const char *name, long max)
{
	char *s, *end;
	long v;

	if (fd < 0 || root_read_line_in(r, fd, dir, name, &s) < 0)
		return -1;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		v = -1;
	free(s);
	return v;
}

/* The last component of an optional link of the device, or NULL. */
static char *
readlink_base(const struct root *r, int fd, const char *name)
{
	char *target, *slash, *s;

	if (fd < 0 || root_readlink_in(r, fd, name, &target) < 0)
		return NULL;
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
 * real device 1,024 config cycles. cfg_len stays 0 when nothing could be
 * read (libpci then reads the file itself, with its own warnings).
 */
static void
read_config_head(
    const struct root *r, int fd, const char *dir, struct devscan *s)
{
	struct stat st;
	ssize_t n;
	int cfd;

	s->cfg_len = 0;
	s->config = false;
	if (fd < 0)
		return;
	cfd = root_openat_in(r, fd, dir, "config", O_RDONLY);
	if (cfd < 0) {
		/* a dangling or unreadable entry is a config file libpci
		 * tries */
		s->config =
		    cfd != -ENOENT || root_lstat_in(r, fd, "config", &st) == 0;
		return;
	}
	do
		n = pread(cfd, s->cfg, PCI_CACHE_HEAD, 0);
	while (n < 0 && errno == EINTR);
	close(cfd);
	s->cfg_len = n > 0 ? (int)n : 0;
	s->config = true;
}

/* A little-endian word of the config head, or -1 past what was read. */
static long
cfg_word(const struct devscan *s, int off)
{
	if (off + 2 > s->cfg_len)
		return -1;
	return (long)s->cfg[off] | (long)s->cfg[off + 1] << 8;
}

/*
 * The kernel's modalias, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X":
 * true and the fields set when it is exactly that.
 */
static bool
parse_modalias(const char *m, struct devscan *s)
{
	unsigned long v, d, sv, sd, bc, sc, pi;
	int end = -1;

	if (m == NULL || strlen(m) != 53)
		return false;
	if (sscanf(m, "pci:v%8lxd%8lxsv%8lxsd%8lxbc%2lxsc%2lxi%2lx%n", &v, &d,
		&sv, &sd, &bc, &sc, &pi, &end) != 7 ||
	    end != 53)
		return false;
	/* the kernel enumerates no function whose Vendor ID reads 0xffff */
	if (v >= 0xffff || d > 0xffff || sv > 0xffff || sd > 0xffff)
		return false;
	s->vendor = (long)v;
	s->device = (long)d;
	s->sv = (long)sv;
	s->sd = (long)sd;
	s->cls = (long)(bc << 16 | sc << 8 | pi);
	return true;
}

/*
 * The identity without a usable modalias, as before it: the IDs from the
 * config header unless the Vendor ID reads 0xffff (an SR-IOV VF: the
 * kernel takes them from the PF, and sysfs has them), the class from its
 * attribute (the kernel's quirks may have changed it), the subsystem IDs
 * from a type 0 header, else from their attributes.
 */
static void
read_identity_attrs(
    const struct root *r, int fd, const char *dir, struct devscan *s)
{
	bool type0 = s->cfg_len > PCI_HEADER_TYPE &&
		     (s->cfg[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL;

	s->vendor = cfg_word(s, PCI_VENDOR_ID);
	s->device = cfg_word(s, PCI_DEVICE_ID);
	if (s->vendor < 0 || s->vendor == 0xffff || s->device < 0) {
		s->vendor = read_num_attr(r, fd, dir, "vendor", 0xffff);
		s->device = read_num_attr(r, fd, dir, "device", 0xffff);
	}
	s->cls = read_num_attr(r, fd, dir, "class", 0xffffff);
	s->sv = type0 ? cfg_word(s, PCI_SUBSYSTEM_VENDOR_ID) : -1;
	s->sd = type0 ? cfg_word(s, PCI_SUBSYSTEM_ID) : -1;
	if (s->sv < 0 || s->sd < 0) {
		s->sv = read_num_attr(r, fd, dir, "subsystem_vendor", 0xffff);
		s->sd = s->sv >= 0 ? read_num_attr(
					 r, fd, dir, "subsystem_device", 0xffff)
				   : -1;
	}
}

/*
 * The upstream bridge from the device link's target, e.g.
 * "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0": the PCI address
 * just before the device's own component, NULL on a root bus.
 */
static char *
parent_from_link(const char *target)
{
	const char *last = NULL, *prev = NULL, *p = target;
	size_t last_len = 0, prev_len = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		if (len > 0) {
			/* the component before the last one seen */
			prev = last;
			prev_len = last_len;
			last = p;
			last_len = len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	if (prev == NULL || !pci_addr_is_component(prev, prev_len))
		return NULL;
	return xstrndup(prev, prev_len);
}

/*
 * Open the device's directory. /sys/bus/pci/devices/<address> is a link
 * into /sys/devices; its target (read anyway, for the parent) is opened as
 * its parent directory, held in pc while the devices after it share it (a
 * PF's VFs do), and its last component beneath that: a walk of one
 * component instead of the link's dozen per device.
 */
static int
open_devdir(const struct root *r, struct parent_dir *pc, const char *dir,
    const char *target)
{
	const char *slash = target != NULL ? strrchr(target, '/') : NULL;
	char *parent;
	int fd;

	if (slash == NULL || slash[1] == '\0' || strcmp(slash + 1, "..") == 0 ||
	    strcmp(slash + 1, ".") == 0)
		return root_opendir(r, dir);
	parent = xasprintf(
	    "/sys/bus/pci/devices/%.*s", (int)(slash - target), target);
	if (pc->path == NULL || strcmp(pc->path, parent) != 0) {
		parent_dir_close(pc);
		pc->path = parent;
		pc->fd = root_opendir(r, parent);
	} else
		free(parent);
	if (pc->fd < 0)
		return root_opendir(r, dir);
	fd = root_openat_in(r, pc->fd, pc->path, slash + 1, O_DIRECTORY);
	return fd >= 0 ? fd : root_opendir(r, dir);
}

void
parent_dir_close(struct parent_dir *pc)
{
	if (pc->path != NULL && pc->fd >= 0)
		close(pc->fd);
	free(pc->path);
	pc->path = NULL;
	pc->fd = -1;
}

void
devscan_read(const struct root *r, int devices_fd, struct parent_dir *pc,
    struct devscan *s)
{
	char *dir, *target = NULL;
	int fd;

	s->vendor = s->device = s->cls = s->rev = s->sv = s->sd = -1;
	s->sriov_totalvfs = s->sriov_numvfs = -1;
	s->revision_attr = -1;
	dir = xasprintf("/sys/bus/pci/devices/%s", s->address);
	if (devices_fd >= 0 &&
	    root_readlink_in(r, devices_fd, s->address, &target) == 0)
		s->parent = parent_from_link(target);
	fd = open_devdir(r, pc, dir, target);
	free(target);

	read_config_head(r, fd, dir, s);
	s->physfn = readlink_base(r, fd, "physfn");
	s->modalias = read_attr(r, fd, dir, "modalias");
	if (fd >= 0 && !parse_modalias(s->modalias, s))
		read_identity_attrs(r, fd, dir, s);
	/* without the attribute libpci falls back to config space */
	s->rev = s->cfg_len > PCI_REVISION_ID
		     ? (long)s->cfg[PCI_REVISION_ID]
		     : read_num_attr(r, fd, dir, "revision", 0xff);
	if (!s->config)
		s->revision_attr = (int)s->rev;

	s->driver = readlink_base(r, fd, "driver");
	s->reset_method = read_attr(r, fd, dir, "reset_method");
	/* the kernel gives VGA-class devices alone a boot_vga attribute */
	if (s->cls < 0 || (s->cls >> 8) == 0x0300)
		s->boot_vga = read_attr(r, fd, dir, "boot_vga");
	/* a VF has no sriov_* attributes */
	if (s->physfn == NULL) {
		s->sriov_totalvfs = (int)read_num_attr(
		    r, fd, dir, "sriov_totalvfs", 0x7fffffff);
		s->sriov_numvfs =
		    (int)read_num_attr(r, fd, dir, "sriov_numvfs", 0x7fffffff);
	}
	if (fd >= 0)
		close(fd);
	free(dir);
}

/*
 * Fill what libpci's sysfs method reads from the vendor, device, class,
 * revision and subsystem_* attributes, marked known so that pci_fill_info()
 * skips its own opens by absolute path. A field whose attributes are absent
 * or odd is left unmarked, for libpci to fill (and warn about) as it always
 * has. Returns the marked PCI_FILL_* flags.
 */
unsigned
devscan_prefill(const struct devscan *s, struct pci_dev *d)
{
	unsigned known = 0;

	if (s->vendor >= 0 && s->device >= 0) {
		d->vendor_id = (u16)s->vendor;
		d->device_id = (u16)s->device;
		known |= PCI_FILL_IDENT;
	}
	if (s->cls >= 0) {
		d->device_class = (u16)(s->cls >> 8);
		known |= PCI_FILL_CLASS;
#ifdef PCI_FILL_CLASS_EXT
		if (s->rev >= 0) {
			d->prog_if = (u8)(s->cls & 0xff);
			d->rev_id = (u8)s->rev;
			known |= PCI_FILL_CLASS_EXT;
		}
#endif
	}
#if HAVE_DECL_PCI_FILL_SUBSYS
	if (s->sv >= 0 && s->sd >= 0) {
		d->subsys_vendor_id = (u16)s->sv;
		d->subsys_id = (u16)s->sd;
		known |= PCI_FILL_SUBSYS;
	}
#endif
	d->known_fields |= known;
	return known;
}

void
devscan_clear(struct devscan *s)
{
	free(s->physfn);
	free(s->driver);
	free(s->modalias);
	free(s->reset_method);
	free(s->boot_vga);
	free(s->parent);
	s->physfn = s->driver = s->modalias = s->reset_method = NULL;
	s->boot_vga = s->parent = NULL;
}
