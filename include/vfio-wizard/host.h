/*
 * host.h: the read-only snapshot of a machine that every step reasons about.
 *
 * host_probe() builds one struct host from a root handle: the CPU, the
 * firmware, the IOMMU and its groups, every PCI device (libpci), the kernel
 * and its modules (libkmod), the bootloader, the storage the host needs, and
 * Proxmox VE with its VMs. Nothing in it changes after probing; probes record
 * what they could not read as problems rather than failing the whole snapshot,
 * so `check` can still say what it knows.
 *
 * Tri-state values use TRI_UNKNOWN where the machine does not tell.
 */
#ifndef VW_HOST_H
#define VW_HOST_H

#include "vfio-wizard/common.h"
#include "vfio-wizard/pci_addr.h"

struct root;
struct kb;
struct kmod_ctx;

enum tri { TRI_UNKNOWN = -1, TRI_NO = 0, TRI_YES = 1 };

/* ---- CPU (/proc/cpuinfo + knowledge base) ---- */
struct host_cpu {
	char *vendor;	  /* "GenuineIntel", "AuthenticAMD" */
	char *model_name; /* "Intel(R) Core(TM) i7-4770 CPU @ 3.40GHz" */
	int family, model, stepping; /* -1 when absent */
	int threads;		     /* processor entries */
	bool vmx;		     /* VT-x */
	bool svm;		     /* AMD-V */
	bool hypervisor;	     /* running as a guest itself */
	enum tri sku_vtd; /* the SKU's VT-d/AMD-Vi per the knowledge base */
	char *sku_note;	  /* why, with its source */
};

/* ---- Firmware (/sys/firmware) ---- */
struct host_firmware {
	bool uefi;		 /* /sys/firmware/efi exists */
	enum tri secure_boot;	 /* SecureBoot efivar */
	const char *iommu_table; /* "DMAR", "IVRS" or NULL */
	bool table_readable;	 /* could read the table's bytes */
	enum tri intremap; /* DMAR flags bit 0 (INTR_REMAP); IVRS: see probe */
	enum tri x2apic_opt_out; /* DMAR flags bit 1 */
	int iommu_units;	 /* DRHD or IVHD entries in the table */
	char *efi_boot_current;	 /* "0001" or NULL */
	char *efi_boot_path;	 /* loader path of BootCurrent, or NULL */
	char *efi_boot_label;
};

/* ---- IOMMU (/sys/class/iommu, /sys/kernel/iommu_groups) ---- */
struct iommu_group {
	int id;
	char *type;	 /* "DMA", "DMA-FQ", "identity", ... or NULL */
	size_t *devices; /* indexes into host->pci */
	size_t n_devices;
};

struct host_iommu {
	bool active;  /* /sys/class/iommu has entries */
	char **units; /* "dmar0", "ivhd0" */
	size_t n_units;
	struct iommu_group *groups; /* sorted by id */
	size_t n_groups;
	/* /dev/vfio: the container node and one node per viable group */
	bool dev_vfio;	 /* /dev/vfio/vfio exists */
	int *vfio_nodes; /* the groups with a /dev/vfio/<N>, sorted */
	size_t n_vfio_nodes;
};

/* ---- PCI (libpci over <root>/sys/bus/pci) ---- */
struct pci_device {
	char address[PCI_ADDR_LEN]; /* "0000:00:02.0" */
	unsigned domain, bus, dev, func;
	uint16_t vendor_id, device_id;
	uint16_t subsys_vendor_id, subsys_device_id; /* 0 when none */
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	char *vendor_name; /* from pci.ids; never NULL after probing */
	char *device_name;
	char *subsys_name; /* or NULL */
	char *class_name;
	char *driver;	 /* bound driver, NULL when none */
	char *modalias;	 /* or NULL */
	int iommu_group; /* -1 when none */
	enum tri boot_vga;
	char *reset_method; /* sysfs reset_method, "flr bus", or NULL */
	bool has_flr;	    /* PCIe DevCap FLR or AF FLR */
	bool sriov_capable; /* SR-IOV extended capability */
	int sriov_totalvfs, sriov_numvfs; /* -1 when not SR-IOV */
	char *physfn;	    /* the PF's address for a VF, else NULL */
	char *parent;	    /* upstream bridge address, NULL on a root bus */
	bool multifunction; /* header type bit 7 */
};

