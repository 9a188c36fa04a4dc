/*
 * kcmdline.h: the internals of the kernel command line step (step_cmdline.c
 * and kcmdline_*.c); not a public module interface.
 *
 * kcmdline_params.c decides which parameters the host and the selection
 * need, which tokens of an existing command line conflict with them, and
 * checks every token against a strict character set before it is written
 * (the GRUB files are sourced by a root shell). kcmdline_gsrc.c evaluates
 * the GRUB defaults files while remembering which byte of which file each
 * character of the command line came from, so a conflict can be removed at
 * its source. kcmdline_grub.c plans GRUB (the drop-in, or an in-place edit
 * where a drop-in would not take effect), kcmdline_sdboot.c plans
 * /etc/kernel/cmdline, and kcmdline_verify.c recomputes what the
 * bootloader will use.
 */
#ifndef VW_KCMDLINE_H
#define VW_KCMDLINE_H

#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/common.h"
#include "vfio-wizard/strbuf.h"

struct host;
struct plan;
struct root;
struct selection;

#define KCMD_STEP "cmdline"
#define KCMD_GRUB "/etc/default/grub"
#define KCMD_GRUB_D "/etc/default/grub.d"
#define KCMD_DROPIN "/etc/default/grub.d/vfio-wizard.cfg"
#define KCMD_SDBOOT "/etc/kernel/cmdline"
#define KCMD_MAX_LEN 2048 /* x86 COMMAND_LINE_SIZE */

/* How an existing token satisfies a wanted parameter. */
enum kparam_match {
	KP_ITEM,  /* the value is a comma list holding the wanted item */
	KP_BOOL,  /* a kernel bool (kstrtobool) that reads as true */
	KP_EXACT, /* exactly the wanted value */
};

struct kparam {
	char *token; /* "intel_iommu=on", as written */
	char *key;   /* "intel_iommu" */
	char *value; /* "on" */
	enum kparam_match match;
	bool iommu; /* shows only once the IOMMU is active */
};

/* What the step wants on the command line, and what it refuses there. */
struct kcmd_want {
	struct kparam *params; /* in the order they are written */
	size_t n_params;
	bool intel, amd; /* vendor rules for the conflicts */
	bool gvt, sriov;
	int vfs;	       /* SR-IOV: i915.max_vfs */
	const char *sysfb_dev; /* the boot VGA device going to vfio-pci */
};

/*
 * The parameters for this host and selection (passthrough-facts section 2);
 * every token is checked with kcmd_token_check(). -EINVAL with a
 * translated *cause when one fails.
 */
int kcmd_want_build(const struct host *, const struct selection *,
    struct kcmd_want *, char **cause);
void kcmd_want_free(struct kcmd_want *);

/*
 * 0 when tok is `key` or `key=value` with key [A-Za-z0-9_][A-Za-z0-9_.-]*
 * and value [A-Za-z0-9_.,:/+-]+; else -EINVAL and a translated *cause that
 * shows the token with its odd bytes escaped.
 */
int kcmd_token_check(const char *tok, char **cause);

/*
 * Whether a kernel parameter of an existing line conflicts with what the
 * step wants (same key, a value that undoes it); *why gets a translated
 * reason (static text, not to be freed).
 */
bool kcmd_conflicts(
    const struct kcmd_want *, const struct cmdline_token *, const char **why);
/* Whether the parsed line already satisfies params[i]. */
bool kcmd_satisfied(const struct kcmd_want *, size_t i, const struct cmdline *);
/*
 * The wanted tokens that line lacks, in order (pointers into want, the
 * array is the caller's to free); returns how many.
 */
size_t kcmd_missing(
    const struct kcmd_want *, const char *line, const char ***tokens);
/*
 * True when line has every wanted parameter and no conflict; otherwise
 * appends a translated account of what is missing or wrong to why.
 */
bool kcmd_line_ok(
    const struct kcmd_want *, const char *line, struct strbuf *why);

/* ---- kcmdline_gsrc.c: GRUB defaults evaluated with their origins ---- */

/* Where one character of an evaluated value came from. */
struct kgrub_origin {
	int file;   /* index of the file, -1: no single editable byte */
	int assign; /* index of the assignment in that file */
	size_t off; /* byte offset in the file's text */
};

/* The default entry's arguments, each byte with its origin. */
struct kgrub_trace {
	char *line;
	struct kgrub_origin *orig;
	size_t len;
};

/*
 * Evaluate the files as grub-mkconfig sources them and trace the command
 * line (GRUB_CMDLINE_LINUX, then GRUB_CMDLINE_LINUX_DEFAULT). -EINVAL with
 * an untranslated *cause when a file is refused or a part is unknown.
 */
int kgrub_trace(const char *const *names, const char *const *texts, size_t n,
    struct kgrub_trace *out, char **cause);
void kgrub_trace_free(struct kgrub_trace *);

/*
 * The bytes to delete to remove the token at line[s, e) at its source,
 * with the white space that separates it from its neighbour; false when it
 * does not come from one run of plain bytes in one assignment.
 */
bool kgrub_source_span(const struct kgrub_trace *, size_t s, size_t e,
    int *file, size_t *start, size_t *end);

/*
 * Append tokens (already checked) to the assignment value that spans
 * text[value_start, end): inside its closing quote, by quoting a plain
 * unquoted value, or as a double-quoted tail. The whole new text goes to
 * *out. -EINVAL with an untranslated *cause for a value that
 * cannot be extended safely.
 */
int kgrub_append(const char *text, size_t value_start, size_t end,
    const char *const *tokens, size_t n, char **out, char **cause);

/* ---- kcmdline_grub.c, kcmdline_sdboot.c: the plans ---- */

/*
 * The GRUB files as grub-mkconfig reads them, in its order: /etc/default/grub
 * then /etc/default/grub.d/ *.cfg (C-locale glob order). With a plan, the
 * texts are the plan's (pending edits count); skip names a file to leave
 * out. Names and texts are the caller's to free (strv_free).
 */
int kcmd_grub_files(struct plan *, const struct root *, const char *skip,
    char ***names, char ***texts, size_t *n, char **cause);
/* The text of the wizard's GRUB drop-in for these tokens (checked). */
int kcmd_grub_dropin(
    const char *const *tokens, size_t n, char **out, char **cause);
/* Plan GRUB; *changed tells whether a file changes. */
int kcmd_grub_plan(const struct kcmd_want *, const struct root *, struct plan *,
    bool *changed, char **cause);

/*
 * The new text of /etc/kernel/cmdline (text NULL: the file is missing, so
 * start from proc_cmdline as proxmox-boot-tool would). Notes for the plan
 * are appended to *notes. -EINVAL with a translated *cause when the file
 * cannot be used.
 */
int kcmd_sdboot_edit(const struct kcmd_want *, const char *text, size_t len,
    const char *proc_cmdline, char **out, char ***notes, size_t *n_notes,
    char **cause);
int kcmd_sdboot_plan(const struct host *, const struct kcmd_want *,
    const struct root *, struct plan *, bool *changed, char **cause);

/* ---- kcmdline_verify.c ---- */

/*
 * The command line grub-mkconfig would compute, from sourcing the files
 * below the root in the sandboxed sh (sh_sandbox.h). Untranslated *cause.
 */
int kcmd_grub_sh_cmdline(const struct root *, char **out, char **cause);

#endif
