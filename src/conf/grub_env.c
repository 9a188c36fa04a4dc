/*
 * grub_env.c: the evaluating half of the /etc/default/grub codec (see
 * grub_default.h): a shell variable environment in which values can be
 * unknown, running parsed assignments into it, and the kernel arguments
 * grub-mkconfig derives from it.
 */
#include "vfio-wizard/grub_default.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static ssize_t
env_find(const struct grub_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->n; i++) {
		if (strcmp(env->names[i], name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

enum grub_var
grub_env_lookup(const struct grub_env *env, const char *name,
    const char **value, const char **reason)
{
	ssize_t i = env_find(env, name);

	if (value != NULL)
		*value = NULL;
	if (reason != NULL)
		*reason = NULL;
	if (i < 0)
		return GRUB_VAR_UNSET;
	if (env->values[i] == NULL) {
		if (reason != NULL)
			*reason = env->reasons[i];
		return GRUB_VAR_UNKNOWN;
	}
	if (value != NULL)
		*value = env->values[i];
	return GRUB_VAR_SET;
}

const char *
grub_env_get(const struct grub_env *env, const char *name)
{
	const char *v;

	grub_env_lookup(env, name, &v, NULL);
	return v;
}

void
grub_env_set(struct grub_env *env, const char *name, const char *value,
    const char *reason)
{
	ssize_t i = env_find(env, name);
	char *v = value != NULL ? xstrdup(value) : NULL;
	char *r =
	    value == NULL ? xstrdup(reason != NULL ? reason : "unknown") : NULL;

	if (i < 0) {
		env->names =
		    xreallocarray(env->names, env->n + 1, sizeof *env->names);
		env->values =
		    xreallocarray(env->values, env->n + 1, sizeof *env->values);
		env->reasons = xreallocarray(
		    env->reasons, env->n + 1, sizeof *env->reasons);
		env->names[env->n] = xstrdup(name);
		env->values[env->n] = v;
		env->reasons[env->n] = r;
		env->n++;
		return;
	}
	free(env->values[i]);
	free(env->reasons[i]);
	env->values[i] = v;
	env->reasons[i] = r;
}

void
grub_env_free(struct grub_env *env)
{
	size_t i;

	for (i = 0; i < env->n; i++) {
		free(env->names[i]);
		free(env->values[i]);
		free(env->reasons[i]);
	}
	free(env->names);
	free(env->values);
	free(env->reasons);
	memset(env, 0, sizeof *env);
}

void
grub_default_apply(const struct grub_default *gd, struct grub_env *env)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < gd->n_assigns; i++) {
		const struct grub_assign *a = &gd->assigns[i];
		char *why = a->unknown != NULL ? xstrdup(a->unknown) : NULL;

		sb_reset(&sb);
		for (j = 0; j < a->n_parts && why == NULL; j++) {
			const struct grub_part *p = &a->parts[j];
			const char *val, *reason;

			if (!p->is_var) {
				sb_adds(&sb, p->text);
				continue;
			}
			switch (grub_env_lookup(env, p->text, &val, &reason)) {
			case GRUB_VAR_SET:
				sb_adds(&sb, val);
				break;
			case GRUB_VAR_UNKNOWN:
				why = xasprintf("'%s' uses '%s': %s", a->name,
				    p->text, reason);
				break;
			case GRUB_VAR_UNSET:
				break;
			}
		}
		grub_env_set(
		    env, a->name, why == NULL ? sb_str(&sb) : NULL, why);
		free(why);
	}
	sb_release(&sb);
}

int
grub_default_eval(const char *const *names, const char *const *texts, size_t n,
    struct grub_env *env, char **cause)
{
	struct grub_default *gd;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((r = grub_default_parse(names[i], texts[i], &gd, cause)) <
		    0)
			return r;
		grub_default_apply(gd, env);
		grub_default_free(gd);
	}
	return 0;
}

int
grub_default_cmdline(const struct grub_env *env, char **out, char **cause)
{
	static const char *const vars[] = {
	    "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"};
	struct strbuf sb = STRBUF_INIT;
	const char *val, *reason;
	size_t i;

	for (i = 0; i < nitems(vars); i++) {
		switch (grub_env_lookup(env, vars[i], &val, &reason)) {
		case GRUB_VAR_UNKNOWN:
			sb_release(&sb);
			*cause = xasprintf(
			    "cannot evaluate '%s': %s", vars[i], reason);
			return -EINVAL;
		case GRUB_VAR_SET:
			if (*val == '\0')
				break;
			if (sb.len > 0)
				sb_addc(&sb, ' ');
			sb_adds(&sb, val);
			break;
		case GRUB_VAR_UNSET:
			break;
		}
	}
	*out = sb.len > 0 ? sb_detach(&sb) : xstrdup("");
	sb_release(&sb);
	return 0;
}
