/*
 * kcmdline_params.c: which kernel parameters the command line step writes
 * (passthrough-facts section 2), which existing tokens undo them, and the
 * strict check every token passes before it is written.
 *
 * Lists such as intel_iommu=on,sm_on and iommu=pt,... are read item by
 * item, with the kernel's own prefix matching (intel_iommu_setup and
 * iommu_setup compare each comma-separated item with strncmp); bools are
 * read as kstrtobool reads them. Keys compare '-' == '_' (cmdline.h).
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "kcmdline.h"
#include "steps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when the installed kernels enable VT-d for the selection unasked. */
static bool
iommu_default_on(const struct host *h, const struct selection *sel)
{
	size_t i;

	if (h->kernel.n_installed == 0)
		return false;
	for (i = 0; i < h->kernel.n_installed; i++) {
		const struct installed_kernel *k = &h->kernel.installed[i];

		if (k->intel_iommu_default_on != TRI_YES)
			return false;
		/* Debian's INTGPU_OFF leaves the iGPU untranslated */
		if (sel->igpu != NULL && k->intel_iommu_intgpu_off == TRI_YES)
			return false;
	}
	return true;
}

static int
add_param(struct kcmd_want *w, const char *key, const char *value,
    enum kparam_match match, bool iommu, char **cause)
{
	struct kparam p;
	char *tok = xasprintf("%s=%s", key, value);
	int err = kcmd_token_check(tok, cause);

	if (err < 0) {
		free(tok);
		return err;
	}
	p.token = tok;
	p.key = xstrdup(key);
	p.value = xstrdup(value);
	p.match = match;
	p.iommu = iommu;
	ARRAY_PUSH(w->params, w->n_params, p);
	return 0;
}

/* Whether the running kernel was booted with sysfb_init blacklisted. */
static bool
sysfb_off_now(const struct host *h)
{
	struct cmdline *cl =
	    cmdline_parse(h->boot.cmdline ? h->boot.cmdline : "");
	size_t i;
	bool off = false;

	for (i = 0; i < cl->n_tokens && !off; i++) {
		const struct cmdline_token *t = &cl->tokens[i];
		const char *v = t->value, *end;

		if (t->init_arg || v == NULL ||
		    !cmdline_key_eq(t->key, "initcall_blacklist"))
			continue;
		for (; *v != '\0' && !off; v = *end != '\0' ? end + 1 : end) {
			end = strchr(v, ',');
			if (end == NULL)
				end = v + strlen(v);
			off = (size_t)(end - v) == strlen("sysfb_init") &&
			      strncmp(v, "sysfb_init", (size_t)(end - v)) == 0;
		}
	}
	cmdline_free(cl);
	return off;
}

/*
 * The boot VGA device among the functions that go to vfio-pci, or NULL. A
 * device vfio-pci already claims at boot is left out: the framebuffer
 * evidently does not stand in its way (facts §2: only when a BAR cannot
 * be reserved), and a finished host must plan nothing; unless the running
 * kernel has sysfb_init blacklisted, which may be why (the wizard's own
 * drop-in after the reboot: dropping it would undo a verified step).
 */
static const char *
sysfb_device(const struct host *h, const struct selection *sel)
{
	size_t i;

	for (i = 0; i < sel->n_fns; i++) {
		const struct selected_fn *f = &sel->fns[i];

		if (f->to_vfio && pci_is_gpu(f->dev) &&
		    f->dev->boot_vga == TRI_YES &&
		    (f->dev->driver == NULL ||
			strcmp(f->dev->driver, "vfio-pci") != 0 ||
			sysfb_off_now(h)))
			return f->dev->address;
	}
	return NULL;
}

int
kcmd_want_build(const struct host *h, const struct selection *sel,
    struct kcmd_want *w, char **cause)
{
	char vfs[16];
	int err = 0;

	memset(w, 0, sizeof *w);
	w->intel = host_is_intel(h);
	w->amd = host_is_amd(h);
	if (!w->intel && !w->amd)
		w->intel = w->amd = true; /* unknown CPU: refuse both offs */
	w->gvt = sel->igpu != NULL && sel->mode == MODE_GVT_G;
	w->sriov = sel->igpu != NULL && sel->mode == MODE_SRIOV;
	w->vfs = w->sriov ? sel->vfs : 0;
	w->sysfb_dev = sysfb_device(h, sel);

