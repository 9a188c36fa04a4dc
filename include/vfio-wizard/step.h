/*
 * step.h: a step of the wizard as the engine sees it.
 *
 * A step never writes: plan() reads the host snapshot and the plan's
 * current text of the files it cares about and hands back new text and the
 * commands it needs; verify() says afterwards whether what it wanted holds.
 * The engine does every write, journals it and can undo it. Steps are
 * listed in a NULL-terminated table, in the order the wizard walks them.
 */
#ifndef VW_STEP_H
#define VW_STEP_H

#include "vfio-wizard/common.h"

struct host;
struct plan;
struct root;
struct strbuf;

/* What the user chose: devices, mode, VM, confirmations ("key=value"). */
struct choices {
	char **items; /* "device=0000:00:02.0", "mode=legacy-igd" */
	size_t n_items;
};

/* The value of the last "key=value" item, or NULL. */
const char *choices_get(const struct choices *, const char *key);
void choices_add(struct choices *, const char *key, const char *value);
void choices_free(struct choices *);

enum step_flags {
	STEP_NEEDS_REBOOT = 1 << 0, /* takes effect only after a reboot */
};

enum verify_result { VERIFY_OK = 0, VERIFY_FAILED, VERIFY_AFTER_REBOOT };

struct step {
	const char *id;	   /* "cmdline", "modules", ... */
	const char *title; /* N_("Kernel command line") */
	unsigned flags;
	/* Add this step's changes to the plan; -errno with *cause. */
	int (*plan)(const struct host *, const struct choices *,
	    const struct root *, struct plan *, char **cause);
	/* Whether the change holds now (msg: one translated line why). */
	enum verify_result (*verify)(const struct host *,
	    const struct choices *, const struct root *, bool after_reboot,
	    struct strbuf *msg);
};

/* The steps of this build, in order (NULL-terminated). */
const struct step *const *steps_all(void);
/* Steps used by the engine tests (VFIO_WIZARD_TEST_STEPS=1 selects them). */
const struct step *const *steps_for_tests(void);

#endif
