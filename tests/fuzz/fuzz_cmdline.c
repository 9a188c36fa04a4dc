/*
 * fuzz_cmdline.c: libFuzzer target for the kernel command line codec. The
 * parser never fails: any input (up to its first NUL byte) must print back
 * byte for byte, and every token's key must be found again.
 */
#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/strbuf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = malloc(size + 1), *back, *mod, *param;
	struct cmdline *cl;
	size_t i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cl = cmdline_parse(text);
	back = cmdline_to_string(cl);
	if (strcmp(back, text) != 0)
		abort();
	for (i = 0; i < cl->n_tokens; i++) {
		const struct cmdline_token *t = &cl->tokens[i];

		if (!t->init_arg && !cmdline_has(cl, t->key))
			abort();
		(void)cmdline_get(cl, t->key);
		if (cmdline_token_modparam(t, &mod, &param)) {
			(void)cmdline_find_modparam(cl, mod, param);
			free(mod);
			free(param);
		}
	}
	free(back);
	cmdline_free(cl);
	free(text);
	return 0;
}
