/*
 * answers.c: --answers FILE.yaml, the choices of an unattended run in one
 * file (doc/answers.md): the same as --device, --mode, --vm, --vfs and
 * --blacklist, plus the VM step's details and typed confirmations. Read
 * strictly with libyaml: an unknown key, a wrong type or a repeated key is
 * an error with its line and column, and nothing is planned.
 *
 *   devices: ["00:02.0", "00:03.0"]
 *   mode: legacy-igd
 *   vm: 100
 *   confirm: ["take 0000:01:00.1 from the host"]
 *
 * A confirmation is the exact phrase a refusal names for one device the
 * host needs (guard.h), the same as --confirm.
 */
#include "cli.h"
#include "vfio-wizard/pci_addr.h"
#include "vfio-wizard/step.h"
#include "../kb/kb_yaml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ANSWERS_MAX_SIZE (64 * 1024)

enum {
	A_DEVICES,
	A_MODE,
	A_VM,
	A_VFS,
	A_BLACKLIST,
	A_MDEV,
	A_ROMFILE,
	A_XVGA,
	A_CONFIRM,
	A__N
};
static const char *const answer_keys[A__N] = {
    "devices",
    "mode",
    "vm",
    "vfs",
    "blacklist",
    "mdev",
    "romfile",
    "x-vga",
    "confirm",
};
/* The choice each key becomes ("device" for each item of "devices"). */
static const char *const choice_keys[A__N] = {
    "device",
    "mode",
    "vm",
    "vfs",
    "blacklist",
    "mdev",
    "romfile",
    "x-vga",
    "confirm",
};

/*
 * One choice; a device address in its full form, as --device gives it, so
 * that the journal and status read the same whichever way it came.
 */
static void
add_choice(struct choices *c, const char *key, const char *v)
{
	char addr[PCI_ADDR_LEN];

	if (strcmp(key, "device") == 0 && pci_address_parse(v, addr) == 0)
		v = addr;
	choices_add(c, key, v);
}

/* A scalar, or a list of scalars (lists: devices, blacklist, confirm). */
static int
add_values(struct ky *y, yaml_node_t *n, size_t k, bool list, struct choices *c)
{
	char *v = NULL;
	size_t i;
	int r;

	if (!list) {
		r = ky_string(y, n, answer_keys[k], &v);
		if (r == 0)
			add_choice(c, choice_keys[k], v);
		free(v);
		return r;
	}
	if ((r = ky_sequence(y, n, answer_keys[k], true)) < 0)
		return r;
	for (i = 0; r == 0 && i < ky_len(n); i++) {
		r = ky_string(y, ky_item(y, n, i), answer_keys[k], &v);
		if (r == 0)
			add_choice(c, choice_keys[k], v);
	}
	free(v);
	return r;
}

static int
load_answers(struct ky *y, struct choices *c)
{
	yaml_node_t *root = yaml_document_get_root_node(&y->doc);
	yaml_node_t *v[A__N];
	size_t k;
	int r, n;

	if (root == NULL)
		return ky_fail(y, NULL, "empty document");
	r = ky_keys(y, root, "the answers", answer_keys, A__N, 0, v);
	for (k = 0; r == 0 && k < A__N; k++) {
		if (v[k] == NULL)
			continue;
		switch (k) {
		case A_VM:
			r = ky_int(y, v[k], "vm", 100, 999999999, &n);
			if (r == 0) {
				char *s = xasprintf("%d", n);

				choices_add(c, "vm", s);
				free(s);
			}
			break;
		case A_XVGA: {
			bool on;

			r = ky_bool(y, v[k], "x-vga", &on);
			if (r == 0 && on)
				choices_add(c, "x-vga", "1");
			break;
		}
		default:
			r = add_values(y, v[k], k,
			    k == A_DEVICES || k == A_BLACKLIST ||
				k == A_CONFIRM,
			    c);
			break;
		}
	}
	return r;
}

int
answers_load(const char *path, struct choices *c, char **cause)
{
	struct ky y = {.name = path};
	char *text = NULL;
	size_t len = 0;
	int r;

	r = ky_read_file(path, ANSWERS_MAX_SIZE, &text, &len);
	if (r < 0) {
		*cause = xasprintf(_("cannot read the answers file '%s': %s"),
		    path, strerror(-r));
		return r;
	}
	r = ky_parse(&y, text, len);
	if (r == 0) {
		r = load_answers(&y, c);
		yaml_document_delete(&y.doc);
	}
	free(text);
	if (r < 0) {
		*cause =
		    xasprintf(_("the answers file is not valid: %s"), y.cause);
		free(y.cause);
	}
	return r;
}
