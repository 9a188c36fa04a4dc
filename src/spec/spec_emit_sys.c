/*
 * spec_emit_sys.c: the report's network interfaces (bridges, bonds, VLANs),
 * disks and ZFS pools, mounts, Proxmox VE with its VM configs, the files
 * the probes and checks read (kept verbatim, redacted), and the packages
 * the steps look for. Each file is read through the root handle from a
 * fixed list (doc/report.md): nothing else of /etc is copied.
 */
#include "spec_emit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A virtual interface's kind from its uevent's DEVTYPE, or NULL. */
static const char *
net_kind(struct emit *e, const char *name)
{
	char *path = xasprintf("/sys/class/net/%s/uevent", name), *text;
	const char *kind = NULL;
	size_t len;

	if (root_read(e->r, path, &text, &len) == 0) {
		if (strstr(text, "DEVTYPE=bridge") != NULL)
			kind = "bridge";
		else if (strstr(text, "DEVTYPE=bond") != NULL)
			kind = "bond";
		else if (strstr(text, "DEVTYPE=vlan") != NULL)
			kind = "vlan";
		free(text);
	}
	free(path);
	return kind;
}

/* The interfaces below one (lower_<if> links) the spec lists too. */
static void
net_lowers(struct emit *e, const char *name, char ***low, size_t *n)
{
	char *path = xasprintf("/sys/class/net/%s", name), **ents = NULL;
	size_t ne = 0, i;

	if (root_listdir(e->r, path, &ents, &ne) == 0)
		for (i = 0; i < ne; i++)
			if (str_startswith(ents[i], "lower_") &&
			    strv_has(e->ifaces, e->n_ifaces, ents[i] + 6))
				ARRAY_PUSH(*low, *n, xstrdup(ents[i] + 6));
	strv_free(ents, ne);
	free(path);
}

/* net: the bridges, bonds and VLANs, lower ones before upper ones. */
void
emit_net(struct emit *e)
{
	char **ents = NULL, **low;
	size_t ne = 0, i, j, nl;
	bool any = false, progress = true;
	bool *out;

	if (root_listdir(e->r, "/sys/class/net", &ents, &ne) < 0)
		return;
	out = xcalloc(ne + 1, sizeof *out);
	while (progress) {
		progress = false;
		for (i = 0; i < ne; i++) {
			const char *kind;
			char *path;
			bool has_dev;

			if (out[i] || strv_has(e->ifaces, e->n_ifaces, ents[i]))
				continue;
			path = xasprintf("/sys/class/net/%s/device", ents[i]);
			has_dev = root_exists(e->r, path);
			free(path);
			kind = has_dev ? NULL : net_kind(e, ents[i]);
			if (kind == NULL) {
				out[i] = true;
				continue;
			}
			low = NULL;
			nl = 0;
			net_lowers(e, ents[i], &low, &nl);
			if (nl == 0 && strcmp(kind, "bridge") != 0) {
				/* its lower ones are not listed (yet) */
				strv_free(low, nl);
				continue;
			}
			if (!any) {
				em_key(e, "net");
				em_seq(e, false);
				any = true;
			}
			em_map(e, true);
			em_kstr(e, "name", ents[i]);
			em_kstr(e, "kind", kind);
			em_key(e, "lower");
			em_seq(e, true);
			for (j = 0; j < nl; j++)
				em_str(e, low[j]);
			em_end_seq(e);
			em_end_map(e);
			ARRAY_PUSH(e->ifaces, e->n_ifaces, xstrdup(ents[i]));
			strv_free(low, nl);
			out[i] = true;
			progress = true;
		}
	}
	if (any)
		em_end_seq(e);
	free(out);
	strv_free(ents, ne);
}

/* Disk names the spec can describe. */
static bool
block_name_ok(const char *n)
{
	static const char *const pfx[] = {
	    "sd", "sr", "nvme", "vd", "dm-", "md", "loop", "zd", "zram", NULL};
	size_t i;

	for (i = 0; pfx[i] != NULL; i++)
		if (str_startswith(n, pfx[i]))
			return true;
	return false;
}

/* The PCI address a disk's sysfs path passes last, or NULL. */
static char *
block_controller(struct emit *e, const char *name)
{
	char *link = xasprintf("/sys/block/%s", name), *real = NULL;
	char *c = NULL, *save = NULL, *tok;

	if (root_resolve(e->r, link, &real) == 0)
		for (tok = strtok_r(real, "/", &save); tok != NULL;
		     tok = strtok_r(NULL, "/", &save))
			if (strlen(tok) == 12 && tok[4] == ':' &&
			    tok[7] == ':' && tok[10] == '.' &&
			    host_pci_find(e->h, tok) != NULL) {
				free(c);
				c = xstrdup(tok);
			}
	free(real);
	free(link);
	return c;
}

/* A sysfs list of a disk (partitions, slaves) into a flow sequence. */
static void
block_list(struct emit *e, const char *key, const char *disk, const char *sub)
{
	char *path = xasprintf("/sys/block/%s%s", disk, sub), **ents = NULL;
	char *attr;
	size_t ne = 0, i;
	bool any = false;

	if (root_listdir(e->r, path, &ents, &ne) == 0) {
		for (i = 0; i < ne; i++) {
			if (*sub == '\0') {
				attr =
				    xasprintf("%s/%s/partition", path, ents[i]);
				if (!root_exists(e->r, attr)) {
					free(attr);
					continue;
				}
				free(attr);
			}
			if (!any) {
				em_key(e, key);
				em_seq(e, true);
				any = true;
			}
			em_str(e, ents[i]);
		}
	}
	if (any)
		em_end_seq(e);
	strv_free(ents, ne);
	free(path);
}

