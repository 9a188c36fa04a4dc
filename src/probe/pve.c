/*
 * pve.c: the Proxmox VE probe. Is pve-manager installed (dpkg status), which
 * version, the node name, and every VM config of this node with the keys the
 * wizard reasons about and whether the VM runs.
 *
 * /etc/pve/qemu-server is pmxcfs' link to nodes/<node>/qemu-server; the root
 * handle resolves it inside the root. A VM runs when its pid file names a
 * process whose command line holds "-id <vmid>", which is how qemu-server
 * starts every VM (check_running reads the same pid file).
 *
 * Fills (heap, freed by host_free): pve.version, pve.node, pve.vms and each
 * VM's name, machine, bios, vga, lock, hostpci[], path; and host->hostname.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/pve_conf.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DPKG_STATUS "/var/lib/dpkg/status"
#define QEMU_SERVER_DIR "/etc/pve/qemu-server"
#define QEMU_RUN_DIR "/var/run/qemu-server"

/*
 * The value of field name in one deb822 paragraph [p, end), or NULL; the
 * field name is matched case-insensitively and the value is the first line.
 */
static char *
para_field(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;

		if ((size_t)(eol - p) > n && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':') {
			const char *v = p + n + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t' ||
					      eol[-1] == '\r'))
				eol--;
			return xstrndup(v, (size_t)(eol - v));
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return NULL;
}

/*
 * Look a package up in the text of the dpkg status database: installed
 * when its Status is "install ok installed"; *version gets its Version.
 */
bool
dpkg_installed(const char *text, size_t len, const char *pkg, char **version)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *q = p, *pend;
		char *name, *status;
		bool ok;

		/* a paragraph ends at an empty line */
		for (pend = NULL; q < end; q++) {
			if (q[0] == '\n' && (q + 1 == end || q[1] == '\n')) {
				pend = q + 1;
				break;
			}
		}
		if (pend == NULL)
			pend = end;
		name = para_field(p, pend, "Package");
		ok = name != NULL && strcmp(name, pkg) == 0;
		free(name);
		if (ok) {
			status = para_field(p, pend, "Status");
			ok = status != NULL &&
			     strcmp(status, "install ok installed") == 0;
			free(status);
			if (ok) {
				*version = para_field(p, pend, "Version");
				return true;
			}
		}
		p = pend;
		while (p < end && *p == '\n')
			p++;
	}
	return false;
}

/* The first line of a file, without surrounding white space. */
static int
read_first_line(const struct root *r, const char *path, char **out)
{
	char *text, *p;
	int err;

	err = root_read(r, path, &text, NULL);
	if (err < 0)
		return err;
	text[strcspn(text, "\n")] = '\0';
	str_rstrip(text);
	for (p = text; *p == ' ' || *p == '\t'; p++)
		;
	memmove(text, p, strlen(p) + 1);
	*out = text;
	return 0;
}

