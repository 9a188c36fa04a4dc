/*
 * model_choice.c: the mode and VM choice screen's rows, built without
 * curses: the modes the verdict offers (the recommended one first), the
 * VMs of the node (running or locked ones shown but not choosable, with
 * the reason) and "no VM", for GVT-g the mdev types of the generation's
 * family (or one typed), for legacy IGD on an OVMF VM the option ROM, for
 * SR-IOV the VF count, for a whole GPU the x-vga toggle, and the drivers
 * also blacklisted (--vfs, --x-vga, --blacklist of the CLI); and the
 * explanation of the row under the cursor: why this mode for this
 * device (the mode's paragraph, the knowledge base's advice for the
 * generation, the verdict's notes) or what a VM row means.
 */
#include "model.h"

#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/step.h"

#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
add_row(struct ui_choicerows *out, enum ui_role role, int indent,
    enum ui_choice_kind kind, const char *value, bool usable, const char *text)
{
	size_t n;

	ui_lines_add(&out->lines, role, indent, "%s", text);
	n = out->lines.n;
	out->kind = xreallocarray(out->kind, n, sizeof *out->kind);
	out->value = xreallocarray(out->value, n, sizeof *out->value);
	out->usable = xreallocarray(out->usable, n, sizeof *out->usable);
	out->kind[n - 1] = kind;
	out->value[n - 1] = value != NULL ? xstrdup(value) : NULL;
	out->usable[n - 1] = usable;
}

static void
heading(struct ui_choicerows *out, const char *text)
{
	add_row(out, UI_ROLE_TITLE, 0, UI_CHOICE_NONE, NULL, false, text);
}

/* OK when the choice holds key=value, else PENDING. */
static enum ui_role
current(const struct choices *c, const char *key, const char *value)
{
	return ui_choices_has(c, key, value) ? UI_ROLE_OK : UI_ROLE_PENDING;
}

static const char *
mode_short(enum vw_mode m)
{
	switch (m) {
	case MODE_LEGACY_IGD:
		return _("the whole iGPU to one VM (GVT-d)");
	case MODE_GVT_G:
		return _("a virtual GPU; the host keeps the iGPU");
	case MODE_SRIOV:
		return _("a virtual function; the host keeps the iGPU");
	case MODE_VFIO:
		return _("the whole device to one VM");
	}
	return "";
}

static void
mode_rows(
    struct ui_choicerows *out, const struct verdict *v, const struct choices *c)
{
	unsigned bit, order[5];
	size_t n = 0, i;
	char *t;

	heading(out, _("Mode"));
	if (v == NULL) {
		add_row(out, UI_ROLE_DIM, 2, UI_CHOICE_NONE, NULL, false,
		    _("Choose a device first (the Devices step)"));
		return;
	}
	if (v->igpu == NULL) {
		t = xasprintf("vfio \u2014 %s", mode_short(MODE_VFIO));
		add_row(out, UI_ROLE_OK, 2, UI_CHOICE_NONE, "vfio", false, t);
		free(t);
		return;
	}
	if (v->recommended != 0)
		order[n++] = v->recommended;
	for (bit = 1; bit <= MODE_VFIO; bit <<= 1)
		if ((v->modes & bit) && bit != v->recommended)
			order[n++] = bit;
	for (i = 0; i < n; i++) {
		const char *name = mode_name((enum vw_mode)order[i]);

		t = xasprintf("%s%s \u2014 %s", name,
		    order[i] == v->recommended ? _(" (recommended)") : "",
		    mode_short((enum vw_mode)order[i]));
		add_row(out, current(c, "mode", name), 2, UI_CHOICE_MODE, name,
		    true, t);
		free(t);
	}
	if (n == 0)
		add_row(out, UI_ROLE_FAIL, 2, UI_CHOICE_NONE, NULL, false,
		    _("No passthrough mode works for it now"));
}

static void
vm_rows(
    struct ui_choicerows *out, const struct host *h, const struct choices *c)
{
	char id[16], *t, *why;
	size_t i;

	heading(out, _("Virtual machine"));
	for (i = 0; i < h->pve.n_vms; i++) {
		const struct pve_vm *vm = &h->pve.vms[i];
		bool ok = !vm->running && vm->lock == NULL;

		snprintf(id, sizeof id, "%d", vm->vmid);
		if (vm->running)
			why = xstrdup(_("running: shut it down to choose it"));
		else if (vm->lock != NULL)
			why = xasprintf(_("locked (%s): wait, or qm unlock %d"),
			    vm->lock, vm->vmid);
		else
			why = xstrdup(_("stopped"));
		t = xasprintf("%-5d %-16s %s %s \u2014 %s", vm->vmid,
		    vm->name != NULL ? vm->name : "-",
		    vm->machine != NULL ? vm->machine : "i440fx",
		    vm->bios != NULL ? vm->bios : "seabios", why);
		add_row(out, ok ? current(c, "vm", id) : UI_ROLE_DIM, 2,
		    UI_CHOICE_VM, id, ok, t);
		free(t);
		free(why);
	}
	add_row(out,
	    choices_get(c, "vm") == NULL ? UI_ROLE_OK : UI_ROLE_PENDING, 2,
	    UI_CHOICE_NO_VM, NULL, true,
	    _("no VM: the plan tells how to create one"));
}

