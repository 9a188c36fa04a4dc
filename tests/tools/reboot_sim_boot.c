/*
 * reboot_sim_boot.c: what boots. A new boot id (random, or given), the
 * kernel the bootloader starts (the newest installed one with a modules
 * directory, or the one proxmox-boot-tool pins), the command line the
 * configured bootloader hands it, computed with the probe's reading of the
 * configuration (GRUB: grub-mkconfig's 10_linux line from /etc/default/grub
 * and grub.d/ *.cfg; systemd-boot: proxmox-boot-tool's loader entry from
 * /etc/kernel/cmdline), and whether that kernel turns the IOMMU on.
 */
#include "reboot_sim.h"

#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/root.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define PIN_FILE "/etc/kernel/proxmox-boot-pin"
#define NEXT_PIN_FILE "/etc/kernel/next-boot-pin"

/* A lowercase 8-4-4-4-12 UUID, as /proc/sys/kernel/random/boot_id. */
static bool
uuid_ok(const char *u)
{
	size_t i;

	if (strlen(u) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)u[i]) ||
			   isupper((unsigned char)u[i]))
			return false;
	}
	return true;
}

/* A random version 4 UUID, as the kernel makes the boot id. */
static int
random_uuid(char out[37], char **cause)
{
	uint8_t b[16];

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		*cause =
		    xasprintf("cannot make a boot id: %s", strerror(errno));
		return -EIO;
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

static const struct installed_kernel *
find_kernel(const struct host *h, const char *release)
{
	size_t i;

	for (i = 0; i < h->kernel.n_installed; i++)
		if (strcmp(h->kernel.installed[i].release, release) == 0 &&
		    h->kernel.installed[i].has_modules_dir)
			return &h->kernel.installed[i];
	return NULL;
}

/* A proxmox-boot-tool pin (next-boot first), when it names a kernel. */
static const struct installed_kernel *
pinned_kernel(struct rs *s, const char *path)
{
	const struct installed_kernel *k;
	char *text;

	if (!s->h->boot.proxmox_boot_tool ||
	    root_read_line(s->r, path, &text) < 0)
		return NULL;
	text[strcspn(text, " \t\n")] = '\0';
	k = *text != '\0' ? find_kernel(s->h, text) : NULL;
	if (k == NULL && *text != '\0')
		rs_warn(s, "%s pins '%s', which is not installed: ignored",
		    path, text);
	else if (k != NULL)
		rs_fact(s, "pin: %s (%s)", k->release, path);
	free(text);
	return k;
}

/* The kernel that boots: pinned, else the newest with a modules dir. */
static int
choose_kernel(struct rs *s, char **cause)
{
	const struct host *h = s->h;
	size_t i;

	/* a stale bootloader boots the kernel it booted before */
	if ((s->faults & RS_FAULT_STALE_BOOTLOADER) &&
	    h->kernel.release != NULL &&
	    (s->kernel = find_kernel(h, h->kernel.release)) != NULL)
		return 0;
	s->kernel = pinned_kernel(s, NEXT_PIN_FILE);
	if (s->kernel != NULL)
		rs_remove(s, NEXT_PIN_FILE); /* a one-time pin */
	else
		s->kernel = pinned_kernel(s, PIN_FILE);
	for (i = h->kernel.n_installed; s->kernel == NULL && i > 0; i--)
		if (h->kernel.installed[i - 1].has_modules_dir)
			s->kernel = &h->kernel.installed[i - 1];
	if (s->kernel == NULL) {
		*cause = xstrdup("no installed kernel has a modules directory "
				 "in '/lib/modules'");
		return -ENOENT;
	}
	return 0;
}

/* The probe's complaint about the bootloader configuration, if any. */
static const char *
boot_problem(const struct host *h)
{
	size_t i;

	for (i = 0; i < h->n_problems; i++)
		if (strcmp(h->problems[i].what, "boot") == 0)
			return h->problems[i].message;
	return "the command line could not be computed";
}

/* Append the raw tokens of text, each after one space. */
static void
add_tokens(struct strbuf *sb, const char *text, bool skip_initrd)
{
	struct cmdline *cl = cmdline_parse(text != NULL ? text : "");
	size_t i;

	for (i = 0; i < cl->n_tokens; i++) {
		if (skip_initrd && cmdline_key_eq(cl->tokens[i].key, "initrd"))
			continue;
		sb_addf(sb, "%s%s", sb->len > 0 ? " " : "", cl->tokens[i].raw);
	}
	cmdline_free(cl);
}

/*
 * GRUB: the default entry of grub-mkconfig's 10_linux is "linux
 * <dir>/vmlinuz-<release> root=<device> ro <CMDLINE_LINUX> <..._DEFAULT>",
 * and GRUB puts BOOT_IMAGE=<path> in front. The directory and root= come
 * from the old command line (10_linux probes them from the same disks).
 */
static int
grub_line(struct rs *s, struct strbuf *sb, char **cause)
{
	struct cmdline *old = cmdline_parse(
	    s->h->kernel.cmdline != NULL ? s->h->kernel.cmdline : "");
	const char *image = cmdline_get(old, "BOOT_IMAGE"), *slash;
	const struct cmdline_token *root = cmdline_last(old, "root");

	if (s->h->boot.cmdline == NULL) {
		*cause = xasprintf("cannot compute the GRUB command line: %s",
		    boot_problem(s->h));
		cmdline_free(old);
		return -EINVAL;
	}
	slash = image != NULL ? strrchr(image, '/') : NULL;
	if (slash != NULL)
		sb_addf(sb, "BOOT_IMAGE=%.*s/vmlinuz-%s", (int)(slash - image),
		    image, s->kernel->release);
	else
		sb_addf(sb, "BOOT_IMAGE=/boot/vmlinuz-%s", s->kernel->release);
	if (root != NULL)
		sb_addf(sb, " %s", root->raw);
	sb_adds(sb, " ro");
	add_tokens(sb, s->h->boot.cmdline, false);
	cmdline_free(old);
	return 0;
}

/*
 * systemd-boot: proxmox-boot-tool writes "options <first line of
 * /etc/kernel/cmdline>" (without it: /proc/cmdline less its initrd=
 * arguments) and systemd-boot puts the entry's initrd= path in front. A
 * cmdline without root= makes the hook fail: the old entries stay.
 */
static bool
sdboot_line(struct rs *s, struct strbuf *sb)
{
	const char *conf = s->h->boot.cmdline;
	struct cmdline *cl = cmdline_parse(conf != NULL ? conf : "");
	bool has_root = cmdline_has(cl, "root");

	cmdline_free(cl);
	if (conf == NULL || !has_root) {
		rs_warn(s,
		    "'/etc/kernel/cmdline' has no root= parameter: "
		    "proxmox-boot-tool refresh fails, the old command line "
		    "stays");
		return false;
	}
	sb_addf(sb, "initrd=\\EFI\\proxmox\\%s\\initrd.img-%s",
	    s->kernel->release, s->kernel->release);
	add_tokens(sb, conf, !root_exists(s->r, "/etc/kernel/cmdline"));
	return true;
}

static int
new_cmdline(struct rs *s, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	const char *old =
	    s->h->kernel.cmdline != NULL ? s->h->kernel.cmdline : "";
	int err = 0;

	if (s->faults & RS_FAULT_STALE_BOOTLOADER) {
		/* update-grub / proxmox-boot-tool refresh did not run */
		s->cmdline = xstrdup(old);
		s->cl = cmdline_parse(s->cmdline);
		rs_fact(s, "fault: stale-bootloader (the loader still has the "
			   "old command line)");
		return 0;
	}
	switch (s->h->boot.loader) {
	case BOOT_GRUB:
		err = grub_line(s, &sb, cause);
		break;
	case BOOT_SYSTEMD_BOOT:
		if (!sdboot_line(s, &sb))
			sb_adds(&sb, old);
		break;
	default:
		rs_warn(s,
		    "the bootloader is unknown (%s): the old command "
		    "line stays",
		    s->h->boot.evidence != NULL ? s->h->boot.evidence : "?");
		sb_adds(&sb, old);
		break;
	}
	if (err < 0) {
		sb_release(&sb);
		return err;
	}
	s->cmdline = sb_detach(&sb);
	s->cl = cmdline_parse(s->cmdline);
	return 0;
}

int
rs_boot(struct rs *s, const char *boot_id, char **cause)
{
	const struct host *h = s->h;
	char id[37], *path;
	int err;

	if (boot_id != NULL && !uuid_ok(boot_id)) {
		*cause = xasprintf(
		    "'%s' is not a boot id (a lowercase UUID)", boot_id);
		return -EINVAL;
	}
	if (boot_id != NULL)
		snprintf(id, sizeof id, "%s", boot_id);
	else if ((err = random_uuid(id, cause)) < 0)
		return err;
	s->boot_id = xstrdup(id);
	rs_filef(s, "/proc/sys/kernel/random/boot_id", 0444, "%s\n", id);
	rs_fact(s, "boot_id: %s -> %s", h->kernel.boot_id, id);

	if ((err = choose_kernel(s, cause)) < 0)
		return err;
	rs_filef(
	    s, "/proc/sys/kernel/osrelease", 0444, "%s\n", s->kernel->release);
	if (h->kernel.release != NULL &&
	    strcmp(h->kernel.release, s->kernel->release) == 0)
		rs_fact(s, "kernel: %s (unchanged)", s->kernel->release);
	else
		rs_fact(s, "kernel: %s (was %s)", s->kernel->release,
		    h->kernel.release != NULL ? h->kernel.release : "none");
	path = xasprintf("/boot/config-%s", s->kernel->release);
	if (root_read(s->r, path, &s->kconfig, NULL) < 0)
		s->kconfig = NULL;
	free(path);

	if ((err = new_cmdline(s, cause)) < 0)
		return err;
	rs_filef(s, "/proc/cmdline", 0444, "%s\n", s->cmdline);
	rs_fact(s, "cmdline: %s", s->cmdline);
	return 0;
}

char
rs_kconfig(const struct rs *s, const char *key)
{
	const char *p = s->kconfig;
	size_t len = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, len) == 0 && p[len] == '=')
			return p[len + 1] == 'y' || p[len + 1] == 'm'
				   ? p[len + 1]
				   : 'n';
		if (strncmp(p, "# ", 2) == 0 && strncmp(p + 2, key, len) == 0 &&
		    strncmp(p + 2 + len, " is not set", 11) == 0)
			return 'n';
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	return 0;
}

