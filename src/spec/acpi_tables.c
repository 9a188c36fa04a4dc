/*
 * acpi_tables.c: /sys/firmware/acpi/tables/<NAME> as real binary tables.
 *
 * Every table has a valid 36-byte ACPI header (signature, length, revision,
 * a checksum that makes all bytes sum to zero, OEM fields). DMAR (Intel
 * VT-d) carries the host address width - 1, the flags (bit 0 INTR_REMAP,
 * bit 1 X2APIC_OPT_OUT) and one DRHD per unit: the iGPU's own unit first
 * when there is one, the INCLUDE_PCI_ALL unit last with the IOAPIC and HPET
 * scopes, plus the iGPU's RMRR. IVRS (AMD-Vi) carries IVinfo and one type
 * 0x10 IVHD per unit covering all devices, with the IOAPIC entry. Other
 * tables are a header alone.
 */
#include "spec_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACPI_HDR 36

/* The table's header; the checksum is set by acpi_finish(). */
static void
acpi_header(struct strbuf *sb, const char *sig, uint8_t rev)
{
	uint8_t h[ACPI_HDR] = {0};

	memcpy(h, sig, 4);
	h[8] = rev;
	memcpy(h + 10, "ALASKA", 6);
	memcpy(h + 16, "A M I   ", 8);
	put_le32(h + 24, 0x01072009);
	memcpy(h + 28, "AMI ", 4);
	put_le32(h + 32, 0x00010013);
	sb_add(sb, h, sizeof h);
}

static void
acpi_finish(struct strbuf *sb)
{
	uint8_t *b = (uint8_t *)sb->buf, sum = 0;
	size_t i;

	put_le32(b + 4, (uint32_t)sb->len);
	b[9] = 0;
	for (i = 0; i < sb->len; i++)
		sum = (uint8_t)(sum + b[i]);
	b[9] = (uint8_t)(0x100 - sum);
}

static void
add_u8(struct strbuf *sb, unsigned v)
{
	sb_addc(sb, (char)(uint8_t)v);
}

static void
add_le16(struct strbuf *sb, unsigned v)
{
	uint8_t b[2];

	put_le16(b, (uint16_t)v);
	sb_add(sb, b, 2);
}

static void
add_le32(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	sb_add(sb, b, 4);
}

static void
add_le64(struct strbuf *sb, uint64_t v)
{
	uint8_t b[8];

	put_le64(b, v);
	sb_add(sb, b, 8);
}

/* A DMAR device scope with a one-element path: type, id, bus, dev.fn. */
static void
dmar_scope(struct strbuf *sb, unsigned type, unsigned id, unsigned bus,
    unsigned dev, unsigned fn)
{
	add_u8(sb, type);
	add_u8(sb, 8);
	add_le16(sb, 0);
	add_u8(sb, id);
	add_u8(sb, bus);
	add_u8(sb, dev);
	add_u8(sb, fn);
}

static bool
has_igd(const struct host_spec *s)
{
	long i = spec_find_pci(s, "0000:00:02.0");

	return i >= 0 && (s->pci[i].class_code >> 16) == 0x03;
}

static void
build_dmar(const struct host_spec *s, struct strbuf *sb)
{
	const struct spec_firmware *f = &s->fw;
	uint8_t fixed[12] = {0};
	bool igd = has_igd(s);
	int u;

	acpi_header(sb, "DMAR", 1);
	fixed[0] = (uint8_t)(f->dmar_haw - 1);
	fixed[1] = (uint8_t)((f->dmar_intremap ? 0x1 : 0) |
			     (f->dmar_x2apic_opt_out ? 0x2 : 0));
	sb_add(sb, fixed, sizeof fixed);
	for (u = 0; u < f->dmar_units; u++) {
		bool all = u == f->dmar_units - 1;
		bool gfx = !all && u == 0 && igd;
		size_t start = sb->len;

		add_le16(sb, 0);	     /* DRHD */
		add_le16(sb, 0);	     /* length, below */
		add_u8(sb, all ? 0x1 : 0x0); /* INCLUDE_PCI_ALL */
		add_u8(sb, 0);
		add_le16(sb, 0); /* segment */
		add_le64(sb, 0xfed90000ULL + 0x1000ULL * (unsigned)u);
		if (gfx)
			dmar_scope(sb, 1, 0, 0, 2, 0);
		if (all) {
			dmar_scope(sb, 3, 8, 0xf0, 0x1f, 0); /* IOAPIC */
			dmar_scope(sb, 4, 0, 0xf0, 0x0f, 0); /* HPET */
		}
		put_le16((uint8_t *)sb->buf + start + 2,
		    (uint16_t)(sb->len - start));
	}
	if (igd) {
		size_t start = sb->len;

		add_le16(sb, 1); /* RMRR: the iGPU's stolen memory */
		add_le16(sb, 0);
		add_le16(sb, 0);
		add_le16(sb, 0);
		add_le64(sb, 0xdd800000ULL);
		add_le64(sb, 0xdf9fffffULL);
		dmar_scope(sb, 1, 0, 0, 2, 0);
		put_le16((uint8_t *)sb->buf + start + 2,
		    (uint16_t)(sb->len - start));
	}
	acpi_finish(sb);
}

