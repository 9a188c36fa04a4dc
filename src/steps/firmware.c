/*
 * firmware.c: the firmware and IOMMU checks. Answers "does this machine
 * offer an IOMMU, is it on, and why not" from evidence: vmx/svm in cpuinfo
 * (VT-x/AMD-V), the ACPI DMAR/IVRS table (VT-d/AMD-Vi; there is no cpuinfo
 * flag for VT-d), the DMAR flags (interrupt remapping), /sys/class/iommu
 * (remapping really active), and the kernel's own build defaults.
 */
#include "vfio-wizard/check.h"
#include "vfio-wizard/strbuf.h"
#include "steps.h"

#include <stdlib.h>
#include <string.h>

bool
host_is_intel(const struct host *h)
{
	return h->cpu.vendor != NULL &&
	       strcmp(h->cpu.vendor, "GenuineIntel") == 0;
}

bool
host_is_amd(const struct host *h)
{
	return h->cpu.vendor != NULL &&
	       (strcmp(h->cpu.vendor, "AuthenticAMD") == 0 ||
		   strcmp(h->cpu.vendor, "HygonGenuine") == 0);
}

static void
check_virt(const struct host *h, struct check_result *res)
{
	const char *flag = host_is_amd(h) ? "svm" : "vmx";
	const char *name = host_is_amd(h) ? "AMD-V" : "VT-x";
	char *ev = xasprintf("/proc/cpuinfo flags: %s %s", flag,
	    (host_is_amd(h) ? h->cpu.svm : h->cpu.vmx) ? _("present")
						       : _("absent"));

	if (host_is_amd(h) ? h->cpu.svm : h->cpu.vmx)
		check_add(res, SEC_FIRMWARE, SEV_OK, ev, NULL,
		    _("%s is available"), name);
	else if (h->cpu.hypervisor)
		check_add(res, SEC_FIRMWARE, SEV_FAIL, ev,
		    _("enable nested virtualisation on the outer host, or run "
		      "vfio-wizard on the physical machine"),
		    _("%s is missing: this is a virtual machine without nested "
		      "virtualisation"),
		    name);
	else
		check_add(res, SEC_FIRMWARE, SEV_FAIL, ev,
		    _("enable it in the firmware setup (often called "
		      "\"Virtualization Technology\" or \"SVM Mode\")"),
		    _("%s is missing or disabled in the firmware"), name);
	free(ev);
}

static void
check_sku(const struct host *h, struct check_result *res)
{
	char *ev;

	if (h->cpu.model_name == NULL || h->cpu.sku_vtd == TRI_UNKNOWN)
		return;
	ev = xasprintf("model name: %s; %s", h->cpu.model_name,
	    h->cpu.sku_note != NULL ? h->cpu.sku_note : "knowledge base");
	if (h->cpu.sku_vtd == TRI_YES)
		check_add(res, SEC_FIRMWARE, SEV_OK, ev, NULL,
		    _("this CPU model supports %s"),
		    host_is_amd(h) ? "AMD-Vi" : "VT-d");
	else
		check_add(res, SEC_FIRMWARE, SEV_FAIL, ev,
		    _("PCI passthrough needs a CPU with VT-d, e.g. the same "
		      "generation without the K suffix"),
		    _("this CPU model has no VT-d: no device can be passed "
		      "through on this machine"));
	free(ev);
}

