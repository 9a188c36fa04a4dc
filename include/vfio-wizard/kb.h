/*
 * kb.h: hardware knowledge, read with libyaml from data/hardware.yaml.
 *
 * What a device or CPU can do is data, not code: Intel iGPU device IDs by
 * generation with their passthrough modes, the companion functions that go
 * with them (Haswell's HDMI audio at 00:03.0), CPU SKUs without VT-d, and
 * reset quirks. Every entry in the YAML cites its source.
 *
 * The loader (libyaml) is strict: unknown or repeated keys, malformed hex
 * IDs, unknown modes, an ID listed under two generations and the like are
 * errors whose message starts "FILE:LINE:COL:". CPU SKUs match whole
 * white-space separated tokens of /proc/cpuinfo's model name.
 */
#ifndef VW_KB_H
#define VW_KB_H

#include "vfio-wizard/common.h"

/* Passthrough modes, as a bit set; names are the JSON/CLI spellings. */
enum vw_mode {
	MODE_LEGACY_IGD = 1 << 0, /* "legacy-igd" */
	MODE_GVT_G = 1 << 1,	  /* "gvt-g" */
	MODE_SRIOV = 1 << 2,	  /* "sr-iov" */
	MODE_VFIO = 1 << 3,	  /* "vfio": whole device */
};
const char *mode_name(enum vw_mode); /* one bit; NULL otherwise */
int mode_from_name(const char *);    /* 0 when unknown */

struct kb_companion {
	char *slot; /* "00:03.0": device.function on bus 0 */
	uint16_t vendor_id;
	uint16_t *device_ids; /* any of these */
	size_t n_device_ids;
	char *what; /* "HDMI/DP audio" */
};

/* A product name of one device ID ("HD Graphics 4600" for 0412). */
struct kb_gpu_name {
	uint16_t device_id;
	char *name;
};

struct kb_igpu_gen {
	char *id;	       /* "haswell" */
	char *name;	       /* "Haswell (4th generation Core)" */
	int gen;	       /* graphics generation: 6, 7, 8, 9, 11, 12 ... */
	unsigned modes;	       /* enum vw_mode bits */
	unsigned recommended;  /* the one mode to offer first */
	char *gvt_mdev_prefix; /* "i915-GVTg_V5_" or NULL */
	uint16_t *device_ids;  /* vendor 8086 */
	size_t n_device_ids;
	struct kb_companion *companions;
	size_t n_companions;
	char *note; /* one sentence of advice, or NULL */
	char *source;
	struct kb_gpu_name *names; /* product names, by device ID; optional */
	size_t n_names;
	/*
	 * The first QEMU release whose igd_gen() knows this generation, so
	 * legacy-igd works ("10.0"), or NULL when every QEMU does.
	 */
	char *legacy_igd_qemu;
};

struct kb_cpu_sku {
	char *vendor; /* "GenuineIntel" */
	char *match;  /* model-name token, e.g. "i7-4770K" */
	bool vtd;     /* has VT-d / AMD-Vi */
	char *note;
	char *source;
};

struct kb_quirk {
	uint16_t vendor_id, device_id; /* device_id 0xffff: any */
	char *what;		       /* "no FLR; bus reset only" */
	char *source;
};

struct kb {
	struct kb_igpu_gen *igpu;
	size_t n_igpu;
	struct kb_cpu_sku *cpus;
	size_t n_cpus;
	struct kb_quirk *quirks;
	size_t n_quirks;
};

/*
 * Load and validate a knowledge base; on error returns -errno (-EINVAL for
 * bad content) and *cause says where and why ("FILE:LINE:COL: ...").
 */
int kb_load(const char *path, struct kb **out, char **cause);
/* The same from a buffer; name is used in messages. */
int kb_load_buffer(const char *text, size_t len, const char *name,
    struct kb **out, char **cause);
void kb_free(struct kb *);
/*
 * The default path: $VFIO_WIZARD_DATADIR/hardware.yaml or the installed one;
 * the caller frees it.
 */
char *kb_default_path(void);

/* The generation of an Intel iGPU (vendor 8086) by device ID, or NULL. */
const struct kb_igpu_gen *kb_igpu_lookup(
    const struct kb *, uint16_t vendor, uint16_t device);
/* The product name of this device ID ("HD Graphics 4600"), or NULL. */
const char *kb_igpu_name(const struct kb_igpu_gen *, uint16_t device);
/* A generation by its id ("haswell"), or NULL. */
const struct kb_igpu_gen *kb_igpu_find(const struct kb *, const char *id);
/* Whether a companion lists this vendor and device ID. */
bool kb_companion_matches(
    const struct kb_companion *, uint16_t vendor, uint16_t device);
/*
 * Whether a CPU model name is a SKU known to have VT-d (TRI_YES), known to
 * lack it (TRI_NO), or not listed (TRI_UNKNOWN). Matches whole tokens, so
 * "i7-4770" does not match "i7-4770K".
 */
int kb_cpu_vtd(const struct kb *, const char *vendor, const char *model_name,
    const struct kb_cpu_sku **match);
/* The quirk for exactly this device, else one for the whole vendor. */
const struct kb_quirk *kb_quirk_lookup(
    const struct kb *, uint16_t vendor, uint16_t device);

#endif
