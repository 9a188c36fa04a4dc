/*
 * choose.c: the choices completed and judged before anything is planned.
 * A device the check says cannot go (no VT-d, the boot disk's controller in
 * its IOMMU group, ...) is refused here, fail-closed, and so is a host
 * whose firmware offers no IOMMU at all; a missing mode
 * becomes the one the knowledge base recommends for the iGPU's
 * generation, and a mode that cannot work on this host is refused.
 *
 * A refusal names every blocker. When only the critical-device guard
 * blocks, it also names the exact phrase that lifts each device's block
 * ("take 0000:01:00.1 from the host", guard.c), and when a group sibling
 * blocks, the way out (another slot) and why the ACS override is no
 * default. A confirmation that matches no guarded device is refused too,
 * so a typo never passes unnoticed.
 */
#include "vfio-wizard/check.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"
#include "guard.h"

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

/* The devices the guard protects among d, its companions and siblings. */
static size_t
guarded(const struct host *h, const struct choices *c, const struct verdict *v,
    const struct pci_device **out, size_t max, bool *sibling)
{
	size_t n = 0, i;
	const struct pci_device *o;

	*sibling = false;
	if (guard_blocks(h, c, &h->pci[v->device]) && n < max)
		out[n++] = &h->pci[v->device];
	for (i = 0; i < v->n_companions; i++) {
		if ((o = host_pci_find(h, v->companions[i])) != NULL &&
		    guard_blocks(h, c, o) && n < max)
			out[n++] = o;
	}
	for (i = 0; i < v->n_siblings; i++) {
		if ((o = host_pci_find(h, v->siblings[i])) != NULL &&
		    guard_blocks(h, c, o) && n < max) {
			out[n++] = o;
			*sibling = true;
		}
	}
	return n;
}

/* The "confirm=" items that are no guarded device's phrase, listed. */
static void
unmatched_confirms(const struct choices *c, char *const *phrases,
    size_t n_phrases, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < c->n_items; i++) {
		const char *v = c->items[i];

		if (strncmp(v, "confirm=", 8) == 0 &&
		    !strv_has(phrases, n_phrases, v + 8))
			sb_addf(sb, "%s'%s'", sb->len > 0 ? ", " : "", v + 8);
	}
}

/* The phrase of each device of v whose block a confirmation lifted. */
static void
lifted_phrases(const struct host *h, const struct choices *c,
    const struct verdict *v, char ***phrases, size_t *n)
{
	const struct pci_device *o;
	char *note;
	size_t i;

	for (i = 0; i < 1 + v->n_companions + v->n_siblings; i++) {
		if (i == 0)
			o = &h->pci[v->device];
		else if (i <= v->n_companions)
			o = host_pci_find(h, v->companions[i - 1]);
		else
			o = host_pci_find(
			    h, v->siblings[i - 1 - v->n_companions]);
		if (o == NULL || (note = guard_lift_note(h, c, o)) == NULL)
			continue;
		free(note);
		ARRAY_PUSH(*phrases, *n, guard_phrase(o));
	}
}

/* Every blocker, then how to lift the guard's and what ACS can't do. */
static char *
refusal(const struct host *h, const struct choices *c, const struct verdict *v)
{
	const struct pci_device *d = &h->pci[v->device], *g[64];
	struct strbuf sb = STRBUF_INIT, bad = STRBUF_INIT;
	char **phrases = NULL;
	size_t n_g, n_phrases = 0, i;
	bool sibling;

	sb_addf(&sb, _("%s (%s) cannot be passed through: %s"), d->address,
	    d->device_name, v->blockers[0]);
	for (i = 1; i < v->n_blockers; i++)
		sb_addf(&sb, "; %s", v->blockers[i]);
	n_g = guarded(h, c, v, g, nitems(g), &sibling);
	for (i = 0; i < n_g; i++)
		ARRAY_PUSH(phrases, n_phrases, guard_phrase(g[i]));
	/* the phrases only lift the guard: other blockers stay */
	if (n_g > 0 && n_g == v->n_blockers) {
		sb_addf(&sb, "\n%s",
		    _("Passing it anyway takes these devices from the host. "
		      "Only if the host can do without them, type each "
		      "confirmation exactly (or list them under 'confirm:' "
		      "in the answers file):"));
		for (i = 0; i < n_phrases; i++)
			sb_addf(&sb, " --confirm '%s'", phrases[i]);
		lifted_phrases(h, c, v, &phrases, &n_phrases);
		unmatched_confirms(c, phrases, n_phrases, &bad);
		if (bad.len > 0)
			sb_addf(&sb, "\n%s %s",
			    _("Confirmations given that match none of them:"),
			    sb_str(&bad));
	}
	if (sibling) {
		sb_addc(&sb, '\n');
		sb_addf(&sb, _("To keep these devices on the host: %s"),
		    guard_acs_advice());
	}
	strv_free(phrases, n_phrases);
	sb_release(&bad);
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
		*cause = refusal(h, c, v);
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
	struct check_options opts = {NULL, 0, NULL};
	struct check_result *res = NULL;
	struct strbuf bad = STRBUF_INIT;
	char **lifted = NULL;
	bool mode_set = false;
	size_t i, n_lifted = 0;
	int err = 0;

	for (i = 0; i < c->n_items; i++) {
		if (strncmp(c->items[i], "device=", 7) == 0)
			ARRAY_PUSH(
			    opts.devices, opts.n_devices, c->items[i] + 7);
	}
	if (opts.n_devices == 0) {
		free(opts.devices);
		unmatched_confirms(c, NULL, 0, &bad);
		if (bad.len > 0) {
			*cause = xasprintf(_("the confirmation %s lifts "
					     "nothing: no device is chosen"),
			    sb_str(&bad));
			sb_release(&bad);
			return -EINVAL;
		}
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
	opts.choices = c;
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
		if (chosen) {
			err = judge(h, v, c, &mode_set, cause);
			lifted_phrases(h, c, v, &lifted, &n_lifted);
		}
	}
	/* a confirmation that lifts nothing is a typo or a stale answer */
	if (err == 0)
		unmatched_confirms(c, lifted, n_lifted, &bad);
	if (err == 0 && bad.len > 0) {
		*cause =
		    xasprintf(_("the confirmation %s lifts no block of the "
				"chosen devices: a confirmation reads "
				"exactly 'take <address> from the host', "
				"for a device the host needs that goes "
				"with them"),
			sb_str(&bad));
		err = -EINVAL;
	}
	strv_free(lifted, n_lifted);
	sb_release(&bad);
	check_result_free(res);
	free(opts.devices);
	return err;
}
