/*
 * spec_emit_files.c: the files a report keeps verbatim (files:, symlinks:,
 * dirs:) and the Debian packages it lists (packages:). Only the fixed list
 * below is read: the boot loader's, the module loader's and sysfsutils'
 * configuration, the network and storage configuration the critical-device
 * guard follows, the OS release, and DKMS's state for SR-IOV. Each text
 * goes through the redaction; binary files are left out, kernel modules
 * kept as empty files.
 */
#include "spec_emit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Single files. */
static const char *const kept_files[] = {"/etc/default/grub",
    "/etc/kernel/cmdline", "/etc/kernel/proxmox-boot-uuids",
    "/etc/kernel/proxmox-boot-pin", "/etc/kernel/next-boot-pin", "/etc/modules",
    "/etc/sysfs.conf", "/etc/fstab", "/usr/lib/os-release", "/etc/os-release",
    "/etc/debian_version", "/etc/network/interfaces", "/etc/hosts",
    "/etc/pve/storage.cfg", "/proc/net/route", "/proc/net/ipv6_route",
    "/boot/grub/grub.cfg", NULL};

/* Directories kept whole (recursively). */
static const char *const kept_dirs[] = {"/etc/default/grub.d",
    "/etc/modprobe.d", "/lib/modprobe.d", "/usr/lib/modprobe.d",
    "/usr/local/lib/modprobe.d", "/run/modprobe.d", "/etc/modules-load.d",
    "/lib/modules-load.d", "/usr/lib/modules-load.d", "/run/modules-load.d",
    "/etc/sysfs.d", "/etc/network/interfaces.d", "/etc/lvm/backup",
    "/var/lib/dkms", "/boot/grub", NULL};

#define KEPT_MAX (256 * 1024)

struct kept {
	char **paths, **data; /* file: text; link: target, data NULL */
	bool *link;
	size_t n;
	char **dirs; /* empty directories */
	size_t n_dirs;
	char **seen; /* resolved paths already kept */
	size_t n_seen;
};

static void
kept_add(struct kept *k, const char *path, char *data, bool link)
{
	size_t n = k->n;

	ARRAY_PUSH(k->paths, n, xstrdup(path));
	n = k->n;
	ARRAY_PUSH(k->data, n, data);
	ARRAY_PUSH(k->link, k->n, link);
}

/* "../usr/lib/os-release": from the link at path to target, relative. */
static char *
relative(const char *path, const char *target)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/'))
		sb_adds(&sb, "../");
	sb_adds(&sb, target + 1);
	return sb_detach(&sb);
}

static bool
is_kept_file(const char *path)
{
	size_t i;

	for (i = 0; kept_files[i] != NULL; i++)
		if (strcmp(kept_files[i], path) == 0)
			return true;
	return false;
}

/* One file: a link to a kept file stays a link, others are read. */
static void
keep_file(struct emit *e, struct kept *k, const char *path)
{
	struct stat st;
	char *real = NULL, *text;
	size_t len;

	if (root_stat(e->r, path, &st, false) < 0 ||
	    root_resolve(e->r, path, &real) < 0)
		return;
	if (S_ISLNK(st.st_mode) && strcmp(real, path) != 0 &&
	    is_kept_file(real)) {
		kept_add(k, path, relative(path, real), true);
		free(real);
		return;
	}
	if (strv_has(k->seen, k->n_seen, real) ||
	    root_stat(e->r, path, &st, true) < 0 || !S_ISREG(st.st_mode)) {
		free(real);
		return;
	}
	ARRAY_PUSH(k->seen, k->n_seen, real);
	len = strlen(path);
	if (len > 3 && strcmp(path + len - 3, ".ko") == 0) {
		kept_add(k, path, xstrdup(""), false);
		return;
	}
	if (st.st_size > KEPT_MAX || root_read(e->r, path, &text, &len) < 0)
		return;
	if (memchr(text, '\0', len) == NULL)
		kept_add(k, path, em_redact_file(e, path, text), false);
	free(text);
}

