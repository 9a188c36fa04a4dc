/*
 * spec_priv.h: the parsed host spec and the helpers shared by the loader
 * (spec_yaml.c, spec_load*.c, spec_check*.c) and the generator
 * (spec_tree.c, spec_write.c, spec_sysfs.c, spec_pciconf.c, acpi_tables.c,
 * spec_efi.c, spec_modules.c, kmod_index.c, spec_commands.c). Not part of
 * the public API (spec.h).
 */
#ifndef VW_SPEC_PRIV_H
#define VW_SPEC_PRIV_H

#include <sys/types.h>

#include "vfio-wizard/common.h"
#include "vfio-wizard/spec.h"
#include "vfio-wizard/strbuf.h"

/* Where a YAML node starts, 1-based, for messages after parsing. */
struct spec_mark {
	unsigned line, col;
};

struct spec_kv {
	char *key;
	char *value;
	bool quoted; /* written as a YAML quoted scalar */
	struct spec_mark mark;
};

struct spec_cpu {
	char *vendor, *model_name, *flags, *bugs;
	char *microcode, *mhz, *cache_size, *address_sizes;
	int family, model, stepping;
	int threads, cores;
};

struct spec_efi_entry {
	char id[5]; /* "0001", upper case */
	char *label;
	char *path;	/* '\EFI\...' or NULL */
	char *partuuid; /* or NULL: derived */
	struct spec_mark mark;
};

struct spec_firmware {
	bool uefi;
	bool secure_boot;
	bool has_secure_boot;
	char boot_current[5]; /* "" when none */
	struct spec_efi_entry *entries;
	size_t n_entries;
	char **acpi_tables;
	size_t n_acpi_tables;
	struct spec_mark *acpi_marks;
	bool has_dmar, has_ivrs; /* the dmar:/ivrs: blocks were given */
	struct spec_mark dmar_mark, ivrs_mark;
	int dmar_haw; /* host address width, bits */
	bool dmar_intremap, dmar_x2apic_opt_out;
	int dmar_units;
	int ivrs_units;
};

enum spec_mod_kind { MOD_MODULE, MOD_BUILTIN };

struct spec_module {
	char *name; /* normalised: '-' -> '_' */
	enum spec_mod_kind kind;
	char *path; /* "kernel/drivers/vfio/vfio.ko" */
	struct spec_mark mark;
};

struct spec_kernel_inst {
	char *release;
	struct spec_kv *config;
	size_t n_config;
	struct spec_module *modules;
	size_t n_modules;
	char **aliases; /* "pattern module" */
	size_t n_aliases;
	struct spec_mark *alias_marks;
	struct spec_mark mark;
};

struct spec_kernel {
	char *release;
	char *cmdline;
	char *boot_id; /* NULL: derived from the name */
	char **loaded;
	size_t n_loaded;
	struct spec_mark *loaded_marks;
	struct spec_kernel_inst *installed;
	size_t n_installed;
};

struct spec_iommu {
	bool active;
	char **units;
	size_t n_units;
	struct spec_mark *unit_marks;
	char *group_type;
};

struct spec_pci {
	char addr[13]; /* "0000:00:02.0" */
	unsigned dom, bus, dev, fn;
	uint16_t vendor, device;
	uint16_t sub_vendor, sub_device;
	uint32_t class_code;
	uint8_t rev;
	int irq;
	char *driver;
	int group;    /* -1: none */
	int boot_vga; /* -1 absent, 0, 1 */
	char *parent; /* as given, or NULL */
	char *physfn;
	bool flr;
	char *reset_method;
	int multifunction; /* -1: derived from the other functions */
	int pcie;	   /* -1: derived */
	bool has_sriov;
	unsigned sriov_total, sriov_num;
	unsigned sriov_offset, sriov_stride; /* 0: derived */
	int sriov_vf_device;		     /* -1: derived */
	char *name;
	char *netdev; /* its network interface ("eno1") or NULL */
	struct spec_mark mark;
	/* resolved by spec_check() */
	long parent_idx; /* -1 on a root bus */
	long physfn_idx;
	bool is_pcie;
	bool is_mf;
	unsigned secondary, subordinate; /* bridges */
	char *sysdir; /* "/sys/devices/pci0000:00/.../0000:01:00.0" */
};

