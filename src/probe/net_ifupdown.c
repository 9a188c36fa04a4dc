/*
 * net_ifupdown.c: reads /etc/network/interfaces as ifupdown2 (Proxmox VE's
 * network stack since 7.0) reads it, networkinterfaces.py in
 * CumulusNetworks/ifupdown2:
 *   - every backslash joins what is around it into one line, the white
 *     space on both sides becoming one space;
 *   - a line whose first non-blank character is '#' is a comment;
 *   - "iface NAME [FAMILY [METHOD]]" starts a stanza; later stanzas of the
 *     same name (inet and inet6) add to it, "NAME:N" is an alias of NAME;
 *   - "auto", "allow-*", "source", "source-directory", "vlan" and
 *     "mapping" are the other keywords; "source" takes shell wildcards,
 *     "source-directory" reads the files named [a-zA-Z0-9_-]+;
 *   - every other line is "KEY VALUE" of the current iface, KEY read with
 *     '_' as '-' (bridge_ports is bridge-ports).
 * Files are read through the root handle; relative source paths are taken
 * from the directory of the file that names them. Nothing is printed: what
 * cannot be followed becomes a host problem and marks the result odd.
 */
#include "vfio-wizard/root.h"
#include "vfio-wizard/strbuf.h"
#include "net_priv.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* Sourced files nested deeper than this are treated as a loop. */
#define IFU_MAX_DEPTH 8

struct ifu_ctx {
	struct ifu_config *cfg;
	struct host *h;
	const struct root *r;
	const char *stack[IFU_MAX_DEPTH + 1];
	int depth;
};

static int read_file(struct ifu_ctx *, const char *path);

static void odd(struct ifu_ctx *c, const char *fmt, ...) VW_PRINTF(2, 3);

/* Record a problem and remember that the result may be incomplete. */
static void
odd(struct ifu_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	host_problem(c->h, "network", "%s", msg);
	free(msg);
	c->cfg->odd = true;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Split the next white-space separated word off *p; NULL at the end. */
static char *
next_word(const char **p)
{
	const char *s = *p, *e;

	while (*s != '\0' && is_blank(*s))
		s++;
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	for (e = s; *e != '\0' && !is_blank(*e); e++)
		;
	*p = e;
	return xstrndup(s, (size_t)(e - s));
}

static struct ifu_iface *
iface_get(struct ifu_config *cfg, const char *name, const char *where)
{
	struct ifu_iface f;
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (strcmp(cfg->ifaces[i].name, name) == 0)
			return &cfg->ifaces[i];
	memset(&f, 0, sizeof f);
	f.name = xstrdup(name);
	f.where = xstrdup(where);
	ARRAY_PUSH(cfg->ifaces, cfg->n_ifaces, f);
	return &cfg->ifaces[cfg->n_ifaces - 1];
}

/* The directory part of a path ("/etc/network" for its interfaces). */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *
absolute(struct ifu_ctx *c, const char *path)
{
	char *dir, *abs;

	if (path[0] == '/')
		return xstrdup(path);
	dir = dir_of(c->stack[c->depth - 1]);
	abs = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, path);
	free(dir);
	return abs;
}

/* "source PATTERN": every file the pattern names, in sorted order. */
static void
do_source(struct ifu_ctx *c, const char *arg, const char *where)
{
	char *pat = absolute(c, arg), *dir, **names;
	const char *base = strrchr(pat, '/') + 1;
	size_t n, i;

	dir = dir_of(pat);
	if (strpbrk(dir, "*?[") == NULL && strpbrk(base, "*?[") == NULL) {
		read_file(c, pat);
	} else if (strpbrk(dir, "*?[") != NULL) {
		odd(c,
		    "'%s': 'source %s': wildcards in directories are not "
		    "followed",
		    where, arg);
	} else if (root_listdir(c->r, dir, &names, &n) == 0) {
		for (i = 0; i < n; i++) {
			char *p;

			if (fnmatch(base, names[i], FNM_PERIOD) != 0)
				continue;
			p = xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
			    names[i]);
			read_file(c, p);
			free(p);
		}
		strv_free(names, n);
	}
	/* a pattern that matches nothing is fine, as for ifupdown2 */
	free(dir);
	free(pat);
}