#define PCI_CLASS_BASE(c) (((c) >> 16) & 0xff)
#define PCI_CLASS_SUB(c) (((c) >> 8) & 0xff)
bool pci_is_gpu(const struct pci_device *); /* class 03xx */
bool pci_is_bridge(
    const struct pci_device *); /* class 0604/0600 host bridges too */
bool pci_is_audio(const struct pci_device *); /* class 0403 */
/* Two VFs of one PF with one ID and one driver (listed as one run). */
bool pci_same_vf_run(const struct pci_device *, const struct pci_device *);

/* ---- Kernel and modules (/proc, /boot, /lib/modules via libkmod) ---- */
enum kmod_presence { KMOD_MISSING = 0, KMOD_MODULE, KMOD_BUILTIN };

/* The modules vfio passthrough needs, per installed kernel. */
enum vfio_module {
	VM_VFIO,
	VM_VFIO_IOMMU_TYPE1,
	VM_VFIO_PCI,
	VM_VFIO_VIRQFD,
	VM_KVMGT,
	VM__COUNT
};
extern const char *const vfio_module_names[VM__COUNT];

struct installed_kernel {
	char *release;			 /* "6.5.13-6-pve" */
	bool has_modules_dir;		 /* /lib/modules/<release> exists */
	bool has_config;		 /* /boot/config-<release> read */
	enum tri intel_iommu_default_on; /* CONFIG_INTEL_IOMMU_DEFAULT_ON */
	enum tri
	    intel_iommu_intgpu_off; /* Debian's ..._DEFAULT_ON_INTGPU_OFF */
	enum tri vfio_pci_vga;	    /* CONFIG_VFIO_PCI_VGA */
	enum kmod_presence modules[VM__COUNT];
};

/* One entry of the effective modprobe configuration. */
struct modconf_entry {
	char *module;	   /* normalised: '-' -> '_' */
	char *value;	   /* options text, or softdep "pre: a b post: c" */
	bool from_cmdline; /* from <root>/proc/cmdline, not a file */
};

struct host_modconf {
	struct modconf_entry *options;
	size_t n_options;
	struct modconf_entry *blacklist; /* value NULL */
	size_t n_blacklist;
	struct modconf_entry *softdeps;
	size_t n_softdeps;
};

struct host_kernel {
	char *release; /* running, from /proc/sys/kernel/osrelease */
	char *cmdline; /* /proc/cmdline, stripped */
	char *boot_id; /* /proc/sys/kernel/random/boot_id */
	struct installed_kernel *installed; /* sorted by version, newest last */
	size_t n_installed;
	char **loaded; /* /proc/modules names */
	size_t n_loaded;
	struct host_modconf modconf;
};

/* ---- Bootloader ---- */
enum bootloader { BOOT_UNKNOWN = 0, BOOT_GRUB, BOOT_SYSTEMD_BOOT };

struct host_boot {
	enum bootloader loader;
	bool proxmox_boot_tool; /* /etc/kernel/proxmox-boot-uuids lists ESPs */
	char **esp_uuids;
	size_t n_esp_uuids;
	const char
	    *cmdline_file; /* "/etc/default/grub", "/etc/kernel/cmdline" */
	char *cmdline;	   /* the configured command line (GRUB: effective
			      CMDLINE_LINUX + _DEFAULT after grub.d) */
	char *evidence;	   /* how the loader was determined */
	char *root_fs;	   /* "zfs", "ext4", ... of "/" */
	char *root_source; /* "rpool/ROOT/pve-1", "/dev/mapper/pve-root" */
};

/* ---- Storage the host needs (root filesystem, Proxmox storages) ---- */
/* One PCI controller behind a Proxmox storage in use, and what it serves. */
struct storage_controller {
	char *address; /* PCI address of the controller */
	char *storage; /* storage id in /etc/pve/storage.cfg: "tank" */
	char *type;    /* its type: "dir", "lvmthin", "zfspool", ... */
	char *what;    /* what was followed: "/mnt/data", "pool 'tank'" */
	char *disk;    /* the disk on that controller: "sdb" */
};

