/*
 * reboot_sim_kmod.c: the booted kernel's modules and the modprobe
 * configuration the boot applies, read with libkmod below the root.
 *
 * Module lookups (names, modaliases, dependencies) use a context on
 * <root>/lib/modules/<release> without configuration, as the probe does
 * (src/probe/kmods.c presence()). Options, blacklists and softdeps are the
 * probe's reading of the root's modprobe.d (host->kernel.modconf, with the
 * live command line libkmod merges already taken out) less the old command
 * line's entries, plus the new command line's `module.param=`,
 * `modprobe.blacklist=` and `module_blacklist=`. The install commands come
 * from a second context with the root's modprobe.d directories.
 *
 * The boot loads: the modules-load.d lists (systemd-modules-load, which
 * applies the blacklist), every module a device's modalias names unless it
 * is blacklisted (udev's kmod builtin), and with each module its softdeps
 * (pre before it, post after it) and its modules.dep dependencies.
 */
#include "reboot_sim.h"

#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/root.h"

#include <ctype.h>
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* systemd-modules-load's directories, highest priority first. */
static const char *const load_dirs[] = {
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/local/lib/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
};

enum rs_presence
rs_presence(struct rs *s, const char *name, char **real)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod;
	enum rs_presence p;
	char *n = rs_modname(name);

	*real = NULL;
	if (kmod_module_new_from_lookup(s->kctx, n, &list) < 0 ||
	    list == NULL) {
		free(n);
		return RS_MISSING;
	}
	free(n);
	mod = kmod_module_get_module(list);
	*real = rs_modname(kmod_module_get_name(mod));
	p = kmod_module_get_path(mod) != NULL ? RS_MODULE : RS_BUILTIN;
	kmod_module_unref(mod);
	kmod_module_unref_list(list);
	return p;
}

void
rs_alias_modules(struct rs *s, const char *modalias, char ***names, size_t *n)
{
	struct kmod_list *list = NULL, *it;

	*names = NULL;
	*n = 0;
	if (modalias == NULL ||
	    kmod_module_new_from_lookup(s->kctx, modalias, &list) < 0)
		return;
	kmod_list_foreach(it, list)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		char *name = rs_modname(kmod_module_get_name(m));

		/* vfio-pci and its variants claim by ids or override only */
		if (!str_startswith(name, "vfio") &&
		    strcmp(name, "pci_stub") != 0)
			rs_strv_add(names, n, name);
		free(name);
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
}

/* The modules.dep dependencies of a module ('_' names). */
static void
dependencies(struct rs *s, const char *name, char ***deps, size_t *n)
{
	struct kmod_module *mod = NULL;
	struct kmod_list *list, *it;

	*deps = NULL;
	*n = 0;
	if (kmod_module_new_from_name(s->kctx, name, &mod) < 0)
		return;
	list = kmod_module_get_dependencies(mod);
	kmod_list_foreach(it, list)
	{
		struct kmod_module *d = kmod_module_get_module(it);
		char *dn = rs_modname(kmod_module_get_name(d));

		rs_strv_add(deps, n, dn);
		free(dn);
		kmod_module_unref(d);
	}
	kmod_module_unref_list(list);
	kmod_module_unref(mod);
}

/* One `module.param=value` of the new command line as an option. */
static void
cmdline_options(const struct rs *s, const char *module, struct strbuf *sb)
{
	char *mod, *param;
	size_t i;

	for (i = 0; i < s->cl->n_tokens; i++) {
		const struct cmdline_token *t = &s->cl->tokens[i];

		if (t->init_arg || t->value == NULL ||
		    !cmdline_token_modparam(t, &mod, &param))
			continue;
		if (strcmp(mod, module) == 0)
			sb_addf(sb, "%s%s=%s%s%s", sb->len > 0 ? " " : "",
			    param, strchr(t->value, ' ') != NULL ? "\"" : "",
			    t->value,
			    strchr(t->value, ' ') != NULL ? "\"" : "");
		free(mod);
		free(param);
	}
}

char *
rs_module_options(struct rs *s, const char *module)
{
	const struct host_modconf *mc = &s->h->kernel.modconf;
	struct strbuf sb = STRBUF_INIT;
	char *m = rs_modname(module);
	size_t i;

	for (i = 0; i < mc->n_options; i++)
		if (!mc->options[i].from_cmdline &&
		    strcmp(mc->options[i].module, m) == 0)
			sb_addf(&sb, "%s%s", sb.len > 0 ? " " : "",
			    mc->options[i].value);
	cmdline_options(s, m, &sb);
	free(m);
	return sb.len > 0 ? sb_detach(&sb) : NULL;
}

