/*
 * pve_conf.h: the Proxmox VE VM config codec
 * (/etc/pve/qemu-server/<vmid>.conf).
 *
 * A config is "key: value" lines, not libvirt XML. The text before the first
 * section header is the main section (the VM's current settings); then come
 * sections, each opened by a header line:
 *
 *   [PENDING]             changes waiting for a VM restart (case-insensitive)
 *   [special:cloudinit]   cloud-init state
 *   [special:fleecing]    backup fleecing images
 *   [snapname]            a snapshot: [a-z][a-z0-9_-]+, case-insensitive
 *   [anything else]       unknown: Proxmox skips its lines, so do we
 *
 * Inside a section a line is blank (white space only), a description line
 * ("#..."; Proxmox keeps the VM description as comments), or "key: value"
 * with key [a-z][a-z_-]*[0-9]* and a non-empty rest (qemu-server
 * PVE/QemuServer.pm parse_vm_config). Any other line is one Proxmox cannot
 * parse; pve_conf_parse() rejects it with its line number, except in an
 * unknown section, whose lines are kept verbatim and never looked at.
 *
 * Every line keeps its exact bytes, terminator included, so printing a parsed
 * config gives back the input byte for byte: CRLF, odd spacing, duplicate keys
 * and sections, a missing final newline, NUL bytes. Edits (set, delete) touch
 * only the main section and only the lines of the key edited. Values are
 * never validated here: checking a value against the Proxmox schema is the
 * steps' job; the hostpci helpers below parse the one value we reason about.
 *
 * Low layer: calls return 0 or -errno and fill *cause with an untranslated
 * message (caller frees); nothing prints.
 */
#ifndef VW_PVE_CONF_H
#define VW_PVE_CONF_H

#include "vfio-wizard/common.h"

struct strbuf;

enum pve_line_kind {
	PVE_LINE_BLANK,	   /* empty or white space only */
	PVE_LINE_COMMENT,  /* "#...": a description line */
	PVE_LINE_KEY,	   /* "key: value" */
	PVE_LINE_HEADER,   /* "[name]": opens a section */
	PVE_LINE_VERBATIM, /* inside an unknown section; or an
			      unanchored "snapstate:" line */
	PVE_LINE_INVALID,  /* unparsable (lenient parse only) */
};

struct pve_line {
	enum pve_line_kind kind;
	char *raw; /* the exact bytes, terminator included */
	size_t len;
	char *key;	  /* PVE_LINE_KEY: "memory"; else NULL */
	char *value;	  /* PVE_LINE_KEY: trimmed value; else NULL */
	size_t value_off; /* where value starts in raw */
	size_t value_len; /* its length in raw */
};

enum pve_section_kind {
	PVE_SECTION_MAIN,
	PVE_SECTION_PENDING,
	PVE_SECTION_SPECIAL,  /* name "cloudinit" or "fleecing" (lowercase) */
	PVE_SECTION_SNAPSHOT, /* name as written */
	PVE_SECTION_UNKNOWN,  /* name: the text between the brackets */
};

struct pve_section {
	enum pve_section_kind kind;
	char *name;		/* between the brackets as written ("PENDING",
				   "snap1"); special: after "special:";
				   "" for the main section */
	struct pve_line *lines; /* lines[0] is the header, except in main */
	size_t n_lines;
};

struct pve_conf {
	struct pve_section *sections; /* sections[0] is always the main one */
	size_t n_sections;
	size_t n_invalid; /* PVE_LINE_INVALID lines (lenient parse) */
};

/* Parse flags. */
#define PVE_PARSE_LENIENT 0x1 /* keep unparsable lines as INVALID */

/*
 * Parse len bytes of config text. Returns 0, or -EINVAL with *cause naming
 * the first unparsable line ("line 3: unable to parse 'foo bar'").
 * With PVE_PARSE_LENIENT, *out is set even on -EINVAL: every line is kept
 * (unparsable ones as PVE_LINE_INVALID) so a caller can still read what is
 * known; such a config refuses edits.
 */
