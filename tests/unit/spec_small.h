/*
 * spec_small.h: the small host spec the spec unit tests replay (a Haswell
 * iGPU, an SR-IOV NIC behind a root port, an LVM root on SATA, UEFI, DMAR,
 * an active IOMMU, Proxmox VE) and the helpers both test programs use.
 */
#ifndef VW_SPEC_SMALL_H
#define VW_SPEC_SMALL_H

#include "vfio-wizard/spec.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REL "6.8.12-4-pve"

static const char small[] =
    "spec: 1\n"
    "name: unit-host\n"
    "description: a small host for the unit tests\n"
    "source: test_spec.c\n"
    "hostname: pve1\n"
    "cpu:\n"
    "  vendor: GenuineIntel\n"
    "  model_name: \"Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz\"\n"
    "  family: 6\n"
    "  model: 60\n"
    "  stepping: 3\n"
    "  threads: 4\n"
    "  flags: \"fpu vme ht vmx\"\n"
    "firmware:\n"
    "  boot: uefi\n"
    "  secure_boot: true\n"
    "  efi:\n"
    "    boot_current: \"0001\"\n"
    "    entries:\n"
    "      \"0001\": { label: \"Linux Boot Manager\", path: "
    "'\\EFI\\systemd\\systemd-bootx64.efi' }\n"
    "  acpi_tables: [FACP, DMAR]\n"
    "  dmar: { host_address_width: 39, intremap: true, x2apic_opt_out: "
    "true, units: 2 }\n"
    "kernel:\n"
    "  release: " REL "\n"
    "  cmdline: \"root=/dev/mapper/pve-root ro quiet intel_iommu=on\"\n"
    "  loaded: [i915, vfio_pci, vfio]\n"
    "  installed:\n"
    "    - release: " REL "\n"
    "      config: { CONFIG_INTEL_IOMMU: y, CONFIG_VFIO_PCI_VGA: n }\n"
    "      modules:\n"
    "        vfio: module\n"
    "        vfio-pci: module\n"
    "        vfio_pci_core: module\n"
    "        vfio_iommu_type1: module\n"
    "        iommufd: builtin\n"
    "        i915: module\n"
    "        ahci: builtin\n"
    "      aliases: [\"pci:v*d*sv*sd*bc01sc06i01 ahci\"]\n"
    "iommu: { active: true, group_type: DMA-FQ }\n"
    "pci:\n"
    "  - { address: \"0000:00:00.0\", id: \"8086:0c00\", class: \"060000\", "
    "group: 0 }\n"
    "  - { address: \"0000:00:02.0\", id: \"8086:0412\", subsys: "
    "\"1028:05a4\",\n"
    "      class: \"030000\", rev: 6, driver: i915, group: 1, flr: true,\n"
    "      reset_method: \"flr bus\" }\n"
    "  - { address: \"0000:00:1c.0\", id: \"8086:8c10\", class: \"060400\", "
    "driver: pcieport, group: 2 }\n"
    "  - { address: \"0000:01:00.0\", id: \"8086:10c9\", class: \"020000\", "
    "parent: \"0000:00:1c.0\",\n"
    "      group: 3, flr: true, sriov: { total: 7, num: 2 } }\n"
    "  - { address: \"0000:01:10.0\", id: \"8086:10ca\", class: \"020000\", "
    "physfn: \"0000:01:00.0\", group: 4, driver: vfio-pci }\n"
    "  - { address: \"0000:01:10.2\", id: \"8086:10ca\", class: \"020000\", "
    "physfn: \"0000:01:00.0\", group: 5 }\n"
    "  - { address: \"0000:00:1f.2\", id: \"8086:8c02\", class: \"010601\", "
    "group: 6 }\n"
    "block:\n"
    "  - { name: sda, controller: \"0000:00:1f.2\", partitions: [sda1, sda2, "
    "sda3] }\n"
    "  - { name: dm-0, dm_name: pve-root, slaves: [sda3] }\n"
    "mounts: [\"/dev/mapper/pve-root / ext4 rw,relatime 0 0\"]\n"
    "pve:\n"
    "  version: 8.2.4\n"
    "  running: [100]\n"
    "  vms:\n"
    "    100: \"name: win\\nvga: none\\n\"\n"
    "files:\n"
    "  /etc/default/grub: \"GRUB_DEFAULT=0\\n\"\n"
    "symlinks:\n"
    "  /etc/mtab: ../proc/self/mounts\n";

/* root + absolute path inside it; caller frees. */
static inline char *
jpath(const char *root, const char *path)
{
	return xasprintf("%s%s", root, path);
}

static inline struct host_spec *
load_ok(const char *text)
{
	struct host_spec *s = NULL;
	char *cause = NULL;
	int err = spec_load_buffer(text, strlen(text), "t.yaml", &s, &cause);

	if (err < 0)
		print_error("unexpected: %s\n", cause);
	assert_int_equal(err, 0);
	assert_null(cause);
	return s;
}

static inline unsigned char *
slurp(const char *root, const char *path, size_t *len)
{
	char *p = jpath(root, path);
	FILE *f = fopen(p, "rb");
	unsigned char *buf = xmalloc((1 << 16) + 1);

	assert_non_null(f);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	free(p);
	return buf;
}

#endif