bool
rs_blacklisted(const struct rs *s, const char *module)
{
	char *m = rs_modname(module);
	bool b = rs_strv_has(s->blacklist, s->n_blacklist, m);

	free(m);
	return b;
}

bool
rs_softdep_pre(const struct rs *s, const char *module, const char *dep)
{
	const struct host_modconf *mc = &s->h->kernel.modconf;
	char *m = rs_modname(module), *d = rs_modname(dep), *copy, *w;
	char *save = NULL;
	bool pre = false, found = false;
	size_t i;

	/* libkmod uses the first softdep line of a module */
	for (i = 0; i < mc->n_softdeps; i++)
		if (strcmp(mc->softdeps[i].module, m) == 0)
			break;
	if (i < mc->n_softdeps) {
		copy = xstrdup(mc->softdeps[i].value);
		for (w = strtok_r(copy, " \t", &save); w != NULL && !found;
		     w = strtok_r(NULL, " \t", &save)) {
			if (strcmp(w, "pre:") == 0 || strcmp(w, "post:") == 0)
				pre = strcmp(w, "pre:") == 0;
			else if (pre && strcmp(w, d) == 0)
				found = true;
		}
		free(copy);
	}
	free(m);
	free(d);
	return found;
}

/* The pre: or post: modules of module's softdep. */
static void
softdep_list(const struct rs *s, const char *module, bool want_pre, char ***out,
    size_t *n)
{
	const struct host_modconf *mc = &s->h->kernel.modconf;
	char *copy, *w, *save = NULL;
	bool pre = false;
	size_t i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < mc->n_softdeps; i++)
		if (strcmp(mc->softdeps[i].module, module) == 0)
			break;
	if (i == mc->n_softdeps)
		return;
	copy = xstrdup(mc->softdeps[i].value);
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "pre:") == 0 || strcmp(w, "post:") == 0)
			pre = strcmp(w, "pre:") == 0;
		else if (pre == want_pre)
			rs_strv_add(out, n, w);
	}
	free(copy);
}

