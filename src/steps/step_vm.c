/*
 * step_vm.c: the VM config step: the hostpciN entries and keys the chosen
 * mode needs, written into /etc/pve/qemu-server/<vmid>.conf (a Proxmox VM
 * config: `key: value` lines, not libvirt XML; facts §1, §6).
 *
 * Choices it reads (besides "device=", "mode=" and "vfs=", see
 * selection.h):
 *   vm=<id>        the VM; without it nothing changes and a note says how
 *                  to choose one (--vm ID) or create one for the mode
 *   mdev=<type>    GVT-g: the mdev type (else the first the iGPU offers)
 *   romfile=<file> legacy IGD or a whole GPU: an option ROM the user put
 *                  in /usr/share/kvm (needed for legacy IGD under OVMF)
 *   x-vga=1        a whole GPU is the VM's display (also implied when the
 *                  VM has `vga: none`)
 *
 * A VM that is running or carries a `lock:` key is refused here already,
 * with the reason, whenever its config would change; the engine checks
 * again and takes qemu-server's per-VM lock while writing. A config that
 * holds everything already gives no change, so planning again after an
 * apply is empty. Verify parses the file back to what the plan wanted and,
 * where `qm` exists, asks `qm config <vmid>` to read it; after the reboot
 * also that the host has what the entries pass (an SR-IOV VF exists, the
 * iGPU offers the GVT-g type), since the VM cannot start otherwise.
 */
#include "steps.h"
#include "vmconf.h"
#include "vfio-wizard/exec.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define QM_TIMEOUT 60 /* seconds for `qm config` */

/* The config's new text from its current text (notes: NULL for none). */
static int
vm_compute(const struct host *h, const struct choices *c, const struct root *r,
    const struct selection *sel, const struct pve_vm *vm, const char *text,
    size_t len, struct plan *notes, struct vm_want *w, char **after,
    size_t *after_len, char **cause)
{
	struct pve_conf *conf = NULL;
	char *why = NULL;
	int err;

	*after = NULL;
	err = pve_conf_parse(text, len, 0, &conf, &why);
	if (err < 0) {
		*cause = xasprintf(_("the config of VM %d ('%s') cannot be "
				     "parsed: %s"),
		    vm->vmid, vm->path, why);
		free(why);
		return err;
	}
	err = vmconf_want(h, r, sel, c, conf, vm->vmid, w, cause);
	if (err == 0)
		err = vmconf_edit(conf, w, notes, cause);
	if (err == 0)
		*after = pve_conf_text(conf, after_len);
	pve_conf_free(conf);
	return err;
}

/* Refuse a VM whose config must not change now (as vmguard.c does). */
static int
vm_refuse(const struct pve_vm *vm, const char *text, size_t len, char **cause)
{
	struct pve_conf *conf = NULL;
	const char *lock = NULL;
	char *why = NULL;

	if (pve_conf_parse(text, len, PVE_PARSE_LENIENT, &conf, &why) == 0 ||
	    conf != NULL)
		lock = pve_conf_get(conf, "lock");
	free(why);
	if (lock == NULL)
		lock = vm->lock;
	if (lock != NULL) {
		*cause =
		    xasprintf(_("VM %d is locked ('lock: %s'): wait for the "
				"%s to finish, or clear it with 'qm unlock "
				"%d'"),
			vm->vmid, lock, lock, vm->vmid);
	} else if (vm->running) {
		*cause = xasprintf(_("VM %d is running: shut it down first "
				     "(its config is read only at start)"),
		    vm->vmid);
	}
	pve_conf_free(conf);
	return *cause != NULL ? -EBUSY : 0;
}

/* What the user must know about a mode beyond the config lines. */
static void
mode_notes(const struct selection *sel, const struct vm_want *w, struct plan *p)
{
	size_t i;

	if (sel->igpu == NULL)
		return;
	for (i = 0; i < w->n_entries; i++) {
		const struct vm_entry *e = &w->entries[i];

		if (sel->mode == MODE_SRIOV && i == 0)
			plan_note(p, VM_STEP_ID,
			    _("VM %d gets the SR-IOV VF %s of %s. The VFs "
			      "exist only after the reboot, once i915 creates "
			      "them; the VM can start then, and its guest "
			      "needs the same i915 SR-IOV driver as the "
			      "host."),
			    w->vmid, e->addrs[0], sel->igpu->dev->address);
		if (sel->mode == MODE_GVT_G && e->mdev != NULL)
			plan_note(p, VM_STEP_ID,
			    _("VM %d gets a GVT-g device of type %s, created "
			      "at each start of the VM once i915.enable_gvt=1 "
			      "and kvmgt are active (after the reboot)."),
			    w->vmid, e->mdev);
	}
}

