/*
 * spec_pciconf.c: a device's PCI configuration space as sysfs "config"
 * shows it: 256 bytes, or 4096 for PCI Express devices. The header carries
 * the IDs, class and revision, command and status (capabilities bit),
 * header type 0 or 1 (bit 7: multifunction), subsystem IDs (type 0; an SSVID
 * capability on bridges), bus numbers for bridges; the capability list has
 * Power Management, MSI, then PCI Express (device/port type from the
 * topology; Device Capabilities bit 28 = FLR) or, for conventional devices
 * with FLR, Advanced Features. An SR-IOV extended capability (ID 0x0010)
 * sits at 0x100 when the spec gives sriov.
 */
#include "spec_priv.h"

#include <string.h>

/* Standard capability IDs and the PCIe device/port types. */
#define CAP_PM 0x01
#define CAP_MSI 0x05
#define CAP_SSVID 0x0d
#define CAP_EXP 0x10
#define CAP_AF 0x13
#define EXT_CAP_SRIOV 0x0010
#define EXP_ENDPOINT 0x0
#define EXP_ROOT_PORT 0x4
#define EXP_UPSTREAM 0x5
#define EXP_DOWNSTREAM 0x6
#define EXP_RC_END 0x9

static bool
is_bridge(const struct spec_pci *d)
{
	return (d->class_code >> 8) == 0x0604 || (d->class_code >> 8) == 0x0609;
}

/* The PCIe device/port type from where the device sits. */
static unsigned
port_type(const struct host_spec *s, size_t i)
{
	const struct spec_pci *d = &s->pci[i];
	unsigned up;

	if (!is_bridge(d))
		return d->parent_idx < 0 ? EXP_RC_END : EXP_ENDPOINT;
	if (d->parent_idx < 0)
		return EXP_ROOT_PORT;
	up = port_type(s, (size_t)d->parent_idx);
	return up == EXP_UPSTREAM ? EXP_DOWNSTREAM : EXP_UPSTREAM;
}

static bool
host_driver(const char *drv)
{
	return drv != NULL && strcmp(drv, "vfio-pci") != 0 &&
	       strcmp(drv, "pci-stub") != 0;
}

static void
cap_pcie(const struct host_spec *s, size_t i, uint8_t *c)
{
	const struct spec_pci *d = &s->pci[i];
	unsigned type = port_type(s, i);
	uint32_t devcap = 0x1 | 0x8000; /* 256-byte payload, role-based ER */

	if (d->flr)
		devcap |= 1u << 28;
	put_le16(c + 2, (uint16_t)(0x2 | type << 4));
	put_le32(c + 4, devcap);
	put_le16(c + 8, 0x2810);
	if (type != EXP_RC_END) {
		/* 8 GT/s x16 capable, running at 8 GT/s x16; port number */
		put_le32(c + 0x0c, 0x00000103u | (d->dev & 0xffu) << 24);
		put_le16(c + 0x12, 0x0103);
	}
	put_le32(c + 0x24, 0x0000001f); /* DevCap2: completion timeouts */
}

static void
ext_sriov(const struct spec_pci *d, uint8_t *c)
{
	put_le32(c, EXT_CAP_SRIOV | 1u << 16);
	put_le16(c + 0x08, d->sriov_num > 0 ? 0x0009 : 0); /* VF Enable, MSE */
	put_le16(c + 0x0c, (uint16_t)d->sriov_total);	   /* InitialVFs */
	put_le16(c + 0x0e, (uint16_t)d->sriov_total);
	put_le16(c + 0x10, (uint16_t)d->sriov_num);
	put_le16(c + 0x14, (uint16_t)d->sriov_offset);
	put_le16(c + 0x16, (uint16_t)d->sriov_stride);
	put_le16(c + 0x1a, (uint16_t)d->sriov_vf_device);
	put_le32(c + 0x1c, 0x00000553); /* supported page sizes */
	put_le32(c + 0x20, 0x00000001); /* system page size: 4 KiB */
}

void
pci_config_space(const struct host_spec *s, size_t i, uint8_t *b, size_t *len)
{
	const struct spec_pci *d = &s->pci[i];
	uint8_t caps[8], at[8];
	size_t n = 0, k;
	bool bridge = is_bridge(d);

	*len = d->is_pcie ? 4096 : 256;
	memset(b, 0, *len);
	put_le16(b + 0x00, d->vendor);
	put_le16(b + 0x02, d->device);
	put_le16(b + 0x04, host_driver(d->driver) ? 0x0406 : 0x0000);
	put_le16(b + 0x06, 0x0010); /* capabilities list */
	b[0x08] = d->rev;
	b[0x09] = (uint8_t)d->class_code;
	b[0x0a] = (uint8_t)(d->class_code >> 8);
	b[0x0b] = (uint8_t)(d->class_code >> 16);
	b[0x0e] = (uint8_t)((bridge ? 0x01 : 0x00) | (d->is_mf ? 0x80 : 0));
	if (bridge) {
		b[0x18] = (uint8_t)d->bus;
		b[0x19] = (uint8_t)d->secondary;
		b[0x1a] = (uint8_t)d->subordinate;
		b[0x1c] = 0xf0;		    /* I/O window closed */
		put_le16(b + 0x20, 0xfff0); /* memory windows closed */
		put_le16(b + 0x24, 0xfff1);
		put_le16(b + 0x26, 0x0001);
	} else {
		put_le16(b + 0x2c, d->sub_vendor);
		put_le16(b + 0x2e, d->sub_device);
	}
	b[0x3c] = (uint8_t)d->irq;
	b[0x3d] = d->irq > 0 ? 1 : 0; /* INTA# */

	/* the capability list, chained in this order */
	caps[n] = CAP_PM, at[n++] = 0x40;
	caps[n] = CAP_MSI, at[n++] = 0x50;
	if (d->is_pcie)
		caps[n] = CAP_EXP, at[n++] = 0x60;
	else if (d->flr)
		caps[n] = CAP_AF, at[n++] = 0xa0;
	if (bridge && (d->sub_vendor != 0 || d->sub_device != 0))
		caps[n] = CAP_SSVID, at[n++] = 0xb0;
	b[0x34] = at[0];
	for (k = 0; k < n; k++) {
		uint8_t *c = b + at[k];

		c[0] = caps[k];
		c[1] = k + 1 < n ? at[k + 1] : 0;
		switch (caps[k]) {
		case CAP_PM:
			put_le16(c + 2, 0x0003);
			put_le16(c + 4, 0x0008); /* D0, No_Soft_Reset */
			break;
		case CAP_MSI:
			put_le16(c + 2, 0x0080); /* 64-bit capable */
			break;
		case CAP_EXP:
			cap_pcie(s, i, c);
			break;
		case CAP_AF:
			c[2] = 0x06; /* length */
			c[3] = 0x03; /* TP, FLR */
			break;
		case CAP_SSVID:
			put_le16(c + 4, d->sub_vendor);
			put_le16(c + 6, d->sub_device);
			break;
		}
	}
	if (d->is_pcie && d->has_sriov)
		ext_sriov(d, b + 0x100);
}
