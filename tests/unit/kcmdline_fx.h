/*
 * kcmdline_fx.h: fixture helpers of the kernel command line step's tests: a
 * bundled host spec replayed into $TMPDIR and probed with the knowledge
 * base of data/, the step's plan and verify run with choices given as
 * "key=value" strings, and a plan's texts written into the tree as the
 * engine would write them.
 */
#ifndef VW_KCMDLINE_FX_H
#define VW_KCMDLINE_FX_H

#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"
#include "vfio-wizard/step.h"
#include "../../src/steps/kcmdline.h"
#include "../../src/steps/steps.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kfx {
	char *dir;
	struct root *root;
	struct kb *kb;
	struct host *host;
	struct plan plan;
};

static inline void
kfx_probe(struct kfx *f)
{
	char *cause = NULL;

	host_free(f->host);
	f->host = NULL;
	if (host_probe(f->root, f->kb, &f->host, &cause) < 0)
		fail_msg("host_probe: %s", cause);
}

/* Replay tests/hosts/<name>.yaml and probe it. */
static inline void
kfx_load(struct kfx *f, const char *name)
{
	struct host_spec *spec = NULL;
	char *path, *cause = NULL;

	memset(f, 0, sizeof *f);
	path = xasprintf("%s/tests/hosts/%s.yaml", fx_srcdir(), name);
	if (spec_load(path, &spec, &cause) < 0 ||
	    spec_replay_temp(spec, &f->dir, &cause) < 0)
		fail_msg("%s: %s", path, cause);
	spec_free(spec);
	free(path);
	if (getenv("VFIO_WIZARD_DATADIR") == NULL) {
		path = xasprintf("%s/data", fx_srcdir());
		setenv("VFIO_WIZARD_DATADIR", path, 1);
		free(path);
	}
	path = kb_default_path();
	if (kb_load(path, &f->kb, &cause) < 0)
		fail_msg("%s: %s", path, cause);
	free(path);
	assert_int_equal(root_open(f->dir, &f->root), 0);
	kfx_probe(f);
}

static inline void
kfx_free(struct kfx *f)
{
	plan_free(&f->plan);
	host_free(f->host);
	root_free(f->root);
	kb_free(f->kb);
	if (f->dir != NULL)
		spec_remove_tree(f->dir);
	free(f->dir);
	memset(f, 0, sizeof *f);
}

/* Choices from "key=value" strings (NULL-terminated, may be NULL). */
static inline void
kfx_choices(struct choices *c, const char *const *items)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; items != NULL && items[i] != NULL; i++) {
		const char *eq = strchr(items[i], '=');
		char *key = xstrndup(items[i], (size_t)(eq - items[i]));

		choices_add(c, key, eq + 1);
		free(key);
	}
}

/* A fresh plan with only this step; returns plan()'s result. */
static inline int
kfx_plan(struct kfx *f, const char *const *items, char **cause)
{
	struct choices c;
	int err;

	plan_free(&f->plan);
	memset(&f->plan, 0, sizeof f->plan);
	kfx_choices(&c, items);
	*cause = NULL;
	err = step_cmdline.plan(f->host, &c, f->root, &f->plan, cause);
	choices_free(&c);
	return err;
}

/* The plan succeeds; its cause is not set. */
static inline void
kfx_plan_ok(struct kfx *f, const char *const *items)
{
	char *cause = NULL;

	if (kfx_plan(f, items, &cause) != 0)
		fail_msg("plan: %s", cause);
}

static inline const struct file_change *
kfx_change(const struct plan *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->n_files; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return &p->files[i];
	return NULL;
}

/* The plan changes path to exactly want (NULL: removes it). */
static inline void
kfx_expect(const struct plan *p, const char *path, const char *want)
{
	const struct file_change *c = kfx_change(p, path);

	if (c == NULL)
		fail_msg("the plan does not change %s", path);
	if (want == NULL) {
		assert_null(c->after);
		return;
	}
	assert_non_null(c->after);
	assert_string_equal(c->after, want);
	assert_int_equal(c->after_len, strlen(want));
}

/* The plan's commands, joined: "update-grub;proxmox-boot-tool refresh". */
static inline char *
kfx_commands(const struct plan *p)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < p->n_cmds; i++) {
		if (i > 0)
			sb_addc(&sb, ';');
		for (j = 0; p->cmds[i].argv[j] != NULL; j++)
			sb_addf(
			    &sb, "%s%s", j > 0 ? " " : "", p->cmds[i].argv[j]);
	}
	return sb.len > 0 ? sb_detach(&sb) : xstrdup("");
}

static inline void
kfx_expect_commands(const struct plan *p, const char *want)
{
	char *got = kfx_commands(p);

	assert_string_equal(got, want);
	free(got);
}

/* Some note of the plan holds every one of the texts. */
static inline bool
kfx_note(const struct plan *p, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < p->n_notes; i++) {
		if (strstr(p->notes[i].text, a) != NULL &&
		    (b == NULL || strstr(p->notes[i].text, b) != NULL))
			return true;
	}
	return false;
}

static inline void
kfx_expect_empty(const struct plan *p)
{
	assert_int_equal(p->n_files, 0);
	assert_int_equal(p->n_cmds, 0);
	assert_int_equal(p->n_notes, 0);
}

/* The plan writes the wizard's GRUB drop-in with exactly these tokens. */
static inline void
kfx_expect_dropin(const struct plan *p, const char *toks)
{
	char *want = xasprintf(
	    "# Kernel parameters for PCI passthrough, written by vfio-wizard.\n"
	    "# 'vfio-wizard undo' removes this file; run update-grub after "
	    "editing it.\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT %s\"\n",
	    toks);

	kfx_expect(p, KCMD_DROPIN, want);
	free(want);
}

/* Write a file below the fixture root. */
static inline void
kfx_write(struct kfx *f, const char *path, const char *text)
{
	fx_write_bytes(f->dir, path, text, strlen(text));
}

static inline void
kfx_remove(struct kfx *f, const char *path)
{
	char *p = xasprintf("%s%s", f->dir, path);

	assert_int_equal(unlink(p), 0);
	free(p);
}

/* Write the plan's texts into the tree, as apply would. */
static inline void
kfx_apply(struct kfx *f)
{
	size_t i;

	for (i = 0; i < f->plan.n_files; i++) {
		const struct file_change *c = &f->plan.files[i];

		if (c->after != NULL)
			fx_write_bytes(f->dir, c->path, c->after, c->after_len);
		else
			kfx_remove(f, c->path);
	}
}

/* verify() with the choices; *msg gets its line (caller frees). */
static inline enum verify_result
kfx_verify(
    struct kfx *f, const char *const *items, bool after_reboot, char **msg)
{
	struct strbuf sb = STRBUF_INIT;
	struct choices c;
	enum verify_result v;

	kfx_choices(&c, items);
	v = step_cmdline.verify(f->host, &c, f->root, after_reboot, &sb);
	choices_free(&c);
	*msg = sb.len > 0 ? sb_detach(&sb) : xstrdup("");
	return v;
}

#endif
