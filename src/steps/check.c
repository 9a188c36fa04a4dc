/*
 * check.c: runs every section's checks over a host snapshot and collects
 * findings and verdicts. Pure over struct host: nothing here reads the
 * machine. Problems the probes met become warnings in their section, so an
 * unreadable file is never silently taken for "absent".
 */
#include "vfio-wizard/check.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const section_ids[SEC__COUNT] = {
    [SEC_FIRMWARE] = "firmware",
    [SEC_IOMMU] = "iommu",
    [SEC_BOOT] = "boot",
    [SEC_MODULES] = "modules",
    [SEC_DEVICES] = "devices",
};

const char *
check_section_id(enum check_section s)
{
	return section_ids[s];
}

const char *
check_section_title(enum check_section s)
{
	switch (s) {
	case SEC_FIRMWARE:
		return _("Firmware");
	case SEC_IOMMU:
		return _("IOMMU");
	case SEC_BOOT:
		return _("Boot and command line");
	case SEC_MODULES:
		return _("Modules");
	case SEC_DEVICES:
		return _("Devices and groups");
	case SEC__COUNT:
		break;
	}
	return "?";
}

const char *
severity_id(enum severity s)
{
	static const char *const ids[] = {"ok", "info", "warn", "fail"};

	return ids[s];
}

void
check_add(struct check_result *res, enum check_section section,
    enum severity sev, const char *evidence, const char *hint, const char *fmt,
    ...)
{
	struct finding f;
	va_list ap;

	va_start(ap, fmt);
	f.message = xvasprintf(fmt, ap);
	va_end(ap);
	f.section = section;
	f.severity = sev;
	f.evidence = evidence != NULL ? xstrdup(evidence) : NULL;
	f.hint = hint != NULL ? xstrdup(hint) : NULL;
	ARRAY_PUSH(res->findings, res->n_findings, f);
	if (sev > res->worst)
		res->worst = sev;
}

/* The section a probe problem belongs to, by the probe that met it. */
static enum check_section
problem_section(const char *what)
{
	if (strcmp(what, "cpu") == 0 || strcmp(what, "firmware") == 0)
		return SEC_FIRMWARE;
	if (strcmp(what, "iommu") == 0)
		return SEC_IOMMU;
	if (strcmp(what, "boot") == 0 || strcmp(what, "kernel") == 0)
		return SEC_BOOT;
	if (strcmp(what, "kmod") == 0 || strcmp(what, "modules") == 0)
		return SEC_MODULES;
	return SEC_DEVICES;
}

/* Sort findings by section, keeping each section's order (stable). */
static void
sort_findings(struct check_result *res)
{
	struct finding *sorted;
	size_t i, n = 0;
	int s;

	if (res->n_findings < 2)
		return;
	sorted = xreallocarray(NULL, res->n_findings, sizeof *sorted);
	for (s = 0; s < SEC__COUNT; s++) {
		for (i = 0; i < res->n_findings; i++) {
			if ((int)res->findings[i].section == s)
				sorted[n++] = res->findings[i];
		}
	}
	free(res->findings);
	res->findings = sorted;
}

int
check_run(const struct host *h, const struct kb *kb,
    const struct check_options *opts, struct check_result **out, char **cause)
{
	static const struct check_options none = {NULL, 0};
	struct check_result *res;
	size_t i;
	char addr[PCI_ADDR_LEN];

	if (opts == NULL)
		opts = &none;
	for (i = 0; i < opts->n_devices; i++) {
		if (pci_address_parse(opts->devices[i], addr) < 0) {
			*cause =
			    xasprintf(_("'%s' is not a PCI address "
					"(expected 0000:00:02.0 or 00:02.0)"),
				opts->devices[i]);
			return -EINVAL;
		}
		if (host_pci_find(h, addr) == NULL) {
			*cause = xasprintf(_("no PCI device at '%s'"), addr);
			return -ENOENT;
		}
	}
	res = xcalloc(1, sizeof *res);
	for (i = 0; i < h->n_problems; i++) {
		check_add(res, problem_section(h->problems[i].what), SEV_WARN,
		    h->problems[i].message, NULL,
		    _("part of the host could not be read"));
	}
	check_firmware(h, res);
	check_iommu(h, res);
	check_boot(h, res);
	check_modules(h, res);
	check_devices(h, kb, opts, res);
	sort_findings(res);
	*out = res;
	return 0;
}

void
check_result_free(struct check_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->n_findings; i++) {
		free(res->findings[i].message);
		free(res->findings[i].evidence);
		free(res->findings[i].hint);
	}
	free(res->findings);
	for (i = 0; i < res->n_verdicts; i++) {
		struct verdict *v = &res->verdicts[i];

		strv_free(v->companions, v->n_companions);
		strv_free(v->siblings, v->n_siblings);
		strv_free(v->blockers, v->n_blockers);
		strv_free(v->notes, v->n_notes);
	}
	free(res->verdicts);
	free(res);
}
