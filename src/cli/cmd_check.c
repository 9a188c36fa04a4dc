/*
 * cmd_check.c: `vfio-wizard check`: probe the host, run every check and
 * print the findings and verdicts as text or JSON. Exit 3 when anything
 * fails (the host or a device is blocked), 0 otherwise.
 */
#include "cli.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/step.h"

#include <stdio.h>
#include <stdlib.h>

int
cmd_check(const struct cli_opts *o)
{
	struct check_options copts = {o->devices, o->n_devices, NULL};
	struct choices confirms = {NULL, 0};
	struct cli_source src;
	struct check_result *res = NULL;
	struct strbuf out = STRBUF_INIT;
	struct host *h = NULL;
	struct kb *kb = NULL;
	char *cause = NULL, *kb_path;
	int rc = EXIT_ERROR, err;
	size_t i;

	/* --confirm: a lifted block shows as a note (guard.h) */
	for (i = 0; i < o->n_confirms; i++)
		choices_add(&confirms, "confirm", o->confirms[i]);
	copts.choices = &confirms;
	kb_path = o->kb_path != NULL ? xstrdup(o->kb_path) : kb_default_path();
	err = kb_load(kb_path, &kb, &cause);
	free(kb_path);
	if (err < 0) {
		cli_error(
		    _("cannot load the hardware knowledge base: %s"), cause);
		free(cause);
		choices_free(&confirms);
		return EXIT_ERROR;
	}
	if (cli_source_open(o, &src, &cause) < 0) {
		cli_error("%s", cause);
		goto out;
	}
	if (host_probe(src.root, kb, &h, &cause) < 0) {
		cli_error("%s", cause);
		goto out;
	}
	if (check_run(h, kb, &copts, &res, &cause) < 0) {
		cli_error("%s", cause);
		rc = EXIT_USAGE;
		goto out;
	}
	if (o->json)
		render_check_json(h, res, &out);
	else
		render_check_text(h, res, &out);
	fputs(sb_str(&out), stdout);
	rc = res->worst == SEV_FAIL ? EXIT_BLOCKED : EXIT_DONE;
out:
	free(cause);
	sb_release(&out);
	check_result_free(res);
	choices_free(&confirms);
	host_free(h);
	cli_source_close(&src);
	kb_free(kb);
	return rc;
}
