/*
 * steps.h: helpers shared by the section checks in src/steps/ (not a public
 * module interface).
 */
#ifndef VW_STEPS_H
#define VW_STEPS_H

#include "vfio-wizard/check.h"
#include "vfio-wizard/step.h"

/*
 * The value of the last "key=value" (or "" for a bare "key") on a kernel
 * command line, or NULL when absent; caller frees.
 */
char *kparam(const char *cmdline, const char *key);
/* True when the comma-separated value list of key holds item. */
bool kparam_has(const char *cmdline, const char *key, const char *item);

bool host_is_intel(const struct host *);
bool host_is_amd(const struct host *);

/* The real steps, in the order the wizard walks them (steps_all.c). */
extern const struct step step_cmdline; /* step_cmdline.c */
extern const struct step step_modules; /* step_modules.c */
extern const struct step step_sriov;   /* step_sriov.c */
extern const struct step step_vm;      /* step_vm.c */

#endif
