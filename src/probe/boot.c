/*
 * boot.c: the bootloader probe (passthrough-facts §5). Decides from evidence
 * which loader really boots the machine, in this order: the EFI BootCurrent
 * entry's loader path, proxmox-boot-tool's ESP list with the root file
 * system and Secure Boot (PVE-BOOT: systemd-boot for UEFI + ZFS without
 * Secure Boot), then the boot mode (legacy BIOS is GRUB). It also reads the
 * command line that loader is configured with: /etc/kernel/cmdline for
 * systemd-boot, and for GRUB what grub-mkconfig computes from
 * /etc/default/grub and /etc/default/grub.d/ *.cfg.
 */
#include "vfio-wizard/grub_default.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ESP_LIST "/etc/kernel/proxmox-boot-uuids"
#define KERNEL_CMDLINE "/etc/kernel/cmdline"
#define GRUB_DEFAULT "/etc/default/grub"
#define GRUB_DEFAULT_D "/etc/default/grub.d"

/* Case-insensitive substring test (EFI paths are case-insensitive). */
static bool
contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (; *s != '\0'; s++) {
		for (i = 0; i < n; i++) {
			if (s[i] == '\0' ||
			    tolower((unsigned char)s[i]) !=
				tolower((unsigned char)needle[i]))
				break;
		}
		if (i == n)
			return true;
	}
	return false;
}

/* Undo the octal escapes of /proc/mounts ("\040" is a space) in place. */
static void
unescape_mount(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

/* The file system mounted last on "/" in /proc/mounts. */
static void
probe_root_fs(struct host *h, const struct root *r)
{
	char *text, *line, *save = NULL, *src, *dst, *type, *fs_save;
	size_t len;
	int err;

	err = root_read(r, "/proc/mounts", &text, &len);
	if (err < 0) {
		host_problem(h, "boot", "cannot read '/proc/mounts': %s",
		    strerror(-err));
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		fs_save = NULL;
		src = strtok_r(line, " \t", &fs_save);
		dst = strtok_r(NULL, " \t", &fs_save);
		type = strtok_r(NULL, " \t", &fs_save);
		if (type == NULL || strcmp(dst, "/") != 0 ||
		    strcmp(type, "rootfs") == 0)
			continue;
		unescape_mount(src);
		free(h->boot.root_fs);
		free(h->boot.root_source);
		h->boot.root_fs = xstrdup(type);
		h->boot.root_source = xstrdup(src);
	}
	free(text);
}

/* The ESP UUIDs proxmox-boot-tool keeps in sync: one a line. */
static void
probe_esps(struct host *h, const struct root *r)
{
	char *text, *line, *save = NULL, *end;
	size_t len;
	int err;

	err = root_read(r, ESP_LIST, &text, &len);
	if (err < 0) {
		if (err != -ENOENT)
			host_problem(h, "boot", "cannot read '%s': %s",
			    ESP_LIST, strerror(-err));
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*line == '\0')
			continue;
		ARRAY_PUSH(
		    h->boot.esp_uuids, h->boot.n_esp_uuids, xstrdup(line));
	}
	free(text);
	h->boot.proxmox_boot_tool = h->boot.n_esp_uuids > 0;
}

/* Decide the loader; appends the facts that decided it to ev. */
static enum bootloader
decide_loader(const struct host *h, struct strbuf *ev)
{
	const struct host_firmware *fw = &h->firmware;
	const char *path = fw->efi_boot_path;
	bool zfs =
	    h->boot.root_fs != NULL && strcmp(h->boot.root_fs, "zfs") == 0;

	if (!fw->uefi) {
		sb_adds(ev, "legacy BIOS boot (no /sys/firmware/efi): GRUB");
		if (h->boot.proxmox_boot_tool)
			sb_adds(ev, ", on the ESPs of proxmox-boot-tool");
		return BOOT_GRUB;
	}
	if (path != NULL) {
		sb_addf(ev, "EFI BootCurrent %s: %s",
		    fw->efi_boot_current != NULL ? fw->efi_boot_current : "?",
		    path);
		if (contains_ci(path, "systemd-boot") ||
		    contains_ci(path, "\\EFI\\systemd\\"))
			return BOOT_SYSTEMD_BOOT;
		if (contains_ci(path, "grub") || contains_ci(path, "shim"))
			return BOOT_GRUB;
		sb_adds(ev, " (names no loader); ");
	}
	if (h->boot.proxmox_boot_tool && zfs && fw->secure_boot != TRI_YES) {
		sb_addf(ev,
		    "UEFI, ZFS root '%s', proxmox-boot-tool, Secure "
		    "Boot %s: systemd-boot",
		    h->boot.root_source != NULL ? h->boot.root_source : "?",
		    fw->secure_boot == TRI_NO ? "off" : "state unknown");
		return BOOT_SYSTEMD_BOOT;
	}
	if (fw->secure_boot == TRI_YES)
		sb_adds(ev, "UEFI with Secure Boot: GRUB (shim)");
	else
		sb_addf(ev, "UEFI, %s root: GRUB",
		    h->boot.root_fs != NULL ? h->boot.root_fs : "unknown");
	return BOOT_GRUB;
}

