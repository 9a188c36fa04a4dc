/*
 * step_sriov.c: the SR-IOV step. For an Intel iGPU in sr-iov mode, the
 * virtual functions must exist after every boot: sysfsutils writes each
 * "attribute = value" line of /etc/sysfs.conf and then /etc/sysfs.d/ *.conf
 * below /sys at boot (Debian's /etc/init.d/sysfsutils), so the plan is
 * /etc/sysfs.d/vfio-wizard.conf with the PF's sriov_numvfs, as the
 * i915-sriov-dkms README sets it in /etc/sysfs.conf
 * (passthrough-facts.md section 8).
 *
 * Refused (-EPERM): sysfsutils not installed (dpkg status); the kernel
 * that boots next without i915-sriov-dkms (the in-tree i915 cannot create
 * iGPU VFs): libkmod must resolve its i915 below updates/ (where Debian's
 * dkms installs, updates/dkms/i915.ko) and dkms must list the package as
 * installed for it (/var/lib/dkms/i915-sriov-dkms/kernel-<release>-x86_64);
 * another sysfs.conf line that sets the attribute to another count.
 *
 * Verify: the files give the count; after the reboot, the PF has that many
 * VFs in the snapshot, else the likely cause and the next action.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"
#include "steps.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRIOV_STEP "sriov"
#define SRIOV_FILE "/etc/sysfs.d/vfio-wizard.conf"
#define SYSFS_CONF "/etc/sysfs.conf"
#define SYSFS_D "/etc/sysfs.d"
#define DPKG_STATUS "/var/lib/dpkg/status"
#define DKMS_TREE "/var/lib/dkms/i915-sriov-dkms"
#define DKMS_URL "https://github.com/strongtz/i915-sriov-dkms"

/* What the step works on: the PF and its attribute below /sys. */
struct sv {
	const struct pci_device *pf;
	int vfs;
	char *attr;	/* "devices/pci0000:00/0000:00:02.0/sriov_numvfs" */
	char *bus_attr; /* "bus/pci/devices/0000:00:02.0/sriov_numvfs" */
	char *sysdir;	/* "/sys/devices/pci0000:00/0000:00:02.0" */
};

/* A sysfsutils line that sets the PF's sriov_numvfs. */
struct sv_hit {
	char *file;
	unsigned line;
	char *value;
};

static void
sv_free(struct sv *s)
{
	free(s->attr);
	free(s->bus_attr);
	free(s->sysdir);
}

static void
hits_free(struct sv_hit *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].file);
		free(h[i].value);
	}
	free(h);
}

/* The PF's attribute from its real sysfs directory, found through the
 * /sys/bus/pci/devices link inside the root. */
static int
sv_init(const struct root *r, const struct selection *sel, struct sv *s,
    char **cause)
{
	char *link;
	int err;

	memset(s, 0, sizeof *s);
	s->pf = sel->igpu->dev;
	s->vfs = sel->vfs;
	link = xasprintf("/sys/bus/pci/devices/%s", s->pf->address);
	err = root_resolve(r, link, &s->sysdir);
	free(link);
	if (err < 0 || !str_startswith(s->sysdir, "/sys/devices/")) {
		*cause = xasprintf(_("the sysfs directory of %s cannot be "
				     "found below /sys/devices: is it still "
				     "there ('ls -l /sys/bus/pci/devices')?"),
		    s->pf->address);
		sv_free(s);
		return err < 0 ? err : -ENODEV;
	}
	s->attr = xasprintf("%s/sriov_numvfs", s->sysdir + strlen("/sys/"));
	s->bus_attr =
	    xasprintf("bus/pci/devices/%s/sriov_numvfs", s->pf->address);
	return 0;
}

/* Whether a sysfsutils attribute (relative to /sys, glob(7) allowed)
 * names the PF's sriov_numvfs. */
