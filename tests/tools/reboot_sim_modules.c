/*
 * reboot_sim_modules.c: the modules and drivers in the tree after the boot,
 * in the replay generator's shapes (spec_write.c gen_proc_modules,
 * spec_modules.c gen_sys_module, spec_sysfs.c gen_driver):
 *   - /proc/modules: the modules the boot loaded, newest first, ahead of the
 *     ones the old tree had loaded for reasons the simulation does not model
 *     (CPU features, file systems), which stay in their order;
 *   - /sys/module/<name>: initstate for loaded modules, a directory for the
 *     booted kernel's built-in ones, the parameters the wizard reads at their
 *     defaults or as the options and the command line set them;
 *   - /sys/bus/pci/drivers/<drv>: one per registered PCI driver, with its
 *     trigger files, module link and device links; each device's driver
 *     link, uevent, enable, driver_override and config command register.
 */
#include "reboot_sim.h"

#include "../../src/spec/spec_priv.h"
#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/root.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRIVERS "/sys/bus/pci/drivers"

/* The modules a device or the vfio family make the boot decide anew. */
static bool
boot_decided(struct rs *s, const char *m)
{
	char *real = NULL;
	enum rs_presence p;
	size_t i;

	if (str_startswith(m, "vfio") || strcmp(m, "mdev") == 0 ||
	    strcmp(m, "kvmgt") == 0 || strcmp(m, "iommufd") == 0 ||
	    strcmp(m, "pci_stub") == 0 || rs_blacklisted(s, m) ||
	    rs_strv_has(s->loadlist, s->n_loadlist, m))
		return true;
	for (i = 0; i < s->n_devs; i++) {
		const struct rs_dev *d = &s->devs[i];
		char *old =
		    d->pd->driver != NULL ? driver_module(d->pd->driver) : NULL;
		bool hit = rs_strv_has(d->cands, d->n_cands, m) ||
			   (old != NULL && strcmp(old, m) == 0);

		free(old);
		if (hit)
			break;
	}
	if (i == s->n_devs)
		return false;
	/* a module the modules dir does not know keeps its old state */
	p = rs_presence(s, m, &real);
	free(real);
	return p != RS_MISSING;
}

