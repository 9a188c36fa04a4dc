/*
 * choose.c: the choices completed and judged before anything is planned.
 * A device the check says cannot go (no VT-d, the boot disk's controller in
 * its IOMMU group, ...) is refused here, fail-closed, and so is a host
 * whose firmware offers no IOMMU at all; a missing mode
 * becomes the one the knowledge base recommends for the iGPU's
 * generation, and a mode that cannot work on this host is refused.
 */
#include "vfio-wizard/check.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The modes a verdict offers, as "legacy-igd, vfio". */
static char *
modes_text(unsigned modes)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned bit;

	for (bit = 1; bit <= MODE_VFIO; bit <<= 1) {
		if (modes & bit)
			sb_addf(&sb, "%s%s", sb.len > 0 ? ", " : "",
			    mode_name((enum vw_mode)bit));
	}
	return sb_detach(&sb);
}

static int
judge(const struct host *h, const struct verdict *v, struct choices *c,
    bool *mode_set, char **cause)
{
	const struct pci_device *d = &h->pci[v->device];
	const char *m = choices_get(c, "mode");
	int want;

	if (v->n_blockers > 0) {
		*cause = xasprintf(_("%s (%s) cannot be passed through: %s"),
		    d->address, d->device_name, v->blockers[0]);
		return -EPERM;
	}
	if (v->igpu == NULL || *mode_set)
		return 0;
	*mode_set = true;
	if (m == NULL) {
		choices_add(c, "mode", mode_name(v->recommended));
		return 0;
	}
	want = mode_from_name(m);
	if (want != 0 && !(v->modes & (unsigned)want)) {
		char *ok = modes_text(v->modes);

		*cause = xasprintf(_("mode %s does not work for %s (%s) on "
				     "this host; it can use: %s"),
		    m, d->address, v->igpu->name, ok);
		free(ok);
		return -EINVAL;
	}
	return 0;
}

int
choices_complete(
    const struct host *h, const struct kb *kb, struct choices *c, char **cause)
{
	struct check_options opts = {NULL, 0};
	struct check_result *res = NULL;
	bool mode_set = false;
	size_t i;
	int err = 0;

	for (i = 0; i < c->n_items; i++) {
		if (strncmp(c->items[i], "device=", 7) == 0)
			ARRAY_PUSH(
			    opts.devices, opts.n_devices, c->items[i] + 7);
	}
	if (opts.n_devices == 0) {
		free(opts.devices);
		/* the IOMMU alone: only where the firmware offers one */
		if (h->firmware.iommu_table == NULL && !h->iommu.active) {
			*cause =
			    xstrdup(_("the firmware offers no IOMMU (no "
				      "DMAR or IVRS table): enable VT-d or "
				      "AMD-Vi in the firmware setup first; "
				      "nothing to plan"));
			return -EPERM;
		}
		return 0;
	}
	err = check_run(h, kb, &opts, &res, cause);
	for (i = 0; err == 0 && i < res->n_verdicts; i++) {
		const struct verdict *v = &res->verdicts[i];
		size_t j;
		bool chosen = false;

		for (j = 0; j < opts.n_devices; j++) {
			char addr[PCI_ADDR_LEN];

			chosen =
			    chosen ||
			    (pci_address_parse(opts.devices[j], addr) == 0 &&
				strcmp(addr, h->pci[v->device].address) == 0);
		}
		if (chosen)
			err = judge(h, v, c, &mode_set, cause);
	}
	check_result_free(res);
	free(opts.devices);
	return err;
}
