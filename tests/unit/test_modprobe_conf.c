/*
 * test_modprobe_conf.c: the modprobe.d codec prints every input back byte
 * for byte, reads directives as libkmod does (cross-checked against
 * libkmod's own parse of the same file), answers queries with line numbers,
 * edits whole directives only and refuses what it cannot write safely.
 */
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/strbuf.h"
#include "testutil.h"

#include <errno.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
roundtrip(const char *text, size_t len)
{
	struct modprobe_conf *mc = modprobe_conf_parse(text, len);
	size_t n;
	char *back = modprobe_conf_text(mc, &n);

	assert_int_equal(n, len);
	assert_memory_equal(back, text, len);
	free(back);
	modprobe_conf_free(mc);
}

static const char *const odd[] = {
    "",
    "\n",
    "   \t\n\n",
    "blacklist",
    "blacklist nouveau",
    "blacklist  nouveau  extra words\n",
    "options vfio-pci ids=8086:0412\r\nsoftdep i915 pre: vfio-pci\r\n",
    "options\tsnd-hda-intel\t\tindex=1\tmodel=auto  \n",
    "options foo \n",
    "options foo\\\n bar=1\\\n baz=2\n# tail\n",
    "  # indented comment\n#comment\\\ncontinued\n",
    "softdep a pre: b c post: d\nsoftdep a post: x\nsoftdep e f g\n",
    "softdep m\tpre:\tx pre: y post:\n",
    "weakdep k a b\ninclude /etc/foo\nconfig x\nfrobnicate a b\n",
    "install foo /bin/true \\\n  && echo hi\nremove foo /bin/false\n",
    "alias pci:v00008086d* i915\nalias only\n",
    "ends with backslash\\",
    "a\\\\\nb\\x\n",
    "nul\0inside\nblacklist x\0y\n",
    "\\\n\\\n\\\n",
    "options m p=\xc3\xa9\xff\n",
};

static void
test_roundtrip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nitems(odd); i++)
		roundtrip(odd[i], strlen(odd[i]));
	roundtrip("nul\0inside\nblacklist x\0y\n", 25);
}

static void
test_parse(void **state)
{
	const char *t = "# head\n"
			"options vfio-pci ids=8086:0412\n"
			"softdep i915 pre: vfio-pci\\\n"
			"  post: snd-hda-intel\n"
			"blacklist  nvidia-drm\n"
			"options vfio_pci disable_idle_d3=1\n"
			"options\n"
			"frob x\n";
	struct modprobe_conf *mc = modprobe_conf_parse(t, strlen(t));
	const struct modprobe_line *l;
	unsigned lineno = 0;
	char *o;

	(void)state;
	assert_int_equal(mc->n_lines, 7);
	assert_int_equal(mc->lines[0].kind, MODPROBE_COMMENT);
	assert_int_equal(mc->lines[6].kind, MODPROBE_UNKNOWN);
	assert_int_equal(mc->lines[5].kind, MODPROBE_INVALID);
	assert_int_equal(mc->lines[5].lineno, 7);

	o = modprobe_conf_options(mc, "vfio-pci", &lineno);
	assert_string_equal(o, "ids=8086:0412 disable_idle_d3=1");
	assert_int_equal(lineno, 2);
	free(o);
	assert_null(modprobe_conf_options(mc, "i915", NULL));

	l = modprobe_conf_softdep(mc, "i915");
	assert_non_null(l);
	assert_int_equal(l->lineno, 3);
	assert_int_equal(l->n_phys, 2);
	assert_int_equal(l->n_pre, 1);
	assert_string_equal(l->pre[0], "vfio-pci");
	assert_int_equal(l->n_post, 1);
	assert_string_equal(l->post[0], "snd-hda-intel");

	l = modprobe_conf_blacklisted(mc, "nvidia_drm");
	assert_non_null(l);
	assert_int_equal(l->lineno, 5);
	assert_string_equal(l->module, "nvidia_drm");
	assert_null(modprobe_conf_blacklisted(mc, "nvidia"));
	modprobe_conf_free(mc);
}

static char *
edited(struct modprobe_conf *mc)
{
	return modprobe_conf_text(mc, NULL);
}

