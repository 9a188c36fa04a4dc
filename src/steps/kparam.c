/*
 * kparam.c: questions the checks ask of a kernel command line ("is
 * intel_iommu=on there?"), answered with the command-line codec so that
 * quoting and '-'/'_' equivalence follow the kernel's own rules.
 */
#include "vfio-wizard/cmdline.h"
#include "steps.h"

#include <stdlib.h>
#include <string.h>

char *
kparam(const char *text, const char *key)
{
	struct cmdline *cl;
	const struct cmdline_token *t;
	char *v = NULL;

	if (text == NULL || key == NULL)
		return NULL;
	cl = cmdline_parse(text);
	t = cmdline_last(cl, key);
	if (t != NULL)
		v = xstrdup(t->value != NULL ? t->value : "");
	cmdline_free(cl);
	return v;
}

bool
kparam_has(const char *text, const char *key, const char *item)
{
	char *v = kparam(text, key), *save = NULL, *t;
	bool has = false;

	if (v == NULL)
		return false;
	for (t = strtok_r(v, ",", &save); t != NULL && !has;
	     t = strtok_r(NULL, ",", &save))
		has = strcmp(t, item) == 0;
	free(v);
	return has;
}
