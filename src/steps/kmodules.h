/*
 * kmodules.h: the internals of the modules and initramfs step
 * (step_modules.c), not a public interface.
 *
 * What the step wants (struct km_want: the load list, the vfio-pci IDs,
 * the functions bound by address, the drivers to order after vfio-pci, the
 * blacklists) is built from the selection. The configuration it edits
 * (struct km_config) is every modprobe.d file kmod reads and every module
 * list systemd-modules-load reads, in their readers' order, each parsed
 * with its codec. The conflicts pass fixes lines in other files (merging
 * what they said into ours), the conf pass writes our two files, and the
 * verify helpers ask libkmod what the root's configuration now says.
 */
#ifndef VW_KMODULES_H
#define VW_KMODULES_H

#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"

struct plan;
struct root;
struct modprobe_conf;
struct modlist;

#define KM_STEP "modules"
#define KM_MODPROBE_OURS "/etc/modprobe.d/vfio-wizard.conf"
#define KM_MODLOAD_OURS "/etc/modules-load.d/vfio-wizard.conf"

/* What the step wants from the configuration. */
struct km_want {
	char **load; /* modules the load list must hold */
	size_t n_load;
	char **ids; /* "8086:0412": options vfio-pci ids=, selection order */
	size_t n_ids;
	char **shared_ids; /* selected IDs a host device shares: never ids= */
	size_t n_shared_ids;
	char **addrs; /* functions bound by address (driver_override) */
	size_t n_addrs;
	char **softdeps; /* drivers that get softdep <d> pre: vfio-pci */
	size_t n_softdeps;
	char **blacklist; /* blacklists the user asked for */
	size_t n_blacklist;
	bool legacy; /* legacy IGD: never disable_vga=1 */
};

/* One file of the configuration, as its reader (kmod, systemd) sees it. */
struct km_file {
	char *path;   /* the path it is read under ("/etc/modules") */
	char *real;   /* the same, symlinks resolved inside the root */
	bool exists;  /* a regular file (else: absent, masked, dangling) */
	bool in_etc;  /* below /etc: the wizard may edit it */
	bool ours;    /* vfio-wizard's own file */
	bool changed; /* edited in this plan */
	char *orig;   /* the text read, NULL when it did not exist */
	size_t orig_len;
	struct modprobe_conf *mp; /* modprobe.d files */
	struct modlist *ml;	  /* module lists */
};

struct km_config {
	struct km_file *mp; /* modprobe.d files in kmod's order */
	size_t n_mp;
	struct km_file *ml; /* module lists in systemd's order */
	size_t n_ml;
};

/* ---- kmodules_conf.c ---- */
/*
 * Build what the step wants for a resolved selection (notes into p, which
 * may be NULL). Drivers built into the kernel get a note, not a softdep.
 */
int km_want_build(const struct host *, const struct root *,
    const struct selection *, struct km_want *, struct plan *p);
void km_want_free(struct km_want *);
/*
 * Read the configuration: through the plan (pending texts) when p is not
 * NULL, else straight from the root. Ours are always present in the
 * lists, as empty files when they do not exist yet.
 */
int km_config_load(
    struct plan *p, const struct root *, struct km_config *, char **cause);
void km_config_free(struct km_config *);
/* Our module list and our modprobe.d file in the configuration. */
struct km_file *km_ours(struct km_config *, bool modprobe);
/* Give our file its header comment when it does not exist yet. */
void km_start_ours(struct km_file *, bool modprobe);
/* True when some list other than ours (or ours too) loads the module. */
bool km_listed(const struct km_config *, const char *module, bool with_ours);
/* Add what the load list lacks to our list; -errno with *cause. */
int km_conf_modlist(
    const struct km_want *, struct km_config *, struct plan *, char **cause);
/* Write the softdeps and blacklists our modprobe.d file lacks. */
int km_conf_modprobe(const struct host *, const struct km_want *,
    struct km_config *, struct plan *, char **cause);
/* Hand every changed file's new text to the plan. */
int km_config_save(
    const struct km_config *, const struct root *, struct plan *, char **cause);

/* ---- kmodules_conflicts.c ---- */
/*
 * Fix what the existing configuration gets wrong: blacklists of drivers
 * the host needs or of vfio itself, a stale vfio_virqfd in a module list,
 * vfio-pci options and install lines that would fight ours (merged into
 * ours). A conflict in a file outside /etc fails with *cause.
 */
int km_conflicts_fix(const struct host *, const struct selection *,
    const struct km_want *, struct km_config *, struct plan *, char **cause);
/* A conflict at line of f, outside /etc: -EPERM and *cause says why. */
int km_outside_etc(
    const struct km_file *f, unsigned line, const char *what, char **cause);

/* ---- kmodules_merge.c ---- */
/*
 * One install line for vfio-pci, in ours, binding every address w binds
 * by driver_override, other lines of that shape merged into it.
 */
int km_fix_install(
    const struct km_want *, struct km_config *, struct plan *, char **cause);
/*
 * The softdep of driver that kmod uses, over every file in kmod's order,
 * or NULL; *file gets its file.
 */
const struct modprobe_line *km_softdep_effective(
    const struct km_config *, const char *driver, const struct km_file **file);
/*
 * Make our softdep of driver load vfio-pci first, merging the softdep kmod
 * used so far and removing the ones that would be read before ours.
 */
int km_softdep_merge(
    struct km_config *, const char *driver, struct plan *, char **cause);
/*
 * True when a blacklist of module (with the blacklists of mc) would leave
 * a device staying on the host without its driver; *other names it.
 */
bool km_host_needs(const struct host *, const struct selection *,
    const struct host_modconf *mc, const char *module, const char **other);
/* True when a modprobe.d file kmod reads blacklists the module. */
bool km_blacklisted(const struct km_config *, const char *module);

/* ---- kmodules_verify.c ---- */
/* Whether a module is one, built in or missing in a kernel below the root. */
enum kmod_presence km_presence(
    const struct root *, const char *release, const char *module);
/* The first install command libkmod has for module below the root. */
char *km_install_command(
    const struct root *, const char *release, const char *module);
/*
 * Check with libkmod that the root's configuration says what w wants and
 * that every module of the load list resolves; one translated line why not
 * into msg (returns false then).
 */
bool km_verify_config(const struct host *, const struct root *,
    const struct selection *, const struct km_want *, struct strbuf *msg);
/*
 * After the reboot: the functions are on vfio-pci in viable groups with
 * their /dev/vfio nodes, kvmgt and the mdev types (GVT-g); each failure
 * with its likely cause and next action into msg.
 */
bool km_verify_running(const struct host *, const struct root *,
    const struct choices *, const struct selection *, const struct km_want *,
    struct strbuf *msg);

/* The value list of the last "key=" among space-separated params. */
char *km_param_last(const char *params, const char *key, size_t *count);
/* True when the comma list holds item. */
bool km_list_has(const char *list, const char *item);

#endif
