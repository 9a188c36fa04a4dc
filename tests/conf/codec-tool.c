/*
 * codec-tool.c: runs one of the text codecs over real files, for
 * tests/conf/real-files.sh and tests/conf/grub-fixtures.sh.
 *
 *   codec-tool [-p | -e] KIND FILE...
 *
 * KIND is grub, modlist, modprobe or cmdline. Each FILE is read through a
 * root handle on its own directory, parsed, printed back and compared with
 * its bytes. The report (stdout) says "round trip: exact" or where it
 * differs; for modprobe also whether libkmod, reading the same file, sees
 * the same options, blacklists, softdeps, aliases and install and remove
 * commands ("kmod: agrees"); for modlist the modules it loads; for grub the
 * files are then evaluated in order, as grub-mkconfig sources
 * /etc/default/grub and its grub.d drop-ins, and the effective
 * GRUB_CMDLINE_LINUX, GRUB_CMDLINE_LINUX_DEFAULT and command line follow,
 * or the codec's refusal ("refused: ...").
 *
 * -p prints the first FILE back instead (its printed text only, so a test
 * can compare the bytes itself); -e (grub) prints only the evaluated values:
 *
 *   GRUB_CMDLINE_LINUX=<value>        or "GRUB_CMDLINE_LINUX unset",
 *   GRUB_CMDLINE_LINUX_DEFAULT=<value>   "... unknown: <reason>"
 *   cmdline=<value>                   or "cmdline unknown: <cause>"
 *
 * which is what `. FILE...` in an empty sh gives (see grub-fixtures.sh).
 *
 * Exit status: 0 exact (and libkmod agrees), 1 a mismatch, 2 usage or a
 * file that cannot be read, 3 the codec refused a file.
 */
#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/grub_default.h"
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_MISMATCH = 1, EXIT_USAGE = 2, EXIT_REFUSED = 3 };

/* A file read through a root handle on its directory. */
struct input {
	const char *arg; /* as given on the command line */
	struct root *root;
	char *base; /* "/name" inside the root */
	char *text;
	size_t len;
};

static int mode_print, mode_eval;

static void
usage(void)
{
	fprintf(stderr, "usage: codec-tool [-p | -e] "
			"grub|modlist|modprobe|cmdline FILE...\n");
}

/* Open a root on the file's directory and read the file through it. */
static int
input_read(const char *arg, struct input *in)
{
	const char *slash = strrchr(arg, '/');
	char *dir;
	int err;

	memset(in, 0, sizeof *in);
	in->arg = arg;
	if (slash == NULL) {
		dir = xstrdup(".");
		in->base = xasprintf("/%s", arg);
	} else {
		dir = slash == arg ? xstrdup("/") : xstrndup(arg, slash - arg);
		in->base = xasprintf("/%s", slash + 1);
	}
	err = root_open(dir, &in->root);
	free(dir);
	if (err == 0)
		err = root_read(in->root, in->base, &in->text, &in->len);
	if (err < 0) {
		fprintf(stderr, "codec-tool: '%s': %s\n", arg, strerror(-err));
		return -1;
	}
	return 0;
}

static void
input_free(struct input *in)
{
	root_free(in->root);
	free(in->base);
	free(in->text);
}

/*
 * Compare the printed text with the input: print the report line (or, in
 * -p mode, the text itself); 0 when exact.
 */
static int
compare(const struct input *in, const char *out, size_t out_len)
{
	size_t i, n = in->len < out_len ? in->len : out_len;

	if (mode_print) {
		fwrite(out, 1, out_len, stdout);
		return 0;
	}
	for (i = 0; i < n && in->text[i] == out[i]; i++)
		;
	if (i == n && in->len == out_len) {
		printf("round trip: exact (%zu bytes)\n", in->len);
		return 0;
	}
	printf("round trip: differs at byte %zu (%zu bytes in, %zu out)\n", i,
	    in->len, out_len);
	return -1;
}

/* --- modlist and cmdline --- */

static int
run_modlist(const struct input *in)
{
	struct modlist *ml;
	char *cause = NULL, *out, **names = NULL;
	size_t len, n, i;
	int rc;

	if (modlist_parse(in->text, in->len, &ml, &cause) < 0) {
		printf("refused: '%s': %s\n", in->arg, cause);
		free(cause);
		return EXIT_REFUSED;
	}
	out = modlist_text(ml, &len);
	rc = compare(in, out, len) < 0 ? EXIT_MISMATCH : 0;
	if (!mode_print) {
		n = modlist_names(ml, &names);
		printf("loads:");
		for (i = 0; i < n; i++)
			printf(" %s", names[i]);
		printf("\n");
		for (i = 0; i < ml->n_lines; i++)
			if (ml->lines[i].kind == MODLIST_MODULE &&
			    (ml->lines[i].params != NULL ||
				!ml->lines[i].valid))
				printf("line %zu: not loaded: %s\n", i + 1,
				    ml->lines[i].params != NULL
					? "parameters after the name"
					: "not a valid module name");
		strv_free(names, n);
	}
	free(out);
	modlist_free(ml);
	return rc;
}

