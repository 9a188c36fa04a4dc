/*
 * net.c: the network the host is reached on, so that the guard can refuse
 * to pass through the NIC that carries it.
 *
 * The management interfaces are those that carry the default route and the
 * node's address: an iface of /etc/network/interfaces with a "gateway"
 * option or a dhcp method, the interfaces of the default routes the kernel
 * has (/proc/net/route, /proc/net/ipv6_route), and the iface whose
 * "address" is the one /etc/hosts gives for the node name (Proxmox VE
 * resolves the node name there, pve-cluster and the web UI use it). On a
 * host installed from the Proxmox ISO that is vmbr0 (proxmox/pve-installer
 * writes "auto vmbr0 / iface vmbr0 inet static / address / gateway /
 * bridge-ports <nic>" and "<ip> <fqdn> <node>" to /etc/hosts).
 *
 * Each is followed down to physical NICs through both the configuration
 * (bridge-ports, bond-slaves, ovs_ports/ovs_bonds/ovs_bridge for Open
 * vSwitch, vlan-raw-device, "eno1.100" names, bond-master on the slaves)
 * and the running kernel (the lower_<dev> links of /sys/class/net/<dev>,
 * which the kernel keeps for bridge ports, bond slaves and VLANs). A leaf
 * with /sys/class/net/<if>/device is a NIC: the last PCI address of that
 * device's path is the PCI function (a USB NIC's USB controller). Every
 * bridge, from the file or sysfs, is followed the same way, so that the
 * guard can fail closed over all bridge ports when the configuration is
 * odd or names no management interface.
 */
#include "vfio-wizard/pci_addr.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"
#include "net_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Interface stacks deeper than this are treated as a loop. */
#define NET_MAX_DEPTH 8

struct net_ctx {
	struct host *h;
	const struct root *r;
	struct ifu_config cfg;
	struct strbuf evidence;
	char **visited; /* per walk from one top */
	size_t n_visited;
};

/* The last PCI address component of a path, or NULL. */
static char *
last_pci(const char *path)
{
	const char *p, *bdf = NULL;
	size_t len, bdf_len = 0;

	for (p = path; *p != '\0';) {
		len = strcspn(p, "/");
		if (pci_addr_is_component(p, len)) {
			bdf = p;
			bdf_len = len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return bdf != NULL ? xstrndup(bdf, bdf_len) : NULL;
}

/* Every interface of /sys/class/net that has a device, with its PCI one. */
static void
list_netdevs(struct net_ctx *c)
{
	struct host_network *net = &c->h->network;
	char **names;
	size_t n, i;
	int err;

	if ((err = root_listdir(c->r, "/sys/class/net", &names, &n)) < 0) {
		host_problem(c->h, "network",
		    "cannot read '/sys/class/net': %s", strerror(-err));
		net->uncertain = true;
		return;
	}
	for (i = 0; i < n; i++) {
		char *link = xasprintf("/sys/class/net/%s/device", names[i]);
		char *real = NULL, *bdf = NULL;

		if (root_exists(c->r, link) &&
		    root_resolve(c->r, link, &real) == 0 &&
		    (bdf = last_pci(real)) != NULL) {
			struct host_netdev d = {xstrdup(names[i]), bdf};

			ARRAY_PUSH(net->netdevs, net->n_netdevs, d);
		}
		free(real);
		free(link);
	}
	strv_free(names, n);
}

static const struct host_netdev *
netdev_find(const struct host *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->network.n_netdevs; i++)
		if (strcmp(h->network.netdevs[i].name, name) == 0)
			return &h->network.netdevs[i];
	return NULL;
}

static void add_mgmt(struct net_ctx *c, const char *iface, const char *fmt, ...)
    VW_PRINTF(3, 4);

/* Add a management interface (once) and say why. */
static void
add_mgmt(struct net_ctx *c, const char *iface, const char *fmt, ...)
{
	struct host_network *net = &c->h->network;
	va_list ap;

	if (strcmp(iface, "lo") == 0)
		return;
	if (!strv_has(net->mgmt_ifaces, net->n_mgmt_ifaces, iface))
		ARRAY_PUSH(
		    net->mgmt_ifaces, net->n_mgmt_ifaces, xstrdup(iface));
	if (c->evidence.len > 0)
		sb_adds(&c->evidence, "; ");
	va_start(ap, fmt);
	sb_vaddf(&c->evidence, fmt, ap);
	va_end(ap);
}

/* An address as bytes for comparison ("10.0.0.2/24" -> 4 bytes). */
static int
ip_bytes(const char *text, unsigned char out[16])
{
	char *s = xstrndup(text, strcspn(text, "/ \t"));
	int len = 0;

	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, s, out) == 1)
		len = 16;
	free(s);
	return len;
}

