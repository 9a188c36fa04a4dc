/*
 * fuzz_modlist.c: libFuzzer target for the module list codec. Any input
 * must parse or be refused without a crash or a leak; what parses must
 * print back byte for byte, and an add/remove pair must leave a text that
 * parses again and reads the same.
 */
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Print ml and check the text is exactly want. */
static void
same_text(const struct modlist *ml, const char *want, size_t len)
{
	size_t n;
	char *back = modlist_text(ml, &n);

	if (n != len || memcmp(back, want, len) != 0)
		abort();
	free(back);
}

/* Edit: add a module, parse the result, remove it again. */
static void
edit(struct modlist *ml)
{
	struct modlist *again = NULL;
	char *cause = NULL, *text;
	size_t len;
	int r;

	if (modlist_add(ml, "vfio-pci", &cause) < 0 ||
	    !modlist_contains(ml, "vfio_pci"))
		abort();
	text = modlist_text(ml, &len);
	if (modlist_parse(text, len, &again, &cause) < 0 ||
	    !modlist_contains(again, "vfio_pci"))
		abort();
	same_text(again, text, len);
	r = modlist_remove(again, "vfio_pci", &cause);
	if (r == 0 && modlist_contains(again, "vfio_pci"))
		abort();
	if (r < 0 &&
	    (r != -EINVAL || modlist_params_line(again, "vfio_pci") == 0))
		abort();
	free(cause);
	free(text);
	modlist_free(again);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* a private copy, so that a read past the end is caught */
	char *buf = malloc(size ? size : 1);
	struct modlist *ml = NULL;
	char *cause = NULL, **names = NULL;
	size_t n;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (modlist_parse(buf, size, &ml, &cause) == 0) {
		same_text(ml, buf, size);
		n = modlist_names(ml, &names);
		strv_free(names, n);
		edit(ml);
		modlist_free(ml);
	} else if (cause == NULL || ml != NULL) {
		abort();
	}
	free(cause);
	free(buf);
	return 0;
}
