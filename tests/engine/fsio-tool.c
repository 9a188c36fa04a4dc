/*
 * fsio-tool.c: a test helper for tests/engine/enospc.sh: replace (or, with
 * -a, append to) one file below a root with fsio, print the cause on
 * failure. Usage: fsio-tool [-a] ROOT PATH TEXT [REPEAT]
 */
#include "vfio-wizard/fsio.h"
#include "vfio-wizard/root.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct file_meta meta = {true, 0644, geteuid(), getegid()};
	unsigned flags = 0;
	struct root *r;
	char *cause = NULL, *text;
	size_t len, n, i;
	int err;

	if (argc > 1 && strcmp(argv[1], "-a") == 0) {
		flags = FSIO_DURABLE_ONLY;
		argv++;
		argc--;
	}
	if (argc < 4 || argc > 5) {
		fprintf(
		    stderr, "usage: fsio-tool [-a] ROOT PATH TEXT [REPEAT]\n");
		return 2;
	}
	n = argc == 5 ? strtoul(argv[4], NULL, 10) : 1;
	len = strlen(argv[3]);
	text = xmalloc(len * n + 1);
	for (i = 0; i < n; i++)
		memcpy(text + i * len, argv[3], len);
	if ((err = root_open(argv[1], &r)) < 0) {
		fprintf(
		    stderr, "fsio-tool: '%s': %s\n", argv[1], strerror(-err));
		free(text);
		return 2;
	}
	err = fsio_replace(r, argv[2], text, len * n, &meta, flags, &cause);
	if (err < 0)
		fprintf(stderr, "fsio-tool: %s\n", cause);
	free(cause);
	free(text);
	root_free(r);
	return err < 0 ? 1 : 0;
}
