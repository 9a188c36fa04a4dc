/*
 * vmconf.h: the VM config step's internals (step_vm.c, vmconf_*.c), not a
 * public module interface.
 *
 * The step works in three stages: vmconf_pick.c finds the chosen VM and
 * the details the mode needs from the host (the GVT-g type, the SR-IOV VF,
 * the option ROM); vmconf_entries.c turns the selection into the hostpciN
 * entries and keys the mode needs, refusing what Proxmox would refuse at
 * `qm start` (qemu-server PVE/QemuServer/PCI.pm parse_hostpci_devices);
 * vmconf_edit.c puts them into the parsed config, reusing an entry that
 * already holds the device so that planning again after an apply changes
 * nothing.
 */
#ifndef VW_VMCONF_H
#define VW_VMCONF_H

#include "vfio-wizard/common.h"

struct choices;
struct host;
struct plan;
struct pve_conf;
struct pve_vm;
struct root;
struct selection;
struct selected_fn;

#define VM_MAX_HOSTPCI 16 /* qemu-server $MAX_HOSTPCI_DEVICES */
#define VM_STEP_ID "vm"

/* One hostpciN entry the mode needs. */
struct vm_entry {
	char **addrs; /* the functions it passes, addrs[0] the primary */
	size_t n_addrs;
	char *host;		     /* the host id list to write */
	int legacy_igd, pcie, x_vga; /* 1, or -1 when not wanted */
	char *mdev;		     /* GVT-g type, or NULL */
	bool mdev_chosen;	     /* the type came from "mdev=" */
	char *romfile;		     /* in /usr/share/kvm, or NULL */
};

/* Everything the VM config must hold for the selection. */
struct vm_want {
	int vmid;
	bool q35; /* the VM's machine is a q35 one */
	struct vm_entry *entries;
	size_t n_entries;
	bool vga_none; /* legacy IGD: `vga: none` */
	bool no_pcie;  /* legacy IGD (i440fx): no pcie=1 on any entry */
};

/* vmconf_pick.c */

/* The VM of a "vm=" choice; -EINVAL or -ENOENT with a translated cause. */
int vmconf_find_vm(const struct host *, const char *id,
    const struct pve_vm **out, char **cause);
/* True when a `machine:` value selects a q35 machine (as qemu-server). */
bool vmconf_machine_q35(const char *machine);
/* True when a `vga:` value's type is none. */
bool vmconf_vga_none(const char *vga);
/* True when a hostpciN value (or NULL) passes address. */
bool vmconf_value_covers(const char *value, const char *address);
/* A note on how to choose a VM (--vm ID) or create one for the mode. */
void vmconf_note_choose(
    const struct host *, const struct selection *, struct plan *);
/* The GVT-g type: "mdev=", else the first one the host offers. */
int vmconf_mdev_type(const struct root *, const struct selected_fn *igpu,
    const struct choices *, char **type, bool *chosen, char **cause);
/* The "romfile=" choice checked against the root's /usr/share/kvm. */
int vmconf_romfile(
    const struct root *, const struct choices *, char **file, char **cause);
/* The SR-IOV VF for this VM: one it has, else the first no VM uses. */
char *vmconf_vf_address(const struct host *, const struct pve_conf *, int vmid,
    const struct selection *);
/* Notes for wanted functions that other VMs' hostpci entries hold too. */
void vmconf_note_shared(
    const struct host *, const struct vm_want *, struct plan *);

/* vmconf_entries.c */

/*
 * The entries and keys the selection needs in this VM's config, or -EINVAL
 * with a translated cause when Proxmox (or QEMU) would refuse the result.
 */
int vmconf_want(const struct host *, const struct root *,
    const struct selection *, const struct choices *, const struct pve_conf *,
    int vmid, struct vm_want *, char **cause);
void vmconf_want_free(struct vm_want *);

/* vmconf_edit.c */

/*
 * Put what is wanted into the config's main section. Notes on what was
 * changed besides new entries go to the plan (NULL: none). -ENOSPC when
 * no hostpciN is free, -EINVAL when the config holds a conflict.
 */
int vmconf_edit(
    struct pve_conf *, const struct vm_want *, struct plan *, char **cause);

#endif