/* A kernel boolean parameter value (kstrtobool: 1/y/on, 0/n/off). */
static int
kbool(const char *v)
{
	if (v == NULL)
		return 1;
	if (*v == '1' || *v == 'y' || *v == 'Y' || strcmp(v, "on") == 0)
		return 1;
	if (*v == '0' || *v == 'n' || *v == 'N' || strcmp(v, "off") == 0)
		return 0;
	return -1;
}

/* True when the comma list holds word. */
static bool
has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	while (list != NULL && *list != '\0') {
		size_t n = strcspn(list, ",");

		if (n == len && strncmp(list, word, len) == 0)
			return true;
		list += n + (list[n] == ',');
	}
	return false;
}

/* Walk the new command line's IOMMU parameters, in order (last wins). */
static void
read_params(
    struct rs *s, int *no_iommu, int *intel, bool *igfx_off, bool *amd_off)
{
	size_t i;

	s->pt = s->strict = -1;
	*no_iommu = 0;
	*intel = -1;
	*igfx_off = *amd_off = false;
	for (i = 0; i < s->cl->n_tokens; i++) {
		const struct cmdline_token *t = &s->cl->tokens[i];
		const char *v = t->value;

		if (t->init_arg)
			continue;
		if (cmdline_key_eq(t->key, "iommu")) {
			if (has_word(v, "off"))
				*no_iommu = 1;
			if (has_word(v, "pt"))
				s->pt = 1;
			if (has_word(v, "nopt"))
				s->pt = 0;
		} else if (cmdline_key_eq(t->key, "iommu.passthrough")) {
			s->pt = kbool(v) >= 0 ? kbool(v) : s->pt;
		} else if (cmdline_key_eq(t->key, "iommu.strict")) {
			s->strict = kbool(v) >= 0 ? kbool(v) : s->strict;
		} else if (cmdline_key_eq(t->key, "intel_iommu")) {
			if (has_word(v, "on"))
				*intel = 1;
			if (has_word(v, "off"))
				*intel = 0;
			if (has_word(v, "igfx_off"))
				*igfx_off = true;
		} else if (cmdline_key_eq(t->key, "amd_iommu")) {
			if (has_word(v, "off"))
				*amd_off = true;
		}
	}
}

