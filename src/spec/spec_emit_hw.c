/*
 * spec_emit_hw.c: the report's firmware (boot mode, efivars' boot entries,
 * the ACPI tables with DMAR's and IVRS's facts), kernel (command line,
 * loaded modules, each installed kernel's config options, modules and
 * aliases read with libkmod) and PCI device sections.
 */
#include "spec_emit.h"
#include "spec_priv.h"

#include <libkmod.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EFIVARS "/sys/firmware/efi/efivars/"
#define EFI_GLOBAL "-8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define ACPI_TABLES "/sys/firmware/acpi/tables"

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

/* An efivar's value without its attribute bytes; NULL when absent. */
static unsigned char *
efivar(struct emit *e, const char *name, size_t *len)
{
	char *path = xasprintf(EFIVARS "%s" EFI_GLOBAL, name), *buf;
	size_t n;

	if (root_read(e->r, path, &buf, &n) < 0) {
		free(path);
		return NULL;
	}
	free(path);
	if (n < 4) {
		free(buf);
		return NULL;
	}
	memmove(buf, buf + 4, n - 4);
	*len = n - 4;
	return (unsigned char *)buf;
}

/* UTF-16LE up to a NUL or n units, as ASCII ('?' for the rest). */
static char *
utf16(const unsigned char *p, size_t n, size_t *used)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		uint16_t c = le16(p + 2 * i);

		if (c == 0) {
			i++;
			break;
		}
		sb_addc(&sb, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (used != NULL)
		*used = i;
	return sb.buf != NULL ? sb_detach(&sb) : xstrdup("");
}

/* One Boot#### entry: its label, the file path and the partition GUID. */
static void
emit_boot_entry(struct emit *e, const char *id, bool current)
{
	char name[10], *label = NULL, *path = NULL, *guid = NULL, *red;
	unsigned char *d;
	size_t len, used, off, end;

	snprintf(name, sizeof name, "Boot%s", id);
	d = efivar(e, name, &len);
	if (d != NULL && len >= 6) {
		label = utf16(d + 6, (len - 6) / 2, &used);
		off = 6 + used * 2;
		end = off + le16(d + 4);
		if (end > len)
			end = len;
		while (off + 4 <= end) {
			uint16_t nl = le16(d + off + 2);
			const unsigned char *n = d + off;

			if (nl < 4 || off + nl > end || n[0] == 0x7f)
				break;
			if (n[0] == 4 && n[1] == 4 && path == NULL)
				path = utf16(n + 4, (nl - 4u) / 2, NULL);
			if (n[0] == 4 && n[1] == 1 && nl >= 42 && n[41] == 2)
				guid = xasprintf("%08x-%04x-%04x-%02x%02x-"
						 "%02x%02x%02x%02x%02x%02x",
				    le32(n + 24), le16(n + 28), le16(n + 30),
				    n[32], n[33], n[34], n[35], n[36], n[37],
				    n[38], n[39]);
			off += nl;
		}
	}
	free(d);
	em_quoted(e, id);
	em_map(e, true);
	if (e->red != NULL && !current) {
		/* only BootCurrent's label is evidence; others may name disks
		 */
		red = xasprintf("entry %s", id);
	} else
		red = em_redact(e, label != NULL ? label : "");
	em_kquoted(e, "label", red);
	free(red);
	if (path != NULL)
		em_kquoted(e, "path", path);
	if (guid != NULL) {
		red = em_redact(e, guid);
		em_kquoted(e, "partuuid", red);
		free(red);
	}
	em_end_map(e);
	free(label);
	free(path);
	free(guid);
}

