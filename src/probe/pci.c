/*
 * pci.c: the PCI probe. libpci walks <root>/sys/bus/pci (the sysfs method,
 * never hwdb, names from one pci.ids file); the attributes libpci does not
 * report (boot_vga, reset_method, SR-IOV counts, physfn, modalias, the
 * upstream bridge) are read through the root handle.
 *
 * libpci reports fatal errors through a callback that must not return; it is
 * turned into a longjmp back here, so a broken device directory costs that
 * device (or, in the scan itself, the list) and becomes a host problem
 * instead of ending the process. The handlers never print.
 */
#include "pci_priv.h"
#include "vfio-wizard/pci_addr.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* At most this many distinct libpci warnings become problems. */
#define PCI_MAX_WARNINGS 8

struct pci_ctx {
	jmp_buf jmp;
	struct host *host;
	char error[512];
	char last_warning[512];
	unsigned n_warnings;
	bool no_config; /* the device filled now has no config file */
	int devices_fd; /* /sys/bus/pci/devices, held for the device links */
};

/* libpci's callbacks take no user pointer: the probe running now. */
static __thread struct pci_ctx *pci_cur;

/* Copy a libpci message with its first letter lowered, as problems read. */
static void pci_format(char *buf, size_t size, const char *fmt, va_list ap)
    VW_PRINTF(3, 0);

static void
pci_format(char *buf, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(buf, size, fmt, ap);
	buf[0] = (char)tolower((unsigned char)buf[0]);
	str_rstrip(buf);
}

static void pci_on_error(char *fmt, ...) VW_PRINTF(1, 2)
    __attribute__((noreturn));

/* A fatal libpci error: remember it and unwind to the guarded call. */
static void
pci_on_error(char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pci_format(pci_cur->error, sizeof pci_cur->error, fmt, ap);
	va_end(ap);
	longjmp(pci_cur->jmp, 1);
}

static void pci_on_warning(char *fmt, ...) VW_PRINTF(1, 2);

/* A libpci warning: a problem, once per distinct text, a few at most. */
static void
pci_on_warning(char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	pci_format(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (strcmp(msg, pci_cur->last_warning) == 0)
		return;
	/* a missing config file is reported once, by probe_device */
	if (pci_cur->no_config && strstr(msg, "/config") != NULL)
		return;
	snprintf(
	    pci_cur->last_warning, sizeof pci_cur->last_warning, "%s", msg);
	if (pci_cur->n_warnings++ < PCI_MAX_WARNINGS)
		host_problem(pci_cur->host, "pci", "libpci: %s", msg);
}

static void pci_on_debug(char *fmt, ...) VW_PRINTF(1, 2);

static void
pci_on_debug(char *fmt, ...)
{
	(void)fmt;
}

/* qsort order of the device list: domain, bus, device, function. */
static int
cmp_devices(const void *a, const void *b)
{
	const struct pci_device *x = a, *y = b;
	struct pci_addr ax = {x->domain, x->bus, x->dev, x->func};
	struct pci_addr ay = {y->domain, y->bus, y->dev, y->func};

	return pci_addr_cmp(&ax, &ay);
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

/* True when the space-separated list has the word. */
static bool
has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len == wl && strncmp(p, word, wl) == 0)
			return true;
		p += len;
	}
	return false;
}

/* The names lspci would print ("Device 1234" when pci.ids lacks one). */
static void
fill_names(struct pci_access *a, struct pci_device *o)
{
	const int f = PCI_LOOKUP_NO_HWDB;
	char buf[256];

	o->vendor_name = xstrdup(pci_lookup_name(
	    a, buf, sizeof buf, f | PCI_LOOKUP_VENDOR, o->vendor_id));
	o->device_name = xstrdup(pci_lookup_name(a, buf, sizeof buf,
	    f | PCI_LOOKUP_DEVICE, o->vendor_id, o->device_id));
	if (o->subsys_vendor_id != 0)
		o->subsys_name = xstrdup(pci_lookup_name(a, buf, sizeof buf,
		    f | PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR |
			PCI_LOOKUP_DEVICE,
		    o->vendor_id, o->device_id, o->subsys_vendor_id,
		    o->subsys_device_id));
	o->class_name = xstrdup(pci_lookup_name(a, buf, sizeof buf,
	    f | PCI_LOOKUP_CLASS, (int)(o->class_code >> 8)));
}

