/*
 * model_steps.c: the main screen's step list and the findings of each step.
 *
 * check_run()'s sections are grouped into the wizard's six steps: firmware
 * and IOMMU -> Firmware, boot -> Command line, modules -> Modules, devices
 * -> Devices; VM config and Reboot come from the choices and the plan. A
 * step's state:
 *   ✗ blocked  a check of its sections fails, or a chosen device has
 *              blockers, or (for the steps that plan) planning was refused;
 *   ! needed   the plan changes a file or runs a command for it (Firmware:
 *              a warning of the firmware checks; Reboot: a step that needs a
 *              reboot changes something, or the IOMMU is still off);
 *   · not yet  nothing chosen for it yet (Devices: no device; VM: no VM);
 *   ✓ done     otherwise.
 */
#include "model.h"

#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"

#include <stdlib.h>
#include <string.h>

static const char *const step_titles[UI_STEP__COUNT] = {
    N_("Firmware"),
    N_("Command line"),
    N_("Modules"),
    N_("Devices"),
    N_("VM config"),
    N_("Reboot"),
};

const char *
ui_step_title(enum ui_step_id id)
{
	return _(step_titles[id]);
}

enum ui_role
ui_state_role(enum ui_step_state s)
{
	switch (s) {
	case UI_STATE_DONE:
		return UI_ROLE_OK;
	case UI_STATE_NEEDED:
		return UI_ROLE_WARN;
	case UI_STATE_BLOCKED:
		return UI_ROLE_FAIL;
	case UI_STATE_NOT_YET:
		break;
	}
	return UI_ROLE_PENDING;
}

/* Whether finding f belongs to the step. */
static bool
in_step(const struct finding *f, enum ui_step_id id)
{
	switch (id) {
	case UI_STEP_FIRMWARE:
		return f->section == SEC_FIRMWARE || f->section == SEC_IOMMU;
	case UI_STEP_CMDLINE:
		return f->section == SEC_BOOT;
	case UI_STEP_MODULES:
		return f->section == SEC_MODULES;
	case UI_STEP_DEVICES:
		return f->section == SEC_DEVICES;
	default:
		return false;
	}
}

/* The engine steps whose plan entries a wizard step shows. */
static bool
plan_step_in(const char *step, enum ui_step_id id)
{
	switch (id) {
	case UI_STEP_CMDLINE:
		return strcmp(step, "cmdline") == 0;
	case UI_STEP_MODULES:
		return strcmp(step, "modules") == 0 ||
		       strcmp(step, "sriov") == 0;
	case UI_STEP_VM:
		return strcmp(step, "vm") == 0;
	default:
		return false;
	}
}

static bool
plan_has(const struct plan *p, enum ui_step_id id)
{
	size_t i;

	for (i = 0; i < p->n_files; i++)
		if (plan_step_in(p->files[i].step, id))
			return true;
	for (i = 0; i < p->n_cmds; i++)
		if (plan_step_in(p->cmds[i].step, id))
			return true;
	return false;
}

/* The flags of the engine step called id, 0 when unknown. */
static unsigned
step_flags(const struct ui_model_in *in, const char *id)
{
	const struct step *const *s;

	for (s = in->steps; s != NULL && *s != NULL; s++)
		if (strcmp((*s)->id, id) == 0)
			return (*s)->flags;
	return 0;
}

static bool
reboot_needed(const struct ui_model_in *in)
{
	size_t i;

	for (i = 0; i < in->plan->n_files; i++)
		if (step_flags(in, in->plan->files[i].step) & STEP_NEEDS_REBOOT)
			return true;
	return !in->host->iommu.active;
}

/* The verdict of a host device, or NULL. */
static const struct verdict *
verdict_of(const struct ui_model_in *in, const char *address)
{
	const struct pci_device *d = host_pci_find(in->host, address);
	size_t i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < in->check->n_verdicts; i++)
		if (&in->host->pci[in->check->verdicts[i].device] == d)
			return &in->check->verdicts[i];
	return NULL;
}

/* Whether a chosen device ("device=" items) has blockers. */
static bool
device_blocked(const struct ui_model_in *in, bool *any)
{
	const struct verdict *v;
	size_t i;

	*any = false;
	for (i = 0; in->choices != NULL && i < in->choices->n_items; i++) {
		const char *it = in->choices->items[i];

		if (!str_startswith(it, "device="))
			continue;
		*any = true;
		v = verdict_of(in, it + strlen("device="));
		if (v != NULL && v->n_blockers > 0)
			return true;
	}
	return false;
}