/* A VM id from "<digits>.conf"; -1 when the name is not a VM config. */
static int
conf_vmid(const char *name)
{
	const char *dot = strchr(name, '.');
	long v = 0;
	const char *p;

	if (dot == NULL || dot == name || strcmp(dot, ".conf") != 0)
		return -1;
	for (p = name; p < dot; p++) {
		if (*p < '0' || *p > '9' || v > INT_MAX / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= INT_MAX ? (int)v : -1;
}

/* qemu-server's check: the pid file's process runs with "-id <vmid>". */
static bool
vm_running(const struct root *r, int vmid)
{
	char *path, *line = NULL, *cmd = NULL, *want;
	size_t len, i;
	bool running = false;

	path = xasprintf(QEMU_RUN_DIR "/%d.pid", vmid);
	if (read_first_line(r, path, &line) < 0 || line[0] == '\0' ||
	    strspn(line, "0123456789") != strlen(line))
		goto out;
	free(path);
	path = xasprintf("/proc/%s/cmdline", line);
	if (root_read(r, path, &cmd, &len) < 0)
		goto out;
	want = xasprintf("%d", vmid);
	/* arguments are NUL-separated; cmd[len] is a NUL too */
	for (i = 0; i < len && !running;) {
		size_t alen = strlen(cmd + i);

		if (strcmp(cmd + i, "-id") == 0 && i + alen + 1 < len &&
		    strcmp(cmd + i + alen + 1, want) == 0)
			running = true;
		i += alen + 1;
	}
	free(want);
out:
	free(path);
	free(line);
	free(cmd);
	return running;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Read one VM's config into vm; an unreadable or odd one is a problem. */
static void
probe_vm(struct host *h, const struct root *r, struct pve_vm *vm)
{
	struct pve_conf *conf = NULL;
	char *text, *cause = NULL, key[16];
	size_t len;
	int err, i;

	vm->running = vm_running(r, vm->vmid);
	err = root_read(r, vm->path, &text, &len);
	if (err < 0) {
		host_problem(
		    h, "pve", "cannot read '%s': %s", vm->path, strerror(-err));
		return;
	}
	err = pve_conf_parse(text, len, PVE_PARSE_LENIENT, &conf, &cause);
	free(text);
	if (err < 0) {
		host_problem(h, "pve", "'%s': %s", vm->path, cause);
		free(cause);
	}
	if (conf == NULL)
		return;
	vm->name = dup_or_null(pve_conf_get(conf, "name"));
	vm->machine = dup_or_null(pve_conf_get(conf, "machine"));
	vm->bios = dup_or_null(pve_conf_get(conf, "bios"));
	vm->vga = dup_or_null(pve_conf_get(conf, "vga"));
	vm->lock = dup_or_null(pve_conf_get(conf, "lock"));
	for (i = 0; i < 16; i++) {
		snprintf(key, sizeof key, "hostpci%d", i);
		vm->hostpci[i] = dup_or_null(pve_conf_get(conf, key));
	}
	pve_conf_free(conf);
}

static int
vm_cmp(const void *a, const void *b)
{
	const struct pve_vm *x = a, *y = b;

	return (x->vmid > y->vmid) - (x->vmid < y->vmid);
}

static void
probe_vms(struct host *h, const struct root *r)
{
	struct host_pve *pve = &h->pve;
	char **names;
	size_t n, i;
	int err;

	err = root_listdir(r, QEMU_SERVER_DIR, &names, &n);
	if (err < 0) {
		host_problem(h, "pve", "cannot list '%s': %s", QEMU_SERVER_DIR,
		    strerror(-err));
		return;
	}
	for (i = 0; i < n; i++) {
		struct pve_vm vm;
		int vmid = conf_vmid(names[i]);

		if (vmid < 0)
			continue;
		memset(&vm, 0, sizeof vm);
		vm.vmid = vmid;
		vm.path = xasprintf(QEMU_SERVER_DIR "/%s", names[i]);
		ARRAY_PUSH(pve->vms, pve->n_vms, vm);
	}
	strv_free(names, n);
	if (pve->n_vms > 0)
		qsort(pve->vms, pve->n_vms, sizeof *pve->vms, vm_cmp);
	for (i = 0; i < pve->n_vms; i++)
		probe_vm(h, r, &pve->vms[i]);
}

void
probe_pve(struct host *h, const struct root *r)
{
	struct host_pve *pve = &h->pve;
	char *text, *name;
	size_t len;
	int err;

	err = read_first_line(r, "/etc/hostname", &name);
	if (err == 0 && name[0] != '\0') {
		free(h->hostname);
		h->hostname = name;
		/* Proxmox's node name is the short host name */
		pve->node = xstrndup(name, strcspn(name, "."));
	} else if (err == 0) {
		free(name);
	}

	err = root_read(r, DPKG_STATUS, &text, &len);
	if (err < 0) {
		if (err != -ENOENT)
			host_problem(h, "pve", "cannot read '%s': %s",
			    DPKG_STATUS, strerror(-err));
		return;
	}
	pve->present = dpkg_installed(text, len, "pve-manager", &pve->version);
	free(text);
	if (!pve->present)
		return;
	if (pve->node == NULL)
		host_problem(h, "pve", "no node name in '/etc/hostname'");
	probe_vms(h, r);
}
