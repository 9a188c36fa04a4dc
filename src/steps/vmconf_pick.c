/*
 * vmconf_pick.c: the VM config step's look-ups (vmconf.h): the chosen VM,
 * how to choose or create one, and what the mode needs from the host: the
 * GVT-g type the iGPU offers, the option ROM in /usr/share/kvm, the SR-IOV
 * VF to give this VM. Everything is read through the root handle.
 */
#include "vmconf.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
vmconf_find_vm(const struct host *h, const char *id, const struct pve_vm **out,
    char **cause)
{
	const char *p;
	long vmid;
	size_t i;

	*out = NULL;
	for (p = id; *p >= '0' && *p <= '9'; p++)
		;
	if (*id == '\0' || *p != '\0' || p - id > 9 ||
	    (vmid = strtol(id, NULL, 10)) < 100) {
		*cause = xasprintf(
		    _("'%s' is not a VM id (a number from 100 up)"), id);
		return -EINVAL;
	}
	for (i = 0; i < h->pve.n_vms; i++) {
		if (h->pve.vms[i].vmid == vmid) {
			*out = &h->pve.vms[i];
			return 0;
		}
	}
	*cause = xasprintf(_("no VM %s on this host"), id);
	return -ENOENT;
}

/* The type of a property string with a default key ("[type=]q35,..."). */
static char *
default_key(const char *value, const char *key)
{
	size_t klen = strlen(key);
	const char *p = value, *end;

	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (memchr(p, '=', (size_t)(end - p)) == NULL)
			return xstrndup(p, (size_t)(end - p));
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == '=')
			return xstrndup(
			    p + klen + 1, (size_t)(end - p) - klen - 1);
		p = *end == ',' ? end + 1 : end;
	}
	return NULL;
}

bool
vmconf_machine_q35(const char *machine)
{
	char *type;
	bool q35;

	if (machine == NULL)
		return false;
	type = default_key(machine, "type");
	q35 = type != NULL && strstr(type, "q35") != NULL;
	free(type);
	return q35;
}

bool
vmconf_vga_none(const char *vga)
{
	char *type;
	bool none;

	if (vga == NULL)
		return false;
	type = default_key(vga, "type");
	none = type != NULL && strcmp(type, "none") == 0;
	free(type);
	return none;
}

bool
vmconf_value_covers(const char *value, const char *address)
{
	struct pve_hostpci hp;
	char *cause = NULL;
	bool covers;

	if (value == NULL || pve_hostpci_parse(value, &hp, &cause) < 0) {
		free(cause);
		return false;
	}
	covers = pve_hostpci_covers(&hp, address);
	pve_hostpci_free(&hp);
	return covers;
}

/* "100 (win10, pc-i440fx-8.1, seabios, stopped)" for the VM list. */
static void
describe_vm(const struct pve_vm *vm, struct strbuf *sb)
{
	sb_addf(sb, "%d (%s, %s, %s, ", vm->vmid,
	    vm->name != NULL ? vm->name : "-",
	    vm->machine != NULL ? vm->machine : "i440fx",
	    vm->bios != NULL ? vm->bios : "seabios");
	if (vm->lock != NULL)
		sb_addf(sb, _("locked: %s"), vm->lock);
	else
		sb_adds(sb, vm->running ? _("running") : _("stopped"));
	sb_addc(sb, ')');
}

/* True when a selected function is a whole GPU for vfio-pci. */
static bool
has_vfio_gpu(const struct selection *sel)
{
	size_t i;

	for (i = 0; i < sel->n_fns; i++) {
		if (sel->fns[i].mode == MODE_VFIO && !sel->fns[i].sibling &&
		    pci_is_gpu(sel->fns[i].dev))
			return true;
	}
	return false;
}

void
vmconf_note_choose(
    const struct host *h, const struct selection *sel, struct plan *p)
{
	struct strbuf list = STRBUF_INIT;
	const char *settings = "";
	int id = 100;
	size_t i;

	if (!h->pve.present)
		return;
	for (i = 0; i < h->pve.n_vms; i++) {
		if (i > 0)
			sb_adds(&list, "; ");
		describe_vm(&h->pve.vms[i], &list);
	}
	/* vms are sorted by id: the first gap from 100 up is free here */
	for (i = 0; i < h->pve.n_vms; i++) {
		if (h->pve.vms[i].vmid == id)
			id++;
	}
	if (sel->mode == MODE_LEGACY_IGD)
		settings = " --machine pc --bios seabios --vga none";
	else if (has_vfio_gpu(sel))
		settings = " --machine q35";
	if (h->pve.n_vms > 0)
		plan_note(p, VM_STEP_ID,
		    _("No VM was chosen, so no VM config is changed. Choose "
		      "one with --vm ID: %s. Or create one with the settings "
		      "this mode needs, for example 'qm create %d --name "
		      "passthrough --memory 4096%s', and plan again with "
		      "--vm %d."),
		    sb_str(&list), id, settings, id);
	else
		plan_note(p, VM_STEP_ID,
		    _("This host has no VM yet, so no VM config is changed. "
		      "Create one with the settings this mode needs, for "
		      "example 'qm create %d --name passthrough --memory "
		      "4096%s', and plan again with --vm %d."),
		    id, settings, id);
	sb_release(&list);
}

/* An mdev type name as qemu-server takes it ([^/.:]+), kept plain. */
static bool
mdev_name_ok(const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (p = s; *p != '\0'; p++) {
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '_' && *p != '-')
			return false;
	}
	return true;
}

