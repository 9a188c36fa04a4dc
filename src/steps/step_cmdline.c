/*
 * step_cmdline.c: the kernel command line step (issue 4). It writes the
 * parameters the host and the chosen mode need (kcmdline_params.c) to the
 * command line that really boots: GRUB's defaults (kcmdline_grub.c) or
 * systemd-boot's /etc/kernel/cmdline (kcmdline_sdboot.c), never guessing
 * when the bootloader is unknown. It asks for update-grub or
 * proxmox-boot-tool refresh only when a file changes.
 *
 * verify() recomputes what the bootloader will pass (for GRUB: the files
 * sourced by a sandboxed sh, compared with the codec's reading); after the
 * reboot, /proc/cmdline must hold the parameters and the IOMMU be active,
 * and a failure names its likely cause and the next action (afterboot.h).
 */
#include "vfio-wizard/grub_default.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/selection.h"
#include "afterboot.h"
#include "kcmdline.h"
#include "steps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Resolve the selection and the wanted parameters; translated *cause. */
static int
wanted(const struct host *h, const struct root *r, const struct choices *c,
    struct kcmd_want *w, char **cause)
{
	struct selection sel = SELECTION_INIT;
	int err;

	err = selection_resolve(h, r, c, &sel, cause);
	if (err == 0)
		err = kcmd_want_build(h, &sel, w, cause);
	/* sysfb_dev points into the host snapshot, which outlives w */
	selection_free(&sel);
	return err;
}

static void
sysfb_note(const struct host *h, const struct kcmd_want *w, struct plan *p)
{
	struct cmdline *cl;
	size_t i;

	if (w->sysfb_dev == NULL)
		return;
	cl = cmdline_parse(h->boot.cmdline != NULL ? h->boot.cmdline : "");
	for (i = 0; i < w->n_params; i++) {
		if (strcmp(w->params[i].key, "initcall_blacklist") == 0 &&
		    !kcmd_satisfied(w, i, cl))
			plan_note(p, KCMD_STEP,
			    _("initcall_blacklist=sysfb_init: the firmware "
			      "framebuffer sits on %s, which goes to vfio-pci, "
			      "so the kernel must not take it for its "
			      "console; the host's screen stays dark after "
			      "the boot loader (use SSH)"),
			    w->sysfb_dev);
	}
	cmdline_free(cl);
}

static int
cmdline_plan(const struct host *h, const struct choices *c,
    const struct root *r, struct plan *p, char **cause)
{
	static const char *const grub_cmd[] = {"update-grub", NULL};
	static const char *const pbt_cmd[] = {
	    "proxmox-boot-tool", "refresh", NULL};
	struct kcmd_want w;
	bool changed = false, pbt = false;
	int err;

	if ((err = wanted(h, r, c, &w, cause)) < 0)
		return err;
	switch (h->boot.loader) {
	case BOOT_GRUB:
		err = kcmd_grub_plan(&w, r, p, &changed, cause);
		pbt = h->boot.proxmox_boot_tool;
		break;
	case BOOT_SYSTEMD_BOOT:
		err = kcmd_sdboot_plan(h, &w, r, p, &changed, cause);
		pbt = true;
		break;
	case BOOT_UNKNOWN:
	default:
		*cause = xasprintf(_("the bootloader could not be determined "
				     "(%s): the kernel command line is not "
				     "changed without knowing which file "
				     "boots"),
		    h->boot.evidence != NULL ? h->boot.evidence : "?");
		err = -ENOENT;
		break;
	}
	if (err == 0 && changed) {
		if (pbt)
			plan_command(p, KCMD_STEP,
			    _("copy the new kernel command line to the boot "
			      "partitions"),
			    pbt_cmd);
		else
			plan_command(p, KCMD_STEP,
			    _("write the new kernel command line into "
			      "grub.cfg"),
			    grub_cmd);
		sysfb_note(h, &w, p);
	}
	kcmd_want_free(&w);
	return err;
}

