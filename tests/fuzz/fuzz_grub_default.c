/*
 * fuzz_grub_default.c: libFuzzer target for the /etc/default/grub codec.
 * Any input must parse or be refused with a message, without a crash or a
 * leak. The codec has no printer; its round trip is the byte spans: each
 * assignment's word text[start..end) must start with "NAME=", lie inside
 * the input in file order, and its value span must start right after '='.
 * What parses is also evaluated and its command line computed.
 */
#include "vfio-wizard/grub_default.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
check_spans(const struct grub_default *g, const char *text, size_t len)
{
	size_t i, prev = 0, nl;

	for (i = 0; i < g->n_assigns; i++) {
		const struct grub_assign *a = &g->assigns[i];

		nl = strlen(a->name);
		if (a->start < prev || a->start > a->end || a->end > len ||
		    a->value_start != a->start + nl + 1 ||
		    a->value_start > a->end ||
		    memcmp(text + a->start, a->name, nl) != 0 ||
		    text[a->start + nl] != '=')
			abort();
		prev = a->end;
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = malloc(size + 1), *cause = NULL, *cmd = NULL;
	struct grub_default *g = NULL;
	struct grub_env env = GRUB_ENV_INIT;
	size_t len;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);
	if (grub_default_parse("fuzz", text, &g, &cause) == 0) {
		check_spans(g, text, len);
		grub_default_apply(g, &env);
		if (grub_default_cmdline(&env, &cmd, &cause) == 0)
			free(cmd);
		grub_default_free(g);
	} else if (cause == NULL) {
		abort();
	}
	grub_env_free(&env);
	free(cause);
	free(text);
	return 0;
}
