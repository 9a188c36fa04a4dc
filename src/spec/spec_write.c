/*
 * spec_write.c: replay, i.e. turn a loaded spec into a root tree on disk.
 *
 * spec_build() assembles the whole tree in memory from the generator parts
 * (procfs and /etc here; sysfs, ACPI, efivars and modules in their own
 * files), then the spec's verbatim files and symlinks, which may not clash
 * with anything generated. spec_replay() writes that tree into an absent or
 * empty directory.
 */
#include "spec_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The pid a running VM's QEMU gets, deterministic. */
static unsigned
vm_pid(size_t i)
{
	return 3100 + 17 * (unsigned)i;
}

/* "@ 3.40GHz" in the model name gives the nominal clock, else 2000 MHz. */
static char *
cpu_mhz(const struct spec_cpu *c)
{
	const char *at = strstr(c->model_name, "@ ");
	double ghz;

	if (c->mhz != NULL)
		return xstrdup(c->mhz);
	if (at != NULL && sscanf(at + 2, "%lfGHz", &ghz) == 1 && ghz > 0)
		return xasprintf("%.3f", ghz * 1000);
	return xstrdup("2000.000");
}

static void
gen_cpuinfo(const struct host_spec *s, struct tree *t)
{
	const struct spec_cpu *c = &s->cpu;
	struct strbuf sb = STRBUF_INIT;
	char *mhz = cpu_mhz(c);
	int i, cores = c->cores > 0 ? c->cores : c->threads;
	bool ht = c->threads > cores;

	for (i = 0; i < c->threads; i++) {
		int core = i % cores, apic = ht ? core * 2 + i / cores : i;

		sb_addf(&sb, "processor\t: %d\n", i);
		sb_addf(&sb, "vendor_id\t: %s\n", c->vendor);
		sb_addf(&sb, "cpu family\t: %d\n", c->family);
		sb_addf(&sb, "model\t\t: %d\n", c->model);
		sb_addf(&sb, "model name\t: %s\n", c->model_name);
		sb_addf(&sb, "stepping\t: %d\n", c->stepping);
		if (c->microcode != NULL)
			sb_addf(&sb, "microcode\t: %s\n", c->microcode);
		sb_addf(&sb, "cpu MHz\t\t: %s\n", mhz);
		if (c->cache_size != NULL)
			sb_addf(&sb, "cache size\t: %s\n", c->cache_size);
		sb_addf(&sb, "physical id\t: 0\nsiblings\t: %d\n", c->threads);
		sb_addf(&sb, "core id\t\t: %d\ncpu cores\t: %d\n", core, cores);
		sb_addf(
		    &sb, "apicid\t\t: %d\ninitial apicid\t: %d\n", apic, apic);
		sb_adds(&sb, "fpu\t\t: yes\nfpu_exception\t: yes\n"
			     "cpuid level\t: 13\nwp\t\t: yes\n");
		sb_addf(&sb, "flags\t\t: %s\n", c->flags);
		sb_addf(&sb, "bugs\t\t:%s%s\n", c->bugs != NULL ? " " : "",
		    c->bugs != NULL ? c->bugs : "");
		sb_addf(&sb, "bogomips\t: %.2f\n", 2 * atof(mhz));
		sb_adds(&sb, "clflush size\t: 64\ncache_alignment\t: 64\n");
		sb_addf(&sb, "address sizes\t: %s\n",
		    c->address_sizes != NULL
			? c->address_sizes
			: "39 bits physical, 48 bits virtual");
		sb_adds(&sb, "power management:\n\n");
	}
	tree_file(t, "/proc/cpuinfo", sb.buf, sb.len, 0444);
	sb_release(&sb);
	free(mhz);
}

