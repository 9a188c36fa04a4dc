/*
 * kernel.c: the kernel probe. The running release, its command line and
 * boot id from /proc, the installed kernels (/lib/modules/<release>, newest
 * last) with the IOMMU and VFIO choices their /boot/config-<release> made,
 * and the modules loaded now (/proc/modules).
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The config options the checks need, in the order of their fields. */
static const char *const config_keys[] = {
    "CONFIG_INTEL_IOMMU_DEFAULT_ON",
    "CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF",
    "CONFIG_VFIO_PCI_VGA",
};

static enum tri *
config_field(struct installed_kernel *k, size_t i)
{
	switch (i) {
	case 0:
		return &k->intel_iommu_default_on;
	case 1:
		return &k->intel_iommu_intgpu_off;
	default:
		return &k->vfio_pci_vga;
	}
}

/*
 * One line of a kernel config: "CONFIG_X=y" or "=m" is YES, "=n" and
 * "# CONFIG_X is not set" are NO. Returns the key's index or -1.
 */
static int
config_line(const char *line, size_t len, enum tri *value)
{
	size_t i, klen;

	for (i = 0; i < nitems(config_keys); i++) {
		klen = strlen(config_keys[i]);
		if (len > klen && strncmp(line, config_keys[i], klen) == 0 &&
		    line[klen] == '=') {
			*value =
			    (line[klen + 1] == 'y' || line[klen + 1] == 'm')
				? TRI_YES
				: TRI_NO;
			return (int)i;
		}
		if (len >= klen + 13 && strncmp(line, "# ", 2) == 0 &&
		    strncmp(line + 2, config_keys[i], klen) == 0 &&
		    strncmp(line + 2 + klen, " is not set", 11) == 0) {
			*value = TRI_NO;
			return (int)i;
		}
	}
	return -1;
}

/* Read /boot/config-<release>; options absent from a present file are NO. */
static void
read_config(struct host *h, const struct root *r, struct installed_kernel *k)
{
	char *path = xasprintf("/boot/config-%s", k->release);
	char *text, *line, *nl;
	size_t len, i;
	enum tri v;
	int err, idx;

	for (i = 0; i < nitems(config_keys); i++)
		*config_field(k, i) = TRI_UNKNOWN;
	err = root_read(r, path, &text, &len);
	if (err < 0) {
		if (err != -ENOENT)
			host_problem(h, "kernel", "cannot read '%s': %s", path,
			    strerror(-err));
		free(path);
		return;
	}
	k->has_config = true;
	for (i = 0; i < nitems(config_keys); i++)
		*config_field(k, i) = TRI_NO;
	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		idx = config_line(line, (size_t)(nl - line), &v);
		if (idx >= 0)
			*config_field(k, (size_t)idx) = v;
		if (*nl == '\0')
			break;
	}
	free(text);
	free(path);
}

static int
cmp_release(const void *a, const void *b)
{
	const struct installed_kernel *ka = a, *kb = b;

	return strverscmp(ka->release, kb->release);
}

/* The directories of /lib/modules, plus the running kernel if it has none. */
static void
probe_installed(struct host *h, const struct root *r)
{
	struct installed_kernel k;
	struct stat st;
	char **names = NULL, *path;
	size_t n = 0, i;
	bool running_seen = false;
	int err;

	err = root_listdir(r, "/lib/modules", &names, &n);
	if (err < 0 && err != -ENOENT)
		host_problem(h, "kernel", "cannot list '/lib/modules': %s",
		    strerror(-err));
	for (i = 0; i < n; i++) {
		path = xasprintf("/lib/modules/%s", names[i]);
		err = root_stat(r, path, &st, true);
		free(path);
		if (err < 0 || !S_ISDIR(st.st_mode))
			continue;
		memset(&k, 0, sizeof k);
		k.release = xstrdup(names[i]);
		k.has_modules_dir = true;
		ARRAY_PUSH(h->kernel.installed, h->kernel.n_installed, k);
		if (h->kernel.release != NULL &&
		    strcmp(names[i], h->kernel.release) == 0)
			running_seen = true;
	}
	strv_free(names, n);
	if (h->kernel.release != NULL && !running_seen) {
		memset(&k, 0, sizeof k);
		k.release = xstrdup(h->kernel.release);
		ARRAY_PUSH(h->kernel.installed, h->kernel.n_installed, k);
	}
	if (h->kernel.n_installed > 1)
		qsort(h->kernel.installed, h->kernel.n_installed,
		    sizeof *h->kernel.installed, cmp_release);
	for (i = 0; i < h->kernel.n_installed; i++)
		read_config(h, r, &h->kernel.installed[i]);
}

/* The first field of each /proc/modules line, in file order. */
static void
probe_loaded(struct host *h, const struct root *r)
{
	char *text, *line, *end;
	size_t len, n;
	int err;

	err = root_read(r, "/proc/modules", &text, &len);
	if (err < 0) {
		host_problem(h, "kernel", "cannot read '/proc/modules': %s",
		    strerror(-err));
		return;
	}
	for (line = text; *line != '\0'; line = end) {
		n = strcspn(line, " \t\n");
		if (n > 0)
			ARRAY_PUSH(h->kernel.loaded, h->kernel.n_loaded,
			    xstrndup(line, n));
		end = strchr(line, '\n');
		if (end == NULL)
			break;
		end++;
	}
	free(text);
}

void
probe_kernel(struct host *h, const struct root *r)
{
	char *s;
	size_t len;
	int err;

	err = root_read_line(r, "/proc/sys/kernel/osrelease", &s);
	if (err == 0 && *s != '\0')
		h->kernel.release = s;
	else {
		if (err == 0)
			free(s);
		host_problem(h, "kernel",
		    "cannot read '/proc/sys/kernel/osrelease': %s",
		    strerror(err < 0 ? -err : ENODATA));
	}

	err = root_read(r, "/proc/cmdline", &s, &len);
	if (err == 0)
		h->kernel.cmdline = str_rstrip(s);
	else
		host_problem(h, "kernel", "cannot read '/proc/cmdline': %s",
		    strerror(-err));

	/* the boot id is optional: a fixture may leave it out */
	err = root_read_line(r, "/proc/sys/kernel/random/boot_id", &s);
	if (err == 0)
		h->kernel.boot_id = s;
	else if (err != -ENOENT)
		host_problem(h, "kernel",
		    "cannot read '/proc/sys/kernel/random/boot_id': %s",
		    strerror(-err));

	probe_installed(h, r);
	probe_loaded(h, r);
}
