/*
 * step_vm_fx.h: helpers shared by the VM config step's tests: a fixture
 * host with choices, a plan of the step alone, VM configs written into the
 * tree (then probed again), and the plan's result read back.
 */
#ifndef VW_STEP_VM_FX_H
#define VW_STEP_VM_FX_H

#include "testutil.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"
#include "../../src/steps/steps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct vmt {
	struct fx_host f;
	struct choices c;
	struct plan p;
	char *cause;
};

/* A fixture host, with "key=value" choices (NULL-terminated). */
static inline void
vmt_load(struct vmt *t, const char *host, const char *const *choices)
{
	size_t i;

	memset(t, 0, sizeof *t);
	fx_host_load(&t->f, host);
	for (i = 0; choices != NULL && choices[i] != NULL; i++) {
		const char *eq = strchr(choices[i], '=');
		char *key = xstrndup(choices[i], (size_t)(eq - choices[i]));

		choices_add(&t->c, key, eq + 1);
		free(key);
	}
}

static inline void
vmt_choose(struct vmt *t, const char *key, const char *value)
{
	choices_add(&t->c, key, value);
}

/* Probe the tree again after the test changed it. */
static inline void
vmt_reprobe(struct vmt *t)
{
	char *cause = NULL;

	host_free(t->f.host);
	t->f.host = NULL;
	if (host_probe(t->f.root, t->f.kb, &t->f.host, &cause) < 0)
		fail_msg("probe: %s", cause);
}

/* Write a VM config (then probe again). */
static inline void
vmt_conf(struct vmt *t, int vmid, const char *text)
{
	char *path = xasprintf("/etc/pve/qemu-server/%d.conf", vmid);

	fx_write_bytes(t->f.dir, path, text, strlen(text));
	free(path);
	vmt_reprobe(t);
}

/* Plan the VM step alone into a fresh plan; returns its result. */
static inline int
vmt_plan(struct vmt *t)
{
	plan_free(&t->p);
	free(t->cause);
	t->cause = NULL;
	return step_vm.plan(t->f.host, &t->c, t->f.root, &t->p, &t->cause);
}

/* Plan and expect a refusal whose cause holds says. */
static inline void
vmt_refused(struct vmt *t, int err, const char *says)
{
	int got = vmt_plan(t);

	if (got != err || t->cause == NULL || strstr(t->cause, says) == NULL)
		fail_msg("expected %d with '%s', got %d: %s", err, says, got,
		    t->cause != NULL ? t->cause : "(no cause)");
	assert_int_equal(t->p.n_files, 0);
}

/*
 * Not inlined: GCC 12 otherwise takes the result for a pointer to the
 * local 'text' (-Wdangling-pointer, a false positive at -O2).
 */
static __attribute__((noinline, unused)) char *
vmt_read(const struct vmt *t, const char *path)
{
	char *text = NULL;

	assert_int_equal(root_read(t->f.root, path, &text, NULL), 0);
	return text;
}

/* The plan's new text of path (the plan must change it). */
static inline const char *
vmt_after(const struct vmt *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->p.n_files; i++) {
		if (strcmp(t->p.files[i].path, path) == 0) {
			assert_non_null(t->p.files[i].after);
			return t->p.files[i].after;
		}
	}
	fail_msg("the plan does not change %s", path);
	return NULL;
}

/* Plan, expect success, and compare path's new text with the old one
 * plus appended lines. */
static inline void
vmt_expect_appended(struct vmt *t, const char *path, const char *lines)
{
	char *before = vmt_read(t, path);
	char *want = xasprintf("%s%s", before, lines);
	int err = vmt_plan(t);

	if (err != 0)
		fail_msg("plan: %s", t->cause);
	assert_string_equal(vmt_after(t, path), want);
	free(want);
	free(before);
}

static inline bool
vmt_note(const struct vmt *t, const char *text)
{
	size_t i;

	for (i = 0; i < t->p.n_notes; i++) {
		if (strstr(t->p.notes[i].text, text) != NULL)
			return true;
	}
	return false;
}

/* Write every planned file into the tree, as an apply would. */
static inline void
vmt_apply(struct vmt *t)
{
	size_t i;

	for (i = 0; i < t->p.n_files; i++)
		fx_write_bytes(t->f.dir, t->p.files[i].path,
		    t->p.files[i].after, t->p.files[i].after_len);
	vmt_reprobe(t);
}

/* Apply, then planning again gives nothing to do. */
static inline void
vmt_apply_idempotent(struct vmt *t)
{
	vmt_apply(t);
	if (vmt_plan(t) != 0)
		fail_msg("plan again: %s", t->cause);
	assert_int_equal(t->p.n_files, 0);
}

/* Verify as the engine does right after apply (false) or on resume. */
static inline enum verify_result
vmt_verify_at(struct vmt *t, struct strbuf *msg, bool after_reboot)
{
	sb_reset(msg);
	return step_vm.verify(t->f.host, &t->c, t->f.root, after_reboot, msg);
}

static inline enum verify_result
vmt_verify(struct vmt *t, struct strbuf *msg)
{
	return vmt_verify_at(t, msg, true);
}

static inline void
vmt_free(struct vmt *t)
{
	plan_free(&t->p);
	free(t->cause);
	choices_free(&t->c);
	fx_host_free(&t->f);
}

#endif