static bool
names_pf(const struct root *r, const struct sv *s, const char *attr)
{
	const char *base = strrchr(attr, '/');
	char *dir, *real = NULL;
	bool hit;

	while (*attr == '/')
		attr++;
	if (strpbrk(attr, "*?[") != NULL)
		return fnmatch(attr, s->attr, FNM_PATHNAME) == 0 ||
		       fnmatch(attr, s->bus_attr, FNM_PATHNAME) == 0;
	if (base == NULL || strcmp(base, "/sriov_numvfs") != 0)
		return false;
	dir = xasprintf("/sys/%.*s", (int)(base - attr), attr);
	hit = root_resolve(r, dir, &real) == 0 && strcmp(real, s->sysdir) == 0;
	free(real);
	free(dir);
	return hit;
}

/* The lines of one sysfsutils file that set the PF's attribute, read as
 * the init script reads them ('#' comments, "attr = value", mode and
 * owner lines aside). */
static void
scan_text(const struct root *r, const struct sv *s, const char *path,
    const char *text, size_t len, struct sv_hit **hits, size_t *n)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *l = xstrndup(
		    p, nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		char *eq, *a, *v, *ae;
		struct sv_hit h;

		line++;
		p = nl != NULL ? nl + 1 : end;
		l[strcspn(l, "#")] = '\0';
		eq = strchr(l, '=');
		for (a = l; isspace((unsigned char)*a); a++)
			;
		if (eq == NULL || str_startswith(a, "mode ") ||
		    str_startswith(a, "owner ")) {
			free(l);
			continue;
		}
		*eq = '\0';
		for (ae = eq; ae > a && isspace((unsigned char)ae[-1]); ae--)
			;
		*ae = '\0';
		for (v = eq + 1; isspace((unsigned char)*v); v++)
			;
		v[strcspn(v, " \t\r")] = '\0';
		if (*a != '\0' && names_pf(r, s, a)) {
			h.file = xstrdup(path);
			h.line = line;
			h.value = xstrdup(v);
			ARRAY_PUSH(*hits, *n, h);
		}
		free(l);
	}
}

/* Every line of /etc/sysfs.conf and /etc/sysfs.d/ *.conf (except ours, when
 * skip_ours) that sets the attribute, in the order sysfsutils applies them;
 * the texts come from the plan when p is not NULL. */
static int
scan_all(const struct root *r, struct plan *p, const struct sv *s,
    bool skip_ours, struct sv_hit **hits, size_t *n, char **cause)
{
	char **names = NULL, *path;
	size_t n_names = 0, i;
	int err = 0;

	*hits = NULL;
	*n = 0;
	if (root_listdir(r, SYSFS_D, &names, &n_names) < 0)
		n_names = 0;
	for (i = 0; err == 0 && i <= n_names; i++) {
		const char *text;
		char *owned = NULL, *data = NULL;
		size_t len = 0, nl;
		bool exists;

		if (i == 0)
			path = xstrdup(SYSFS_CONF);
		else {
			nl = strlen(names[i - 1]);
			if (nl < 6 ||
			    strcmp(names[i - 1] + nl - 5, ".conf") != 0)
				continue;
			path = xasprintf(SYSFS_D "/%s", names[i - 1]);
		}
		if (skip_ours && strcmp(path, SRIOV_FILE) == 0) {
			free(path);
			continue;
		}
		if (p != NULL) {
			err = plan_current(
			    p, r, path, &text, &len, &exists, &owned, cause);
		} else {
			exists = root_read(r, path, &data, &len) == 0;
			text = data;
		}
		if (err == 0 && exists)
			scan_text(r, s, path, text, len, hits, n);
		free(owned);
		free(data);
		free(path);
	}
	strv_free(names, n_names);
	return err;
}

/* Whether dpkg lists pkg as installed below the root. */
static bool
pkg_installed(const struct root *r, const char *pkg)
{
	char *text, *version = NULL;
	size_t len;
	bool ok;

	if (root_read(r, DPKG_STATUS, &text, &len) < 0)
		return false;
	ok = dpkg_installed(text, len, pkg, &version);
	free(version);
	free(text);
	return ok;
}

/* The kernel the bootloader starts next: a proxmox-boot-tool pin (the
 * next-boot one first) naming an installed kernel, else the newest one
 * with a modules directory (GRUB_DEFAULT=0, systemd-boot's sort). */
