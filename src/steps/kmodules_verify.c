/*
 * kmodules_verify.c: libkmod's reading of the root's configuration, for
 * the modules step's verify (kmodules.h). Before the reboot: libkmod,
 * given the root's modprobe.d directories and its kernels' module
 * directories, reports the intended vfio-pci options, install command,
 * softdeps and blacklists, no blacklist of a module passthrough or the
 * host needs, and every module of the load list is listed and resolves in
 * every installed kernel. After the reboot: the devices part of the
 * diagnosis (afterboot.h): every function meant for vfio-pci is bound to
 * it, its IOMMU group viable with its /dev/vfio node, kvmgt and the mdev
 * types for GVT-g; each failure with its likely cause and the next
 * action.
 */
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"
#include "afterboot.h"
#include "kmodules.h"

#include <libkmod.h>
#include <stdlib.h>
#include <string.h>

enum kmod_presence
km_presence(const struct root *r, const char *release, const char *module)
{
	struct kmod_ctx *ctx = kmods_ctx(r, release, false);
	struct kmod_list *list = NULL;
	enum kmod_presence p = KMOD_MISSING;
	struct kmod_module *m;

	if (ctx == NULL)
		return KMOD_MISSING;
	if (kmod_module_new_from_lookup(ctx, module, &list) == 0 &&
	    list != NULL) {
		m = kmod_module_get_module(list);
		p = kmod_module_get_path(m) != NULL ? KMOD_MODULE
						    : KMOD_BUILTIN;
		kmod_module_unref(m);
		kmod_module_unref_list(list);
	}
	kmod_unref(ctx);
	return p;
}

char *
km_install_command(
    const struct root *r, const char *release, const char *module)
{
	struct kmod_ctx *ctx = kmods_ctx(r, release, true);
	struct kmod_config_iter *it;
	char *cmd = NULL;

	if (ctx == NULL)
		return NULL;
	it = kmod_config_get_install_commands(ctx);
	while (cmd == NULL && it != NULL && kmod_config_iter_next(it)) {
		if (modprobe_name_eq(kmod_config_iter_get_key(it), module))
			cmd = xstrdup(kmod_config_iter_get_value(it));
	}
	kmod_config_iter_free_iter(it);
	kmod_unref(ctx);
	return cmd;
}

/* Every options value of module, joined with spaces, as modprobe does. */
static char *
joined_options(const struct host_modconf *mc, const char *module)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < mc->n_options; i++) {
		if (modprobe_name_eq(mc->options[i].module, module))
			sb_addf(&sb, "%s%s", sb.len > 0 ? " " : "",
			    mc->options[i].value);
	}
	return sb_detach(&sb);
}

static bool
mc_blacklisted(const struct host_modconf *mc, const char *module)
{
	size_t i;

	for (i = 0; i < mc->n_blacklist; i++) {
		if (modprobe_name_eq(mc->blacklist[i].module, module))
			return true;
	}
	return false;
}

/* True when the softdep libkmod uses for module loads vfio-pci first. */
static bool
softdep_has_vfio(const struct host_modconf *mc, const char *module)
{
	size_t i;

	for (i = 0; i < mc->n_softdeps; i++) {
		const char *v = mc->softdeps[i].value, *end;
		char *pre;
		bool has;

		if (!modprobe_name_eq(mc->softdeps[i].module, module))
			continue;
		if (strncmp(v, "pre: ", 5) != 0)
			return false;
		end = strstr(v, " post:");
		pre = xasprintf(" %.*s ",
		    (int)(end != NULL ? (size_t)(end - v) - 5 : strlen(v + 5)),
		    v + 5);
		has = strstr(pre, " vfio_pci ") != NULL;
		free(pre);
		return has;
	}
	return false;
}

static bool
check_options(
    const struct km_want *w, const struct host_modconf *mc, struct strbuf *msg)
{
	char *opts = joined_options(mc, "vfio_pci");
	char *ids = km_param_last(opts, "ids", NULL);
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < w->n_ids; i++) {
		if (ids == NULL || !km_list_has(ids, w->ids[i])) {
			sb_addf(msg,
			    _("libkmod reads vfio-pci's options as '%s': "
			      "they do not bind %s"),
			    opts, w->ids[i]);
			ok = false;
		}
	}
	if (ok && w->legacy &&
	    (strstr(opts, "disable_vga=1 ") != NULL ||
		(strlen(opts) >= 13 &&
		    strcmp(opts + strlen(opts) - 13, "disable_vga=1") == 0))) {
		sb_adds(msg, _("vfio-pci has disable_vga=1, which hides the "
			       "VGA region legacy IGD assignment needs"));
		ok = false;
	}
	free(ids);
	free(opts);
	return ok;
}