/* systemd-boot: the first line of /etc/kernel/cmdline, else /proc/cmdline. */
static void
systemd_boot_cmdline(struct host *h, const struct root *r, struct strbuf *ev)
{
	char *text;
	size_t len;
	int err;

	err = root_read(r, KERNEL_CMDLINE, &text, &len);
	if (err == 0) {
		text[strcspn(text, "\n")] = '\0';
		h->boot.cmdline = text;
		return;
	}
	if (err != -ENOENT) {
		host_problem(h, "boot", "cannot read '%s': %s", KERNEL_CMDLINE,
		    strerror(-err));
		return;
	}
	sb_adds(ev, "; " KERNEL_CMDLINE " is absent, so proxmox-boot-tool "
		    "reuses /proc/cmdline");
	if (h->kernel.cmdline != NULL)
		h->boot.cmdline = xstrdup(h->kernel.cmdline);
}

/* Append one file's name and text to the lists for grub_default_eval(). */
static int
add_grub_file(struct host *h, const struct root *r, const char *path,
    char ***names, char ***texts, size_t *n)
{
	char *text;
	size_t len, m;
	int err;

	err = root_read(r, path, &text, &len);
	if (err < 0) {
		if (err != -ENOENT)
			host_problem(h, "boot", "cannot read '%s': %s", path,
			    strerror(-err));
		return err;
	}
	m = *n;
	ARRAY_PUSH(*names, m, xstrdup(path));
	ARRAY_PUSH(*texts, *n, text);
	return 0;
}

/*
 * GRUB: source /etc/default/grub, then each /etc/default/grub.d/ *.cfg in
 * glob order, as grub-mkconfig does, and take the default entry's arguments.
 */
static void
grub_cmdline(struct host *h, const struct root *r)
{
	struct grub_env env = GRUB_ENV_INIT;
	char **names = NULL, **texts = NULL, **ents = NULL, *path, *cause;
	size_t n = 0, n_ents = 0, i, len;
	struct stat st;
	int err;

	if (add_grub_file(h, r, GRUB_DEFAULT, &names, &texts, &n) == -ENOENT)
		host_problem(h, "boot", "'%s' is missing", GRUB_DEFAULT);
	err = root_listdir(r, GRUB_DEFAULT_D, &ents, &n_ents);
	if (err < 0 && err != -ENOENT)
		host_problem(h, "boot", "cannot list '%s': %s", GRUB_DEFAULT_D,
		    strerror(-err));
	for (i = 0; i < n_ents; i++) {
		len = strlen(ents[i]);
		if (len < 4 || strcmp(ents[i] + len - 4, ".cfg") != 0)
			continue;
		path = xasprintf("%s/%s", GRUB_DEFAULT_D, ents[i]);
		if (root_stat(r, path, &st, true) == 0 && S_ISREG(st.st_mode))
			add_grub_file(h, r, path, &names, &texts, &n);
		free(path);
	}
	strv_free(ents, n_ents);

	cause = NULL;
	err = grub_default_eval((const char *const *)names,
	    (const char *const *)texts, n, &env, &cause);
	if (err == 0)
		err = grub_default_cmdline(&env, &h->boot.cmdline, &cause);
	if (err < 0) {
		host_problem(h, "boot", "%s", cause);
		free(cause);
	}
	grub_env_free(&env);
	strv_free(names, n);
	strv_free(texts, n);
}

void
probe_boot(struct host *h, const struct root *r)
{
	struct strbuf ev = STRBUF_INIT;

	probe_root_fs(h, r);
	probe_esps(h, r);
	h->boot.loader = decide_loader(h, &ev);
	if (h->boot.proxmox_boot_tool)
		sb_addf(&ev, "; %s lists %zu ESP(s)", ESP_LIST,
		    h->boot.n_esp_uuids);
	if (h->boot.loader == BOOT_SYSTEMD_BOOT) {
		h->boot.cmdline_file = KERNEL_CMDLINE;
		systemd_boot_cmdline(h, r, &ev);
	} else if (!root_exists(r, GRUB_DEFAULT) &&
		   !root_exists(r, "/boot/grub")) {
		/* a kernel booted directly (a VM, a container host): no GRUB */
		h->boot.loader = BOOT_UNKNOWN;
		sb_addf(&ev, "; but neither %s nor /boot/grub exists",
		    GRUB_DEFAULT);
	} else {
		h->boot.cmdline_file = GRUB_DEFAULT;
		grub_cmdline(h, r);
	}
	h->boot.evidence = sb_detach(&ev);
}