static bool
is_loopback(const unsigned char *ip, int len)
{
	static const unsigned char v6lo[16] = {[15] = 1};

	return (len == 4 && ip[0] == 127) ||
	       (len == 16 && memcmp(ip, v6lo, 16) == 0);
}

/* The non-loopback addresses /etc/hosts gives for the node name. */
static void
node_addresses(struct net_ctx *c, char ***ips, size_t *n)
{
	const char *node = c->h->hostname, *line;
	char *text;

	*ips = NULL;
	*n = 0;
	if (node == NULL || root_read(c->r, "/etc/hosts", &text, NULL) < 0)
		return;
	for (line = text; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		char *l = xstrndup(line, len), *hash, *save = NULL, *ip, *w;
		unsigned char b[16];
		int blen;

		if ((hash = strchr(l, '#')) != NULL)
			*hash = '\0';
		ip = strtok_r(l, " \t\r", &save);
		while (ip != NULL && (w = strtok_r(NULL, " \t\r", &save))) {
			size_t nl = strcspn(node, ".");

			if (strncmp(w, node, nl) == 0 &&
			    (w[nl] == '\0' || w[nl] == '.') &&
			    (blen = ip_bytes(ip, b)) > 0 &&
			    !is_loopback(b, blen)) {
				ARRAY_PUSH(*ips, *n, xstrdup(ip));
				break;
			}
		}
		free(l);
		line += len;
		if (*line == '\n')
			line++;
	}
	free(text);
}

/* Management interfaces from the configuration and /etc/hosts. */
static void
mgmt_from_config(struct net_ctx *c)
{
	char **ips;
	size_t n_ips, i, j, k;

	for (i = 0; i < c->cfg.n_ifaces; i++) {
		const struct ifu_iface *f = &c->cfg.ifaces[i];
		const struct ifu_attr *gw = ifu_get(f, "gateway");

		if (gw != NULL)
			add_mgmt(c, f->name, "gateway %s on %s ('%s')",
			    gw->value, f->name, gw->where);
		else if (f->dhcp)
			add_mgmt(
			    c, f->name, "dhcp on %s ('%s')", f->name, f->where);
	}
	node_addresses(c, &ips, &n_ips);
	for (k = 0; k < n_ips; k++) {
		unsigned char want[16], have[16];
		int wl = ip_bytes(ips[k], want);

		for (i = 0; i < c->cfg.n_ifaces; i++) {
			const struct ifu_iface *f = &c->cfg.ifaces[i];

			for (j = 0; j < f->n_attrs; j++) {
				const struct ifu_attr *a = &f->attrs[j];

				if (strcmp(a->key, "address") == 0 &&
				    ip_bytes(a->value, have) == wl &&
				    memcmp(want, have, (size_t)wl) == 0)
					add_mgmt(c, f->name,
					    "address %s of node '%s' "
					    "('/etc/hosts') on %s ('%s')",
					    ips[k], c->h->hostname, f->name,
					    a->where);
			}
		}
	}
	strv_free(ips, n_ips);
}

/* True when the hex field is all zeros ("00000000", "0000...0000"). */
static bool
all_zero(const char *s, size_t len)
{
	return len > 0 && strspn(s, "0") >= len;
}

/*
 * The interfaces of the kernel's default routes: /proc/net/route lines
 * "Iface Destination Gateway Flags RefCnt Use Metric Mask ..." with
 * destination and mask 0, /proc/net/ipv6_route lines "dest plen src slen
 * nexthop metric refcnt use flags iface" with a ::/0 destination.
 */
static void
mgmt_from_routes(struct net_ctx *c)
{
	static const struct {
		const char *path;
		int iface, dest, mask; /* field numbers; mask -1: plen */
	} files[] = {
	    {"/proc/net/route", 0, 1, 7},
	    {"/proc/net/ipv6_route", 9, 0, 1},
	};
	size_t i;

	for (i = 0; i < nitems(files); i++) {
		char *text;
		const char *line;

		if (root_read(c->r, files[i].path, &text, NULL) < 0)
			continue;
		for (line = text; *line != '\0';) {
			size_t len = strcspn(line, "\n"), f = 0;
			char *l = xstrndup(line, len), *save = NULL, *w;
			char *fld[10] = {NULL};

			for (w = strtok_r(l, " \t", &save); w != NULL && f < 10;
			     w = strtok_r(NULL, " \t", &save))
				fld[f++] = w;
			if (f == 10 || (i == 0 && f >= 8)) {
				const char *d = fld[files[i].dest];
				const char *m = fld[files[i].mask];

				if (all_zero(d, strlen(d)) &&
				    all_zero(m, strlen(m)))
					add_mgmt(c, fld[files[i].iface],
					    "default route on %s ('%s')",
					    fld[files[i].iface], files[i].path);
			}
			free(l);
			line += len;
			if (*line == '\n')
				line++;
		}
		free(text);
	}
}

