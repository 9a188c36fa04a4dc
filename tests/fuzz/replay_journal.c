/*
 * replay_journal.c: make check's stand-in for libFuzzer: feeds every file
 * of the journal fuzz corpus (tests/fuzz/corpus/journal, or the files and
 * directories given as arguments) to LLVMFuzzerTestOneInput once. Built
 * with the sanitizers, any crash or leak fails the test. TAP output.
 */
#include "vfio-wizard/common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Built once per codec with -DREPLAY_CORPUS="<name>" (see Makefile.am). */
#ifndef REPLAY_CORPUS
#define REPLAY_CORPUS "journal"
#endif

static int ntest;

/* Feed one file; false when it cannot be read. */
static bool
feed_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (f == NULL)
		return false;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = xreallocarray(buf, cap, 1);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return true;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed a file, or each file of a directory in name order. */
static int
feed(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	int bad = 0;

	if (stat(path, &st) < 0) {
		printf("not ok %d - %s: %s\n", ++ntest, path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		bool ok = feed_file(path);

		printf("%s %d - %s\n", ok ? "ok" : "not ok", ++ntest, path);
		return !ok;
	}
	if ((d = opendir(path)) == NULL) {
		printf("not ok %d - %s: %s\n", ++ntest, path, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			ARRAY_PUSH(names, n, xstrdup(de->d_name));
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, cmp);
	for (i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", path, names[i]);

		bad += feed(p);
		free(p);
	}
	strv_free(names, n);
	return bad;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	int i, bad = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			bad += feed(argv[i]);
	} else {
		char *dir = xasprintf(
		    "%s/tests/fuzz/corpus/" REPLAY_CORPUS, top ? top : ".");

		bad = feed(dir);
		free(dir);
	}
	printf("1..%d\n", ntest);
	return bad ? 1 : 0;
}
