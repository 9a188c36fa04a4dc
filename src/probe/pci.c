/*
 * pci.c: the PCI probe. libpci walks <root>/sys/bus/pci (the sysfs method,
 * never hwdb, names from one pci.ids file); the attributes libpci does not
 * report (boot_vga, reset_method, SR-IOV counts, physfn, modalias, the
 * upstream bridge) are read through the root handle, every device's
 * directory first (pci_sysfs.c, on several threads on a large host), then
 * libpci fills each device from what was read, on this thread.
 *
 * libpci reports fatal errors through a callback that must not return; it is
 * turned into a longjmp back here, so a broken device directory costs that
 * device (or, in the scan itself, the list) and becomes a host problem
 * instead of ending the process. The handlers never print.
 */
#include "pci_priv.h"
#include "vfio-wizard/parallel.h"
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

/*
 * The names lspci would print ("Device 1234" when pci.ids lacks one); the
 * device before it (prev, or NULL) lends its names when it has the same IDs
 * and class, as a PF's VFs have.
 */
static void
fill_names(
    struct pci_access *a, struct pci_device *o, const struct pci_device *prev)
{
	const int f = PCI_LOOKUP_NO_HWDB;
	char buf[256];

	if (prev != NULL && prev->vendor_id == o->vendor_id &&
	    prev->device_id == o->device_id &&
	    prev->subsys_vendor_id == o->subsys_vendor_id &&
	    prev->subsys_device_id == o->subsys_device_id &&
	    prev->class_code >> 8 == o->class_code >> 8) {
		o->vendor_name = xstrdup(prev->vendor_name);
		o->device_name = xstrdup(prev->device_name);
		o->subsys_name = prev->subsys_name != NULL
				     ? xstrdup(prev->subsys_name)
				     : NULL;
		o->class_name = xstrdup(prev->class_name);
		return;
	}
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
fill_from_libpci(struct pci_access *a, struct pci_dev *d, struct pci_device *o,
    bool config, const struct pci_device *prev)
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
	 * of its absolute path, a readlink per path component; devscan_read()
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

	fill_names(a, o, prev);
}