static void add_nic(struct net_ctx *, const struct host_netdev *,
    const char *top, const char *via, bool mgmt);

/* The lower interfaces of one: configuration first, then the kernel's. */
static void
lowers_of(struct net_ctx *c, const char *name, char ***v, size_t *n)
{
	static const char *const keys[] = {"bridge-ports", "bond-slaves",
	    "ovs-ports", "ovs-bonds", "vlan-raw-device", "ovs-bridge"};
	const struct ifu_iface *f = ifu_find(&c->cfg, name);
	char *link, **ents;
	size_t i, j, ne;

	for (i = 0; f != NULL && i < nitems(keys); i++) {
		const struct ifu_attr *a = ifu_get(f, keys[i]);
		char *words, *save = NULL, *w;

		if (a == NULL)
			continue;
		words = xstrdup(a->value);
		w = strtok_r(words, " \t", &save);
		if (w != NULL &&
		    (strcmp(w, "glob") == 0 || strcmp(w, "regex") == 0 ||
			strpbrk(a->value, "[]*?") != NULL)) {
			host_problem(c->h, "network",
			    "'%s': '%s %s' is not followed", a->where, a->key,
			    a->value);
			c->cfg.odd = true;
			w = NULL;
		}
		for (; w != NULL; w = strtok_r(NULL, " \t", &save))
			if (strcmp(w, "none") != 0 && !strv_has(*v, *n, w))
				ARRAY_PUSH(*v, *n, xstrdup(w));
		free(words);
	}
	/* classic ifenslave: the slaves name their bond */
	for (i = 0; *n == 0 && i < c->cfg.n_ifaces; i++) {
		const struct ifu_attr *a =
		    ifu_get(&c->cfg.ifaces[i], "bond-master");

		if (a != NULL && strcmp(a->value, name) == 0)
			ARRAY_PUSH(*v, *n, xstrdup(c->cfg.ifaces[i].name));
	}
	/* "eno1.100" is VLAN 100 on eno1 */
	if (*n == 0 && (link = strrchr(name, '.')) != NULL && link != name &&
	    link[1] != '\0' &&
	    strspn(link + 1, "0123456789") == strlen(link + 1))
		ARRAY_PUSH(*v, *n, xstrndup(name, (size_t)(link - name)));
	link = xasprintf("/sys/class/net/%s", name);
	if (root_listdir(c->r, link, &ents, &ne) == 0) {
		for (j = 0; j < ne; j++)
			if (str_startswith(ents[j], "lower_") &&
			    !strv_has(*v, *n, ents[j] + 6))
				ARRAY_PUSH(*v, *n, xstrdup(ents[j] + 6));
		strv_free(ents, ne);
	}
	free(link);
}

/* True when the configuration makes this interface a bridge or a bond. */
static bool
is_virtual_in_config(const struct net_ctx *c, const char *name)
{
	static const char *const keys[] = {"bridge-ports", "bond-slaves",
	    "ovs-ports", "ovs-bonds", "ovs-type", "vlan-raw-device"};
	const struct ifu_iface *f = ifu_find(&c->cfg, name);
	size_t i;

	for (i = 0; f != NULL && i < nitems(keys); i++)
		if (ifu_get(f, keys[i]) != NULL)
			return true;
	return false;
}

