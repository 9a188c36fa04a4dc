/*
 * spec_load_hw.c: the spec sections that describe hardware and host state:
 * pci devices (with a NIC's network interface), block devices, Proxmox VE,
 * and the verbatim files and symlinks. Only syntax is checked here (types, ID
 * formats); relations between entries are spec_check()'s.
 */
#include "spec_yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdefABCDEF") == n;
}

/* "8086:0412" -> two 16-bit IDs. */
static int
load_id_pair(
    struct ld *ld, yaml_node_t *v, const char *key, uint16_t *a, uint16_t *b)
{
	char *s = NULL;
	int err = ld_str(ld, v, key, &s);

	if (err < 0)
		return err;
	if (strlen(s) != 9 || s[4] != ':' ||
	    strspn(s, "0123456789abcdefABCDEF") != 4 || !is_hex(s + 5, 4)) {
		err = ld_err(ld, v,
		    "'%s' must be two 4-hex-digit IDs as in '8086:0412', not "
		    "'%s'",
		    key, s);
	} else {
		*a = (uint16_t)strtoul(s, NULL, 16);
		*b = (uint16_t)strtoul(s + 5, NULL, 16);
	}
	free(s);
	return err;
}

static int
load_addr(struct ld *ld, yaml_node_t *v, const char *key, char **out)
{
	unsigned a, b, c, d;
	char *s = NULL;
	int err = ld_str(ld, v, key, &s);

	if (err < 0)
		return err;
	if (!spec_parse_addr(s, &a, &b, &c, &d)) {
		err = ld_err(ld, v,
		    "'%s' must be a PCI address DDDD:BB:DD.F, not '%s'", key,
		    s);
		free(s);
		return err;
	}
	free(*out);
	*out = xasprintf("%04x:%02x:%02x.%u", a, b, c, d);
	free(s);
	return 0;
}

static int
load_sriov(struct ld *ld, yaml_node_t *n, struct spec_pci *d)
{
	static const char *const keys[] = {
	    "total", "num", "offset", "stride", "vf_device", NULL};
	struct ld_iter it = {0};
	yaml_node_t *v;
	long x = 0;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "sriov")) < 0)
		return err;
	d->has_sriov = true;
	while (err == 0 && (k = ld_next(ld, n, &it, keys, "sriov", &v)) > 0) {
		char *s = NULL;

		switch (k) {
		case 1:
			err = ld_long(ld, v, "total", 1, 65535, &x);
			d->sriov_total = (unsigned)x;
			break;
		case 2:
			err = ld_long(ld, v, "num", 0, 65535, &x);
			d->sriov_num = (unsigned)x;
			break;
		case 3:
			err = ld_long(ld, v, "offset", 1, 255, &x);
			d->sriov_offset = (unsigned)x;
			break;
		case 4:
			err = ld_long(ld, v, "stride", 1, 255, &x);
			d->sriov_stride = (unsigned)x;
			break;
		case 5:
			if ((err = ld_str(ld, v, "vf_device", &s)) < 0)
				break;
			if (!is_hex(s, 4))
				err = ld_err(ld, v,
				    "'vf_device' must be four hex digits");
			else
				d->sriov_vf_device = (int)strtol(s, NULL, 16);
			free(s);
			break;
		}
	}
	if (err < 0 || k < 0)
		return err < 0 ? err : k;
	return ld_required(ld, n, &it, keys, 0x1, "sriov");
}

static int
load_class(struct ld *ld, yaml_node_t *v, uint32_t *out)
{
	char *s = NULL;
	int err = ld_str(ld, v, "class", &s);

	if (err < 0)
		return err;
	if (!is_hex(s, 6))
		err = ld_err(ld, v,
		    "'class' must be six hex digits (base, sub, prog-if) as "
		    "in '030000', not '%s'",
		    s);
	else
		*out = (uint32_t)strtoul(s, NULL, 16);
	free(s);
	return err;
}