/* efi: BootCurrent and the BootOrder entries (BootCurrent's too). */
static void
emit_efi(struct emit *e)
{
	const char *cur = e->h->firmware.efi_boot_current;
	unsigned char *order;
	size_t len = 0, i;
	bool seen = false;
	char id[5];

	order = efivar(e, "BootOrder", &len);
	if (order == NULL && cur == NULL)
		return;
	em_key(e, "efi");
	em_map(e, false);
	if (cur != NULL)
		em_kquoted(e, "boot_current", cur);
	em_key(e, "entries");
	em_map(e, false);
	for (i = 0; order != NULL && i + 1 < len; i += 2) {
		snprintf(id, sizeof id, "%04X", le16(order + i));
		if (cur != NULL && strcmp(id, cur) == 0)
			seen = true;
		emit_boot_entry(e, id, cur != NULL && strcmp(id, cur) == 0);
	}
	if (cur != NULL && !seen)
		emit_boot_entry(e, cur, true);
	em_end_map(e);
	em_end_map(e);
	free(order);
}

/* acpi_tables, and the DMAR or IVRS facts from the table's bytes. */
static void
emit_acpi(struct emit *e)
{
	const struct host_firmware *f = &e->h->firmware;
	char **names = NULL, *path, *buf;
	size_t n = 0, i, len;
	struct stat st;
	bool dmar = false, ivrs = false;

	if (root_listdir(e->r, ACPI_TABLES, &names, &n) < 0)
		return;
	em_key(e, "acpi_tables");
	em_seq(e, true);
	for (i = 0; i < n; i++) {
		path = xasprintf(ACPI_TABLES "/%s", names[i]);
		if (root_stat(e->r, path, &st, false) == 0 &&
		    S_ISREG(st.st_mode)) {
			em_str(e, names[i]);
			dmar |= strcmp(names[i], "DMAR") == 0;
			ivrs |= strcmp(names[i], "IVRS") == 0;
		}
		free(path);
	}
	em_end_seq(e);
	strv_free(names, n);
	if (dmar && root_read(e->r, ACPI_TABLES "/DMAR", &buf, &len) == 0) {
		em_key(e, "dmar");
		em_map(e, false);
		if (len >= 38) {
			em_kint(e, "host_address_width",
			    (unsigned char)buf[36] + 1);
			em_kbool(e, "intremap", (buf[37] & 1) != 0);
			em_kbool(e, "x2apic_opt_out", (buf[37] & 2) != 0);
		}
		if (f->iommu_units > 0)
			em_kint(e, "units", f->iommu_units);
		em_end_map(e);
		free(buf);
	}
	if (ivrs && f->iommu_units > 0) {
		em_key(e, "ivrs");
		em_map(e, false);
		em_kint(e, "units", f->iommu_units);
		em_end_map(e);
	}
}

void
emit_firmware(struct emit *e)
{
	const struct host_firmware *f = &e->h->firmware;

	em_key(e, "firmware");
	em_map(e, false);
	em_kstr(e, "boot", f->uefi ? "uefi" : "bios");
	if (f->uefi && f->secure_boot != TRI_UNKNOWN)
		em_kbool(e, "secure_boot", f->secure_boot == TRI_YES);
	if (f->uefi)
		emit_efi(e);
	emit_acpi(e);
	em_end_map(e);
}

/* The config options the report keeps: IOMMU, VFIO, KVM, the GPUs'. */
static bool
config_kept(const char *name)
{
	static const char *const pfx[] = {"CONFIG_INTEL_IOMMU",
	    "CONFIG_AMD_IOMMU", "CONFIG_IRQ_REMAP", "CONFIG_IOMMU",
	    "CONFIG_VFIO", "CONFIG_KVM", "CONFIG_DRM_I915", "CONFIG_DRM_XE",
	    "CONFIG_PCI_IOV", "CONFIG_PCI_STUB", "CONFIG_LOCALVERSION", NULL};
	size_t i;

	for (i = 0; pfx[i] != NULL; i++)
		if (str_startswith(name, pfx[i]))
			return true;
	return false;
}