enum ui_step_state
ui_step_state(const struct ui_model_in *in, enum ui_step_id id)
{
	size_t i;
	bool fail = false, warn = false, any;

	for (i = 0; i < in->check->n_findings; i++) {
		const struct finding *f = &in->check->findings[i];

		if (!in_step(f, id))
			continue;
		fail |= f->severity == SEV_FAIL;
		warn |= f->severity == SEV_WARN && f->section == SEC_FIRMWARE;
	}
	switch (id) {
	case UI_STEP_FIRMWARE:
		return fail   ? UI_STATE_BLOCKED
		       : warn ? UI_STATE_NEEDED
			      : UI_STATE_DONE;
	case UI_STEP_DEVICES:
		if (device_blocked(in, &any))
			return UI_STATE_BLOCKED;
		if (!any)
			return UI_STATE_NOT_YET;
		return in->plan == NULL ? UI_STATE_BLOCKED : UI_STATE_DONE;
	case UI_STEP_VM:
		if (in->choices == NULL ||
		    choices_get(in->choices, "vm") == NULL)
			return UI_STATE_NOT_YET;
		break;
	case UI_STEP_REBOOT:
		if (in->plan == NULL)
			return UI_STATE_NOT_YET;
		return reboot_needed(in) ? UI_STATE_NEEDED : UI_STATE_DONE;
	default:
		break;
	}
	if (fail)
		return UI_STATE_BLOCKED;
	if (in->plan == NULL)
		return in->plan_cause != NULL ? UI_STATE_BLOCKED
					      : UI_STATE_NOT_YET;
	return plan_has(in->plan, id) ? UI_STATE_NEEDED : UI_STATE_DONE;
}

void
ui_model_steps(const struct ui_model_in *in, struct ui_lines *out)
{
	int id;

	for (id = 0; id < UI_STEP__COUNT; id++)
		ui_lines_add(out,
		    ui_state_role(ui_step_state(in, (enum ui_step_id)id)), 0,
		    "%s", ui_step_title((enum ui_step_id)id));
}

static enum ui_role
severity_role(enum severity s)
{
	switch (s) {
	case SEV_OK:
		return UI_ROLE_OK;
	case SEV_INFO:
		return UI_ROLE_INFO;
	case SEV_WARN:
		return UI_ROLE_WARN;
	case SEV_FAIL:
		break;
	}
	return UI_ROLE_FAIL;
}

static bool
vm_chosen(const struct ui_model_in *in)
{
	return in->choices != NULL && choices_get(in->choices, "vm") != NULL;
}

/*
 * With no VM chosen the VM step's note tells the command line's way to
 * choose one (--vm ID); on screen it says this step's: Enter on it. The
 * example 'qm create ...' of the note (the settings the mode needs) is
 * kept, taken from between its quotes.
 */
static void
vm_choose_note(
    const struct ui_model_in *in, const char *note, struct ui_lines *out)
{
	const char *qm = strstr(note, "'qm create "), *end = NULL;
	char *cmd = NULL;

	if (qm != NULL && (end = strchr(qm + 1, '\'')) != NULL)
		cmd = xstrndup(qm + 1, (size_t)(end - qm - 1));
	if (in->host->pve.n_vms > 0) {
		ui_lines_add(out, UI_ROLE_HINT, 0, "%s",
		    _("No VM is chosen, so no VM config is changed: Enter on "
		      "this step chooses one of the host's VMs."));
		if (cmd != NULL)
			ui_lines_add(out, UI_ROLE_HINT, 0,
			    _("Or create one with the settings this mode "
			      "needs, for example '%s', then start vfio-wizard "
			      "again and choose it here."),
			    cmd);
	} else if (cmd != NULL)
		ui_lines_add(out, UI_ROLE_HINT, 0,
		    _("This host has no VM yet, so no VM config is changed. "
		      "Create one with the settings this mode needs, for "
		      "example '%s', then start vfio-wizard again and choose "
		      "it here (Enter on this step)."),
		    cmd);
	else
		ui_lines_add(out, UI_ROLE_HINT, 0, "%s", note);
	free(cmd);
}

