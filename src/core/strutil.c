/*
 * strutil.c: small string helpers shared by the probes and codecs.
 */
#include "vfio-wizard/common.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	if (n == (size_t)-1) {
		for (i = 0; v[i] != NULL; i++)
			free(v[i]);
	} else {
		for (i = 0; i < n; i++)
			free(v[i]);
	}
	free(v);
}

bool
strv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return true;
	}
	return false;
}

bool
str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *
str_rstrip(char *s)
{
	size_t len = strlen(s);

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

int
str_hex(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 16);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}