static int
load_one_pci(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"address", "id", "subsys", "class",
	    "rev", "driver", "group", "boot_vga", "parent", "flr",
	    "reset_method", "multifunction", "sriov", "physfn", "name", "pcie",
	    "irq", "netdev", NULL};
	struct host_spec *s = ld->s;
	struct spec_pci *d;
	struct ld_iter it = {0};
	char *addr = NULL;
	yaml_node_t *v;
	bool b;
	int k = 0, x, err = 0;

	if ((err = ld_map(ld, n, "pci entry")) < 0)
		return err;
	s->pci = xreallocarray(s->pci, s->n_pci + 1, sizeof *s->pci);
	d = &s->pci[s->n_pci++];
	memset(d, 0, sizeof *d);
	d->mark = ld_mark(n);
	d->group = -1;
	d->boot_vga = -1;
	d->multifunction = -1;
	d->pcie = -1;
	d->sriov_vf_device = -1;
	d->parent_idx = d->physfn_idx = -1;
	while (
	    err == 0 && (k = ld_next(ld, n, &it, keys, "pci entry", &v)) > 0) {
		const char *key = keys[k - 1];

		switch (k) {
		case 1:
			err = load_addr(ld, v, key, &addr);
			if (err == 0) {
				snprintf(d->addr, sizeof d->addr, "%s", addr);
				spec_parse_addr(
				    addr, &d->dom, &d->bus, &d->dev, &d->fn);
			}
			free(addr);
			break;
		case 2:
			err = load_id_pair(ld, v, key, &d->vendor, &d->device);
			break;
		case 3:
			err = load_id_pair(
			    ld, v, key, &d->sub_vendor, &d->sub_device);
			break;
		case 4:
			err = load_class(ld, v, &d->class_code);
			break;
		case 5:
			err = ld_int(ld, v, key, 0, 255, &x);
			d->rev = (uint8_t)x;
			break;
		case 6:
			err = ld_str(ld, v, key, &d->driver);
			break;
		case 7:
			err = ld_int(ld, v, key, 0, 1 << 20, &d->group);
			break;
		case 8:
			err = ld_bool(ld, v, key, &b);
			d->boot_vga = b;
			break;
		case 9:
			err = load_addr(ld, v, key, &d->parent);
			break;
		case 10:
			err = ld_bool(ld, v, key, &d->flr);
			break;
		case 11:
			err = ld_str(ld, v, key, &d->reset_method);
			break;
		case 12:
			err = ld_bool(ld, v, key, &b);
			d->multifunction = b;
			break;
		case 13:
			err = load_sriov(ld, v, d);
			break;
		case 14:
			err = load_addr(ld, v, key, &d->physfn);
			break;
		case 15:
			err = ld_str(ld, v, key, &d->name);
			break;
		case 16:
			err = ld_bool(ld, v, key, &b);
			d->pcie = b;
			break;
		case 17:
			err = ld_int(ld, v, key, 0, 65535, &d->irq);
			break;
		case 18:
			err = ld_str(ld, v, key, &d->netdev);
			break;
		}
	}
	if (err < 0 || k < 0)
		return err < 0 ? err : k;
	/* address, id, class */
	return ld_required(ld, n, &it, keys, 0xb, "pci entry");
}

int
load_pci(struct ld *ld, yaml_node_t *n)
{
	yaml_node_t *item;
	size_t i;
	int err;

	if ((err = ld_seq(ld, n, "pci")) < 0)
		return err;
	for (i = 0; (item = ld_item(ld, n, i)) != NULL; i++)
		if ((err = load_one_pci(ld, item)) < 0)
			return err;
	return 0;
}

static int
load_one_block(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {
	    "name", "controller", "partitions", "dm_name", "slaves", NULL};
	struct host_spec *s = ld->s;
	struct spec_block *b;
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "block entry")) < 0)
		return err;
	s->block = xreallocarray(s->block, s->n_block + 1, sizeof *s->block);
	b = &s->block[s->n_block++];
	memset(b, 0, sizeof *b);
	b->mark = ld_mark(n);
	b->ctrl_idx = -1;
	while (err == 0 &&
	       (k = ld_next(ld, n, &it, keys, "block entry", &v)) > 0) {
		if (k == 1)
			err = ld_str(ld, v, "name", &b->name);
		else if (k == 2)
			err = load_addr(ld, v, "controller", &b->controller);
		else if (k == 3)
			err = ld_strlist(ld, v, "partitions", &b->partitions,
			    &b->n_partitions, NULL);
		else if (k == 4)
			err = ld_str(ld, v, "dm_name", &b->dm_name);
		else
			err = ld_strlist(
			    ld, v, "slaves", &b->slaves, &b->n_slaves, NULL);
	}
	if (err < 0 || k < 0)
		return err < 0 ? err : k;
	return ld_required(ld, n, &it, keys, 0x1, "block entry");
}

