/*
 * reboot_sim_gvt.c: GVT-g's mdev types under the integrated GPU after the
 * boot. i915 registers them (drivers/gpu/drm/i915/gvt/vgpu.c
 * intel_gvt_init_vgpu_types, kvmgt.c, drivers/vfio/mdev/mdev_sysfs.c) when
 * i915 drives the iGPU with enable_gvt=1, the generation supports GVT-g
 * (the knowledge base; i915 logs "Unsupported device. GVT-g is disabled"
 * otherwise) and kvmgt is loaded. Each type is a directory
 * mdev_supported_types/i915-GVTg_V<4|5>_<n> with name, device_api,
 * available_instances, description, create and devices/.
 *
 * The types and their instance counts follow from the aperture: the kernel
 * keeps 128 MiB of it (HOST_LOW_GM_SIZE), 384 MiB of the hidden graphics
 * memory (HOST_HIGH_GM_SIZE) and 4 of 32 fences for the host, and stops at
 * the first type whose aperture share does not fit. The simulation assumes
 * the usual 256 MiB aperture (a BIOS setting), which gives two types:
 * _8 (2 instances) and _4 (1 instance).
 */
#include "reboot_sim.h"

#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/kb.h"

#include <stdlib.h>
#include <string.h>

#define APERTURE_MB 256u
#define HIDDEN_MB (4096u - APERTURE_MB)
#define HOST_LOW_MB 128u
#define HOST_HIGH_MB 384u
#define FENCES 32u
#define HOST_FENCES 4u

/* intel_vgpu_configs[] of gvt/vgpu.c: low, high, fence, weight, edid. */
static const struct {
	unsigned low_mb, high_mb, fence, weight;
	const char *edid, *name;
} configs[] = {
    {64, 384, 4, 2, "1024x768", "8"},
    {128, 512, 4, 4, "1920x1200", "4"},
    {256, 1024, 4, 8, "1920x1200", "2"},
    {512, 2048, 4, 16, "1920x1200", "1"},
};

static bool
is_igpu(const struct pci_device *d)
{
	return d->vendor_id == 0x8086 && d->domain == 0 && d->bus == 0 &&
	       d->dev == 2 && d->func == 0 &&
	       PCI_CLASS_BASE(d->class_code) == 0x03;
}

/* i915's enable_gvt after the boot (options and command line). */
static bool
gvt_enabled(struct rs *s)
{
	char *opts = rs_module_options(s, "i915");
	struct cmdline *cl = cmdline_parse(opts != NULL ? opts : "");
	const char *v = cmdline_get(cl, "enable_gvt");
	bool on = v != NULL && (strchr("1yY", *v) != NULL && *v != '\0');

	cmdline_free(cl);
	free(opts);
	return on;
}

static void
write_type(struct rs *s, const char *dir, const char *prefix, size_t i)
{
	unsigned low = (APERTURE_MB - HOST_LOW_MB) / configs[i].low_mb;
	unsigned high = (HIDDEN_MB - HOST_HIGH_MB) / configs[i].high_mb;
	unsigned fence = (FENCES - HOST_FENCES) / configs[i].fence;
	unsigned avail = low < high ? low : high;
	char *t = xasprintf("%s/%s%s", dir, prefix, configs[i].name), *p;
	const char *sysfs_name = strchr(prefix, '-');

	avail = avail < fence ? avail : fence;
	p = xasprintf("%s/name", t);
	rs_filef(s, p, 0444, "%s%s\n",
	    sysfs_name != NULL ? sysfs_name + 1 : prefix, configs[i].name);
	free(p);
	p = xasprintf("%s/device_api", t);
	rs_filef(s, p, 0444, "vfio-pci\n");
	free(p);
	p = xasprintf("%s/available_instances", t);
	rs_filef(s, p, 0444, "%u\n", avail);
	free(p);
	p = xasprintf("%s/description", t);
	rs_filef(s, p, 0444,
	    "low_gm_size: %uMB\nhigh_gm_size: %uMB\nfence: %u\n"
	    "resolution: %s\nweight: %u\n",
	    configs[i].low_mb, configs[i].high_mb, configs[i].fence,
	    configs[i].edid, configs[i].weight);
	free(p);
	p = xasprintf("%s/create", t);
	rs_file(s, p, "", 0, 0644);
	free(p);
	p = xasprintf("%s/devices", t);
	rs_mkdir(s, p);
	free(p);
	free(t);
}

void
rs_gvt(struct rs *s)
{
	const struct kb_igpu_gen *gen;
	struct strbuf sb = STRBUF_INIT;
	const struct rs_dev *d = NULL;
	char *dir;
	size_t i;
	bool on;

	for (i = 0; i < s->n_devs; i++)
		if (is_igpu(s->devs[i].pd))
			d = &s->devs[i];
	if (d == NULL)
		return;
	dir = xasprintf("%s/mdev_supported_types", d->sysdir);
	on = gvt_enabled(s);
	gen = kb_igpu_lookup(s->kb, d->pd->vendor_id, d->pd->device_id);
	if (!on) {
		rs_remove(s, dir);
		free(dir);
		return;
	}
	if (d->driver == NULL || strcmp(d->driver, "i915") != 0)
		rs_fact(s,
		    "gvt-g: off (i915.enable_gvt=1, but the iGPU is on "
		    "%s, not i915)",
		    d->driver != NULL ? d->driver : "no driver");
	else if (gen == NULL || !(gen->modes & MODE_GVT_G) ||
		 gen->gvt_mdev_prefix == NULL)
		rs_fact(s,
		    "gvt-g: off (%s: i915 logs 'Unsupported device. "
		    "GVT-g is disabled')",
		    gen != NULL ? gen->name
				: "an iGPU the knowledge base "
				  "does not know");
	else if (!rs_is_loaded(s, "kvmgt"))
		rs_fact(s, "gvt-g: off (i915.enable_gvt=1, but kvmgt is not "
			   "loaded)");
	else {
		for (i = 0; i < nitems(configs); i++) {
			if ((APERTURE_MB - HOST_LOW_MB) / configs[i].low_mb ==
			    0)
				break;
			write_type(s, dir, gen->gvt_mdev_prefix, i);
			sb_addf(&sb, " %s%s", gen->gvt_mdev_prefix,
			    configs[i].name);
		}
		rs_fact(
		    s, "gvt-g: %s mdev types%s", d->pd->address, sb_str(&sb));
		sb_release(&sb);
		free(dir);
		return;
	}
	rs_remove(s, dir);
	free(dir);
}
