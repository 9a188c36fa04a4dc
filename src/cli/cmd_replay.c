/*
 * cmd_replay.c: `vfio-wizard replay SPEC DIR` writes the root tree a host
 * spec describes, for tests, demos and bug reports.
 */
#include "cli.h"
#include "vfio-wizard/spec.h"

#include <stdio.h>
#include <stdlib.h>

int
cmd_replay(const struct cli_opts *o, int argc, char **argv)
{
	struct host_spec *spec;
	char *cause = NULL;

	(void)o;
	if (argc != 2) {
		cli_error("%s", _("usage: vfio-wizard replay SPEC.yaml DIR"));
		return EXIT_USAGE;
	}
	if (spec_load(argv[0], &spec, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_ERROR;
	}
	if (spec_replay(spec, argv[1], &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		spec_free(spec);
		return EXIT_ERROR;
	}
	spec_free(spec);
	return EXIT_DONE;
}