static void
gen_proc_modules(const struct host_spec *s, struct tree *t)
{
	const struct spec_kernel *k = &s->kernel;
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < k->n_loaded; i++) {
		struct strbuf users = STRBUF_INIT;
		unsigned refs = 0;

		/* the fourth column lists the loaded modules using this one */
		for (j = 0; j < k->n_loaded; j++) {
			const char *const *d = module_known_deps(k->loaded[j]);

			for (; *d != NULL; d++)
				if (strcmp(*d, k->loaded[i]) == 0) {
					sb_addf(&users, "%s,", k->loaded[j]);
					refs++;
				}
		}
		sb_addf(&sb, "%s %u %u %s Live 0x0000000000000000\n",
		    k->loaded[i], module_size(k->loaded[i]), refs,
		    users.len > 0 ? users.buf : "-");
		sb_release(&users);
	}
	tree_file(t, "/proc/modules", sb_str(&sb), sb.len, 0444);
	sb_release(&sb);
}

/* major:minor of a mount source ("/dev/sda2", "/dev/mapper/pve-root"). */
static bool
source_dev(
    const struct host_spec *s, const char *src, unsigned *maj, unsigned *min)
{
	const char *root;
	size_t i, j;

	if (strcmp(src, "/dev/root") == 0 &&
	    (root = strstr(s->kernel.cmdline != NULL ? s->kernel.cmdline : "",
		 "root=/dev/")) != NULL) {
		char *dev = xstrndup(root + 5, strcspn(root + 5, " "));
		bool ok = strcmp(dev, "/dev/root") != 0 &&
			  source_dev(s, dev, maj, min);

		free(dev);
		return ok;
	}
	for (i = 0; i < s->n_block; i++) {
		const struct spec_block *b = &s->block[i];

		if ((str_startswith(src, "/dev/mapper/") && b->dm_name &&
			strcmp(src + 12, b->dm_name) == 0) ||
		    (str_startswith(src, "/dev/") &&
			strcmp(src + 5, b->name) == 0)) {
			*maj = b->major;
			*min = b->minor;
			return true;
		}
		for (j = 0; j < b->n_partitions; j++)
			if (str_startswith(src, "/dev/") &&
			    strcmp(src + 5, b->partitions[j]) == 0) {
				*maj = b->major;
				*min = b->part_minor[j];
				return true;
			}
	}
	return false;
}

/* /proc/mounts and /proc/self/mountinfo, with the usual virtual mounts. */
static void
gen_mounts(const struct host_spec *s, struct tree *t)
{
	static const char *const virt[] = {
	    "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0",
	    "proc /proc proc rw,relatime 0 0",
	    "udev /dev devtmpfs rw,nosuid,relatime,mode=755 0 0",
	    "devpts /dev/pts devpts rw,nosuid,noexec,relatime,mode=600 0 0",
	    "tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,mode=755 0 0"};
	struct strbuf m = STRBUF_INIT, mi = STRBUF_INIT;
	char **lines = NULL;
	size_t n = 0, i, j;
	unsigned root_id = 0;

	for (i = 0; i < nitems(virt); i++) {
		char mp[256];
		bool dup = false;

		sscanf(virt[i], "%*s %255s", mp);
		for (j = 0; j < s->n_mounts && !dup; j++) {
			char other[256];

			dup = sscanf(s->mounts[j], "%*s %255s", other) == 1 &&
			      strcmp(mp, other) == 0;
		}
		if (!dup)
			ARRAY_PUSH(lines, n, xstrdup(virt[i]));
	}
	for (j = 0; j < s->n_mounts; j++)
		ARRAY_PUSH(lines, n, xstrdup(s->mounts[j]));
	if (s->fw.uefi)
		ARRAY_PUSH(lines, n,
		    xstrdup("efivarfs /sys/firmware/efi/efivars efivarfs "
			    "rw,nosuid,nodev,noexec,relatime 0 0"));
	for (i = 0; i < n; i++) {
		char f[4][512];

		if (sscanf(lines[i], "%511s %511s %511s %511s", f[0], f[1],
			f[2], f[3]) == 4 &&
		    strcmp(f[1], "/") == 0)
			root_id = 21 + (unsigned)i;
	}
	for (i = 0; i < n; i++) {
		char f[4][512];
		unsigned maj = 0, min = 20 + (unsigned)i, id = 21 + (unsigned)i;

		sb_addf(&m, "%s\n", lines[i]);
		if (sscanf(lines[i], "%511s %511s %511s %511s", f[0], f[1],
			f[2], f[3]) != 4)
			continue;
		source_dev(s, f[0], &maj, &min);
		sb_addf(&mi, "%u %u %u:%u / %s %s shared:%u - %s %s %s\n", id,
		    id == root_id || root_id == 0 ? 1 : root_id, maj, min, f[1],
		    f[3], (unsigned)i + 1, f[2], f[0], f[3]);
	}
	tree_file(t, "/proc/mounts", m.buf, m.len, 0444);
	tree_file(t, "/proc/self/mounts", m.buf, m.len, 0444);
	tree_file(t, "/proc/self/mountinfo", mi.buf, mi.len, 0444);
	strv_free(lines, n);
	sb_release(&m);
	sb_release(&mi);
}

