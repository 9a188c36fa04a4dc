/*
 * spec_check.c: the semantic rules of a host spec, checked after parsing,
 * and the defaults that depend on other entries: names, firmware (EFI
 * entries, ACPI table names, DMAR/IVRS given only with their table), the
 * kernels and their modules and aliases, the IOMMU (group type, unit names
 * derived from DMAR or IVRS). PCI devices are checked in spec_check_pci.c;
 * disks, Proxmox VE and files in spec_check_misc.c.
 */
#include "vfio-wizard/pci_addr.h"
#include "spec_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
spec_error(const struct host_spec *s, const struct spec_mark *m, char **cause,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (cause == NULL)
		return -EINVAL;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (m != NULL && m->line > 0)
		*cause =
		    xasprintf("%s:%u:%u: %s", s->origin, m->line, m->col, msg);
	else
		*cause = xasprintf("%s: %s", s->origin, msg);
	free(msg);
	return -EINVAL;
}

/* A spec's addresses are always the full sysfs form "DDDD:BB:DD.F". */
bool
spec_parse_addr(
    const char *s, unsigned *dom, unsigned *bus, unsigned *dev, unsigned *fn)
{
	struct pci_addr a;

	if (strlen(s) != 12 || pci_addr_parse(s, &a) < 0)
		return false;
	*dom = a.domain;
	*bus = a.bus;
	*dev = a.dev;
	*fn = a.func;
	return true;
}