static const char *
next_kernel(const struct host *h, const struct root *r)
{
	static const char *const pins[] = {
	    "/etc/kernel/next-boot-pin", "/etc/kernel/proxmox-boot-pin"};
	const char *found = NULL;
	size_t i, k;

	for (i = 0; i < nitems(pins) && found == NULL; i++) {
		char *pin;

		if (root_read_line(r, pins[i], &pin) < 0)
			continue;
		for (k = 0; k < h->kernel.n_installed; k++)
			if (h->kernel.installed[k].has_modules_dir &&
			    strcmp(h->kernel.installed[k].release, pin) == 0)
				found = h->kernel.installed[k].release;
		free(pin);
	}
	for (k = h->kernel.n_installed; found == NULL && k > 0; k--)
		if (h->kernel.installed[k - 1].has_modules_dir)
			found = h->kernel.installed[k - 1].release;
	return found;
}

/* Where libkmod finds i915 for release, relative to its modules
 * directory ("kernel/drivers/gpu/drm/i915/i915.ko"), or NULL. */
static char *
i915_path(const struct root *r, const char *release)
{
	struct kmod_ctx *ctx = kmods_ctx(r, release, false);
	struct kmod_list *list = NULL;
	char *rel = xasprintf("/lib/modules/%s/", release), *dir, *out = NULL;
	const char *path;

	dir = root_join(r, rel);
	if (ctx != NULL &&
	    kmod_module_new_from_lookup(ctx, "i915", &list) == 0 &&
	    list != NULL) {
		struct kmod_module *m = kmod_module_get_module(list);

		path = kmod_module_get_path(m);
		if (path != NULL)
			out = xstrdup(str_startswith(path, dir)
					  ? path + strlen(dir)
					  : path);
		kmod_module_unref(m);
		kmod_module_unref_list(list);
	}
	if (ctx != NULL)
		kmod_unref(ctx);
	free(dir);
	free(rel);
	return out;
}

/* Whether release loads i915 from i915-sriov-dkms; *path gets the i915
 * libkmod resolves (NULL when none). Proxmox VE is amd64 only, so dkms
 * keeps it as kernel-<release>-x86_64. */
static bool
sriov_driver(const struct root *r, const char *release, char **path)
{
	char *mark = xasprintf(DKMS_TREE "/kernel-%s-x86_64", release);
	bool ok;

	*path = i915_path(r, release);
	ok = *path != NULL && str_startswith(*path, "updates/") &&
	     root_exists(r, mark);
	free(mark);
	return ok;
}

/* The refusals that do not depend on the files: sysfsutils, the driver. */
static int
check_host(const struct host *h, const struct root *r, const struct sv *s,
    struct plan *p, char **cause)
{
	const char *next = next_kernel(h, r);
	char *path = NULL;
	size_t k;

	if (!pkg_installed(r, "sysfsutils")) {
		*cause = xasprintf(_("sysfsutils is not installed, so nothing "
				     "would create the %d SR-IOV VFs of %s at "
				     "boot: install it with 'apt install "
				     "sysfsutils', then plan again"),
		    s->vfs, s->pf->address);
		return -EPERM;
	}
	if (!root_exists(r, SYSFS_D)) {
		*cause = xasprintf(_("%s is missing although sysfsutils is "
				     "installed: reinstall it with 'apt "
				     "install --reinstall sysfsutils', then "
				     "plan again"),
		    SYSFS_D);
		return -EPERM;
	}
	if (next == NULL) {
		*cause = xasprintf(_("no installed kernel has a modules "
				     "directory below /lib/modules, so the "
				     "SR-IOV i915 driver cannot be checked"));
		return -EPERM;
	}
	if (!sriov_driver(r, next, &path)) {
		*cause = xasprintf(
		    _("kernel %s, which boots next, has i915 from %s, not "
		      "from i915-sriov-dkms: the in-tree i915 cannot create "
		      "SR-IOV VFs of %s. Install i915-sriov-dkms for that "
		      "kernel (the .deb of %s/releases, in the host and "
		      "later in the guest), then plan again"),
		    next, path != NULL ? path : _("nowhere"), s->pf->address,
		    DKMS_URL);
		free(path);
		return -EPERM;
	}
	free(path);
	for (k = 0; p != NULL && k < h->kernel.n_installed; k++) {
		const char *rel = h->kernel.installed[k].release;

		if (!h->kernel.installed[k].has_modules_dir ||
		    strcmp(rel, next) == 0)
			continue;
		if (!sriov_driver(r, rel, &path))
			plan_note(p, SRIOV_STEP,
			    _("Kernel %s has no i915-sriov-dkms module: "
			      "booted with it, %s gets no VFs."),
			    rel, s->pf->address);
		free(path);
	}
	return 0;
}