int
vmconf_mdev_type(const struct root *r, const struct selected_fn *igpu,
    const struct choices *c, char **type, bool *chosen, char **cause)
{
	const char *want = choices_get(c, "mdev");
	char *path = xasprintf(
	    "/sys/bus/pci/devices/%s/mdev_supported_types", igpu->dev->address);
	char **names = NULL;
	size_t n = 0;
	int err = 0;

	*type = NULL;
	*chosen = false;
	if (root_listdir(r, path, &names, &n) < 0)
		n = 0;
	if (want != NULL && !mdev_name_ok(want)) {
		*cause = xasprintf(_("'%s' is not a GVT-g type name (for "
				     "example i915-GVTg_V5_4)"),
		    want);
		err = -EINVAL;
	} else if (want != NULL && n > 0 && !strv_has(names, n, want)) {
		struct strbuf offered = STRBUF_INIT;
		size_t i;

		for (i = 0; i < n; i++)
			sb_addf(&offered, "%s%s", i > 0 ? ", " : "", names[i]);
		*cause = xasprintf(_("%s does not offer the GVT-g type '%s' "
				     "(it offers %s)"),
		    igpu->dev->address, want, sb_str(&offered));
		sb_release(&offered);
		err = -EINVAL;
	} else if (want != NULL) {
		*type = xstrdup(want);
		*chosen = true;
	} else if (n > 0) {
		*type = xstrdup(names[0]);
	} else {
		*cause = xasprintf(
		    _("the GVT-g types of %s are listed only once "
		      "i915.enable_gvt=1 is active (after the reboot): choose "
		      "one now with --mdev TYPE (or 'mdev:' in the answers "
		      "file), for example i915-GVTg_V5_4 from Skylake to Comet "
		      "Lake or i915-GVTg_V4_4 on Broadwell, or plan the VM "
		      "again after the reboot"),
		    igpu->dev->address);
		err = -ENOENT;
	}
	strv_free(names, n);
	free(path);
	return err;
}

int
vmconf_romfile(
    const struct root *r, const struct choices *c, char **file, char **cause)
{
	const char *f = choices_get(c, "romfile");
	struct stat st;
	char *path;
	int err = 0;

	*file = NULL;
	if (f == NULL)
		return 0;
	if (*f == '\0' || strpbrk(f, "/,;= \t\n") != NULL ||
	    strcmp(f, ".") == 0 || strcmp(f, "..") == 0) {
		*cause = xasprintf(_("'%s' is not a file name in "
				     "/usr/share/kvm (romfile= takes a plain "
				     "name)"),
		    f);
		return -EINVAL;
	}
	path = xasprintf("/usr/share/kvm/%s", f);
	if (root_stat(r, path, &st, true) < 0 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf(_("the option ROM '%s' is not in "
				     "/usr/share/kvm: copy it there first"),
		    f);
		err = -ENOENT;
	} else
		*file = xstrdup(f);
	free(path);
	return err;
}

/* True when another VM's hostpci entries hold address. */
static bool
used_elsewhere(const struct host *h, int vmid, const char *address)
{
	size_t i, k;

	for (i = 0; i < h->pve.n_vms; i++) {
		if (h->pve.vms[i].vmid == vmid)
			continue;
		for (k = 0; k < VM_MAX_HOSTPCI; k++) {
			if (vmconf_value_covers(
				h->pve.vms[i].hostpci[k], address))
				return true;
		}
	}
	return false;
}

/* True when the config's own hostpci entries hold address. */
static bool
in_conf(const struct pve_conf *conf, const char *address)
{
	char key[24];
	int k;

	for (k = 0; k < VM_MAX_HOSTPCI; k++) {
		snprintf(key, sizeof key, "hostpci%d", k);
		if (vmconf_value_covers(pve_conf_get(conf, key), address))
			return true;
	}
	return false;
}

char *
vmconf_vf_address(const struct host *h, const struct pve_conf *conf, int vmid,
    const struct selection *sel)
{
	const struct pci_device *pf = sel->igpu->dev;
	char addr[PCI_ADDR_LEN];
	int n = sel->vfs > 0 ? sel->vfs : 1, k;

	/* VFs follow the PF's function on the same device (00:02.1-.7) */
	if (n > 7 - (int)pf->func)
		n = 7 - (int)pf->func;
	for (k = 1; k <= n; k++) {
		snprintf(addr, sizeof addr, "%04x:%02x:%02x.%x", pf->domain,
		    pf->bus, pf->dev, pf->func + (unsigned)k);
		if (in_conf(conf, addr))
			return xstrdup(addr);
	}
	for (k = 1; k <= n; k++) {
		snprintf(addr, sizeof addr, "%04x:%02x:%02x.%x", pf->domain,
		    pf->bus, pf->dev, pf->func + (unsigned)k);
		if (!used_elsewhere(h, vmid, addr))
			return xstrdup(addr);
	}
	snprintf(addr, sizeof addr, "%04x:%02x:%02x.%x", pf->domain, pf->bus,
	    pf->dev, pf->func + 1);
	return xstrdup(addr);
}

void
vmconf_note_shared(
    const struct host *h, const struct vm_want *w, struct plan *p)
{
	size_t e, a, i;
	int k;

	for (e = 0; e < w->n_entries; e++) {
		for (a = 0; a < w->entries[e].n_addrs; a++) {
			const char *addr = w->entries[e].addrs[a];

			for (i = 0; i < h->pve.n_vms; i++) {
				const struct pve_vm *vm = &h->pve.vms[i];

				if (vm->vmid == w->vmid)
					continue;
				for (k = 0; k < VM_MAX_HOSTPCI; k++) {
					if (!vmconf_value_covers(
						vm->hostpci[k], addr))
						continue;
					plan_note(p, VM_STEP_ID,
					    _("%s is also in VM %d's "
					      "hostpci%d: only one of the "
					      "two VMs can run at a time."),
					    addr, vm->vmid, k);
				}
			}
		}
	}
}
