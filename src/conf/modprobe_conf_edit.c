/*
 * modprobe_conf_edit.c: the modprobe.d codec's edits and the checks of what
 * it writes: module names, option text, vfio-pci ids (see modprobe_conf.h).
 */
#include "vfio-wizard/modprobe_conf.h"
#include "vfio-wizard/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool
modprobe_module_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= 'A' && name[i] <= 'Z') &&
		    !(name[i] >= '0' && name[i] <= '9') && name[i] != '_' &&
		    name[i] != '-')
			return false;
	return i > 0 && i <= 55;
}

int
modprobe_params_check(const char *params, char **cause)
{
	size_t i;

	if (params[0] == '\0' || params[0] == ' ') {
		*cause = xasprintf("option text '%s' is empty or starts with a "
				   "space",
		    params);
		return -EINVAL;
	}
	for (i = 0; params[i] != '\0'; i++) {
		unsigned char c = (unsigned char)params[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\'' ||
		    c == '\\' || c == '#' || c == '`' || c == '$' ||
		    (c == ' ' &&
			(params[i + 1] == ' ' || params[i + 1] == '\0'))) {
			*cause = xasprintf("option text '%s' has a character "
					   "that cannot be written safely "
					   "at offset %zu",
			    params, i);
			return -EINVAL;
		}
	}
	return 0;
}

static bool hexn(const char *s, size_t n, size_t max);

/* Check a module name for writing; fills *cause. */
static int
name_check(const char *name, char **cause)
{
	if (modprobe_module_name_valid(name))
		return 0;
	*cause = xasprintf("invalid module name '%s'", name);
	return -EINVAL;
}

/*
 * Refuse edits of a file that ends inside a line continuation: anything
 * appended would be joined to its last line.
 */
static int
editable(const struct modprobe_conf *mc, char **cause)
{
	if (mc->n_lines > 0 && mc->lines[mc->n_lines - 1].open) {
		*cause = xstrdup("the file ends with a line continuation");
		return -EINVAL;
	}
	return 0;
}

/* Number the lines again from their physical line counts. */
static void
renumber(struct modprobe_conf *mc)
{
	unsigned lineno = 1;
	size_t i;

	for (i = 0; i < mc->n_lines; i++) {
		mc->lines[i].lineno = lineno;
		lineno += mc->lines[i].n_phys;
	}
}

/* Build a parsed line from one line of text (no newline) plus newline. */
static struct modprobe_line
make_line(const char *text, bool newline)
{
	char *s = xasprintf("%s%s", text, newline ? "\n" : "");
	struct modprobe_conf *one = modprobe_conf_parse(s, strlen(s));
	struct modprobe_line l = one->lines[0];

	free(one->lines);
	free(one);
	free(s);
	return l;
}

/* Delete line i. */
static void
delete_line(struct modprobe_conf *mc, size_t i)
{
	modprobe_line_clear(&mc->lines[i]);
	memmove(&mc->lines[i], &mc->lines[i + 1],
	    (mc->n_lines - i - 1) * sizeof *mc->lines);
	mc->n_lines--;
}

/* Append a directive, ending an unterminated last line first. */
static void
append_line(struct modprobe_conf *mc, const char *text)
{
	struct modprobe_line l;

	if (mc->n_lines > 0) {
		struct modprobe_line *last = &mc->lines[mc->n_lines - 1];

		if (last->len > 0 && last->raw[last->len - 1] != '\n') {
			last->raw = xreallocarray(last->raw, last->len + 2, 1);
			last->raw[last->len++] = '\n';
			last->raw[last->len] = '\0';
		}
	}
	l = make_line(text, true);
	ARRAY_PUSH(mc->lines, mc->n_lines, l);
}

/*
 * Put text as the only line of kind for module: the first is replaced in
 * place (its newline kept or not), the later ones deleted; else appended.
 */