/* The fourth column of an old /proc/modules line, and its size. */
static bool
old_line(const char *text, const char *m, char **users, unsigned *size)
{
	const char *p = text;
	size_t len = strlen(m);
	char used[1024];

	while (p != NULL && *p != '\0') {
		if (strncmp(p, m, len) == 0 && p[len] == ' ' &&
		    sscanf(p + len, " %u %*u %1023s", size, used) == 2) {
			*users = xstrdup(used);
			return true;
		}
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return false;
}

/* A kept module all of whose old users are gone goes with them. */
static bool
orphaned(const char *users, char **mods, size_t n)
{
	char *copy, *w, *save = NULL;
	bool any = false, alive = false;

	if (strcmp(users, "-") == 0)
		return false;
	copy = xstrdup(users);
	for (w = strtok_r(copy, ",", &save); w != NULL;
	     w = strtok_r(NULL, ",", &save)) {
		any = true;
		alive = alive || rs_strv_has(mods, n, w);
	}
	free(copy);
	return any && !alive;
}

void
rs_modules(struct rs *s)
{
	const struct host_kernel *k = &s->h->kernel;
	char *text = NULL, ** final = NULL, *users;
	size_t n_final = 0, i, j;
	struct strbuf sb = STRBUF_INIT, added = STRBUF_INIT;
	struct strbuf gone = STRBUF_INIT;
	bool again = true;
	unsigned size;

	root_read(s->r, "/proc/modules", &text, NULL);
	/* new ones first, newest first, then the old ones still loaded */
	for (i = s->n_loaded; i > 0; i--)
		if (!rs_strv_has(k->loaded, k->n_loaded, s->loaded[i - 1]))
			rs_strv_add(&final, &n_final, s->loaded[i - 1]);
	for (i = 0; i < k->n_loaded; i++)
		if (rs_is_loaded(s, k->loaded[i]) ||
		    !boot_decided(s, k->loaded[i]))
			rs_strv_add(&final, &n_final, k->loaded[i]);
	while (again) {
		again = false;
		for (i = 0; i < n_final; i++) {
			if (rs_is_loaded(s, final[i]) ||
			    !old_line(text != NULL ? text : "", final[i],
				&users, &size))
				continue;
			if (orphaned(users, final, n_final)) {
				free(final[i]);
				memmove(&final[i], &final[i + 1],
				    (n_final - i - 1) * sizeof *final);
				n_final--;
				again = true;
			}
			free(users);
		}
	}
	for (i = 0; i < n_final; i++) {
		struct strbuf u = STRBUF_INIT;
		unsigned refs = 0;

		for (j = 0; j < n_final; j++) {
			const char *const *d = module_known_deps(final[j]);

			for (; *d != NULL; d++)
				if (strcmp(*d, final[i]) == 0) {
					sb_addf(&u, "%s,", final[j]);
					refs++;
				}
		}
		if (text == NULL || !old_line(text, final[i], &users, &size))
			size = module_size(final[i]);
		else
			free(users);
		sb_addf(&sb, "%s %u %u %s Live 0x0000000000000000\n", final[i],
		    size, refs, u.len > 0 ? u.buf : "-");
		sb_release(&u);
		if (!rs_strv_has(k->loaded, k->n_loaded, final[i]))
			sb_addf(&added, " +%s", final[i]);
	}
	for (i = 0; i < k->n_loaded; i++)
		if (!rs_strv_has(final, n_final, k->loaded[i]))
			sb_addf(&gone, " -%s", k->loaded[i]);
	rs_file(s, "/proc/modules", sb_str(&sb), sb.len, 0444);
	rs_fact(s, "modules: %zu loaded%s%s", n_final, sb_str(&added),
	    sb_str(&gone));
	strv_free(s->loaded, s->n_loaded);
	s->loaded = final;
	s->n_loaded = n_final;
	sb_release(&sb);
	sb_release(&added);
	sb_release(&gone);
	free(text);
}

/* A parameter's value after the boot, as sysfs shows it. */
static char *
param_value(struct rs *s, const char *module, const char *param,
    const char *def, bool builtin)
{
	struct cmdline *cl;
	char *opts, *v = NULL;
	size_t i;

	if (builtin) {
		const struct cmdline_token *t =
		    cmdline_find_modparam(s->cl, module, param);

		v = xstrdup(t != NULL && t->value != NULL ? t->value : def);
	} else {
		opts = rs_module_options(s, module);
		cl = cmdline_parse(opts != NULL ? opts : "");
		for (i = 0; i < cl->n_tokens; i++)
			if (cmdline_key_eq(cl->tokens[i].key, param) &&
			    cl->tokens[i].value != NULL) {
				free(v);
				v = xstrdup(cl->tokens[i].value);
			}
		cmdline_free(cl);
		free(opts);
		if (v == NULL)
			v = xstrdup(def);
	}
	/* bool parameters print Y or N */
	if ((strcmp(def, "N") == 0 || strcmp(def, "Y") == 0) && *v != '\0') {
		char c = strchr("1yY", *v) != NULL || strcmp(v, "on") == 0
			     ? 'Y'
			     : 'N';

		free(v);
		v = xasprintf("%c", c);
	}
	return v;
}

static void
sys_module(struct rs *s, const char *m, bool builtin)
{
	char *dir = xasprintf("/sys/module/%s", m), *p, *v;
	size_t i;

	rs_mkdir(s, dir);
	p = xasprintf("%s/initstate", dir);
	if (builtin)
		rs_remove(s, p);
	else
		rs_filef(s, p, 0644, "live\n");
	free(p);
	for (i = 0; spec_module_params[i].module != NULL; i++) {
		if (strcmp(spec_module_params[i].module, m) != 0)
			continue;
		p = xasprintf(
		    "%s/parameters/%s", dir, spec_module_params[i].param);
		v = param_value(s, m, spec_module_params[i].param,
		    spec_module_params[i].value, builtin);
		rs_filef(s, p, 0644, "%s\n", v);
		free(v);
		free(p);
	}
	free(dir);
}

/* /sys/module: loaded and built-in modules; others go. */
static void
sys_modules(struct rs *s)
{
	char **names = NULL;
	size_t n = 0, i;

	for (i = 0; i < s->n_loaded; i++)
		sys_module(s, s->loaded[i], false);
	for (i = 0; i < s->n_builtins; i++)
		if (!rs_is_loaded(s, s->builtins[i]))
			sys_module(s, s->builtins[i], true);
	if (root_listdir(s->r, "/sys/module", &names, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (!rs_is_loaded(s, names[i]) &&
		    !rs_strv_has(s->builtins, s->n_builtins, names[i])) {
			char *p = xasprintf("/sys/module/%s", names[i]);

			rs_remove(s, p);
			free(p);
		}
	}
	strv_free(names, n);
}

/* The driver directories after the boot: name and module (or NULL). */
struct drv {
	char *name, *module;
};

static void
add_drv(struct drv **v, size_t *n, const char *name, const char *module)
{
	struct drv d;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return;
	d.name = xstrdup(name);
	d.module = module != NULL ? xstrdup(module) : NULL;
	ARRAY_PUSH(*v, *n, d);
}

/* The driver name of a loaded module that devices may bind, or NULL. */
static char *
pci_driver_of(struct rs *s, const char *m)
{
	size_t i;

	if (strcmp(m, "vfio_pci") == 0)
		return xstrdup("vfio-pci");
	for (i = 0; i < s->n_devs; i++) {
		const struct rs_dev *d = &s->devs[i];

		if (d->native != NULL && strcmp(d->native, m) == 0)
			return xstrdup(d->native_drv);
	}
	for (i = 0; i < s->n_devs; i++)
		if (rs_strv_has(s->devs[i].cands, s->devs[i].n_cands, m))
			return rs_driver_name(m);
	return NULL;
}

static void
collect_drivers(struct rs *s, struct drv **v, size_t *n)
{
	char **names = NULL, *m;
	size_t n_names = 0, i, j;

	for (i = 0; i < s->n_devs; i++)
		if (s->devs[i].driver != NULL)
			add_drv(v, n, s->devs[i].driver, s->devs[i].module);
	for (i = 0; i < s->n_loaded; i++) {
		char *drv = pci_driver_of(s, s->loaded[i]);

		if (drv != NULL)
			add_drv(v, n, drv, s->loaded[i]);
		free(drv);
	}
	if (root_listdir(s->r, DRIVERS, &names, &n_names) < 0)
		return;
	for (i = 0; i < n_names; i++) {
		m = driver_module(names[i]);
		if (m == NULL || rs_strv_has(s->builtins, s->n_builtins, m))
			add_drv(v, n, names[i], NULL);
		else if (rs_is_loaded(s, m))
			add_drv(v, n, names[i], m);
		for (j = 0; j < *n && strcmp((*v)[j].name, names[i]) != 0; j++)
			;
		if (j == *n) {
			char *p = xasprintf(DRIVERS "/%s", names[i]);

			rs_remove(s, p);
			free(p);
		}
		free(m);
	}
	strv_free(names, n_names);
}

/* One driver directory: triggers, module links, exactly its devices. */
static void
write_driver(struct rs *s, const struct drv *d)
{
	static const char *const triggers[] = {
	    "bind", "unbind", "new_id", "remove_id", "uevent"};
	char *dir = xasprintf(DRIVERS "/%s", d->name), *p, **names = NULL;
	size_t i, j, n = 0;

	for (i = 0; i < nitems(triggers); i++) {
		p = xasprintf("%s/%s", dir, triggers[i]);
		if (!root_exists(s->r, p))
			rs_file(s, p, "", 0, 0644);
		free(p);
	}
	if (d->module != NULL) {
		char *m = xasprintf("/sys/module/%s", d->module);

		p = xasprintf("%s/module", dir);
		rs_link(s, p, m);
		free(p);
		p = xasprintf("%s/drivers/pci:%s", m, d->name);
		rs_link(s, p, dir);
		free(p);
		free(m);
	}
	if (root_listdir(s->r, dir, &names, &n) == 0) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < s->n_devs; j++)
				if (strcmp(s->devs[j].pd->address, names[i]) ==
				    0)
					break;
			if (j == s->n_devs ||
			    (s->devs[j].driver != NULL &&
				strcmp(s->devs[j].driver, d->name) == 0))
				continue;
			p = xasprintf("%s/%s", dir, names[i]);
			rs_remove(s, p);
			free(p);
		}
		strv_free(names, n);
	}
	free(dir);
}