static void
test_edit(void **state)
{
	const char *t = "# mine\n"
			"options vfio_pci ids=1234:5678\n"
			"options snd-hda-intel index=1\n"
			"frob vfio-pci\n"
			"options vfio-pci \\\n disable_vga=1\n"
			"blacklist nouveau";
	struct modprobe_conf *mc = modprobe_conf_parse(t, strlen(t));
	const char *pre[] = {"vfio-pci"}, *bad_pre[] = {"a b"};
	char *cause = NULL, *s;

	(void)state;
	assert_int_equal(modprobe_conf_set_options(
			     mc, "vfio-pci", "ids=8086:0412,8086:0c0c", &cause),
	    0);
	assert_int_equal(modprobe_conf_add_blacklist(mc, "nouveau", &cause), 0);
	assert_int_equal(modprobe_conf_add_blacklist(mc, "radeon", &cause), 0);
	assert_int_equal(
	    modprobe_conf_set_softdep(mc, "i915", pre, 1, NULL, 0, &cause), 0);
	s = edited(mc);
	assert_string_equal(s, "# mine\n"
			       "options vfio-pci ids=8086:0412,8086:0c0c\n"
			       "options snd-hda-intel index=1\n"
			       "frob vfio-pci\n"
			       "blacklist nouveau\n"
			       "blacklist radeon\n"
			       "softdep i915 pre: vfio-pci\n");
	free(s);
	assert_int_equal(mc->lines[6].lineno, 7);
	assert_int_equal(modprobe_conf_softdep(mc, "i915")->lineno, 7);

	/* replace again: idempotent */
	assert_int_equal(
	    modprobe_conf_set_softdep(mc, "i915", pre, 1, NULL, 0, &cause), 0);
	assert_int_equal(
	    modprobe_conf_remove(mc, MODPROBE_BLACKLIST, "radeon"), 0);
	assert_int_equal(
	    modprobe_conf_remove(mc, MODPROBE_BLACKLIST, "radeon"), -ENOENT);
	assert_int_equal(
	    modprobe_conf_remove(mc, MODPROBE_UNKNOWN, "vfio-pci"), -EINVAL);
	s = edited(mc);
	assert_non_null(strstr(s, "frob vfio-pci\nblacklist nouveau\nsoftdep"));
	free(s);

	/* refusals change nothing */
	s = edited(mc);
	assert_int_equal(
	    modprobe_conf_set_options(mc, "bad name", "x=1", &cause), -EINVAL);
	assert_string_equal(cause, "invalid module name 'bad name'");
	free(cause);
	assert_int_equal(
	    modprobe_conf_set_options(mc, "m", "x=\"a b\"", &cause), -EINVAL);
	free(cause);
	assert_int_equal(
	    modprobe_conf_set_options(mc, "m", "x=1\noptions y", &cause),
	    -EINVAL);
	free(cause);
	assert_int_equal(
	    modprobe_conf_set_options(mc, "m", "x=1 # c", &cause), -EINVAL);
	free(cause);
	assert_int_equal(
	    modprobe_conf_set_softdep(mc, "m", bad_pre, 1, NULL, 0, &cause),
	    -EINVAL);
	free(cause);
	assert_int_equal(
	    modprobe_conf_set_softdep(mc, "m", NULL, 0, NULL, 0, &cause),
	    -EINVAL);
	free(cause);
	{
		char *now = edited(mc);

		assert_string_equal(now, s);
		free(now);
	}
	free(s);
	modprobe_conf_free(mc);

	/* an unterminated continuation at the end cannot be appended to */
	mc = modprobe_conf_parse("blacklist a\\", 12);
	assert_int_equal(modprobe_conf_add_blacklist(mc, "b", &cause), -EINVAL);
	free(cause);
	modprobe_conf_free(mc);
	mc = modprobe_conf_parse("blacklist a\\\n", 13);
	assert_true(mc->lines[0].open);
	assert_int_equal(modprobe_conf_add_blacklist(mc, "b", &cause), -EINVAL);
	free(cause);
	modprobe_conf_free(mc);

	/* an empty file gets its first line */
	mc = modprobe_conf_parse("", 0);
	assert_int_equal(
	    modprobe_conf_set_options(mc, "kvm", "ignore_msrs=1", &cause), 0);
	s = edited(mc);
	assert_string_equal(s, "options kvm ignore_msrs=1\n");
	free(s);
	modprobe_conf_free(mc);
}

static void
test_vfio_ids(void **state)
{
	static const char *const good[] = {"8086:0412", "8086:0412,8086:0c0c",
	    "10de:1b80:ffffffff:ffffffff:030000:ffff00", "10DE:1B80:1458:3702",
	    "1:2"};
	static const char *const bad[] = {"", "8086", "8086:", "0x8086:0412",
	    "8086:0412,", ",8086:0412", "8086:04122", "8086:0412:1:2:3:4:5",
	    "8086:041g", "8086:0412 ", "8086:0412;ls", "8086:0412:12345"};
	char *cause = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < nitems(good); i++)
		assert_int_equal(modprobe_vfio_ids_check(good[i], &cause), 0);
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(
		    modprobe_vfio_ids_check(bad[i], &cause), -EINVAL);
		assert_non_null(cause);
		free(cause);
		cause = NULL;
	}
}