/* A directory, recursively; an empty one becomes a dirs: entry. */
static void
keep_dir(struct emit *e, struct kept *k, const char *dir, int depth)
{
	char **ents = NULL, *path;
	size_t ne = 0, i;
	struct stat st;

	if (root_stat(e->r, dir, &st, true) < 0 || !S_ISDIR(st.st_mode) ||
	    root_listdir(e->r, dir, &ents, &ne) < 0)
		return;
	if (ne == 0)
		ARRAY_PUSH(k->dirs, k->n_dirs, xstrdup(dir));
	for (i = 0; i < ne; i++) {
		path = xasprintf("%s/%s", dir, ents[i]);
		if (root_stat(e->r, path, &st, false) == 0 &&
		    S_ISDIR(st.st_mode)) {
			if (depth < 8)
				keep_dir(e, k, path, depth + 1);
		} else if (strcmp(path, "/etc/modules-load.d/modules.conf") ==
			       0 &&
			   S_ISLNK(st.st_mode)) {
			/* Debian's link to /etc/modules; replay makes it */
		} else if (S_ISLNK(st.st_mode) &&
			   str_startswith(dir, "/var/lib/dkms")) {
			char *t = NULL;

			/* DKMS's own links (source -> /usr/src/...) */
			if (root_readlink(e->r, path, &t) == 0)
				kept_add(k, path,
				    t[0] == '/' ? relative(path, t)
						: xstrdup(t),
				    true);
			free(t);
		} else
			keep_file(e, k, path);
		free(path);
	}
	strv_free(ents, ne);
}

/* /usr/src/<module>-<version>/dkms.conf of the DKMS modules. */
static void
keep_dkms_src(struct emit *e, struct kept *k)
{
	char **ents = NULL, *path;
	size_t ne = 0, i;

	if (root_listdir(e->r, "/usr/src", &ents, &ne) < 0)
		return;
	for (i = 0; i < ne; i++) {
		path = xasprintf("/usr/src/%s/dkms.conf", ents[i]);
		if (root_exists(e->r, path))
			keep_file(e, k, path);
		free(path);
	}
	strv_free(ents, ne);
}

void
emit_files(struct emit *e)
{
	struct kept k;
	size_t i;
	int pass;
	bool any;

	memset(&k, 0, sizeof k);
	for (i = 0; kept_files[i] != NULL; i++)
		keep_file(e, &k, kept_files[i]);
	for (i = 0; kept_dirs[i] != NULL; i++)
		keep_dir(e, &k, kept_dirs[i], 0);
	keep_dkms_src(e, &k);
	for (pass = 0; pass < 2; pass++) {
		any = false;
		for (i = 0; i < k.n; i++) {
			if (k.link[i] != (pass == 1))
				continue;
			if (!any) {
				em_key(e, pass == 0 ? "files" : "symlinks");
				em_map(e, false);
				any = true;
			}
			em_key(e, k.paths[i]);
			if (pass == 0)
				em_text(e, k.data[i]);
			else
				em_str(e, k.data[i]);
		}
		if (any)
			em_end_map(e);
	}
	if (k.n_dirs > 0) {
		em_key(e, "dirs");
		em_seq(e, false);
		for (i = 0; i < k.n_dirs; i++)
			em_str(e, k.dirs[i]);
		em_end_seq(e);
	}
	strv_free(k.paths, k.n);
	strv_free(k.data, k.n);
	free(k.link);
	strv_free(k.dirs, k.n_dirs);
	strv_free(k.seen, k.n_seen);
}

/* The packages the steps look for: sysfsutils and DKMS modules. */
static bool
package_kept(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "sysfsutils") == 0 || strcmp(name, "dkms") == 0 ||
	       (n > 5 && strcmp(name + n - 5, "-dkms") == 0);
}

/* The value of "Field: value" in one dpkg status paragraph, or NULL. */
static char *
para_field(const char *p, const char *end, const char *field)
{
	size_t fl = strlen(field);

	while (p < end) {
		const char *eol = strchrnul(p, '\n');

		if (strncmp(p, field, fl) == 0 && p[fl] == ':')
			return xstrndup(p + fl + 2 > eol ? eol : p + fl + 2,
			    (size_t)(eol -
				     (p + fl + 2 > eol ? eol : p + fl + 2)));
		p = eol + 1;
	}
	return NULL;
}

void
emit_packages(struct emit *e)
{
	char *text, *p, *end, *name, *status, *ver;
	size_t len;
	bool any = false;

	if (root_read(e->r, "/var/lib/dpkg/status", &text, &len) < 0)
		return;
	for (p = text; *p != '\0'; p = *end != '\0' ? end + 2 : end) {
		end = strstr(p, "\n\n");
		if (end == NULL)
			end = p + strlen(p);
		name = para_field(p, end, "Package");
		status = para_field(p, end, "Status");
		ver = para_field(p, end, "Version");
		if (name != NULL && package_kept(name) && status != NULL &&
		    strcmp(status, "install ok installed") == 0 &&
		    ver != NULL) {
			if (!any) {
				em_key(e, "packages");
				em_map(e, false);
				any = true;
			}
			em_kstr(e, name, ver);
		}
		free(name);
		free(status);
		free(ver);
		if (*end == '\0')
			break;
	}
	if (any)
		em_end_map(e);
	free(text);
}
