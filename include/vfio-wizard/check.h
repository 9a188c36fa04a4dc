/*
 * check.h: findings and per-device verdicts, the answer to "can I pass this
 * device through, and how?".
 *
 * check_run() reads a struct host and the knowledge base and produces a list
 * of findings (section, severity, a translated message and the evidence that
 * proves it) and, for every GPU and every device asked for, a verdict: the
 * passthrough modes that work, the companion functions that go along, and
 * what blocks it. It never touches the machine; it is pure over the snapshot.
 */
#ifndef VW_CHECK_H
#define VW_CHECK_H

#include "vfio-wizard/common.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/pci_addr.h"

enum check_section {
	SEC_FIRMWARE = 0,
	SEC_IOMMU,
	SEC_BOOT,
	SEC_MODULES,
	SEC_DEVICES,
	SEC__COUNT
};
const char *check_section_id(enum check_section);    /* "firmware" ... */
const char *check_section_title(enum check_section); /* translated */

enum severity { SEV_OK = 0, SEV_INFO, SEV_WARN, SEV_FAIL };
const char *severity_id(enum severity); /* "ok", "info", "warn", "fail" */

struct finding {
	enum check_section section;
	enum severity severity;
	char *message;	/* translated, one sentence, no full stop */
	char *evidence; /* the path or value that proves it, or NULL */
	char *hint;	/* what to do about it, translated, or NULL */
};

struct verdict {
	size_t device;			/* index into host->pci */
	unsigned modes;			/* enum vw_mode bits that can work */
	unsigned recommended;		/* the single best mode, 0 if none */
	const struct kb_igpu_gen *igpu; /* NULL for non-Intel-iGPU */
	char **companions;		/* addresses that go along */
	size_t n_companions;
	char **siblings; /* other devices in its IOMMU group */
	size_t n_siblings;
	char **blockers; /* translated reasons it cannot go now */
	size_t n_blockers;
	char **notes; /* translated advice for the chosen mode */
	size_t n_notes;
};

struct check_result {
	struct finding *findings;
	size_t n_findings;
	struct verdict *verdicts;
	size_t n_verdicts;
	enum severity worst;
};

struct choices;
struct check_options {
	const char **devices; /* --device BDF, in any accepted spelling */
	size_t n_devices;
	/* its "confirm=" items lift critical-device blocks; NULL: none */
	const struct choices *choices;
};

/* Run every check; fails only for a --device that names no PCI device. */
int check_run(const struct host *, const struct kb *,
    const struct check_options *, struct check_result **out, char **cause);
void check_result_free(struct check_result *);

void check_add(struct check_result *, enum check_section, enum severity,
    const char *evidence, const char *hint, const char *fmt, ...)
    VW_PRINTF(6, 7);

/* Per-section checks (one file each in src/steps); each adds findings. */
void check_firmware(const struct host *, struct check_result *);
void check_iommu(const struct host *, struct check_result *);
void check_boot(const struct host *, struct check_result *);
void check_modules(const struct host *, struct check_result *);
void check_devices(const struct host *, const struct kb *,
    const struct check_options *, struct check_result *);

#endif