static void
emit_config(struct emit *e, const char *release)
{
	char *path = xasprintf("/boot/config-%s", release), *text, *p;
	size_t len;
	bool any = false;

	if (root_read(e->r, path, &text, &len) < 0) {
		free(path);
		return;
	}
	free(path);
	for (p = text; *p != '\0';) {
		char *eol = strchrnul(p, '\n'), *eq, *name = NULL, *v = NULL;
		bool quoted = false;

		if (str_startswith(p, "# CONFIG_") &&
		    (eq = strstr(p, " is not set")) != NULL && eq < eol) {
			name = xstrndup(p + 2, (size_t)(eq - p - 2));
			v = xstrdup("n");
		} else if (str_startswith(p, "CONFIG_") &&
			   (eq = strchr(p, '=')) != NULL && eq < eol) {
			name = xstrndup(p, (size_t)(eq - p));
			if (eq[1] == '"' && eol > eq + 2 && eol[-1] == '"') {
				v = xstrndup(eq + 2, (size_t)(eol - eq - 3));
				quoted = true;
			} else
				v = xstrndup(eq + 1, (size_t)(eol - eq - 1));
		}
		if (name != NULL && config_kept(name) &&
		    strchr(v, '\\') == NULL) {
			if (!any) {
				em_key(e, "config");
				em_map(e, false);
				any = true;
			}
			em_key(e, name);
			if (quoted)
				em_quoted(e, v);
			else
				em_plain(e, v);
		}
		free(name);
		free(v);
		p = *eol == '\n' ? eol + 1 : eol;
	}
	if (any)
		em_end_map(e);
	free(text);
}

/* The modules a report lists per kernel, beyond the loaded ones and the
   PCI drivers'. */
static const char *const known_modules[] = {"vfio", "vfio_iommu_type1",
    "vfio_pci", "vfio_pci_core", "vfio_virqfd", "iommufd", "irqbypass", "mdev",
    "kvmgt", "kvm", "kvm_intel", "kvm_amd", "i915", "xe", "snd_hda_intel",
    "snd_hda_codec_hdmi", "nvidia", "nouveau", "amdgpu", "radeon", "zfs",
    "pci_stub", NULL};

static void
add_name(char ***v, size_t *n, const char *name)
{
	char *s = xstrdup(name), *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	if (strv_has(*v, *n, s))
		free(s);
	else
		ARRAY_PUSH(*v, *n, s);
}

/* A module's entry: module, builtin or its path; false when absent. */
static bool
module_value(
    struct kmod_ctx *ctx, const char *release, const char *name, char **value)
{
	struct kmod_list *l = NULL;
	struct kmod_module *m;
	const char *path, *rel;
	char *def, *marker;
	bool found = false;

	if (kmod_module_new_from_lookup(ctx, name, &l) < 0 || l == NULL)
		return false;
	m = kmod_module_get_module(l);
	if (strcmp(kmod_module_get_name(m), name) == 0) {
		path = kmod_module_get_path(m);
		marker = xasprintf("/lib/modules/%s/", release);
		rel = path != NULL ? strstr(path, marker) : NULL;
		if (path == NULL)
			*value = xstrdup("builtin");
		else if (rel != NULL) {
			rel += strlen(marker);
			def = module_default_path(name);
			*value = strcmp(def, rel) == 0 ? xstrdup("module")
						       : xstrdup(rel);
			free(def);
		} else
			*value = xstrdup("module");
		free(marker);
		found = true;
	}
	kmod_module_unref(m);
	kmod_module_unref_list(l);
	return found;
}

/* The "pci:v...d... module" aliases beyond the driver's own. */
static void
device_aliases(struct emit *e, struct kmod_ctx *ctx, char ***names,
    size_t *n_names, char ***aliases, size_t *n_aliases)
{
	struct kmod_list *l, *it;
	size_t i;

	for (i = 0; i < e->h->n_pci; i++) {
		const struct pci_device *d = &e->h->pci[i];
		char *own = d->driver != NULL ? driver_module(d->driver) : NULL;

		l = NULL;
		if (d->modalias != NULL &&
		    kmod_module_new_from_lookup(ctx, d->modalias, &l) >= 0)
			kmod_list_foreach(it, l)
			{
				struct kmod_module *m =
				    kmod_module_get_module(it);
				const char *mn = kmod_module_get_name(m);

				if ((own == NULL || strcmp(mn, own) != 0) &&
				    strcmp(mn, "vfio_pci") != 0 &&
				    strcmp(mn, "pci_stub") != 0) {
					add_name(names, n_names, mn);
					ARRAY_PUSH(*aliases, *n_aliases,
					    xasprintf("pci:v%08Xd%08Xsv*sd*bc*"
						      "sc*i* %s",
						d->vendor_id, d->device_id,
						mn));
				}
				kmod_module_unref(m);
			}
		kmod_module_unref_list(l);
		free(own);
	}
}