static int
vm_plan(const struct host *h, const struct choices *c, const struct root *r,
    struct plan *p, char **cause)
{
	const char *id = choices_get(c, "vm");
	struct selection sel = SELECTION_INIT;
	struct plan notes = PLAN_INIT;
	struct vm_want w;
	const struct pve_vm *vm;
	const char *text;
	char *owned = NULL, *after = NULL;
	size_t len, after_len = 0, i;
	bool exists;
	int err;

	memset(&w, 0, sizeof w);
	err = selection_resolve(h, r, c, &sel, cause);
	if (err < 0)
		return err;
	if (sel.n_fns == 0) {
		if (id != NULL)
			plan_note(p, VM_STEP_ID,
			    _("No device was chosen, so VM %s is not "
			      "changed."),
			    id);
		goto out;
	}
	if (id == NULL) {
		vmconf_note_choose(h, &sel, p);
		goto out;
	}
	if ((err = vmconf_find_vm(h, id, &vm, cause)) < 0)
		goto out;
	err = plan_current(p, r, vm->path, &text, &len, &exists, &owned, cause);
	if (err == 0 && !exists) {
		*cause = xasprintf(_("no VM %s on this host"), id);
		err = -ENOENT;
	}
	if (err == 0)
		err = vm_compute(h, c, r, &sel, vm, text, len, &notes, &w,
		    &after, &after_len, cause);
	if (err < 0 || (after_len == len && memcmp(after, text, len) == 0))
		goto out;
	if ((err = vm_refuse(vm, text, len, cause)) < 0)
		goto out;
	mode_notes(&sel, &w, p);
	for (i = 0; i < notes.n_notes; i++)
		plan_note(p, VM_STEP_ID, "%s", notes.notes[i].text);
	vmconf_note_shared(h, &w, p);
	err =
	    plan_set(p, r, vm->path, after, after_len, 0640, VM_STEP_ID, cause);
out:
	free(after);
	free(owned);
	vmconf_want_free(&w);
	plan_free(&notes);
	selection_free(&sel);
	return err;
}

/* True when the root has this PCI function (or one of its paths). */
static bool
sys_has(const struct root *r, const char *address, const char *sub)
{
	char *path = xasprintf("/sys/bus/pci/devices/%s%s%s", address,
	    sub != NULL ? "/" : "", sub != NULL ? sub : "");
	struct stat st;
	bool has = root_stat(r, path, &st, true) == 0;

	free(path);
	return has;
}

/*
 * After the reboot the VM must be able to start: every function its
 * entries pass exists (an SR-IOV VF only once the boot created it) and the
 * iGPU offers the GVT-g type an entry names.
 */
static enum verify_result
vm_booted(const struct root *r, const struct selection *sel,
    const struct vm_want *w, struct strbuf *msg)
{
	size_t i, a;

	for (i = 0; i < w->n_entries; i++) {
		const struct vm_entry *e = &w->entries[i];
		bool vf =
		    sel->igpu != NULL && sel->mode == MODE_SRIOV && i == 0;

		for (a = 0; a < e->n_addrs; a++) {
			if (sys_has(r, e->addrs[a], NULL))
				continue;
			if (vf)
				sb_addf(msg,
				    _("the SR-IOV VF %s that VM %d passes does "
				      "not exist after the reboot, so the VM "
				      "cannot start: see whether i915 created "
				      "the VFs of %s (its sriov_numvfs, and "
				      "'dmesg | grep -i sriov')"),
				    e->addrs[a], w->vmid,
				    sel->igpu->dev->address);
			else
				sb_addf(msg,
				    _("%s, which VM %d passes, is not on the "
				      "PCI bus after the reboot, so the VM "
				      "cannot start: see 'lspci -s %s'"),
				    e->addrs[a], w->vmid, e->addrs[a]);
			return VERIFY_FAILED;
		}
		if (e->mdev != NULL) {
			char *sub =
			    xasprintf("mdev_supported_types/%s", e->mdev);
			bool has = sys_has(r, e->addrs[0], sub);

			free(sub);
			if (!has) {
				sb_addf(msg,
				    _("%s offers no GVT-g type %s after the "
				      "reboot, so VM %d cannot start: "
				      "i915.enable_gvt=1 or kvmgt is not "
				      "active (see /proc/cmdline and 'lsmod | "
				      "grep kvmgt')"),
				    e->addrs[0], e->mdev, w->vmid);
				return VERIFY_FAILED;
			}
		}
	}
	return VERIFY_OK;
}

