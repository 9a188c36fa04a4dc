/*
 * cmd_report.c: `vfio-wizard report`: probe the host and write a redacted
 * host spec (doc/report.md) that `replay` and `--replay` read back, with a
 * few lines of summary (CPU, kernel, boot loader, IOMMU, the GPUs and their
 * verdicts). The YAML goes to -o FILE (replaced atomically) or stdout, the
 * summary to stderr; --summary prints only the summary; --json prints
 * {"summary": {...}, "spec": "<the YAML>"}.
 */
#include "cli.h"
#include "vfio-wizard/fsio.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/json.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *
loader_name(enum bootloader b)
{
	switch (b) {
	case BOOT_GRUB:
		return "GRUB";
	case BOOT_SYSTEMD_BOOT:
		return "systemd-boot";
	case BOOT_UNKNOWN:
		break;
	}
	return _("unknown");
}

/* One GPU's verdict in a few words: the recommended mode or the block. */
static char *
gpu_verdict(const struct verdict *v)
{
	const char *m = v->recommended != 0 ? mode_name(v->recommended) : NULL;

	if (v->n_blockers > 0)
		return xasprintf(_("blocked: %s"), v->blockers[0]);
	if (m != NULL)
		return xasprintf(_("can be passed through (%s)"), m);
	return xstrdup(_("no mode works"));
}

static void
summary_text(const struct host *h, const struct check_result *res,
    const char *where, struct strbuf *sb)
{
	size_t i;

	sb_addf(sb, _("CPU:         %s\n"),
	    h->cpu.model_name != NULL ? h->cpu.model_name : _("unknown"));
	sb_addf(sb, _("Kernel:      %s\n"),
	    h->kernel.release != NULL ? h->kernel.release : _("unknown"));
	sb_addf(sb, _("Boot:        %s, %s\n"),
	    h->firmware.uefi ? "UEFI" : "BIOS", loader_name(h->boot.loader));
	sb_addf(sb, _("IOMMU:       %s\n"),
	    h->iommu.active ? _("active") : _("not active"));
	for (i = 0; i < res->n_verdicts; i++) {
		const struct pci_device *d = &h->pci[res->verdicts[i].device];
		char *v;

		if (!pci_is_gpu(d))
			continue;
		v = gpu_verdict(&res->verdicts[i]);
		sb_addf(sb, _("GPU:         %s %s: %s\n"), d->address,
		    d->device_name != NULL ? d->device_name : "", v);
		free(v);
	}
	sb_addf(sb,
	    _("Report:      %s (redacted: no serial numbers, MAC or IP "
	      "addresses, host or VM names)\n"),
	    where);
}