/* A device's own files: driver link, uevent, enable, override, command. */
static void
write_device(struct rs *s, const struct rs_dev *d)
{
	const char *drv = d->driver;
	bool host = drv != NULL && strcmp(drv, "vfio-pci") != 0 &&
		    strcmp(drv, "pci-stub") != 0;
	char *p = xasprintf("%s/driver", d->sysdir), *t, *text = NULL;
	size_t len = 0;

	if (drv == NULL) {
		rs_remove(s, p);
	} else {
		t = xasprintf(DRIVERS "/%s", drv);
		rs_link(s, p, t);
		free(t);
		t = xasprintf(DRIVERS "/%s/%s", drv, d->pd->address);
		rs_link(s, t, d->sysdir);
		free(t);
	}
	free(p);
	p = xasprintf("%s/uevent", d->sysdir);
	if (root_read(s->r, p, &text, &len) == 0) {
		const char *rest = text;

		if (str_startswith(rest, "DRIVER="))
			rest += strcspn(rest, "\n") + 1;
		rs_filef(s, p, 0644, "%s%s%s%s", drv != NULL ? "DRIVER=" : "",
		    drv != NULL ? drv : "", drv != NULL ? "\n" : "", rest);
		free(text);
		text = NULL;
	}
	free(p);
	p = xasprintf("%s/enable", d->sysdir);
	rs_filef(
	    s, p, 0644, "%d\n", drv != NULL && strcmp(drv, "vfio-pci") != 0);
	free(p);
	p = xasprintf("%s/driver_override", d->sysdir);
	rs_filef(s, p, 0644, "%s\n",
	    d->override_mod != NULL ? "vfio-pci" : "(null)");
	free(p);
	p = xasprintf("%s/config", d->sysdir);
	if (root_read(s->r, p, &text, &len) == 0 && len >= 64) {
		text[4] = host ? 0x06 : 0x00;
		text[5] = host ? 0x04 : 0x00;
		rs_sriov_config(text, len, d->set_numvfs);
		rs_file(s, p, text, len, 0644);
	}
	free(text);
	free(p);
}

