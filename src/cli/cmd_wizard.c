/*
 * cmd_wizard.c: vfio-wizard without a command: open the source, probe the
 * host, load the knowledge base, take the initial choices from the options
 * or --answers (judged and completed as plan does), then hand over to the
 * full-screen wizard. Errors before the screen starts go to stderr like
 * any command's.
 */
#include "cli.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/ui.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
cmd_wizard(const struct cli_opts *o)
{
	struct choices c = {NULL, 0};
	struct cli_source src;
	struct ui_start s;
	struct host *h = NULL;
	struct kb *kb = NULL;
	char *cause = NULL, *path;
	int rc = EXIT_ERROR, err;

	memset(&src, 0, sizeof src);
	if (o->json) {
		cli_error("%s", _("--json needs a command: the wizard is for "
				  "a terminal"));
		return EXIT_USAGE;
	}
	if (choices_from(o, &c) < 0) {
		choices_free(&c);
		return EXIT_USAGE;
	}
	path = o->kb_path != NULL ? xstrdup(o->kb_path) : kb_default_path();
	err = kb_load(path, &kb, &cause);
	free(path);
	if (err == 0)
		err = cli_source_open(o, &src, &cause);
	if (err == 0)
		err = host_probe(src.root, kb, &h, &cause);
	if (err == 0 && choices_get(&c, "device") != NULL)
		err = choices_complete(h, kb, &c, &cause);
	if (err < 0) {
		cli_error("%s", cause);
		rc = err == -EPERM ? EXIT_BLOCKED : EXIT_ERROR;
		goto out;
	}
	memset(&s, 0, sizeof s);
	s.root = src.root;
	s.host = h;
	s.kb = kb;
	s.choices = &c;
	s.steps = steps_all();
	s.ascii = -1;
	s.colour = -1;
	rc = ui_run(&s, &cause);
	if (cause != NULL)
		cli_error(_("the wizard cannot start: %s; the commands work "
			    "without a terminal (see --help)"),
		    cause);
out:
	free(cause);
	choices_free(&c);
	host_free(h);
	kb_free(kb);
	cli_source_close(&src);
	return rc;
}
