/*
 * spec_load.c: read a host spec with libyaml into struct host_spec: the
 * document and its top level (the platform sections are in spec_load_sys.c,
 * the PCI devices, disks, Proxmox VE and files in spec_load_hw.c, the fake
 * commands in spec_commands.c), and free
 * it again. Every mapping has a fixed set of keys; semantic checks follow
 * in spec_check.c, and the tree is built once in memory so that clashing
 * paths are found before anything is written.
 */
#include "spec_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPEC_MAX_BYTES (64u << 20)

static int
load_top(struct ld *ld, yaml_node_t *root)
{
	static const char *const keys[] = {"spec", "name", "description",
	    "source", "hostname", "cpu", "firmware", "kernel", "iommu", "pci",
	    "block", "mounts", "pve", "files", "symlinks", "commands", "net",
	    "zpools", "packages", "dirs", NULL};
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
		case 16:
			err = load_commands(ld, v);
			break;
		case 17:
			err = load_net(ld, v);
			break;
		case 18:
			err = load_zpools(ld, v);
			break;
		case 19:
			err = load_kv(
			    ld, v, "packages", &s->packages, &s->n_packages);
			break;
		case 20:
			err = ld_strlist(
			    ld, v, "dirs", &s->dirs, &s->n_dirs, &s->dir_marks);
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
	free_net(s); /* before the pci entries that hold netdev names */
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
	kv_free(s->packages, s->n_packages);
	strv_free(s->dirs, s->n_dirs);
	free(s->dir_marks);
	free_commands(s);
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
