/*
 * kparam.c: questions the checks ask of a kernel command line ("is
 * intel_iommu=on there?"), answered with the command-line codec.
 */
#include "steps.h"

#include <stdlib.h>
#include <string.h>

/* Next whitespace-separated token, honouring double quotes like the kernel. */
static const char *
next_token(const char *p, const char **start, size_t *len)
{
	bool quoted = false;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p == '\0')
		return NULL;
	*start = p;
	while (
	    *p != '\0' && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
		if (*p == '"')
			quoted = !quoted;
		p++;
	}
	*len = (size_t)(p - *start);
	return p;
}

char *
kparam(const char *cmdline, const char *key)
{
	const char *p = cmdline, *tok;
	size_t len, klen = key != NULL ? strlen(key) : 0;
	char *found = NULL;

	if (cmdline == NULL || key == NULL)
		return NULL;
	while ((p = next_token(p, &tok, &len)) != NULL) {
		if (len < klen || strncmp(tok, key, klen) != 0)
			continue;
		if (len == klen) {
			free(found);
			found = xstrdup("");
		} else if (tok[klen] == '=') {
			const char *v = tok + klen + 1;
			size_t vlen = len - klen - 1;

			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			free(found);
			found = xstrndup(v, vlen);
		}
	}
	return found;
}

bool
kparam_has(const char *cmdline, const char *key, const char *item)
{
	char *v = kparam(cmdline, key), *save = NULL, *t;
	bool has = false;

	if (v == NULL)
		return false;
	for (t = strtok_r(v, ",", &save); t != NULL && !has;
	     t = strtok_r(NULL, ",", &save))
		has = strcmp(t, item) == 0;
	free(v);
	return has;
}
