/*
 * render_json.c: `vfio-wizard check --json`. One object whose field names
 * scripts may rely on: cpu.vendor, cpu.vtx, firmware.boot, firmware.
 * iommu_table, iommu.active, iommu.groups (a count), boot.loader,
 * boot.cmdline_file, kernel.release, devices[] (address, vendor_id,
 * device_id, class, name, driver, iommu_group, and passthrough for judged
 * devices), findings[] (section, severity, message, evidence).
 */
#include "cli.h"
#include "vfio-wizard/json.h"

#include <stdio.h>

static void
kv_tri(struct json *j, const char *k, enum tri t)
{
	json_key(j, k);
	if (t == TRI_UNKNOWN)
		json_null(j);
	else
		json_bool(j, t == TRI_YES);
}

static void
kv_hex4(struct json *j, const char *k, unsigned v)
{
	char buf[8];

	snprintf(buf, sizeof buf, "%04x", v & 0xffff);
	json_kv_string(j, k, buf);
}

static void
string_array(struct json *j, const char *k, char **v, size_t n)
{
	size_t i;

	json_key(j, k);
	json_array_begin(j);
	for (i = 0; i < n; i++)
		json_string(j, v[i]);
	json_array_end(j);
}

static void
render_cpu_firmware(const struct host *h, struct json *j)
{
	json_key(j, "cpu");
	json_object_begin(j);
	json_kv_string(j, "vendor", h->cpu.vendor);
	json_kv_string(j, "model_name", h->cpu.model_name);
	json_kv_int(j, "family", h->cpu.family);
	json_kv_int(j, "model", h->cpu.model);
	json_kv_bool(j, "vtx", h->cpu.vmx || h->cpu.svm);
	json_kv_bool(j, "hypervisor", h->cpu.hypervisor);
	kv_tri(j, "sku_vtd", h->cpu.sku_vtd);
	json_object_end(j);

	json_key(j, "firmware");
	json_object_begin(j);
	json_kv_string(j, "boot", h->firmware.uefi ? "uefi" : "bios");
	kv_tri(j, "secure_boot", h->firmware.secure_boot);
	json_kv_string(j, "iommu_table", h->firmware.iommu_table);
	kv_tri(j, "interrupt_remapping", h->firmware.intremap);
	json_kv_string(j, "efi_boot_path", h->firmware.efi_boot_path);
	json_object_end(j);
}

