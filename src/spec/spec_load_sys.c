/*
 * spec_load_sys.c: the spec sections that describe the platform: cpu,
 * firmware (boot mode, efi entries, ACPI tables, DMAR and IVRS), kernel
 * (running release, command line, loaded and installed kernels with their
 * config, modules and aliases) and iommu. Syntax only; spec_check() checks
 * what the values mean together.
 */
#include "spec_yaml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
load_cpu(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"vendor", "model_name", "family",
	    "model", "stepping", "threads", "cores", "flags", "bugs",
	    "microcode", "mhz", "cache_size", "address_sizes", NULL};
	struct spec_cpu *c = &ld->s->cpu;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "cpu")) < 0)
		return err;
	c->threads = 1;
	c->cores = 0;
	while (err == 0 && (k = ld_next(ld, n, &it, keys, "cpu", &v)) != 0) {
		const char *key = keys[k > 0 ? k - 1 : 0];

		switch (k) {
		case 1:
			err = ld_str(ld, v, key, &c->vendor);
			break;
		case 2:
			err = ld_str(ld, v, key, &c->model_name);
			break;
		case 3:
			err = ld_int(ld, v, key, 0, 0xfff, &c->family);
			break;
		case 4:
			err = ld_int(ld, v, key, 0, 0xff, &c->model);
			break;
		case 5:
			err = ld_int(ld, v, key, 0, 0xff, &c->stepping);
			break;
		case 6:
			err = ld_int(ld, v, key, 1, 8192, &c->threads);
			break;
		case 7:
			err = ld_int(ld, v, key, 1, 8192, &c->cores);
			break;
		case 8:
			err = ld_str(ld, v, key, &c->flags);
			break;
		case 9:
			err = ld_str(ld, v, key, &c->bugs);
			break;
		case 10:
			err = ld_str(ld, v, key, &c->microcode);
			break;
		case 11:
			err = ld_str(ld, v, key, &c->mhz);
			break;
		case 12:
			err = ld_str(ld, v, key, &c->cache_size);
			break;
		case 13:
			err = ld_str(ld, v, key, &c->address_sizes);
			break;
		default:
			err = k;
		}
	}
	if (err < 0)
		return err;
	ld->s->has_cpu = true;
	/* vendor, model_name, family, model, stepping, flags */
	return ld_required(ld, n, &it, keys, 0x9f, "cpu");
}

static int
hex4(const char *s, char out[5])
{
	size_t i;

	if (strlen(s) != 4 || strspn(s, "0123456789abcdefABCDEF") != 4)
		return -EINVAL;
	for (i = 0; i < 4; i++)
		out[i] = (char)(s[i] >= 'a' ? s[i] - 'a' + 'A' : s[i]);
	out[4] = '\0';
	return 0;
}

static int
load_efi_entry(struct ld *ld, const char *id, yaml_node_t *n)
{
	static const char *const keys[] = {"label", "path", "partuuid", NULL};
	struct spec_firmware *f = &ld->s->fw;
	struct spec_efi_entry e = {.mark = ld_mark(n)};
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k, err;

	if (hex4(id, e.id) < 0)
		return ld_err(ld, n,
		    "efi entry '%s' must be named by four hex digits", id);
	if ((err = ld_map(ld, n, "efi entry")) < 0)
		return err;
	ARRAY_PUSH(f->entries, f->n_entries, e);
	while ((k = ld_next(ld, n, &it, keys, "efi entry", &v)) > 0) {
		struct spec_efi_entry *p = &f->entries[f->n_entries - 1];
		char **dst = k == 1   ? &p->label
			     : k == 2 ? &p->path
				      : &p->partuuid;

		if ((err = ld_str(ld, v, keys[k - 1], dst)) < 0)
			return err;
	}
	if (k < 0)
		return k;
	return ld_required(ld, n, &it, keys, 0x1, "efi entry");
}

