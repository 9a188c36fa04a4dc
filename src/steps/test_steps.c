/*
 * test_steps.c: the step table, and the steps the engine's tests run while
 * the real steps (issues 4 and 5) do not exist yet. They edit the same
 * kinds of files the real ones will (a new modules-load.d file written by
 * two steps, an edit of /etc/default/grub, a new modprobe.d file, a VM
 * config on /etc/pve) with obviously simple content, so the engine's plan,
 * journal, apply, resume and undo are exercised for real. They are chosen
 * only when VFIO_WIZARD_TEST_STEPS=1 (a test hook, like the crash hook).
 */
#include "vfio-wizard/plan.h"
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/step.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODULES_LOAD "/etc/modules-load.d/vfio-wizard.conf"

/* Make sure text's lines include line; returns the new text or NULL. */
static char *
with_line(const char *text, size_t len, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; p != NULL && p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t l =
		    nl != NULL ? (size_t)(nl - p) : (size_t)(text + len - p);

		if (l == n && memcmp(p, line, n) == 0)
			return NULL;
		p = nl != NULL ? nl + 1 : NULL;
	}
	if (len > 0 && text[len - 1] != '\n')
		return xasprintf("%.*s\n%s\n", (int)len, text, line);
	return xasprintf("%.*s%s\n", (int)len, text != NULL ? text : "", line);
}

/* Add lines to a file in the plan (creating it with mode 0644). */
static int
ensure_lines(struct plan *p, const struct root *r, const char *path,
    const char *const *lines, const char *step, char **cause)
{
	const char *text;
	char *owned, *cur;
	size_t len, i;
	bool exists;
	int err;

	err = plan_current(p, r, path, &text, &len, &exists, &owned, cause);
	if (err < 0)
		return err;
	cur = xstrndup(exists ? text : "", exists ? len : 0);
	free(owned);
	for (i = 0; lines[i] != NULL; i++) {
		char *next = with_line(cur, strlen(cur), lines[i]);

		if (next != NULL) {
			free(cur);
			cur = next;
		}
	}
	err = plan_set(p, r, path, cur, strlen(cur), 0644, step, cause);
	free(cur);
	return err;
}

static int
modules_plan(const struct host *h, const struct choices *c,
    const struct root *r, struct plan *p, char **cause)
{
	static const char *const lines[] = {
	    "vfio", "vfio_iommu_type1", "vfio_pci", NULL};
	static const char *const cmd[] = {
	    "update-initramfs", "-u", "-k", "all", NULL};
	int err;

	(void)h;
	(void)c;
	err = ensure_lines(p, r, MODULES_LOAD, lines, "test-modules", cause);
	if (err == 0)
		plan_command(
		    p, "test-modules", _("rebuild the initramfs"), cmd);
	return err;
}

/* Edit GRUB_CMDLINE_LINUX_DEFAULT="quiet" in place, if it is that line. */
static int
grub_plan(const struct host *h, const struct choices *c, const struct root *r,
    struct plan *p, char **cause)
{
	static const char *const cmd[] = {"update-grub", NULL};
	static const char from[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";
	static const char to[] =
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\"\n";
	const char *text, *at;
	char *owned, *next;
	size_t len;
	bool exists;
	int err;

	(void)h;
	(void)c;
	err = plan_current(
	    p, r, "/etc/default/grub", &text, &len, &exists, &owned, cause);
	if (err < 0 || !exists || (at = strstr(text, from)) == NULL) {
		free(owned);
		return err;
	}
	next = xasprintf(
	    "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	err = plan_set(p, r, "/etc/default/grub", next, strlen(next), 0644,
	    "test-grub", cause);
	free(next);
	free(owned);
	if (err == 0)
		plan_command(p, "test-grub", _("regenerate grub.cfg"), cmd);
	return err;
}

static int
modprobe_plan(const struct host *h, const struct choices *c,
    const struct root *r, struct plan *p, char **cause)
{
	static const char *const conf[] = {"softdep i915 pre: vfio-pci", NULL};
	static const char *const more[] = {"kvmgt", NULL};
	static const char *const cmd[] = {
	    "update-initramfs", "-u", "-k", "all", NULL};
	int err;

	(void)h;
	(void)c;
	err = ensure_lines(p, r, "/etc/modprobe.d/vfio-wizard.conf", conf,
	    "test-modprobe", cause);
	/* a second step touching the first step's file: one change */
	if (err == 0)
		err = ensure_lines(
		    p, r, MODULES_LOAD, more, "test-modprobe", cause);
	if (err == 0)
		plan_command(
		    p, "test-modprobe", _("rebuild the initramfs"), cmd);
	return err;
}

/* vga: none in the chosen VM's config (choices "vm=<id>"). */
static int
vm_plan(const struct host *h, const struct choices *c, const struct root *r,
    struct plan *p, char **cause)
{
	const char *vmid = choices_get(c, "vm");
	struct pve_conf *conf = NULL;
	const char *text;
	char *owned, *path;
	size_t len;
	bool exists;
	int err;

	(void)h;
	if (vmid == NULL)
		return 0;
	path = xasprintf("/etc/pve/qemu-server/%s.conf", vmid);
	err = plan_current(p, r, path, &text, &len, &exists, &owned, cause);
	if (err == 0 && !exists) {
		*cause = xasprintf(_("no VM %s on this host"), vmid);
		err = -ENOENT;
	}
	if (err == 0)
		err = pve_conf_parse(text, len, 0, &conf, cause);
	if (err == 0)
		err = pve_conf_set(conf, "vga", "none", cause);
	if (err == 0) {
		size_t n;
		char *next = pve_conf_text(conf, &n);

		err = plan_set(p, r, path, next, n, 0640, "test-vm", cause);
		free(next);
	}
	pve_conf_free(conf);
	free(owned);
	free(path);
	return err;
}

/* The file holds what the plan wanted; the rest shows after a reboot. */
static enum verify_result
modules_verify(const struct host *h, const struct choices *c,
    const struct root *r, bool after_reboot, struct strbuf *msg)
{
	char *text;
	enum verify_result v;

	(void)h;
	(void)c;
	if (root_read(r, MODULES_LOAD, &text, NULL) < 0) {
		sb_addf(msg, _("'%s' is missing"), MODULES_LOAD);
		return VERIFY_FAILED;
	}
	v = strstr(text, "vfio_pci\n") != NULL ? VERIFY_OK : VERIFY_FAILED;
	if (v == VERIFY_OK && !after_reboot) {
		sb_adds(msg, _("takes effect after the reboot"));
		v = VERIFY_AFTER_REBOOT;
	}
	free(text);
	return v;
}

static const struct step test_modules = {"test-modules",
    N_("Test: modules-load.d"), STEP_NEEDS_REBOOT, modules_plan,
    modules_verify};
static const struct step test_grub = {
    "test-grub", N_("Test: GRUB"), STEP_NEEDS_REBOOT, grub_plan, NULL};
static const struct step test_modprobe = {"test-modprobe",
    N_("Test: modprobe.d"), STEP_NEEDS_REBOOT, modprobe_plan, NULL};
static const struct step test_vm = {
    "test-vm", N_("Test: VM config"), 0, vm_plan, NULL};

const struct step *const *
steps_for_tests(void)
{
	static const struct step *const steps[] = {
	    &test_modules, &test_grub, &test_modprobe, &test_vm, NULL};

	return steps;
}