static void
put_directive(struct modprobe_conf *mc, enum modprobe_kind kind,
    const char *module, const char *text)
{
	struct modprobe_line n;
	size_t i;
	bool done = false;

	for (i = 0; i < mc->n_lines;) {
		struct modprobe_line *l = &mc->lines[i];

		if (l->kind != kind || !modprobe_name_eq(l->module, module)) {
			i++;
			continue;
		}
		if (done) {
			delete_line(mc, i);
			continue;
		}
		n = make_line(text, l->len > 0 && l->raw[l->len - 1] == '\n');
		modprobe_line_clear(l);
		*l = n;
		done = true;
		i++;
	}
	if (!done)
		append_line(mc, text);
	renumber(mc);
}

int
modprobe_conf_set_options(struct modprobe_conf *mc, const char *module,
    const char *params, char **cause)
{
	char *text;
	int r;

	if ((r = name_check(module, cause)) < 0 ||
	    (r = modprobe_params_check(params, cause)) < 0 ||
	    (r = editable(mc, cause)) < 0)
		return r;
	text = xasprintf("options %s %s", module, params);
	put_directive(mc, MODPROBE_OPTIONS, module, text);
	free(text);
	return 0;
}

/* The fixed parts of the driver_override install command for vfio-pci. */
#define OVR_ECHO "echo vfio-pci > /sys/bus/pci/devices/"
#define OVR_FILE "/driver_override; "
#define OVR_LOAD "/sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS"

/* True for exactly "dddd:bb:dd.f" in lowercase hex (device <= 1f). */
static bool
override_addr_ok(const char *s, size_t n)
{
	if (n != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return false;
	if (!hexn(s, 4, 4) || !hexn(s + 5, 2, 2) || !hexn(s + 8, 2, 2) ||
	    s[11] < '0' || s[11] > '7' || strcspn(s, "ABCDEF") < n)
		return false;
	return s[8] <= '1';
}

int
modprobe_conf_set_vfio_override(
    struct modprobe_conf *mc, const char *const *addrs, size_t n, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int r;

	if ((r = editable(mc, cause)) < 0)
		return r;
	if (n == 0) {
		*cause = xstrdup("a driver_override binding without devices");
		return -EINVAL;
	}
	sb_adds(&sb, "install vfio-pci ");
	for (i = 0; i < n; i++) {
		if (!override_addr_ok(addrs[i], strlen(addrs[i]))) {
			*cause = xasprintf("'%s' is not a full PCI address "
					   "(0000:00:02.0)",
			    addrs[i]);
			sb_release(&sb);
			return -EINVAL;
		}
		sb_addf(&sb, OVR_ECHO "%s" OVR_FILE, addrs[i]);
	}
	sb_adds(&sb, OVR_LOAD);
	put_directive(mc, MODPROBE_INSTALL, "vfio-pci", sb_str(&sb));
	sb_release(&sb);
	return 0;
}

int
modprobe_vfio_override_parse(const char *command, char ***addrs, size_t *n)
{
	const char *p = command;
	char **out = NULL;
	size_t k = 0;

	*addrs = NULL;
	*n = 0;
	while (strncmp(p, OVR_ECHO, strlen(OVR_ECHO)) == 0) {
		const char *a = p + strlen(OVR_ECHO);
		size_t len = strcspn(a, "/");

		if (!override_addr_ok(a, len) ||
		    strncmp(a + len, OVR_FILE, strlen(OVR_FILE)) != 0) {
			strv_free(out, k);
			return -EINVAL;
		}
		ARRAY_PUSH(out, k, xstrndup(a, len));
		p = a + len + strlen(OVR_FILE);
	}
	if (k == 0 || strcmp(p, OVR_LOAD) != 0) {
		strv_free(out, k);
		return -EINVAL;
	}
	*addrs = out;
	*n = k;
	return 0;
}

/* Add " <tag> a b c" for a list of module names to sb. */
static int
add_list(struct strbuf *sb, const char *tag, const char *const *mods, size_t n,
    char **cause)
{
	size_t i;
	int r;

	if (n == 0)
		return 0;
	sb_addf(sb, " %s", tag);
	for (i = 0; i < n; i++) {
		if ((r = name_check(mods[i], cause)) < 0)
			return r;
		sb_addf(sb, " %s", mods[i]);
	}
	return 0;
}

int
modprobe_conf_set_softdep(struct modprobe_conf *mc, const char *module,
    const char *const *pre, size_t n_pre, const char *const *post,
    size_t n_post, char **cause)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if ((r = name_check(module, cause)) < 0 ||
	    (r = editable(mc, cause)) < 0)
		return r;
	if (n_pre == 0 && n_post == 0) {
		*cause = xasprintf("softdep of '%s' without modules", module);
		return -EINVAL;
	}
	sb_addf(&sb, "softdep %s", module);
	if ((r = add_list(&sb, "pre:", pre, n_pre, cause)) < 0 ||
	    (r = add_list(&sb, "post:", post, n_post, cause)) < 0) {
		sb_release(&sb);
		return r;
	}
	put_directive(mc, MODPROBE_SOFTDEP, module, sb_str(&sb));
	sb_release(&sb);
	return 0;
}

