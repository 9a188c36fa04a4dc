/*
 * vmconf_entries.c: the hostpciN entries and keys a mode needs in one VM
 * (vmconf.h), checked against the rules qemu-server applies at `qm start`
 * (PVE/QemuServer/PCI.pm parse_hostpci_devices, print_hostpci_devices)
 * and QEMU's legacy IGD requirements (docs/igd-assign.txt):
 *
 *   legacy IGD  0000:00:02.0,legacy-igd=1 and `vga: none`; not on q35
 *               (QEMU needs i440fx's LPC slot); SeaBIOS, or OVMF only with
 *               an IGD option ROM given as romfile=; no x-vga, no mdev, no
 *               pcie=1 (i440fx has no PCIe bus); the other functions (the
 *               HDMI audio 00:03.0) as their own entries. Any hostpciN
 *               will do: qemu-server puts a legacy-igd device at guest
 *               00:02.0 whatever its N (print_pci_addr('legacy-igd')).
 *   GVT-g       0000:00:02.0,mdev=<type>: one function, never multifunction.
 *   SR-IOV      the VF's address (00:02.1 for the first VF).
 *   vfio        a GPU with the other selected functions of its slot in one
 *               entry ("0000:05:00" when that is all of them), pcie=1 on
 *               q35, x-vga=1 when it is the VM's display; other devices
 *               one entry each.
 *
 * The choices "romfile=", "mdev=" and "x-vga=1" apply only where they mean
 * something; given anywhere else they are refused rather than ignored.
 */
#include "vmconf.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What the choices and the config say, for the rules below. */
struct ctx {
	const struct host *h;
	const struct selection *sel;
	struct vm_want *w;
	bool *done;    /* per selected function: in an entry */
	bool xvga;     /* the "x-vga=1" choice */
	bool vga_none; /* the config has `vga: none` now */
	char *romfile; /* the "romfile=" choice, checked */
	size_t n_gpus; /* whole-GPU entries made */
	bool romfile_used;
};

static struct vm_entry *
new_entry(struct vm_want *w)
{
	struct vm_entry e;

	memset(&e, 0, sizeof e);
	e.legacy_igd = e.pcie = e.x_vga = -1;
	ARRAY_PUSH(w->entries, w->n_entries, e);
	return &w->entries[w->n_entries - 1];
}

static void
entry_add(struct vm_entry *e, const char *address)
{
	char *a = xstrdup(address);

	ARRAY_PUSH(e->addrs, e->n_addrs, a);
}

/* An entry of its own for one function, without options. */
static void
plain_entry(struct vm_want *w, const char *address)
{
	struct vm_entry *e = new_entry(w);

	entry_add(e, address);
	e->host = xstrdup(address);
}