/* What libpci tells about one device: ids, class, names, caps. */
static void
fill_from_libpci(
    struct pci_access *a, struct pci_dev *d, struct pci_device *o, bool config)
{
	unsigned flags = PCI_FILL_IDENT | PCI_FILL_CLASS;
	struct pci_cap *cap;

#ifdef PCI_FILL_CLASS_EXT
	flags |= PCI_FILL_CLASS_EXT;
#endif
#if HAVE_DECL_PCI_FILL_SUBSYS
	flags |= PCI_FILL_SUBSYS;
#endif
	/*
	 * No PCI_FILL_DRIVER: libpci resolves the driver link with realpath()
	 * of its absolute path, a readlink per path component; fill_from_sysfs
	 * reads the link once relative to the device directory instead.
	 */
	/*
	 * A VF's extended capabilities are not read: SR-IOV, the one looked
	 * for there, is a PF's, and the list starts past the header read
	 * ahead (libpci would open the config file once more for it).
	 */
	if (config)
		flags |= PCI_FILL_CAPS;
	if (config && o->physfn == NULL)
		flags |= PCI_FILL_EXT_CAPS;
	pci_fill_info(d, (int)flags);

	o->vendor_id = d->vendor_id;
	o->device_id = d->device_id;
#ifdef PCI_FILL_CLASS_EXT
	o->class_code = (uint32_t)d->device_class << 8 | d->prog_if;
	o->revision = d->rev_id;
#else
	o->class_code = (uint32_t)d->device_class << 8;
	if (config) {
		o->class_code |= pci_read_byte(d, PCI_CLASS_PROG);
		o->revision = pci_read_byte(d, PCI_REVISION_ID);
	}
#endif
#if HAVE_DECL_PCI_FILL_SUBSYS
	o->subsys_vendor_id = d->subsys_vendor_id;
	o->subsys_device_id = d->subsys_id;
#else
	if (config && (pci_read_byte(d, PCI_HEADER_TYPE) & 0x7f) == 0) {
		o->subsys_vendor_id = pci_read_word(d, PCI_SUBSYSTEM_VENDOR_ID);
		o->subsys_device_id = pci_read_word(d, PCI_SUBSYSTEM_ID);
	}
#endif
	if (o->subsys_vendor_id == 0xffff)
		o->subsys_vendor_id = o->subsys_device_id = 0;
	if (config) {
		o->multifunction =
		    (pci_read_byte(d, PCI_HEADER_TYPE) & 0x80) != 0;
		cap = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
		if (cap != NULL &&
		    (pci_read_long(d, (int)cap->addr + PCI_EXP_DEVCAP) &
			PCI_EXP_DEVCAP_FLRESET))
			o->has_flr = true;
		/* the kernel's pci_af_flr() wants both TP and FLR */
		cap = pci_find_cap(d, PCI_CAP_ID_AF, PCI_CAP_NORMAL);
		if (cap != NULL) {
			unsigned af =
			    pci_read_byte(d, (int)cap->addr + PCI_AF_CAP);

			if ((af & PCI_AF_CAP_TP) && (af & PCI_AF_CAP_FLR))
				o->has_flr = true;
		}
		cap = o->physfn == NULL ? pci_find_cap(d, PCI_EXT_CAP_ID_SRIOV,
					      PCI_CAP_EXTENDED)
					: NULL;
		if (cap != NULL) {
			o->sriov_capable = true;
			o->sriov_totalvfs =
			    pci_read_word(d, (int)cap->addr + PCI_IOV_TOTALVF);
			o->sriov_numvfs =
			    pci_read_word(d, (int)cap->addr + PCI_IOV_NUMVF);
		}
	}

