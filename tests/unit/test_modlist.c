/*
 * test_modlist.c: the module list codec (/etc/modules, modules-load.d)
 * prints back every input byte for byte, reads names as
 * systemd-modules-load does, and edits only the lines it must.
 */
#include "vfio-wizard/modlist.h"
#include "vfio-wizard/strbuf.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Parse text, check print(parse(text)) == text; returns the list. */
static struct modlist *
parse_ok(const char *text, size_t len)
{
	struct modlist *ml = NULL;
	char *cause = NULL, *back;
	size_t blen;

	assert_int_equal(modlist_parse(text, len, &ml, &cause), 0);
	assert_null(cause);
	back = modlist_text(ml, &blen);
	assert_int_equal(blen, len);
	assert_memory_equal(back, text, len);
	free(back);
	return ml;
}

static void
roundtrip(const char *text)
{
	modlist_free(parse_ok(text, strlen(text)));
}

static void
test_roundtrip(void **state)
{
	static const char *const inputs[] = {
	    "",
	    "\n",
	    "\n\n\n",
	    "vfio",
	    "vfio\n",
	    "vfio\r\n",
	    "vfio\r\nvfio_pci",
	    "  vfio  \n\tvfio_pci\t\n",
	    "# comment\n; comment\n   # indented\n",
	    "#",
	    ";",
	    "vfio-pci ids=8086:0412\n",
	    "loop max_loop=8   \n",
	    "a b c d\n\n\n  \t \nz",
	    "\xc3\xa9t\xc3\xa9\n",
	    "\xff\xfe\x01\x02\n",
	    "\x0b\x0c\n",
	    "vfio # trailing comment\n",
	    "very_long_name_very_long_name_very_long_name_very_long_name_x\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(inputs); i++)
		roundtrip(inputs[i]);
}

/* Every byte value but NUL and a lone CR, in one file, round trips. */
static void
test_roundtrip_all_bytes(void **state)
{
	char buf[512];
	size_t n = 0;
	int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		if (c == '\r')
			continue;
		buf[n++] = (char)c;
		if (c % 7 == 0)
			buf[n++] = '\n';
	}
	modlist_free(parse_ok(buf, n));
}

static void
refused(const char *text, size_t len, const char *msg)
{
	struct modlist *ml = NULL;
	char *cause = NULL;

	assert_int_equal(modlist_parse(text, len, &ml, &cause), -EINVAL);
	assert_null(ml);
	assert_non_null(cause);
	assert_string_equal(cause, msg);
	free(cause);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("vfio\n\0x\n", 8, "line 2: NUL byte");
	refused(
	    "vfio\rvfio_pci\n", 14, "line 1: carriage return inside the line");
	refused("a\nb\r", 4, "line 2: carriage return inside the line");
	refused("a\r\r\n", 4, "line 1: carriage return inside the line");
}

static void
test_kinds(void **state)
{
	const char *text =
	    "# c\n\n  ; c\nvfio-pci ids=1 \n\tkvmgt\r\nbad.name\n";
	struct modlist *ml = parse_ok(text, strlen(text));

	(void)state;
	assert_int_equal(ml->n_lines, 6);
	assert_int_equal(ml->lines[0].kind, MODLIST_COMMENT);
	assert_int_equal(ml->lines[1].kind, MODLIST_BLANK);
	assert_int_equal(ml->lines[2].kind, MODLIST_COMMENT);
	assert_int_equal(ml->lines[3].kind, MODLIST_MODULE);
	assert_string_equal(ml->lines[3].name, "vfio_pci");
	assert_string_equal(ml->lines[3].params, "ids=1");
	assert_true(ml->lines[3].valid);
	assert_string_equal(ml->lines[4].name, "kvmgt");
	assert_null(ml->lines[4].params);
	assert_string_equal(ml->lines[5].name, "bad.name");
	assert_false(ml->lines[5].valid);
	assert_false(modlist_contains(ml, "vfio_pci"));
	assert_int_equal(modlist_params_line(ml, "vfio-pci"), 4);
	assert_true(modlist_contains(ml, "kvmgt"));
	modlist_free(ml);
}