/* The "name:" of a VM config's main section, or the id. */
static char *
vm_name(const struct spec_vm *vm)
{
	const char *p = vm->conf;

	while (*p != '\0' && *p != '[') {
		if (str_startswith(p, "name:")) {
			p += 5 + strspn(p + 5, " \t");
			return xstrndup(p, strcspn(p, "\n"));
		}
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	return xasprintf("vm%lu", vm->id);
}

/* One NUL-terminated argument of a /proc/<pid>/cmdline. */
static void
arg(struct strbuf *sb, const char *a)
{
	sb_add(sb, a, strlen(a) + 1);
}

static void
gen_running(const struct host_spec *s, struct tree *t)
{
	size_t i, j;

	for (i = 0; i < s->pve.n_running; i++) {
		unsigned long id = s->pve.running[i];
		struct strbuf sb = STRBUF_INIT;
		char *path, *name = NULL;

		for (j = 0; j < s->pve.n_vms; j++)
			if (s->pve.vms[j].id == id)
				name = vm_name(&s->pve.vms[j]);
		arg(&sb, "/usr/bin/kvm");
		arg(&sb, "-id");
		sb_addf(&sb, "%lu", id);
		sb_addc(&sb, '\0');
		arg(&sb, "-name");
		sb_addf(&sb, "%s,debug-threads=on", name);
		sb_addc(&sb, '\0');
		arg(&sb, "-no-shutdown");
		arg(&sb, "-chardev");
		sb_addf(&sb,
		    "socket,id=qmp,path=/var/run/qemu-server/%lu.qmp,"
		    "server=on,wait=off",
		    id);
		sb_addc(&sb, '\0');
		arg(&sb, "-mon");
		arg(&sb, "chardev=qmp,mode=control");
		arg(&sb, "-pidfile");
		sb_addf(&sb, "/var/run/qemu-server/%lu.pid", id);
		sb_addc(&sb, '\0');
		arg(&sb, "-daemonize");
		path = xasprintf("/proc/%u/cmdline", vm_pid(i));
		tree_file(t, path, sb.buf, sb.len, 0444);
		free(path);
		path = xasprintf("/proc/%u/comm", vm_pid(i));
		tree_filef(t, path, "kvm\n");
		free(path);
		path = xasprintf("/run/qemu-server/%lu.pid", id);
		tree_filef(t, path, "%u\n", vm_pid(i));
		free(path);
		free(name);
		sb_release(&sb);
	}
}

/* A read-only one-line procfs file. */
static void
proc_file(struct tree *t, const char *path, const char *line)
{
	char *text = xasprintf("%s\n", line);

	tree_file(t, path, text, strlen(text), 0444);
	free(text);
}

void
gen_proc(const struct host_spec *s, struct tree *t)
{
	const struct spec_kernel *k = &s->kernel;
	char uuid[37];

	tree_dir(t, "/proc");
	if (s->has_cpu)
		gen_cpuinfo(s, t);
	if (s->has_kernel) {
		proc_file(t, "/proc/cmdline", k->cmdline);
		proc_file(t, "/proc/sys/kernel/osrelease", k->release);
		if (k->boot_id != NULL)
			snprintf(uuid, sizeof uuid, "%s", k->boot_id);
		else
			spec_uuid(s->name, uuid);
		proc_file(t, "/proc/sys/kernel/random/boot_id", uuid);
	}
	gen_proc_modules(s, t);
	gen_mounts(s, t);
	gen_running(s, t);
}

/*
 * /var/lib/dpkg/status: pve-manager with pve, then the spec's packages,
 * each "install ok installed" (a paragraph per package, as dpkg keeps it).
 */
static void
gen_dpkg_status(const struct host_spec *s, struct tree *t)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (s->has_pve)
		sb_addf(&sb,
		    "Package: pve-manager\nStatus: install ok installed\n"
		    "Priority: optional\nSection: admin\n"
		    "Installed-Size: 4086\n"
		    "Maintainer: Proxmox Support Team "
		    "<support@proxmox.com>\n"
		    "Architecture: amd64\nVersion: %s\n"
		    "Description: Proxmox Virtual Environment Management "
		    "Tools\n"
		    " This package contains the Proxmox Virtual Environment "
		    "management tools.\n",
		    s->pve.version);
	for (i = 0; i < s->n_packages; i++)
		sb_addf(&sb,
		    "%sPackage: %s\nStatus: install ok installed\n"
		    "Version: %s\n",
		    sb.len > 0 ? "\n" : "", s->packages[i].key,
		    s->packages[i].value);
	if (sb.len > 0)
		tree_file(t, "/var/lib/dpkg/status", sb.buf, sb.len, 0644);
	sb_release(&sb);
}