static int
load_efi(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"boot_current", "entries", NULL};
	struct spec_firmware *f = &ld->s->fw;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k, err;

	if ((err = ld_map(ld, n, "efi")) < 0)
		return err;
	while ((k = ld_next(ld, n, &it, keys, "efi", &v)) > 0) {
		if (k == 1) {
			char *s = NULL;

			if ((err = ld_str(ld, v, "boot_current", &s)) < 0)
				return err;
			err = hex4(s, f->boot_current);
			free(s);
			if (err < 0)
				return ld_err(ld, v,
				    "'boot_current' must be four hex digits");
		} else {
			struct ld_iter e = {0};
			const char *id;
			yaml_node_t *ev;
			int r;

			if ((err = ld_map(ld, v, "entries")) < 0)
				return err;
			while ((r = ld_next_any(
				    ld, v, &e, "entries", &id, &ev)) > 0)
				if ((err = load_efi_entry(ld, id, ev)) < 0)
					return err;
			if (r < 0)
				return r;
		}
	}
	return k;
}

static int
load_dmar(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {
	    "host_address_width", "intremap", "x2apic_opt_out", "units", NULL};
	struct spec_firmware *f = &ld->s->fw;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "dmar")) < 0)
		return err;
	f->has_dmar = true;
	f->dmar_mark = ld_mark(n);
	while (err == 0 && (k = ld_next(ld, n, &it, keys, "dmar", &v)) > 0) {
		if (k == 1)
			err = ld_int(ld, v, keys[0], 32, 64, &f->dmar_haw);
		else if (k == 2)
			err = ld_bool(ld, v, keys[1], &f->dmar_intremap);
		else if (k == 3)
			err = ld_bool(ld, v, keys[2], &f->dmar_x2apic_opt_out);
		else
			err = ld_int(ld, v, keys[3], 1, 64, &f->dmar_units);
	}
	return err < 0 ? err : k;
}

static int
load_ivrs(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"units", NULL};
	struct spec_firmware *f = &ld->s->fw;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k, err;

	if ((err = ld_map(ld, n, "ivrs")) < 0)
		return err;
	f->has_ivrs = true;
	f->ivrs_mark = ld_mark(n);
	while ((k = ld_next(ld, n, &it, keys, "ivrs", &v)) > 0)
		if ((err = ld_int(ld, v, "units", 1, 64, &f->ivrs_units)) < 0)
			return err;
	return k;
}

int
load_firmware(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {
	    "boot", "secure_boot", "efi", "acpi_tables", "dmar", "ivrs", NULL};
	struct spec_firmware *f = &ld->s->fw;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "firmware")) < 0)
		return err;
	while (
	    err == 0 && (k = ld_next(ld, n, &it, keys, "firmware", &v)) > 0) {
		char *boot = NULL;

		switch (k) {
		case 1:
			if ((err = ld_str(ld, v, "boot", &boot)) < 0)
				break;
			if (strcmp(boot, "uefi") == 0)
				f->uefi = true;
			else if (strcmp(boot, "bios") != 0)
				err = ld_err(ld, v,
				    "'boot' must be 'bios' or 'uefi', not "
				    "'%s'",
				    boot);
			free(boot);
			break;
		case 2:
			err = ld_bool(ld, v, "secure_boot", &f->secure_boot);
			f->has_secure_boot = true;
			break;
		case 3:
			err = load_efi(ld, v);
			break;
		case 4:
			err = ld_strlist(ld, v, "acpi_tables", &f->acpi_tables,
			    &f->n_acpi_tables, &f->acpi_marks);
			break;
		case 5:
			err = load_dmar(ld, v);
			break;
		case 6:
			err = load_ivrs(ld, v);
			break;
		}
	}
	if (err < 0)
		return err;
	if (k < 0)
		return k;
	return ld_required(ld, n, &it, keys, 0x1, "firmware");
}

static int
load_config(struct ld *ld, yaml_node_t *n, struct spec_kernel_inst *ki)
{
	struct ld_iter it = {0};
	const char *key;
	yaml_node_t *v;
	int r, err;

	if ((err = ld_map(ld, n, "config")) < 0)
		return err;
	while ((r = ld_next_any(ld, n, &it, "config", &key, &v)) > 0) {
		struct spec_kv kv = {.mark = ld_mark(it.key)};

		if (!str_startswith(key, "CONFIG_") || key[7] == '\0' ||
		    strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
			strlen(key))
			return ld_err(ld, it.key,
			    "config key '%s' must look like CONFIG_NAME", key);
		if (v->type != YAML_SCALAR_NODE)
			return ld_err(ld, v, "'%s' must be a scalar", key);
		kv.key = xstrdup(key);
		kv.value = xstrdup((const char *)v->data.scalar.value);
		kv.quoted = ld_is_quoted(v);
		ARRAY_PUSH(ki->config, ki->n_config, kv);
	}
	return r;
}