	if (host_is_intel(h) && !iommu_default_on(h, sel))
		err = add_param(w, "intel_iommu", "on", KP_ITEM, true, cause);
	if (err == 0)
		err = add_param(w, "iommu", "pt", KP_ITEM, true, cause);
	if (err == 0 && w->sysfb_dev != NULL)
		err = add_param(w, "initcall_blacklist", "sysfb_init", KP_ITEM,
		    false, cause);
	if (err == 0 && w->gvt)
		err =
		    add_param(w, "i915.enable_gvt", "1", KP_BOOL, false, cause);
	if (err == 0 && w->sriov) {
		snprintf(vfs, sizeof vfs, "%d", w->vfs);
		err = add_param(
		    w, "i915.enable_guc", "3", KP_EXACT, false, cause);
		if (err == 0)
			err = add_param(
			    w, "i915.max_vfs", vfs, KP_EXACT, false, cause);
	}
	if (err < 0)
		kcmd_want_free(w);
	return err;
}

void
kcmd_want_free(struct kcmd_want *w)
{
	size_t i;

	for (i = 0; i < w->n_params; i++) {
		free(w->params[i].token);
		free(w->params[i].key);
		free(w->params[i].value);
	}
	free(w->params);
	memset(w, 0, sizeof *w);
}

static bool
key_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' ||
	       (!first && (c == '.' || c == '-'));
}

static bool
value_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ',' ||
	       c == ':' || c == '/' || c == '+' || c == '-';
}

/* The token for a message: printable ASCII as is, the rest as \xNN. */
static char *
escaped(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (; *s != '\0' && sb.len < 200; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			sb_addc(&sb, (char)c);
		else
			sb_addf(&sb, "\\x%02x", c);
	}
	return sb.len > 0 ? sb_detach(&sb) : xstrdup("");
}

int
kcmd_token_check(const char *tok, char **cause)
{
	const char *p = tok, *why = NULL;
	char *shown;

	if (*p == '\0')
		why = _("it is empty");
	else if (!key_char(*p, true))
		why = _("a parameter name starts with a letter, a digit or "
			"'_'");
	for (p++; why == NULL && *p != '\0' && *p != '='; p++) {
		if (!key_char(*p, false))
			why = _("a parameter name holds only letters, digits, "
				"'_', '.' and '-'");
	}
	if (why == NULL && *p == '=') {
		if (p[1] == '\0')
			why = _("the value is empty");
		for (p++; why == NULL && *p != '\0'; p++) {
			if (!value_char(*p))
				why = _("a value holds only letters, digits "
					"and '_.,:/+-'");
		}
	}
	if (why == NULL && strlen(tok) > 256)
		why = _("it is too long");
	if (why == NULL)
		return 0;
	shown = escaped(tok);
	*cause = xasprintf(
	    _("refusing to write the kernel parameter '%s': %s"), shown, why);
	free(shown);
	return -EINVAL;
}

/* kstrtobool: 1 true, 0 false, -1 not a bool. */
static int
kbool(const char *v)
{
	if (v == NULL)
		return 1; /* a bare bool parameter means true */
	switch (v[0]) {
	case 'y':
	case 'Y':
	case '1':
		return 1;
	case 'n':
	case 'N':
	case '0':
		return 0;
	case 'o':
	case 'O':
		if (v[1] == 'n' || v[1] == 'N')
			return 1;
		if (v[1] == 'f' || v[1] == 'F')
			return 0;
		break;
	}
	return -1;
}

/* Whether a comma list holds an item starting with word (the kernel's
 * strncmp reading). */
static bool
list_has(const char *v, const char *word)
{
	size_t n = strlen(word);

	while (v != NULL && *v != '\0') {
		if (strncmp(v, word, n) == 0)
			return true;
		v += strcspn(v, ",");
		while (*v == ',')
			v++;
	}
	return false;
}

/* Whether a comma list holds exactly item. */
static bool
list_has_exact(const char *v, const char *item)
{
	size_t n = strlen(item);

	while (v != NULL && *v != '\0') {
		size_t l = strcspn(v, ",");

		if (l == n && strncmp(v, item, n) == 0)
			return true;
		v += l;
		while (*v == ',')
			v++;
	}
	return false;
}