void
gen_etc(const struct host_spec *s, struct tree *t)
{
	const char *h = s->hostname;
	char *path, *target;
	size_t i;

	/* Debian: /var/run and /var/lock are links into /run */
	tree_dir(t, "/run/lock");
	tree_link(t, "/var/run", "../run");
	tree_link(t, "/var/lock", "../run/lock");
	if (h != NULL)
		tree_filef(t, "/etc/hostname", "%s\n", h);
	/* Debian's kmod package ships modules-load.d, linked to /etc/modules */
	tree_dir(t, "/etc/modules-load.d");
	for (i = 0; i < s->n_files; i++) {
		if (strcmp(s->files[i].key, "/etc/modules") == 0 &&
		    !tree_has(t, "/etc/modules-load.d/modules.conf"))
			tree_link(t, "/etc/modules-load.d/modules.conf",
			    "../modules");
	}
	gen_dpkg_status(s, t);
	if (!s->has_pve)
		return;
	path = xasprintf("/etc/pve/nodes/%s/qemu-server", h);
	tree_dir(t, path);
	free(path);
	path = xasprintf("/etc/pve/nodes/%s/lxc", h);
	tree_dir(t, path);
	free(path);
	for (i = 0; i < s->pve.n_vms; i++) {
		path = xasprintf("/etc/pve/nodes/%s/qemu-server/%lu.conf", h,
		    s->pve.vms[i].id);
		tree_file(t, path, s->pve.vms[i].conf,
		    strlen(s->pve.vms[i].conf), 0640);
		free(path);
	}
	target = xasprintf("/etc/pve/nodes/%s", h);
	tree_rel_link(t, "/etc/pve/local", target);
	free(target);
	target = xasprintf("/etc/pve/nodes/%s/qemu-server", h);
	tree_rel_link(t, "/etc/pve/qemu-server", target);
	free(target);
	target = xasprintf("/etc/pve/nodes/%s/lxc", h);
	tree_rel_link(t, "/etc/pve/lxc", target);
	free(target);
	/*
	 * pmxcfs's own virtual files: fsio takes .version as the mark of
	 * pmxcfs in a fixture tree, and .members of a node outside a cluster
	 * (no "quorate" member: always writable)
	 */
	tree_filef(t, "/etc/pve/.version",
	    "{\n\"version\": %zu,\n\"vmlist\": "
	    "%zu\n}\n",
	    s->pve.n_vms + 1, s->pve.n_vms);
	tree_filef(t, "/etc/pve/.members",
	    "{\n\"nodename\": \"%s\",\n\"version\": 0\n}\n", h);
	tree_dir(t, "/run/qemu-server");
	tree_dir(t, "/run/lock/qemu-server");
}