struct spec_block {
	char *name;
	char *controller;
	char **partitions;
	size_t n_partitions;
	char *dm_name;
	char **slaves;
	size_t n_slaves;
	struct spec_mark mark;
	/* resolved by spec_check() */
	long ctrl_idx;
	unsigned major, minor;
	unsigned *part_num, *part_minor; /* per partition */
	char *sysdir;			 /* the disk's real sysfs directory */
};

/* A virtual network interface (net:): a bridge, bond or VLAN. */
enum spec_net_kind { NETK_BRIDGE, NETK_BOND, NETK_VLAN };

struct spec_net {
	char *name; /* "vmbr0" */
	enum spec_net_kind kind;
	char **lower; /* its ports, slaves or raw device */
	size_t n_lower;
	struct spec_mark mark;
};

/* A ZFS pool (zpools:): the disks or partitions that hold it. */
struct spec_zpool {
	char *name;
	char **members;
	size_t n_members;
	struct spec_mark mark;
};

struct spec_vm {
	unsigned long id;
	char *conf;
	struct spec_mark mark;
};

/* A fake command (commands:): /usr/sbin/<name> in the tree. */
struct spec_command {
	char *name;
	int exit_status;
	char *output; /* NULL: prints nothing */
	bool hang;    /* stops until killed instead of exiting */
	struct spec_mark mark;
};

struct spec_pve {
	char *version;
	unsigned long *running;
	size_t n_running;
	struct spec_mark *running_marks;
	struct spec_vm *vms;
	size_t n_vms;
	struct spec_mark mark;
};

/* The top-level keys, in the loader's order; marks are the keys'. */
enum spec_top {
	TOP_SPEC,
	TOP_NAME,
	TOP_DESCRIPTION,
	TOP_SOURCE,
	TOP_HOSTNAME,
	TOP_CPU,
	TOP_FIRMWARE,
	TOP_KERNEL,
	TOP_IOMMU,
	TOP_PCI,
	TOP_BLOCK,
	TOP_MOUNTS,
	TOP_PVE,
	TOP_FILES,
	TOP_SYMLINKS,
	TOP_COMMANDS,
	TOP_NET,
	TOP_ZPOOLS,
	TOP_PACKAGES,
	TOP_DIRS,
	TOP__COUNT
};

struct host_spec {
	char *origin;
	struct spec_mark top[TOP__COUNT];
	char *name, *description, *source, *hostname;
	struct spec_cpu cpu;
	bool has_cpu;
	struct spec_firmware fw;
	struct spec_kernel kernel;
	bool has_kernel;
	struct spec_iommu iommu;
	struct spec_pci *pci;
	size_t n_pci;
	size_t *pci_order; /* indexes sorted by address (spec_check) */
	struct spec_block *block;
	size_t n_block;
	char **mounts;
	size_t n_mounts;
	struct spec_mark *mount_marks;
	bool has_mounts;
	struct spec_pve pve;
	bool has_pve;
	struct spec_kv *files;
	size_t n_files;
	struct spec_kv *symlinks;
	size_t n_symlinks;
	struct spec_command *commands;
	size_t n_commands;
	struct spec_net *net;
	size_t n_net;
	struct spec_zpool *zpools;
	size_t n_zpools;
	struct spec_kv *packages; /* dpkg status entries: name, version */
	size_t n_packages;
	char **dirs; /* empty directories, such as /etc/sysfs.d */
	size_t n_dirs;
	struct spec_mark *dir_marks;
};

/* ---- spec_check.c: semantic validation after parsing ---- */
int spec_check(struct host_spec *, char **cause);
/* PCI devices (spec_check_pci.c). */
int spec_check_pci(struct host_spec *, char **cause);
/* Disks, mounts, Proxmox VE, files and symlinks (spec_check_misc.c). */
int spec_check_misc(struct host_spec *, char **cause);
/* An error at a mark: "<origin>:<line>:<col>: <message>"; returns -EINVAL. */
int spec_error(const struct host_spec *, const struct spec_mark *, char **cause,
    const char *fmt, ...) VW_PRINTF(4, 5);
/* Parse "DDDD:BB:DD.F" strictly. */
bool spec_parse_addr(
    const char *, unsigned *dom, unsigned *bus, unsigned *dev, unsigned *fn);
long spec_find_pci(const struct host_spec *, const char *addr);
long spec_find_block(const struct host_spec *, const char *name);

/* ---- spec_tree.c: the tree in memory, then on disk ---- */
enum tree_kind { TREE_DIR, TREE_FILE, TREE_LINK };

