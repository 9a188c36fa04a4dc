/*
 * vmconf_edit.c: put the wanted hostpciN entries and keys into a parsed VM
 * config (vmconf.h), touching only the main section's lines that must
 * change.
 *
 * A function that an entry of the VM already passes is not added again
 * (qemu-server refuses a device assigned twice); that entry only gets the
 * keys the mode needs, so planning again after an apply changes nothing.
 * New entries take the first hostpciN (0 to 15) that neither the main
 * section nor [PENDING] uses. Legacy IGD also sets `vga: none` and drops
 * pcie=1 from every entry, as qemu-server refuses pcie on i440fx.
 */
#include "vmconf.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The VM's hostpciN entries as they are now. */
struct slots {
	char *value[VM_MAX_HOSTPCI]; /* main section, or NULL */
	struct pve_hostpci hp[VM_MAX_HOSTPCI];
	bool ok[VM_MAX_HOSTPCI];      /* hp parsed */
	bool pending[VM_MAX_HOSTPCI]; /* set in [PENDING] */
};

static void
slot_key(int n, char key[24])
{
	snprintf(key, 24, "hostpci%d", n);
}

static void
slot_clear(struct slots *s, int n)
{
	free(s->value[n]);
	s->value[n] = NULL;
	if (s->ok[n])
		pve_hostpci_free(&s->hp[n]);
	s->ok[n] = false;
}

static void
slot_load(struct slots *s, const struct pve_conf *c, int n)
{
	const char *v;
	char key[24], *cause = NULL;

	slot_clear(s, n);
	slot_key(n, key);
	if ((v = pve_conf_get(c, key)) == NULL)
		return;
	s->value[n] = xstrdup(v);
	s->ok[n] = pve_hostpci_parse(v, &s->hp[n], &cause) == 0;
	free(cause);
}

static void
slots_load(struct slots *s, const struct pve_conf *c)
{
	const struct pve_section *pending =
	    pve_conf_section(c, PVE_SECTION_PENDING, NULL);
	char key[24];
	int n;

	memset(s, 0, sizeof *s);
	for (n = 0; n < VM_MAX_HOSTPCI; n++) {
		slot_load(s, c, n);
		slot_key(n, key);
		s->pending[n] =
		    pending != NULL && pve_section_get(pending, key) != NULL;
	}
}

static void
slots_free(struct slots *s)
{
	int n;

	for (n = 0; n < VM_MAX_HOSTPCI; n++)
		slot_clear(s, n);
}

/* The first entry that passes address, or -1. */
static int
slot_covering(const struct slots *s, const char *address)
{
	int n;

	for (n = 0; n < VM_MAX_HOSTPCI; n++) {
		if (s->ok[n] && pve_hostpci_covers(&s->hp[n], address))
			return n;
	}
	return -1;
}

static int
slot_free(const struct slots *s)
{
	int n;

	for (n = 0; n < VM_MAX_HOSTPCI; n++) {
		if (s->value[n] == NULL && !s->pending[n])
			return n;
	}
	return -1;
}

static int
slot_set(
    struct pve_conf *c, struct slots *s, int n, const char *value, char **cause)
{
	char key[24];
	int err;

	slot_key(n, key);
	err = pve_conf_set(c, key, value, cause);
	if (err == 0)
		slot_load(s, c, n);
	return err;
}