struct host_storage {
	char **root_controllers; /* PCI addresses behind "/" */
	size_t n_root_controllers;
	char **root_disks; /* "sda", "nvme0n1" */
	size_t n_root_disks;
	/* controllers of the enabled, local-disk Proxmox storages that are
	   mounted or active (dir, btrfs, lvm, lvmthin, zfspool) */
	struct storage_controller *storage_controllers;
	size_t n_storage_controllers;
	/* storages the host needs whose disks could not be followed ("root
	   on zfs pool 'rpool'", "storage 'data' (lvm vg 'data')"): the guard
	   then fails closed and keeps every mass storage controller */
	char **unknown;
	size_t n_unknown;
};

/* ---- Network the host needs (/etc/network/interfaces, /sys/class/net) ---- */
/* A network interface backed by a device: /sys/class/net/<name>/device. */
struct host_netdev {
	char *name;    /* "eno1" */
	char *address; /* the PCI device behind it (for a USB NIC: the USB
			  controller it hangs off) */
};

/* A physical NIC below the management interface or a bridge. */
struct host_nic {
	char *address; /* PCI address, as in host_netdev */
	char *iface;   /* its interface: "eno1" */
	char *top;     /* the bridge or interface it serves: "vmbr0" */
	char *via;     /* the chain down to it: "vmbr0 via bond0 via eno1" */
	bool mgmt;     /* below a management interface */
};

struct host_network {
	/* the interfaces the host is reached on: the one with the default
	   gateway (a "gateway" line, dhcp, or the default route in
	   /proc/net/route) and the one with the node's address from
	   /etc/hosts; usually just "vmbr0" */
	char **mgmt_ifaces;
	size_t n_mgmt_ifaces;
	char *mgmt_evidence;   /* why, with the file and line */
	struct host_nic *nics; /* NICs below the management interfaces and
				  below every bridge, each once per top */
	size_t n_nics;
	struct host_netdev *netdevs; /* every interface with a device */
	size_t n_netdevs;
	/* the configuration was odd or missing, or no management interface
	   was found: the guard fails closed over every bridge port */
	bool uncertain;
	/* a management interface leads to a NIC that is not in
	   /sys/class/net: the guard keeps every network controller that has
	   no interface (it may be that one) */
	bool unresolved;
};

/* ---- Proxmox VE ---- */
struct pve_vm {
	int vmid;
	char *name, *machine, *bios, *vga, *lock; /* NULL when unset */
	bool running;
	char *hostpci[16]; /* hostpci0..15 values, NULL when unset */
	char *path;	   /* "/etc/pve/qemu-server/100.conf" */
};

struct host_pve {
	bool present;	    /* pve-manager installed */
	char *version;	    /* pve-manager version, or NULL */
	char *node;	    /* node name (hostname) */
	struct pve_vm *vms; /* sorted by vmid */
	size_t n_vms;
};

/* A fact a probe could not establish; shown by `check` as evidence. */
struct probe_problem {
	char *what;    /* "pci", "kmod", ... */
	char *message; /* untranslated detail with the path */
};

struct host {
	struct host_cpu cpu;
	struct host_firmware firmware;
	struct host_iommu iommu;
	struct pci_device *pci; /* sorted by address */
	size_t n_pci;
	struct host_kernel kernel;
	struct host_boot boot;
	struct host_storage storage;
	struct host_network network;
	struct host_pve pve;
	char *hostname;
	struct probe_problem *problems;
	size_t n_problems;
};

/*
 * Probe the machine behind the root handle. Fails only when the root itself
 * is unusable (returns -errno and sets *cause); partial knowledge is recorded
 * in host->problems.
 */
int host_probe(
    const struct root *, const struct kb *, struct host **out, char **cause);
void host_free(struct host *);

const struct pci_device *host_pci_find(
    const struct host *, const char *address);
