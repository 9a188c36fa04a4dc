/*
 * test_pve_conf.c: the Proxmox VM config codec. Every config of the
 * qemu-server round-trip corpus prints back byte for byte; edits touch only
 * the main section and only the lines they need; odd input (CRLF, no final
 * newline, NUL bytes, junk in unknown sections) survives; lines Proxmox
 * cannot parse are refused; hostpciN values parse like qemu-server's.
 */
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CORPUS_SUB "pve-qemu-server-conf"

/*
 * The corpus root: $VFIO_WIZARD_CORPUS/pve-qemu-server-conf (dev/test sets
 * it to the shared/ beside the clone, for make distcheck too), else
 * $top_srcdir/../shared/corpus/...; a missing corpus fails the test.
 */
static struct root *
corpus_root(void)
{
	const char *env = getenv("VFIO_WIZARD_CORPUS");
	const char *top = getenv("top_srcdir");
	char *dirs[2];
	struct root *r = NULL;
	size_t i;

	dirs[0] = env != NULL && *env != '\0' ? xasprintf("%s/" CORPUS_SUB, env)
					      : NULL;
	dirs[1] = top != NULL && *top != '\0'
		      ? xasprintf("%s/../shared/corpus/" CORPUS_SUB, top)
		      : NULL;
	for (i = 0; i < 2 && r == NULL; i++) {
		if (dirs[i] != NULL && root_open(dirs[i], &r) < 0)
			r = NULL;
	}
	free(dirs[0]);
	free(dirs[1]);
	if (r == NULL)
		fail_msg("the PVE config corpus is missing: expected "
			 "$VFIO_WIZARD_CORPUS/" CORPUS_SUB
			 " or $top_srcdir/../shared/corpus/" CORPUS_SUB);
	return r;
}