/* "source-directory DIR": its files named [a-zA-Z0-9_-]+, sorted. */
static void
do_source_dir(struct ifu_ctx *c, const char *arg, const char *where)
{
	char *dir = absolute(c, arg), **names;
	size_t n, i;
	int err;

	if ((err = root_listdir(c->r, dir, &names, &n)) < 0) {
		odd(c, "'%s': cannot read 'source-directory %s': %s", where,
		    arg, strerror(-err));
		free(dir);
		return;
	}
	for (i = 0; i < n; i++) {
		char *p;

		if (strspn(names[i],
			"abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
		    strlen(names[i]))
			continue;
		p = xasprintf("%s/%s", dir, names[i]);
		read_file(c, p);
		free(p);
	}
	strv_free(names, n);
	free(dir);
}

enum mode { M_NONE, M_IFACE, M_SKIP };

/* One logical line (comments and blank lines already dropped). */
static void
do_line(struct ifu_ctx *c, const char *line, const char *where, enum mode *m,
    struct ifu_iface **cur)
{
	const char *p = line, *rest;
	char *kw = next_word(&p), *arg;

	rest = p;
	while (*rest != '\0' && is_blank(*rest))
		rest++;
	if (strcmp(kw, "iface") == 0) {
		char *name = next_word(&p), *fam, *method, *colon;

		if (name == NULL) {
			odd(c, "'%s': 'iface' without a name", where);
			*m = M_SKIP;
		} else {
			if ((colon = strchr(name, ':')) != NULL)
				*colon = '\0';
			*cur = iface_get(c->cfg, name, where);
			*m = M_IFACE;
			fam = next_word(&p);
			method = next_word(&p);
			if (method != NULL && strncmp(method, "dhcp", 4) == 0)
				(*cur)->dhcp = true;
			free(fam);
			free(method);
		}
		free(name);
	} else if (strcmp(kw, "auto") == 0 || str_startswith(kw, "allow-")) {
		*m = M_NONE;
	} else if (strcmp(kw, "vlan") == 0) {
		*m = M_SKIP; /* ifupdown2's bridge vlan objects */
	} else if (strcmp(kw, "mapping") == 0) {
		odd(c, "'%s': mapping stanzas are not followed", where);
		*m = M_SKIP;
	} else if (strcmp(kw, "source") == 0 ||
		   strcmp(kw, "source-directory") == 0) {
		*m = M_NONE;
		if ((arg = next_word(&p)) == NULL)
			odd(c, "'%s': '%s' without a path", where, kw);
		else if (kw[6] == '\0')
			do_source(c, arg, where);
		else
			do_source_dir(c, arg, where);
		free(arg);
	} else if (*m == M_IFACE && *rest != '\0') {
		struct ifu_attr a;
		char *q;

		a.key = xstrdup(kw);
		for (q = a.key; *q != '\0'; q++)
			if (*q == '_')
				*q = '-';
		a.value = str_rstrip(xstrdup(rest));
		a.where = xstrdup(where);
		ARRAY_PUSH((*cur)->attrs, (*cur)->n_attrs, a);
	} else if (*m == M_IFACE) {
		odd(c, "'%s': option '%s' has no value", where, kw);
	} else if (*m != M_SKIP) {
		odd(c, "'%s': '%s' is outside an iface stanza", where, line);
	}
	free(kw);
}

/*
 * Walk a file's text as logical lines: a backslash joins, trimming the
 * white space (newlines included) on both sides into one space.
 */
static void
parse_text(struct ifu_ctx *c, const char *path, const char *text)
{
	struct strbuf line = STRBUF_INIT;
	struct ifu_iface *cur = NULL;
	enum mode m = M_NONE;
	unsigned lineno = 1, start = 1;
	const char *s;

	for (s = text;; s++) {
		if (*s == '\\') {
			while (line.len > 0 && is_blank(line.buf[line.len - 1]))
				line.buf[--line.len] = '\0';
			while (is_blank(s[1])) {
				lineno += s[1] == '\n';
				s++;
			}
			sb_addc(&line, ' ');
			continue;
		}
		if (*s != '\n' && *s != '\0') {
			sb_addc(&line, *s);
			continue;
		}
		if (line.len > 0) {
			const char *l = sb_str(&line);

			while (is_blank(*l))
				l++;
			if (*l != '\0' && *l != '#') {
				char *where = xasprintf("%s:%u", path, start);
				char *t = str_rstrip(xstrdup(l));

				do_line(c, t, where, &m, &cur);
				free(t);
				free(where);
			}
		}
		sb_reset(&line);
		if (*s == '\0')
			break;
		start = ++lineno;
	}
	sb_release(&line);
}

static int
read_file(struct ifu_ctx *c, const char *path)
{
	char *text;
	int i, err;

	for (i = 0; i < c->depth; i++) {
		if (strcmp(c->stack[i], path) == 0) {
			odd(c, "'%s' sources itself", path);
			return -ELOOP;
		}
	}
	if (c->depth >= IFU_MAX_DEPTH) {
		odd(c, "'%s': sourced files nest deeper than %d", path,
		    IFU_MAX_DEPTH);
		return -ELOOP;
	}
	if ((err = root_read(c->r, path, &text, NULL)) < 0) {
		odd(c, "cannot read '%s': %s", path, strerror(-err));
		return err;
	}
	c->stack[c->depth++] = path;
	parse_text(c, path, text);
	c->depth--;
	free(text);
	return 0;
}

int
ifu_load(struct ifu_config *cfg, struct host *h, const struct root *r,
    const char *path)
{
	struct ifu_ctx c;

	memset(cfg, 0, sizeof *cfg);
	memset(&c, 0, sizeof c);
	c.cfg = cfg;
	c.h = h;
	c.r = r;
	return read_file(&c, path);
}

void
ifu_free(struct ifu_config *cfg)
{
	size_t i, j;

	for (i = 0; i < cfg->n_ifaces; i++) {
		struct ifu_iface *f = &cfg->ifaces[i];

		for (j = 0; j < f->n_attrs; j++) {
			free(f->attrs[j].key);
			free(f->attrs[j].value);
			free(f->attrs[j].where);
		}
		free(f->attrs);
		free(f->name);
		free(f->where);
	}
	free(cfg->ifaces);
	memset(cfg, 0, sizeof *cfg);
}

const struct ifu_iface *
ifu_find(const struct ifu_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (strcmp(cfg->ifaces[i].name, name) == 0)
			return &cfg->ifaces[i];
	return NULL;
}

const struct ifu_attr *
ifu_get(const struct ifu_iface *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n_attrs; i++)
		if (strcmp(f->attrs[i].key, key) == 0)
			return &f->attrs[i];
	return NULL;
}