static void
summary_json(const struct host *h, const struct check_result *res,
    const char *file, struct json *j)
{
	size_t i;

	json_object_begin(j);
	json_kv_string(j, "cpu", h->cpu.model_name);
	json_kv_string(j, "kernel", h->kernel.release);
	json_kv_string(j, "firmware", h->firmware.uefi ? "uefi" : "bios");
	json_kv_string(j, "bootloader",
	    h->boot.loader == BOOT_GRUB		  ? "grub"
	    : h->boot.loader == BOOT_SYSTEMD_BOOT ? "systemd-boot"
						  : NULL);
	json_kv_bool(j, "iommu_active", h->iommu.active);
	json_key(j, "gpus");
	json_array_begin(j);
	for (i = 0; i < res->n_verdicts; i++) {
		const struct verdict *v = &res->verdicts[i];
		const struct pci_device *d = &h->pci[v->device];

		if (!pci_is_gpu(d))
			continue;
		json_object_begin(j);
		json_kv_string(j, "address", d->address);
		json_kv_string(j, "name", d->device_name);
		json_kv_string(j, "recommended",
		    v->recommended != 0 ? mode_name(v->recommended) : NULL);
		json_kv_string(
		    j, "blocked", v->n_blockers > 0 ? v->blockers[0] : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_string(j, "file", file);
	json_object_end(j);
}

/* "vfio-wizard report 0.1, 2024-05-01" (SOURCE_DATE_EPOCH when set). */
static char *
report_source(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde != NULL ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	char date[16];

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d", &tm);
	return xasprintf("vfio-wizard report %s, %s", PACKAGE_VERSION, date);
}

/*
 * Write the YAML to -o FILE through fsio's safe replacement, with the
 * file's directory as the root: nothing else of the machine is touched.
 */
static int
write_output(const char *file, const char *yaml, char **cause)
{
	struct file_meta meta = {false, 0644, getuid(), getgid()};
	struct root *r = NULL;
	char *dir, *base, *slash, *path;
	int err;

	dir = xstrdup(file);
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		base = xstrdup(file);
		free(dir);
		dir = xstrdup(".");
	} else {
		base = xstrdup(slash + 1);
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (*base == '\0')
		err = fsio_fail(cause, -EISDIR, "cannot write '%s'", file);
	else if ((err = root_open(dir, &r)) < 0)
		fsio_fail(cause, err, "cannot write '%s'", file);
	else {
		path = xasprintf("/%s", base);
		err =
		    fsio_replace(r, path, yaml, strlen(yaml), &meta, 0, cause);
		free(path);
		if (err < 0 && cause != NULL) {
			/* fsio names the path inside the directory: "/x.yaml"
			 */
			free(*cause);
			*cause = xasprintf(
			    "cannot write '%s': %s", file, strerror(-err));
		}
	}
	root_free(r);
	free(dir);
	free(base);
	return err;
}

/* The probe and the judgement the summary shows. */
static int
probe_and_check(const struct cli_opts *o, struct cli_source *src,
    struct host **h, struct check_result **res)
{
	struct check_options copts = {NULL, 0, NULL};
	struct kb *kb = NULL;
	char *cause = NULL, *kb_path;
	int err;

	kb_path = o->kb_path != NULL ? xstrdup(o->kb_path) : kb_default_path();
	err = kb_load(kb_path, &kb, &cause);
	free(kb_path);
	if (err < 0) {
		cli_error(
		    _("cannot load the hardware knowledge base: %s"), cause);
		free(cause);
		return err;
	}
	err = cli_source_open(o, src, &cause);
	if (err == 0)
		err = host_probe(src->root, kb, h, &cause);
	if (err == 0)
		err = check_run(*h, kb, &copts, res, &cause);
	if (err < 0)
		cli_error("%s", cause);
	free(cause);
	kb_free(kb);
	return err;
}

int
cmd_report(const struct cli_opts *o)
{
	struct spec_emit_opts eo = {"host-report", NULL, NULL, !o->no_redact};
	struct cli_source src = {NULL, NULL};
	struct check_result *res = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct host *h = NULL;
	char *yaml = NULL, *cause = NULL, *source = NULL, *desc = NULL;
	const char *where;
	struct json j;
	int rc = EXIT_ERROR;

	if (probe_and_check(o, &src, &h, &res) < 0)
		goto out;
	source = report_source();
	eo.source = source;
	desc = xasprintf("Host report of a machine with %s, kernel %s.",
	    h->cpu.model_name != NULL ? h->cpu.model_name : "an unknown CPU",
	    h->kernel.release != NULL ? h->kernel.release : "unknown");
	eo.description = desc;
	if (!o->summary_only &&
	    spec_emit(src.root, h, &eo, &yaml, &cause) < 0) {
		cli_error(_("cannot write the report: %s"), cause);
		goto out;
	}
	if (o->output != NULL && yaml != NULL &&
	    write_output(o->output, yaml, &cause) < 0) {
		cli_error(_("cannot write the report: %s"), cause);
		goto out;
	}
	where = o->summary_only	    ? _("not written (--summary)")
		: o->output != NULL ? o->output
				    : _("standard output");
	if (o->json) {
		json_init(&j, &sb);
		json_object_begin(&j);
		json_key(&j, "summary");
		summary_json(h, res, o->output, &j);
		json_kv_string(&j, "spec", o->output == NULL ? yaml : NULL);
		json_object_end(&j);
		sb_addc(&sb, '\n');
		fputs(sb_str(&sb), stdout);
	} else {
		summary_text(h, res, where, &sb);
		fputs(sb_str(&sb), o->summary_only ? stdout : stderr);
		if (o->output == NULL && yaml != NULL)
			fputs(yaml, stdout);
	}
	rc = EXIT_DONE;
out:
	free(cause);
	free(yaml);
	free(source);
	free(desc);
	sb_release(&sb);
	check_result_free(res);
	host_free(h);
	cli_source_close(&src);
	return rc;
}