static int
run_cmdline(const struct input *in)
{
	struct cmdline *cl;
	char *out;
	int rc;

	if (strlen(in->text) != in->len) {
		printf("refused: '%s': NUL byte\n", in->arg);
		return EXIT_REFUSED;
	}
	cl = cmdline_parse(in->text);
	out = cmdline_to_string(cl);
	rc = compare(in, out, strlen(out)) < 0 ? EXIT_MISMATCH : 0;
	if (!mode_print)
		printf("tokens: %zu\n", cl->n_tokens);
	free(out);
	cmdline_free(cl);
	return rc;
}

/* --- modprobe.d, cross-checked with libkmod --- */

/* Append one "kind key value" line per item of a libkmod config iterator. */
static void
kmod_iter(struct kmod_config_iter *it, const char *kind, bool value,
    struct strbuf *sb)
{
	while (it != NULL && kmod_config_iter_next(it)) {
		sb_addf(sb, "%s %s", kind, kmod_config_iter_get_key(it));
		if (value)
			sb_addf(sb, " %s", kmod_config_iter_get_value(it));
		sb_addc(sb, '\n');
	}
	kmod_config_iter_free_iter(it);
}

/*
 * libkmod's view of the config files in paths (a NULL-terminated list,
 * maybe empty), one line per directive; -1 when libkmod cannot start.
 */
static int
kmod_dump(const struct root *r, const char *const *paths, struct strbuf *sb)
{
	struct kmod_ctx *ctx;

	/* kmod_new() parses the files and logs bad lines: not here */
	setenv("KMOD_LOG", "0", 1);
	ctx = kmod_new(root_dir(r), paths);
	if (ctx == NULL)
		return -1;
	kmod_iter(kmod_config_get_aliases(ctx), "alias", true, sb);
	kmod_iter(kmod_config_get_options(ctx), "options", true, sb);
	kmod_iter(kmod_config_get_install_commands(ctx), "install", true, sb);
	kmod_iter(kmod_config_get_remove_commands(ctx), "remove", true, sb);
	kmod_iter(kmod_config_get_blacklists(ctx), "blacklist", false, sb);
	kmod_iter(kmod_config_get_softdeps(ctx), "softdep", true, sb);
	kmod_unref(ctx);
	return 0;
}

/* The codec's parse in kmod_dump()'s order and format. */
static void
codec_dump(const struct modprobe_conf *mc, struct strbuf *sb)
{
	static const struct {
		enum modprobe_kind kind;
		const char *name;
	} kinds[] = {
	    {MODPROBE_ALIAS, "alias"},
	    {MODPROBE_OPTIONS, "options"},
	    {MODPROBE_INSTALL, "install"},
	    {MODPROBE_REMOVE, "remove"},
	    {MODPROBE_BLACKLIST, "blacklist"},
	};
	const struct modprobe_line *l;
	size_t k, i;

	for (k = 0; k < nitems(kinds); k++) {
		l = NULL;
		while ((l = modprobe_conf_find(mc, kinds[k].kind, NULL, l))) {
			sb_addf(sb, "%s %s", kinds[k].name, l->module);
			if (kinds[k].kind != MODPROBE_BLACKLIST)
				sb_addf(sb, " %s", l->args);
			sb_addc(sb, '\n');
		}
	}
	/* libkmod prints no space between the pre list and "post:" */
	l = NULL;
	while ((l = modprobe_conf_find(mc, MODPROBE_SOFTDEP, NULL, l))) {
		sb_addf(sb, "softdep %s ", l->module);
		if (l->n_pre > 0)
			sb_adds(sb, "pre:");
		for (i = 0; i < l->n_pre; i++)
			sb_addf(sb, " %s", l->pre[i]);
		if (l->n_post > 0)
			sb_adds(sb, "post:");
		for (i = 0; i < l->n_post; i++)
			sb_addf(sb, " %s", l->post[i]);
		sb_addc(sb, '\n');
	}
}

/* Remove from sb the first occurrence of each line of base. */
static void
subtract_lines(struct strbuf *sb, const char *base)
{
	while (*base != '\0' && sb->buf != NULL) {
		size_t n =
		    strcspn(base, "\n") + (base[strcspn(base, "\n")] != 0);
		char *one = xstrndup(base, n), *at = NULL, *p = sb->buf;

		/* a whole line only: at the start or after a newline */
		while ((p = strstr(p, one)) != NULL) {
			if (p == sb->buf || p[-1] == '\n') {
				at = p;
				break;
			}
			p++;
		}
		if (at != NULL) {
			memmove(at, at + n, strlen(at + n) + 1);
			sb->len -= n;
		}
		free(one);
		base += n;
	}
}