static void
build_ivrs(const struct host_spec *s, struct strbuf *sb)
{
	int u;

	acpi_header(sb, "IVRS", 2);
	add_le32(sb, 0x00203041); /* IVinfo: EFRSup, 48-bit PA, 64-bit VA */
	add_le64(sb, 0);
	for (u = 0; u < s->fw.ivrs_units; u++) {
		unsigned bus = 0x40u * (unsigned)u;
		size_t start = sb->len;

		add_u8(sb, 0x10);
		add_u8(sb, 0xb0);
		add_le16(sb, 0);
		add_le16(sb, bus << 8 | 0x02); /* the IOMMU's own BDF */
		add_le16(sb, 0x40);	       /* capability offset */
		add_le64(sb, 0xfeb80000ULL + 0x100000ULL * (unsigned)u);
		add_le16(sb, 0);
		add_le16(sb, 0);
		add_le32(sb, 0x80048f6e);
		/* all devices of this unit's buses: start and end of range */
		add_u8(sb, 3);
		add_le16(sb, bus << 8);
		add_u8(sb, 0);
		add_u8(sb, 4);
		add_le16(sb, u == s->fw.ivrs_units - 1
				 ? 0xffff
				 : (bus + 0x3f) << 8 | 0xff);
		add_u8(sb, 0);
		if (u == 0) {
			/* the IOAPIC, as source 00:14.0 */
			add_u8(sb, 0x48);
			add_le16(sb, 0);
			add_u8(sb, 0xd7);
			add_u8(sb, 0x21);
			add_le16(sb, 0x00a0);
			add_u8(sb, 1);
		}
		put_le16((uint8_t *)sb->buf + start + 2,
		    (uint16_t)(sb->len - start));
	}
	acpi_finish(sb);
}

static uint8_t
table_revision(const char *sig)
{
	static const struct {
		const char *sig;
		uint8_t rev;
	} revs[] = {{"FACP", 6}, {"APIC", 4}, {"DSDT", 2}, {"SSDT", 2},
	    {"MCFG", 1}, {"HPET", 1}, {"FPDT", 1}, {"BGRT", 1}, {"VIOT", 0}};
	size_t i;

	for (i = 0; i < nitems(revs); i++)
		if (strncmp(revs[i].sig, sig, 4) == 0)
			return revs[i].rev;
	return 1;
}

void
gen_acpi(const struct host_spec *s, struct tree *t)
{
	size_t i;

	tree_dir(t, "/sys/firmware/acpi/tables");
	for (i = 0; i < s->fw.n_acpi_tables; i++) {
		const char *name = s->fw.acpi_tables[i];
		struct strbuf sb = STRBUF_INIT;
		char *path = xasprintf("/sys/firmware/acpi/tables/%s", name);

		if (strcmp(name, "DMAR") == 0)
			build_dmar(s, &sb);
		else if (strcmp(name, "IVRS") == 0)
			build_ivrs(s, &sb);
		else {
			acpi_header(&sb, name, table_revision(name));
			acpi_finish(&sb);
		}
		/* the kernel exposes the tables to root only */
		tree_file(t, path, sb.buf, sb.len, 0400);
		free(path);
		sb_release(&sb);
	}
}