/* True when path is a parent directory of one of the spec's own entries. */
static bool
user_dir(const struct host_spec *s, const char *path)
{
	size_t i, len = strlen(path);

	for (i = 0; i < s->n_files + s->n_symlinks; i++) {
		const char *k = i < s->n_files
				    ? s->files[i].key
				    : s->symlinks[i - s->n_files].key;

		if (strncmp(k, path, len) == 0 && k[len] == '/')
			return true;
	}
	return false;
}

/* The spec's verbatim files and symlinks, after everything generated. */
static int
add_verbatim(const struct host_spec *s, struct tree *t, char **cause)
{
	size_t i;

	for (i = 0; i < s->n_files + s->n_symlinks; i++) {
		bool file = i < s->n_files;
		const struct spec_kv *kv =
		    file ? &s->files[i] : &s->symlinks[i - s->n_files];
		const char *what = file ? "files" : "symlinks";
		mode_t mode =
		    str_startswith(kv->key, "/etc/pve/") ? 0640 : 0644;
		int err;

		if (tree_has(t, kv->key))
			return spec_error(s, &kv->mark, cause,
			    "%s: '%s' is also %s", what, kv->key,
			    user_dir(s, kv->key)
				? "the directory of another entry"
				: "generated from the spec");
		err = file ? tree_file(
				 t, kv->key, kv->value, strlen(kv->value), mode)
			   : tree_link(t, kv->key, kv->value);
		if (err < 0)
			return spec_error(
			    s, &kv->mark, cause, "%s: %s", what, t->cause);
	}
	for (i = 0; i < s->n_dirs; i++) {
		if (tree_dir(t, s->dirs[i]) < 0)
			return spec_error(s, &s->dir_marks[i], cause,
			    "dirs: '%s' is also a file or a link", s->dirs[i]);
	}
	return 0;
}

int
spec_build(const struct host_spec *s, struct tree *t, char **cause)
{
	gen_proc(s, t);
	gen_etc(s, t);
	gen_pci(s, t);
	gen_iommu(s, t);
	gen_block(s, t);
	gen_acpi(s, t);
	gen_efi(s, t);
	gen_modules(s, t);
	gen_commands(s, t);
	if (t->cause != NULL)
		return spec_error(s, NULL, cause, "%s", t->cause);
	return add_verbatim(s, t, cause);
}

/* 0 when dir is an empty directory, -ENOTEMPTY or -errno otherwise. */
static int
dir_empty(int fd)
{
	int dfd = dup(fd);
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (d == NULL) {
		err = -errno;
		close(dfd);
		return err;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			err = -ENOTEMPTY;
	closedir(d);
	return err;
}

int
spec_replay(const struct host_spec *s, const char *dir, char **cause)
{
	struct tree t;
	bool created = false;
	int fd, err;

	tree_init(&t);
	err = spec_build(s, &t, cause);
	if (err < 0) {
		tree_release(&t);
		return err;
	}
	if (mkdir(dir, 0755) == 0)
		created = true;
	else if (errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = dir_empty(fd);
	if (err == 0)
		err = tree_write(&t, fd, cause);
	else if (cause != NULL)
		*cause = xasprintf("'%s' is not empty", dir);
	close(fd);
	if (err < 0 && created)
		rmdir(dir);
	tree_release(&t);
	return err;
fail:
	if (cause != NULL)
		*cause =
		    xasprintf("cannot create '%s': %s", dir, strerror(-err));
	tree_release(&t);
	return err;
}

int
spec_replay_temp(const struct host_spec *s, char **dir, char **cause)
{
	const char *tmp = getenv("TMPDIR");
	char *path;
	int err;

	*dir = NULL;
	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	path = xasprintf("%s/vfio-wizard-replay-XXXXXX", tmp);
	if (mkdtemp(path) == NULL) {
		err = -errno;
		if (cause != NULL)
			*cause = xasprintf(
			    "cannot create '%s': %s", path, strerror(errno));
		free(path);
		return err;
	}
	err = spec_replay(s, path, cause);
	if (err < 0) {
		spec_remove_tree(path);
		free(path);
		return err;
	}
	*dir = path;
	return 0;
}
