/*
 * kmods.c: the modules probe (libkmod). For every installed kernel, whether
 * the vfio modules exist there as loadable modules, built in, or not at all;
 * and the effective modprobe configuration (options, blacklists, softdeps)
 * of the root's modprobe.d directories plus the root's /proc/cmdline.
 *
 * libkmod always merges the command line of the machine running us
 * (libkmod-config.c kmod_config_parse_kcmdline reads the live /proc/cmdline)
 * into its configuration. Under --root that is the wrong machine, so those
 * entries are taken out again: a second context with no configuration files
 * holds exactly them, and they are subtracted as a multiset. The root's own
 * command line entries are then added, marked from_cmdline.
 * kmods_read_modconf() is the reading of the files alone, for a re-read
 * after they changed (the modules step's verify).
 */
#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>
#include <string.h>

/* modprobe's configuration directories, in kmod's default order. */
static const char *const modprobe_dirs[] = {
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/lib/modprobe.d",
    "/usr/lib/modprobe.d",
};

static void
no_log(void *data, int priority, const char *file, int line, const char *fn,
    const char *format, va_list args)
{
}

/*
 * kmod_new() parses the configuration, and may log about bad lines, before a
 * log function can be set; KMOD_LOG=0 keeps those messages off stderr.
 */
static struct kmod_ctx *
quiet_kmod_new(const char *dir, const char *const *paths)
{
	const char *old = getenv("KMOD_LOG");
	char *saved = old != NULL ? xstrdup(old) : NULL;
	struct kmod_ctx *ctx;

	setenv("KMOD_LOG", "0", 1);
	ctx = kmod_new(dir, paths);
	if (saved != NULL) {
		setenv("KMOD_LOG", saved, 1);
		free(saved);
	} else
		unsetenv("KMOD_LOG");
	if (ctx != NULL) {
		kmod_set_log_fn(ctx, no_log, NULL);
		kmod_set_log_priority(ctx, 0);
	}
	return ctx;
}

struct kmod_ctx *
kmods_ctx(const struct root *r, const char *release, bool with_config)
{
	static const char *const no_config[] = {NULL};
	const char *paths[nitems(modprobe_dirs) + 1];
	char *rel =
	    xasprintf("/lib/modules/%s", release != NULL ? release : "");
	char *dir = root_join(r, rel);
	struct kmod_ctx *ctx;
	size_t i;

	for (i = 0; i < nitems(modprobe_dirs); i++)
		paths[i] = with_config ? root_join(r, modprobe_dirs[i]) : NULL;
	paths[i] = NULL;
	ctx = quiet_kmod_new(dir, with_config ? paths : no_config);
	/*
	 * Map the indexes once: without it, every lookup opens and reads
	 * modules.alias.bin and modules.dep.bin again (16 calls a device). A
	 * missing index is no error here; lookups then find nothing.
	 */
	if (ctx != NULL)
		(void)kmod_load_resources(ctx);
	for (i = 0; i < nitems(modprobe_dirs); i++)
		free((char *)paths[i]);
	free(dir);
	free(rel);
	return ctx;
}

/*
 * Is name a module, built in, or missing in this context? The context must
 * have no configuration: a modprobe.d alias or install command would make
 * libkmod return a path-less module that is not built in.
 */
static enum kmod_presence
presence(
    struct host *h, struct kmod_ctx *ctx, const char *release, const char *name)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod;
	enum kmod_presence p;
	int err;

	err = kmod_module_new_from_lookup(ctx, name, &list);
	if (err < 0) {
		host_problem(h, "kmod",
		    "cannot look up '%s' for kernel '%s': %s", name, release,
		    strerror(-err));
		return KMOD_MISSING;
	}
	if (list == NULL)
		return KMOD_MISSING;
	mod = kmod_module_get_module(list);
	p = kmod_module_get_path(mod) != NULL ? KMOD_MODULE : KMOD_BUILTIN;
	kmod_module_unref(mod);
	kmod_module_unref_list(list);
	return p;
}

