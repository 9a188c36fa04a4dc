/*
 * kmodules_merge.c: the two conflicts the modules step settles by merging
 * the other file's line into its own (kmodules.h): the install command for
 * vfio-pci (kmod runs only the first one it reads; merged when it has the
 * driver_override shape vfio-wizard writes, refused otherwise), and the
 * softdep of a driver vfio-pci must come before (kmod uses only the first
 * softdep of a module: the one in effect is merged into ours, and those
 * read before ours go). Files outside /etc are never edited.
 */
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/plan.h"
#include "kmodules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Every address of w bound by the install command kmod runs? */
static bool
install_fine(const struct km_want *w, const struct km_config *c)
{
	const struct modprobe_line *l = NULL;
	char **addrs;
	size_t i, n;
	bool fine;

	for (i = 0; l == NULL && i < c->n_mp; i++)
		l = modprobe_conf_find(
		    c->mp[i].mp, MODPROBE_INSTALL, "vfio_pci", NULL);
	if (l == NULL || modprobe_vfio_override_parse(l->args, &addrs, &n) < 0)
		return false;
	for (fine = true, i = 0; i < w->n_addrs; i++)
		fine = fine && strv_has(addrs, n, w->addrs[i]);
	strv_free(addrs, n);
	return fine;
}

/* One install line for vfio-pci, in ours, binding every address. */
int
km_fix_install(
    const struct km_want *w, struct km_config *c, struct plan *p, char **cause)
{
	struct km_file *ours = km_ours(c, true);
	const struct modprobe_line *l;
	char **addrs = NULL, **more;
	size_t n = 0, k, i, j;
	int err = 0;

	if (w->n_addrs == 0 || install_fine(w, c))
		return 0;
	for (i = 0; i < w->n_addrs; i++)
		ARRAY_PUSH(addrs, n, xstrdup(w->addrs[i]));
	for (i = 0; err == 0 && i < c->n_mp; i++) {
		struct km_file *f = &c->mp[i];

		for (l = NULL; err == 0 &&
			       (l = modprobe_conf_find(f->mp, MODPROBE_INSTALL,
				    "vfio_pci", l)) != NULL;) {
			if (modprobe_vfio_override_parse(l->args, &more, &k) <
			    0) {
				*cause = xasprintf(
				    _("%s:%u: an install command for vfio-pci "
				      "that vfio-wizard cannot combine with "
				      "its binding by address: '%s'"),
				    f->real, l->lineno, l->args);
				err = -EINVAL;
				break;
			}
			for (j = 0; j < k; j++) {
				if (!strv_has(addrs, n, more[j]))
					ARRAY_PUSH(addrs, n, xstrdup(more[j]));
			}
			strv_free(more, k);
			if (!f->in_etc)
				err = km_outside_etc(f, l->lineno,
				    _("an install command for vfio-pci there "
				      "would compete with vfio-wizard's"),
				    cause);
			else if (!f->ours)
				plan_note(p, KM_STEP,
				    _("%s:%u: the install command for "
				      "vfio-pci moves into %s (kmod runs only "
				      "the first one)."),
				    f->real, l->lineno, KM_MODPROBE_OURS);
		}
		if (err == 0 && f->in_etc && !f->ours &&
		    modprobe_conf_remove(f->mp, MODPROBE_INSTALL, "vfio_pci") ==
			0)
			f->changed = true;
	}
	if (err == 0) {
		km_start_ours(ours, true);
		err = modprobe_conf_set_vfio_override(
		    ours->mp, (const char *const *)addrs, n, cause);
		ours->changed = true;
	}
	strv_free(addrs, n);
	return err;
}

const struct modprobe_line *
km_softdep_effective(
    const struct km_config *c, const char *driver, const struct km_file **file)
{
	const struct modprobe_line *l;
	size_t i;

	for (i = 0; i < c->n_mp; i++) {
		if ((l = modprobe_conf_softdep(c->mp[i].mp, driver)) != NULL) {
			if (file != NULL)
				*file = &c->mp[i];
			return l;
		}
	}
	return NULL;
}

static bool
names_have(char *const *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (modprobe_name_eq(v[i], name))
			return true;
	}
	return false;
}

/* Copy names other than vfio-pci into the vector. */
static void
copy_names(char ***out, size_t *n, char *const *v, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		if (!modprobe_name_eq(v[i], "vfio_pci"))
			ARRAY_PUSH(*out, *n, xstrdup(v[i]));
	}
}

int
km_softdep_merge(
    struct km_config *c, const char *driver, struct plan *p, char **cause)
{
	const struct km_file *ef = NULL;
	const struct modprobe_line *eff = km_softdep_effective(c, driver, &ef);
	struct km_file *ours = km_ours(c, true);
	char **pre = NULL, **post = NULL;
	size_t n_pre = 0, n_post = 0, i;
	bool before = true;
	int err = 0;

	if (eff != NULL && names_have(eff->pre, eff->n_pre, "vfio_pci"))
		return 0;
	ARRAY_PUSH(pre, n_pre, xstrdup("vfio-pci"));
	if (eff != NULL) {
		copy_names(&pre, &n_pre, eff->pre, eff->n_pre);
		copy_names(&post, &n_post, eff->post, eff->n_post);
	}
	for (i = 0; err == 0 && i < c->n_mp; i++) {
		struct km_file *f = &c->mp[i];
		const struct modprobe_line *l =
		    modprobe_conf_softdep(f->mp, driver);

		if (f == ours) {
			before = false;
			continue;
		}
		/* those read before ours would hide it; the merged one goes */
		if (l == NULL || (!before && f != ef))
			continue;
		if (!f->in_etc) {
			if (before)
				err = km_outside_etc(f, l->lineno,
				    _("a softdep there would be read before "
				      "vfio-wizard's"),
				    cause);
			continue;
		}
		plan_note(p, KM_STEP,
		    _("%s:%u: '%s' moves into %s: kmod uses only the first "
		      "softdep of a module."),
		    f->real, l->lineno, l->text, KM_MODPROBE_OURS);
		modprobe_conf_remove(f->mp, MODPROBE_SOFTDEP, driver);
		f->changed = true;
	}
	if (err == 0) {
		km_start_ours(ours, true);
		err = modprobe_conf_set_softdep(ours->mp, driver,
		    (const char *const *)pre, n_pre, (const char *const *)post,
		    n_post, cause);
		ours->changed = true;
	}
	strv_free(pre, n_pre);
	strv_free(post, n_post);
	return err;
}