/* The mdev types of the generation's family: prefix 1, 2, 4, 8. */
static void
mdev_rows(
    struct ui_choicerows *out, const struct verdict *v, const struct choices *c)
{
	static const char *const sizes[] = {"4", "2", "1", "8"};
	const char *want = choices_get(c, "mdev");
	bool listed = false;
	size_t i;
	char *name, *t;

	heading(out, _("GVT-g type"));
	for (i = 0; v->igpu->gvt_mdev_prefix != NULL && i < nitems(sizes);
	     i++) {
		name = xasprintf("%s%s", v->igpu->gvt_mdev_prefix, sizes[i]);
		listed = listed || (want != NULL && strcmp(want, name) == 0);
		t = xasprintf(_("%s \u2014 up to %s per iGPU%s"), name,
		    sizes[i], i == 0 ? _(" (usual)") : "");
		add_row(out, current(c, "mdev", name), 2, UI_CHOICE_MDEV, name,
		    true, t);
		free(t);
		free(name);
	}
	if (want != NULL && !listed) {
		t = xasprintf(_("%s \u2014 typed"), want);
		add_row(out, UI_ROLE_OK, 2, UI_CHOICE_MDEV, want, true, t);
		free(t);
	}
	add_row(out, UI_ROLE_PENDING, 2, UI_CHOICE_MDEV_TYPED, NULL, true,
	    _("type another type name\u2026"));
}

/* The chosen VM, or NULL. */
static const struct pve_vm *
chosen_vm(const struct host *h, const struct choices *c)
{
	const char *id = choices_get(c, "vm");
	size_t i;

	for (i = 0; id != NULL && i < h->pve.n_vms; i++)
		if (h->pve.vms[i].vmid == atoi(id))
			return &h->pve.vms[i];
	return NULL;
}

/* As selection.c: a count above this is refused without sriov_totalvfs. */
#define UI_MAX_VFS 63

int
ui_choice_vfs_default(const struct host *h, const struct verdict *v)
{
	const struct pci_device *d;

	if (v == NULL || v->device >= h->n_pci)
		return 7;
	d = &h->pci[v->device];
	return d->sriov_totalvfs > 0 ? d->sriov_totalvfs : 7;
}

/* The most VFs "vfs=" may ask of v's device. */
static int
vfs_max(const struct host *h, const struct verdict *v)
{
	const struct pci_device *d;

	if (v == NULL || v->device >= h->n_pci)
		return UI_MAX_VFS;
	d = &h->pci[v->device];
	return d->sriov_totalvfs > 0 ? d->sriov_totalvfs : UI_MAX_VFS;
}

char *
ui_choice_check_vfs(
    const struct host *h, const struct verdict *v, const char *text)
{
	int max = vfs_max(h, v);
	char *end;
	long n;

	n = strtol(text, &end, 10);
	if (*text < '0' || *text > '9' || *end != '\0' || n < 1 || n > max)
		return xasprintf(
		    _("'%s' is not a VF count this GPU offers (1 to %d)"), text,
		    max);
	return NULL;
}