/* One line per directive, "kind module args", for comparing two parses. */
static void
kmod_dump(const char *root, const char *file, struct strbuf *sb)
{
	const char *paths[] = {file, NULL};
	struct kmod_ctx *ctx;
	struct kmod_config_iter *it;

	setenv("KMOD_LOG", "0", 1);
	ctx = kmod_new(root, paths);
	assert_non_null(ctx);
	it = kmod_config_get_options(ctx);
	while (it != NULL && kmod_config_iter_next(it))
		sb_addf(sb, "options %s %s\n", kmod_config_iter_get_key(it),
		    kmod_config_iter_get_value(it));
	kmod_config_iter_free_iter(it);
	it = kmod_config_get_blacklists(ctx);
	while (it != NULL && kmod_config_iter_next(it))
		sb_addf(sb, "blacklist %s\n", kmod_config_iter_get_key(it));
	kmod_config_iter_free_iter(it);
	it = kmod_config_get_softdeps(ctx);
	while (it != NULL && kmod_config_iter_next(it))
		sb_addf(sb, "softdep %s %s\n", kmod_config_iter_get_key(it),
		    kmod_config_iter_get_value(it));
	kmod_config_iter_free_iter(it);
	kmod_unref(ctx);
}

/*
 * The same dump from the codec, softdep values as libkmod prints them (it
 * puts no space between the pre list and "post:").
 */
static void
codec_dump(const struct modprobe_conf *mc, struct strbuf *sb)
{
	const struct modprobe_line *l = NULL;
	size_t i;

	while ((l = modprobe_conf_find(mc, MODPROBE_OPTIONS, NULL, l)))
		sb_addf(sb, "options %s %s\n", l->module, l->args);
	while ((l = modprobe_conf_find(mc, MODPROBE_BLACKLIST, NULL, l)))
		sb_addf(sb, "blacklist %s\n", l->module);
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

/*
 * Parse text with the codec and with libkmod; libkmod's extra options and
 * blacklists from the live /proc/cmdline are taken out by dumping an empty
 * file first and removing those lines.
 */
static void
cross_check(const char *text, size_t len)
{
	char *root = fx_mkroot(), *file = xasprintf("%s/t.conf", root);
	char *empty = xasprintf("%s/empty.conf", root);
	struct strbuf k = STRBUF_INIT, base = STRBUF_INIT, c = STRBUF_INIT;
	struct modprobe_conf *mc = modprobe_conf_parse(text, len);
	const char *p;

	fx_write_bytes(root, "/empty.conf", "", 0);
	kmod_dump(root, empty, &base);
	fx_write_bytes(root, "/t.conf", text, len);
	kmod_dump(root, file, &k);
	codec_dump(mc, &c);
	for (p = sb_str(&base); *p != '\0';) {
		size_t n = strcspn(p, "\n") + 1;
		char *one = xstrndup(p, n), *at = strstr(k.buf, one);

		if (at != NULL)
			memmove(at, at + n, strlen(at + n) + 1);
		free(one);
		p += n;
	}
	assert_string_equal(k.buf != NULL ? k.buf : "", sb_str(&c));
	sb_release(&k);
	sb_release(&base);
	sb_release(&c);
	modprobe_conf_free(mc);
	free(file);
	free(empty);
	fx_rmroot(root);
}

static void
test_kmod_odd(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nitems(odd); i++)
		if (strchr(odd[i], '\xff') == NULL)
			cross_check(odd[i], strlen(odd[i]));
}

static void
test_fixtures(void **state)
{
	static const char *const files[] = {"kmod-aliases.conf", "systemd.conf",
	    "pve-blacklist.conf", "vfio.conf"};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(files); i++) {
		char *path = xasprintf(
		    "%s/tests/fixtures/modprobe.d/%s", fx_srcdir(), files[i]);
		FILE *f = fopen(path, "rb");
		char buf[65536];
		size_t n;

		assert_non_null(f);
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		assert_true(n > 0 && n < sizeof buf);
		roundtrip(buf, n);
		cross_check(buf, n);
		free(path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_edit),
	    cmocka_unit_test(test_vfio_ids),
	    cmocka_unit_test(test_kmod_odd),
	    cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