/* What the plan does for the step: files, commands and notes. */
static void
plan_lines(
    const struct ui_model_in *in, enum ui_step_id id, struct ui_lines *out)
{
	const struct plan *p = in->plan;
	struct strbuf sb = STRBUF_INIT;
	size_t i, k;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_files; i++) {
		if (!plan_step_in(p->files[i].step, id))
			continue;
		ui_lines_add(out, UI_ROLE_WARN, 0,
		    p->files[i].after == NULL	 ? _("removes '%s'")
		    : p->files[i].before == NULL ? _("creates '%s'")
						 : _("changes '%s'"),
		    p->files[i].path);
	}
	for (i = 0; i < p->n_cmds; i++) {
		if (!plan_step_in(p->cmds[i].step, id))
			continue;
		for (k = 0; p->cmds[i].argv[k] != NULL; k++)
			sb_addf(
			    &sb, "%s%s", k > 0 ? " " : "", p->cmds[i].argv[k]);
		ui_lines_add(out, UI_ROLE_WARN, 0, _("runs '%s'"), sb_str(&sb));
		sb_reset(&sb);
		if (p->cmds[i].why != NULL)
			ui_lines_add(out, UI_ROLE_DIM, 0, "%s", p->cmds[i].why);
	}
	for (i = 0; i < p->n_notes; i++) {
		if (!plan_step_in(p->notes[i].step, id))
			continue;
		if (id == UI_STEP_VM && !vm_chosen(in))
			vm_choose_note(in, p->notes[i].text, out);
		else
			ui_lines_add(
			    out, UI_ROLE_HINT, 0, "%s", p->notes[i].text);
	}
	sb_release(&sb);
}

/* The chosen devices' verdicts: blockers, companions, siblings, notes. */
static void
device_lines(const struct ui_model_in *in, struct ui_lines *out)
{
	const struct verdict *v;
	const struct pci_device *d;
	size_t i, k;

	for (i = 0; in->choices != NULL && i < in->choices->n_items; i++) {
		const char *it = in->choices->items[i];

		if (!str_startswith(it, "device="))
			continue;
		it += strlen("device=");
		v = verdict_of(in, it);
		d = host_pci_find(in->host, it);
		ui_lines_add(out,
		    v != NULL && v->n_blockers > 0 ? UI_ROLE_FAIL : UI_ROLE_OK,
		    0, _("chosen: %s %s"), it, d != NULL ? d->device_name : "");
		for (k = 0; v != NULL && k < v->n_blockers; k++)
			ui_lines_add(
			    out, UI_ROLE_FAIL, 2, "%s", v->blockers[k]);
		for (k = 0; v != NULL && k < v->n_companions; k++) {
			const struct pci_device *o =
			    host_pci_find(in->host, v->companions[k]);

			ui_lines_add(out, UI_ROLE_DIM, 2,
			    o == NULL || ui_companion_goes(in->host,
					     in->choices, v->device, o)
				? _("goes along: %s")
				: _("left out: %s"),
			    v->companions[k]);
		}
		for (k = 0; v != NULL && k < v->n_siblings; k++)
			ui_lines_add(out, UI_ROLE_DIM, 2,
			    _("same IOMMU group: %s"), v->siblings[k]);
		for (k = 0; v != NULL && k < v->n_notes; k++)
			ui_lines_add(out, UI_ROLE_HINT, 2, "%s", v->notes[k]);
	}
}

void
ui_model_step_findings(
    const struct ui_model_in *in, enum ui_step_id id, struct ui_lines *out)
{
	const char *vm;
	size_t i;

	for (i = 0; i < in->check->n_findings; i++) {
		const struct finding *f = &in->check->findings[i];

		if (!in_step(f, id))
			continue;
		ui_lines_add(
		    out, severity_role(f->severity), 0, "%s", f->message);
		if (f->evidence != NULL)
			ui_lines_add(out, UI_ROLE_DIM, 0, "%s", f->evidence);
		if (f->hint != NULL)
			ui_lines_add(out, UI_ROLE_HINT, 0, "%s", f->hint);
	}
	switch (id) {
	case UI_STEP_DEVICES:
		if (in->choices == NULL ||
		    choices_get(in->choices, "device") == NULL)
			ui_lines_add(out, UI_ROLE_PENDING, 0, "%s",
			    _("no device chosen yet"));
		else
			device_lines(in, out);
		break;
	case UI_STEP_VM:
		vm =
		    in->choices != NULL ? choices_get(in->choices, "vm") : NULL;
		if (vm == NULL)
			ui_lines_add(out, UI_ROLE_PENDING, 0, "%s",
			    _("no VM chosen yet"));
		else if (in->plan != NULL && !plan_has(in->plan, id))
			ui_lines_add(out, UI_ROLE_OK, 0,
			    _("VM %s: its configuration needs no change"), vm);
		break;
	case UI_STEP_REBOOT:
		if (in->plan == NULL)
			break;
		if (reboot_needed(in))
			ui_lines_add(out, UI_ROLE_WARN, 0, "%s",
			    _("the changes take effect after a reboot: "
			      "reboot the host once they are applied"));
		else
			ui_lines_add(out, UI_ROLE_OK, 0, "%s",
			    _("nothing waits for a reboot"));
		break;
	default:
		break;
	}
	if (in->plan == NULL && in->plan_cause != NULL &&
	    id != UI_STEP_FIRMWARE && id != UI_STEP_REBOOT)
		ui_lines_add(out, UI_ROLE_FAIL, 0, _("nothing planned: %s"),
		    in->plan_cause);
	else
		plan_lines(in, id, out);
}