static void
emit_installed(struct emit *e, const struct installed_kernel *k)
{
	struct kmod_ctx *ctx = kmods_ctx(e->r, k->release, false);
	char **names = NULL, **aliases = NULL, *v;
	size_t n = 0, na = 0, i;

	em_map(e, false);
	em_kstr(e, "release", k->release);
	emit_config(e, k->release);
	if (ctx == NULL || !k->has_modules_dir)
		goto out;
	for (i = 0; known_modules[i] != NULL; i++)
		add_name(&names, &n, known_modules[i]);
	for (i = 0; i < e->h->kernel.n_loaded; i++)
		add_name(&names, &n, e->h->kernel.loaded[i]);
	for (i = 0; i < e->h->n_pci; i++) {
		char *m = e->h->pci[i].driver != NULL
			      ? driver_module(e->h->pci[i].driver)
			      : NULL;

		if (m != NULL)
			add_name(&names, &n, m);
		free(m);
	}
	device_aliases(e, ctx, &names, &n, &aliases, &na);
	em_key(e, "modules");
	em_map(e, false);
	for (i = 0; i < n; i++) {
		if (!module_value(ctx, k->release, names[i], &v))
			continue;
		em_kstr(e, names[i], v);
		free(v);
	}
	em_end_map(e);
	if (na > 0) {
		em_key(e, "aliases");
		em_seq(e, false);
		for (i = 0; i < na; i++)
			if (!strv_has(aliases, i, aliases[i]))
				em_quoted(e, aliases[i]);
		em_end_seq(e);
	}
out:
	em_end_map(e);
	strv_free(names, n);
	strv_free(aliases, na);
	if (ctx != NULL)
		kmod_unref(ctx);
}

void
emit_kernel(struct emit *e)
{
	const struct host_kernel *k = &e->h->kernel;
	char *cmdline = NULL, *red;
	size_t i;

	if (k->release == NULL)
		return;
	em_key(e, "kernel");
	em_map(e, false);
	em_kstr(e, "release", k->release);
	if (root_read_line(e->r, "/proc/cmdline", &cmdline) == 0) {
		red = em_redact(e, cmdline);
		em_kquoted(e, "cmdline", red);
		free(red);
		free(cmdline);
	}
	if (e->red == NULL && k->boot_id != NULL)
		em_kstr(e, "boot_id", k->boot_id);
	em_key(e, "loaded");
	em_seq(e, true);
	for (i = 0; i < k->n_loaded; i++)
		em_str(e, k->loaded[i]);
	em_end_seq(e);
	if (k->n_installed > 0) {
		em_key(e, "installed");
		em_seq(e, false);
		for (i = 0; i < k->n_installed; i++)
			emit_installed(e, &k->installed[i]);
		em_end_seq(e);
	}
	em_end_map(e);
}

/* A sysfs attribute of a PCI device, or NULL. */
static char *
pci_attr(struct emit *e, const char *addr, const char *name)
{
	char *path = xasprintf("/sys/bus/pci/devices/%s/%s", addr, name), *v;

	if (root_read_line(e->r, path, &v) < 0)
		v = NULL;
	free(path);
	return v;
}

/* The interface a NIC registered, from the probed network devices. */
static const char *
pci_netdev(struct emit *e, const struct pci_device *d)
{
	const struct host_network *nw = &e->h->network;
	size_t i;

	if (PCI_CLASS_BASE(d->class_code) != 2)
		return NULL; /* a USB NIC names its controller */
	for (i = 0; i < nw->n_netdevs; i++)
		if (strcmp(nw->netdevs[i].address, d->address) == 0)
			return nw->netdevs[i].name;
	return NULL;
}

