/*
 * guard.c: the critical-device guard's sentences (guard.h). Each reason
 * has two translated halves, what the device is to the host and what
 * passing it through would do, put together the same way wherever the
 * guard speaks, so the device step, the check and the refusal of a chosen
 * device always agree. A typed confirmation ("confirm=take <address> from
 * the host", matched exactly) lifts one device's block; a lifted device
 * gets a note instead.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/step.h"
#include "guard.h"

#include <stdlib.h>
#include <string.h>

/* What the device is to the host, and what losing it does; false: none. */
static bool
reason(const struct host *h, const struct pci_device *d, char **what,
    const char **loss)
{
	struct host_need n;

	if (!host_device_needed(h, d, &n))
		return false;
	switch (n.kind) {
	case NEED_ROOT_DISK:
		*what = xstrdup(_("the controller of the root filesystem"));
		*loss = _("take the host's disk away");
		break;
	case NEED_STORAGE:
		*what = xasprintf(_("the controller of Proxmox storage '%s' "
				    "(%s %s on %s)"),
		    n.storage->storage, n.storage->type, n.storage->what,
		    n.storage->disk);
		*loss = _("take the storage away from the host");
		break;
	case NEED_STORAGE_UNKNOWN:
		*what = xasprintf(_("a storage controller, and the disks of "
				    "%s are unknown"),
		    n.unknown);
		*loss = _("take a disk the host needs away");
		break;
	case NEED_MGMT_NIC:
		*what = xasprintf(_("the management NIC (%s)"), n.nic->via);
		*loss = _("cut the host off the network");
		break;
	case NEED_BRIDGE_PORT:
		*what = xasprintf(_("a port of bridge %s (%s), and the "
				    "management interface is uncertain"),
		    n.nic->top, n.nic->via);
		*loss = _("cut the host off the network");
		break;
	case NEED_NIC_UNKNOWN:
		*what = xstrdup(_("a network controller without an interface, "
				  "while a management NIC is missing from "
				  "/sys/class/net"));
		*loss = _("cut the host off the network");
		break;
	default:
		return false;
	}
	return true;
}

char *
guard_phrase(const struct pci_device *d)
{
	return xasprintf("take %s from the host", d->address);
}

bool
guard_lifted(const struct choices *c, const struct pci_device *d)
{
	char *want = xasprintf("confirm=take %s from the host", d->address);
	bool yes;

	yes = c != NULL && strv_has(c->items, c->n_items, want);
	free(want);
	return yes;
}

bool
guard_blocks(
    const struct host *h, const struct choices *c, const struct pci_device *d)
{
	const char *loss;
	char *what;

	if (!reason(h, d, &what, &loss))
		return false;
	free(what);
	return !guard_lifted(c, d);
}

/* The reason, unless a confirmation lifted it. */
static bool
blocked(const struct host *h, const struct choices *c,
    const struct pci_device *d, char **what, const char **loss)
{
	if (guard_lifted(c, d))
		return false;
	return reason(h, d, what, loss);
}

/* s with the phrase that lifts d's block appended (s is consumed). */
static char *
with_phrase(char *s, const struct pci_device *d)
{
	char *p = guard_phrase(d), *r;

	r = xasprintf(_("%s (only if the host can do without it: lift the "
			"block with --confirm '%s')"),
	    s, p);
	free(p);
	free(s);
	return r;
}

char *
guard_self(
    const struct host *h, const struct choices *c, const struct pci_device *d)
{
	const char *loss;
	char *what, *s;

	if (!blocked(h, c, d, &what, &loss))
		return NULL;
	s = xasprintf(_("it is %s: passing it would %s"), what, loss);
	free(what);
	return s;
}

char *
guard_sibling(const struct host *h, const struct choices *c, int group,
    const struct pci_device *o)
{
	const char *loss;
	char *what, *s;

	if (!blocked(h, c, o, &what, &loss))
		return NULL;
	s = xasprintf(_("IOMMU group %d also holds %s (%s), %s: passing the "
			"group would %s"),
	    group, o->address, o->device_name, what, loss);
	free(what);
	return s;
}

char *
guard_companion(
    const struct host *h, const struct choices *c, const struct pci_device *d)
{
	const char *loss;
	char *what, *s;

	if (!blocked(h, c, d, &what, &loss))
		return NULL;
	s = xasprintf(_("its function %s (%s) goes along and is %s: passing "
			"it would %s"),
	    d->address, d->device_name, what, loss);
	free(what);
	return s;
}

char *
guard_refusal(
    const struct host *h, const struct choices *c, const struct pci_device *d)
{
	struct host_need n;
	const char *loss;
	char *what, *s;

	if (!blocked(h, c, d, &what, &loss))
		return NULL;
	if (host_device_needed(h, d, &n) && n.kind == NEED_ROOT_DISK)
		s = xasprintf(_("%s (%s) controls the disk the host boots "
				"from: passing it would %s"),
		    d->address, d->device_name, loss);
	else
		s = xasprintf(_("%s (%s) is %s: passing it would %s"),
		    d->address, d->device_name, what, loss);
	free(what);
	return with_phrase(s, d);
}

char *
guard_sibling_refusal(const struct host *h, const struct choices *c,
    const struct pci_device *chosen, int group, const struct pci_device *o)
{
	char *why, *s;

	if ((why = guard_sibling(h, c, group, o)) == NULL)
		return NULL;
	s = xasprintf(_("%s (%s) cannot be passed through: %s"),
	    chosen->address, chosen->device_name, why);
	free(why);
	s = with_phrase(s, o);
	why = xasprintf(
	    _("%s; to keep it on the host, %s"), s, guard_acs_advice());
	free(s);
	return why;
}

char *
guard_lift_note(
    const struct host *h, const struct choices *c, const struct pci_device *d)
{
	const char *loss;
	char *what, *p, *s;

	if (!guard_lifted(c, d) || !reason(h, d, &what, &loss))
		return NULL;
	p = guard_phrase(d);
	s = xasprintf(_("CRITICAL-DEVICE GUARD LIFTED by the typed "
			"confirmation '%s': %s (%s) is %s, and vfio-pci "
			"claims it at boot, which will %s. Apply only if the "
			"host can do without it; 'vfio-wizard undo' and a "
			"reboot give it back"),
	    p, d->address, d->device_name, what, loss);
	free(p);
	free(what);
	return s;
}

const char *
guard_acs_advice(void)
{
	return _("move the card to another slot, or use a board whose IOMMU "
		 "groups separate it from these devices; the ACS override "
		 "(pcie_acs_override=, a Proxmox kernel patch, not upstream) "
		 "is a last resort that weakens isolation (the devices may "
		 "still reach each other by peer-to-peer DMA), and "
		 "vfio-wizard never applies it");
}
