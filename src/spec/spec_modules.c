/*
 * spec_modules.c: each installed kernel's /lib/modules/<release> as depmod
 * leaves it (the .ko files at their real paths, modules.dep, .order,
 * .builtin, .builtin.modinfo, .alias, .symbols, .softdep, .devname, and the
 * binary indexes libkmod reads), /boot/config-<release>, vmlinuz and
 * initrd.img, and /sys/module for the running kernel's loaded and built-in
 * modules. Module paths and dependencies come from a table of the modules
 * passthrough cares about; others default to kernel/drivers/misc/<name>.ko.
 * Aliases are the known ones, one per PCI device whose driver's module the
 * kernel has, and the spec's own.
 */
#include "spec_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct known_mod {
	const char *name;
	const char *path;
	const char *deps[8];
};

static const struct known_mod known[] = {
    {"vfio", "kernel/drivers/vfio/vfio.ko", {"iommufd"}},
    {"vfio_iommu_type1", "kernel/drivers/vfio/vfio_iommu_type1.ko",
	{"vfio", "iommufd"}},
    {"vfio_pci", "kernel/drivers/vfio/pci/vfio-pci.ko",
	{"vfio_pci_core", "vfio_virqfd", "vfio", "iommufd", "irqbypass"}},
    {"vfio_pci_core", "kernel/drivers/vfio/pci/vfio-pci-core.ko",
	{"vfio_virqfd", "vfio", "iommufd", "irqbypass"}},
    {"vfio_virqfd", "kernel/drivers/vfio/vfio_virqfd.ko", {}},
    {"iommufd", "kernel/drivers/iommu/iommufd/iommufd.ko", {}},
    {"irqbypass", "kernel/virt/lib/irqbypass.ko", {}},
    {"mdev", "kernel/drivers/vfio/mdev/mdev.ko", {"vfio"}},
    {"kvmgt", "kernel/drivers/gpu/drm/i915/kvmgt.ko",
	{"mdev", "vfio", "kvm", "i915", "irqbypass"}},
    {"pci_stub", "kernel/drivers/pci/pci-stub.ko", {}},
    {"i915", "kernel/drivers/gpu/drm/i915/i915.ko",
	{"drm_buddy", "drm_display_helper", "drm_kms_helper", "ttm", "drm",
	    "video", "i2c_algo_bit"}},
    {"xe", "kernel/drivers/gpu/drm/xe/xe.ko",
	{"drm_buddy", "drm_kms_helper", "ttm", "drm"}},
    {"amdgpu", "kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko",
	{"drm_buddy", "drm_kms_helper", "ttm", "drm", "i2c_algo_bit"}},
    {"radeon", "kernel/drivers/gpu/drm/radeon/radeon.ko",
	{"drm_kms_helper", "ttm", "drm"}},
    {"nouveau", "kernel/drivers/gpu/drm/nouveau/nouveau.ko",
	{"drm_kms_helper", "ttm", "drm", "video"}},
    {"nvidia", "updates/dkms/nvidia.ko", {}},
    {"drm", "kernel/drivers/gpu/drm/drm.ko", {}},
    {"drm_kms_helper", "kernel/drivers/gpu/drm/drm_kms_helper.ko", {"drm"}},
    {"drm_display_helper",
	"kernel/drivers/gpu/drm/display/drm_display_helper.ko", {"drm"}},
    {"drm_buddy", "kernel/drivers/gpu/drm/drm_buddy.ko", {}},
    {"ttm", "kernel/drivers/gpu/drm/ttm/ttm.ko", {"drm"}},
    {"video", "kernel/drivers/acpi/video.ko", {}},
    {"i2c_algo_bit", "kernel/drivers/i2c/algos/i2c-algo-bit.ko", {}},
    {"snd_hda_intel", "kernel/sound/pci/hda/snd-hda-intel.ko",
	{"snd_hda_codec", "snd_hda_core", "snd", "soundcore"}},
    {"snd_hda_codec_hdmi", "kernel/sound/pci/hda/snd-hda-codec-hdmi.ko",
	{"snd_hda_codec", "snd_hda_core", "snd"}},
    {"snd_hda_codec_realtek", "kernel/sound/pci/hda/snd-hda-codec-realtek.ko",
	{"snd_hda_codec", "snd_hda_core", "snd"}},
    {"snd_hda_codec", "kernel/sound/pci/hda/snd-hda-codec.ko",
	{"snd_hda_core", "snd"}},
    {"snd_hda_core", "kernel/sound/hda/snd-hda-core.ko", {"snd"}},
    {"snd", "kernel/sound/core/snd.ko", {"soundcore"}},
    {"soundcore", "kernel/sound/soundcore.ko", {}},
    {"kvm", "kernel/arch/x86/kvm/kvm.ko", {"irqbypass"}},
    {"kvm_intel", "kernel/arch/x86/kvm/kvm-intel.ko", {"kvm", "irqbypass"}},
    {"kvm_amd", "kernel/arch/x86/kvm/kvm-amd.ko", {"kvm", "irqbypass"}},
    {"ahci", "kernel/drivers/ata/ahci.ko", {"libahci"}},
    {"libahci", "kernel/drivers/ata/libahci.ko", {}},
    {"nvme", "kernel/drivers/nvme/host/nvme.ko", {"nvme_core"}},
    {"nvme_core", "kernel/drivers/nvme/host/nvme-core.ko", {}},
    {"xhci_pci", "kernel/drivers/usb/host/xhci-pci.ko", {}},
    {"ehci_pci", "kernel/drivers/usb/host/ehci-pci.ko", {}},
    {"e1000e", "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko", {}},
    {"igb", "kernel/drivers/net/ethernet/intel/igb/igb.ko", {}},
    {"igc", "kernel/drivers/net/ethernet/intel/igc/igc.ko", {}},
    {"r8169", "kernel/drivers/net/ethernet/realtek/r8169.ko", {}},
    {"i2c_i801", "kernel/drivers/i2c/busses/i2c-i801.ko", {}},
    {"lpc_ich", "kernel/drivers/mfd/lpc_ich.ko", {}},
    {"mei_me", "kernel/drivers/misc/mei/mei-me.ko", {"mei"}},
    {"mei", "kernel/drivers/misc/mei/mei.ko", {}},
    {"virtio_blk", "kernel/drivers/block/virtio_blk.ko", {}},
    {"zfs", "zfs/zfs.ko", {"spl"}},
    {"spl", "zfs/spl.ko", {}},
};