/* The Proxmox VE admin guide's /etc/modules example. */
static void
test_pve_docs_example(void **state)
{
	const char *text = "vfio\nvfio_iommu_type1\nvfio_pci\n";
	struct modlist *ml = parse_ok(text, strlen(text));
	char **names = NULL;
	size_t n;

	(void)state;
	n = modlist_names(ml, &names);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "vfio");
	assert_string_equal(names[1], "vfio_iommu_type1");
	assert_string_equal(names[2], "vfio_pci");
	strv_free(names, n);
	assert_true(modlist_contains(ml, "vfio-pci"));
	assert_true(modlist_contains(ml, "vfio_iommu_type1"));
	assert_false(modlist_contains(ml, "vfio_virqfd"));
	assert_false(modlist_contains(ml, "vfio_pc"));
	assert_false(modlist_contains(ml, "vfio_pci_x"));
	modlist_free(ml);
}

static void
test_names_unique(void **state)
{
	const char *text = "a\nb-c\nb_c\na\nd x\n";
	struct modlist *ml = parse_ok(text, strlen(text));
	char **names = NULL;
	size_t n;

	(void)state;
	n = modlist_names(ml, &names);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b_c");
	strv_free(names, n);
	modlist_free(ml);
}

/* Apply add() and compare the text. */
static void
added(const char *in, const char *name, const char *want)
{
	struct modlist *ml = parse_ok(in, strlen(in));
	char *cause = NULL, *out;

	assert_int_equal(modlist_add(ml, name, &cause), 0);
	assert_null(cause);
	out = modlist_text(ml, NULL);
	assert_string_equal(out, want);
	assert_true(modlist_contains(ml, name));
	free(out);
	modlist_free(ml);
}

static void
test_add(void **state)
{
	(void)state;
	added("", "vfio", "vfio\n");
	added("# x\n", "vfio", "# x\nvfio\n");
	added("# x", "vfio", "# x\nvfio\n");
	added("a\r\nb\r\n", "vfio", "a\r\nb\r\nvfio\r\n");
	added("a\r\nb", "vfio", "a\r\nb\r\nvfio\r\n");
	added("a\nb\r\n", "vfio", "a\nb\r\nvfio\n");
	added("vfio\n", "vfio", "vfio\n");
	added("vfio", "vfio", "vfio");
	added("  vfio-pci  \n", "vfio_pci", "  vfio-pci  \n");
	added("vfio-pci ids=1\n", "vfio-pci", "vfio-pci ids=1\nvfio-pci\n");
	added("\n\n", "kvmgt", "\n\nkvmgt\n");
}

static void
test_add_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    "a b",
	    "a\nb",
	    "a/b",
	    "$(reboot)",
	    "`x`",
	    "a;b",
	    "a.b",
	    "#a",
	    "0123456789012345678901234567890123456789012345678901234567",
	};
	struct modlist *ml = parse_ok("vfio\n", 5);
	char *cause = NULL, *out;
	size_t i;

	(void)state;
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(modlist_add(ml, bad[i], &cause), -EINVAL);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "not a valid module name"));
		free(cause);
		cause = NULL;
	}
	out = modlist_text(ml, NULL);
	assert_string_equal(out, "vfio\n");
	free(out);
	assert_true(modlist_name_valid(
	    "0123456789012345678901234567890123456789012345678901234"));
	modlist_free(ml);
}

static void
removed(const char *in, const char *name, const char *want)
{
	struct modlist *ml = parse_ok(in, strlen(in));
	char *cause = NULL, *out;

	assert_int_equal(modlist_remove(ml, name, &cause), 0);
	assert_null(cause);
	out = modlist_text(ml, NULL);
	assert_string_equal(out, want);
	assert_false(modlist_contains(ml, name));
	free(out);
	modlist_free(ml);
}

