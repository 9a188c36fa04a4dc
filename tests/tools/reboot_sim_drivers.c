/*
 * reboot_sim_drivers.c: which driver claims each PCI device after the boot.
 *
 * The device's native driver is the module its modalias names in the booted
 * kernel's modules.alias (the bound one first when it is among them, and
 * never a blacklisted one: modprobe skips those for aliases), or, when the
 * modules directory names none, the driver the tree shows (built in, like
 * pcieport, or a module the fixture's kernel does not list). vfio-pci
 * claims the device when all of these hold (doc/reboot-sim.md):
 *   - `options vfio-pci ids=` (or vfio-pci.ids= on the command line) lists
 *     its vendor:device (subvendor, subdevice and class when given), or an
 *     install command writes vfio-pci into its driver_override;
 *   - vfio_pci exists in the booted kernel and is loaded at boot;
 *   - vfio-pci wins the race against the native driver: the native module
 *     is blacklisted, has `softdep <native> pre: vfio-pci`, is the module
 *     whose install command sets the override, there is none, or vfio-pci is
 *     built in and the native driver is a module. A native driver built in
 *     binds first. Without any of these, udev loads the native module from
 *     the initramfs before systemd-modules-load runs, which is the race the
 *     softdep exists to win;
 *   - the device is in an IOMMU group (else vfio_pci_core_register_device
 *     fails with -EINVAL, and the device stays free for the next driver).
 * Otherwise the native driver binds it, unless it is blacklisted or a
 * driver_override names vfio-pci (then none).
 */
#include "reboot_sim.h"

#include "../../src/spec/spec_priv.h"
#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *
rs_driver_name(const char *module)
{
	static const struct {
		const char *module, *driver;
	} map[] = {{"xhci_pci", "xhci_hcd"}, {"ehci_pci", "ehci-pci"},
	    {"i2c_i801", "i801_smbus"}, {"vfio_pci", "vfio-pci"},
	    {"pci_stub", "pci-stub"}};
	size_t i;

	for (i = 0; i < nitems(map); i++)
		if (strcmp(map[i].module, module) == 0)
			return xstrdup(map[i].driver);
	return xstrdup(module);
}

/* Parse one hex field of an ids entry; empty or absent means "any". */
static bool
id_field(char **p, unsigned long *out, unsigned long any)
{
	char *end;

	*out = any;
	if (*p == NULL || **p == '\0')
		return true;
	*out = strtoul(*p, &end, 16);
	if (end == *p || (*end != ':' && *end != '\0'))
		return false;
	*p = *end == ':' ? end + 1 : NULL;
	return true;
}

/*
 * Whether one vfio-pci ids entry vendor:device[:subvendor[:subdevice[:class
 * [:class_mask]]]] matches the device (drivers/vfio/pci/vfio_pci.c
 * vfio_pci_fill_ids, PCI_ANY_ID = ffffffff).
 */
static bool
id_matches(const char *entry, const struct pci_device *d)
{
	char *copy = xstrdup(entry), *p = copy;
	unsigned long v, dev, sv, sd, cls, mask;
	bool ok = id_field(&p, &v, ~0ul) && id_field(&p, &dev, ~0ul) &&
		  id_field(&p, &sv, 0xfffffffful) &&
		  id_field(&p, &sd, 0xfffffffful) && id_field(&p, &cls, 0) &&
		  id_field(&p, &mask, 0);

	free(copy);
	if (!ok || v == ~0ul || dev == ~0ul)
		return false;
	return v == d->vendor_id && dev == d->device_id &&
	       (sv == 0xfffffffful || sv == d->subsys_vendor_id) &&
	       (sd == 0xfffffffful || sd == d->subsys_device_id) &&
	       (d->class_code & mask) == (cls & mask);
}

/* The ids= entry of vfio-pci's options that lists the device, or NULL. */
static char *
vfio_ids_match(struct rs *s, const struct pci_device *d)
{
	char *opts = rs_module_options(s, "vfio_pci"), *list, *w;
	char *save = NULL, *hit = NULL;
	const char *ids = NULL;
	struct cmdline *cl;
	size_t i;

	if (opts == NULL)
		return NULL;
	/* module parameters parse like the command line; the last wins */
	cl = cmdline_parse(opts);
	for (i = 0; i < cl->n_tokens; i++)
		if (cmdline_key_eq(cl->tokens[i].key, "ids"))
			ids = cl->tokens[i].value;
	list = xstrdup(ids != NULL ? ids : "");
	for (w = strtok_r(list, ",", &save); w != NULL && hit == NULL;
	     w = strtok_r(NULL, ",", &save))
		if (id_matches(w, d))
			hit = xasprintf("ids %s", w);
	free(list);
	cmdline_free(cl);
	free(opts);
	return hit;
}

