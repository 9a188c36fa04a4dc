/*
 * kmodules_files.c: the configuration the modules step reads and edits
 * (kmodules.h): every modprobe.d file in the order kmod reads them and
 * every module list in the order systemd-modules-load reads them, through
 * the root handle, each parsed with its codec; and the plan_set of what
 * changed.
 *
 * Both readers take the files of several directories, ignore a file whose
 * name an earlier directory already has, and read them sorted by name
 * (kmod's conf_files_list(), systemd's conf_files_list_strv()). kmod takes
 * names ending in .conf or .alias and skips hidden ones; systemd takes
 * .conf. Debian's /etc/modules is read through the link
 * /etc/modules-load.d/modules.conf; it is read once, wherever it comes.
 */
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/plan.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"
#include "kmodules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* kmod's default modprobe.d directories, in its order. */
static const char *const mp_dirs[] = {
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/lib/modprobe.d",
    "/usr/lib/modprobe.d",
};

/* systemd's modules-load.d directories (with split /usr), in its order. */
static const char *const ml_dirs[] = {
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/local/lib/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
};

/* A file name and the directory it is taken from. */
struct entry {
	const char *dir;
	char *name;
};

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static bool
wanted(const char *name, bool modprobe)
{
	if (name[0] == '.')
		return false;
	if (modprobe)
		return has_suffix(name, ".conf") || has_suffix(name, ".alias");
	return has_suffix(name, ".conf");
}

/* Insert name sorted, unless an earlier directory has it already. */
static void
insert_sorted(struct entry **list, size_t *n, const char *dir, const char *name)
{
	struct entry e;
	size_t i;
	int cmp = 1;

	for (i = 0; i < *n; i++) {
		if ((cmp = strcmp(name, (*list)[i].name)) <= 0)
			break;
	}
	if (i < *n && cmp == 0)
		return;
	e.dir = dir;
	e.name = xstrdup(name);
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	memmove(&(*list)[i + 1], &(*list)[i], (*n - i) * sizeof **list);
	(*list)[i] = e;
	(*n)++;
}

static int
list_dirs(const struct root *r, const char *const *dirs, size_t n_dirs,
    bool modprobe, struct entry **list, size_t *n, char **cause)
{
	size_t d, i, k;
	char **names;
	int err;

	for (d = 0; d < n_dirs; d++) {
		err = root_listdir(r, dirs[d], &names, &k);
		if (err == -ENOENT || err == -ENOTDIR)
			continue;
		if (err < 0) {
			*cause = xasprintf(
			    _("cannot list '%s': %s"), dirs[d], strerror(-err));
			return err;
		}
		for (i = 0; i < k; i++) {
			if (wanted(names[i], modprobe))
				insert_sorted(list, n, dirs[d], names[i]);
		}
		strv_free(names, k);
	}
	return 0;
}

/* The text of a file: the plan's pending text below /etc, else the disk. */
static int
read_text(struct plan *p, const struct root *r, struct km_file *f, char **text,
    size_t *len, char **cause)
{
	const char *t;
	char *owned = NULL;
	bool exists;
	int err;

	*text = NULL;
	*len = 0;
	if (p != NULL && f->in_etc) {
		err = plan_current(
		    p, r, f->real, &t, len, &exists, &owned, cause);
		if (err < 0)
			return err;
		f->exists = exists;
		*text = exists ? xstrndup(t, *len) : NULL;
		free(owned);
		return 0;
	}
	err = root_read(r, f->real, text, len);
	if (err == -ENOENT) {
		f->exists = false;
		return 0;
	}
	if (err < 0) {
		*cause = xasprintf(
		    _("cannot read '%s': %s"), f->real, strerror(-err));
		return err;
	}
	f->exists = true;
	return 0;
}

static bool
editable_path(const char *real, bool modprobe)
{
	const char *dir =
	    modprobe ? "/etc/modprobe.d/" : "/etc/modules-load.d/";

	if (!modprobe && strcmp(real, "/etc/modules") == 0)
		return true;
	return str_startswith(real, dir) &&
	       strchr(real + strlen(dir), '/') == NULL;
}

/* Open one file of the configuration; *skip for a directory. */
static int
open_file(struct plan *p, const struct root *r, const char *path, bool modprobe,
    struct km_file *f, bool *skip, char **cause)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int err;

	memset(f, 0, sizeof *f);
	*skip = false;
	f->path = xstrdup(path);
	if ((err = root_resolve(r, path, &f->real)) < 0) {
		*cause = xasprintf(
		    _("cannot resolve '%s': %s"), path, strerror(-err));
		return err;
	}
	f->in_etc = editable_path(f->real, modprobe);
	f->ours =
	    strcmp(f->real, modprobe ? KM_MODPROBE_OURS : KM_MODLOAD_OURS) == 0;
	err = root_stat(r, f->real, &st, true);
	if (err == 0 && S_ISDIR(st.st_mode)) {
		*skip = true;
		return 0;
	}
	/* a link to /dev/null masks the file: it reads as empty */
	if (err == 0 && S_ISREG(st.st_mode))
		err = read_text(p, r, f, &text, &len, cause);
	else
		err = 0;
	if (err < 0)
		return err;
	if (modprobe) {
		f->mp = modprobe_conf_parse(text != NULL ? text : "", len);
	} else if ((err = modlist_parse(
			text != NULL ? text : "", len, &f->ml, cause)) < 0) {
		char *c = *cause;

		*cause = xasprintf(_("cannot read '%s': %s"), f->real, c);
		free(c);
	}
	f->orig = text;
	f->orig_len = len;
	return err;
}