/* Intel VT-d: drivers/iommu/intel/iommu.c intel_iommu_setup/_init. */
static void
decide_intel(struct rs *s, int no_iommu, int intel, bool igfx_off)
{
	char def = rs_kconfig(s, "CONFIG_INTEL_IOMMU_DEFAULT_ON");
	bool intgpu_off =
	    rs_kconfig(s, "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF") == 'y';

	if (s->kconfig != NULL && rs_kconfig(s, "CONFIG_INTEL_IOMMU") == 'n')
		s->iommu_why = xstrdup("off: the kernel is built without "
				       "CONFIG_INTEL_IOMMU");
	else if (no_iommu)
		s->iommu_why = xstrdup("off: iommu=off");
	else if (intel == 0)
		s->iommu_why = xstrdup("off: intel_iommu=off");
	else if (intel == 1)
		s->iommu_why = xstrdup("on: DMAR table and intel_iommu=on");
	else if (def == 'y' || intgpu_off)
		s->iommu_why = xasprintf("on: DMAR table and %s=y",
		    def == 'y' ? "CONFIG_INTEL_IOMMU_DEFAULT_ON"
			       : "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF");
	else if (s->kconfig == NULL)
		s->iommu_why = xasprintf("off: no intel_iommu=on and no "
					 "'/boot/config-%s' to tell the "
					 "kernel's default",
		    s->kernel->release);
	else
		s->iommu_why =
		    xstrdup("off: DMAR table, but no intel_iommu=on and "
			    "CONFIG_INTEL_IOMMU_DEFAULT_ON is not set");
	s->iommu_on = str_startswith(s->iommu_why, "on:");
	/* Debian's INTGPU_OFF default and igfx_off leave the iGPU out */
	s->igfx_untranslated =
	    s->iommu_on &&
	    (igfx_off || (intgpu_off && intel != 1 && def != 'y'));
}

