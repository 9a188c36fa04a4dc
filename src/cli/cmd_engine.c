/*
 * cmd_engine.c: `plan`, `apply`, `resume`, `undo` and `status`: the engine
 * without a screen. Choices come from --device, --mode and --vm; apply asks
 * before it changes anything unless --yes is given (and refuses to guess
 * when there is no terminal to ask on).
 */
#include "cli.h"
#include "vfio-wizard/engine.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/journal.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/selection.h"
#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
say(const char *line, void *arg)
{
	(void)arg;
	printf("%s\n", line);
	fflush(stdout);
}

static void
output(const char *chunk, size_t len, void *arg)
{
	(void)arg;
	fwrite(chunk, 1, len, stdout);
	fflush(stdout);
}

static const struct engine_ui cli_ui = {say, output, NULL};

/* The answers file first, then the options (a later item wins). */
int
choices_from(const struct cli_opts *o, struct choices *c)
{
	size_t i;
	char addr[PCI_ADDR_LEN];
	char *cause = NULL;

	if (o->answers != NULL && answers_load(o->answers, c, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		return -EINVAL;
	}
	for (i = 0; i < o->n_devices; i++)
		choices_add(c, "device",
		    pci_address_parse(o->devices[i], addr) == 0
			? addr
			: o->devices[i]);
	if (o->mode != NULL)
		choices_add(c, "mode", o->mode);
	if (o->vm != NULL)
		choices_add(c, "vm", o->vm);
	if (o->vfs != NULL)
		choices_add(c, "vfs", o->vfs);
	if (o->mdev != NULL)
		choices_add(c, "mdev", o->mdev);
	if (o->romfile != NULL)
		choices_add(c, "romfile", o->romfile);
	if (o->x_vga)
		choices_add(c, "x-vga", "1");
	for (i = 0; i < o->n_blacklist; i++)
		choices_add(c, "blacklist", o->blacklist[i]);
	for (i = 0; i < o->n_confirms; i++)
		choices_add(c, "confirm", o->confirms[i]);
	return 0;
}

/*
 * Open the source and probe the host; the caller frees both. With c, the
 * choices are judged and completed against the host too (choose.c).
 */
static int
load_host(const struct cli_opts *o, struct cli_source *src, struct host **h,
    struct choices *c)
{
	struct kb *kb = NULL;
	char *cause = NULL, *path;
	int err;

	path = o->kb_path != NULL ? xstrdup(o->kb_path) : kb_default_path();
	err = kb_load(path, &kb, &cause);
	free(path);
	if (err == 0)
		err = cli_source_open(o, src, &cause);
	if (err == 0)
		err = host_probe(src->root, kb, h, &cause);
	if (err == 0 && c != NULL)
		err = choices_complete(*h, kb, c, &cause);
	kb_free(kb);
	if (err < 0) {
		cli_error("%s", cause);
		free(cause);
	}
	return err;
}

static int
outcome_exit(enum engine_outcome oc)
{
	switch (oc) {
	case ENGINE_DONE:
		return EXIT_DONE;
	case ENGINE_REBOOT:
		printf("%s\n", _("Reboot the host now, then run 'vfio-wizard "
				 "resume' to verify."));
		return EXIT_REBOOT;
	case ENGINE_CONFLICT:
		return EXIT_BLOCKED;
	case ENGINE_FAILED:
		break;
	}
	return EXIT_ERROR;
}

static bool
confirmed(const struct cli_opts *o)
{
	char answer[16];

	if (o->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		cli_error("%s", _("nothing was changed: confirm with --yes "
				  "when there is no terminal to ask on"));
		return false;
	}
	printf("%s ", _("Apply these changes? [y/N]"));
	fflush(stdout);
	if (fgets(answer, sizeof answer, stdin) == NULL)
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

/* plan and apply: both plan first; apply then asks and applies. */
int
cmd_plan_apply(const struct cli_opts *o, bool apply)
{
	struct choices c = {NULL, 0};
	struct plan p = PLAN_INIT;
	struct strbuf out = STRBUF_INIT;
	struct cli_source src;
	struct host *h = NULL;
	enum engine_outcome oc;
	char *cause = NULL;
	int rc = EXIT_ERROR, err;

	memset(&src, 0, sizeof src);
	if (choices_from(o, &c) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if ((err = load_host(o, &src, &h, &c)) < 0) {
		rc = err == -EPERM ? EXIT_BLOCKED : EXIT_ERROR;
		goto out;
	}
	if ((err = engine_plan(src.root, h, &c, steps_all(), &p, &cause)) < 0) {
		cli_error("%s", cause);
		/* a step's refusal (the guard, a running VM, ...) */
		rc = err == -EPERM || err == -EBUSY ? EXIT_BLOCKED : EXIT_ERROR;
		goto out;
	}
	plan_render(&p, &out);
	fputs(sb_str(&out), stdout);
	if (!apply || plan_empty(&p)) {
		rc = EXIT_DONE;
		goto out;
	}
	if (!confirmed(o)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (engine_apply(
		src.root, h, &c, steps_all(), &p, &cli_ui, &oc, &cause) < 0) {
		struct stat st;

		cli_error("%s", cause);
		/* a fault before the first record leaves no transaction */
		if (root_stat(src.root, JOURNAL_PATH, &st, true) == 0 &&
		    st.st_size > 0)
			cli_error("%s", _("the journal keeps what was done: "
					  "'vfio-wizard status' shows it, "
					  "'resume' continues, 'undo' takes it "
					  "back"));
		else
			cli_error("%s", _("nothing was changed"));
	}
	rc = outcome_exit(oc);
out:
	free(cause);
	sb_release(&out);
	plan_free(&p);
	choices_free(&c);
	host_free(h);
	cli_source_close(&src);
	return rc;
}

int
cmd_resume(const struct cli_opts *o)
{
	struct cli_source src;
	struct host *h = NULL;
	enum engine_outcome oc = ENGINE_FAILED;
	char *cause = NULL;
	int rc = EXIT_ERROR;

	memset(&src, 0, sizeof src);
	if (load_host(o, &src, &h, NULL) == 0) {
		if (engine_resume(
			src.root, h, steps_all(), &cli_ui, &oc, &cause) < 0)
			cli_error("%s", cause);
		rc = outcome_exit(oc);
	}
	free(cause);
	host_free(h);
	cli_source_close(&src);
	return rc;
}

int
cmd_undo(const struct cli_opts *o)
{
	struct strbuf conflicts = STRBUF_INIT;
	struct cli_source src;
	enum engine_outcome oc = ENGINE_FAILED;
	char *cause = NULL;
	int rc = EXIT_ERROR;

	if (cli_source_open(o, &src, &cause) < 0) {
		cli_error("%s", cause);
		free(cause);
		return EXIT_ERROR;
	}
	if (engine_undo(src.root, o->force, &cli_ui, &oc, &conflicts, &cause) <
	    0) {
		fputs(sb_str(&conflicts), stdout);
		cli_error("%s", cause);
	}
	if (oc == ENGINE_REBOOT) {
		/* not outcome_exit's advice: there is nothing to verify */
		printf("%s\n", _("Undone. The host still runs with the "
				 "passthrough settings: reboot it to boot the "
				 "restored configuration."));
		rc = EXIT_REBOOT;
	} else
		rc = outcome_exit(oc);
	free(cause);
	sb_release(&conflicts);
	cli_source_close(&src);
	return rc;
}

int
cmd_status(const struct cli_opts *o)
{
	struct strbuf out = STRBUF_INIT;
	struct cli_source src;
	char *cause = NULL;
	int rc = EXIT_DONE;

	if (cli_source_open(o, &src, &cause) < 0 ||
	    engine_status(src.root, &out, &cause) < 0) {
		cli_error("%s", cause);
		rc = EXIT_ERROR;
	}
	fputs(sb_str(&out), stdout);
	free(cause);
	sb_release(&out);
	cli_source_close(&src);
	return rc;
}