/* GRUB: sh's reading of the files, checked and compared with the codec's. */
static enum verify_result
verify_grub(const struct kcmd_want *w, const struct root *r, struct strbuf *msg)
{
	struct grub_env env = GRUB_ENV_INIT;
	struct strbuf why = STRBUF_INIT;
	char **names = NULL, **texts = NULL, *sh = NULL, *mine = NULL;
	char *cause = NULL;
	size_t n = 0;
	enum verify_result v = VERIFY_AFTER_REBOOT;
	int err;

	if (kcmd_grub_sh_cmdline(r, &sh, &cause) < 0) {
		sb_addf(
		    msg, _("the GRUB settings cannot be evaluated: %s"), cause);
		free(cause);
		return VERIFY_FAILED;
	}
	err = kcmd_grub_files(NULL, r, NULL, &names, &texts, &n, &cause);
	if (err == 0)
		err = grub_default_eval((const char *const *)names,
		    (const char *const *)texts, n, &env, &cause);
	if (err == 0)
		err = grub_default_cmdline(&env, &mine, &cause);
	if (!kcmd_line_ok(w, sh, &why)) {
		sb_addf(msg,
		    _("grub-mkconfig would not pass the parameters: %s"),
		    sb_str(&why));
		v = VERIFY_FAILED;
	} else if (err < 0) {
		sb_addf(msg, _("the GRUB settings cannot be read safely: %s"),
		    cause);
		v = VERIFY_FAILED;
	} else if (strcmp(mine, sh) != 0) {
		sb_addf(msg,
		    _("sh reads the GRUB settings as '%s', but "
		      "vfio-wizard as '%s'"),
		    sh, mine);
		v = VERIFY_FAILED;
	} else {
		sb_adds(msg, _("takes effect after the reboot"));
	}
	grub_env_free(&env);
	strv_free(names, n);
	strv_free(texts, n);
	sb_release(&why);
	free(cause);
	free(sh);
	free(mine);
	return v;
}

/* systemd-boot: the first line of /etc/kernel/cmdline. */
static enum verify_result
verify_sdboot(
    const struct kcmd_want *w, const struct root *r, struct strbuf *msg)
{
	struct strbuf why = STRBUF_INIT;
	struct cmdline *cl;
	char *text;
	size_t len;
	enum verify_result v = VERIFY_AFTER_REBOOT;
	int err;

	err = root_read(r, KCMD_SDBOOT, &text, &len);
	if (err < 0) {
		sb_addf(
		    msg, _("cannot read %s: %s"), KCMD_SDBOOT, strerror(-err));
		return VERIFY_FAILED;
	}
	text[strcspn(text, "\n")] = '\0';
	cl = cmdline_parse(text);
	if (!cmdline_has(cl, "root")) {
		sb_addf(msg, _("%s has no root= parameter"), KCMD_SDBOOT);
		v = VERIFY_FAILED;
	} else if (!kcmd_line_ok(w, text, &why)) {
		sb_addf(msg, "%s: %s", KCMD_SDBOOT, sb_str(&why));
		v = VERIFY_FAILED;
	} else {
		sb_adds(msg, _("takes effect after the reboot"));
	}
	cmdline_free(cl);
	sb_release(&why);
	free(text);
	return v;
}

/*
 * After the reboot: the running kernel's line and the IOMMU, each failure
 * with its likely cause and the next action (afterboot.c).
 */
static enum verify_result
verify_running(
    const struct host *h, const struct kcmd_want *w, struct strbuf *msg)
{
	struct ab_report rep = AB_REPORT_INIT;
	bool iommu = false;
	size_t i;

	ab_cmdline(h, w, &rep);
	for (i = 0; i < w->n_params; i++)
		iommu = iommu || w->params[i].iommu;
	/* a missing firmware table is a cause of its own */
	if (iommu && (rep.n == 0 || h->firmware.iommu_table == NULL))
		ab_iommu(h, &rep);
	if (rep.n == 0) {
		sb_adds(msg, _("the running kernel has the parameters and the "
			       "IOMMU is active"));
		return VERIFY_OK;
	}
	ab_render(&rep, msg);
	ab_report_free(&rep);
	return VERIFY_FAILED;
}

static enum verify_result
cmdline_verify(const struct host *h, const struct choices *c,
    const struct root *r, bool after_reboot, struct strbuf *msg)
{
	struct kcmd_want w;
	enum verify_result v;
	char *cause = NULL;

	if (wanted(h, r, c, &w, &cause) < 0) {
		sb_adds(msg, cause);
		free(cause);
		return VERIFY_FAILED;
	}
	if (after_reboot)
		v = verify_running(h, &w, msg);
	else if (h->boot.loader == BOOT_GRUB)
		v = verify_grub(&w, r, msg);
	else if (h->boot.loader == BOOT_SYSTEMD_BOOT)
		v = verify_sdboot(&w, r, msg);
	else {
		sb_adds(msg, _("the bootloader could not be determined"));
		v = VERIFY_FAILED;
	}
	kcmd_want_free(&w);
	return v;
}

const struct step step_cmdline = {"cmdline", N_("Kernel command line"),
    STEP_NEEDS_REBOOT, cmdline_plan, cmdline_verify};
