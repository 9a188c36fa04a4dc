/*
 * kmod_index.c: the binary index files libkmod reads (modules.dep.bin,
 * modules.alias.bin, modules.symbols.bin, modules.builtin.bin,
 * modules.builtin.alias.bin), written the way kmod's depmod writes them
 * (tools/depmod.c index_insert/index_write; format in libkmod-index.c).
 *
 * The file is a big-endian header (magic 0xB007F457, version 0x00020001,
 * root offset) and a Patricia trie over ASCII keys, nodes written children
 * first. A node offset carries flags in its high nibble: 0x80000000 the node
 * has a NUL-terminated prefix, 0x20000000 children (first and last
 * character, then one u32 offset per character in that range, 0 for none),
 * 0x40000000 values (a u32 count, then per value a u32 priority and a
 * NUL-terminated string, in priority order).
 */
#include "spec_priv.h"

#include <stdlib.h>
#include <string.h>

#define INDEX_MAGIC 0xB007F457u
#define INDEX_VERSION 0x00020001u
#define INDEX_CHILDMAX 128
#define NODE_PREFIX 0x80000000u
#define NODE_VALUES 0x40000000u
#define NODE_CHILDS 0x20000000u

struct kval {
	struct kval *next;
	unsigned priority;
	char *value;
};

struct knode {
	char *prefix;
	struct kval *values;
	unsigned char first, last;
	struct knode *children[INDEX_CHILDMAX];
};

struct kidx {
	struct knode *root;
};

static struct knode *
knode_new(const char *prefix)
{
	struct knode *n = xcalloc(1, sizeof *n);

	n->prefix = xstrdup(prefix);
	n->first = INDEX_CHILDMAX;
	n->last = 0;
	return n;
}

static void
knode_free(struct knode *n)
{
	struct kval *v, *next;
	int c;

	if (n == NULL)
		return;
	for (c = 0; c < INDEX_CHILDMAX; c++)
		knode_free(n->children[c]);
	for (v = n->values; v != NULL; v = next) {
		next = v->next;
		free(v->value);
		free(v);
	}
	free(n->prefix);
	free(n);
}

struct kidx *
kidx_new(void)
{
	struct kidx *k = xcalloc(1, sizeof *k);

	k->root = knode_new("");
	return k;
}

void
kidx_free(struct kidx *k)
{
	if (k == NULL)
		return;
	knode_free(k->root);
	free(k);
}

/* Insert in priority order, after equal priorities; skip exact repeats. */
static void
add_value(struct knode *n, const char *value, unsigned priority)
{
	struct kval **pp, *v;

	for (v = n->values; v != NULL; v = v->next)
		if (strcmp(v->value, value) == 0)
			return;
	for (pp = &n->values; *pp != NULL && (*pp)->priority <= priority;
	     pp = &(*pp)->next)
		;
	v = xcalloc(1, sizeof *v);
	v->priority = priority;
	v->value = xstrdup(value);
	v->next = *pp;
	*pp = v;
}

void
kidx_add(struct kidx *k, const char *key, const char *value, unsigned priority)
{
	struct knode *node = k->root;
	size_t i = 0, j;
	unsigned char ch;
	const char *p;

	/* keys are ASCII: module names and alias patterns */
	for (p = key; *p != '\0'; p++)
		if ((unsigned char)*p >= INDEX_CHILDMAX)
			return;
	for (;;) {
		/* split the node where its prefix and the key part ways */
		for (j = 0; node->prefix[j] != '\0'; j++) {
			struct knode *n;
			char *old = node->prefix;

			ch = (unsigned char)node->prefix[j];
			if (ch == (unsigned char)key[i + j])
				continue;
			/* the new child keeps the tail, the values, the
			 * children */
			n = xcalloc(1, sizeof *n);
			memcpy(n, node, sizeof *n);
			n->prefix = xstrdup(old + j + 1);
			memset(node, 0, sizeof *node);
			node->prefix = xstrndup(old, j);
			free(old);
			node->first = node->last = ch;
			node->children[ch] = n;
			break;
		}
		i += j;
		ch = (unsigned char)key[i];
		if (ch == '\0') {
			add_value(node, value, priority);
			return;
		}
		if (node->children[ch] == NULL) {
			struct knode *child = knode_new(key + i + 1);

			if (ch < node->first)
				node->first = ch;
			if (ch > node->last)
				node->last = ch;
			node->children[ch] = child;
			add_value(child, value, priority);
			return;
		}
		node = node->children[ch];
		i++;
	}
}

static void
put_be32(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v};

	sb_add(sb, b, 4);
}

/* Write a node after its children; return its offset with flags. */
static uint32_t
write_node(const struct knode *n, struct strbuf *sb)
{
	uint32_t *child = NULL, off;
	int count = 0, c;
	const struct kval *v;

	if (n == NULL)
		return 0;
	if (n->first < INDEX_CHILDMAX) {
		count = n->last - n->first + 1;
		child = xcalloc((size_t)count, sizeof *child);
		for (c = 0; c < count; c++)
			child[c] = write_node(n->children[n->first + c], sb);
	}
	off = (uint32_t)sb->len;
	if (n->prefix[0] != '\0') {
		sb_add(sb, n->prefix, strlen(n->prefix) + 1);
		off |= NODE_PREFIX;
	}
	if (count > 0) {
		sb_addc(sb, (char)n->first);
		sb_addc(sb, (char)n->last);
		for (c = 0; c < count; c++)
			put_be32(sb, child[c]);
		off |= NODE_CHILDS;
	}
	free(child);
	if (n->values != NULL) {
		uint32_t nv = 0;

		for (v = n->values; v != NULL; v = v->next)
			nv++;
		put_be32(sb, nv);
		for (v = n->values; v != NULL; v = v->next) {
			put_be32(sb, v->priority);
			sb_add(sb, v->value, strlen(v->value) + 1);
		}
		off |= NODE_VALUES;
	}
	return off;
}

void
kidx_write(const struct kidx *k, struct strbuf *sb)
{
	uint32_t root;
	uint8_t *p;

	sb_reset(sb);
	put_be32(sb, INDEX_MAGIC);
	put_be32(sb, INDEX_VERSION);
	put_be32(sb, 0); /* the root's offset, once known */
	root = write_node(k->root, sb);
	p = (uint8_t *)sb->buf + 8;
	p[0] = (uint8_t)(root >> 24);
	p[1] = (uint8_t)(root >> 16);
	p[2] = (uint8_t)(root >> 8);
	p[3] = (uint8_t)root;
}
