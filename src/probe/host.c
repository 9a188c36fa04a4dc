/*
 * host.c: builds and frees the host snapshot. Runs the probes in dependency
 * order (PCI before the IOMMU groups and storage, firmware and kernel before
 * the bootloader) and owns every heap field of struct host.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const vfio_module_names[VM__COUNT] = {
    [VM_VFIO] = "vfio",
    [VM_VFIO_IOMMU_TYPE1] = "vfio_iommu_type1",
    [VM_VFIO_PCI] = "vfio_pci",
    [VM_VFIO_VIRQFD] = "vfio_virqfd",
    [VM_KVMGT] = "kvmgt",
};

void
host_problem(struct host *h, const char *what, const char *fmt, ...)
{
	struct probe_problem p;
	va_list ap;

	va_start(ap, fmt);
	p.what = xstrdup(what);
	p.message = xvasprintf(fmt, ap);
	va_end(ap);
	ARRAY_PUSH(h->problems, h->n_problems, p);
}

int
host_probe(
    const struct root *r, const struct kb *kb, struct host **out, char **cause)
{
	struct host *h;

	if (!root_exists(r, "/")) {
		*cause = xasprintf("root '%s' is not readable", root_dir(r));
		return -ENOENT;
	}
	h = xcalloc(1, sizeof *h);
	probe_cpu(h, r, kb);
	probe_firmware(h, r);
	probe_pci(h, r);
	probe_iommu(h, r);
	probe_kernel(h, r);
	probe_kmods(h, r);
	probe_boot(h, r);
	probe_storage(h, r);
	probe_pve(h, r);
	if (h->hostname == NULL) {
		char *name;

		if (root_read_line(r, "/etc/hostname", &name) == 0)
			h->hostname = name;
	}
	*out = h;
	return 0;
}

static void
free_modconf_list(struct modconf_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].module);
		free(e[i].value);
	}
	free(e);
}

static void
free_pci(struct pci_device *d)
{
	free(d->vendor_name);
	free(d->device_name);
	free(d->subsys_name);
	free(d->class_name);
	free(d->driver);
	free(d->modalias);
	free(d->reset_method);
	free(d->physfn);
	free(d->parent);
}

void
host_free(struct host *h)
{
	size_t i;
	int j;

	if (h == NULL)
		return;
	free(h->cpu.vendor);
	free(h->cpu.model_name);
	free(h->cpu.sku_note);
	free(h->firmware.efi_boot_current);
	free(h->firmware.efi_boot_path);
	free(h->firmware.efi_boot_label);
	strv_free(h->iommu.units, h->iommu.n_units);
	for (i = 0; i < h->iommu.n_groups; i++) {
		free(h->iommu.groups[i].type);
		free(h->iommu.groups[i].devices);
	}
	free(h->iommu.groups);
	for (i = 0; i < h->n_pci; i++)
		free_pci(&h->pci[i]);
	free(h->pci);
	free(h->kernel.release);
	free(h->kernel.cmdline);
	free(h->kernel.boot_id);
	for (i = 0; i < h->kernel.n_installed; i++)
		free(h->kernel.installed[i].release);
	free(h->kernel.installed);
	strv_free(h->kernel.loaded, h->kernel.n_loaded);
	free_modconf_list(
	    h->kernel.modconf.options, h->kernel.modconf.n_options);
	free_modconf_list(
	    h->kernel.modconf.blacklist, h->kernel.modconf.n_blacklist);
	free_modconf_list(
	    h->kernel.modconf.softdeps, h->kernel.modconf.n_softdeps);
	strv_free(h->boot.esp_uuids, h->boot.n_esp_uuids);
	free(h->boot.cmdline);
	free(h->boot.evidence);
	free(h->boot.root_fs);
	free(h->boot.root_source);
	strv_free(h->storage.root_controllers, h->storage.n_root_controllers);
	strv_free(h->storage.root_disks, h->storage.n_root_disks);
	free(h->pve.version);
	free(h->pve.node);
	for (i = 0; i < h->pve.n_vms; i++) {
		struct pve_vm *vm = &h->pve.vms[i];

		free(vm->name);
		free(vm->machine);
		free(vm->bios);
		free(vm->vga);
		free(vm->lock);
		free(vm->path);
		for (j = 0; j < 16; j++)
			free(vm->hostpci[j]);
	}
	free(h->pve.vms);
	free(h->hostname);
	for (i = 0; i < h->n_problems; i++) {
		free(h->problems[i].what);
		free(h->problems[i].message);
	}
	free(h->problems);
	free(h);
}

const struct installed_kernel *
host_kernel_running(const struct host *h)
{
	size_t i;

	if (h->kernel.release == NULL)
		return NULL;
	for (i = 0; i < h->kernel.n_installed; i++) {
		if (strcmp(h->kernel.installed[i].release, h->kernel.release) ==
		    0)
			return &h->kernel.installed[i];
	}
	return NULL;
}