static void
probe_presence(struct host *h, const struct root *r, struct installed_kernel *k)
{
	struct kmod_ctx *ctx;
	size_t i;

	if (!k->has_modules_dir)
		return;
	ctx = kmods_ctx(r, k->release, false);
	if (ctx == NULL) {
		host_problem(h, "kmod",
		    "cannot open '/lib/modules/%s' with libkmod", k->release);
		return;
	}
	for (i = 0; i < VM__COUNT; i++)
		k->modules[i] =
		    presence(h, ctx, k->release, vfio_module_names[i]);
	kmod_unref(ctx);
}

/* One configuration list as libkmod reports it. */
struct klist {
	struct modconf_entry *e;
	size_t n;
	bool *drop;
};

enum klist_kind { KL_OPTIONS, KL_BLACKLIST, KL_SOFTDEPS };

/*
 * Rewrite libkmod's softdep text as "pre: a b post: c" with normalised
 * names. kmod 30 prints the pre list glued to "post:" ("pre: apost: b");
 * module names never hold ':', so a word ending in "post:" is split.
 */
static char *
softdep_text(const char *raw)
{
	struct strbuf pre = STRBUF_INIT, post = STRBUF_INIT, out = STRBUF_INIT;
	struct strbuf *cur = NULL;
	char *copy = xstrdup(raw != NULL ? raw : ""), *w, *save = NULL;
	size_t len;

	for (w = strtok_r(copy, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save)) {
		len = strlen(w);
		if (strcmp(w, "pre:") == 0) {
			cur = &pre;
			continue;
		}
		if (len > 5 && strcmp(w + len - 5, "post:") == 0) {
			w[len - 5] = '\0';
			if (cur != NULL)
				sb_addf(cur, " %s", cmdline_underscores(w));
			cur = &post;
			continue;
		}
		if (strcmp(w, "post:") == 0) {
			cur = &post;
			continue;
		}
		if (cur != NULL)
			sb_addf(cur, " %s", cmdline_underscores(w));
	}
	if (pre.len > 0)
		sb_addf(&out, "pre:%s", sb_str(&pre));
	if (post.len > 0)
		sb_addf(
		    &out, "%spost:%s", out.len > 0 ? " " : "", sb_str(&post));
	sb_release(&pre);
	sb_release(&post);
	free(copy);
	return out.len > 0 ? sb_detach(&out) : xstrdup("");
}

static void
klist_read(struct kmod_ctx *ctx, enum klist_kind kind, struct klist *l)
{
	struct kmod_config_iter *it;
	struct modconf_entry e;
	const char *v;

	memset(l, 0, sizeof *l);
	if (kind == KL_OPTIONS)
		it = kmod_config_get_options(ctx);
	else if (kind == KL_BLACKLIST)
		it = kmod_config_get_blacklists(ctx);
	else
		it = kmod_config_get_softdeps(ctx);
	while (it != NULL && kmod_config_iter_next(it)) {
		memset(&e, 0, sizeof e);
		e.module =
		    cmdline_underscores(xstrdup(kmod_config_iter_get_key(it)));
		v = kmod_config_iter_get_value(it);
		if (kind == KL_OPTIONS)
			e.value = xstrdup(v != NULL ? v : "");
		else if (kind == KL_SOFTDEPS)
			e.value = softdep_text(v);
		ARRAY_PUSH(l->e, l->n, e);
	}
	kmod_config_iter_free_iter(it);
	l->drop = xcalloc(l->n + 1, sizeof *l->drop);
}

static void
klist_free(struct klist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].module);
		free(l->e[i].value);
	}
	free(l->e);
	free(l->drop);
}

static bool
entry_eq(const struct modconf_entry *a, const struct modconf_entry *b)
{
	if (strcmp(a->module, b->module) != 0)
		return false;
	if (a->value == NULL || b->value == NULL)
		return a->value == b->value;
	return strcmp(a->value, b->value) == 0;
}

/* Drop from full one entry equal to each of live's, latest first. */
static void
klist_subtract(struct klist *full, const struct klist *live)
{
	size_t i, j;

	for (i = 0; i < live->n; i++) {
		for (j = full->n; j > 0; j--) {
			if (!full->drop[j - 1] &&
			    entry_eq(&full->e[j - 1], &live->e[i])) {
				full->drop[j - 1] = true;
				break;
			}
		}
	}
}