static bool
same_slot(const struct pci_device *a, const struct pci_device *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

/* The selected whole-device GPU in d's slot, or NULL. */
static const struct pci_device *
slot_gpu(const struct selection *sel, const struct pci_device *d)
{
	size_t i;

	for (i = 0; i < sel->n_fns; i++) {
		const struct selected_fn *f = &sel->fns[i];

		if (!f->sibling && f->mode == MODE_VFIO && pci_is_gpu(f->dev) &&
		    same_slot(f->dev, d))
			return f->dev;
	}
	return NULL;
}

/* How many functions the host has in d's slot. */
static size_t
slot_functions(const struct host *h, const struct pci_device *d)
{
	size_t i, n = 0;

	for (i = 0; i < h->n_pci; i++) {
		if (same_slot(&h->pci[i], d))
			n++;
	}
	return n;
}

/*
 * One entry for a GPU and the selected functions of its slot, by function
 * number: "0000:05:00" when they are every function the slot has (and
 * more than one), else the addresses joined with ';' (one device list).
 */
static void
gpu_entry(struct ctx *x, const struct pci_device *gpu)
{
	struct vm_entry *e = new_entry(x->w);
	struct strbuf host = STRBUF_INIT;
	unsigned fn;
	size_t i;

	for (fn = 0; fn < 8; fn++) {
		for (i = 0; i < x->sel->n_fns; i++) {
			const struct pci_device *d = x->sel->fns[i].dev;

			if (x->done[i] || !same_slot(d, gpu) || d->func != fn)
				continue;
			x->done[i] = true;
			entry_add(e, d->address);
			sb_addf(
			    &host, "%s%s", host.len > 0 ? ";" : "", d->address);
		}
	}
	if (e->n_addrs > 1 && e->n_addrs == slot_functions(x->h, gpu)) {
		sb_reset(&host);
		sb_addf(
		    &host, "%04x:%02x:%02x", gpu->domain, gpu->bus, gpu->dev);
	}
	e->host = sb_detach(&host);
	e->pcie = x->w->q35 ? 1 : -1;
	e->x_vga = x->vga_none || x->xvga ? 1 : -1;
	if (x->romfile != NULL) {
		e->romfile = xstrdup(x->romfile);
		x->romfile_used = true;
	}
	x->n_gpus++;
}

/* Every selected function not placed yet: GPUs by slot, the rest alone. */
static void
other_entries(struct ctx *x)
{
	size_t i;

	for (i = 0; i < x->sel->n_fns; i++) {
		const struct pci_device *d = x->sel->fns[i].dev, *gpu;

		if (x->done[i])
			continue;
		if ((gpu = slot_gpu(x->sel, d)) != NULL) {
			gpu_entry(x, gpu);
			continue;
		}
		x->done[i] = true;
		plain_entry(x->w, d->address);
	}
}

/* Index of the iGPU in the selection. */
static size_t
igpu_index(const struct selection *sel)
{
	size_t i;

	for (i = 0; i < sel->n_fns; i++) {
		if (&sel->fns[i] == sel->igpu)
			break;
	}
	return i;
}

static int
legacy_igd(struct ctx *x, const struct pve_conf *conf, char **cause)
{
	const char *machine = pve_conf_get(conf, "machine");
	const char *bios = pve_conf_get(conf, "bios");
	struct vm_entry *e;

	if (x->w->q35) {
		*cause = xasprintf(
		    _("VM %d uses a q35 machine ('machine: %s'): Proxmox "
		      "refuses legacy IGD on q35, because QEMU needs the "
		      "i440fx chipset for it; choose an i440fx VM or create "
		      "one with 'qm create ID --machine pc'"),
		    x->w->vmid, machine);
		return -EINVAL;
	}
	if (bios != NULL && strcasecmp(bios, "ovmf") == 0 &&
	    x->romfile == NULL) {
		*cause = xasprintf(
		    _("VM %d boots with OVMF ('bios: ovmf'): legacy IGD needs "
		      "SeaBIOS, or for OVMF an IGD option ROM that you put in "
		      "/usr/share/kvm and name with 'romfile: FILE' in the "
		      "answers file"),
		    x->w->vmid);
		return -EINVAL;
	}
	if (x->xvga) {
		*cause = xstrdup(_("x-vga cannot be combined with legacy IGD "
				   "(Proxmox refuses it): the iGPU is the "
				   "VM's display already"));
		return -EINVAL;
	}
	e = new_entry(x->w);
	entry_add(e, x->sel->igpu->dev->address);
	e->host = xstrdup(x->sel->igpu->dev->address);
	e->legacy_igd = 1;
	if (x->romfile != NULL) {
		e->romfile = xstrdup(x->romfile);
		x->romfile_used = true;
	}
	x->done[igpu_index(x->sel)] = true;
	x->w->vga_none = true;
	x->w->no_pcie = true;
	return 0;
}

static int
gvt_g(
    struct ctx *x, const struct root *r, const struct choices *c, char **cause)
{
	struct vm_entry *e;
	bool chosen;
	char *type;
	int err;

	err = vmconf_mdev_type(r, x->sel->igpu, c, &type, &chosen, cause);
	if (err < 0)
		return err;
	e = new_entry(x->w);
	entry_add(e, x->sel->igpu->dev->address);
	e->host = xstrdup(x->sel->igpu->dev->address);
	e->mdev = type;
	e->mdev_chosen = chosen;
	x->done[igpu_index(x->sel)] = true;
	return 0;
}

static void
sr_iov(struct ctx *x, const struct pve_conf *conf)
{
	char *vf = vmconf_vf_address(x->h, conf, x->w->vmid, x->sel);

	plain_entry(x->w, vf);
	free(vf);
	x->done[igpu_index(x->sel)] = true;
}

/* A choice that this selection gives no meaning is refused. */
static int
unused_choices(const struct ctx *x, const struct choices *c, char **cause)
{
	if (choices_get(c, "mdev") != NULL && x->sel->mode != MODE_GVT_G) {
		*cause = xstrdup(_("mdev= names a GVT-g type, but the iGPU "
				   "is not chosen in mode gvt-g"));
		return -EINVAL;
	}
	if (x->xvga && x->n_gpus == 0) {
		*cause = xstrdup(_("x-vga=1 applies to a whole GPU, but no "
				   "GPU is chosen for vfio-pci"));
		return -EINVAL;
	}
	if (x->romfile != NULL && !x->romfile_used) {
		*cause = xstrdup(_("romfile= applies to legacy IGD or a whole "
				   "GPU, and neither is chosen"));
		return -EINVAL;
	}
	return 0;
}

/* The "x-vga" choice: 1|on|yes|true, 0|off|no|false. */
static int
xvga_choice(const struct choices *c, bool *on, char **cause)
{
	static const char *const yes[] = {"1", "on", "yes", "true"};
	static const char *const no[] = {"0", "off", "no", "false"};
	const char *v = choices_get(c, "x-vga");
	size_t i;

	*on = false;
	if (v == NULL)
		return 0;
	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*on = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	*cause = xasprintf(_("x-vga takes 1 or 0, not '%s'"), v);
	return -EINVAL;
}

int
vmconf_want(const struct host *h, const struct root *r,
    const struct selection *sel, const struct choices *c,
    const struct pve_conf *conf, int vmid, struct vm_want *w, char **cause)
{
	struct ctx x;
	size_t i;
	int err;

	memset(w, 0, sizeof *w);
	w->vmid = vmid;
	w->q35 = vmconf_machine_q35(pve_conf_get(conf, "machine"));
	memset(&x, 0, sizeof x);
	x.h = h;
	x.sel = sel;
	x.w = w;
	x.done = xcalloc(sel->n_fns + 1, sizeof *x.done);
	for (i = 0; i < sel->n_fns; i++)
		x.done[i] = sel->fns[i].sibling; /* vfio-pci only, no VM */
	x.vga_none = vmconf_vga_none(pve_conf_get(conf, "vga"));
	err = xvga_choice(c, &x.xvga, cause);
	if (err == 0)
		err = vmconf_romfile(r, c, &x.romfile, cause);
	if (err == 0 && sel->igpu != NULL) {
		switch (sel->mode) {
		case MODE_LEGACY_IGD:
			err = legacy_igd(&x, conf, cause);
			break;
		case MODE_GVT_G:
			err = gvt_g(&x, r, c, cause);
			break;
		case MODE_SRIOV:
			sr_iov(&x, conf);
			break;
		case MODE_VFIO:
			break;
		}
	}
	if (err == 0) {
		other_entries(&x);
		err = unused_choices(&x, c, cause);
	}
	free(x.romfile);
	free(x.done);
	if (err < 0)
		vmconf_want_free(w);
	return err;
}

void
vmconf_want_free(struct vm_want *w)
{
	size_t i;

	for (i = 0; i < w->n_entries; i++) {
		struct vm_entry *e = &w->entries[i];

		strv_free(e->addrs, e->n_addrs);
		free(e->host);
		free(e->mdev);
		free(e->romfile);
	}
	free(w->entries);
	memset(w, 0, sizeof *w);
}