bool
kcmd_conflicts(
    const struct kcmd_want *w, const struct cmdline_token *t, const char **why)
{
	const char *k = t->key, *v = t->value;
	char vfs[16];

	if (t->init_arg)
		return false;
	if (w->intel && cmdline_key_eq(k, "intel_iommu")) {
		if (list_has(v, "off")) {
			*why = _("it turns the IOMMU off");
			return true;
		}
		if (list_has(v, "igfx_off")) {
			*why = _("it takes the integrated GPU out of DMA "
				 "remapping");
			return true;
		}
	}
	if (w->amd && cmdline_key_eq(k, "amd_iommu") && list_has(v, "off")) {
		*why = _("it turns the IOMMU off");
		return true;
	}
	if (cmdline_key_eq(k, "iommu")) {
		if (list_has(v, "off")) {
			*why = _("it turns the IOMMU off");
			return true;
		}
		if (list_has(v, "soft") || list_has(v, "nopt")) {
			*why = _("it contradicts iommu=pt");
			return true;
		}
	}
	if (cmdline_key_eq(k, "iommu.passthrough") && kbool(v) == 0) {
		*why = _("it contradicts iommu=pt");
		return true;
	}
	if (w->gvt && cmdline_key_eq(k, "i915.enable_gvt") && kbool(v) != 1) {
		*why = _("GVT-g needs i915.enable_gvt=1");
		return true;
	}
	if (w->sriov && cmdline_key_eq(k, "i915.enable_guc") &&
	    (v == NULL || strcmp(v, "3") != 0)) {
		*why = _("SR-IOV needs i915.enable_guc=3");
		return true;
	}
	snprintf(vfs, sizeof vfs, "%d", w->vfs);
	if (w->sriov && cmdline_key_eq(k, "i915.max_vfs") &&
	    (v == NULL || strcmp(v, vfs) != 0)) {
		*why = _("the chosen number of VFs differs");
		return true;
	}
	return false;
}

bool
kcmd_satisfied(const struct kcmd_want *w, size_t i, const struct cmdline *cl)
{
	const struct kparam *p = &w->params[i];
	size_t j;

	for (j = 0; j < cl->n_tokens; j++) {
		const struct cmdline_token *t = &cl->tokens[j];
		const char *why;

		if (t->init_arg || !cmdline_key_eq(t->key, p->key) ||
		    kcmd_conflicts(w, t, &why))
			continue;
		switch (p->match) {
		case KP_ITEM:
			if (list_has_exact(t->value, p->value))
				return true;
			break;
		case KP_BOOL:
			if (kbool(t->value) == 1)
				return true;
			break;
		case KP_EXACT:
			if (t->value != NULL && strcmp(t->value, p->value) == 0)
				return true;
			break;
		}
	}
	return false;
}

size_t
kcmd_missing(const struct kcmd_want *w, const char *line, const char ***tokens)
{
	struct cmdline *cl = cmdline_parse(line != NULL ? line : "");
	size_t i, n = 0;

	*tokens = NULL;
	for (i = 0; i < w->n_params; i++) {
		if (!kcmd_satisfied(w, i, cl))
			ARRAY_PUSH(*tokens, n, w->params[i].token);
	}
	cmdline_free(cl);
	return n;
}

bool
kcmd_line_ok(const struct kcmd_want *w, const char *line, struct strbuf *why)
{
	struct cmdline *cl = cmdline_parse(line != NULL ? line : "");
	const char *reason;
	bool ok = true;
	size_t i;

	for (i = 0; i < w->n_params; i++) {
		if (kcmd_satisfied(w, i, cl))
			continue;
		if (!ok)
			sb_adds(why, "; ");
		sb_addf(why, _("%s is missing"), w->params[i].token);
		ok = false;
	}
	for (i = 0; i < cl->n_tokens; i++) {
		if (!kcmd_conflicts(w, &cl->tokens[i], &reason))
			continue;
		if (!ok)
			sb_adds(why, "; ");
		sb_addf(why, _("%s is there: %s"), cl->tokens[i].raw, reason);
		ok = false;
	}
	cmdline_free(cl);
	return ok;
}