/* zpools: udev's entries of the pools' members (ID_FS_LABEL). */
static void
emit_zpools(struct emit *e)
{
	char **ents = NULL, **pools = NULL, **members = NULL;
	size_t ne = 0, np = 0, i, j;

	if (root_listdir(e->r, "/run/udev/data", &ents, &ne) < 0)
		return;
	for (i = 0; i < ne; i++) {
		char *path = xasprintf("/run/udev/data/%s", ents[i]), *text;
		char *lab, *dev, *real;
		size_t len;

		if (ents[i][0] != 'b' ||
		    root_read(e->r, path, &text, &len) < 0) {
			free(path);
			continue;
		}
		free(path);
		lab = strstr(text, "E:ID_FS_LABEL=");
		if (strstr(text, "E:ID_FS_TYPE=zfs_member") != NULL &&
		    lab != NULL) {
			dev = xasprintf("/sys/dev/block/%s", ents[i] + 1);
			if (root_resolve(e->r, dev, &real) == 0) {
				ARRAY_PUSH(pools, np,
				    xstrndup(
					lab + 14, strcspn(lab + 14, "\n")));
				np--;
				ARRAY_PUSH(members, np,
				    xstrdup(strrchr(real, '/') + 1));
				free(real);
			}
			free(dev);
		}
		free(text);
	}
	strv_free(ents, ne);
	if (np > 0) {
		em_key(e, "zpools");
		em_map(e, false);
		for (i = 0; i < np; i++) {
			for (j = 0; j < i && strcmp(pools[j], pools[i]); j++)
				;
			if (j < i)
				continue;
			em_key(e, pools[i]);
			em_seq(e, true);
			for (j = i; j < np; j++)
				if (strcmp(pools[j], pools[i]) == 0)
					em_str(e, members[j]);
			em_end_seq(e);
		}
		em_end_map(e);
	}
	strv_free(pools, np);
	strv_free(members, np);
}

/* block: every disk with its controller, partitions, dm name, slaves. */
void
emit_block(struct emit *e)
{
	char **ents = NULL, *ctl, *path, *dm;
	size_t ne = 0, i;
	bool any = false;

	if (root_listdir(e->r, "/sys/block", &ents, &ne) == 0) {
		for (i = 0; i < ne; i++) {
			if (!block_name_ok(ents[i]))
				continue;
			ctl = block_controller(e, ents[i]);
			if (ctl == NULL &&
			    (str_startswith(ents[i], "sd") ||
				str_startswith(ents[i], "sr") ||
				str_startswith(ents[i], "nvme") ||
				str_startswith(ents[i], "vd")))
				continue; /* USB and others: no PCI parent */
			path = xasprintf("/sys/block/%s/dm/name", ents[i]);
			if (root_read_line(e->r, path, &dm) < 0)
				dm = NULL;
			free(path);
			if (str_startswith(ents[i], "dm-") && dm == NULL) {
				free(ctl);
				continue;
			}
			if (!any) {
				em_key(e, "block");
				em_seq(e, false);
				any = true;
			}
			em_map(e, false);
			em_kstr(e, "name", ents[i]);
			if (ctl != NULL)
				em_kquoted(e, "controller", ctl);
			block_list(e, "partitions", ents[i], "");
			if (dm != NULL)
				em_kstr(e, "dm_name", dm);
			block_list(e, "slaves", ents[i], "/slaves");
			em_end_map(e);
			free(ctl);
			free(dm);
		}
		if (any)
			em_end_seq(e);
	}
	strv_free(ents, ne);
	emit_zpools(e);
}

/* mounts: /proc/mounts as it is. */
void
emit_mounts(struct emit *e)
{
	char *text, *p, *line, *red;
	size_t len;

	if (root_read(e->r, "/proc/mounts", &text, &len) < 0)
		return;
	em_key(e, "mounts");
	em_seq(e, false);
	for (p = text; *p != '\0';) {
		char *eol = strchrnul(p, '\n');

		if (eol > p) {
			line = xstrndup(p, (size_t)(eol - p));
			red = em_redact(e, line);

			em_quoted(e, red);
			free(red);
			free(line);
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	em_end_seq(e);
	free(text);
}

/* pve: the version, the running VMs and each VM's config. */
void
emit_pve(struct emit *e)
{
	const struct host_pve *pve = &e->h->pve;
	char *text, *red;
	size_t len, i;
	bool any = false;

	if (!pve->present || pve->version == NULL || e->hostname == NULL)
		return;
	em_key(e, "pve");
	em_map(e, false);
	em_kstr(e, "version", pve->version);
	em_key(e, "running");
	em_seq(e, true);
	for (i = 0; i < pve->n_vms; i++)
		if (pve->vms[i].running)
			em_int(e, pve->vms[i].vmid);
	em_end_seq(e);
	for (i = 0; i < pve->n_vms; i++) {
		char id[16];

		if (pve->vms[i].path == NULL ||
		    root_read(e->r, pve->vms[i].path, &text, &len) < 0)
			continue;
		if (!any) {
			em_key(e, "vms");
			em_map(e, false);
			any = true;
		}
		red = e->red != NULL
			  ? redact_vm_conf(
				e->red, (unsigned long)pve->vms[i].vmid, text)
			  : xstrdup(text);
		snprintf(id, sizeof id, "%d", pve->vms[i].vmid);
		em_key(e, id);
		em_text(e, red);
		free(red);
		free(text);
	}
	if (any)
		em_end_map(e);
	em_end_map(e);
}