	fill_names(a, o);
}

/* What sysfs tells beyond libpci, read through the root handle. */
static void
fill_from_sysfs(const struct root *r, const struct devdir *dd,
    int ctx_devices_fd, struct pci_device *o, bool config)
{
	char *target, *s;
	int v;

	if (o->driver == NULL)
		o->driver = readlink_base_attr(r, dd, "driver");
	/* a readlinkat here is cheaper than libpci's realpath() of the link */
	if ((s = readlink_base_attr(r, dd, "iommu_group")) != NULL) {
		if (isdigit((unsigned char)*s))
			o->iommu_group = atoi(s);
		free(s);
	}
	o->modalias = read_attr(r, dd, "modalias");
	o->reset_method = read_attr(r, dd, "reset_method");
	if (!config && o->reset_method != NULL)
		o->has_flr = has_word(o->reset_method, "flr") ||
			     has_word(o->reset_method, "af_flr");

	/* the kernel gives VGA-class devices alone a boot_vga attribute */
	o->boot_vga = TRI_NO;
	if ((o->class_code >> 8) == 0x0300) {
		o->boot_vga = TRI_UNKNOWN;
		if ((s = read_attr(r, dd, "boot_vga")) != NULL) {
			o->boot_vga = strcmp(s, "0") != 0 ? TRI_YES : TRI_NO;
			free(s);
		}
	}

	/* a VF (physfn read before the fill) has no sriov_* attributes */
	if (o->physfn == NULL) {
		if ((v = read_int_attr(r, dd, "sriov_totalvfs")) >= 0) {
			o->sriov_capable = true;
			o->sriov_totalvfs = v;
		}
		if ((v = read_int_attr(r, dd, "sriov_numvfs")) >= 0)
			o->sriov_numvfs = v;
	}
	if (!o->sriov_capable)
		o->sriov_totalvfs = o->sriov_numvfs = -1;

	if (ctx_devices_fd >= 0 &&
	    root_readlink_in(r, ctx_devices_fd, o->address, &target) == 0) {
		o->parent = parent_from_link(target);
		free(target);
	}
}

/* Free what a device holds, for a device dropped half-way. */
static void
device_clear(struct pci_device *o)
{
	free(o->vendor_name);
	free(o->device_name);
	free(o->subsys_name);
	free(o->class_name);
	free(o->driver);
	free(o->modalias);
	free(o->reset_method);
	free(o->physfn);
	free(o->parent);
	memset(o, 0, sizeof *o);
}

/* Fill one device under a longjmp guard; false when libpci gave up on it. */
static bool
guarded_fill(struct pci_ctx *ctx, struct pci_access *a, struct pci_dev *d,
    struct pci_device *o, bool config)
{
	if (setjmp(ctx->jmp) != 0)
		return false;
	fill_from_libpci(a, d, o, config);
	return true;
}

/* pci_init and the scan under a longjmp guard; false when libpci failed. */
static bool
guarded_scan(struct pci_ctx *ctx, struct pci_access *a)
{
	if (setjmp(ctx->jmp) != 0)
		return false;
	pci_init(a);
	pci_scan_bus(a);
	return true;
}

/* Load pci.ids under a guard: a malformed file is fatal to libpci. */
static void
guarded_names(struct pci_ctx *ctx, struct pci_access *a, const char *ids)
{
	if (setjmp(ctx->jmp) != 0) {
		host_problem(
		    ctx->host, "pci", "pci.ids '%s': %s", ids, ctx->error);
		return;
	}
	if (!pci_load_name_list(a))
		host_problem(ctx->host, "pci",
		    "cannot read pci.ids '%s': names are numeric", ids);
}

/* Probe one device libpci scanned and append it, or record why not. */
static void
probe_device(struct pci_ctx *ctx, const struct root *r, struct pci_access *a,
    struct pci_dev *d)
{
	struct host *h = ctx->host;
	struct pci_device o;
	struct devdir dd;
	u8 cache[PCI_CACHE_HEAD];
	int cache_len = 0;
	bool config, ok;