long
spec_find_pci(const struct host_spec *s, const char *addr)
{
	size_t lo = 0, hi = s->n_pci, i;

	if (s->pci_order == NULL) {
		for (i = 0; i < s->n_pci; i++)
			if (strcmp(s->pci[i].addr, addr) == 0)
				return (long)i;
		return -1;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(s->pci[s->pci_order[mid]].addr, addr);

		if (c == 0)
			return (long)s->pci_order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long
spec_find_block(const struct host_spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_block; i++)
		if (strcmp(s->block[i].name, name) == 0)
			return (long)i;
	return -1;
}

static bool
only(const char *s, const char *set)
{
	return *s != '\0' && strspn(s, set) == strlen(s);
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

static bool
word_in(const char *w, size_t len, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strlen(*set) == len && strncmp(*set, w, len) == 0)
			return true;
	return false;
}

static bool
printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static int
check_names(struct host_spec *s, char **cause)
{
	struct spec_cpu *c = &s->cpu;

	/* folded YAML text ends in a newline; the texts are shown inline */
	if (s->description != NULL)
		str_rstrip(s->description);
	if (s->source != NULL)
		str_rstrip(s->source);
	if (!only(s->name, LOWER DIGIT "-"))
		return spec_error(s, &s->top[TOP_NAME], cause,
		    "name '%s' must be lower case letters, digits and '-'",
		    s->name);
	if (s->hostname != NULL &&
	    (!only(s->hostname, LOWER UPPER DIGIT "-") ||
		s->hostname[0] == '-' || strlen(s->hostname) > 63))
		return spec_error(s, &s->top[TOP_HOSTNAME], cause,
		    "hostname '%s' must be one DNS label", s->hostname);
	if (s->has_cpu && c->cores == 0) {
		char *flags = xasprintf(" %s ", c->flags);

		c->cores = c->threads;
		if (strstr(flags, " ht ") != NULL && c->threads % 2 == 0)
			c->cores = c->threads / 2;
		free(flags);
	}
	return 0;
}

static int
check_firmware(struct host_spec *s, char **cause)
{
	struct spec_firmware *f = &s->fw;
	bool dmar = false, ivrs = false;
	size_t i, j;

	if (!f->uefi && (f->has_secure_boot || f->n_entries > 0 ||
			    f->boot_current[0] != '\0'))
		return spec_error(s, &s->top[TOP_FIRMWARE], cause,
		    "'secure_boot' and 'efi' need 'boot: uefi'");
	for (i = 0; i < f->n_entries; i++) {
		const char *u = f->entries[i].partuuid;

		for (j = 0; j < i; j++)
			if (strcmp(f->entries[i].id, f->entries[j].id) == 0)
				return spec_error(s, &f->entries[i].mark, cause,
				    "efi entry '%s' is listed twice",
				    f->entries[i].id);
		if (u != NULL &&
		    (strlen(u) != 36 || !only(u, "0123456789abcdefABCDEF-") ||
			u[8] != '-' || u[13] != '-' || u[18] != '-' ||
			u[23] != '-' || strchr(u + 24, '-') != NULL))
			return spec_error(s, &f->entries[i].mark, cause,
			    "partuuid '%s' must be a uuid", u);
	}
	if (f->boot_current[0] != '\0') {
		for (i = 0; i < f->n_entries; i++)
			if (strcmp(f->entries[i].id, f->boot_current) == 0)
				break;
		if (i == f->n_entries)
			return spec_error(s, &s->top[TOP_FIRMWARE], cause,
			    "'boot_current' %s is not among the efi entries",
			    f->boot_current);
	}
	for (i = 0; i < f->n_acpi_tables; i++) {
		const char *t = f->acpi_tables[i];

		if (strlen(t) < 4 || strlen(t) > 8 ||
		    strspn(t, UPPER DIGIT "_") < 4 ||
		    strspn(t + 4, DIGIT) != strlen(t + 4))
			return spec_error(s, &f->acpi_marks[i], cause,
			    "acpi table name '%s' must be a 4-character "
			    "signature, optionally numbered (SSDT1)",
			    t);
		for (j = 0; j < i; j++)
			if (strcmp(f->acpi_tables[j], t) == 0)
				return spec_error(s, &f->acpi_marks[i], cause,
				    "acpi table '%s' is listed twice", t);
		dmar |= strcmp(t, "DMAR") == 0;
		ivrs |= strcmp(t, "IVRS") == 0;
	}
	if (f->has_dmar && !dmar)
		return spec_error(s, &f->dmar_mark, cause,
		    "'dmar' is given but 'DMAR' is not in 'acpi_tables'");
	if (f->has_ivrs && !ivrs)
		return spec_error(s, &f->ivrs_mark, cause,
		    "'ivrs' is given but 'IVRS' is not in 'acpi_tables'");
	return 0;
}

static int
check_kernel(struct host_spec *s, char **cause)
{
	struct spec_kernel *k = &s->kernel;
	size_t i, j, m;

	if (!s->has_kernel)
		return 0;
	if (!only(k->release, LOWER UPPER DIGIT "._+-"))
		return spec_error(s, &s->top[TOP_KERNEL], cause,
		    "kernel release '%s' is odd", k->release);
	if (k->boot_id != NULL && (strlen(k->boot_id) != 36 ||
				      !only(k->boot_id, "0123456789abcdef-")))
		return spec_error(s, &s->top[TOP_KERNEL], cause,
		    "'boot_id' must be a lower-case uuid, not '%s'",
		    k->boot_id);
	for (i = 0; i < k->n_loaded; i++) {
		if (!only(k->loaded[i], LOWER DIGIT "_"))
			return spec_error(s, &k->loaded_marks[i], cause,
			    "loaded module '%s' must be [a-z0-9_]",
			    k->loaded[i]);
		for (j = 0; j < i; j++)
			if (strcmp(k->loaded[i], k->loaded[j]) == 0)
				return spec_error(s, &k->loaded_marks[i], cause,
				    "module '%s' is loaded twice",
				    k->loaded[i]);
	}
	for (i = 0; i < k->n_installed; i++) {
		struct spec_kernel_inst *ki = &k->installed[i];

		if (!only(ki->release, LOWER UPPER DIGIT "._+-"))
			return spec_error(s, &ki->mark, cause,
			    "kernel release '%s' is odd", ki->release);
		for (j = 0; j < i; j++)
			if (strcmp(k->installed[j].release, ki->release) == 0)
				return spec_error(s, &ki->mark, cause,
				    "kernel '%s' is installed twice",
				    ki->release);
		for (m = 0; m < ki->n_modules; m++) {
			struct spec_module *mod = &ki->modules[m];
			const char *p = mod->path;
			size_t len = strlen(p);

			for (j = 0; j < m; j++)
				if (strcmp(ki->modules[j].name, mod->name) == 0)
					return spec_error(s, &mod->mark, cause,
					    "module '%s' is listed twice",
					    mod->name);
			if (*p == '/' || strstr(p, "..") != NULL ||
			    strstr(p, "//") != NULL ||
			    !only(p, LOWER UPPER DIGIT "/._-") ||
			    (!(len > 3 && strcmp(p + len - 3, ".ko") == 0) &&
				strstr(p, ".ko.") == NULL))
				return spec_error(s, &mod->mark, cause,
				    "module '%s' must be 'module', 'builtin' "
				    "or a path such as "
				    "'kernel/drivers/x/x.ko', "
				    "not '%s'",
				    mod->name, p);
		}
		for (m = 0; m < ki->n_aliases; m++) {
			const char *a = ki->aliases[m], *sp = strchr(a, ' ');
			char *mod;

			if (sp == NULL || sp == a || strchr(sp + 1, ' ') ||
			    sp[1] == '\0' || !printable_ascii(a))
				return spec_error(s, &ki->alias_marks[m], cause,
				    "alias '%s' must be 'pattern module'", a);
			mod = xstrdup(sp + 1);
			for (char *q = mod; *q != '\0'; q++)
				if (*q == '-')
					*q = '_';
			for (j = 0; j < ki->n_modules; j++)
				if (strcmp(ki->modules[j].name, mod) == 0)
					break;
			free(mod);
			if (j == ki->n_modules)
				return spec_error(s, &ki->alias_marks[m], cause,
				    "alias '%s' names a module kernel '%s' "
				    "does not have",
				    a, ki->release);
		}
	}
	return 0;
}

static int
check_iommu(struct host_spec *s, char **cause)
{
	static const char *const types[] = {
	    "DMA", "DMA-FQ", "identity", "blocked", "unmanaged", NULL};
	struct spec_iommu *io = &s->iommu;
	size_t i, j;
	bool dmar = false, ivrs = false;

	if (io->group_type == NULL)
		io->group_type = xstrdup("DMA");
	if (!word_in(io->group_type, strlen(io->group_type), types))
		return spec_error(s, &s->top[TOP_IOMMU], cause,
		    "'group_type' must be DMA, DMA-FQ, identity, blocked or "
		    "unmanaged, not '%s'",
		    io->group_type);
	for (i = 0; i < io->n_units; i++) {
		if (!only(io->units[i], LOWER DIGIT "_-"))
			return spec_error(s, &io->unit_marks[i], cause,
			    "iommu unit '%s' must be [a-z0-9_-]", io->units[i]);
		for (j = 0; j < i; j++)
			if (strcmp(io->units[i], io->units[j]) == 0)
				return spec_error(s, &io->unit_marks[i], cause,
				    "iommu unit '%s' is listed twice",
				    io->units[i]);
	}
	if (!io->active || io->n_units > 0)
		return 0;
	for (i = 0; i < s->fw.n_acpi_tables; i++) {
		dmar |= strcmp(s->fw.acpi_tables[i], "DMAR") == 0;
		ivrs |= strcmp(s->fw.acpi_tables[i], "IVRS") == 0;
	}
	if (!dmar && !ivrs)
		return spec_error(s, &s->top[TOP_IOMMU], cause,
		    "the iommu is active but has no 'units' (and no DMAR or "
		    "IVRS table to name them after)");
	for (i = 0; i < (size_t)(dmar ? s->fw.dmar_units : s->fw.ivrs_units);
	     i++) {
		char *u = xasprintf(dmar ? "dmar%zu" : "ivhd%zu", i);

		ARRAY_PUSH(io->units, io->n_units, u);
	}
	return 0;
}

int
spec_check(struct host_spec *s, char **cause)
{
	int err;

	if ((err = check_names(s, cause)) < 0 ||
	    (err = check_firmware(s, cause)) < 0 ||
	    (err = check_kernel(s, cause)) < 0 ||
	    (err = check_iommu(s, cause)) < 0 ||
	    (err = spec_check_pci(s, cause)) < 0 ||
	    (err = spec_check_misc(s, cause)) < 0)
		return err;
	return spec_check_net(s, cause);
}