/* modprobe.d blacklists, and the new command line's own. */
static void
read_blacklist(struct rs *s)
{
	const struct host_modconf *mc = &s->h->kernel.modconf;
	char *mod, *param, *list, *w, *save;
	size_t i;

	for (i = 0; i < mc->n_blacklist; i++)
		if (!mc->blacklist[i].from_cmdline)
			rs_strv_add(&s->blacklist, &s->n_blacklist,
			    mc->blacklist[i].module);
	for (i = 0; i < s->cl->n_tokens; i++) {
		const struct cmdline_token *t = &s->cl->tokens[i];
		bool kernel = cmdline_key_eq(t->key, "module_blacklist");

		if (t->init_arg || t->value == NULL)
			continue;
		if (!kernel) {
			if (!cmdline_token_modparam(t, &mod, &param))
				continue;
			kernel = strcmp(mod, "modprobe") == 0 &&
				 strcmp(param, "blacklist") == 0;
			free(mod);
			free(param);
			if (!kernel)
				continue;
		}
		list = xstrdup(t->value);
		save = NULL;
		for (w = strtok_r(list, ",", &save); w != NULL;
		     w = strtok_r(NULL, ",", &save)) {
			char *n = rs_modname(w);

			rs_strv_add(&s->blacklist, &s->n_blacklist, n);
			free(n);
		}
		free(list);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* modules-load.d: each *.conf name once (the first directory wins), in
 * name order, every module it lists (modlist codec). */
static void
read_loadlist(struct rs *s)
{
	char **files = NULL, **names, **mods, *path, *text, *cause;
	size_t n_files = 0, n, i, j, k, n_mods, len;
	struct modlist *ml;

	for (i = 0; i < nitems(load_dirs); i++) {
		if (root_listdir(s->r, load_dirs[i], &names, &n) < 0)
			continue;
		for (j = 0; j < n; j++) {
			len = strlen(names[j]);
			if (len > 5 && strcmp(names[j] + len - 5, ".conf") == 0)
				rs_strv_add(&files, &n_files, names[j]);
		}
		strv_free(names, n);
	}
	if (n_files > 0)
		qsort(files, n_files, sizeof *files, cmp_str);
	for (i = 0; i < n_files; i++) {
		for (j = 0; j < nitems(load_dirs); j++) {
			path = xasprintf("%s/%s", load_dirs[j], files[i]);
			if (root_read(s->r, path, &text, &len) == 0)
				break;
			free(path);
		}
		if (j == nitems(load_dirs))
			continue;
		cause = NULL;
		if (modlist_parse(text, len, &ml, &cause) < 0) {
			rs_warn(s, "'%s' is skipped: %s", path, cause);
			free(cause);
		} else {
			n_mods = modlist_names(ml, &mods);
			for (k = 0; k < n_mods; k++)
				rs_strv_add(
				    &s->loadlist, &s->n_loadlist, mods[k]);
			strv_free(mods, n_mods);
			modlist_free(ml);
		}
		free(text);
		free(path);
	}
	strv_free(files, n_files);
}

/* Whether text has a PCI address at p: DDDD:BB:DD.F or BB:DD.F. */
static size_t
match_addr(const char *p, char out[13])
{
	static const char full[] = "xxxx:xx:xx.f", shrt[] = "xx:xx.f";
	const char *pat;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		pat = k == 0 ? full : shrt;
		for (i = 0; pat[i] != '\0'; i++) {
			if (pat[i] == 'x'   ? !isxdigit((unsigned char)p[i])
			    : pat[i] == 'f' ? !(p[i] >= '0' && p[i] <= '7')
					    : p[i] != pat[i])
				break;
		}
		if (pat[i] == '\0' && !isxdigit((unsigned char)p[i])) {
			snprintf(out, 13, "%s%.*s",
			    k == 0 ? "" : "0000:", (int)i, p);
			for (i = 0; out[i] != '\0'; i++)
				out[i] = (char)tolower((unsigned char)out[i]);
			return strlen(pat);
		}
	}
	return 0;
}

/* Record every PCI address of text as overridden by module's install. */
static void
scan_override(struct rs *s, const char *module, const char *text)
{
	char addr[13];
	const char *p;
	size_t len;

	if (strstr(text, "driver_override") == NULL ||
	    strstr(text, "vfio-pci") == NULL)
		return;
	for (p = text; *p != '\0'; p++) {
		if (p > text &&
		    (isxdigit((unsigned char)p[-1]) || p[-1] == ':'))
			continue;
		if ((len = match_addr(p, addr)) > 0) {
			char *e = xasprintf("%s %s", addr, module);

			rs_strv_add(&s->overrides, &s->n_overrides, e);
			free(e);
			p += len - 1;
		}
	}
}

/*
 * An install command that writes vfio-pci into driver_override, in the
 * command itself or in a script it runs (an absolute path in the root).
 */
static void
read_overrides(struct rs *s)
{
	struct kmod_config_iter *it;
	struct kmod_ctx *ctx;

	ctx = kmods_ctx(s->r, s->kernel->release, true);
	it = ctx != NULL ? kmod_config_get_install_commands(ctx) : NULL;
	while (it != NULL && kmod_config_iter_next(it)) {
		char *mod = rs_modname(kmod_config_iter_get_key(it));
		const char *cmd = kmod_config_iter_get_value(it);
		char *copy = xstrdup(cmd != NULL ? cmd : ""), *w, *save = NULL;
		struct stat st;
		char *text;

		scan_override(s, mod, copy);
		for (w = strtok_r(copy, " \t;&|()", &save); w != NULL;
		     w = strtok_r(NULL, " \t;&|()", &save)) {
			if (*w != '/' || root_stat(s->r, w, &st, true) < 0 ||
			    !S_ISREG(st.st_mode) ||
			    root_read(s->r, w, &text, NULL) < 0)
				continue;
			scan_override(s, mod, text);
			free(text);
		}
		free(copy);
		free(mod);
	}
	kmod_config_iter_free_iter(it);
	kmod_unref(ctx);
}

const char *
rs_override_module(const struct rs *s, const char *addr)
{
	size_t i, len = strlen(addr);

	for (i = 0; i < s->n_overrides; i++)
		if (strncmp(s->overrides[i], addr, len) == 0 &&
		    s->overrides[i][len] == ' ')
			return s->overrides[i] + len + 1;
	return NULL;
}

/* modules.builtin: "kernel/drivers/.../name.ko" lines. */
static void
read_builtins(struct rs *s)
{
	char *path = xasprintf(
		 "/lib/modules/%s/modules.builtin", s->kernel->release),
	     *text, *line, *save = NULL;

	if (root_read(s->r, path, &text, NULL) == 0) {
		for (line = strtok_r(text, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			char *base = strrchr(line, '/'), *name;

			base = base != NULL ? base + 1 : line;
			if (strlen(base) > 3 &&
			    strcmp(base + strlen(base) - 3, ".ko") == 0)
				base[strlen(base) - 3] = '\0';
			name = rs_modname(base);
			rs_strv_add(&s->builtins, &s->n_builtins, name);
			free(name);
		}
		free(text);
	}
	free(path);
}

int
rs_kmod_open(struct rs *s, char **cause)
{
	enum rs_presence p;
	char *real;

	s->kctx = kmods_ctx(s->r, s->kernel->release, false);
	if (s->kctx == NULL) {
		*cause = xasprintf("cannot open '/lib/modules/%s' with libkmod",
		    s->kernel->release);
		return -EIO;
	}
	p = rs_presence(s, "vfio_pci", &real);
	free(real);
	s->vfio_present = p != RS_MISSING;
	s->vfio_builtin = p == RS_BUILTIN;
	read_builtins(s);
	read_blacklist(s);
	read_loadlist(s);
	read_overrides(s);
	return 0;
}

void
rs_kmod_close(struct rs *s)
{
	kmod_unref(s->kctx);
	s->kctx = NULL;
}

bool
rs_is_loaded(const struct rs *s, const char *module)
{
	return rs_strv_has(s->loaded, s->n_loaded, module);
}

/* modprobe NAME: softdeps pre, dependencies, the module, softdeps post. */
static void
load(
    struct rs *s, const char *name, bool by_alias, char ***busy, size_t *n_busy)
{
	char **list, *real;
	size_t n, i;

	if (rs_presence(s, name, &real) != RS_MODULE) {
		free(real);
		return;
	}
	if (rs_is_loaded(s, real) || rs_strv_has(*busy, *n_busy, real) ||
	    (by_alias && rs_blacklisted(s, real))) {
		free(real);
		return;
	}
	rs_strv_add(busy, n_busy, real);
	softdep_list(s, real, true, &list, &n);
	for (i = 0; i < n; i++)
		load(s, list[i], false, busy, n_busy);
	strv_free(list, n);
	dependencies(s, real, &list, &n);
	for (i = n; i > 0; i--)
		load(s, list[i - 1], false, busy, n_busy);
	strv_free(list, n);
	rs_strv_add(&s->loaded, &s->n_loaded, real);
	softdep_list(s, real, false, &list, &n);
	for (i = 0; i < n; i++)
		load(s, list[i], false, busy, n_busy);
	strv_free(list, n);
	free(real);
}

void
rs_boot_modules(struct rs *s)
{
	char **busy = NULL, *real;
	size_t n_busy = 0, i, j;

	for (i = 0; i < s->n_loadlist; i++) {
		const char *m = s->loadlist[i];
		enum rs_presence p = rs_presence(s, m, &real);

		if (p == RS_MISSING)
			rs_warn(s,
			    "modules-load.d lists '%s', which kernel %s does "
			    "not have: systemd-modules-load fails for it",
			    m, s->kernel->release);
		else if (rs_blacklisted(s, real))
			rs_warn(s,
			    "modules-load.d lists '%s', which is blacklisted: "
			    "systemd-modules-load skips it",
			    m);
		else
			load(s, real, false, &busy, &n_busy);
		free(real);
	}
	for (i = 0; i < s->n_devs; i++)
		for (j = 0; j < s->devs[i].n_cands; j++)
			load(s, s->devs[i].cands[j], true, &busy, &n_busy);
	strv_free(busy, n_busy);
	s->vfio_loaded = s->vfio_builtin || rs_is_loaded(s, "vfio_pci");
}

void
rs_load_candidates(struct rs *s, const struct rs_dev *d)
{
	char **busy = NULL;
	size_t n_busy = 0, i;

	for (i = 0; i < d->n_cands; i++)
		load(s, d->cands[i], true, &busy, &n_busy);
	strv_free(busy, n_busy);
}