static void
check_table(const struct host *h, struct check_result *res)
{
	const struct host_firmware *f = &h->firmware;
	char *ev;

	if (f->iommu_table != NULL) {
		ev = xasprintf("/sys/firmware/acpi/tables/%s", f->iommu_table);
		check_add(res, SEC_FIRMWARE, SEV_OK, ev, NULL,
		    strcmp(f->iommu_table, "DMAR") == 0
			? _("VT-d is enabled in the firmware (ACPI DMAR table "
			    "present)")
			: _("AMD-Vi is enabled in the firmware (ACPI IVRS "
			    "table "
			    "present)"));
		free(ev);
	} else if (h->cpu.hypervisor)
		check_add(res, SEC_FIRMWARE, SEV_FAIL,
		    "/sys/firmware/acpi/tables: no DMAR or IVRS", NULL,
		    _("this virtual machine has no virtual IOMMU (no DMAR or "
		      "IVRS table)"));
	else if (h->cpu.sku_vtd == TRI_NO)
		check_add(res, SEC_FIRMWARE, SEV_FAIL,
		    "/sys/firmware/acpi/tables: no DMAR", NULL,
		    _("no ACPI DMAR table, as expected for a CPU without "
		      "VT-d"));
	else
		check_add(res, SEC_FIRMWARE, SEV_FAIL,
		    host_is_amd(h) ? "/sys/firmware/acpi/tables: no IVRS"
				   : "/sys/firmware/acpi/tables: no DMAR",
		    host_is_amd(h)
			? _("enable the IOMMU (\"IOMMU\" or \"AMD-Vi\") in the "
			    "firmware setup")
			: _("enable VT-d (\"Intel Virtualization Technology "
			    "for "
			    "Directed I/O\") in the firmware setup"),
		    _("the firmware offers no IOMMU: %s is disabled or not "
		      "supported by the board"),
		    host_is_amd(h) ? "AMD-Vi" : "VT-d");
	if (f->iommu_table == NULL || !f->table_readable)
		return;
	if (strcmp(f->iommu_table, "DMAR") == 0) {
		ev = xasprintf("DMAR flags: INTR_REMAP=%d X2APIC_OPT_OUT=%d, "
			       "%d remapping unit(s)",
		    f->intremap == TRI_YES, f->x2apic_opt_out == TRI_YES,
		    f->iommu_units);
		if (f->intremap == TRI_YES)
			check_add(res, SEC_FIRMWARE, SEV_OK, ev, NULL,
			    _("interrupt remapping is supported"));
		else
			check_add(res, SEC_FIRMWARE, SEV_WARN, ev,
			    _("VFIO refuses assignment without it unless "
			      "vfio_iommu_type1 allow_unsafe_interrupts=1 is "
			      "set, which weakens host isolation"),
			    _("the firmware does not support interrupt "
			      "remapping"));
		free(ev);
	}
}

static void
check_boot_mode(const struct host *h, struct check_result *res)
{
	const struct host_firmware *f = &h->firmware;

	if (!f->uefi) {
		check_add(res, SEC_FIRMWARE, SEV_INFO,
		    "/sys/firmware/efi: absent", NULL,
		    _("the host booted in legacy BIOS mode"));
		return;
	}
	check_add(res, SEC_FIRMWARE, SEV_INFO, "/sys/firmware/efi: present",
	    NULL,
	    f->secure_boot == TRI_YES  ? _("the host booted with UEFI, Secure "
					    "Boot on")
	    : f->secure_boot == TRI_NO ? _("the host booted with UEFI, Secure "
					   "Boot off")
				       : _("the host booted with UEFI"));
}

void
check_firmware(const struct host *h, struct check_result *res)
{
	if (h->cpu.model_name != NULL)
		check_add(res, SEC_FIRMWARE, SEV_INFO,
		    "/proc/cpuinfo: model name", NULL, _("CPU: %s"),
		    h->cpu.model_name);
	check_virt(h, res);
	check_sku(h, res);
	check_table(h, res);
	check_boot_mode(h, res);
}