/* Aliases the modules themselves declare that the wizard looks at. */
static const struct {
	const char *module, *pattern;
} known_aliases[] = {
    {"vfio_pci", "vfio_pci:v*d*sv*sd*bc*sc*i*"},
    {"vfio", "devname:vfio/vfio"},
    {"vfio", "char_major_10_196"},
    {"kvm", "devname:kvm"},
    {"kvm", "char_major_10_232"},
};

/* Module parameters shown in /sys/module/<name>/parameters, defaults. */
const struct spec_module_param spec_module_params[] = {
    {"vfio", "enable_unsafe_noiommu_mode", "N"},
    {"vfio_iommu_type1", "allow_unsafe_interrupts", "N"},
    {"vfio_iommu_type1", "dma_entry_limit", "65535"},
    {"vfio_iommu_type1", "disable_hugepages", "N"},
    {"vfio_pci", "ids", ""},
    {"vfio_pci", "disable_vga", "N"},
    {"vfio_pci", "disable_idle_d3", "N"},
    {"vfio_pci", "nointxmask", "N"},
    {"vfio_pci", "enable_sriov", "N"},
    {"vfio_pci", "disable_denylist", "N"},
    {"kvm", "ignore_msrs", "N"},
    {"i915", "enable_gvt", "N"},
    {"i915", "enable_guc", "-1"},
    {"i915", "modeset", "-1"},
    {NULL, NULL, NULL},
};

static const struct known_mod *
find_known(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(known); i++)
		if (strcmp(known[i].name, name) == 0)
			return &known[i];
	return NULL;
}

char *
module_default_path(const char *name)
{
	const struct known_mod *k = find_known(name);

	if (k != NULL)
		return xstrdup(k->path);
	return xasprintf("kernel/drivers/misc/%s.ko", name);
}

const char *const *
module_known_deps(const char *name)
{
	static const char *const none[] = {NULL};
	const struct known_mod *k = find_known(name);

	return k != NULL ? k->deps : none;
}

unsigned
module_size(const char *name)
{
	return 16384 + 4096 * (unsigned)(spec_hash(name, 7) % 256);
}