/* Whether an existing entry already holds what e needs. */
static bool
satisfies(const struct pve_hostpci *x, const struct vm_entry *e)
{
	bool single = e->legacy_igd == 1 || e->mdev != NULL;

	if (single && x->n_hosts != 1)
		return false;
	if ((e->legacy_igd == 1) != (x->legacy_igd == 1))
		return false;
	if (e->legacy_igd == 1 && (x->rombar == 0 || x->x_vga == 1))
		return false;
	if (e->mdev == NULL ? x->mdev != NULL
			    : x->mdev == NULL ||
				  (e->mdev_chosen && strcmp(x->mdev, e->mdev)))
		return false;
	if (e->pcie == 1 && x->pcie != 1)
		return false;
	if (e->x_vga == 1 && x->x_vga != 1)
		return false;
	if (e->romfile != NULL &&
	    (x->romfile == NULL || strcmp(x->romfile, e->romfile) != 0))
		return false;
	return true;
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

/* Give an existing entry the keys e needs; the others stay. */
static void
merge(struct pve_hostpci *x, const struct vm_entry *e)
{
	if ((e->legacy_igd == 1 || e->mdev != NULL) && x->n_hosts != 1) {
		strv_free(x->hosts, x->n_hosts);
		x->hosts = xcalloc(1, sizeof *x->hosts);
		x->hosts[0] = xstrdup(e->host);
		x->n_hosts = 1;
	}
	x->legacy_igd = e->legacy_igd == 1 ? 1 : -1;
	if (e->legacy_igd == 1) {
		if (x->rombar == 0)
			x->rombar = -1;
		x->x_vga = -1;
	}
	if (e->mdev == NULL)
		set_str(&x->mdev, NULL);
	else if (x->mdev == NULL || e->mdev_chosen)
		set_str(&x->mdev, e->mdev);
	if (e->pcie == 1)
		x->pcie = 1;
	if (e->x_vga == 1)
		x->x_vga = 1;
	if (e->romfile != NULL)
		set_str(&x->romfile, e->romfile);
}

/* The value of a new entry for the functions of e listed in addrs. */
static char *
new_value(const struct vm_entry *e, char **addrs, size_t n)
{
	struct pve_hostpci hp;
	struct strbuf host = STRBUF_INIT;
	char *v;
	size_t i;

	memset(&hp, 0, sizeof hp);
	hp.rombar = hp.pcie = hp.x_vga = hp.legacy_igd = -1;
	if (n == e->n_addrs)
		sb_adds(&host, e->host);
	else
		for (i = 0; i < n; i++)
			sb_addf(&host, "%s%s", i > 0 ? ";" : "", addrs[i]);
	hp.hosts = xcalloc(1, sizeof *hp.hosts);
	hp.hosts[0] = sb_detach(&host);
	hp.n_hosts = 1;
	/* the keys go with the primary function only */
	if (strcmp(addrs[0], e->addrs[0]) == 0) {
		hp.legacy_igd = e->legacy_igd;
		hp.pcie = e->pcie;
		hp.x_vga = e->x_vga;
		hp.mdev = e->mdev != NULL ? xstrdup(e->mdev) : NULL;
		hp.romfile = e->romfile != NULL ? xstrdup(e->romfile) : NULL;
	}
	v = pve_hostpci_print(&hp);
	pve_hostpci_free(&hp);
	return v;
}

/* Fix an entry that holds e's primary function but lacks its keys. */
static int
update_entry(struct pve_conf *c, struct slots *s, int n,
    const struct vm_entry *e, int vmid, struct plan *p, char **cause)
{
	char *old, *v;
	int err;

	if (satisfies(&s->hp[n], e))
		return 0;
	old = xstrdup(s->value[n]);
	merge(&s->hp[n], e);
	v = pve_hostpci_print(&s->hp[n]);
	err = slot_set(c, s, n, v, cause);
	if (err == 0 && p != NULL)
		plan_note(p, VM_STEP_ID,
		    _("VM %d's hostpci%d already passes %s: '%s' becomes "
		      "'%s'."),
		    vmid, n, e->addrs[0], old, v);
	free(v);
	free(old);
	return err;
}

static int
put_entry(struct pve_conf *c, struct slots *s, const struct vm_entry *e,
    int vmid, struct plan *p, char **cause)
{
	char **missing = xcalloc(e->n_addrs, sizeof *missing);
	size_t i, n_missing = 0;
	int slot, err = 0;
	char *v;

	for (i = 0; i < e->n_addrs; i++) {
		if (slot_covering(s, e->addrs[i]) < 0)
			missing[n_missing++] = e->addrs[i];
	}
	slot = slot_covering(s, e->addrs[0]);
	if (slot >= 0)
		err = update_entry(c, s, slot, e, vmid, p, cause);
	if (err == 0 && n_missing > 0) {
		if ((slot = slot_free(s)) < 0) {
			*cause = xasprintf(
			    _("every hostpci entry of VM %d is taken "
			      "(hostpci0 to hostpci15): free one for %s "
			      "first"),
			    vmid, missing[0]);
			err = -ENOSPC;
		} else {
			v = new_value(e, missing, n_missing);
			err = slot_set(c, s, slot, v, cause);
			free(v);
		}
	}
	free(missing);
	return err;
}

/* Proxmox allows one legacy IGD device per VM. */
static int
other_legacy(const struct slots *s, const struct vm_want *w, char **cause)
{
	size_t i;
	int n;

	for (i = 0; i < w->n_entries; i++) {
		if (w->entries[i].legacy_igd != 1)
			continue;
		for (n = 0; n < VM_MAX_HOSTPCI; n++) {
			if (!s->ok[n] || s->hp[n].legacy_igd != 1 ||
			    pve_hostpci_covers(
				&s->hp[n], w->entries[i].addrs[0]))
				continue;
			*cause = xasprintf(
			    _("VM %d's hostpci%d ('%s') is in legacy IGD mode "
			      "already, and Proxmox allows only one such "
			      "device"),
			    w->vmid, n, s->value[n]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Legacy IGD: `vga: none`, saying what the VM's display becomes. */
static int
set_vga_none(
    struct pve_conf *c, const struct vm_want *w, struct plan *p, char **cause)
{
	const char *vga = pve_conf_get(c, "vga");
	char *old = vga != NULL ? xstrdup(vga) : NULL;
	int err = 0;

	if (!vmconf_vga_none(vga)) {
		err = pve_conf_set(c, "vga", "none", cause);
		if (err == 0 && p != NULL)
			plan_note(p, VM_STEP_ID,
			    _("VM %d gets 'vga: none' (it was '%s'): legacy "
			      "IGD makes the iGPU the VM's only display, so "
			      "its picture appears on a monitor at the host's "
			      "iGPU output, not in the Proxmox console."),
			    w->vmid, old != NULL ? old : _("std, the default"));
	}
	free(old);
	return err;
}

/* Legacy IGD needs i440fx, where qemu-server refuses pcie=1. */
static int
drop_pcie(struct pve_conf *c, struct slots *s, const struct vm_want *w,
    struct plan *p, char **cause)
{
	int n, err;

	for (n = 0; n < VM_MAX_HOSTPCI; n++) {
		char *old, *v;

		if (!s->ok[n] || s->hp[n].pcie != 1)
			continue;
		old = xstrdup(s->value[n]);
		s->hp[n].pcie = -1;
		v = pve_hostpci_print(&s->hp[n]);
		err = slot_set(c, s, n, v, cause);
		if (err == 0 && p != NULL)
			plan_note(p, VM_STEP_ID,
			    _("VM %d's hostpci%d loses pcie=1 ('%s' becomes "
			      "'%s'): legacy IGD needs the i440fx machine, "
			      "which has no PCIe bus, and Proxmox refuses "
			      "pcie=1 there."),
			    w->vmid, n, old, v);
		free(v);
		free(old);
		if (err < 0)
			return err;
	}
	return 0;
}

int
vmconf_edit(
    struct pve_conf *c, const struct vm_want *w, struct plan *p, char **cause)
{
	struct slots s;
	size_t i;
	int err;

	slots_load(&s, c);
	err = other_legacy(&s, w, cause);
	for (i = 0; err == 0 && i < w->n_entries; i++)
		err = put_entry(c, &s, &w->entries[i], w->vmid, p, cause);
	if (err == 0 && w->vga_none)
		err = set_vga_none(c, w, p, cause);
	if (err == 0 && w->no_pcie)
		err = drop_pcie(c, &s, w, p, cause);
	slots_free(&s);
	return err;
}