int
load_block(struct ld *ld, yaml_node_t *n)
{
	yaml_node_t *item;
	size_t i;
	int err;

	if ((err = ld_seq(ld, n, "block")) < 0)
		return err;
	for (i = 0; (item = ld_item(ld, n, i)) != NULL; i++)
		if ((err = load_one_block(ld, item)) < 0)
			return err;
	return 0;
}

static int
load_vms(struct ld *ld, yaml_node_t *n)
{
	struct spec_pve *p = &ld->s->pve;
	struct ld_iter it = {0};
	const char *key;
	yaml_node_t *v;
	int r, err;

	if ((err = ld_map(ld, n, "vms")) < 0)
		return err;
	while ((r = ld_next_any(ld, n, &it, "vms", &key, &v)) > 0) {
		struct spec_vm vm = {.mark = ld_mark(it.key)};
		long id;

		if ((err = ld_long(ld, it.key, "vm id", 100, 999999999, &id)) <
		    0)
			return err;
		vm.id = (unsigned long)id;
		if (v->type != YAML_SCALAR_NODE)
			return ld_err(
			    ld, v, "vm %ld must be the text of its config", id);
		vm.conf = xstrdup((const char *)v->data.scalar.value);
		ARRAY_PUSH(p->vms, p->n_vms, vm);
	}
	return r;
}

int
load_pve(struct ld *ld, yaml_node_t *n)
{
	static const char *const keys[] = {"version", "running", "vms", NULL};
	struct spec_pve *p = &ld->s->pve;
	struct ld_iter it = {0};
	yaml_node_t *v, *item;
	size_t i;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "pve")) < 0)
		return err;
	ld->s->has_pve = true;
	p->mark = ld_mark(n);
	while (err == 0 && (k = ld_next(ld, n, &it, keys, "pve", &v)) > 0) {
		if (k == 1) {
			err = ld_str(ld, v, "version", &p->version);
		} else if (k == 2) {
			if ((err = ld_seq(ld, v, "running")) < 0)
				break;
			for (i = 0; err == 0 && (item = ld_item(ld, v, i));
			     i++) {
				long id = 0;
				struct spec_mark m = ld_mark(item);

				err = ld_long(
				    ld, item, "running", 100, 999999999, &id);
				ARRAY_PUSH(p->running, p->n_running,
				    (unsigned long)id);
				p->running_marks = xreallocarray(
				    p->running_marks, p->n_running, sizeof m);
				p->running_marks[p->n_running - 1] = m;
			}
		} else
			err = load_vms(ld, v);
	}
	if (err < 0 || k < 0)
		return err < 0 ? err : k;
	return ld_required(ld, n, &it, keys, 0x1, "pve");
}

int
load_kv(struct ld *ld, yaml_node_t *n, const char *what, struct spec_kv **kv,
    size_t *count)
{
	struct ld_iter it = {0};
	const char *key;
	yaml_node_t *v;
	int r, err;

	if ((err = ld_map(ld, n, what)) < 0)
		return err;
	while ((r = ld_next_any(ld, n, &it, what, &key, &v)) > 0) {
		struct spec_kv e = {.mark = ld_mark(it.key)};

		if (v->type != YAML_SCALAR_NODE)
			return ld_err(
			    ld, v, "'%s' in '%s' must be a string", key, what);
		if (strlen((const char *)v->data.scalar.value) !=
		    v->data.scalar.length)
			return ld_err(
			    ld, v, "'%s' must not contain a NUL byte", key);
		e.key = xstrdup(key);
		e.value = xstrdup((const char *)v->data.scalar.value);
		e.quoted = ld_is_quoted(v);
		ARRAY_PUSH(*kv, *count, e);
	}
	return r;
}