/* Print the lines of a that b lacks, prefixed with tag. */
static void
print_missing(const char *tag, const char *a, const char *b)
{
	while (*a != '\0') {
		size_t n = strcspn(a, "\n");
		char *one = xstrndup(a, n);
		const char *p = b;
		bool found = false;

		while ((p = strstr(p, one)) != NULL) {
			if ((p == b || p[-1] == '\n') &&
			    (p[n] == '\n' || p[n] == '\0')) {
				found = true;
				break;
			}
			p++;
		}
		if (!found)
			printf("  %s: %s\n", tag, one);
		free(one);
		a += n + (a[n] != '\0');
	}
}

/*
 * Compare the codec's reading of the file with libkmod's. libkmod also
 * reads the live /proc/cmdline (modprobe.blacklist=, module.option=): what
 * it reports with no config file at all is taken out first.
 */
static int
kmod_check(const struct input *in, const struct modprobe_conf *mc)
{
	char *path = root_join(in->root, in->base);
	const char *none[] = {NULL}, *paths[] = {path, NULL};
	struct strbuf base = STRBUF_INIT, k = STRBUF_INIT, c = STRBUF_INIT;
	int rc = 0;

	if (kmod_dump(in->root, none, &base) < 0 ||
	    kmod_dump(in->root, paths, &k) < 0) {
		printf("kmod: cannot start libkmod\n");
		rc = -1;
		goto out;
	}
	subtract_lines(&k, sb_str(&base));
	codec_dump(mc, &c);
	if (strcmp(sb_str(&k), sb_str(&c)) == 0) {
		size_t n = 0;
		const char *p;

		for (p = sb_str(&c); *p != '\0'; p++)
			n += *p == '\n';
		printf("kmod: agrees (%zu directives)\n", n);
	} else {
		printf("kmod: differs\n");
		print_missing("only libkmod", sb_str(&k), sb_str(&c));
		print_missing("only the codec", sb_str(&c), sb_str(&k));
		if (strlen(sb_str(&k)) == strlen(sb_str(&c)))
			printf("  (the same lines in another order)\n");
		rc = -1;
	}
out:
	sb_release(&base);
	sb_release(&k);
	sb_release(&c);
	free(path);
	return rc;
}

static int
run_modprobe(const struct input *in)
{
	struct modprobe_conf *mc = modprobe_conf_parse(in->text, in->len);
	char *out;
	size_t len;
	int rc;

	out = modprobe_conf_text(mc, &len);
	rc = compare(in, out, len) < 0 ? EXIT_MISMATCH : 0;
	if (!mode_print && kmod_check(in, mc) < 0)
		rc = EXIT_MISMATCH;
	free(out);
	modprobe_conf_free(mc);
	return rc;
}

/* --- /etc/default/grub and grub.d drop-ins --- */

static bool
parts_equal(const struct grub_assign *a, const struct grub_assign *b)
{
	size_t i;

	if (a->n_parts != b->n_parts ||
	    (a->unknown == NULL) != (b->unknown == NULL))
		return false;
	for (i = 0; i < a->n_parts; i++)
		if (a->parts[i].is_var != b->parts[i].is_var ||
		    strcmp(a->parts[i].text, b->parts[i].text) != 0)
			return false;
	return true;
}

/*
 * The grub codec has no printer: its edits replace an assignment's byte
 * span. So the round trip is: the spans, in file order, cut the text into
 * gaps and words that join back into the input, each word starts with
 * "NAME=" where its value span says, and each word parsed on its own is
 * the same assignment.
 */
static int
grub_roundtrip(const struct input *in, const struct grub_default *g)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, at = 0;
	int rc = 0;

	for (i = 0; i < g->n_assigns && rc == 0; i++) {
		const struct grub_assign *a = &g->assigns[i];
		size_t nl = strlen(a->name);
		struct grub_default *one = NULL;
		char *word, *cause = NULL;

		if (a->start < at || a->end < a->start || a->end > in->len ||
		    a->value_start != a->start + nl + 1 ||
		    a->value_start > a->end ||
		    memcmp(in->text + a->start, a->name, nl) != 0 ||
		    in->text[a->start + nl] != '=') {
			printf("assignment %zu '%s' (line %u): bad span\n",
			    i + 1, a->name, a->line);
			rc = -1;
			break;
		}
		sb_add(&sb, in->text + at, a->start - at);
		sb_add(&sb, in->text + a->start, a->end - a->start);
		at = a->end;
		word = xstrndup(in->text + a->start, a->end - a->start);
		if (grub_default_parse(in->arg, word, &one, &cause) < 0 ||
		    one->n_assigns != 1 ||
		    strcmp(one->assigns[0].name, a->name) != 0 ||
		    !parts_equal(&one->assigns[0], a)) {
			printf("assignment %zu '%s' (line %u): its word alone "
			       "reads differently%s%s\n",
			    i + 1, a->name, a->line, cause ? ": " : "",
			    cause ? cause : "");
			rc = -1;
		}
		free(cause);
		grub_default_free(one);
		free(word);
	}
	if (rc == 0) {
		sb_add(&sb, in->text + at, in->len - at);
		rc = compare(in, sb_str(&sb), sb.len);
	}
	sb_release(&sb);
	return rc;
}