static void
test_remove(void **state)
{
	struct modlist *ml;
	char *cause = NULL, *out;

	(void)state;
	removed(
	    "vfio\nvfio_virqfd\nvfio_pci\n", "vfio_virqfd", "vfio\nvfio_pci\n");
	removed("vfio\r\n vfio-virqfd \r\n# vfio_virqfd\r\n", "vfio_virqfd",
	    "vfio\r\n# vfio_virqfd\r\n");
	removed("a\nvfio_virqfd", "vfio_virqfd", "a\n");
	removed("x\nvfio\nvfio\n", "vfio", "x\n");

	ml = parse_ok("vfio\n", 5);
	assert_int_equal(modlist_remove(ml, "kvmgt", &cause), -ENOENT);
	assert_null(cause);
	modlist_free(ml);

	ml = parse_ok("vfio_pci\nvfio-pci ids=8086:0412\n", 32);
	assert_int_equal(modlist_remove(ml, "vfio_pci", &cause), -EINVAL);
	assert_string_equal(cause, "'vfio_pci' has parameters on line 2 "
				   "('ids=8086:0412'): remove or move them "
				   "by hand");
	free(cause);
	out = modlist_text(ml, NULL);
	assert_string_equal(out, "vfio_pci\nvfio-pci ids=8086:0412\n");
	free(out);
	modlist_free(ml);
}

/* Round trip a file's text, and an add/remove pair that restores it. */
static void
check_file(const char *text, size_t len)
{
	struct modlist *ml = parse_ok(text, len);
	char *cause = NULL, *out;
	size_t olen;

	if (!modlist_contains(ml, "vw_test_mod") &&
	    modlist_params_line(ml, "vw_test_mod") == 0 && len > 0 &&
	    text[len - 1] == '\n') {
		assert_int_equal(modlist_add(ml, "vw_test_mod", &cause), 0);
		assert_int_equal(modlist_remove(ml, "vw_test_mod", &cause), 0);
		out = modlist_text(ml, &olen);
		assert_int_equal(olen, len);
		assert_memory_equal(out, text, len);
		free(out);
	}
	modlist_free(ml);
}

/* Walk a host spec's files: map and check every module list in it. */
static int
check_spec(const char *path)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root, *k, *v, *files = NULL;
	yaml_node_pair_t *pair;
	FILE *f = fopen(path, "rb");
	int n = 0;

	assert_non_null(f);
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_file(&p, f);
	assert_true(yaml_parser_load(&p, &doc));
	root = yaml_document_get_root_node(&doc);
	assert_non_null(root);
	for (pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&doc, pair->key);
		if (strcmp((char *)k->data.scalar.value, "files") == 0)
			files = yaml_document_get_node(&doc, pair->value);
	}
	if (files != NULL && files->type == YAML_MAPPING_NODE) {
		for (pair = files->data.mapping.pairs.start;
		     pair < files->data.mapping.pairs.top; pair++) {
			const char *name;

			k = yaml_document_get_node(&doc, pair->key);
			v = yaml_document_get_node(&doc, pair->value);
			name = (const char *)k->data.scalar.value;
			if (v->type != YAML_SCALAR_NODE ||
			    (strcmp(name, "/etc/modules") != 0 &&
				!str_startswith(name, "/etc/modules-load.d/")))
				continue;
			check_file((const char *)v->data.scalar.value,
			    v->data.scalar.length);
			n++;
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	fclose(f);
	return n;
}

static void
test_fixture_hosts(void **state)
{
	char *dir = xasprintf("%s/tests/hosts", fx_srcdir());
	DIR *d = opendir(dir);
	struct dirent *de;
	int files = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char *p;

		if (l < 5 || strcmp(de->d_name + l - 5, ".yaml") != 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		files += check_spec(p);
		free(p);
	}
	closedir(d);
	free(dir);
	assert_true(files >= 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_roundtrip_all_bytes),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_pve_docs_example),
	    cmocka_unit_test(test_names_unique),
	    cmocka_unit_test(test_add),
	    cmocka_unit_test(test_add_invalid),
	    cmocka_unit_test(test_remove),
	    cmocka_unit_test(test_fixture_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
