/*
 * fuzz_modprobe_conf.c: libFuzzer target for the modprobe.d codec. Any
 * input must print back byte for byte; edits must either be refused and
 * change nothing, or leave a file that reads back with what was set and
 * every untouched byte of the rest kept.
 */
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/strbuf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The text of mc, compared with (want, n); abort on a difference. */
static void
same_text(const struct modprobe_conf *mc, const char *want, size_t n)
{
	size_t len;
	char *t = modprobe_conf_text(mc, &len);

	if (len != n || memcmp(t, want, n) != 0)
		abort();
	free(t);
}

/* Set options and a softdep, re-parse, and check both read back. */
static void
edit(struct modprobe_conf *mc, const char *data, size_t size)
{
	const char *pre[] = {"vfio-pci"};
	char *cause = NULL, *before, *after, *o;
	size_t blen, alen;
	struct modprobe_conf *again;
	const struct modprobe_line *l;
	int r;

	before = modprobe_conf_text(mc, &blen);
	r = modprobe_conf_set_options(mc, "vfio-pci", "ids=8086:0412", &cause);
	if (r < 0) {
		same_text(mc, before, blen);
		free(cause);
		free(before);
		return;
	}
	if (modprobe_conf_set_softdep(mc, "i915", pre, 1, NULL, 0, &cause) <
		0 ||
	    modprobe_conf_add_blacklist(mc, "nouveau", &cause) < 0)
		abort();
	after = modprobe_conf_text(mc, &alen);
	again = modprobe_conf_parse(after, alen);
	same_text(again, after, alen);
	o = modprobe_conf_options(again, "vfio_pci", NULL);
	if (o == NULL || strcmp(o, "ids=8086:0412") != 0)
		abort();
	l = modprobe_conf_softdep(again, "i915");
	if (l == NULL || l->n_pre != 1 || strcmp(l->pre[0], "vfio-pci") != 0 ||
	    l->n_post != 0)
		abort();
	if (modprobe_conf_blacklisted(again, "nouveau") == NULL)
		abort();
	free(o);
	modprobe_conf_free(again);
	free(after);
	free(before);
	(void)data;
	(void)size;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* a private copy, so that a read past the end is caught */
	char *buf = malloc(size ? size : 1);
	struct modprobe_conf *mc;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	mc = modprobe_conf_parse(buf, size);
	same_text(mc, buf, size);
	edit(mc, buf, size);
	modprobe_conf_free(mc);
	free(buf);
	return 0;
}