/* Why the IOMMU is off although the firmware offers one. */
static void
explain_inactive(const struct host *h, struct check_result *res)
{
	const struct installed_kernel *k = host_kernel_running(h);
	char *v = kparam(
	    h->kernel.cmdline, host_is_amd(h) ? "amd_iommu" : "intel_iommu");
	char *ev;

	if (v != NULL &&
	    kparam_has(h->kernel.cmdline,
		host_is_amd(h) ? "amd_iommu" : "intel_iommu", "off")) {
		ev = xasprintf("/proc/cmdline: %s=%s",
		    host_is_amd(h) ? "amd_iommu" : "intel_iommu", v);
		check_add(res, SEC_IOMMU, SEV_WARN, ev,
		    _("the command line step removes it"),
		    _("the IOMMU is switched off on the kernel command line"));
	} else if (host_is_intel(h) &&
		   !kparam_has(h->kernel.cmdline, "intel_iommu", "on")) {
		if (k != NULL && k->intel_iommu_default_on == TRI_NO) {
			ev = xasprintf(
			    "/boot/config-%s: "
			    "CONFIG_INTEL_IOMMU_DEFAULT_ON is not set; "
			    "/proc/cmdline has no intel_iommu=on",
			    k->release);
			check_add(res, SEC_IOMMU, SEV_WARN, ev,
			    _("the command line step adds intel_iommu=on; "
			      "reboot afterwards"),
			    _("the IOMMU is not active: kernel %s does not "
			      "enable VT-d by default"),
			    k->release);
		} else {
			ev = xstrdup("/sys/class/iommu: empty; /proc/cmdline "
				     "has no intel_iommu=on");
			check_add(res, SEC_IOMMU, SEV_WARN, ev,
			    _("the command line step adds intel_iommu=on; "
			      "reboot afterwards"),
			    _("the IOMMU is not active"));
		}
	} else {
		ev = xasprintf("/proc/cmdline: %s",
		    h->kernel.cmdline != NULL ? h->kernel.cmdline : "?");
		check_add(res, SEC_IOMMU, SEV_FAIL, ev,
		    host_is_amd(h)
			? _("check the firmware IOMMU option and the kernel "
			    "log "
			    "for AMD-Vi errors (amd_iommu=on is not a valid "
			    "value and does nothing)")
			: _("add intel_iommu=on; if it is already there, check "
			    "the kernel log for DMAR errors"),
		    _("the IOMMU is not active although the firmware offers "
		      "one"));
	}
	free(ev);
	free(v);
}

void
check_iommu(const struct host *h, struct check_result *res)
{
	const struct host_iommu *io = &h->iommu;
	const struct installed_kernel *k = host_kernel_running(h);
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (io->active) {
		sb_adds(&sb, "/sys/class/iommu:");
		for (i = 0; i < io->n_units; i++)
			sb_addf(&sb, " %s", io->units[i]);
		check_add(res, SEC_IOMMU, SEV_OK, sb_str(&sb), NULL,
		    _("the IOMMU is active: %zu unit(s), %zu group(s)"),
		    io->n_units, io->n_groups);
		sb_release(&sb);
	} else if (h->firmware.iommu_table != NULL) {
		explain_inactive(h, res);
	} else {
		check_add(res, SEC_IOMMU, SEV_FAIL, "/sys/class/iommu: empty",
		    NULL,
		    _("the IOMMU is not active and cannot be: the firmware "
		      "offers none"));
	}
	if (host_is_intel(h) && h->firmware.iommu_table != NULL && k != NULL &&
	    k->intel_iommu_intgpu_off == TRI_YES &&
	    !kparam_has(h->kernel.cmdline, "intel_iommu", "on")) {
		char *ev =
		    xasprintf("/boot/config-%s: "
			      "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF=y",
			k->release);

		check_add(res, SEC_IOMMU, SEV_INFO, ev,
		    _("intel_iommu=on is still needed to pass an integrated "
		      "GPU through"),
		    _("this kernel turns VT-d on by default except for the "
		      "integrated GPU"));
		free(ev);
	}
	if (kparam_has(h->kernel.cmdline, "iommu", "pt"))
		check_add(res, SEC_IOMMU, SEV_INFO, "/proc/cmdline: iommu=pt",
		    NULL,
		    _("iommu=pt: devices the host keeps use identity (pass-"
		      "through) DMA mappings; devices given to VMs are still "
		      "translated"));
}
