/*
 * modules.c: the modules check. Whether every installed kernel has the vfio
 * modules (as modules or built in), whether vfio_virqfd still exists (it was
 * merged into vfio in Linux 6.2), and what the effective modprobe
 * configuration already says about vfio-pci and the drivers it competes with.
 */
#include "vfio-wizard/check.h"
#include "vfio-wizard/strbuf.h"
#include "steps.h"

#include <stdlib.h>
#include <string.h>

static const char *
presence_name(enum kmod_presence p)
{
	switch (p) {
	case KMOD_MODULE:
		return "module";
	case KMOD_BUILTIN:
		return "built-in";
	case KMOD_MISSING:
		break;
	}
	return "missing";
}

static void
check_kernel_modules(const struct host *h, struct check_result *res)
{
	static const enum vfio_module core[] = {
	    VM_VFIO, VM_VFIO_IOMMU_TYPE1, VM_VFIO_PCI};
	size_t i, j;

	if (h->kernel.n_installed == 0) {
		check_add(res, SEC_MODULES, SEV_WARN, "/lib/modules: empty",
		    NULL, _("no installed kernel was found"));
		return;
	}
	for (i = 0; i < h->kernel.n_installed; i++) {
		const struct installed_kernel *k = &h->kernel.installed[i];
		bool running = h->kernel.release != NULL &&
			       strcmp(k->release, h->kernel.release) == 0;
		struct strbuf ev = STRBUF_INIT;
		bool missing = false;

		sb_addf(&ev, "/lib/modules/%s:", k->release);
		for (j = 0; j < nitems(core); j++) {
			sb_addf(&ev, " %s=%s", vfio_module_names[core[j]],
			    presence_name(k->modules[core[j]]));
			if (k->modules[core[j]] == KMOD_MISSING)
				missing = true;
		}
		if (missing)
			check_add(res, SEC_MODULES,
			    running ? SEV_FAIL : SEV_WARN, sb_str(&ev),
			    _("install a kernel built with VFIO (every Proxmox "
			      "kernel is)"),
			    _("kernel %s lacks vfio modules"), k->release);
		else
			check_add(res, SEC_MODULES, SEV_OK, sb_str(&ev), NULL,
			    running ? _("kernel %s (running) has the vfio "
					"modules")
				    : _("kernel %s has the vfio modules"),
			    k->release);
		sb_release(&ev);
		if (k->modules[VM_VFIO_VIRQFD] != KMOD_MISSING) {
			char *vev = xasprintf("/lib/modules/%s: vfio_virqfd=%s",
			    k->release,
			    presence_name(k->modules[VM_VFIO_VIRQFD]));

			check_add(res, SEC_MODULES, SEV_INFO, vev, NULL,
			    _("kernel %s still has vfio_virqfd as its own "
			      "module "
			      "(merged into vfio in Linux 6.2): it is loaded "
			      "with the others"),
			    k->release);
			free(vev);
		}
	}
}

static bool
module_is(const char *name, const char *want)
{
	for (; *name != '\0' && *want != '\0'; name++, want++) {
		char a = *name == '-' ? '_' : *name;
		char b = *want == '-' ? '_' : *want;

		if (a != b)
			return false;
	}
	return *name == *want;
}

/*
 * Drivers that compete with vfio-pci for the devices people pass through
 * (not nvidiafb: Proxmox itself blacklists it in pve-blacklist.conf).
 */
static bool
gpu_or_audio_driver(const char *m)
{
	static const char *const drivers[] = {"i915", "xe", "snd_hda_intel",
	    "nouveau", "nvidia", "amdgpu", "radeon", "snd_hda_codec_hdmi"};
	size_t i;

	for (i = 0; i < nitems(drivers); i++) {
		if (module_is(m, drivers[i]))
			return true;
	}
	return false;
}

static void
check_modconf(const struct host *h, struct check_result *res)
{
	const struct host_modconf *mc = &h->kernel.modconf;
	size_t i;

	for (i = 0; i < mc->n_options; i++) {
		const struct modconf_entry *e = &mc->options[i];
		char *ev = xasprintf("%s: options %s %s",
		    e->from_cmdline ? "/proc/cmdline" : "modprobe.d", e->module,
		    e->value);

		if (module_is(e->module, "vfio_pci")) {
			if (strstr(e->value, "disable_vga=1") != NULL)
				check_add(res, SEC_MODULES, SEV_WARN, ev,
				    _("remove it when passing an integrated "
				      "GPU "
				      "in legacy mode"),
				    _("vfio-pci disable_vga=1 hides the VGA "
				      "region that legacy IGD assignment "
				      "needs"));
			else
				check_add(res, SEC_MODULES, SEV_INFO, ev, NULL,
				    _("vfio-pci options are already set"));
		} else if (module_is(e->module, "vfio_iommu_type1") &&
			   strstr(e->value, "allow_unsafe_interrupts=1") !=
			       NULL)
			check_add(res, SEC_MODULES, SEV_WARN, ev,
			    _("needed only when the platform has no interrupt "
			      "remapping"),
			    _("unsafe interrupts are allowed: a VM could "
			      "inject "
			      "interrupts into the host"));
		free(ev);
	}
	for (i = 0; i < mc->n_blacklist; i++) {
		const struct modconf_entry *e = &mc->blacklist[i];
		char *ev;

		if (!gpu_or_audio_driver(e->module))
			continue;
		ev = xasprintf("%s: blacklist %s",
		    e->from_cmdline ? "/proc/cmdline" : "modprobe.d",
		    e->module);
		if (module_is(e->module, "snd_hda_intel"))
			check_add(res, SEC_MODULES, SEV_WARN, ev,
			    _("bind the GPU's audio function to vfio-pci by ID "
			      "instead"),
			    _("snd_hda_intel is blacklisted: it also drives "
			      "the "
			      "host's own sound card"));
		else
			check_add(res, SEC_MODULES, SEV_INFO, ev, NULL,
			    _("the %s driver is blacklisted"), e->module);
		free(ev);
	}
	for (i = 0; i < mc->n_softdeps; i++) {
		const struct modconf_entry *e = &mc->softdeps[i];
		char *ev;

		if (!gpu_or_audio_driver(e->module))
			continue;
		ev =
		    xasprintf("modprobe.d: softdep %s %s", e->module, e->value);
		check_add(res, SEC_MODULES, SEV_INFO, ev, NULL,
		    _("%s has a soft dependency configured"), e->module);
		free(ev);
	}
}

void
check_modules(const struct host *h, struct check_result *res)
{
	size_t i;

	check_kernel_modules(h, res);
	for (i = 0; i < h->kernel.n_loaded; i++) {
		if (module_is(h->kernel.loaded[i], "vfio_pci")) {
			check_add(res, SEC_MODULES, SEV_INFO,
			    "/proc/modules: vfio_pci", NULL,
			    _("vfio-pci is loaded"));
			break;
		}
	}
	check_modconf(h, res);
}
