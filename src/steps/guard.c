/*
 * guard.c: the critical-device guard's sentences (guard.h). Each reason
 * has two translated halves, what the device is to the host and what
 * passing it through would do, put together the same way wherever the
 * guard speaks, so the device step, the check and the refusal of a chosen
 * device always agree.
 */
#include "vfio-wizard/host.h"
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
guard_self(const struct host *h, const struct pci_device *d)
{
	const char *loss;
	char *what, *s;

	if (!reason(h, d, &what, &loss))
		return NULL;
	s = xasprintf(_("it is %s: passing it would %s"), what, loss);
	free(what);
	return s;
}

char *
guard_sibling(const struct host *h, int group, const struct pci_device *o)
{
	const char *loss;
	char *what, *s;

	if (!reason(h, o, &what, &loss))
		return NULL;
	s = xasprintf(_("IOMMU group %d also holds %s (%s), %s: passing the "
			"group would %s"),
	    group, o->address, o->device_name, what, loss);
	free(what);
	return s;
}

char *
guard_companion(const struct host *h, const struct pci_device *c)
{
	const char *loss;
	char *what, *s;

	if (!reason(h, c, &what, &loss))
		return NULL;
	s = xasprintf(_("its function %s (%s) goes along and is %s: passing "
			"it would %s"),
	    c->address, c->device_name, what, loss);
	free(what);
	return s;
}

char *
guard_refusal(const struct host *h, const struct pci_device *d)
{
	struct host_need n;
	const char *loss;
	char *what, *s;

	if (host_device_needed(h, d, &n) && n.kind == NEED_ROOT_DISK)
		return xasprintf(_("%s (%s) controls the disk the host boots "
				   "from: it cannot be passed through"),
		    d->address, d->device_name);
	if (!reason(h, d, &what, &loss))
		return NULL;
	s = xasprintf(_("%s (%s) is %s: passing it would %s"), d->address,
	    d->device_name, what, loss);
	free(what);
	return s;
}