/* What sysfs tells beyond libpci: moved from the scan into the device. */
static void
merge_sysfs(struct devscan *s, struct pci_device *o, bool config)
{
	if (o->driver == NULL) {
		o->driver = s->driver;
		s->driver = NULL;
	}
	o->modalias = s->modalias;
	o->reset_method = s->reset_method;
	o->parent = s->parent;
	s->modalias = s->reset_method = s->parent = NULL;
	if (!config && o->reset_method != NULL)
		o->has_flr = has_word(o->reset_method, "flr") ||
			     has_word(o->reset_method, "af_flr");

	o->boot_vga = TRI_NO;
	if ((o->class_code >> 8) == 0x0300) {
		o->boot_vga = TRI_UNKNOWN;
		if (s->boot_vga != NULL)
			o->boot_vga =
			    strcmp(s->boot_vga, "0") != 0 ? TRI_YES : TRI_NO;
	}

	if (o->physfn == NULL) {
		if (s->sriov_totalvfs >= 0) {
			o->sriov_capable = true;
			o->sriov_totalvfs = s->sriov_totalvfs;
		}
		if (s->sriov_numvfs >= 0)
			o->sriov_numvfs = s->sriov_numvfs;
	}
	if (!o->sriov_capable)
		o->sriov_totalvfs = o->sriov_numvfs = -1;
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
	struct host *h = ctx->host;

	if (setjmp(ctx->jmp) != 0)
		return false;
	fill_from_libpci(
	    a, d, o, config, h->n_pci > 0 ? &h->pci[h->n_pci - 1] : NULL);
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

/*
 * Hand one device's scan to libpci and append the device, or record why
 * not. Runs on the caller's thread, in libpci's order: libpci and the
 * host's problems are not for the worker threads.
 */
static void
probe_device(struct pci_ctx *ctx, struct pci_access *a, struct pci_dev *d,
    struct devscan *s)
{
	struct host *h = ctx->host;
	struct pci_device o;
	bool ok;

	memset(&o, 0, sizeof o);
	o.domain = (unsigned)d->domain;
	o.bus = d->bus;
	o.dev = d->dev;
	o.func = d->func;
	memcpy(o.address, s->address, sizeof o.address);
	o.iommu_group = -1;
	o.sriov_totalvfs = o.sriov_numvfs = -1;
	o.physfn = s->physfn;
	s->physfn = NULL;

	ctx->no_config = !s->config;
	if (s->cfg_len > 0)
		pci_setup_cache(d, s->cfg, s->cfg_len);
	devscan_prefill(s, d);
	ok = guarded_fill(ctx, a, d, &o, s->config);
	if (s->cfg_len > 0)
		pci_setup_cache(d, NULL, 0);
	ctx->no_config = false;
	if (!ok) {
		host_problem(
		    h, "pci", "device '%s' skipped: %s", o.address, ctx->error);
		device_clear(&o);
	} else {
		if (!s->config) {
			/* libpci read 0xff for a revision sysfs lacks */
			o.revision = s->revision_attr >= 0
					 ? (uint8_t)s->revision_attr
					 : 0;
			host_problem(h, "pci",
			    "device '%s': no config space, caps unknown",
			    o.address);
		}
		merge_sysfs(s, &o, s->config);
		ARRAY_PUSH(h->pci, h->n_pci, o);
	}
	devscan_clear(s);
}

/* qsort order of libpci's devices: domain, bus, device, function. */
static int
cmp_libpci_devs(const void *a, const void *b)
{
	const struct pci_dev *x = *(struct pci_dev *const *)a;
	const struct pci_dev *y = *(struct pci_dev *const *)b;
	struct pci_addr ax = {(unsigned)x->domain, x->bus, x->dev, x->func};
	struct pci_addr ay = {(unsigned)y->domain, y->bus, y->dev, y->func};

	return pci_addr_cmp(&ax, &ay);
}

/* The scans par_for fills: one per device libpci listed. */
struct scan_job {
	const struct root *r;
	int devices_fd;
	struct devscan *scans;
};

/* Read a range of devices, sharing their parent directories. */
static void
scan_range(void *arg, size_t lo, size_t hi)
{
	struct scan_job *job = arg;
	struct parent_dir pc = {NULL, -1};
	size_t i;

	for (i = lo; i < hi; i++)
		devscan_read(job->r, job->devices_fd, &pc, &job->scans[i]);
	parent_dir_close(&pc);
}

/*
 * Read every device's sysfs directory, on several threads when there are
 * many (a few hundred each at least: a thread costs more than a small
 * host's whole probe) while pci.ids is loaded, then hand each to libpci in
 * turn.
 */
static void
probe_devices(struct pci_ctx *ctx, const struct root *r, struct pci_access *a,
    const char *ids)
{
	struct scan_job job = {r, ctx->devices_fd, NULL};
	struct par_run *run;
	struct pci_dev *d, **devs = NULL;
	size_t n = 0, i;

	for (d = a->devices; d != NULL; d = d->next)
		ARRAY_PUSH(devs, n, d);
	/*
	 * In address order (libpci lists them in readdir order, which sysfs
	 * hashes): a PF's VFs follow each other, so a thread's range shares
	 * their parent directory and a device the names of the one before.
	 */
	if (n > 1)
		qsort(devs, n, sizeof *devs, cmp_libpci_devs);
	job.scans = xcalloc(n > 0 ? n : 1, sizeof *job.scans);
	for (i = 0; i < n; i++)
		snprintf(job.scans[i].address, sizeof job.scans[i].address,
		    "%04x:%02x:%02x.%u", (unsigned)devs[i]->domain,
		    devs[i]->bus, devs[i]->dev, devs[i]->func);
	run = par_start(n, 256, 64, scan_range, &job);
	/* pci.ids is parsed while the threads read sysfs */
	guarded_names(ctx, a, ids);
	par_join(run);
	for (i = 0; i < n; i++)
		probe_device(ctx, a, devs[i], &job.scans[i]);
	free(job.scans);
	free(devs);
}

void
probe_pci(struct host *h, const struct root *r)
{
	struct pci_ctx ctx;
	struct pci_ctx *prev = pci_cur;
	struct pci_access *a;
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
		probe_devices(&ctx, r, a, ids);
	}
	pci_cleanup(a);
	if (ctx.devices_fd >= 0)
		close(ctx.devices_fd);
	pci_cur = prev;

	if (h->n_pci > 1)
		qsort(h->pci, h->n_pci, sizeof *h->pci, cmp_devices);
}
