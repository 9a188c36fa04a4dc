/*
 * host.c: builds and frees the host snapshot. Runs the probes in dependency
 * order (PCI before the IOMMU groups and storage, firmware and kernel before
 * the bootloader, the node name before the network) and owns every heap
 * field of struct host. It also answers the critical-device guard's
 * question, host_device_needed(): does the host need this PCI device?
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
	struct iommu_groups_scan *groups;
	struct host *h;
	char *name;

	if (!root_exists(r, "/")) {
		*cause = xasprintf("root '%s' is not readable", root_dir(r));
		return -ENOENT;
	}
	h = xcalloc(1, sizeof *h);
	probe_cpu(h, r, kb);
	probe_firmware(h, r);
	/* a host of thousands of functions: read both sides at once */
	groups = iommu_groups_start(r);
	probe_pci(h, r);
	probe_iommu_groups(h, r, groups);
	probe_kernel(h, r);
	probe_kmods(h, r);
	probe_boot(h, r);
	/* the node name, for the storages' "nodes" (probe_pve reads it too) */
	if (root_read_line(r, "/etc/hostname", &name) == 0)
		h->hostname = name;
	probe_storage(h, r);
	probe_pve(h, r);
	probe_net(h, r);
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
free_network(struct host_network *n)
{
	size_t i;

	strv_free(n->mgmt_ifaces, n->n_mgmt_ifaces);
	free(n->mgmt_evidence);
	for (i = 0; i < n->n_nics; i++) {
		free(n->nics[i].address);
		free(n->nics[i].iface);
		free(n->nics[i].top);
		free(n->nics[i].via);
	}
	free(n->nics);
	for (i = 0; i < n->n_netdevs; i++) {
		free(n->netdevs[i].name);
		free(n->netdevs[i].address);
	}
	free(n->netdevs);
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
	free(h->iommu.vfio_nodes);
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
	for (i = 0; i < h->storage.n_storage_controllers; i++) {
		struct storage_controller *c =
		    &h->storage.storage_controllers[i];

		free(c->address);
		free(c->storage);
		free(c->type);
		free(c->what);
		free(c->disk);
	}
	free(h->storage.storage_controllers);
	strv_free(h->storage.unknown, h->storage.n_unknown);
	free_network(&h->network);
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

/* A NIC entry for this address, management ones first; NULL when none. */
static const struct host_nic *
find_nic(const struct host *h, const char *address, bool mgmt)
{
	size_t i;

	for (i = 0; i < h->network.n_nics; i++) {
		const struct host_nic *n = &h->network.nics[i];

		if (n->mgmt == mgmt && strcmp(n->address, address) == 0)
			return n;
	}
	return NULL;
}

static bool
has_netdev(const struct host *h, const char *address)
{
	size_t i;

	for (i = 0; i < h->network.n_netdevs; i++)
		if (strcmp(h->network.netdevs[i].address, address) == 0)
			return true;
	return false;
}

bool
host_device_needed(
    const struct host *h, const struct pci_device *d, struct host_need *need)
{
	const struct host_storage *st = &h->storage;
	size_t i;

	memset(need, 0, sizeof *need);
	if (strv_has(
		st->root_controllers, st->n_root_controllers, d->address)) {
		need->kind = NEED_ROOT_DISK;
		return true;
	}
	for (i = 0; i < st->n_storage_controllers; i++) {
		if (strcmp(st->storage_controllers[i].address, d->address) ==
		    0) {
			need->kind = NEED_STORAGE;
			need->storage = &st->storage_controllers[i];
			return true;
		}
	}
	if ((need->nic = find_nic(h, d->address, true)) != NULL) {
		need->kind = NEED_MGMT_NIC;
		return true;
	}
	if (st->n_unknown > 0 && PCI_CLASS_BASE(d->class_code) == 0x01) {
		need->kind = NEED_STORAGE_UNKNOWN;
		need->unknown = st->unknown[0];
		return true;
	}
	if (h->network.uncertain &&
	    (need->nic = find_nic(h, d->address, false)) != NULL) {
		need->kind = NEED_BRIDGE_PORT;
		return true;
	}
	if (h->network.unresolved && PCI_CLASS_BASE(d->class_code) == 0x02 &&
	    !has_netdev(h, d->address)) {
		need->kind = NEED_NIC_UNKNOWN;
		return true;
	}
	return false;
}

const struct host_nic *
host_bridge_port(const struct host *h, const struct pci_device *d)
{
	return find_nic(h, d->address, false);
}
