/*
 * step_modules.c: the modules and initramfs step. Plan: the vfio modules
 * in /etc/modules-load.d/vfio-wizard.conf, the vfio-pci binding, softdeps
 * and blacklists in /etc/modprobe.d/vfio-wizard.conf, the fixes of
 * conflicting configuration elsewhere, and `update-initramfs -u -k all`
 * once when a file changes; a host that has it all gets nothing. Verify:
 * libkmod reads the intended configuration below the root (then the
 * reboot is awaited); after the reboot, vfio-pci drives the functions in
 * viable IOMMU groups, and each failure names its likely cause and the
 * next action (afterboot.h). See kmodules.h for the parts.
 */
#include "vfio-wizard/plan.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"
#include "kmodules.h"
#include "steps.h"

#include <stdlib.h>

static int
modules_plan(const struct host *h, const struct choices *c,
    const struct root *r, struct plan *p, char **cause)
{
	struct selection sel;
	struct km_config cfg;
	struct km_want w;
	int err;

	if ((err = selection_resolve(h, r, c, &sel, cause)) < 0)
		return err;
	if (sel.n_fns == 0) {
		selection_free(&sel);
		return 0;
	}
	km_want_build(h, r, &sel, &w, p);
	selection_notes(h, c, &sel, p, "modules"); /* siblings, lifted guards */
	err = km_config_load(p, r, &cfg, cause);
	if (err == 0) {
		if ((err = km_conflicts_fix(h, &sel, &w, &cfg, p, cause)) ==
			0 &&
		    (err = km_conf_modlist(&w, &cfg, p, cause)) == 0 &&
		    (err = km_conf_modprobe(h, &w, &cfg, p, cause)) == 0)
			err = km_config_save(&cfg, r, p, cause);
		km_config_free(&cfg);
	}
	km_want_free(&w);
	selection_free(&sel);
	return err;
}

static enum verify_result
modules_verify(const struct host *h, const struct choices *c,
    const struct root *r, bool after_reboot, struct strbuf *msg)
{
	enum verify_result v = VERIFY_OK;
	struct selection sel;
	struct km_want w;
	char *cause = NULL;

	if (selection_resolve(h, r, c, &sel, &cause) < 0) {
		sb_adds(msg, cause);
		free(cause);
		return VERIFY_FAILED;
	}
	km_want_build(h, r, &sel, &w, NULL);
	if (sel.n_fns == 0)
		v = VERIFY_OK;
	else if (after_reboot)
		v = km_verify_running(h, r, c, &sel, &w, msg) ? VERIFY_OK
							      : VERIFY_FAILED;
	else if (!km_verify_config(h, r, &sel, &w, msg))
		v = VERIFY_FAILED;
	else {
		sb_adds(msg, _("takes effect after the reboot"));
		v = VERIFY_AFTER_REBOOT;
	}
	km_want_free(&w);
	selection_free(&sel);
	return v;
}

const struct step step_modules = {"modules", N_("Modules and initramfs"),
    STEP_NEEDS_REBOOT, modules_plan, modules_verify};