/* The text of our file: what wrote it, then the one attribute line. */
static char *
sriov_text(const struct sv *s)
{
	return xasprintf(
	    "# SR-IOV virtual functions of %s, written by vfio-wizard.\n"
	    "# sysfsutils applies this at boot; 'vfio-wizard undo' removes "
	    "this file.\n"
	    "%s = %d\n",
	    s->pf->address, s->attr, s->vfs);
}

/* Resolve the selection; *s is set up only for an iGPU in sr-iov mode. */
static int
sv_select(const struct host *h, const struct choices *c, const struct root *r,
    struct sv *s, bool *active, char **cause)
{
	struct selection sel;
	int err;

	*active = false;
	if ((err = selection_resolve(h, r, c, &sel, cause)) < 0)
		return err;
	if (sel.igpu != NULL && sel.mode == MODE_SRIOV && sel.vfs > 0) {
		err = sv_init(r, &sel, s, cause);
		*active = err == 0;
	}
	selection_free(&sel);
	return err;
}

static int
sriov_plan(const struct host *h, const struct choices *c, const struct root *r,
    struct plan *p, char **cause)
{
	struct sv s;
	struct sv_hit *hits = NULL;
	size_t n = 0, i;
	bool active, same = false;
	char *want, *text;
	int err;

	if ((err = sv_select(h, c, r, &s, &active, cause)) < 0 || !active)
		return err;
	want = xasprintf("%d", s.vfs);
	if ((err = check_host(h, r, &s, p, cause)) < 0 ||
	    (err = scan_all(r, p, &s, true, &hits, &n, cause)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(hits[i].value, want) == 0) {
			same = true;
			continue;
		}
		*cause = xasprintf(_("%s:%u sets %s to %s, but %d VFs are "
				     "wanted: change or remove that line (or "
				     "choose --vfs %s), then plan again"),
		    hits[i].file, hits[i].line, s.attr, hits[i].value, s.vfs,
		    hits[i].value);
		err = -EPERM;
		goto out;
	}
	if (same) {
		/* another file asks for exactly this: ours would repeat it,
		 * and one of an earlier count would fight it at boot */
		plan_note(p, SRIOV_STEP,
		    _("%s:%u already asks sysfsutils for %d VFs of %s."),
		    hits[0].file, hits[0].line, s.vfs, s.pf->address);
		if (root_exists(r, SRIOV_FILE))
			err = plan_set(
			    p, r, SRIOV_FILE, NULL, 0, 0644, SRIOV_STEP, cause);
		goto out;
	}
	text = sriov_text(&s);
	err = plan_set(
	    p, r, SRIOV_FILE, text, strlen(text), 0644, SRIOV_STEP, cause);
	free(text);
out:
	hits_free(hits, n);
	free(want);
	sv_free(&s);
	return err;
}

/* i915's max_vfs after the boot: /sys/module, else the command line. */
static int
max_vfs(const struct host *h, const struct root *r)
{
	char *v = NULL;
	unsigned long n;
	int out = -1;

	if (root_read_ulong(r, "/sys/module/i915/parameters/max_vfs", &n) == 0)
		return (int)n;
	if (h->kernel.cmdline != NULL &&
	    (v = kparam(h->kernel.cmdline, "i915.max_vfs")) != NULL)
		out = atoi(v);
	free(v);
	return out;
}