	memset(&o, 0, sizeof o);
	o.domain = (unsigned)d->domain;
	o.bus = d->bus;
	o.dev = d->dev;
	o.func = d->func;
	snprintf(o.address, sizeof o.address, "%04x:%02x:%02x.%u", o.domain,
	    o.bus, o.dev, o.func);
	o.iommu_group = -1;
	o.sriov_totalvfs = o.sriov_numvfs = -1;

	dd.dir = xasprintf("/sys/bus/pci/devices/%s", o.address);
	dd.fd = root_opendir(r, dd.dir);
	config = read_config_head(r, &dd, cache, &cache_len);

	o.physfn = readlink_base_attr(r, &dd, "physfn");
	ctx->no_config = !config;
	if (cache_len > 0)
		pci_setup_cache(d, cache, cache_len);
	prefill_libpci(r, &dd, d, cache, cache_len);
	ok = guarded_fill(ctx, a, d, &o, config);
	if (cache_len > 0)
		pci_setup_cache(d, NULL, 0);
	ctx->no_config = false;
	if (!ok) {
		host_problem(
		    h, "pci", "device '%s' skipped: %s", o.address, ctx->error);
		device_clear(&o);
	} else {
		if (!config) {
			/* libpci read 0xff for a revision sysfs lacks */
			int rev = read_int_attr(r, &dd, "revision");

			o.revision = rev >= 0 ? (uint8_t)rev : 0;
			host_problem(h, "pci",
			    "device '%s': no config space, caps unknown",
			    o.address);
		}
		fill_from_sysfs(r, &dd, ctx->devices_fd, &o, config);
		ARRAY_PUSH(h->pci, h->n_pci, o);
	}
	if (dd.fd >= 0)
		close(dd.fd);
	free(dd.dir);
}

void
probe_pci(struct host *h, const struct root *r)
{
	struct pci_ctx ctx;
	struct pci_ctx *prev = pci_cur;
	struct pci_access *a;
	struct pci_dev *d;
	const char *ids = getenv("VFIO_WIZARD_PCI_IDS");
	char *sysfs;

	if (!root_exists(r, "/sys/bus/pci/devices")) {
		host_problem(
		    h, "pci", "no pci devices: no '/sys/bus/pci/devices'");
		return;
	}
	if (ids == NULL || *ids == '\0')
		ids = PCI_IDS_PATH;

	memset(&ctx, 0, sizeof ctx);
	ctx.host = h;
	pci_cur = &ctx;

	a = pci_alloc();
	a->error = pci_on_error;
	a->warning = pci_on_warning;
	a->debug = pci_on_debug;
	a->debugging = 0;
	/* no ~/.pciids-cache, no DNS: names come from pci.ids alone */
	a->id_lookup_mode &= ~(unsigned)PCI_LOOKUP_CACHE;
	a->method = PCI_ACCESS_SYS_BUS_PCI;
	sysfs = root_join(r, "/sys/bus/pci");
	pci_set_param(a, (char *)"sysfs.path", sysfs);
	free(sysfs);
	/* absent before libpci 3.8; hwdb is also kept off per lookup */
	pci_set_param(a, (char *)"hwdb.disable", (char *)"1");
	pci_set_name_list_path(a, xstrdup(ids), 1);

	ctx.devices_fd = root_opendir(r, "/sys/bus/pci/devices");
	if (!guarded_scan(&ctx, a)) {
		host_problem(h, "pci", "libpci: %s", ctx.error);
	} else {
		guarded_names(&ctx, a, ids);
		for (d = a->devices; d != NULL; d = d->next)
			probe_device(&ctx, r, a, d);
	}
	pci_cleanup(a);
	if (ctx.devices_fd >= 0)
		close(ctx.devices_fd);
	pci_cur = prev;

	if (h->n_pci > 1)
		qsort(h->pci, h->n_pci, sizeof *h->pci, cmp_devices);
}