void
rs_iommu_decide(struct rs *s)
{
	const char *table = s->fw_table;
	int no_iommu, intel;
	bool igfx_off, amd_off;

	read_params(s, &no_iommu, &intel, &igfx_off, &amd_off);
	if (table == NULL) {
		s->iommu_why = xstrdup("off: no DMAR or IVRS table in "
				       "/sys/firmware/acpi/tables");
	} else if (strcmp(table, "DMAR") == 0) {
		decide_intel(s, no_iommu, intel, igfx_off);
	} else if (s->kconfig != NULL &&
		   rs_kconfig(s, "CONFIG_AMD_IOMMU") == 'n') {
		s->iommu_why = xstrdup("off: the kernel is built without "
				       "CONFIG_AMD_IOMMU");
	} else if (no_iommu || amd_off) {
		s->iommu_why =
		    xstrdup(no_iommu ? "off: iommu=off" : "off: amd_iommu=off");
	} else {
		s->iommu_why = xstrdup("on: IVRS table (AMD-Vi is on by "
				       "default)");
	}
	s->iommu_on = str_startswith(s->iommu_why, "on:");
	rs_fact(s, "iommu: %s", s->iommu_why);
	if (s->igfx_untranslated)
		rs_fact(s, "iommu: the integrated GPU stays untranslated "
			   "(igfx_off or Debian's INTGPU_OFF default)");
}