char *
ui_choice_module(const char *text, char **cause)
{
	char *name = xstrdup(text), *p;

	for (p = name; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	if (*name == '\0' || strlen(name) > 55 ||
	    strspn(name,
		"abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(name)) {
		*cause = xasprintf(_("'%s' is not a module name"), text);
		free(name);
		return NULL;
	}
	return name;
}

/* SR-IOV: the VF count, typed; the default shown while none is chosen. */
static void
vfs_rows(struct ui_choicerows *out, const struct host *h,
    const struct verdict *v, const struct choices *c)
{
	const char *want = choices_get(c, "vfs");
	char *t, now[16];

	heading(out, _("Virtual functions (SR-IOV)"));
	if (want != NULL)
		t = xasprintf(
		    _("virtual functions: %s (up to %d)"), want, vfs_max(h, v));
	else
		t = xasprintf(_("virtual functions: %d (default, up to %d)"),
		    ui_choice_vfs_default(h, v), vfs_max(h, v));
	snprintf(now, sizeof now, "%d",
	    want != NULL ? atoi(want) : ui_choice_vfs_default(h, v));
	add_row(out, want != NULL ? UI_ROLE_OK : UI_ROLE_PENDING, 2,
	    UI_CHOICE_VFS, now, true, t);
	free(t);
}

/* A whole GPU (vfio): x-vga=1 when it is the VM's display. */
static void
xvga_rows(struct ui_choicerows *out, const struct choices *c)
{
	const char *x = choices_get(c, "x-vga");
	bool on = x != NULL &&
		  (strcmp(x, "1") == 0 || strcasecmp(x, "on") == 0 ||
		      strcasecmp(x, "yes") == 0 || strcasecmp(x, "true") == 0);

	heading(out, _("Display"));
	add_row(out, on ? UI_ROLE_OK : UI_ROLE_PENDING, 2, UI_CHOICE_XVGA,
	    on ? "1" : "0", true, _("x-vga=1: this GPU is the VM's display"));
	add_row(out, UI_ROLE_DIM, 4, UI_CHOICE_NONE, NULL, false,
	    _("its monitor is the VM's screen (vga: none implies it)"));
}

/* The drivers also blacklisted: each chosen one, and "add one". */
static void
blacklist_rows(struct ui_choicerows *out, const struct choices *c)
{
	size_t i;
	char *t;

	heading(out, _("Drivers also blacklisted"));
	for (i = 0; c != NULL && i < c->n_items; i++) {
		if (strncmp(c->items[i], "blacklist=", 10) != 0)
			continue;
		t = xasprintf(
		    _("%s \u2014 Enter removes it"), c->items[i] + 10);
		add_row(out, UI_ROLE_OK, 2, UI_CHOICE_BLACKLIST,
		    c->items[i] + 10, true, t);
		free(t);
	}
	add_row(out, UI_ROLE_PENDING, 2, UI_CHOICE_BLACKLIST_ADD, NULL, true,
	    _("also blacklist a driver\u2026"));
}

void
ui_model_choice(const struct host *h, const struct verdict *v,
    const struct choices *c, struct ui_choicerows *out)
{
	const char *mode = choices_get(c, "mode");
	const struct pve_vm *vm = chosen_vm(h, c);
	const char *rom = choices_get(c, "romfile");
	char *t;

	memset(out, 0, sizeof *out);
	mode_rows(out, v, c);
	vm_rows(out, h, c);
	if (v != NULL && v->igpu != NULL && mode != NULL &&
	    strcmp(mode, "gvt-g") == 0)
		mdev_rows(out, v, c);
	if (v != NULL && v->igpu != NULL && mode != NULL &&
	    strcmp(mode, "legacy-igd") == 0 && vm != NULL && vm->bios != NULL &&
	    strcmp(vm->bios, "ovmf") == 0) {
		heading(out, _("Option ROM (OVMF)"));
		t = rom != NULL ? xasprintf(_("romfile: %s"), rom)
				: xstrdup(_("romfile: none chosen"));
		add_row(out, rom != NULL ? UI_ROLE_OK : UI_ROLE_WARN, 2,
		    UI_CHOICE_ROMFILE, rom, true, t);
		free(t);
	}
	if (v != NULL && v->igpu != NULL &&
	    mode_from_name(mode) == (int)MODE_SRIOV)
		vfs_rows(out, h, v, c);
	if (v != NULL && v->igpu == NULL && v->device < h->n_pci &&
	    pci_is_gpu(&h->pci[v->device]))
		xvga_rows(out, c);
	if (v != NULL)
		blacklist_rows(out, c);
}

void
ui_choicerows_free(struct ui_choicerows *r)
{
	size_t i;

	for (i = 0; i < r->lines.n; i++)
		free(r->value[i]);
	ui_lines_free(&r->lines);
	free(r->kind);
	free(r->value);
	free(r->usable);
	memset(r, 0, sizeof *r);
}

/* Why a mode, in one paragraph (passthrough-facts.md §1, §8). */
const char *
ui_mode_explanation(enum vw_mode m)
{
	switch (m) {
	case MODE_LEGACY_IGD:
		return _(
		    "Legacy IGD assignment (GVT-d) gives the whole iGPU to "
		    "one VM, as QEMU's legacy mode: hostpci0 with "
		    "legacy-igd=1 and vga: none on an i440fx machine "
		    "(Proxmox refuses q35 with legacy-igd) with SeaBIOS; "
		    "OVMF needs an IGD option ROM. The picture appears "
		    "only on a monitor attached to the host, not in "
		    "noVNC, and the host loses its local console.");
	case MODE_GVT_G:
		return _(
		    "GVT-g keeps the iGPU on the host's i915 and gives the "
		    "VM a mediated virtual GPU of a type such as "
		    "i915-GVTg_V5_4: i915.enable_gvt=1 and the kvmgt "
		    "module on the host. Mainline supports it from "
		    "Broadwell to Comet Lake only; the types are listed "
		    "once enable_gvt is active, after the reboot.");
	case MODE_SRIOV:
		return _("SR-IOV (graphics gen 12 and later) keeps the iGPU's "
			 "physical function on the host and gives the VM one "
			 "of its virtual functions (00:02.1 to 00:02.7), with "
			 "the out-of-tree i915-sriov-dkms driver; the guest "
			 "needs the same driver.");
	case MODE_VFIO:
		return _("The whole device goes to the VM on vfio-pci with all "
			 "its functions, and every other device of its IOMMU "
			 "group must go to vfio-pci too; the host no longer "
			 "uses it.");
	}
	return "";
}

void
ui_model_choice_explain(const struct host *h, const struct verdict *v,
    const struct choices *c, const struct ui_choicerows *r, size_t row,
    struct ui_lines *out)
{
	enum vw_mode m;
	size_t i;

	(void)c;
	if (row >= r->lines.n)
		return;
	switch (r->kind[row]) {
	case UI_CHOICE_MODE:
		m = (enum vw_mode)mode_from_name(r->value[row]);
		ui_lines_add(
		    out, UI_ROLE_NORMAL, 0, "%s", ui_mode_explanation(m));
		if (v != NULL && v->igpu != NULL) {
			ui_lines_add(
			    out, UI_ROLE_TITLE, 0, "%s", v->igpu->name);
			if (v->igpu->note != NULL)
				ui_lines_add(
				    out, UI_ROLE_HINT, 0, "%s", v->igpu->note);
		}
		for (i = 0; v != NULL && i < v->n_notes; i++)
			ui_lines_add(out, UI_ROLE_INFO, 0, "%s", v->notes[i]);
		break;
	case UI_CHOICE_VM:
		for (i = 0; i < h->pve.n_vms; i++) {
			const struct pve_vm *vm = &h->pve.vms[i];

			if (vm->vmid != atoi(r->value[row]))
				continue;
			ui_lines_add(out, UI_ROLE_TITLE, 0, "%d %s", vm->vmid,
			    vm->name != NULL ? vm->name : "");
			ui_lines_add(out, UI_ROLE_DIM, 0, "%s", vm->path);
			ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s",
			    r->usable[row]
				? _("The plan adds the hostpci entries this "
				    "mode needs and names each setting it "
				    "changes (machine, bios, vga).")
				: _("A running or locked VM cannot be "
				    "changed: stop it or wait for the lock, "
				    "then choose it."));
		}
		break;
	case UI_CHOICE_NO_VM:
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s",
		    _("Without a VM the plan prepares the host only and says "
		      "how to create a VM with the settings this mode "
		      "needs."));
		break;
	case UI_CHOICE_MDEV:
	case UI_CHOICE_MDEV_TYPED:
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s",
		    _("The GVT-g type sets the virtual GPU's share of the "
		      "iGPU: the number is how many VMs of that type fit. "
		      "i915-GVTg_V4_* on Broadwell, _V5_* from Skylake to "
		      "Comet Lake. The host lists its types only after the "
		      "reboot that enables GVT-g."));
		break;
	case UI_CHOICE_ROMFILE:
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s",
		    _("OVMF needs an IGD option ROM for legacy IGD: a file "
		      "name in /usr/share/kvm (for example one built from "
		      "VfioIgdPkg), or change the VM to SeaBIOS instead."));
		break;
	case UI_CHOICE_VFS:
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s",
		    _("How many virtual functions the iGPU creates at boot "
		      "(its sriov_numvfs, set in /etc/sysfs.d by the plan): "
		      "each VF goes to one VM. The count is 1 to the iGPU's "
		      "sriov_totalvfs; Enter types another."));
		break;
	case UI_CHOICE_XVGA:
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s",
		    _("x-vga=1 on the hostpci entry makes this GPU the VM's "
		      "primary VGA display: the picture appears on a monitor "
		      "attached to the GPU, and the VM's emulated display "
		      "goes (vga: none implies it). Leave it off when the "
		      "GPU is a second display or only computes. Enter "
		      "switches it."));
		break;
	case UI_CHOICE_BLACKLIST:
	case UI_CHOICE_BLACKLIST_ADD:
		ui_lines_add(out, UI_ROLE_NORMAL, 0, "%s",
		    _("A driver blacklisted in /etc/modprobe.d is not loaded "
		      "automatically at boot, so it cannot claim a device "
		      "before vfio-pci does (as --blacklist MODULE). A "
		      "driver a device the host keeps still needs is "
		      "refused. Enter on a chosen driver removes it."));
		break;
	case UI_CHOICE_NONE:
		break;
	}
}