char *
driver_module(const char *driver)
{
	static const struct {
		const char *driver, *module;
	} map[] = {{"xhci_hcd", "xhci_pci"}, {"ehci-pci", "ehci_pci"},
	    {"i801_smbus", "i2c_i801"}, {"pcieport", NULL}};
	size_t i;
	char *m, *p;

	for (i = 0; i < nitems(map); i++)
		if (strcmp(map[i].driver, driver) == 0)
			return map[i].module != NULL ? xstrdup(map[i].module)
						     : NULL;
	m = xstrdup(driver);
	for (p = m; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	return m;
}

static const struct spec_module *
inst_module(const struct spec_kernel_inst *ki, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < ki->n_modules; i++)
		if (strcmp(ki->modules[i].name, name) == 0)
			return &ki->modules[i];
	return NULL;
}

/* The transitive dependencies that are loadable modules of this kernel. */
static void
add_deps(const struct spec_kernel_inst *ki, const char *name,
    struct strbuf *line, const char ***seen, size_t *n, int depth)
{
	const char *const *d;
	size_t i;

	if (depth > 16)
		return;
	for (d = module_known_deps(name); *d != NULL; d++) {
		const struct spec_module *m = inst_module(ki, *d);

		if (m == NULL || m->kind != MOD_MODULE)
			continue;
		for (i = 0; i < *n; i++)
			if (strcmp((*seen)[i], *d) == 0)
				break;
		if (i < *n)
			continue;
		ARRAY_PUSH(*seen, *n, *d);
		sb_addf(line, " %s", m->path);
		add_deps(ki, *d, line, seen, n, depth + 1);
	}
}

static void
lib_file(struct tree *t, const char *dir, const char *name, const void *data,
    size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);

	tree_file(t, path, data, len, 0644);
	free(path);
}

static void
lib_index(struct tree *t, const char *dir, const char *name, struct kidx *k)
{
	struct strbuf sb = STRBUF_INIT;

	kidx_write(k, &sb);
	lib_file(t, dir, name, sb.buf, sb.len);
	sb_release(&sb);
	kidx_free(k);
}

struct alias {
	char *pattern, *module;
};

static void
push_alias(struct alias **a, size_t *n, char *pattern, char *module)
{
	struct alias x = {pattern, module};

	ARRAY_PUSH(*a, *n, x);
}

/* The alias lines of one kernel: known, per PCI device, the spec's. */
static void
collect_aliases(const struct host_spec *s, const struct spec_kernel_inst *ki,
    struct alias **a, size_t *n)
{
	size_t i;

	for (i = 0; i < nitems(known_aliases); i++)
		if (inst_module(ki, known_aliases[i].module) != NULL)
			push_alias(a, n, xstrdup(known_aliases[i].pattern),
			    xstrdup(known_aliases[i].module));
	for (i = 0; i < s->n_pci; i++) {
		const struct spec_pci *d = &s->pci[s->pci_order[i]];
		char *m = d->driver != NULL ? driver_module(d->driver) : NULL;

		if (m != NULL && inst_module(ki, m) != NULL &&
		    strcmp(m, "vfio_pci") != 0 && strcmp(m, "pci_stub") != 0) {
			push_alias(a, n,
			    xasprintf("pci:v%08Xd%08Xsv*sd*bc%02Xsc%02Xi*",
				d->vendor, d->device, d->class_code >> 16,
				(d->class_code >> 8) & 0xff),
			    m);
			m = NULL;
		}
		free(m);
	}
	for (i = 0; i < ki->n_aliases; i++) {
		const char *al = ki->aliases[i], *sp = strchr(al, ' ');
		char *m = xstrdup(sp + 1), *p;

		for (p = m; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		push_alias(a, n, xstrndup(al, (size_t)(sp - al)), m);
	}
}

static void
gen_aliases(const struct host_spec *s, const struct spec_kernel_inst *ki,
    struct tree *t, const char *dir, struct strbuf *modinfo)
{
	struct strbuf text = STRBUF_INIT;
	struct kidx *alias = kidx_new(), *balias = kidx_new();
	struct alias *a = NULL;
	size_t n = 0, i, j;