static void
render_iommu(const struct host *h, struct json *j)
{
	size_t i, k;

	json_key(j, "iommu");
	json_object_begin(j);
	json_kv_bool(j, "active", h->iommu.active);
	string_array(j, "units", h->iommu.units, h->iommu.n_units);
	json_kv_int(j, "groups", (long long)h->iommu.n_groups);
	json_key(j, "group_list");
	json_array_begin(j);
	for (i = 0; i < h->iommu.n_groups; i++) {
		const struct iommu_group *g = &h->iommu.groups[i];

		json_object_begin(j);
		json_kv_int(j, "id", g->id);
		json_kv_string(j, "type", g->type);
		json_key(j, "devices");
		json_array_begin(j);
		for (k = 0; k < g->n_devices; k++)
			json_string(j, h->pci[g->devices[k]].address);
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static const char *
loader_id(enum bootloader b)
{
	switch (b) {
	case BOOT_GRUB:
		return "grub";
	case BOOT_SYSTEMD_BOOT:
		return "systemd-boot";
	case BOOT_UNKNOWN:
		break;
	}
	return NULL;
}

static const char *
presence_id(enum kmod_presence p)
{
	return p == KMOD_MODULE	   ? "module"
	       : p == KMOD_BUILTIN ? "builtin"
				   : "missing";
}

static void
render_boot_kernel(const struct host *h, struct json *j)
{
	size_t i;
	int m;

	json_key(j, "boot");
	json_object_begin(j);
	json_kv_string(j, "loader", loader_id(h->boot.loader));
	json_kv_bool(j, "proxmox_boot_tool", h->boot.proxmox_boot_tool);
	json_kv_string(j, "cmdline_file", h->boot.cmdline_file);
	json_kv_string(j, "cmdline", h->boot.cmdline);
	json_kv_string(j, "evidence", h->boot.evidence);
	json_kv_string(j, "root_fs", h->boot.root_fs);
	json_object_end(j);

	json_key(j, "kernel");
	json_object_begin(j);
	json_kv_string(j, "release", h->kernel.release);
	json_kv_string(j, "cmdline", h->kernel.cmdline);
	json_key(j, "installed");
	json_array_begin(j);
	for (i = 0; i < h->kernel.n_installed; i++) {
		const struct installed_kernel *k = &h->kernel.installed[i];

		json_object_begin(j);
		json_kv_string(j, "release", k->release);
		kv_tri(j, "intel_iommu_default_on", k->intel_iommu_default_on);
		json_key(j, "modules");
		json_object_begin(j);
		for (m = 0; m < VM__COUNT; m++)
			json_kv_string(j, vfio_module_names[m],
			    presence_id(k->modules[m]));
		json_object_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static const struct verdict *
verdict_for(const struct check_result *res, size_t idx)
{
	size_t i;

	for (i = 0; i < res->n_verdicts; i++) {
		if (res->verdicts[i].device == idx)
			return &res->verdicts[i];
	}
	return NULL;
}

static void
render_passthrough(const struct verdict *v, struct json *j)
{
	unsigned bit;

	json_key(j, "passthrough");
	json_object_begin(j);
	json_key(j, "modes");
	json_array_begin(j);
	for (bit = 1; bit <= MODE_VFIO; bit <<= 1) {
		if (v->modes & bit)
			json_string(j, mode_name(bit));
	}
	json_array_end(j);
	json_kv_string(j, "recommended",
	    v->recommended != 0 ? mode_name(v->recommended) : NULL);
	json_kv_string(j, "generation", v->igpu != NULL ? v->igpu->id : NULL);
	json_kv_string(j, "why", v->igpu != NULL ? v->igpu->note : NULL);
	string_array(j, "companions", v->companions, v->n_companions);
	string_array(j, "siblings", v->siblings, v->n_siblings);
	string_array(j, "blockers", v->blockers, v->n_blockers);
	string_array(j, "notes", v->notes, v->n_notes);
	json_object_end(j);
}

static void
render_devices(
    const struct host *h, const struct check_result *res, struct json *j)
{
	size_t i;

	json_key(j, "devices");
	json_array_begin(j);
	for (i = 0; i < h->n_pci; i++) {
		const struct pci_device *d = &h->pci[i];
		const struct verdict *v = verdict_for(res, i);
		char cls[8];

		snprintf(cls, sizeof cls, "%02x%02x",
		    PCI_CLASS_BASE(d->class_code),
		    PCI_CLASS_SUB(d->class_code));
		json_object_begin(j);
		json_kv_string(j, "address", d->address);
		kv_hex4(j, "vendor_id", d->vendor_id);
		kv_hex4(j, "device_id", d->device_id);
		json_kv_string(j, "class", cls);
		json_kv_string(j, "vendor", d->vendor_name);
		json_kv_string(j, "name", d->device_name);
		json_kv_string(j, "driver", d->driver);
		json_key(j, "iommu_group");
		if (d->iommu_group >= 0)
			json_int(j, d->iommu_group);
		else
			json_null(j);
		kv_tri(j, "boot_vga", d->boot_vga);
		json_kv_string(j, "reset_method", d->reset_method);
		if (v != NULL)
			render_passthrough(v, j);
		json_object_end(j);
	}
	json_array_end(j);
}

static void
render_findings(const struct check_result *res, struct json *j)
{
	size_t i;

	json_key(j, "findings");
	json_array_begin(j);
	for (i = 0; i < res->n_findings; i++) {
		const struct finding *f = &res->findings[i];

		json_object_begin(j);
		json_kv_string(j, "section", check_section_id(f->section));
		json_kv_string(j, "severity", severity_id(f->severity));
		json_kv_string(j, "message", f->message);
		json_kv_string(j, "evidence", f->evidence);
		json_kv_string(j, "hint", f->hint);
		json_object_end(j);
	}
	json_array_end(j);
}

static void
render_pve(const struct host *h, struct json *j)
{
	size_t i;
	int n;

	json_key(j, "pve");
	json_object_begin(j);
	json_kv_bool(j, "present", h->pve.present);
	json_kv_string(j, "version", h->pve.version);
	json_kv_string(j, "node", h->pve.node);
	json_key(j, "vms");
	json_array_begin(j);
	for (i = 0; i < h->pve.n_vms; i++) {
		const struct pve_vm *vm = &h->pve.vms[i];

		json_object_begin(j);
		json_kv_int(j, "vmid", vm->vmid);
		json_kv_string(j, "name", vm->name);
		json_kv_string(j, "machine", vm->machine);
		json_kv_string(j, "bios", vm->bios);
		json_kv_string(j, "vga", vm->vga);
		json_kv_string(j, "lock", vm->lock);
		json_kv_bool(j, "running", vm->running);
		json_key(j, "hostpci");
		json_object_begin(j);
		for (n = 0; n < 16; n++) {
			char key[16];

			if (vm->hostpci[n] == NULL)
				continue;
			snprintf(key, sizeof key, "hostpci%d", n);
			json_kv_string(j, key, vm->hostpci[n]);
		}
		json_object_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void
render_check_json(
    const struct host *h, const struct check_result *res, struct strbuf *sb)
{
	struct json j;

	json_init(&j, sb);
	json_object_begin(&j);
	json_kv_string(&j, "version", PACKAGE_VERSION);
	json_kv_string(&j, "hostname", h->hostname);
	render_pve(h, &j);
	render_cpu_firmware(h, &j);
	render_iommu(h, &j);
	render_boot_kernel(h, &j);
	render_devices(h, res, &j);
	render_findings(res, &j);
	json_kv_string(&j, "worst", severity_id(res->worst));
	json_object_end(&j);
}
