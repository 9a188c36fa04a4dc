/*
 * reboot_sim.h: the parts of tests/tools/reboot-sim, the simulated reboot of
 * a tree that `vfio-wizard replay` wrote (doc/reboot-sim.md).
 *
 * The tool probes the tree as it is (host_probe), decides what the kernel
 * would show after booting the configuration the tree holds (the kernel and
 * command line the bootloader gives, the IOMMU and its groups, the driver of
 * every PCI device, the modules loaded, /dev/vfio, GVT-g mdev types, SR-IOV
 * VFs), queues
 * every change to the tree, and only then applies them all. Each part fills
 * its share of struct rs; summary lines (one fact a line) and warnings are
 * collected and printed by main.
 *
 * Calls return 0 or -errno and set *cause (untranslated, lowercase, subject
 * quoted); nothing but main prints.
 */
#ifndef VW_REBOOT_SIM_H
#define VW_REBOOT_SIM_H

#include <sys/types.h>

#include "vfio-wizard/common.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/strbuf.h"

struct root;
struct kb;
struct cmdline;
struct kmod_ctx;

/* One queued change below the root. */
enum rs_op_kind { RS_MKDIR, RS_FILE, RS_LINK, RS_REMOVE };

struct rs_op {
	enum rs_op_kind kind;
	char *path; /* absolute inside the root */
	char *data; /* file bytes or the link's relative target */
	size_t len;
	mode_t mode;
};

/* What a device gets after the boot. */
struct rs_dev {
	const struct pci_device *pd; /* the probed device (old state) */
	char *sysdir;		     /* its real directory in the tree */
	char **cands;		     /* modules its modalias names ('_') */
	size_t n_cands;
	char *native;		  /* the module that would claim it, or NULL */
	bool native_builtin;	  /* built in, or unknown to the modules dir */
	char *native_drv;	  /* that module's driver name */
	bool blacklisted;	  /* every candidate is blacklisted */
	bool want_vfio;		  /* vfio-pci ids list it, or an override */
	char *vfio_why;		  /* "ids 8086:0412", "driver_override" */
	const char *override_mod; /* install command setting it (not owned) */
	char *driver;		  /* the driver after the boot, or NULL */
	char *module;		  /* the module of that driver, or NULL */
	char *why;		  /* how that came about, for the summary */
	int group;		  /* IOMMU group after the boot, -1 none */
	const char *unit;	  /* its IOMMU unit, or NULL */
	bool created;		  /* an SR-IOV VF this boot creates */
	int set_numvfs;		  /* a PF: the VFs it gets, -1 unchanged */
};

/* Boots that go wrong (--fault NAME, reboot_sim_fault.c). */
enum rs_fault {
	RS_FAULT_STALE_BOOTLOADER = 1 << 0, /* the old kernel and line boot */
	RS_FAULT_IOMMU_OFF = 1 << 1,	    /* VT-d/AMD-Vi off in firmware */
	RS_FAULT_STALE_INITRAMFS = 1 << 2,  /* native drivers load first */
};

struct rs {
	struct root *r;
	struct host *h;
	struct kb *kb;
	const char *dir; /* the root directory, for messages */
	unsigned faults; /* enum rs_fault bits */
	size_t n_early;	 /* changes made before the probe (firmware) */

	/* boot */
	char *boot_id;
	const struct installed_kernel *kernel; /* the one that boots */
	char *kconfig;			       /* its /boot/config-*, or NULL */
	char *cmdline;			       /* the new /proc/cmdline */
	struct cmdline *cl;		       /* ... parsed */

	/* IOMMU */
	const char *fw_table; /* "DMAR", "IVRS" or NULL after this boot */
	bool iommu_on;
	char *iommu_why;
	bool igfx_untranslated; /* the iGPU stays out of DMA remapping */
	char **units;
	size_t n_units;
	int pt;		  /* iommu=pt / iommu.passthrough: -1 unset */
	int strict;	  /* iommu.strict: -1 unset */
	bool kept_groups; /* the tree had groups: they are kept */
	char *group_type;

	/* devices and modules */
	struct rs_dev *devs; /* h->pci's order, then VFs this boot adds */
	size_t n_devs;
	struct pci_device *vfs; /* the VFs this boot adds (owned) */
	size_t n_vfs;
	struct kmod_ctx *kctx; /* the booted kernel, no configuration */
	char **blacklist;      /* effective after the boot, '_' names */
	size_t n_blacklist;
	char **loadlist; /* modules-load.d in order */
	size_t n_loadlist;
	char **loaded; /* modules loaded by the boot, oldest first */
	size_t n_loaded;
	char **overrides; /* "addr module": install-command overrides */
	size_t n_overrides;
	char **builtins; /* modules.builtin of the booted kernel */
	size_t n_builtins;
	bool vfio_present; /* vfio_pci exists in the booted kernel */
	bool vfio_builtin;
	bool vfio_loaded; /* ... and is loaded at boot */