/* The module of a bound driver: its module link, else by its name. */
static char *
old_module(const struct rs *s, const char *driver)
{
	char *p = xasprintf("/sys/bus/pci/drivers/%s/module", driver), *m;

	if (root_readlink_base(s->r, p, &m) < 0)
		m = driver_module(driver);
	free(p);
	return m;
}

/* The native driver: see the top of the file. */
void
rs_native_driver(struct rs *s, struct rs_dev *d)
{
	const struct pci_device *pd = d->pd;
	char *old = pd->driver != NULL ? old_module(s, pd->driver) : NULL;
	char *real = NULL;
	enum rs_presence p;
	size_t i;

	if (old != NULL &&
	    (str_startswith(old, "vfio") || strcmp(old, "pci_stub") == 0)) {
		free(old);
		old = NULL;
	}
	rs_alias_modules(s, pd->modalias, &d->cands, &d->n_cands);
	if (d->n_cands > 0) {
		bool known =
		    old != NULL && rs_strv_has(d->cands, d->n_cands, old);

		if (known && !rs_blacklisted(s, old))
			d->native = xstrdup(old);
		for (i = 0; d->native == NULL && i < d->n_cands; i++)
			if (!rs_blacklisted(s, d->cands[i]))
				d->native = xstrdup(d->cands[i]);
		d->blacklisted = d->native == NULL;
		if (d->native != NULL) {
			p = rs_presence(s, d->native, &real);
			d->native_builtin = p == RS_BUILTIN;
			free(real);
			/*
			 * the bound driver's name is kept for its module; a
			 * driver whose module the tree does not tell (no
			 * module link, a name unlike the module's) is taken
			 * to be the first module the modalias names
			 */
			if (old != NULL &&
			    ((known && strcmp(old, d->native) == 0) ||
				(!known &&
				    strcmp(d->native, d->cands[0]) == 0)))
				d->native_drv = xstrdup(pd->driver);
			else
				d->native_drv = rs_driver_name(d->native);
		}
		free(old);
		return;
	}
	/* vfio-pci or pci-stub bound and no alias: no native driver known */
	if (pd->driver == NULL || str_startswith(pd->driver, "vfio") ||
	    strcmp(pd->driver, "pci-stub") == 0) {
		free(old);
		return;
	}
	/* no alias: the bound driver stays (built in, or not listed) */
	if (old != NULL && rs_blacklisted(s, old)) {
		d->blacklisted = true;
		free(old);
		return;
	}
	d->native = old != NULL ? xstrdup(old) : NULL;
	d->native_drv = xstrdup(pd->driver);
	d->native_builtin = true;
	if (old != NULL && rs_presence(s, old, &real) == RS_MODULE)
		d->native_builtin = false;
	free(real);
	free(old);
}

/* Does vfio-pci get there before the native driver? */
static bool
race_won(const struct rs *s, const struct rs_dev *d, const char **how)
{
	if (d->native_drv == NULL)
		return *how = d->blacklisted ? "native driver blacklisted"
					     : "no other driver",
		       true;
	if (d->native_builtin)
		return *how = "built in", false;
	/* udev loads the native module from the old initramfs first */
	if (s->faults & RS_FAULT_STALE_INITRAMFS)
		return *how = "stale initramfs", false;
	if (d->override_mod != NULL && strcmp(d->override_mod, d->native) == 0)
		return *how = "install command", true;
	if (rs_softdep_pre(s, d->native, "vfio_pci"))
		return *how = "softdep", true;
	if (s->vfio_builtin)
		return *how = "vfio-pci built in", true;
	return *how = "race", false;
}