static void
file_free(struct km_file *f)
{
	free(f->path);
	free(f->real);
	free(f->orig);
	modprobe_conf_free(f->mp);
	modlist_free(f->ml);
}

/* Add path's file unless the same real file is in the list already. */
static int
add_file(struct plan *p, const struct root *r, const char *path, bool modprobe,
    struct km_file **files, size_t *n, char **cause)
{
	struct km_file f;
	bool skip;
	size_t i;
	int err;

	err = open_file(p, r, path, modprobe, &f, &skip, cause);
	for (i = 0; err == 0 && !skip && i < *n; i++) {
		if (strcmp((*files)[i].real, f.real) == 0)
			skip = true;
	}
	if (err < 0 || skip) {
		file_free(&f);
		return err;
	}
	ARRAY_PUSH(*files, *n, f);
	return 0;
}

static int
load_set(struct plan *p, const struct root *r, bool modprobe,
    struct km_file **files, size_t *n, char **cause)
{
	const char *ours = modprobe ? KM_MODPROBE_OURS : KM_MODLOAD_OURS;
	const char *ours_name = strrchr(ours, '/') + 1;
	const char *const *dirs = modprobe ? mp_dirs : ml_dirs;
	struct entry *list = NULL;
	size_t n_list = 0, i;
	char *path;
	int err;

	err = list_dirs(r, dirs, modprobe ? nitems(mp_dirs) : nitems(ml_dirs),
	    modprobe, &list, &n_list, cause);
	/* ours takes its place among them even before it exists */
	for (i = 0; err == 0 && i < n_list; i++) {
		if (strcmp(list[i].name, ours_name) == 0) {
			list[i].dir = dirs[0];
			break;
		}
	}
	if (err == 0 && i == n_list)
		insert_sorted(&list, &n_list, dirs[0], ours_name);
	if (err == 0 && !modprobe)
		err = add_file(p, r, "/etc/modules", false, files, n, cause);
	for (i = 0; i < n_list; i++) {
		if (err == 0) {
			path = xasprintf("%s/%s", list[i].dir, list[i].name);
			err = add_file(p, r, path, modprobe, files, n, cause);
			free(path);
		}
		free(list[i].name);
	}
	free(list);
	return err;
}

int
km_config_load(
    struct plan *p, const struct root *r, struct km_config *c, char **cause)
{
	int err;

	memset(c, 0, sizeof *c);
	err = load_set(p, r, true, &c->mp, &c->n_mp, cause);
	if (err == 0)
		err = load_set(p, r, false, &c->ml, &c->n_ml, cause);
	if (err == 0 &&
	    (km_ours(c, true) == NULL || km_ours(c, false) == NULL)) {
		*cause = xasprintf(_("'%s' or '%s' is not a file vfio-wizard "
				     "can write"),
		    KM_MODPROBE_OURS, KM_MODLOAD_OURS);
		err = -EINVAL;
	}
	if (err < 0)
		km_config_free(c);
	return err;
}

void
km_config_free(struct km_config *c)
{
	size_t i;

	for (i = 0; i < c->n_mp; i++)
		file_free(&c->mp[i]);
	for (i = 0; i < c->n_ml; i++)
		file_free(&c->ml[i]);
	free(c->mp);
	free(c->ml);
	memset(c, 0, sizeof *c);
}

struct km_file *
km_ours(struct km_config *c, bool modprobe)
{
	struct km_file *files = modprobe ? c->mp : c->ml;
	size_t i, n = modprobe ? c->n_mp : c->n_ml;

	for (i = 0; i < n; i++) {
		if (files[i].ours)
			return &files[i];
	}
	return NULL;
}

bool
km_listed(const struct km_config *c, const char *module, bool with_ours)
{
	size_t i;

	for (i = 0; i < c->n_ml; i++) {
		if ((with_ours || !c->ml[i].ours) &&
		    modlist_contains(c->ml[i].ml, module))
			return true;
	}
	return false;
}

bool
km_blacklisted(const struct km_config *c, const char *module)
{
	size_t i;

	for (i = 0; i < c->n_mp; i++) {
		if (modprobe_conf_blacklisted(c->mp[i].mp, module) != NULL)
			return true;
	}
	return false;
}

/* Hand one changed file to the plan; true in *differs when it changes. */
static int
save_file(const struct km_file *f, const struct root *r, struct plan *p,
    bool modprobe, bool *differs, char **cause)
{
	char *text;
	size_t len;
	int err;

	if (!f->changed)
		return 0;
	text = modprobe ? modprobe_conf_text(f->mp, &len)
			: modlist_text(f->ml, &len);
	if (f->exists && len == f->orig_len &&
	    memcmp(text, f->orig, len) == 0) {
		free(text);
		return 0;
	}
	err = plan_set(p, r, f->real, text, len, 0644, KM_STEP, cause);
	free(text);
	*differs = true;
	return err;
}

int
km_config_save(const struct km_config *c, const struct root *r, struct plan *p,
    char **cause)
{
	static const char *const initramfs[] = {
	    "update-initramfs", "-u", "-k", "all", NULL};
	bool differs = false;
	size_t i;
	int err = 0;

	for (i = 0; err == 0 && i < c->n_ml; i++)
		err = save_file(&c->ml[i], r, p, false, &differs, cause);
	for (i = 0; err == 0 && i < c->n_mp; i++)
		err = save_file(&c->mp[i], r, p, true, &differs, cause);
	if (err == 0 && differs)
		plan_command(p, KM_STEP,
		    _("rebuild the initramfs with the new module "
		      "configuration"),
		    initramfs);
	return err;
}