/* After the reboot: the PF has the VFs, else the likely cause. */
static bool
verify_running(const struct host *h, const struct root *r, const struct sv *s,
    struct strbuf *msg)
{
	size_t i, vfs = 0;
	char *path = NULL;
	int mv;

	for (i = 0; i < h->n_pci; i++)
		if (h->pci[i].physfn != NULL &&
		    strcmp(h->pci[i].physfn, s->pf->address) == 0)
			vfs++;
	if (s->pf->sriov_numvfs == s->vfs && vfs == (size_t)s->vfs) {
		sb_addf(msg, _("%s has its %d VFs"), s->pf->address, s->vfs);
		return true;
	}
	sb_addf(msg, _("%s has %zu VFs instead of %d: "), s->pf->address, vfs,
	    s->vfs);
	mv = max_vfs(h, r);
	if (s->pf->driver == NULL || strcmp(s->pf->driver, "i915") != 0)
		sb_addf(msg,
		    _("it is on %s, not i915; the PF must stay on the host's "
		      "i915 (check the modules configuration)"),
		    s->pf->driver != NULL ? s->pf->driver : _("no driver"));
	else if (h->kernel.release != NULL &&
		 !sriov_driver(r, h->kernel.release, &path))
		sb_addf(msg,
		    _("kernel %s runs the i915 from %s, not i915-sriov-dkms, "
		      "which cannot create VFs: install i915-sriov-dkms for "
		      "it (%s) and reboot"),
		    h->kernel.release, path != NULL ? path : _("nowhere"),
		    DKMS_URL);
	else if (mv < 0)
		sb_addf(msg,
		    _("i915 runs without max_vfs, so it makes no VFs: check "
		      "that the kernel command line has i915.max_vfs=%d ('cat "
		      "/proc/cmdline'), run update-grub or proxmox-boot-tool "
		      "refresh, and reboot"),
		    s->vfs);
	else if (mv < s->vfs)
		sb_addf(msg,
		    _("i915.max_vfs is %d, too low for %d VFs: check the "
		      "kernel command line ('cat /proc/cmdline') and reboot"),
		    mv, s->vfs);
	else
		sb_addf(msg,
		    _("sysfsutils did not set %s at boot: see 'systemctl "
		      "status sysfsutils' and 'journalctl -b -u sysfsutils', "
		      "and try 'echo %d > /sys/%s'"),
		    s->attr, s->vfs, s->attr);
	free(path);
	return false;
}

static enum verify_result
sriov_verify(const struct host *h, const struct choices *c,
    const struct root *r, bool after_reboot, struct strbuf *msg)
{
	struct sv s;
	struct sv_hit *hits = NULL;
	size_t n = 0, i;
	char *cause = NULL;
	enum verify_result v = VERIFY_OK;
	bool active;

	if (sv_select(h, c, r, &s, &active, &cause) < 0) {
		sb_adds(msg, cause);
		free(cause);
		return VERIFY_FAILED;
	}
	if (!active)
		return VERIFY_OK;
	if (after_reboot) {
		v = verify_running(h, r, &s, msg) ? VERIFY_OK : VERIFY_FAILED;
		sv_free(&s);
		return v;
	}
	scan_all(r, NULL, &s, false, &hits, &n, &cause);
	free(cause);
	for (i = 0; i < n; i++)
		if (strtol(hits[i].value, NULL, 10) != s.vfs ||
		    strspn(hits[i].value, "0123456789") !=
			strlen(hits[i].value))
			break;
	if (n == 0 || i < n) {
		if (n == 0)
			sb_addf(msg, _("no sysfsutils file sets %s"), s.attr);
		else
			sb_addf(msg, _("%s:%u sets %s to %s instead of %d"),
			    hits[i].file, hits[i].line, s.attr, hits[i].value,
			    s.vfs);
		v = VERIFY_FAILED;
	} else {
		sb_adds(msg, _("takes effect after the reboot"));
		v = VERIFY_AFTER_REBOOT;
	}
	hits_free(hits, n);
	sv_free(&s);
	return v;
}

const struct step step_sriov = {SRIOV_STEP, N_("SR-IOV virtual functions"),
    STEP_NEEDS_REBOOT, sriov_plan, sriov_verify};
