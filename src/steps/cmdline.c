/*
 * cmdline.c: the boot and command-line checks. Which bootloader really
 * boots (so the right file is edited: GRUB's defaults or systemd-boot's
 * /etc/kernel/cmdline), what the running and the configured command lines
 * hold, and parameters that are wrong or risky for passthrough.
 */
#include "vfio-wizard/check.h"
#include "steps.h"

#include <stdlib.h>
#include <string.h>

static void
check_loader(const struct host *h, struct check_result *res)
{
	const struct host_boot *b = &h->boot;
	const char *ev = b->evidence != NULL ? b->evidence : "";

	switch (b->loader) {
	case BOOT_GRUB:
		check_add(res, SEC_BOOT, SEV_INFO, ev, NULL,
		    b->proxmox_boot_tool
			? _("the host boots with GRUB, managed by "
			    "proxmox-boot-tool")
			: _("the host boots with GRUB"));
		break;
	case BOOT_SYSTEMD_BOOT:
		check_add(res, SEC_BOOT, SEV_INFO, ev, NULL,
		    _("the host boots with systemd-boot, managed by "
		      "proxmox-boot-tool: GRUB's files are not used"));
		break;
	case BOOT_UNKNOWN:
		check_add(res, SEC_BOOT, SEV_WARN, ev,
		    _("run 'proxmox-boot-tool status' and 'efibootmgr -v' to "
		      "see what boots"),
		    _("the bootloader could not be determined"));
		return;
	}
	if (b->cmdline_file != NULL) {
		char *cev = xasprintf("%s: %s", b->cmdline_file,
		    b->cmdline != NULL && *b->cmdline != '\0' ? b->cmdline
							      : _("(empty)"));

		check_add(res, SEC_BOOT, SEV_INFO, cev, NULL,
		    _("the kernel command line is configured in '%s'"),
		    b->cmdline_file);
		free(cev);
	}
}

/* Parameters whose presence is wrong or worth a word. */
static void
check_params(const struct host *h, struct check_result *res)
{
	const char *run = h->kernel.cmdline;
	const char *conf = h->boot.cmdline;
	char *v;

	if (run != NULL) {
		char *ev = xasprintf("/proc/cmdline: %s", run);

		check_add(res, SEC_BOOT, SEV_INFO, ev, NULL,
		    _("running kernel %s"),
		    h->kernel.release != NULL ? h->kernel.release : "?");
		free(ev);
	}
	if (kparam_has(run, "intel_iommu", "igfx_off") ||
	    kparam_has(conf, "intel_iommu", "igfx_off"))
		check_add(res, SEC_BOOT, SEV_WARN, "intel_iommu=igfx_off",
		    _("remove igfx_off before passing the integrated GPU "
		      "through"),
		    _("intel_iommu=igfx_off takes the integrated GPU out of "
		      "DMA remapping"));
	if (kparam_has(run, "amd_iommu", "on") ||
	    kparam_has(conf, "amd_iommu", "on"))
		check_add(res, SEC_BOOT, SEV_INFO, "amd_iommu=on", NULL,
		    _("amd_iommu=on is not a valid value and does nothing; AMD "
		      "kernels enable the IOMMU by default"));
	if ((v = kparam(run, "pcie_acs_override")) != NULL) {
		char *ev = xasprintf("/proc/cmdline: pcie_acs_override=%s", v);

		check_add(res, SEC_BOOT, SEV_WARN, ev,
		    _("prefer moving the card to another slot"),
		    _("the ACS override (a Proxmox kernel patch, not upstream) "
		      "is in use: devices it splits may still reach each other "
		      "by peer-to-peer DMA"));
		free(ev);
		free(v);
	}
	if (host_is_intel(h) && kparam_has(conf, "intel_iommu", "on") &&
	    !kparam_has(run, "intel_iommu", "on")) {
		char *ev =
		    xasprintf("%s: intel_iommu=on; /proc/cmdline: absent",
			h->boot.cmdline_file);

		check_add(res, SEC_BOOT, SEV_WARN, ev,
		    _("reboot to apply it (and refresh the bootloader first if "
		      "that was not done)"),
		    _("intel_iommu=on is configured but the running kernel was "
		      "not booted with it"));
		free(ev);
	}
	if ((v = kparam(run, "vfio-pci.ids")) != NULL) {
		char *ev = xasprintf("/proc/cmdline: vfio-pci.ids=%s", v);

		check_add(res, SEC_BOOT, SEV_INFO, ev, NULL,
		    _("vfio-pci claims these IDs from the command line"));
		free(ev);
		free(v);
	}
}

void
check_boot(const struct host *h, struct check_result *res)
{
	check_loader(h, res);
	check_params(h, res);
}
