/*
 * afterboot.c: the diagnosis after the reboot (afterboot.h), its report
 * and the kernel command line and IOMMU part; the devices part is in
 * afterboot_devices.c. Every failure says what is wrong with its
 * evidence, the likely cause and the next action, reasoned from the
 * snapshot probed after the boot and from the root's files
 * (passthrough-facts sections 2, 3 and 5).
 */
#include "vfio-wizard/host.h"
#include "afterboot.h"
#include "kcmdline.h"
#include "steps.h"

#include <stdlib.h>
#include <string.h>

void
ab_add(struct ab_report *rep, char *what, char *cause, char *next)
{
	struct ab_problem p = {what, cause, next};

	ARRAY_PUSH(rep->items, rep->n, p);
}

void
ab_report_free(struct ab_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		free(rep->items[i].what);
		free(rep->items[i].cause);
		free(rep->items[i].next);
	}
	free(rep->items);
	rep->items = NULL;
	rep->n = 0;
}

void
ab_render(const struct ab_report *rep, struct strbuf *msg)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		const struct ab_problem *p = &rep->items[i];

		if (i > 0 || msg->len > 0)
			sb_adds(msg, "\n  ");
		sb_adds(msg, p->what);
		if (p->cause != NULL)
			sb_addf(
			    msg, "\n    %s %s", _("likely cause:"), p->cause);
		if (p->next != NULL)
			sb_addf(msg, "\n    %s %s", _("next:"), p->next);
	}
}

char *
ab_dev_name(const struct pci_device *d)
{
	if (d->device_name == NULL)
		return xstrdup(d->address);
	return xasprintf("%s (%s)", d->address, d->device_name);
}

/* The newest installed kernel with a modules directory, or NULL. */
static const char *
newest_kernel(const struct host *h)
{
	size_t i;

	for (i = h->kernel.n_installed; i > 0; i--)
		if (h->kernel.installed[i - 1].has_modules_dir)
			return h->kernel.installed[i - 1].release;
	return NULL;
}

/* The command that writes the configured line where the loader reads it. */
static const char *
refresh_command(const struct host *h)
{
	if (h->boot.loader == BOOT_SYSTEMD_BOOT || h->boot.proxmox_boot_tool)
		return "proxmox-boot-tool refresh";
	return "update-grub";
}

/* Where the configured command line lives, for the messages. */
static const char *
conf_files(const struct host *h)
{
	if (h->boot.loader == BOOT_GRUB)
		return "/etc/default/grub, /etc/default/grub.d";
	return h->boot.cmdline_file != NULL ? h->boot.cmdline_file : "?";
}

/* The configuration has the parameters: the boot did not use it. */
static void
stale_boot(const struct host *h, const char *missing, struct ab_report *rep)
{
	const char *file = conf_files(h);
	const char *newest = newest_kernel(h);
	char *what, *cause, *next;

	what = xasprintf(_("the running kernel was not booted with the "
			   "parameters (/proc/cmdline: %s), although "
			   "the configuration (%s) has them"),
	    missing, file);
	if (newest != NULL && h->kernel.release != NULL &&
	    strcmp(newest, h->kernel.release) != 0) {
		cause = xasprintf(_("kernel %s booted, not the newest "
				    "installed one (%s): another boot entry "
				    "or a pinned older kernel started, with "
				    "a command line written before the "
				    "change"),
		    h->kernel.release, newest);
		next = xasprintf(_("run '%s', make the entry of kernel %s "
				   "the default (or 'proxmox-boot-tool kernel "
				   "unpin'), then reboot and run 'vfio-wizard "
				   "resume'"),
		    refresh_command(h), newest);
	} else if (h->boot.loader == BOOT_SYSTEMD_BOOT) {
		cause = xstrdup(_("the loader entries on the EFI system "
				  "partitions still hold the old options: "
				  "'proxmox-boot-tool refresh' did not run or "
				  "failed"));
		next = xstrdup(_("run 'proxmox-boot-tool refresh', check "
				 "that it reports no error, then reboot and "
				 "run 'vfio-wizard resume'"));
	} else if (h->boot.proxmox_boot_tool) {
		cause = xstrdup(_("grub.cfg on the EFI system partitions was "
				  "not regenerated: 'proxmox-boot-tool "
				  "refresh' (which update-grub calls) did not "
				  "run or failed"));
		next = xstrdup(_("run 'proxmox-boot-tool refresh', check "
				 "that it reports no error, then reboot and "
				 "run 'vfio-wizard resume'"));
	} else {
		cause = xasprintf(_("grub.cfg was not regenerated: "
				    "'update-grub' did not run or failed, or "
				    "the host boots through another loader "
				    "(%s)"),
		    h->boot.evidence != NULL ? h->boot.evidence
					     : _("unknown evidence"));
		next = xstrdup(_("run 'update-grub', check that "
				 "/boot/grub/grub.cfg has the parameters and "
				 "that the firmware boots that GRUB, then "
				 "reboot and run 'vfio-wizard resume'"));
	}
	ab_add(rep, what, cause, next);
}