	collect_aliases(s, ki, &a, &n);
	sb_adds(&text, "# Aliases extracted from modules themselves.\n");
	for (i = 0; i < n; i++) {
		const struct spec_module *m = inst_module(ki, a[i].module);
		unsigned prio = (unsigned)(m - ki->modules);

		for (j = 0; j < i; j++)
			if (strcmp(a[i].pattern, a[j].pattern) == 0 &&
			    strcmp(a[i].module, a[j].module) == 0)
				break;
		if (j < i)
			continue;
		if (m->kind == MOD_BUILTIN) {
			kidx_add(balias, a[i].pattern, a[i].module, prio);
			sb_addf(
			    modinfo, "%s.alias=%s", a[i].module, a[i].pattern);
			sb_addc(modinfo, '\0');
			continue;
		}
		sb_addf(&text, "alias %s %s\n", a[i].pattern, a[i].module);
		kidx_add(alias, a[i].pattern, a[i].module, prio);
	}
	lib_file(t, dir, "modules.alias", text.buf, text.len);
	lib_index(t, dir, "modules.alias.bin", alias);
	lib_index(t, dir, "modules.builtin.alias.bin", balias);
	for (i = 0; i < n; i++) {
		free(a[i].pattern);
		free(a[i].module);
	}
	free(a);
	sb_release(&text);
}

static void
gen_kernel_dir(const struct host_spec *s, const struct spec_kernel_inst *ki,
    struct tree *t)
{
	char *dir = xasprintf("/lib/modules/%s", ki->release);
	struct strbuf dep = STRBUF_INIT, order = STRBUF_INIT;
	struct strbuf builtin = STRBUF_INIT, modinfo = STRBUF_INIT;
	struct strbuf devname = STRBUF_INIT;
	struct kidx *depidx = kidx_new(), *bidx = kidx_new();
	size_t i;

