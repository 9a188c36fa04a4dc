/*
 * net_priv.h: the network probe's internals, shared by net_ifupdown.c (the
 * /etc/network/interfaces reader) and net.c (the management network and the
 * NICs below it). Not part of the public API (host.h).
 */
#ifndef VW_NET_PRIV_H
#define VW_NET_PRIV_H

#include "vfio-wizard/host.h"

struct root;

/* One option line of an iface stanza: "bridge-ports eno1 eno2". */
struct ifu_attr {
	char *key;   /* '_' spelt '-', as ifupdown2 reads it */
	char *value; /* the rest of the line, white space trimmed */
	char *where; /* "/etc/network/interfaces:9" */
};

/* Every iface stanza of one name (inet and inet6 merged). */
struct ifu_iface {
	char *name;  /* "vmbr0"; an alias "eno1:1" counts as "eno1" */
	char *where; /* the first stanza's file and line */
	bool dhcp;   /* a "dhcp" method: the default route comes from it */
	struct ifu_attr *attrs;
	size_t n_attrs;
};

struct ifu_config {
	struct ifu_iface *ifaces; /* in the order first seen */
	size_t n_ifaces;
	/* something could not be read or was not understood: what is known
	   may be incomplete */
	bool odd;
};

/*
 * Read an interfaces file and every file it sources (source, with shell
 * wildcards in the last component, and source-directory), the way ifupdown2
 * does: backslashes join lines, '#' starts a comment line, stanzas start
 * with iface, auto, allow-*, source, source-directory, vlan and mapping,
 * every other line is an option of the current iface. What cannot be read
 * or is not understood is a host problem and sets cfg->odd. Returns -errno
 * when the file itself cannot be read.
 */
int ifu_load(
    struct ifu_config *, struct host *, const struct root *, const char *path);
void ifu_free(struct ifu_config *);
const struct ifu_iface *ifu_find(const struct ifu_config *, const char *name);
/* The value of the first option with this key ('-' spelling), or NULL. */
const struct ifu_attr *ifu_get(const struct ifu_iface *, const char *key);

#endif
