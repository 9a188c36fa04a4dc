/*
 * kmodules_fx.h: what the modules step's unit tests share: plan and verify
 * the step for "key=value" choices on a fixture host (testutil.h), find a
 * file's new text and a note, write a plan into the tree as apply would,
 * and the header comments of the step's two files.
 */
#ifndef VW_KMODULES_FX_H
#define VW_KMODULES_FX_H

#include "vfio-wizard/host.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct step step_modules;

#define MODLOAD "/etc/modules-load.d/vfio-wizard.conf"
#define MODPROBE "/etc/modprobe.d/vfio-wizard.conf"

#define LOAD_HEAD                                                          \
	"# Written by vfio-wizard: the vfio modules that PCI passthrough " \
	"needs,\n# loaded at boot by systemd-modules-load "                \
	"(modules-load.d(5)).\n"
#define PROBE_HEAD                                                      \
	"# Written by vfio-wizard: vfio-pci claims the devices passed " \
	"through to\n# VMs before their host drivers can (modprobe.d(5)).\n"

/* choices from "key=value" strings, NULL-terminated */
static inline void
make_choices(struct choices *c, const char *const *items)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; items[i] != NULL; i++) {
		char *k = xstrdup(items[i]), *eq = strchr(k, '=');

		*eq = '\0';
		choices_add(c, k, eq + 1);
		free(k);
	}
}

/* Plan the step for choices; returns its result, *cause on failure. */
static inline int
plan_for(
    struct fx_host *f, const char *const *items, struct plan *p, char **cause)
{
	struct choices c;
	int err;

	make_choices(&c, items);
	*cause = NULL;
	err = step_modules.plan(f->host, &c, f->root, p, cause);
	choices_free(&c);
	return err;
}

static inline void
plan_ok(struct fx_host *f, const char *const *items, struct plan *p)
{
	char *cause = NULL;

	if (plan_for(f, items, p, &cause) != 0)
		fail_msg("plan: %s", cause);
}

static inline const struct file_change *
change(const struct plan *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n_files; i++) {
		if (strcmp(p->files[i].path, path) == 0)
			return &p->files[i];
	}
	return NULL;
}

static inline void
expect_text(const struct plan *p, const char *path, const char *want)
{
	const struct file_change *c = change(p, path);

	if (c == NULL) {
		fail_msg("no change of %s", path);
		return;
	}
	assert_non_null(c->after);
	assert_string_equal(c->after, want);
}

static inline bool
has_note(const struct plan *p, const char *text)
{
	size_t i;

	for (i = 0; i < p->n_notes; i++) {
		if (strstr(p->notes[i].text, text) != NULL)
			return true;
	}
	return false;
}

static inline void
expect_initramfs(const struct plan *p)
{
	assert_int_equal(p->n_cmds, 1);
	assert_string_equal(p->cmds[0].argv[0], "update-initramfs");
	assert_string_equal(p->cmds[0].argv[1], "-u");
	assert_string_equal(p->cmds[0].argv[2], "-k");
	assert_string_equal(p->cmds[0].argv[3], "all");
	assert_null(p->cmds[0].argv[4]);
	assert_string_equal(p->cmds[0].step, "modules");
}

/* Probe the fixture again after its files changed. */
static inline void
reprobe(struct fx_host *f)
{
	char *cause = NULL;

	host_free(f->host);
	f->host = NULL;
	if (host_probe(f->root, f->kb, &f->host, &cause) < 0)
		fail_msg("probe: %s", cause);
}

/* Write the plan's new texts into the fixture tree, as apply would. */
static inline void
write_plan(struct fx_host *f, const struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n_files; i++) {
		const struct file_change *c = &p->files[i];

		if (c->after != NULL) {
			fx_write_bytes(f->dir, c->path, c->after, c->after_len);
		} else {
			char *path = xasprintf("%s%s", f->dir, c->path);

			assert_int_equal(unlink(path), 0);
			free(path);
		}
	}
	reprobe(f);
}

static inline enum verify_result
verify(struct fx_host *f, const char *const *items, bool after_reboot,
    struct strbuf *msg)
{
	struct choices c;
	enum verify_result v;

	make_choices(&c, items);
	sb_reset(msg);
	v = step_modules.verify(f->host, &c, f->root, after_reboot, msg);
	choices_free(&c);
	return v;
}

static const char *const hsw_legacy[] __attribute__((unused)) = {
    "device=0000:00:02.0", "device=0000:00:03.0", "mode=legacy-igd", NULL};

static const char hsw_probe[] __attribute__((unused)) =
    PROBE_HEAD "options vfio-pci ids=8086:0412,8086:0c0c\n"
	       "softdep i915 pre: vfio-pci\n"
	       "softdep snd_hda_intel pre: vfio-pci\n";

#endif