/* Every regular file below dir, recursively, as paths inside the root. */
static void
walk(struct root *r, const char *dir, char ***files, size_t *n)
{
	char **names;
	size_t count, i;

	assert_int_equal(root_listdir(r, dir, &names, &count), 0);
	for (i = 0; i < count; i++) {
		char *p = xasprintf(
		    "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, names[i]);
		struct stat st;

		assert_int_equal(root_stat(r, p, &st, false), 0);
		if (S_ISDIR(st.st_mode)) {
			walk(r, p, files, n);
			free(p);
		} else if (S_ISREG(st.st_mode)) {
			ARRAY_PUSH(*files, *n, p);
		} else {
			free(p);
		}
	}
	strv_free(names, count);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Bytes of the main section (everything before the first header). */
static size_t
main_len(const struct pve_conf *c)
{
	const struct pve_section *m = pve_conf_main(c);
	size_t i, n = 0;

	for (i = 0; i < m->n_lines; i++)
		n += m->lines[i].len;
	return n;
}

static void
assert_text(const struct pve_conf *c, const char *want, size_t want_len,
    const char *what)
{
	size_t len;
	char *got = pve_conf_text(c, &len);

	if (len != want_len || memcmp(got, want, len) != 0)
		fail_msg("%s: printed text differs (%zu vs %zu bytes)", what,
		    len, want_len);
	free(got);
}

/* Parse a corpus file, print it back, and add then remove a hostpci line. */
static void
corpus_one(struct root *r, const char *path, size_t *n_conf)
{
	struct pve_conf *c;
	char *text, *cause = NULL, *after;
	size_t len, mlen, alen, i;
	int err;

	assert_int_equal(root_read(r, path, &text, &len), 0);
	/* lenient mode keeps any bytes at all, this README included */
	err = pve_conf_parse(text, len, PVE_PARSE_LENIENT, &c, &cause);
	assert_non_null(c);
	assert_text(c, text, len, path);
	pve_conf_free(c);
	free(cause);
	cause = NULL;
	if (!ends_with(path, ".conf")) {
		free(text);
		return;
	}
	(*n_conf)++;
	err = pve_conf_parse(text, len, 0, &c, &cause);
	if (err != 0)
		fail_msg("%s: %s", path, cause);
	assert_text(c, text, len, path);

	/* adding hostpci15 changes one line of the main section only */
	mlen = main_len(c);
	assert_null(pve_conf_get(c, "hostpci15"));
	assert_int_equal(
	    pve_conf_set(c, "hostpci15", "0000:00:02.0,legacy-igd=1", &cause),
	    0);
	assert_string_equal(
	    pve_conf_get(c, "hostpci15"), "0000:00:02.0,legacy-igd=1");
	after = pve_conf_text(c, &alen);
	assert_int_equal(alen, len + strlen("hostpci15: 0000:00:02.0,"
					    "legacy-igd=1\n"));
	assert_memory_equal(after + main_len(c), text + mlen, len - mlen);
	free(after);
	for (i = 1; i < c->n_sections; i++)
		assert_null(pve_section_get(&c->sections[i], "hostpci15"));
	/* and removing it gives the file back byte for byte */
	assert_int_equal(pve_conf_delete(c, "hostpci15"), 0);
	assert_text(c, text, len, path);
	assert_int_equal(pve_conf_delete(c, "hostpci15"), -ENOENT);
	pve_conf_free(c);
	free(text);
}

static void
test_corpus_round_trip(void **state)
{
	struct root *r = corpus_root();
	char **files = NULL;
	size_t n = 0, n_conf = 0, i;

	(void)state;
	walk(r, "/", &files, &n);
	for (i = 0; i < n; i++)
		corpus_one(r, files[i], &n_conf);
	/* the corpus README counts 229 configs */
	if (n_conf < 229)
		fail_msg("only %zu corpus configs found", n_conf);
	strv_free(files, n);
	root_free(r);
}

/* Expect text after replacing the first "from" in the main section. */
static char *
replaced(const char *text, size_t main_bytes, const char *from, const char *to)
{
	char *head = xstrndup(text, main_bytes), *p = strstr(head, from);
	char *out;

	assert_non_null(p);
	*p = '\0';
	out = xasprintf(
	    "%s%s%s%s", head, to, p + strlen(from), text + main_bytes);
	free(head);
	return out;
}

static void
test_set_vga_keeps_sections(void **state)
{
	struct root *r = corpus_root();
	struct pve_conf *c;
	char *text, *want, *cause = NULL;
	size_t len;
	const struct pve_section *s;

	(void)state;
	/* an existing key: only its value changes */
	assert_int_equal(
	    root_read(r, "/parse-config-input/snapshots.conf", &text, &len), 0);
	assert_int_equal(pve_conf_parse(text, len, 0, &c, &cause), 0);
	assert_string_equal(pve_conf_get(c, "vga"), "qxl");
	want = replaced(text, main_len(c), "\nvga: qxl\n", "\nvga: none\n");
	assert_int_equal(pve_conf_set(c, "vga", "none", &cause), 0);
	assert_text(c, want, strlen(want), "snapshots.conf");
	s = pve_conf_section(c, PVE_SECTION_SNAPSHOT, "machine_version_5_1");
	assert_non_null(s);
	assert_null(pve_section_get(s, "vga"));
	free(want);
	free(text);
	pve_conf_free(c);

	/* a new key: appended to the main section, before [PENDING] */
	assert_int_equal(
	    root_read(r, "/parse-config-input/sections.conf", &text, &len), 0);
	assert_int_equal(pve_conf_parse(text, len, 0, &c, &cause), 0);
	assert_int_equal(c->n_sections, 4);
	assert_int_equal(c->sections[1].kind, PVE_SECTION_PENDING);
	assert_int_equal(c->sections[2].kind, PVE_SECTION_SPECIAL);
	assert_string_equal(c->sections[2].name, "cloudinit");
	assert_int_equal(c->sections[3].kind, PVE_SECTION_SNAPSHOT);
	assert_string_equal(c->sections[3].name, "foo");
	assert_string_equal(pve_section_get(&c->sections[1], "bios"), "ovmf");
	assert_null(pve_conf_get(c, "bios"));
	want = replaced(text, main_len(c),
	    "vmgenid: 7079e97c-50e3-4079-afe7-23e67566b946\n\n",
	    "vmgenid: 7079e97c-50e3-4079-afe7-23e67566b946\nvga: none\n\n");
	assert_int_equal(pve_conf_set(c, "vga", "none", &cause), 0);
	assert_text(c, want, strlen(want), "sections.conf");
	free(want);
	free(text);
	pve_conf_free(c);
	root_free(r);
}

static void
test_unknown_sections(void **state)
{
	struct root *r = corpus_root();
	struct pve_conf *c;
	char *text, *cause = NULL;
	size_t len, i, unknown = 0;

	(void)state;
	assert_int_equal(
	    root_read(
		r, "/parse-config-input/unknown-sections.conf", &text, &len),
	    0);
	assert_int_equal(pve_conf_parse(text, len, 0, &c, &cause), 0);
	for (i = 0; i < c->n_sections; i++) {
		if (c->sections[i].kind == PVE_SECTION_UNKNOWN)
			unknown++;
	}
	assert_true(unknown >= 3);
	assert_non_null(
	    pve_conf_section(c, PVE_SECTION_UNKNOWN, "special:unknown123"));
	assert_non_null(pve_conf_section(c, PVE_SECTION_SPECIAL, "CloudInit"));
	pve_conf_free(c);
	free(text);
	root_free(r);
}

/* Parse strictly and check the round trip of a literal. */
static struct pve_conf *
parse_ok(const char *text, size_t len)
{
	struct pve_conf *c;
	char *cause = NULL;

	if (pve_conf_parse(text, len, 0, &c, &cause) != 0)
		fail_msg("refused: %s", cause);
	assert_text(c, text, len, "literal");
	return c;
}

/* Literals may hold NUL bytes: their size, not strlen, is their length. */
#define PARSE_OK(lit) parse_ok((lit), sizeof(lit) - 1)
#define ASSERT_TEXT(c, lit, what) \
	assert_text((c), (lit), sizeof(lit) - 1, (what))

static void
test_odd_input(void **state)
{
	static const char crlf[] = "name: a\r\nmemory:   512  \r\n\r\n"
				   "[PENDING]\r\nvga: none\r\n";
	static const char nul[] = "name: a\0b\n[s1]\nx: \0\n";
	struct pve_conf *c;
	char *cause = NULL;

	(void)state;
	c = parse_ok("", 0);
	assert_int_equal(c->n_sections, 1);
	assert_int_equal(pve_conf_set(c, "vga", "none", &cause), 0);
	ASSERT_TEXT(c, "vga: none\n", "empty");
	pve_conf_free(c);

	/* CRLF: values lose the \r, edits keep the file's terminators */
	c = parse_ok(crlf, sizeof crlf - 1);
	assert_string_equal(pve_conf_get(c, "memory"), "512");
	assert_int_equal(pve_conf_set(c, "memory", "1024", &cause), 0);
	assert_int_equal(pve_conf_set(c, "bios", "seabios", &cause), 0);
	ASSERT_TEXT(c,
	    "name: a\r\nmemory:   1024  \r\nbios: seabios\r\n\r\n"
	    "[PENDING]\r\nvga: none\r\n",
	    "crlf");
	pve_conf_free(c);

	/* no final newline: still none after an append or a delete */
	c = PARSE_OK("# desc\nname:x");
	assert_string_equal(pve_conf_get(c, "name"), "x");
	assert_int_equal(pve_conf_set(c, "vga", "none", &cause), 0);
	ASSERT_TEXT(c, "# desc\nname:x\nvga: none", "nonl set");
	assert_int_equal(pve_conf_delete(c, "vga"), 0);
	ASSERT_TEXT(c, "# desc\nname:x", "nonl delete");
	pve_conf_free(c);

	/* NUL bytes, white space lines, odd but valid spacing */
	c = parse_ok(nul, sizeof nul - 1);
	pve_conf_free(c);
	c = PARSE_OK(" \t\n\nname:\tfoo bar \n[s1]  \n");
	pve_conf_free(c);
	c = PARSE_OK("[snap]  \nname: a\n[Junk here]\n!!! anything\n[b]\n??\n");
	assert_int_equal(c->n_sections, 4);
	assert_int_equal(c->sections[1].kind, PVE_SECTION_SNAPSHOT);
	assert_int_equal(c->sections[2].kind, PVE_SECTION_UNKNOWN);
	assert_int_equal(c->sections[3].kind, PVE_SECTION_UNKNOWN);
	pve_conf_free(c);
	/* snapstate lines as Proxmox matches them (unanchored) */
	c = PARSE_OK("name: a\n[sn]\n xx snapstate: prepare \n");
	pve_conf_free(c);
}

static void
test_random_bytes_round_trip(void **state)
{
	static const char alphabet[] = "ab:[]# \t\r\n\nhostpci0=,;\x00\xff";
	unsigned seed = 12345;
	char buf[256];
	int round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		struct pve_conf *c = NULL;
		char *cause = NULL;
		size_t len, i;

		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % sizeof buf;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		(void)pve_conf_parse(buf, len, PVE_PARSE_LENIENT, &c, &cause);
		assert_non_null(c);
		assert_text(c, buf, len, "random");
		pve_conf_free(c);
		free(cause);
	}
}

static void
expect_refused(const char *text, const char *want_cause)
{
	struct pve_conf *c = NULL;
	char *cause = NULL;

	assert_int_equal(
	    pve_conf_parse(text, strlen(text), 0, &c, &cause), -EINVAL);
	assert_null(c);
	assert_non_null(cause);
	if (strstr(cause, want_cause) == NULL)
		fail_msg("cause '%s' lacks '%s'", cause, want_cause);
	free(cause);
}

static void
test_refuses_unparsable(void **state)
{
	struct pve_conf *c = NULL;
	char *cause = NULL;

	(void)state;
	expect_refused(
	    "name: a\nfoo bar\n", "line 2: unable to parse 'foo bar'");
	expect_refused("  memory: 512\n", "line 1");
	expect_refused("Memory: 512\n", "'Memory: 512'");
	expect_refused("memory:\n", "'memory:'");
	expect_refused("name: a\n\n[PENDING]\nnot a key\n", "line 4");
	expect_refused("<hostdev mode='subsystem'>\n", "line 1");
	expect_refused("[a]b]\n", "line 1");

	/* lenient: still parsed, edits refused */
	assert_int_equal(
	    pve_conf_parse("name: a\nfoo\n", 12, PVE_PARSE_LENIENT, &c, &cause),
	    -EINVAL);
	assert_non_null(c);
	free(cause);
	assert_int_equal(c->n_invalid, 1);
	assert_string_equal(pve_conf_get(c, "name"), "a");
	assert_int_equal(pve_conf_set(c, "vga", "none", &cause), -EINVAL);
	free(cause);
	assert_int_equal(pve_conf_delete(c, "name"), -EINVAL);
	pve_conf_free(c);
}

static void
test_set_and_delete(void **state)
{
	static const char in[] = "#note\nvga: std\nname: a\nvga: qxl\n\n"
				 "[PENDING]\nvga: cirrus\n\n[snap]\nvga: std\n";
	struct pve_conf *c;
	char *cause = NULL;

	(void)state;
	c = parse_ok(in, sizeof in - 1);
	/* the last occurrence is the one Proxmox uses */
	assert_string_equal(pve_conf_get(c, "vga"), "qxl");
	assert_int_equal(pve_conf_set(c, "vga", "none", &cause), 0);
	ASSERT_TEXT(c,
	    "#note\nname: a\nvga: none\n\n[PENDING]\nvga: cirrus\n\n"
	    "[snap]\nvga: std\n",
	    "set dup");
	assert_int_equal(pve_conf_delete(c, "vga"), 0);
	assert_null(pve_conf_get(c, "vga"));
	assert_string_equal(
	    pve_section_get(
		pve_conf_section(c, PVE_SECTION_PENDING, NULL), "vga"),
	    "cirrus");

	assert_int_equal(pve_conf_set(c, "Bad", "x", &cause), -EINVAL);
	assert_string_equal(cause, "invalid config key 'Bad'");
	free(cause);
	assert_int_equal(pve_conf_set(c, "description", "x", &cause), -EINVAL);
	free(cause);
	assert_int_equal(pve_conf_set(c, "name", "", &cause), -EINVAL);
	free(cause);
	assert_int_equal(pve_conf_set(c, "name", "a\nb: c", &cause), -EINVAL);
	free(cause);
	assert_int_equal(pve_conf_set(c, "name", " a", &cause), -EINVAL);
	free(cause);
	assert_true(pve_conf_key_valid("hostpci15"));
	assert_true(pve_conf_key_valid("sub-vendor_x"));
	assert_false(pve_conf_key_valid("9abc"));
	assert_false(pve_conf_key_valid("host pci"));
	assert_false(pve_conf_key_valid("a1b"));
	assert_false(pve_conf_key_valid(""));
	pve_conf_free(c);
}

static void
test_hostpci_parse(void **state)
{
	struct pve_hostpci h;
	char *cause = NULL, *s;

	(void)state;
	assert_int_equal(
	    pve_hostpci_parse("0000:00:02.0,legacy-igd=1", &h, &cause), 0);
	assert_int_equal(h.n_hosts, 1);
	assert_string_equal(h.hosts[0], "0000:00:02.0");
	assert_int_equal(h.legacy_igd, 1);
	assert_int_equal(h.rombar, -1);
	assert_int_equal(h.x_vga, -1);
	assert_true(pve_hostpci_covers(&h, "0000:00:02.0"));
	assert_false(pve_hostpci_covers(&h, "0000:00:03.0"));
	s = pve_hostpci_print(&h);
	assert_string_equal(s, "0000:00:02.0,legacy-igd=1");
	free(s);
	pve_hostpci_free(&h);

	assert_int_equal(pve_hostpci_parse("01:00;02:00.1,x-vga=on,pcie=yes,"
					   "rombar=0,romfile=vbios.bin",
			     &h, &cause),
	    0);
	assert_int_equal(h.n_hosts, 2);
	assert_int_equal(h.x_vga, 1);
	assert_int_equal(h.pcie, 1);
	assert_int_equal(h.rombar, 0);
	assert_string_equal(h.romfile, "vbios.bin");
	assert_true(pve_hostpci_covers(&h, "0000:01:00.3"));
	assert_true(pve_hostpci_covers(&h, "0000:02:00.1"));
	assert_false(pve_hostpci_covers(&h, "0000:02:00.0"));
	s = pve_hostpci_print(&h);
	assert_string_equal(
	    s, "01:00;02:00.1,pcie=1,rombar=0,romfile=vbios.bin,x-vga=1");
	free(s);
	pve_hostpci_free(&h);

	assert_int_equal(
	    pve_hostpci_parse("mapping=someGpu,mdev=some-model", &h, &cause),
	    0);
	assert_int_equal(h.n_hosts, 0);
	assert_string_equal(h.mapping, "someGpu");
	assert_string_equal(h.mdev, "some-model");
	pve_hostpci_free(&h);

	assert_int_equal(pve_hostpci_parse("host=00:02.0,mdev=i915-GVTg_V5_4,"
					   "vendor-id=0x8086,driver=keep",
			     &h, &cause),
	    0);
	assert_string_equal(h.vendor_id, "0x8086");
	assert_string_equal(h.driver, "keep");
	pve_hostpci_free(&h);
}

static void
hostpci_refused(const char *value, const char *want)
{
	struct pve_hostpci h;
	char *cause = NULL;

	assert_int_equal(pve_hostpci_parse(value, &h, &cause), -EINVAL);
	if (cause == NULL || strstr(cause, want) == NULL)
		fail_msg("'%s': cause '%s' lacks '%s'", value, cause, want);
	free(cause);
	assert_null(h.hosts);
}

static void
test_hostpci_refused(void **state)
{
	unsigned d, b, dv;
	int f;

	(void)state;
	hostpci_refused("", "names no 'host' or 'mapping'");
	hostpci_refused("pcie=1", "names no");
	hostpci_refused("00:02.0,mapping=gpu", "cannot set both");
	hostpci_refused("00:02.0,01:00.0", "duplicate key 'host'");
	hostpci_refused("00:02.0,pcie=1,pcie=0", "duplicate key 'pcie'");
	hostpci_refused("00:02.0,foo=1", "invalid key 'foo'");
	hostpci_refused("00:02.0,rombar=maybe", "invalid boolean 'maybe'");
	hostpci_refused("00:02.0,rombar=", "missing key or value");
	hostpci_refused("0000:00:1F.0", "invalid host pci id list");
	hostpci_refused("000:00:02.0", "invalid host pci id list");
	hostpci_refused("00:02.0;", "invalid host pci id list");
	hostpci_refused("00:2.0", "invalid host pci id list");
	hostpci_refused("00:02.0,vendor-id=8086", "invalid value '8086'");
	hostpci_refused("00:02.0,mdev=a.b", "invalid value 'a.b'");
	hostpci_refused("mapping=1x", "invalid value '1x'");

	assert_int_equal(pve_pci_id_parse("10000:ff:1f.7", &d, &b, &dv, &f), 0);
	assert_int_equal(d, 0x10000);
	assert_int_equal(b, 0xff);
	assert_int_equal(dv, 0x1f);
	assert_int_equal(f, 7);
	assert_int_equal(pve_pci_id_parse("f0:43", &d, &b, &dv, &f), 0);
	assert_int_equal(d, 0);
	assert_int_equal(f, -1);
	assert_int_equal(pve_pci_id_parse("f0:43.", &d, &b, &dv, &f), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_round_trip),
	    cmocka_unit_test(test_set_vga_keeps_sections),
	    cmocka_unit_test(test_unknown_sections),
	    cmocka_unit_test(test_odd_input),
	    cmocka_unit_test(test_random_bytes_round_trip),
	    cmocka_unit_test(test_refuses_unparsable),
	    cmocka_unit_test(test_set_and_delete),
	    cmocka_unit_test(test_hostpci_parse),
	    cmocka_unit_test(test_hostpci_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
