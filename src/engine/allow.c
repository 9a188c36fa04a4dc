/*
 * allow.c: the allow-list of the files vfio-wizard may write (allow.h).
 *
 * The path is matched twice: as given, and after every symlink in it has
 * been resolved inside the root (a component walk over root_stat and
 * root_readlink, ".." clamped at the root). Only when both fall under the
 * same entry of the list is it allowed, so a planted link cannot carry a
 * write elsewhere, not even to another listed file.
 */
#include "vfio-wizard/allow.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Whole files, and directories whose direct entries may be written. Of
 * /etc/sysfs.d (sysfsutils: SR-IOV VFs at boot) only our own file.
 */
static const char *const allow_files[] = {
    "/etc/default/grub",
    "/etc/kernel/cmdline",
    "/etc/modules",
    "/etc/sysfs.d/vfio-wizard.conf",
};
static const char *const allow_dirs[] = {
    "/etc/default/grub.d",
    "/etc/modules-load.d",
    "/etc/modprobe.d",
};
#define ALLOW_STATE_DIR "/var/lib/vfio-wizard"

/* A file name a write may create: not empty, ".", ".." or hidden. */
static bool
plain_name(const char *s, size_t len)
{
	return len > 0 && s[0] != '.' && memchr(s, '/', len) == NULL;
}

/* "<digits>.conf", the name of a VM config. */
static bool
vm_conf_name(const char *s)
{
	size_t d = strspn(s, "0123456789");

	return d > 0 && strcmp(s + d, ".conf") == 0;
}

/* path is "<dir>/<plain name>". */
static bool
entry_of(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	const char *rest = path + n;

	return strncmp(path, dir, n) == 0 && rest[0] == '/' &&
	       plain_name(rest + 1, strlen(rest + 1));
}

/* /etc/pve/nodes/<node>/qemu-server/<vmid>.conf */
static bool
node_vm_conf(const char *path)
{
	const char *node, *slash;

	if (!str_startswith(path, "/etc/pve/nodes/"))
		return false;
	node = path + strlen("/etc/pve/nodes/");
	slash = strchr(node, '/');
	if (slash == NULL || !plain_name(node, (size_t)(slash - node)))
		return false;
	if (!str_startswith(slash, "/qemu-server/"))
		return false;
	return vm_conf_name(slash + strlen("/qemu-server/"));
}

/*
 * Which entry of the list a normalised path falls under: 1 + its index
 * among the files, then the directories, then the state directory and the
 * VM configs; 0 when none. given: the path as the caller wrote it, where
 * /etc/pve/qemu-server/ counts as the VM configs it leads to.
 */
enum { IN_STATE = nitems(allow_files) + nitems(allow_dirs) + 1, IN_VMCONF };

static int
listed(const char *path, bool given)
{
	size_t i;

	for (i = 0; i < nitems(allow_files); i++) {
		if (strcmp(path, allow_files[i]) == 0)
			return (int)i + 1;
	}
	for (i = 0; i < nitems(allow_dirs); i++) {
		if (entry_of(path, allow_dirs[i]))
			return (int)(nitems(allow_files) + i) + 1;
	}
	if (str_startswith(path, ALLOW_STATE_DIR "/") &&
	    path[strlen(ALLOW_STATE_DIR "/")] != '\0')
		return IN_STATE;
	if (node_vm_conf(path))
		return IN_VMCONF;
	/* only as given: on Proxmox it resolves into nodes/<node>/ */
	if (given && str_startswith(path, "/etc/pve/qemu-server/") &&
	    vm_conf_name(path + strlen("/etc/pve/qemu-server/")))
		return IN_VMCONF;
	return 0;
}

/* Absolute, no empty, "." or ".." component, no trailing slash. */
static bool
normal_path(const char *path)
{
	const char *c = path;

	if (path[0] != '/' || path[1] == '\0')
		return false;
	while (*c == '/') {
		size_t len = strcspn(c + 1, "/");

		if (len == 0 || (len == 1 && c[1] == '.') ||
		    (len == 2 && c[1] == '.' && c[2] == '.'))
			return false;
		c += 1 + len;
	}
	return *c == '\0';
}

int
allow_resolve(
    const struct root *r, const char *path, char **resolved, char **cause)
{
	char *real;
	int err, kind;

	if (cause != NULL)
		*cause = NULL;
	if (resolved != NULL)
		*resolved = NULL;
	if (!normal_path(path)) {
		if (cause != NULL)
			*cause = xasprintf(
			    "'%s' is not a plain absolute path", path);
		return -EPERM;
	}
	kind = listed(path, true);
	if (kind == 0) {
		if (cause != NULL)
			*cause = xasprintf(
			    "'%s' is not a file vfio-wizard may write", path);
		return -EPERM;
	}
	err = root_resolve(r, path, &real);
	if (err < 0) {
		if (cause != NULL)
			*cause = xasprintf(
			    "cannot resolve '%s': %s", path, strerror(-err));
		return err;
	}
	if (listed(real, false) != kind) {
		if (cause != NULL)
			*cause = xasprintf("'%s' leads to '%s', which is not a "
					   "file vfio-wizard may write",
			    path, real);
		free(real);
		return -EPERM;
	}
	if (resolved != NULL)
		*resolved = real;
	else
		free(real);
	return 0;
}

int
allow_check(const struct root *r, const char *path, char **cause)
{
	return allow_resolve(r, path, NULL, cause);
}