const struct iommu_group *host_group_find(const struct host *, int id);
/* True when /dev/vfio/<group> exists (the group is viable for vfio). */
bool host_vfio_node(const struct host *, int group);
const struct installed_kernel *host_kernel_running(const struct host *);
void host_problem(struct host *, const char *what, const char *fmt, ...)
    VW_PRINTF(3, 4);

/*
 * The effective modprobe configuration of the modprobe.d directories below
 * the root, read with libkmod (modules of release), without the entries
 * libkmod merges in from the live /proc/cmdline: what probe_kmods() puts in
 * kernel.modconf before the root's own command line is added. For a
 * re-read after the files changed (verify). -ENOMEM when libkmod cannot
 * be set up; free with host_modconf_free().
 */
/*
 * A libkmod context for /lib/modules/<release> below the root, with the
 * root's modprobe.d directories (with_config) or no configuration at all
 * (what is installed, untouched by aliases and install commands), its log
 * kept off stderr; NULL when libkmod cannot be set up. kmod_unref() it.
 */
struct kmod_ctx *kmods_ctx(
    const struct root *, const char *release, bool with_config);
int kmods_read_modconf(
    const struct root *, const char *release, struct host_modconf *);
void host_modconf_free(struct host_modconf *);

/*
 * Whether the text of /var/lib/dpkg/status lists pkg as "install ok
 * installed"; *version (when true) gets its Version, caller frees (NULL
 * when the entry has none).
 */
bool dpkg_installed(
    const char *text, size_t len, const char *pkg, char **version);

/* Individual probes, each filling its part of the snapshot. */
void probe_cpu(struct host *, const struct root *, const struct kb *);
void probe_firmware(struct host *, const struct root *);
void probe_pci(struct host *, const struct root *);
void probe_iommu(struct host *, const struct root *); /* after probe_pci */
/*
 * probe_iommu in two halves: the groups' directories read on threads from
 * iommu_groups_start (before probe_pci, so both run at once), the groups
 * made host groups by probe_iommu_groups after probe_pci (it frees gs).
 */
struct iommu_groups_scan;
struct iommu_groups_scan *iommu_groups_start(const struct root *);
void probe_iommu_groups(
    struct host *, const struct root *, struct iommu_groups_scan *gs);
void probe_kernel(struct host *, const struct root *);
void probe_kmods(struct host *, const struct root *); /* after probe_kernel */
void probe_boot(
    struct host *, const struct root *); /* after firmware, kernel */
void probe_storage(struct host *, const struct root *); /* after probe_pci */
void probe_pve(struct host *, const struct root *);
/* The management network and the NICs below bridges (after hostname). */
void probe_net(struct host *, const struct root *);

/*
 * Why the host needs a PCI device, for the critical-device guard: the
 * controller of the root filesystem or of a Proxmox storage in use, the
 * management NIC, or, failing closed where the probes could not tell, a
 * possible one of them. NEED_NONE when the host can give it away.
 */
enum host_need_kind {
	NEED_NONE = 0,
	NEED_ROOT_DISK,	      /* a controller of "/" */
	NEED_STORAGE,	      /* a controller of a Proxmox storage */
	NEED_STORAGE_UNKNOWN, /* a storage controller while some storage's
				 disks are unknown */
	NEED_MGMT_NIC,	      /* a NIC below a management interface */
	NEED_NIC_UNKNOWN,     /* a NIC without an interface while a
				 management NIC is not in /sys/class/net */
	NEED_BRIDGE_PORT,     /* a bridge port while the management
				 interface is uncertain */
};

struct host_need {
	enum host_need_kind kind;
	/* into the snapshot, valid while it lives; NULL when not relevant */
	const struct storage_controller *storage; /* NEED_STORAGE */
	const struct host_nic *nic; /* NEED_MGMT_NIC, NEED_BRIDGE_PORT */
	const char *unknown;	    /* NEED_STORAGE_UNKNOWN: which storage */
};

/* The strongest reason the host needs this device; false when none. */
bool host_device_needed(
    const struct host *, const struct pci_device *, struct host_need *);
/* A non-management bridge the device is a port of, or NULL. */
const struct host_nic *host_bridge_port(
    const struct host *, const struct pci_device *);

#endif