/* The reason vfio-pci wins, for the summary. */
static char *
vfio_reason(const struct rs_dev *d, const char *how)
{
	if (strcmp(how, "softdep") == 0)
		return xasprintf("vfio-pci (%s; softdep %s pre: vfio_pci)",
		    d->vfio_why, d->native);
	if (strcmp(how, "install command") == 0)
		return xasprintf(
		    "vfio-pci (%s; install %s)", d->vfio_why, d->native);
	return xasprintf("vfio-pci (%s; %s)", d->vfio_why, how);
}

void
rs_decide(struct rs *s, struct rs_dev *d)
{
	const char *how = "";
	bool won, override_on;
	char *lost = NULL;

	d->override_mod = rs_override_module(s, d->pd->address);
	override_on =
	    d->override_mod != NULL &&
	    (rs_is_loaded(s, d->override_mod) ||
		(s->vfio_builtin && strcmp(d->override_mod, "vfio_pci") == 0));
	d->vfio_why = vfio_ids_match(s, d->pd);
	if (d->vfio_why == NULL && override_on)
		d->vfio_why = xasprintf("driver_override by the install "
					"command of %s",
		    d->override_mod);
	if (!override_on)
		d->override_mod = NULL;
	d->want_vfio = d->vfio_why != NULL;
	won = race_won(s, d, &how);
	if (d->want_vfio) {
		if (!s->vfio_present)
			lost = xasprintf(
			    "kernel %s has no vfio_pci", s->kernel->release);
		else if (!s->vfio_loaded)
			lost = xstrdup("vfio_pci is not loaded at boot (not in "
				       "modules-load.d, no softdep)");
		else if (!won && strcmp(how, "built in") == 0)
			lost = xasprintf(
			    "%s is built in and binds first", d->native_drv);
		else if (!won && strcmp(how, "stale initramfs") == 0)
			lost = xasprintf("the initramfs predates the "
					 "configuration (fault "
					 "stale-initramfs): %s loads from it "
					 "first",
			    d->native);
		else if (!won)
			lost = xasprintf("nothing makes vfio-pci load before "
					 "%s (no softdep %s pre: vfio-pci, "
					 "no blacklist)",
			    d->native, d->native);
		else if (d->group < 0)
			lost = xstrdup("no IOMMU group: vfio-pci's probe "
				       "fails with -EINVAL");
		if (lost == NULL) {
			d->driver = xstrdup("vfio-pci");
			d->module =
			    s->vfio_builtin ? NULL : xstrdup("vfio_pci");
			d->why = vfio_reason(d, how);
			return;
		}
	}
	if (d->override_mod != NULL && won) {
		/* driver_override names vfio-pci: nothing else may bind */
		d->why = xasprintf("none (driver_override vfio-pci; %s)", lost);
	} else if (d->native_drv != NULL) {
		d->driver = xstrdup(d->native_drv);
		d->module = d->native != NULL && !d->native_builtin
				? xstrdup(d->native)
				: NULL;
		d->why = lost != NULL ? xasprintf("%s (vfio-pci %s, but %s)",
					    d->driver, d->vfio_why, lost)
				      : xstrdup(d->driver);
	} else {
		d->why = lost != NULL
			     ? xasprintf("none (vfio-pci %s, but %s)",
				   d->vfio_why, lost)
			     : xstrdup(d->blacklisted ? "none (blacklisted)"
						      : "none");
	}
	free(lost);
}

/* One summary line when a device's driver changes or vfio-pci wants it. */
static void
report(struct rs *s, const struct rs_dev *d)
{
	const char *old = d->created		  ? "new VF"
			  : d->pd->driver != NULL ? d->pd->driver
						  : "none";

	if (d->created ||
	    strcmp(old, d->driver != NULL ? d->driver : "none") != 0 ||
	    d->want_vfio)
		rs_fact(s, "driver %s: %s -> %s", d->pd->address, old, d->why);
}

int
rs_drivers(struct rs *s, char **cause)
{
	size_t i;
	int err;

	if ((err = rs_kmod_open(s, cause)) < 0)
		return err;
	for (i = 0; i < s->n_devs; i++)
		rs_native_driver(s, &s->devs[i]);
	rs_boot_modules(s);
	for (i = 0; i < s->n_devs; i++)
		rs_decide(s, &s->devs[i]);
	rs_sriov(s);
	for (i = 0; i < s->n_devs; i++)
		report(s, &s->devs[i]);
	return 0;
}
