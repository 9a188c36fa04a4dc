/*
 * vmguard.c: Proxmox's rules for writing a VM config directly (facts §6):
 * take qemu-server's own per-VM flock while writing, and refuse a config
 * whose `lock:` key is set (a backup, migration or snapshot is under way)
 * or whose VM is running. Every other file passes through untouched.
 */
#include "engine_priv.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/lock.h"
#include "vfio-wizard/pve_conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VM_LOCK_TIMEOUT 10 /* seconds, as qm waits for its own lock */

int
engine_vm_id(const char *path)
{
	static const char dir[] = "/qemu-server/";
	const char *base = strrchr(path, '/');
	const char *d;
	char *end;
	long id;

	if (base == NULL || base - path < (long)sizeof dir - 2)
		return -1;
	d = base - (sizeof dir - 2);
	if (strncmp(d, dir, sizeof dir - 1) != 0 ||
	    !str_startswith(path, "/etc/pve/"))
		return -1;
	id = strtol(base + 1, &end, 10);
	if (end == base + 1 || strcmp(end, ".conf") != 0 || id < 100 ||
	    id > 999999999)
		return -1;
	return (int)id;
}

/* Refuse a config whose `lock:` key is set, naming the lock. */
static int
check_config_lock(int vmid, const char *text, size_t len, char **cause)
{
	struct pve_conf *conf = NULL;
	const char *lock;
	int err;

	if (text == NULL)
		return 0;
	err = pve_conf_parse(text, len, PVE_PARSE_LENIENT, &conf, cause);
	if (conf == NULL)
		return err;
	free(*cause);
	*cause = NULL;
	lock = pve_conf_get(conf, "lock");
	if (lock != NULL) {
		*cause =
		    xasprintf(_("VM %d is locked ('lock: %s'): wait for the "
				"%s to finish, or clear it with 'qm unlock "
				"%d'"),
			vmid, lock, lock, vmid);
		err = -EBUSY;
	} else
		err = 0;
	pve_conf_free(conf);
	return err;
}

int
engine_vm_precheck(
    const struct root *r, const struct host *h, const char *path, char **cause)
{
	int vmid = engine_vm_id(path);
	struct file_meta meta;
	char *text = NULL;
	size_t len = 0, i;
	int err;

	if (vmid < 0)
		return 0;
	for (i = 0; h != NULL && i < h->pve.n_vms; i++) {
		if (h->pve.vms[i].vmid == vmid && h->pve.vms[i].running) {
			*cause =
			    xasprintf(_("VM %d is running: shut it down "
					"first (its config is read only at "
					"start)"),
				vmid);
			return -EBUSY;
		}
	}
	err = fsio_read(r, path, &text, &len, &meta, cause);
	if (err == 0)
		err = check_config_lock(
		    vmid, meta.exists ? text : NULL, len, cause);
	free(text);
	return err;
}

int
engine_vm_lock(const struct root *r, const char *path, const char *text,
    size_t len, struct lock **out, char **cause)
{
	int vmid = engine_vm_id(path);
	int err;

	*out = NULL;
	if (vmid < 0)
		return 0;
	err = lock_vm(r, vmid, VM_LOCK_TIMEOUT, out, cause);
	if (err < 0)
		return err;
	/* under qemu-server's lock: the `lock:` key may have appeared since */
	err = check_config_lock(vmid, text, len, cause);
	if (err < 0) {
		lock_release(*out);
		*out = NULL;
	}
	return err;
}