int
modprobe_conf_add_blacklist(
    struct modprobe_conf *mc, const char *module, char **cause)
{
	char *text;
	int r;

	if ((r = name_check(module, cause)) < 0 ||
	    (r = editable(mc, cause)) < 0)
		return r;
	if (modprobe_conf_blacklisted(mc, module) != NULL)
		return 0;
	text = xasprintf("blacklist %s", module);
	append_line(mc, text);
	free(text);
	renumber(mc);
	return 0;
}

int
modprobe_conf_remove(
    struct modprobe_conf *mc, enum modprobe_kind kind, const char *module)
{
	size_t i, n = 0;

	switch (kind) {
	case MODPROBE_ALIAS:
	case MODPROBE_OPTIONS:
	case MODPROBE_INSTALL:
	case MODPROBE_REMOVE:
	case MODPROBE_BLACKLIST:
	case MODPROBE_SOFTDEP:
	case MODPROBE_WEAKDEP:
		break;
	default:
		return -EINVAL;
	}
	for (i = 0; i < mc->n_lines;) {
		struct modprobe_line *l = &mc->lines[i];

		if (l->kind == kind && modprobe_name_eq(l->module, module)) {
			delete_line(mc, i);
			n++;
		} else {
			i++;
		}
	}
	renumber(mc);
	return n > 0 ? 0 : -ENOENT;
}

/* True when s[0..n) is 1..max hex digits. */
static bool
hexn(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f') ||
			(s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* Check one vendor:device[...] entry of n bytes. */
static bool
vfio_id_ok(const char *s, size_t n)
{
	size_t field = 0, start = 0, i;

	for (i = 0; i <= n; i++) {
		size_t flen;

		if (i < n && s[i] != ':')
			continue;
		flen = i - start;
		if (field < 2 && !hexn(s + start, flen, 4))
			return false;
		if ((field == 2 || field == 3) && !hexn(s + start, flen, 4) &&
		    !(flen == 8 && (strncmp(s + start, "ffffffff", 8) == 0 ||
				       strncmp(s + start, "FFFFFFFF", 8) == 0)))
			return false;
		if (field >= 4 && !hexn(s + start, flen, 6))
			return false;
		field++;
		start = i + 1;
	}
	return field >= 2 && field <= 6;
}

int
modprobe_vfio_ids_check(const char *value, char **cause)
{
	const char *p = value;

	if (*value == '\0') {
		*cause = xstrdup("empty vfio-pci id list");
		return -EINVAL;
	}
	for (;;) {
		size_t n = strcspn(p, ",");

		if (!vfio_id_ok(p, n)) {
			*cause = xasprintf("invalid vfio-pci id '%.*s' (want "
					   "vendor:device in hex)",
			    (int)n, p);
			return -EINVAL;
		}
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}