struct tree_entry {
	char *path; /* relative to the tree: "sys/devices/..." */
	enum tree_kind kind;
	char *data; /* file bytes or link target */
	size_t len;
	mode_t mode;
};

struct tree {
	struct tree_entry *e;
	size_t n, cap;
	size_t *slots; /* hash: index + 1, 0 empty */
	size_t n_slots;
	char *cause; /* first conflict */
};

void tree_init(struct tree *);
void tree_release(struct tree *);
/*
 * Add an entry; path is absolute inside the tree. Parents become
 * directories. A second entry at one path, or an entry below a file or a
 * link, is a conflict: -EEXIST, and the first such message is kept in
 * t->cause. The data is copied.
 */
int tree_file(
    struct tree *, const char *path, const void *data, size_t len, mode_t mode);
int tree_filef(struct tree *, const char *path, const char *fmt, ...)
    VW_PRINTF(3, 4);
int tree_dir(struct tree *, const char *path);
/* A symlink at path whose relative target is computed to reach target. */
int tree_rel_link(struct tree *, const char *path, const char *target);
/* A symlink with a verbatim target. */
int tree_link(struct tree *, const char *path, const char *target);
bool tree_has(const struct tree *, const char *path);
/* Write the tree below dirfd (an empty directory); undoes itself on error. */
int tree_write(struct tree *, int dirfd, char **cause);
/* "../../x/y": the relative link from the link at `from` to `to`. */
char *rel_target(const char *from, const char *to);

/* ---- the generator, one part a file ---- */
/* Build the whole tree in memory (used to validate, and to replay). */
int spec_build(const struct host_spec *, struct tree *, char **cause);
void gen_proc(const struct host_spec *, struct tree *);
void gen_etc(const struct host_spec *, struct tree *);
void gen_pci(const struct host_spec *, struct tree *);
void gen_iommu(const struct host_spec *, struct tree *);
void gen_block(const struct host_spec *, struct tree *);
void gen_acpi(const struct host_spec *, struct tree *);
void gen_efi(const struct host_spec *, struct tree *);
void gen_modules(const struct host_spec *, struct tree *);
/*
 * Network interfaces and ZFS pools (spec_net.c): the checks after
 * spec_check_misc(), /sys/class/net with the PCI devices' interfaces and
 * the virtual ones (called by gen_pci), udev's database entries of the
 * pools' members (called by gen_block), and freeing what they hold.
 */
int spec_check_net(struct host_spec *, char **cause);
void gen_net(const struct host_spec *, struct tree *);
void gen_zpools(const struct host_spec *, struct tree *);
void free_net(struct host_spec *);
/* The fake commands in /usr/sbin (spec_commands.c). */
void gen_commands(const struct host_spec *, struct tree *);
void free_commands(struct host_spec *);
/* The 256- or 4096-byte config space of one device. */
void pci_config_space(
    const struct host_spec *, size_t idx, uint8_t *buf, size_t *len);

/* The module of a PCI driver ("xhci_hcd" -> "xhci_pci"); NULL for the
 * always built-in "pcieport"; caller frees. */
char *driver_module(const char *driver);
/* The file of a known module, relative to /lib/modules/<release>. */
char *module_default_path(const char *name);
/* The modules a known module needs (NULL-ended, possibly empty). */
const char *const *module_known_deps(const char *name);
/* A plausible, deterministic module size for /proc/modules. */
unsigned module_size(const char *name);

/* ---- kmod_index.c: libkmod's binary trie (modules.*.bin) ---- */
struct kidx;
struct kidx *kidx_new(void);
void kidx_free(struct kidx *);
void kidx_add(
    struct kidx *, const char *key, const char *value, unsigned priority);
/* The index file image, as depmod writes it. */
void kidx_write(const struct kidx *, struct strbuf *);

/* ---- small helpers (spec_tree.c) ---- */
/* 64-bit FNV-1a, for deterministic ids derived from names. */
uint64_t spec_hash(const char *s, uint64_t seed);
/* A UUID string derived from a seed text. */
void spec_uuid(const char *seed, char out[37]);
void put_le16(uint8_t *, uint16_t);
void put_le32(uint8_t *, uint32_t);
void put_le64(uint8_t *, uint64_t);

/*
 * The module parameters a replayed /sys/module/<name>/parameters shows,
 * with their defaults (NULL-terminated; spec_modules.c). reboot-sim shows
 * the same ones after its boot.
 */
struct spec_module_param {
	const char *module, *param, *value;
};
extern const struct spec_module_param spec_module_params[];

#endif
