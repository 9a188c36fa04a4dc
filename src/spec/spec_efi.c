/*
 * spec_efi.c: /sys/firmware/efi for a UEFI host, with the efivars the
 * kernel's efivarfs shows: each file is 4 attribute bytes then the value.
 * SecureBoot and SetupMode (one byte), BootCurrent (u16 LE), BootOrder, and
 * Boot#### as real EFI_LOAD_OPTIONs: attributes, the UTF-16 description,
 * and a device path of a hard-drive node (GPT partition 1 of the ESP), a
 * file-path node with the UTF-16 loader path, and the end node.
 */
#include "spec_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EFI_GLOBAL "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define ATTR_NV 0x1
#define ATTR_BS 0x2
#define ATTR_RT 0x4

/* UTF-8 to NUL-terminated UTF-16LE; characters beyond the BMP become '?'. */
static void
add_utf16(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint8_t b[2];

	while (*p != '\0') {
		unsigned c = *p++;

		if (c >= 0xc0 && c < 0xe0 && (*p & 0xc0) == 0x80)
			c = (c & 0x1f) << 6 | (*p++ & 0x3f);
		else if (c >= 0xe0 && c < 0xf0 && (p[0] & 0xc0) == 0x80 &&
			 (p[1] & 0xc0) == 0x80) {
			c = (c & 0x0f) << 12 | (unsigned)(p[0] & 0x3f) << 6 |
			    (p[1] & 0x3f);
			p += 2;
		} else if (c >= 0x80) {
			c = '?';
			while ((*p & 0xc0) == 0x80)
				p++;
		}
		put_le16(b, (uint16_t)c);
		sb_add(sb, b, 2);
	}
	sb_add(sb, "\0\0", 2);
}

/* A GUID string in EFI's binary layout: three LE fields, then bytes. */
static void
guid_bytes(const char *s, uint8_t out[16])
{
	static const int order[16] = {
	    3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t raw[16] = {0};
	int i = 0;

	for (; *s != '\0' && i < 32; s++) {
		int v;

		if (*s == '-')
			continue;
		v = *s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10;
		raw[i / 2] = (uint8_t)(raw[i / 2] << 4 | (v & 0xf));
		i++;
	}
	for (i = 0; i < 16; i++)
		out[i] = raw[order[i]];
}

static void
efivar(struct tree *t, const char *name, uint32_t attrs, const void *data,
    size_t len)
{
	char *path =
	    xasprintf("/sys/firmware/efi/efivars/%s-" EFI_GLOBAL, name);
	uint8_t *buf = xmalloc(4 + len);

	put_le32(buf, attrs);
	memcpy(buf + 4, data, len);
	tree_file(t, path, buf, 4 + len, 0644);
	free(buf);
	free(path);
}

/* The EFI_LOAD_OPTION of one boot entry. */
static void
load_option(const struct host_spec *s, const struct spec_efi_entry *e,
    struct strbuf *sb)
{
	struct strbuf dp = STRBUF_INIT, path = STRBUF_INIT;
	uint8_t hd[42] = {0}, node[4];
	char uuid[37];

	if (e->path != NULL) {
		if (e->partuuid != NULL)
			snprintf(uuid, sizeof uuid, "%s", e->partuuid);
		else {
			char *seed = xasprintf("%s-esp", s->name);

			spec_uuid(seed, uuid);
			free(seed);
		}
		hd[0] = 0x04; /* media device path */
		hd[1] = 0x01; /* hard drive */
		put_le16(hd + 2, sizeof hd);
		put_le32(hd + 4, 1);
		put_le64(hd + 8, 2048);
		put_le64(hd + 16, 1048576);
		guid_bytes(uuid, hd + 24);
		hd[40] = 0x02; /* GPT */
		hd[41] = 0x02; /* GUID signature */
		sb_add(&dp, hd, sizeof hd);
		add_utf16(&path, e->path);
		node[0] = 0x04;
		node[1] = 0x04; /* file path */
		put_le16(node + 2, (uint16_t)(4 + path.len));
		sb_add(&dp, node, 4);
		sb_add(&dp, path.buf, path.len);
	}
	node[0] = 0x7f;
	node[1] = 0xff;
	put_le16(node + 2, 4);
	sb_add(&dp, node, 4);

	put_le32(node, 0x1); /* LOAD_OPTION_ACTIVE */
	sb_add(sb, node, 4);
	put_le16(node, (uint16_t)dp.len);
	sb_add(sb, node, 2);
	add_utf16(sb, e->label);
	sb_add(sb, dp.buf, dp.len);
	sb_release(&dp);
	sb_release(&path);
}

void
gen_efi(const struct host_spec *s, struct tree *t)
{
	const struct spec_firmware *f = &s->fw;
	struct strbuf order = STRBUF_INIT;
	uint8_t b[2];
	size_t i;

	if (!f->uefi)
		return;
	tree_filef(t, "/sys/firmware/efi/fw_platform_size", "64\n");
	tree_filef(t, "/sys/firmware/efi/runtime", "0x%08x\n", 0x7ae7b018u);
	tree_dir(t, "/sys/firmware/efi/efivars");
	b[0] = f->secure_boot ? 1 : 0;
	efivar(t, "SecureBoot", ATTR_BS | ATTR_RT, b, 1);
	b[0] = 0;
	efivar(t, "SetupMode", ATTR_BS | ATTR_RT, b, 1);
	if (f->boot_current[0] != '\0') {
		put_le16(b, (uint16_t)strtoul(f->boot_current, NULL, 16));
		efivar(t, "BootCurrent", ATTR_BS | ATTR_RT, b, 2);
	}
	for (i = 0; i < f->n_entries; i++) {
		const struct spec_efi_entry *e = &f->entries[i];
		struct strbuf opt = STRBUF_INIT;
		char *name = xasprintf("Boot%s", e->id);

		load_option(s, e, &opt);
		efivar(t, name, ATTR_NV | ATTR_BS | ATTR_RT, opt.buf, opt.len);
		put_le16(b, (uint16_t)strtoul(e->id, NULL, 16));
		sb_add(&order, b, 2);
		sb_release(&opt);
		free(name);
	}
	if (f->n_entries > 0)
		efivar(t, "BootOrder", ATTR_NV | ATTR_BS | ATTR_RT, order.buf,
		    order.len);
	sb_release(&order);
}