/* Where qm exists, `qm config <vmid>` must read the config. */
static enum verify_result
qm_config(const struct root *r, int vmid, struct strbuf *msg)
{
	struct exec_result res;
	char *qm = exec_which(r, "qm"), *id, *cause = NULL;
	const char *argv[] = {"qm", "config", NULL, NULL};
	enum verify_result v = VERIFY_OK;

	if (qm == NULL)
		return VERIFY_OK;
	free(qm);
	id = xasprintf("%d", vmid);
	argv[2] = id;
	memset(&res, 0, sizeof res);
	if (exec_run(r, argv, QM_TIMEOUT, NULL, NULL, &res, &cause) < 0) {
		sb_adds(msg, cause);
		v = VERIFY_FAILED;
	} else if (res.status != 0) {
		const char *out = res.output != NULL ? res.output : "";

		sb_addf(msg,
		    _("'qm config %d' refuses the config (exit %d): "
		      "%.*s"),
		    vmid, res.status, (int)strcspn(out, "\n"), out);
		v = VERIFY_FAILED;
	}
	exec_result_free(&res);
	free(cause);
	free(id);
	return v;
}

static enum verify_result
vm_verify(const struct host *h, const struct choices *c, const struct root *r,
    bool after_reboot, struct strbuf *msg)
{
	const char *id = choices_get(c, "vm");
	struct selection sel = SELECTION_INIT;
	enum verify_result v = VERIFY_FAILED;
	const struct pve_vm *vm;
	struct vm_want w;
	char *text = NULL, *after = NULL, *cause = NULL;
	size_t len = 0, after_len = 0;
	int err;

	memset(&w, 0, sizeof w);
	if (id == NULL)
		return VERIFY_OK;
	err = selection_resolve(h, r, c, &sel, &cause);
	if (err == 0 && sel.n_fns == 0) {
		v = VERIFY_OK;
		goto out;
	}
	if (err == 0)
		err = vmconf_find_vm(h, id, &vm, &cause);
	if (err == 0 && (err = root_read(r, vm->path, &text, &len)) < 0)
		cause = xasprintf(_("the config of VM %d ('%s') cannot be "
				    "read"),
		    vm->vmid, vm->path);
	if (err == 0)
		err = vm_compute(h, c, r, &sel, vm, text, len, NULL, &w, &after,
		    &after_len, &cause);
	if (err < 0) {
		sb_adds(msg, cause);
		goto out;
	}
	if (after_len != len || memcmp(after, text, len) != 0) {
		sb_addf(msg,
		    _("the config of VM %d does not hold what the plan "
		      "wrote: plan again to see what is missing"),
		    vm->vmid);
		goto out;
	}
	v = qm_config(r, vm->vmid, msg);
	if (v == VERIFY_OK && after_reboot)
		v = vm_booted(r, &sel, &w, msg);
	if (v == VERIFY_OK)
		sb_addf(msg,
		    after_reboot
			? _("VM %d's config holds its hostpci "
			    "entries, and the host has what they "
			    "pass")
			: _("VM %d's config holds its hostpci entries"),
		    vm->vmid);
out:
	free(text);
	free(after);
	free(cause);
	vmconf_want_free(&w);
	selection_free(&sel);
	return v;
}

const struct step step_vm = {
    VM_STEP_ID, N_("VM configuration"), 0, vm_plan, vm_verify};
