/*
 * spec_load.c: read a host spec with libyaml into struct host_spec: the
 * top level, cpu, firmware, kernel and iommu sections (the PCI devices,
 * disks, Proxmox VE and verbatim files are in spec_load_hw.c). Every mapping
 * has a fixed set of keys; semantic checks follow in spec_check.c, and the
 * tree is built once in memory so that clashing paths are found before
 * anything is written.
 */
#include "spec_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPEC_MAX_BYTES (64u << 20)

static int
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

static int
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

static int
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

static int
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

static int
load_top(struct ld *ld, yaml_node_t *root)
{
	static const char *const keys[] = {"spec", "name", "description",
	    "source", "hostname", "cpu", "firmware", "kernel", "iommu", "pci",
	    "block", "mounts", "pve", "files", "symlinks", NULL};
	struct host_spec *s = ld->s;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, version, err = 0;

	if ((err = ld_map(ld, root, "spec")) < 0)
		return err;
	while (err == 0 && (k = ld_next(ld, root, &it, keys, "spec", &v)) > 0) {
		s->top[k - 1] = ld_mark(it.key);
		switch (k) {
		case 1:
			err = ld_int(ld, v, "spec", 0, 1000, &version);
			if (err == 0 && version != 1)
				err = ld_err(ld, v,
				    "spec version %d is not supported (1 is)",
				    version);
			break;
		case 2:
			err = ld_str(ld, v, "name", &s->name);
			break;
		case 3:
			err = ld_str(ld, v, "description", &s->description);
			break;
		case 4:
			err = ld_str(ld, v, "source", &s->source);
			break;
		case 5:
			err = ld_str(ld, v, "hostname", &s->hostname);
			break;
		case 6:
			err = load_cpu(ld, v);
			break;
		case 7:
			err = load_firmware(ld, v);
			break;
		case 8:
			err = load_kernel(ld, v);
			break;
		case 9:
			err = load_iommu(ld, v);
			break;
		case 10:
			err = load_pci(ld, v);
			break;
		case 11:
			err = load_block(ld, v);
			break;
		case 12:
			s->has_mounts = true;
			err = ld_strlist(
			    ld, v, "mounts", &s->mounts, &s->n_mounts, NULL);
			break;
		case 13:
			err = load_pve(ld, v);
			break;
		case 14:
			err = load_kv(ld, v, "files", &s->files, &s->n_files);
			break;
		case 15:
			err = load_kv(
			    ld, v, "symlinks", &s->symlinks, &s->n_symlinks);
			break;
		}
	}
	if (err < 0)
		return err;
	if (k < 0)
		return k;
	/* spec, name, source */
	return ld_required(ld, root, &it, keys, 0x0b, "spec");
}

/* Defaults that do not depend on other sections. */
static void
spec_defaults(struct host_spec *s)
{
	s->fw.dmar_haw = 39;
	s->fw.dmar_intremap = true;
	s->fw.dmar_units = 1;
	s->fw.ivrs_units = 1;
}

static int
yaml_failure(const yaml_parser_t *p, const char *origin, char **cause)
{
	if (cause != NULL)
		*cause = xasprintf("%s:%zu:%zu: %s%s%s", origin,
		    p->problem_mark.line + 1, p->problem_mark.column + 1,
		    p->context != NULL ? p->context : "",
		    p->context != NULL ? ": " : "",
		    p->problem != NULL ? p->problem : "invalid yaml");
	return -EINVAL;
}