int pve_conf_parse(const char *text, size_t len, int flags,
    struct pve_conf **out, char **cause);
void pve_conf_free(struct pve_conf *);

/* Append the config's text to sb: the input, byte for byte, plus edits. */
void pve_conf_print(const struct pve_conf *, struct strbuf *sb);
/* The config's text as a new NUL-terminated string; *len may be NULL. */
char *pve_conf_text(const struct pve_conf *, size_t *len);

/* The main section (never NULL). */
const struct pve_section *pve_conf_main(const struct pve_conf *);
/*
 * The first section of a kind; name selects a special or snapshot section
 * (case-insensitively, as Proxmox matches headers) and is ignored for MAIN
 * and PENDING. NULL when absent.
 */
const struct pve_section *pve_conf_section(
    const struct pve_conf *, enum pve_section_kind, const char *name);
/* A key's value in a section: the last occurrence wins, as in Proxmox. */
const char *pve_section_get(const struct pve_section *, const char *key);
/* A key's value in the main section, or NULL. */
const char *pve_conf_get(const struct pve_conf *, const char *key);

/*
 * Set a key in the main section. An existing line keeps its spacing and
 * terminator, only the value's bytes change (other lines with the same key,
 * which Proxmox ignores, are dropped); a new key is appended after the last
 * non-blank line of the main section, before any section. The key must be a
 * valid key other than "description" and "delete"; the value must be
 * non-empty, one line, without surrounding white space. -EINVAL with *cause
 * otherwise, or when the config holds unparsable lines.
 */
int pve_conf_set(
    struct pve_conf *, const char *key, const char *value, char **cause);
/* Delete every line of key in the main section; -ENOENT when there is none. */
int pve_conf_delete(struct pve_conf *, const char *key);
/* True when key is a syntactically valid config key. */
bool pve_conf_key_valid(const char *key);

/*
 * A hostpciN value (qemu-server PVE/QemuServer/PCI.pm, pve-qm-hostpci):
 * "[host=]HOSTPCIID[;HOSTPCIID...][,mapping=id][,rombar=<bool>]
 *  [,romfile=file][,pcie=<bool>][,x-vga=<bool>][,legacy-igd=<bool>]
 *  [,mdev=type][,vendor-id=0xXXXX][,device-id=..][,sub-vendor-id=..]
 *  [,sub-device-id=..][,driver=name]"
 * with HOSTPCIID "[domain:]bus:dev[.func]" in lowercase hex (no function:
 * every function of the device). Exactly one of host and mapping is set.
 * Booleans take 1|on|yes|true and 0|off|no|false; -1 means "not given"
 * (rombar then defaults to on, the others to off).
 */
struct pve_hostpci {
	char **hosts; /* ids as written: "0000:00:02.0", "01:00" */
	size_t n_hosts;
	char *mapping;
	int rombar, pcie, x_vga, legacy_igd; /* -1, 0 or 1 */
	char *romfile, *mdev, *driver;
	char *vendor_id, *device_id, *sub_vendor_id, *sub_device_id;
};

/* Parse a hostpciN value; -EINVAL with *cause saying what is wrong. */
int pve_hostpci_parse(const char *value, struct pve_hostpci *out, char **cause);
void pve_hostpci_free(struct pve_hostpci *);
/* Print a value: the host list first, then the other keys sorted by name. */
char *pve_hostpci_print(const struct pve_hostpci *);

/*
 * Split a HOSTPCIID into numbers; *func is -1 when the id names every
 * function. The domain defaults to 0. -EINVAL when not an id.
 */
int pve_pci_id_parse(
    const char *id, unsigned *domain, unsigned *bus, unsigned *dev, int *func);
/* True when one of the value's host ids covers address ("0000:00:02.0"). */
bool pve_hostpci_covers(const struct pve_hostpci *, const char *address);

#endif