	sb_adds(
	    &devname, "# Device nodes to trigger on-demand module loading.\n");
	for (i = 0; i < ki->n_modules; i++) {
		const struct spec_module *m = &ki->modules[i];
		struct strbuf line = STRBUF_INIT;
		const char **seen = NULL;
		size_t n = 0;

		if (m->kind == MOD_BUILTIN) {
			sb_addf(&builtin, "%s\n", m->path);
			sb_addf(&modinfo, "%s.license=GPL", m->name);
			sb_addc(&modinfo, '\0');
			kidx_add(bidx, m->name, "", (unsigned)i);
			continue;
		}
		lib_file(t, dir, m->path, "", 0);
		sb_addf(&order, "%s\n", m->path);
		sb_addf(&line, "%s:", m->path);
		add_deps(ki, m->name, &line, &seen, &n, 0);
		free(seen);
		sb_addf(&dep, "%s\n", line.buf);
		kidx_add(depidx, m->name, line.buf, (unsigned)i);
		sb_release(&line);
		if (strcmp(m->name, "vfio") == 0)
			sb_adds(&devname, "vfio vfio/vfio c10:196\n");
		else if (strcmp(m->name, "kvm") == 0)
			sb_adds(&devname, "kvm kvm c10:232\n");
	}
	lib_file(t, dir, "modules.dep", dep.buf, dep.len);
	lib_index(t, dir, "modules.dep.bin", depidx);
	lib_file(t, dir, "modules.order", order.buf, order.len);
	lib_file(t, dir, "modules.builtin", builtin.buf, builtin.len);
	lib_index(t, dir, "modules.builtin.bin", bidx);
	gen_aliases(s, ki, t, dir, &modinfo);
	lib_file(t, dir, "modules.builtin.modinfo", modinfo.buf, modinfo.len);
	lib_file(t, dir, "modules.devname", devname.buf, devname.len);
	sb_reset(&dep);
	sb_adds(&dep, "# Aliases for symbols, used by symbol_request().\n");
	lib_file(t, dir, "modules.symbols", dep.buf, dep.len);
	lib_index(t, dir, "modules.symbols.bin", kidx_new());
	sb_reset(&dep);
	sb_adds(
	    &dep, "# Soft dependencies extracted from modules themselves.\n");
	lib_file(t, dir, "modules.softdep", dep.buf, dep.len);
	sb_release(&dep);
	sb_release(&order);
	sb_release(&builtin);
	sb_release(&modinfo);
	sb_release(&devname);
	free(dir);
}

static void
gen_boot(const struct spec_kernel_inst *ki, struct tree *t)
{
	struct strbuf sb = STRBUF_INIT;
	char *path;
	size_t i;

	sb_addf(&sb,
	    "#\n# Automatically generated file; DO NOT EDIT.\n"
	    "# Linux/x86 %s Kernel Configuration\n#\n",
	    ki->release);
	for (i = 0; i < ki->n_config; i++) {
		const struct spec_kv *c = &ki->config[i];
		const char *v = c->value;
		bool word =
		    !c->quoted &&
		    (strcmp(v, "y") == 0 || strcmp(v, "m") == 0 ||
			(*v != '\0' && strspn(v, "0123456789") == strlen(v)) ||
			(str_startswith(v, "0x") && v[2] != '\0'));

		if (!c->quoted && strcmp(v, "n") == 0)
			sb_addf(&sb, "# %s is not set\n", c->key);
		else if (word)
			sb_addf(&sb, "%s=%s\n", c->key, v);
		else
			sb_addf(&sb, "%s=\"%s\"\n", c->key, v);
	}
	path = xasprintf("/boot/config-%s", ki->release);
	tree_file(t, path, sb.buf, sb.len, 0644);
	free(path);
	/* a bzImage starts with "MZ" and has "HdrS" at 0x202 */
	sb_reset(&sb);
	sb_add(&sb, "MZ", 2);
	while (sb.len < 0x202)
		sb_addc(&sb, '\0');
	sb_adds(&sb, "HdrS");
	path = xasprintf("/boot/vmlinuz-%s", ki->release);
	tree_file(t, path, sb.buf, sb.len, 0644);
	free(path);
	path = xasprintf("/boot/initrd.img-%s", ki->release);
	tree_file(t, path, "\x1f\x8b", 2, 0644);
	free(path);
	sb_release(&sb);
}

/* A parameter's value: the default, or the running cmdline's mod.param=. */
static char *
param_value(const struct host_spec *s, const char *mod, const char *param,
    const char *def)
{
	const char *p = s->kernel.cmdline != NULL ? s->kernel.cmdline : "";
	char *value = xstrdup(def);

	while (*p != '\0') {
		size_t len = strcspn(p, " "), ml = strlen(mod), i;
		bool same = len > ml && p[ml] == '.';

		for (i = 0; same && i < ml; i++)
			same = (p[i] == '-' ? '_' : p[i]) == mod[i];
		if (same && strncmp(p + ml + 1, param, strlen(param)) == 0 &&
		    p[ml + 1 + strlen(param)] == '=') {
			const char *v = p + ml + 2 + strlen(param);

			free(value);
			value = xstrndup(v, (size_t)(p + len - v));
		}
		p += len;
		p += strspn(p, " ");
	}
	return value;
}

/* /sys/module for the running kernel: loaded and built-in modules. */
static void
gen_sys_module(const struct host_spec *s, struct tree *t)
{
	const struct spec_kernel *k = &s->kernel;
	const struct spec_kernel_inst *run = NULL;
	size_t i, j;

	tree_dir(t, "/sys/module");
	for (i = 0; i < k->n_installed; i++)
		if (k->release != NULL &&
		    strcmp(k->installed[i].release, k->release) == 0)
			run = &k->installed[i];
	for (i = 0; i < k->n_loaded + (run != NULL ? run->n_modules : 0); i++) {
		const char *name;
		char *dir;

		if (i < k->n_loaded)
			name = k->loaded[i];
		else if (run->modules[i - k->n_loaded].kind == MOD_BUILTIN)
			name = run->modules[i - k->n_loaded].name;
		else
			continue;
		dir = xasprintf("/sys/module/%s", name);
		if (i < k->n_loaded) {
			char *p = xasprintf("%s/initstate", dir);

			tree_filef(t, p, "live\n");
			free(p);
		}
		for (j = 0; spec_module_params[j].module != NULL; j++) {
			char *p, *v;

			if (strcmp(spec_module_params[j].module, name) != 0)
				continue;
			p = xasprintf("%s/parameters/%s", dir,
			    spec_module_params[j].param);
			v = param_value(s, name, spec_module_params[j].param,
			    spec_module_params[j].value);
			if (!tree_has(t, p))
				tree_filef(t, p, "%s\n", v);
			free(v);
			free(p);
		}
		tree_dir(t, dir);
		free(dir);
	}
}

void
gen_modules(const struct host_spec *s, struct tree *t)
{
	size_t i;

	tree_dir(t, "/lib/modules");
	tree_dir(t, "/boot");
	for (i = 0; i < s->kernel.n_installed; i++) {
		gen_kernel_dir(s, &s->kernel.installed[i], t);
		gen_boot(&s->kernel.installed[i], t);
	}
	gen_sys_module(s, t);
}