/* Print one variable as the -e block shows it. */
static void
print_var(const struct grub_env *env, const char *name)
{
	const char *val, *reason;

	switch (grub_env_lookup(env, name, &val, &reason)) {
	case GRUB_VAR_SET:
		printf("%s=%s\n", name, val);
		break;
	case GRUB_VAR_UNSET:
		printf("%s unset\n", name);
		break;
	case GRUB_VAR_UNKNOWN:
		printf("%s unknown: %s\n", name, reason);
		break;
	}
}

static int
run_grub(struct input *ins, size_t n)
{
	const char **names = xcalloc(n, sizeof *names);
	const char **texts = xcalloc(n, sizeof *texts);
	struct grub_env env = GRUB_ENV_INIT;
	char *cause = NULL, *cl = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct grub_default *g = NULL;

		names[i] = ins[i].arg;
		texts[i] = ins[i].text;
		if (strlen(ins[i].text) != ins[i].len) {
			printf("refused: '%s': NUL byte\n", ins[i].arg);
			rc = EXIT_REFUSED;
			goto out;
		}
		if (mode_eval)
			continue;
		if (grub_default_parse(ins[i].arg, ins[i].text, &g, &cause) <
		    0) {
			if (!mode_print) {
				/* the evaluation below reports it */
				free(cause);
				cause = NULL;
				continue;
			}
			fprintf(stderr, "codec-tool: refused: %s\n", cause);
			rc = EXIT_REFUSED;
			goto out;
		}
		if (!mode_print && n > 1)
			printf("%s: ", ins[i].arg);
		if (grub_roundtrip(&ins[i], g) < 0)
			rc = EXIT_MISMATCH;
		grub_default_free(g);
		if (mode_print)
			goto out;
	}
	if (grub_default_eval(names, texts, n, &env, &cause) < 0) {
		printf("refused: %s\n", cause);
		if (rc == 0)
			rc = EXIT_REFUSED;
		goto out;
	}
	print_var(&env, "GRUB_CMDLINE_LINUX");
	print_var(&env, "GRUB_CMDLINE_LINUX_DEFAULT");
	if (grub_default_cmdline(&env, &cl, &cause) == 0)
		printf("cmdline=%s\n", cl);
	else
		printf("cmdline unknown: %s\n", cause);
out:
	free(cl);
	free(cause);
	grub_env_free(&env);
	free(names);
	free(texts);
	return rc;
}

int
main(int argc, char **argv)
{
	struct input *ins;
	const char *kind;
	int i, n, rc = 0;

	while (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "-p") == 0)
			mode_print = 1;
		else if (strcmp(argv[1], "-e") == 0)
			mode_eval = 1;
		else
			break;
		argv++;
		argc--;
	}
	if (argc < 3 || (mode_print && mode_eval)) {
		usage();
		return EXIT_USAGE;
	}
	kind = argv[1];
	if (strcmp(kind, "grub") != 0 && (mode_eval || argc != 3)) {
		usage();
		return EXIT_USAGE;
	}
	n = argc - 2;
	ins = xcalloc(n, sizeof *ins);
	for (i = 0; i < n; i++)
		if (input_read(argv[i + 2], &ins[i]) < 0) {
			rc = EXIT_USAGE;
			n = i + 1;
			goto out;
		}
	if (strcmp(kind, "grub") == 0)
		rc = run_grub(ins, n);
	else if (strcmp(kind, "modlist") == 0)
		rc = run_modlist(&ins[0]);
	else if (strcmp(kind, "modprobe") == 0)
		rc = run_modprobe(&ins[0]);
	else if (strcmp(kind, "cmdline") == 0)
		rc = run_cmdline(&ins[0]);
	else {
		usage();
		rc = EXIT_USAGE;
	}
out:
	for (i = 0; i < n; i++)
		input_free(&ins[i]);
	free(ins);
	return rc;
}