	/* output */
	struct strbuf summary;
	struct strbuf warnings;
	struct rs_op *ops;
	size_t n_ops;
};

/* ---- reboot-sim.c ---- */
void rs_fact(struct rs *, const char *fmt, ...) VW_PRINTF(2, 3);
void rs_warn(struct rs *, const char *fmt, ...) VW_PRINTF(2, 3);
/* A module name with '-' turned into '_' (allocated). */
char *rs_modname(const char *);
bool rs_strv_has(char **, size_t, const char *);
void rs_strv_add(char ***, size_t *, const char *); /* once */

/* ---- reboot_sim_ops.c: the change queue ---- */
/* Queue a file unless it already holds exactly these bytes. */
void rs_file(
    struct rs *, const char *path, const void *data, size_t len, mode_t mode);
void rs_filef(struct rs *, const char *path, mode_t mode, const char *fmt, ...)
    VW_PRINTF(4, 5);
/* Queue a relative symlink at path to the absolute target (inside root). */
void rs_link(struct rs *, const char *path, const char *target);
void rs_mkdir(struct rs *, const char *path);
/* Queue the removal of path (a whole directory tree) when it exists. */
void rs_remove(struct rs *, const char *path);
/* Apply the queue in order; stops at the first failure. */
int rs_apply(struct rs *, char **cause);
void rs_ops_free(struct rs *);

/* ---- reboot_sim_fault.c: boots that go wrong ---- */
/* Add the fault named name to *faults; -EINVAL for an unknown name. */
int rs_fault_parse(const char *name, unsigned *faults);
const char *rs_fault_names(void);
/*
 * Without iommu-off: put back the firmware tables an earlier iommu-off
 * boot took away, at once (the probe must see them; not in a dry run).
 */
int rs_firmware_restore(struct rs *, bool dry_run, char **cause);
/* After the probe: the firmware's table for this boot (s->fw_table). */
void rs_firmware_fault(struct rs *);

/* ---- reboot_sim_boot.c: boot id, kernel, command line, IOMMU ---- */
int rs_boot(struct rs *, const char *boot_id, char **cause);
void rs_iommu_decide(struct rs *);
/* A CONFIG_ value of the booted kernel: 'y', 'm', 'n' (not set) or 0. */
char rs_kconfig(const struct rs *, const char *key);

/* ---- reboot_sim_groups.c: IOMMU units and groups in sysfs ---- */
void rs_groups(struct rs *);
void rs_groups_write(struct rs *);

/* ---- reboot_sim_kmod.c: the booted kernel's modules and config ---- */
enum rs_presence { RS_MISSING = 0, RS_MODULE, RS_BUILTIN };
/* Open the booted kernel's modules dir and read the configuration. */
int rs_kmod_open(struct rs *, char **cause);
void rs_kmod_close(struct rs *);
/* Whether name (module or alias) exists; *real gets the module's name. */
enum rs_presence rs_presence(struct rs *, const char *name, char **real);
/* The modules a modalias names in the booted kernel ('_' names). */
void rs_alias_modules(
    struct rs *, const char *modalias, char ***names, size_t *n);
/* All options of module after the boot (files, then the new cmdline). */
char *rs_module_options(struct rs *, const char *module);
bool rs_blacklisted(const struct rs *, const char *module);
/* True when module's softdep (from modprobe.d) has dep in its pre: list. */
bool rs_softdep_pre(const struct rs *, const char *module, const char *dep);
/* The module whose install command writes vfio-pci into addr's
 * driver_override, or NULL. */
const char *rs_override_module(const struct rs *, const char *addr);
/* Load the modules the boot loads (modules-load.d, the modalias lists,
 * softdeps, dependencies) into s->loaded, oldest first. */
void rs_boot_modules(struct rs *);
bool rs_is_loaded(const struct rs *, const char *module);
/* Load a device's modalias modules after rs_boot_modules(). */
void rs_load_candidates(struct rs *, const struct rs_dev *);

/* ---- reboot_sim_drivers.c: the driver of each device ---- */
int rs_drivers(struct rs *, char **cause);
/* The driver name a module registers ("xhci_pci" -> "xhci_hcd"). */
char *rs_driver_name(const char *module);
/* Decide one device's driver (its native one, then vfio-pci's claim). */
void rs_native_driver(struct rs *, struct rs_dev *);
void rs_decide(struct rs *, struct rs_dev *);

/* ---- reboot_sim_sriov.c: VFs that sysfs.conf asks for ---- */
void rs_sriov(struct rs *);
void rs_sriov_free(struct rs *);
/* Set NumVFs and VF Enable in a PF's SR-IOV capability (config space). */
void rs_sriov_config(char *cfg, size_t len, int numvfs);

/* ---- reboot_sim_modules.c: /proc/modules, /sys/module, drivers ---- */
void rs_modules(struct rs *);
void rs_sysfs_drivers(struct rs *);
void rs_dev_vfio(struct rs *);
void rs_gvt(struct rs *);

#endif