static int
load_modules(struct ld *ld, yaml_node_t *n, struct spec_kernel_inst *ki)
{
	struct ld_iter it = {0};
	const char *key;
	yaml_node_t *v;
	int r, err;

	if ((err = ld_map(ld, n, "modules")) < 0)
		return err;
	while ((r = ld_next_any(ld, n, &it, "modules", &key, &v)) > 0) {
		struct spec_module m = {.mark = ld_mark(it.key)};
		char *val = NULL, *p;

		if (strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
		    strlen(key))
			return ld_err(ld, it.key,
			    "module name '%s' must be [a-z0-9_-]", key);
		if ((err = ld_str(ld, v, key, &val)) < 0)
			return err;
		m.name = xstrdup(key);
		for (p = m.name; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		if (strcmp(val, "builtin") == 0 || strcmp(val, "module") == 0) {
			m.kind = val[0] == 'b' ? MOD_BUILTIN : MOD_MODULE;
			m.path = module_default_path(m.name);
			free(val);
		} else {
			m.kind = MOD_MODULE;
			m.path = val;
		}
		ARRAY_PUSH(ki->modules, ki->n_modules, m);
	}
	return r;
}

static int
load_installed(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {
	    "release", "config", "modules", "aliases", NULL};
	struct spec_kernel *kn = &ld->s->kernel;
	struct spec_kernel_inst *ki;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "installed kernel")) < 0)
		return err;
	kn->installed = xreallocarray(
	    kn->installed, kn->n_installed + 1, sizeof *kn->installed);
	ki = &kn->installed[kn->n_installed++];
	memset(ki, 0, sizeof *ki);
	ki->mark = ld_mark(n);
	while (err == 0 &&
	       (k = ld_next(ld, n, &it, keys, "installed kernel", &v)) > 0) {
		if (k == 1)
			err = ld_str(ld, v, "release", &ki->release);
		else if (k == 2)
			err = load_config(ld, v, ki);
		else if (k == 3)
			err = load_modules(ld, v, ki);
		else
			err = ld_strlist(ld, v, "aliases", &ki->aliases,
			    &ki->n_aliases, &ki->alias_marks);
	}
	if (err < 0)
		return err;
	if (k < 0)
		return k;
	return ld_required(ld, n, &it, keys, 0x1, "installed kernel");
}

int
load_kernel(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {
	    "release", "cmdline", "boot_id", "loaded", "installed", NULL};
	struct spec_kernel *kn = &ld->s->kernel;
	struct ld_iter it = {0};
	yaml_node_t *v, *item;
	size_t i;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "kernel")) < 0)
		return err;
	ld->s->has_kernel = true;
	while (err == 0 && (k = ld_next(ld, n, &it, keys, "kernel", &v)) > 0) {
		switch (k) {
		case 1:
			err = ld_str(ld, v, "release", &kn->release);
			break;
		case 2:
			err = ld_str(ld, v, "cmdline", &kn->cmdline);
			break;
		case 3:
			err = ld_str(ld, v, "boot_id", &kn->boot_id);
			break;
		case 4:
			err = ld_strlist(ld, v, "loaded", &kn->loaded,
			    &kn->n_loaded, &kn->loaded_marks);
			break;
		case 5:
			if ((err = ld_seq(ld, v, "installed")) < 0)
				break;
			for (i = 0; err == 0 && (item = ld_item(ld, v, i)); i++)
				err = load_installed(ld, item);
			break;
		}
	}
	if (err < 0)
		return err;
	if (k < 0)
		return k;
	if (kn->cmdline == NULL)
		kn->cmdline = xstrdup("");
	return ld_required(ld, n, &it, keys, 0x1, "kernel");
}

int
load_iommu(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {
	    "active", "units", "group_type", NULL};
	struct spec_iommu *io = &ld->s->iommu;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "iommu")) < 0)
		return err;
	while (err == 0 && (k = ld_next(ld, n, &it, keys, "iommu", &v)) > 0) {
		if (k == 1)
			err = ld_bool(ld, v, "active", &io->active);
		else if (k == 2)
			err = ld_strlist(
			    ld, v, "units", &io->units, &io->n_units, NULL);
		else
			err = ld_str(ld, v, "group_type", &io->group_type);
	}
	return err < 0 ? err : k;
}