int
spec_load_buffer(const char *yaml, size_t len, const char *origin,
    struct host_spec **out, char **cause)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	struct host_spec *s;
	struct ld ld;
	yaml_node_t *root;
	struct tree t;
	int err;

	*out = NULL;
	if (origin == NULL)
		origin = "<spec>";
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err = yaml_failure(&parser, origin, cause);
		yaml_parser_delete(&parser);
		return err;
	}
	s = xcalloc(1, sizeof *s);
	s->origin = xstrdup(origin);
	spec_defaults(s);
	ld.doc = &doc;
	ld.s = s;
	ld.cause = cause;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		struct spec_mark m = {1, 1};

		err = spec_error(s, &m, cause, "the spec is empty");
	} else
		err = load_top(&ld, root);
	yaml_document_delete(&doc);
	if (err == 0) {
		if (!yaml_parser_load(&parser, &extra))
			err = yaml_failure(&parser, origin, cause);
		else {
			if (yaml_document_get_root_node(&extra) != NULL)
				err = ld_err(&ld,
				    yaml_document_get_root_node(&extra),
				    "a spec is one yaml document");
			yaml_document_delete(&extra);
		}
	}
	yaml_parser_delete(&parser);
	if (err == 0)
		err = spec_check(s, cause);
	if (err == 0) {
		/* build the tree once: clashing paths are errors now */
		tree_init(&t);
		err = spec_build(s, &t, cause);
		tree_release(&t);
	}
	if (err < 0) {
		spec_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int
spec_load(const char *path, struct host_spec **out, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	ssize_t n;
	int fd, err = 0;

	*out = NULL;
	/* the spec is the user's input document, not host state */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = -errno;
		if (cause != NULL)
			*cause = xasprintf(
			    "cannot open '%s': %s", path, strerror(errno));
		return err;
	}
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || sb.len + (size_t)n > SPEC_MAX_BYTES) {
			err = n < 0 ? -errno : -EFBIG;
			if (cause != NULL)
				*cause = xasprintf("cannot read '%s': %s", path,
				    strerror(-err));
			break;
		}
		sb_add(&sb, buf, (size_t)n);
	}
	close(fd);
	if (err == 0)
		err = spec_load_buffer(sb_str(&sb), sb.len, path, out, cause);
	sb_release(&sb);
	return err;
}

static void
kv_free(struct spec_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void
free_kernel(struct spec_kernel *k)
{
	size_t i, j;

	free(k->release);
	free(k->cmdline);
	free(k->boot_id);
	strv_free(k->loaded, k->n_loaded);
	free(k->loaded_marks);
	for (i = 0; i < k->n_installed; i++) {
		struct spec_kernel_inst *ki = &k->installed[i];

		free(ki->release);
		kv_free(ki->config, ki->n_config);
		for (j = 0; j < ki->n_modules; j++) {
			free(ki->modules[j].name);
			free(ki->modules[j].path);
		}
		free(ki->modules);
		strv_free(ki->aliases, ki->n_aliases);
		free(ki->alias_marks);
	}
	free(k->installed);
}

void
spec_free(struct host_spec *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->origin);
	free(s->name);
	free(s->description);
	free(s->source);
	free(s->hostname);
	free(s->cpu.vendor);
	free(s->cpu.model_name);
	free(s->cpu.flags);
	free(s->cpu.bugs);
	free(s->cpu.microcode);
	free(s->cpu.mhz);
	free(s->cpu.cache_size);
	free(s->cpu.address_sizes);
	for (i = 0; i < s->fw.n_entries; i++) {
		free(s->fw.entries[i].label);
		free(s->fw.entries[i].path);
		free(s->fw.entries[i].partuuid);
	}
	free(s->fw.entries);
	strv_free(s->fw.acpi_tables, s->fw.n_acpi_tables);
	free(s->fw.acpi_marks);
	free(s->iommu.unit_marks);
	free(s->mount_marks);
	free_kernel(&s->kernel);
	strv_free(s->iommu.units, s->iommu.n_units);
	free(s->iommu.group_type);
	for (i = 0; i < s->n_pci; i++) {
		struct spec_pci *d = &s->pci[i];

		free(d->driver);
		free(d->parent);
		free(d->physfn);
		free(d->reset_method);
		free(d->name);
		free(d->sysdir);
	}
	free(s->pci);
	free(s->pci_order);
	for (i = 0; i < s->n_block; i++) {
		struct spec_block *b = &s->block[i];

		free(b->name);
		free(b->controller);
		strv_free(b->partitions, b->n_partitions);
		free(b->dm_name);
		strv_free(b->slaves, b->n_slaves);
		free(b->sysdir);
		free(b->part_num);
		free(b->part_minor);
	}
	free(s->block);
	strv_free(s->mounts, s->n_mounts);
	free(s->pve.version);
	free(s->pve.running);
	free(s->pve.running_marks);
	for (i = 0; i < s->pve.n_vms; i++)
		free(s->pve.vms[i].conf);
	free(s->pve.vms);
	kv_free(s->files, s->n_files);
	kv_free(s->symlinks, s->n_symlinks);
	free(s);
}

const char *
spec_name(const struct host_spec *s)
{
	return s->name;
}

const char *
spec_description(const struct host_spec *s)
{
	return s->description != NULL ? s->description : "";
}

const char *
spec_source(const struct host_spec *s)
{
	return s->source != NULL ? s->source : "";
}
