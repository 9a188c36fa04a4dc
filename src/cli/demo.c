/*
 * demo.c: where the probed tree comes from. The real machine ("/"), a tree
 * given with --root, or a host spec replayed into a private temporary
 * directory (--replay FILE, --demo NAME) that is removed afterwards. Demo
 * hosts are the bundled specs in $(pkgdatadir)/hosts.
 */
#include "cli.h"
#include "vfio-wizard/json.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *
demo_dir(void)
{
	const char *d = getenv("VFIO_WIZARD_HOSTS");

	return d != NULL && *d != '\0' ? d : PKGDATADIR "/hosts";
}

static bool
valid_demo_name(const char *name)
{
	const char *p;

	if (*name == '\0')
		return false;
	for (p = name; *p != '\0'; p++) {
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '-')
			return false;
	}
	return true;
}

char *
demo_spec_path(const char *name, char **cause)
{
	char *path;

	if (!valid_demo_name(name)) {
		*cause = xasprintf(_("'%s' is not a demo host name (see --demo "
				     "list)"),
		    name);
		return NULL;
	}
	path = xasprintf("%s/%s.yaml", demo_dir(), name);
	if (access(path, R_OK) != 0) {
		*cause =
		    xasprintf(_("no demo host '%s' (see --demo list)"), name);
		free(path);
		return NULL;
	}
	return path;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
demo_list(bool as_json)
{
	struct root *r;
	char **names;
	size_t n, i;
	struct strbuf out = STRBUF_INIT;
	struct json j;
	int err;

	err = root_open(demo_dir(), &r);
	if (err == 0) {
		err = root_listdir(r, "/", &names, &n);
		root_free(r);
	}
	if (err < 0) {
		cli_error(_("cannot list demo hosts in '%s': %s"), demo_dir(),
		    strerror(-err));
		return EXIT_ERROR;
	}
	qsort(names, n, sizeof *names, cmp_str);
	json_init(&j, &out);
	if (as_json)
		json_array_begin(&j);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		char *path, *cause = NULL, *name;
		struct host_spec *spec;

		if (len < 6 || strcmp(names[i] + len - 5, ".yaml") != 0)
			continue;
		name = xstrndup(names[i], len - 5);
		path = xasprintf("%s/%s", demo_dir(), names[i]);
		if (spec_load(path, &spec, &cause) == 0) {
			if (as_json) {
				json_object_begin(&j);
				json_kv_string(&j, "name", name);
				json_kv_string(
				    &j, "description", spec_description(spec));
				json_object_end(&j);
			} else
				sb_addf(&out, "%-24s %s\n", name,
				    spec_description(spec));
			spec_free(spec);
		} else {
			cli_error("%s", cause);
			free(cause);
		}
		free(name);
		free(path);
	}
	if (as_json)
		json_array_end(&j);
	fputs(sb_str(&out), stdout);
	sb_release(&out);
	strv_free(names, n);
	return EXIT_DONE;
}

/* Replay a spec into a fresh private directory. */
static int
replay_tmp(const char *spec_path, struct cli_source *src, char **cause)
{
	struct host_spec *spec;
	int err;

	err = spec_load(spec_path, &spec, cause);
	if (err < 0)
		return err;
	err = spec_replay_temp(spec, &src->tmpdir, cause);
	spec_free(spec);
	if (err < 0)
		return err;
	err = root_open(src->tmpdir, &src->root);
	if (err < 0)
		*cause = xasprintf("'%s': %s", src->tmpdir, strerror(-err));
	return err;
}

int
cli_source_open(const struct cli_opts *o, struct cli_source *src, char **cause)
{
	char *path;
	int err;

	memset(src, 0, sizeof *src);
	if (o->replay != NULL)
		return replay_tmp(o->replay, src, cause);
	if (o->demo != NULL) {
		path = demo_spec_path(o->demo, cause);
		if (path == NULL)
			return -ENOENT;
		err = replay_tmp(path, src, cause);
		free(path);
		return err;
	}
	err = root_open(o->root != NULL ? o->root : "/", &src->root);
	if (err < 0)
		*cause = xasprintf(_("cannot open root '%s': %s"),
		    o->root != NULL ? o->root : "/", strerror(-err));
	return err;
}

void
cli_source_close(struct cli_source *src)
{
	root_free(src->root);
	src->root = NULL;
	if (src->tmpdir != NULL) {
		spec_remove_tree(src->tmpdir);
		free(src->tmpdir);
		src->tmpdir = NULL;
	}
}