/* "Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz" -> "Intel Core i7-4770". */
static char *
cpu_short(const char *model)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = model, *at = strstr(model, " @ ");
	const char *end = at != NULL ? at : model + strlen(model);
	char *s;
	size_t len;

	while (p < end) {
		if (strncmp(p, "(R)", 3) == 0 || strncmp(p, "(r)", 3) == 0)
			p += 3;
		else if (strncmp(p, "(TM)", 4) == 0 ||
			 strncmp(p, "(tm)", 4) == 0)
			p += 4;
		else
			sb_addc(&sb, *p++);
	}
	s = sb_detach(&sb);
	if (s == NULL)
		return xstrdup("");
	len = strlen(s);
	if (len >= 4 && strcmp(s + len - 4, " CPU") == 0)
		s[len - 4] = '\0';
	str_rstrip(s);
	return s;
}

/*
 * The GPU as the title names it: the product name the knowledge base has
 * for an iGPU ("HD Graphics 4600"), else libpci's device name.
 */
static const char *
gpu_title(const struct ui_model_in *in, const struct pci_device *gpu)
{
	const char *name;
	size_t i;

	for (i = 0; i < in->check->n_verdicts; i++) {
		const struct verdict *v = &in->check->verdicts[i];

		if (&in->host->pci[v->device] != gpu || v->igpu == NULL)
			continue;
		name = kb_igpu_name(v->igpu, gpu->device_id);
		if (name != NULL)
			return name;
	}
	return gpu->device_name;
}

char *
ui_model_title(const struct ui_model_in *in, bool utf8)
{
	const char *sep = utf8 ? " \u2500 " : " - ";
	const char *to = utf8 ? " \u2192 " : " -> ";
	const struct host *h = in->host;
	const struct pci_device *gpu = NULL;
	const char *dev, *vm;
	struct strbuf sb = STRBUF_INIT;
	char *cpu;
	size_t i;

	sb_addf(&sb, "vfio-wizard %s", PACKAGE_VERSION);
	if (h->hostname != NULL)
		sb_addf(&sb, "%s%s", sep, h->hostname);
	if (h->cpu.model_name != NULL) {
		cpu = cpu_short(h->cpu.model_name);
		sb_addf(&sb, "%s%s", sep, cpu);
		free(cpu);
	}
	/* the first chosen GPU (its HDMI audio goes along), else a device */
	for (i = 0; in->choices != NULL && i < in->choices->n_items; i++) {
		const struct pci_device *d;

		dev = in->choices->items[i];
		if (strncmp(dev, "device=", 7) != 0 ||
		    (d = host_pci_find(h, dev + 7)) == NULL)
			continue;
		if (gpu == NULL || (pci_is_gpu(d) && !pci_is_gpu(gpu)))
			gpu = d;
	}
	for (i = 0; gpu == NULL && i < in->check->n_verdicts; i++)
		if (pci_is_gpu(&h->pci[in->check->verdicts[i].device]))
			gpu = &h->pci[in->check->verdicts[i].device];
	if (gpu != NULL)
		sb_addf(&sb, "%s%s", sep, gpu_title(in, gpu));
	vm = in->choices != NULL ? choices_get(in->choices, "vm") : NULL;
	if (vm != NULL) {
		const char *name = NULL;

		for (i = 0; i < h->pve.n_vms; i++)
			if (h->pve.vms[i].vmid == atoi(vm))
				name = h->pve.vms[i].name;
		if (name != NULL)
			sb_addf(&sb, "%sVM %s (%s)", to, vm, name);
		else
			sb_addf(&sb, "%sVM %s", to, vm);
	}
	return sb_detach(&sb);
}