/* Move the kept entries of l into the host's list. */
static void
klist_move(struct klist *l, struct modconf_entry **out, size_t *n)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->drop[i]) {
			free(l->e[i].module);
			free(l->e[i].value);
			continue;
		}
		ARRAY_PUSH(*out, *n, l->e[i]);
	}
	free(l->e);
	free(l->drop);
	memset(l, 0, sizeof *l);
}

static void
add_entry(
    struct modconf_entry **list, size_t *n, const char *module, char *value)
{
	struct modconf_entry e;

	e.module = cmdline_underscores(xstrdup(module));
	e.value = value;
	e.from_cmdline = true;
	ARRAY_PUSH(*list, *n, e);
}

/*
 * What modprobe on the root's machine takes from its command line, read
 * with the kernel's tokenizer: `module.param=value` is an option for module
 * ("param=value"), `modprobe.blacklist=a,b` blacklists a and b.
 */
static void
add_cmdline_entries(struct host *h)
{
	struct host_modconf *mc = &h->kernel.modconf;
	struct cmdline *cl;
	char *mod, *param, *list, *w, *save = NULL;
	size_t i;

	if (h->kernel.cmdline == NULL)
		return;
	cl = cmdline_parse(h->kernel.cmdline);
	for (i = 0; i < cl->n_tokens; i++) {
		const struct cmdline_token *t = &cl->tokens[i];

		if (t->init_arg || t->value == NULL ||
		    !cmdline_token_modparam(t, &mod, &param))
			continue;
		if (strcmp(mod, "modprobe") == 0 &&
		    strcmp(param, "blacklist") == 0) {
			list = xstrdup(t->value);
			for (w = strtok_r(list, ",", &save); w != NULL;
			     w = strtok_r(NULL, ",", &save))
				add_entry(
				    &mc->blacklist, &mc->n_blacklist, w, NULL);
			free(list);
		} else if (strpbrk(t->value, " \t\n") != NULL) {
			add_entry(&mc->options, &mc->n_options, mod,
			    xasprintf("%s=\"%s\"", param, t->value));
		} else {
			add_entry(&mc->options, &mc->n_options, mod,
			    xasprintf("%s=%s", param, t->value));
		}
		free(mod);
		free(param);
	}
	cmdline_free(cl);
}

int
kmods_read_modconf(
    const struct root *r, const char *release, struct host_modconf *mc)
{
	struct kmod_ctx *full, *live;
	struct klist fl[3], ll[3];
	size_t i;
	int err = 0;

	memset(mc, 0, sizeof *mc);
	full = kmods_ctx(r, release, true);
	live = kmods_ctx(r, release, false);
	if (full == NULL || live == NULL) {
		err = -ENOMEM;
	} else {
		for (i = 0; i < 3; i++) {
			klist_read(full, (enum klist_kind)i, &fl[i]);
			klist_read(live, (enum klist_kind)i, &ll[i]);
			klist_subtract(&fl[i], &ll[i]);
			klist_free(&ll[i]);
		}
		klist_move(&fl[KL_OPTIONS], &mc->options, &mc->n_options);
		klist_move(&fl[KL_BLACKLIST], &mc->blacklist, &mc->n_blacklist);
		klist_move(&fl[KL_SOFTDEPS], &mc->softdeps, &mc->n_softdeps);
	}
	kmod_unref(full);
	kmod_unref(live);
	return err;
}

static void
free_entries(struct modconf_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].module);
		free(e[i].value);
	}
	free(e);
}

void
host_modconf_free(struct host_modconf *mc)
{
	free_entries(mc->options, mc->n_options);
	free_entries(mc->blacklist, mc->n_blacklist);
	free_entries(mc->softdeps, mc->n_softdeps);
	memset(mc, 0, sizeof *mc);
}

/* The effective modprobe configuration, without the live command line. */
static void
probe_modconf(struct host *h, const struct root *r)
{
	if (kmods_read_modconf(r, h->kernel.release, &h->kernel.modconf) < 0)
		host_problem(h, "kmod",
		    "cannot read the modprobe configuration "
		    "with libkmod");
	add_cmdline_entries(h);
}

void
probe_kmods(struct host *h, const struct root *r)
{
	size_t i;

	for (i = 0; i < h->kernel.n_installed; i++)
		probe_presence(h, r, &h->kernel.installed[i]);
	probe_modconf(h, r);
}