static void
emit_sriov(struct emit *e, const struct pci_device *d)
{
	static const char *const extra[] = {
	    "sriov_offset", "sriov_stride", "sriov_vf_device"};
	static const char *const keys[] = {"offset", "stride", "vf_device"};
	unsigned long v;
	char *s, hex[8];
	size_t i;

	em_key(e, "sriov");
	em_map(e, true);
	em_kint(e, "total", d->sriov_totalvfs);
	em_kint(e, "num", d->sriov_numvfs > 0 ? d->sriov_numvfs : 0);
	for (i = 0; i < EM_LEN(extra); i++) {
		char *end;

		s = pci_attr(e, d->address, extra[i]);
		v = s != NULL ? strtoul(s, &end, i == 2 ? 16 : 10) : 0;
		if (s != NULL && end != s && v > 0 &&
		    v <= (i == 2 ? 0xffffUL : 255UL)) {
			if (i == 2) {
				snprintf(hex, sizeof hex, "%04lx", v);
				em_kquoted(e, keys[i], hex);
			} else
				em_kint(e, keys[i], (long)v);
		}
		free(s);
	}
	em_end_map(e);
}

static void
emit_device(struct emit *e, const struct pci_device *d)
{
	char buf[16], *path;
	const char *nd;
	struct stat st;

	em_map(e, false);
	em_kquoted(e, "address", d->address);
	snprintf(buf, sizeof buf, "%04x:%04x", d->vendor_id, d->device_id);
	em_kquoted(e, "id", buf);
	if (d->subsys_vendor_id != 0 || d->subsys_device_id != 0) {
		snprintf(buf, sizeof buf, "%04x:%04x", d->subsys_vendor_id,
		    d->subsys_device_id);
		em_kquoted(e, "subsys", buf);
	}
	snprintf(buf, sizeof buf, "%06x", d->class_code);
	em_kquoted(e, "class", buf);
	if (d->revision != 0)
		em_kint(e, "rev", d->revision);
	if (d->driver != NULL)
		em_kstr(e, "driver", d->driver);
	if (d->iommu_group >= 0 && e->h->iommu.active)
		em_kint(e, "group", d->iommu_group);
	if (d->boot_vga != TRI_UNKNOWN && PCI_CLASS_BASE(d->class_code) == 3 &&
	    PCI_CLASS_SUB(d->class_code) == 0)
		em_kbool(e, "boot_vga", d->boot_vga == TRI_YES);
	if (d->parent != NULL)
		em_kquoted(e, "parent", d->parent);
	if (d->has_flr)
		em_kbool(e, "flr", true);
	if (d->reset_method != NULL)
		em_kquoted(e, "reset_method", d->reset_method);
	em_kbool(e, "multifunction", d->multifunction);
	path = xasprintf("/sys/bus/pci/devices/%s/config", d->address);
	if (root_stat(e->r, path, &st, true) == 0 && st.st_size > 0)
		em_kbool(e, "pcie", st.st_size > 256);
	free(path);
	if (d->sriov_capable && d->sriov_totalvfs > 0)
		emit_sriov(e, d);
	if (d->physfn != NULL)
		em_kquoted(e, "physfn", d->physfn);
	if ((nd = pci_netdev(e, d)) != NULL) {
		em_kstr(e, "netdev", nd);
		ARRAY_PUSH(e->ifaces, e->n_ifaces, xstrdup(nd));
	}
	if (d->device_name != NULL)
		em_kquoted(e, "name", d->device_name);
	em_end_map(e);
}

void
emit_pci(struct emit *e)
{
	size_t i;

	if (e->h->n_pci == 0)
		return;
	em_key(e, "pci");
	em_seq(e, false);
	for (i = 0; i < e->h->n_pci; i++)
		emit_device(e, &e->h->pci[i]);
	em_end_seq(e);
}