/* Follow one interface down to its NICs; via is the chain so far. */
static void
follow(struct net_ctx *c, const char *name, const char *top, const char *via,
    bool mgmt, int depth)
{
	const struct host_netdev *d;
	char **low = NULL, *path;
	size_t n = 0, i;

	if (strv_has(c->visited, c->n_visited, name) || strcmp(name, "lo") == 0)
		return;
	if (depth > NET_MAX_DEPTH) {
		host_problem(c->h, "network",
		    "interface '%s' (%s): stacked too deep", name, via);
		c->h->network.uncertain = true;
		return;
	}
	ARRAY_PUSH(c->visited, c->n_visited, xstrdup(name));
	if ((d = netdev_find(c->h, name)) != NULL) {
		add_nic(c, d, top, via, mgmt);
		return;
	}
	lowers_of(c, name, &low, &n);
	for (i = 0; i < n; i++) {
		char *v = xasprintf("%s via %s", via, low[i]);

		follow(c, low[i], top, v, mgmt, depth + 1);
		free(v);
	}
	path = xasprintf("/sys/class/net/%s", name);
	if (n == 0 && !is_virtual_in_config(c, name) &&
	    !root_exists(c->r, path) && (mgmt || c->h->network.uncertain)) {
		host_problem(c->h, "network",
		    "interface '%s' (%s) is not in '/sys/class/net': its nic "
		    "is unknown",
		    name, via);
		c->h->network.unresolved = true;
	}
	free(path);
	strv_free(low, n);
}

static void
add_nic(struct net_ctx *c, const struct host_netdev *d, const char *top,
    const char *via, bool mgmt)
{
	struct host_network *net = &c->h->network;
	struct host_nic nic;
	size_t i;

	/* once per top; a management NIC is not listed again as a port */
	for (i = 0; i < net->n_nics; i++)
		if (strcmp(net->nics[i].iface, d->name) == 0 &&
		    (strcmp(net->nics[i].top, top) == 0 ||
			(net->nics[i].mgmt && !mgmt)))
			return;
	nic.address = xstrdup(d->address);
	nic.iface = xstrdup(d->name);
	nic.top = xstrdup(top);
	nic.via = xstrdup(via);
	nic.mgmt = mgmt;
	ARRAY_PUSH(net->nics, net->n_nics, nic);
}

static void
walk_top(struct net_ctx *c, const char *top, bool mgmt)
{
	follow(c, top, top, top, mgmt, 0);
	strv_free(c->visited, c->n_visited);
	c->visited = NULL;
	c->n_visited = 0;
}

/* Every bridge the configuration or the kernel knows, in name order. */
static void
list_bridges(struct net_ctx *c, char ***v, size_t *n)
{
	char **names;
	size_t i, ne;

	for (i = 0; i < c->cfg.n_ifaces; i++) {
		const struct ifu_iface *f = &c->cfg.ifaces[i];
		const struct ifu_attr *t = ifu_get(f, "ovs-type");

		if ((ifu_get(f, "bridge-ports") != NULL ||
			(t != NULL && strcmp(t->value, "OVSBridge") == 0)) &&
		    !strv_has(*v, *n, f->name))
			ARRAY_PUSH(*v, *n, xstrdup(f->name));
	}
	if (root_listdir(c->r, "/sys/class/net", &names, &ne) < 0)
		return;
	for (i = 0; i < ne; i++) {
		char *p = xasprintf("/sys/class/net/%s/bridge", names[i]);

		if (root_exists(c->r, p) && !strv_has(*v, *n, names[i]))
			ARRAY_PUSH(*v, *n, xstrdup(names[i]));
		free(p);
	}
	strv_free(names, ne);
}

void
probe_net(struct host *h, const struct root *r)
{
	struct host_network *net = &h->network;
	struct net_ctx c;
	char **bridges = NULL;
	size_t n_bridges = 0, i;

	memset(&c, 0, sizeof c);
	c.h = h;
	c.r = r;
	list_netdevs(&c);
	ifu_load(&c.cfg, h, r, "/etc/network/interfaces");
	mgmt_from_config(&c);
	mgmt_from_routes(&c);
	if (net->n_mgmt_ifaces == 0) {
		host_problem(h, "network",
		    "no management interface: no gateway or dhcp in "
		    "'/etc/network/interfaces', no default route, no address "
		    "of node '%s' from '/etc/hosts'",
		    h->hostname != NULL ? h->hostname : "?");
		net->uncertain = true;
	}
	if (c.cfg.odd)
		net->uncertain = true;
	if (c.evidence.len > 0)
		net->mgmt_evidence = sb_detach(&c.evidence);
	for (i = 0; i < net->n_mgmt_ifaces; i++)
		walk_top(&c, net->mgmt_ifaces[i], true);
	list_bridges(&c, &bridges, &n_bridges);
	for (i = 0; i < n_bridges; i++)
		walk_top(&c, bridges[i], false);
	if (c.cfg.odd)
		net->uncertain = true;
	strv_free(bridges, n_bridges);
	ifu_free(&c.cfg);
}
