/*
 * steps_all.c: the table of the wizard's steps, in the order it walks
 * them. VFIO_WIZARD_TEST_STEPS=1 swaps in the engine tests' steps.
 */
#include "steps.h"

#include <stdlib.h>
#include <string.h>

const struct step *const *
steps_all(void)
{
	static const struct step *const steps[] = {
	    &step_cmdline,
	    &step_modules,
	    &step_sriov,
	    &step_vm, /* after step_cmdline and step_modules */
	    NULL,
	};
	const char *t = getenv("VFIO_WIZARD_TEST_STEPS");

	if (t != NULL && strcmp(t, "1") == 0)
		return steps_for_tests();
	return steps;
}