void
ab_cmdline(
    const struct host *h, const struct kcmd_want *w, struct ab_report *rep)
{
	struct strbuf run = STRBUF_INIT, conf = STRBUF_INIT;
	const char *file = conf_files(h);

	if (kcmd_line_ok(w, h->kernel.cmdline, &run)) {
		sb_release(&run);
		return;
	}
	if (h->boot.cmdline != NULL &&
	    kcmd_line_ok(w, h->boot.cmdline, &conf)) {
		stale_boot(h, sb_str(&run), rep);
	} else {
		ab_add(rep,
		    xasprintf(_("the running kernel was not booted with the "
				"parameters (/proc/cmdline: %s)"),
			sb_str(&run)),
		    h->boot.cmdline != NULL
			? xasprintf(_("the bootloader configuration (%s) no "
				      "longer has them either (%s): it was "
				      "changed after the apply"),
			      file, sb_str(&conf))
			: xasprintf(_("the bootloader configuration (%s) "
				      "cannot be read"),
			      file),
		    xstrdup(_("run 'vfio-wizard plan' to see what is "
			      "missing now, apply it, then reboot")));
	}
	sb_release(&run);
	sb_release(&conf);
}

void
ab_iommu(const struct host *h, struct ab_report *rep)
{
	const char *table = h->firmware.iommu_table;
	bool amd = host_is_amd(h);
	const char *want = amd ? "IVRS" : "DMAR";
	char *what, *cause, *next;

	/* units in /sys/class/iommu: Proxmox's own test (facts section 3) */
	if (h->iommu.active)
		return;
	if (table == NULL) {
		what = xasprintf(_("the IOMMU is not active: /sys/class/iommu "
				   "lists no unit, and the firmware publishes "
				   "no %s table (/sys/firmware/acpi/tables/%s "
				   "is missing)"),
		    want, want);
		if (h->cpu.sku_vtd == TRI_NO)
			cause = xasprintf(_("the CPU (%s) has no %s"),
			    h->cpu.model_name != NULL ? h->cpu.model_name : "?",
			    amd ? "AMD-Vi" : "VT-d");
		else if (amd)
			cause = xstrdup(_("AMD-Vi is disabled in the firmware "
					  "setup (boards call it 'IOMMU', "
					  "sometimes together with 'SVM')"));
		else
			cause = xstrdup(_("VT-d is disabled in the firmware "
					  "setup"));
		next = xasprintf(_("enable %s in the BIOS/UEFI setup (and "
				   "update the firmware if it has no such "
				   "option), then boot and run 'vfio-wizard "
				   "resume'"),
		    amd ? _("'IOMMU' (AMD-Vi)") : _("'VT-d'"));
	} else {
		what = xasprintf(_("the IOMMU is not active: /sys/class/iommu "
				   "lists no unit, although the firmware has "
				   "the %s table and the kernel was booted "
				   "with the parameters"),
		    table);
		cause = xasprintf(_("the kernel %s did not enable DMA "
				    "remapping: the %s table was refused, or "
				    "the kernel lacks the IOMMU driver"),
		    h->kernel.release != NULL ? h->kernel.release : "?", table);
		next = xstrdup(_("read 'dmesg | grep -e DMAR -e IOMMU -e "
				 "AMD-Vi' for the kernel's reason; a firmware "
				 "update often fixes a broken table"));
	}
	ab_add(rep, what, cause, next);
}