static bool
check_install(const struct root *r, const char *release,
    const struct km_want *w, struct strbuf *msg)
{
	char *cmd, **addrs = NULL;
	size_t n = 0, i;
	bool ok = true;

	if (w->n_addrs == 0)
		return true;
	cmd = km_install_command(r, release, "vfio_pci");
	if (cmd == NULL || modprobe_vfio_override_parse(cmd, &addrs, &n) < 0) {
		sb_addf(msg,
		    _("libkmod has no install command for vfio-pci that "
		      "binds %s by its address"),
		    w->addrs[0]);
		free(cmd);
		return false;
	}
	for (i = 0; ok && i < w->n_addrs; i++) {
		if (!strv_has(addrs, n, w->addrs[i])) {
			sb_addf(msg,
			    _("vfio-pci's install command does not bind %s"),
			    w->addrs[i]);
			ok = false;
		}
	}
	strv_free(addrs, n);
	free(cmd);
	return ok;
}

static bool
check_deps(const struct host *h, const struct selection *s,
    const struct km_want *w, const struct host_modconf *mc, struct strbuf *msg)
{
	const char *other;
	size_t i;

	for (i = 0; i < w->n_softdeps; i++) {
		if (!mc_blacklisted(mc, w->softdeps[i]) &&
		    !softdep_has_vfio(mc, w->softdeps[i])) {
			sb_addf(msg,
			    _("libkmod does not load vfio-pci before %s"),
			    w->softdeps[i]);
			return false;
		}
	}
	for (i = 0; i < w->n_blacklist; i++) {
		if (!mc_blacklisted(mc, w->blacklist[i])) {
			sb_addf(
			    msg, _("%s is not blacklisted"), w->blacklist[i]);
			return false;
		}
	}
	for (i = 0; i < mc->n_blacklist; i++) {
		const char *m = mc->blacklist[i].module;

		if (strv_has(w->load, w->n_load, m) ||
		    km_host_needs(h, s, mc, m, &other)) {
			sb_addf(
			    msg, _("%s is blacklisted, but it is needed"), m);
			return false;
		}
	}
	return true;
}

/* Every module of the load list is listed and resolves everywhere. */
static bool
check_load(const struct host *h, const struct root *r, const struct km_want *w,
    struct strbuf *msg)
{
	struct km_config c;
	char *cause = NULL;
	size_t i, j;

	if (km_config_load(NULL, r, &c, &cause) < 0) {
		sb_adds(msg, cause);
		free(cause);
		return false;
	}
	for (i = 0; i < w->n_load; i++) {
		if (!km_listed(&c, w->load[i], true)) {
			sb_addf(msg,
			    _("%s is in no module list that "
			      "systemd-modules-load reads"),
			    w->load[i]);
			km_config_free(&c);
			return false;
		}
	}
	km_config_free(&c);
	for (i = 0; i < h->kernel.n_installed; i++) {
		const struct installed_kernel *k = &h->kernel.installed[i];

		for (j = 0; k->has_modules_dir && j < w->n_load; j++) {
			if (km_presence(r, k->release, w->load[j]) !=
				KMOD_MISSING ||
			    strcmp(w->load[j], "vfio_virqfd") == 0)
				continue;
			sb_addf(msg, _("kernel %s has no module %s"),
			    k->release, w->load[j]);
			return false;
		}
	}
	return true;
}

bool
km_verify_config(const struct host *h, const struct root *r,
    const struct selection *s, const struct km_want *w, struct strbuf *msg)
{
	const char *release = s->kernel != NULL ? s->kernel : h->kernel.release;
	struct host_modconf mc;
	bool ok;

	if (kmods_read_modconf(r, release, &mc) < 0) {
		sb_adds(msg, _("libkmod cannot read the modprobe "
			       "configuration"));
		return false;
	}
	ok = check_options(w, &mc, msg) &&
	     check_install(r, release != NULL ? release : "", w, msg) &&
	     check_deps(h, s, w, &mc, msg) && check_load(h, r, w, msg);
	host_modconf_free(&mc);
	return ok;
}

/* After the reboot: the diagnosis of afterboot_devices.c, rendered. */
bool
km_verify_running(const struct host *h, const struct root *r,
    const struct choices *c, const struct selection *s, const struct km_want *w,
    struct strbuf *msg)
{
	struct ab_report rep = AB_REPORT_INIT;
	bool ok;

	ab_devices(h, r, c, s, w, &rep);
	ok = rep.n == 0;
	ab_render(&rep, msg);
	ab_report_free(&rep);
	return ok;
}