void
rs_sysfs_drivers(struct rs *s)
{
	struct drv *v = NULL;
	size_t n = 0, i;

	sys_modules(s);
	collect_drivers(s, &v, &n);
	for (i = 0; i < n; i++)
		write_driver(s, &v[i]);
	for (i = 0; i < s->n_devs; i++)
		write_device(s, &s->devs[i]);
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].module);
	}
	free(v);
}

void
rs_dev_vfio(struct rs *s)
{
	struct strbuf sb = STRBUF_INIT;
	char **names = NULL, **want = NULL, *p;
	size_t n = 0, n_want = 0, i, j;

	if (s->vfio_builtin || rs_is_loaded(s, "vfio"))
		rs_strv_add(&want, &n_want, "vfio");
	for (i = 0; i < s->n_devs; i++) {
		const struct rs_dev *d = &s->devs[i];
		bool viable = d->group >= 0, any = false;

		for (j = 0; viable && j < s->n_devs; j++) {
			const char *drv = s->devs[j].driver;

			if (s->devs[j].group != d->group)
				continue;
			if (drv != NULL && strcmp(drv, "vfio-pci") == 0)
				any = true;
			else if (drv != NULL)
				viable = false;
		}
		if (viable && any) {
			p = xasprintf("%d", d->group);
			if (!rs_strv_has(want, n_want, p))
				sb_addf(&sb, " /dev/vfio/%s", p);
			rs_strv_add(&want, &n_want, p);
			free(p);
		}
	}
	for (i = 0; i < n_want; i++) {
		p = xasprintf("/dev/vfio/%s", want[i]);
		rs_file(
		    s, p, "", 0, strcmp(want[i], "vfio") == 0 ? 0666 : 0600);
		free(p);
	}
	if (n_want == 0) {
		/* no vfio: no /dev/vfio, and no /dev it alone was in */
		if (root_listdir(s->r, "/dev", &names, &n) == 0 && n == 1 &&
		    strcmp(names[0], "vfio") == 0)
			rs_remove(s, "/dev");
		else
			rs_remove(s, "/dev/vfio");
		strv_free(names, n);
	} else if (root_listdir(s->r, "/dev/vfio", &names, &n) == 0) {
		for (i = 0; i < n; i++) {
			if (rs_strv_has(want, n_want, names[i]))
				continue;
			p = xasprintf("/dev/vfio/%s", names[i]);
			rs_remove(s, p);
			free(p);
		}
		strv_free(names, n);
	}
	rs_fact(s, "dev_vfio:%s", sb.len > 0 ? sb_str(&sb) : " none");
	strv_free(want, n_want);
	sb_release(&sb);
}
