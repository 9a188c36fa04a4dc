/*
 * firmware.c: the firmware probe. Boot mode (/sys/firmware/efi), Secure Boot
 * and the current EFI boot entry (efivars), and the ACPI table that proves
 * the firmware offers an IOMMU: DMAR (Intel VT-d) or IVRS (AMD-Vi). The DMAR
 * table's flags say whether interrupt remapping is supported. A table that is
 * present but unreadable (it is root-only) still counts as present.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define EFIVARS "/sys/firmware/efi/efivars/"
#define ACPI_TABLES "/sys/firmware/acpi/tables/"
#define ACPI_HEADER_LEN 36

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Read an efivar's data (after its 4 attribute bytes). */
static int
read_efivar(
    const struct root *r, const char *name, unsigned char **data, size_t *len)
{
	char *path = xasprintf(EFIVARS "%s-" EFI_GLOBAL_GUID, name);
	char *buf;
	size_t n;
	int err;

	err = root_read(r, path, &buf, &n);
	free(path);
	if (err < 0)
		return err;
	if (n < 4) {
		free(buf);
		return -EINVAL;
	}
	memmove(buf, buf + 4, n - 4);
	*data = (unsigned char *)buf;
	*len = n - 4;
	return 0;
}

/* UTF-16LE (at most units code units, up to a NUL) to ASCII, '?' for others. */
static char *
utf16_ascii(const unsigned char *p, size_t units, size_t *used)
{
	char *s = xmalloc(units + 1);
	size_t i, n = 0;

	for (i = 0; i < units; i++) {
		uint16_t c = le16(p + 2 * i);

		if (c == 0) {
			i++; /* the NUL is consumed */
			break;
		}
		s[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	s[n] = '\0';
	if (used != NULL)
		*used = i;
	return s;
}

/* Parse an EFI_LOAD_OPTION: its description and the file path node. */
static void
parse_load_option(const unsigned char *d, size_t len, char **label, char **path)
{
	size_t desc_units, used, off, end;
	uint16_t fp_len;

	if (len < 6)
		return;
	fp_len = le16(d + 4);
	desc_units = (len - 6) / 2;
	*label = utf16_ascii(d + 6, desc_units, &used);
	off = 6 + used * 2;
	end = off + fp_len;
	if (end > len)
		end = len;
	while (off + 4 <= end) {
		uint8_t type = d[off], sub = d[off + 1];
		uint16_t nlen = le16(d + off + 2);

		if (nlen < 4 || off + nlen > end)
			break;
		if (type == 0x7f && sub == 0xff)
			break;
		if (type == 0x04 && sub == 0x04) {
			*path = utf16_ascii(d + off + 4, (nlen - 4) / 2, NULL);
			return;
		}
		off += nlen;
	}
}

static void
probe_efi(struct host *h, const struct root *r)
{
	struct host_firmware *f = &h->firmware;
	unsigned char *d;
	size_t len;

	if (!root_exists(r, EFIVARS)) {
		f->secure_boot = TRI_UNKNOWN;
		return;
	}
	if (read_efivar(r, "SecureBoot", &d, &len) == 0) {
		f->secure_boot = len >= 1 && d[0] == 1 ? TRI_YES : TRI_NO;
		free(d);
	} else
		f->secure_boot = TRI_NO;
	if (read_efivar(r, "BootCurrent", &d, &len) == 0) {
		if (len >= 2) {
			char *name;

			f->efi_boot_current = xasprintf("%04X", le16(d));
			free(d);
			name = xasprintf("Boot%s", f->efi_boot_current);
			if (read_efivar(r, name, &d, &len) == 0) {
				parse_load_option(d, len, &f->efi_boot_label,
				    &f->efi_boot_path);
				free(d);
			} else
				host_problem(h, "firmware",
				    "BootCurrent is %s but efivar '%s' is "
				    "missing",
				    f->efi_boot_current, name);
			free(name);
		} else
			free(d);
	}
}

/* DMAR: flags at offset 37; remapping structures from 48 (type, length). */
static void
parse_dmar(struct host_firmware *f, const unsigned char *t, size_t len)
{
	size_t off = 48;

	if (len < 48 || le32(t + 4) > len)
		return;
	f->table_readable = true;
	f->intremap = (t[37] & 0x1) ? TRI_YES : TRI_NO;
	f->x2apic_opt_out = (t[37] & 0x2) ? TRI_YES : TRI_NO;
	len = le32(t + 4);
	while (off + 4 <= len) {
		uint16_t type = le16(t + off), slen = le16(t + off + 2);

		if (slen < 4)
			break;
		if (type == 0) /* DRHD: one remapping hardware unit */
			f->iommu_units++;
		off += slen;
	}
}

/* IVRS: IVHD blocks (types 0x10, 0x11, 0x40) from offset 48. */
static void
parse_ivrs(struct host_firmware *f, const unsigned char *t, size_t len)
{
	size_t off = 48;

	if (len < 48 || le32(t + 4) > len)
		return;
	f->table_readable = true;
	len = le32(t + 4);
	while (off + 4 <= len) {
		uint8_t type = t[off];
		uint16_t slen = le16(t + off + 2);

		if (slen < 4)
			break;
		if (type == 0x10 || type == 0x11 || type == 0x40)
			f->iommu_units++;
		off += slen;
	}
}

static void
probe_acpi(struct host *h, const struct root *r)
{
	struct host_firmware *f = &h->firmware;
	static const char *const names[] = {"DMAR", "IVRS"};
	size_t i;

	f->intremap = TRI_UNKNOWN;
	f->x2apic_opt_out = TRI_UNKNOWN;
	for (i = 0; i < nitems(names); i++) {
		char *path = xasprintf(ACPI_TABLES "%s", names[i]);
		char *buf;
		size_t len;
		int err;

		if (!root_exists(r, path)) {
			free(path);
			continue;
		}
		f->iommu_table = names[i];
		err = root_read(r, path, &buf, &len);
		if (err == 0) {
			if (i == 0)
				parse_dmar(f, (unsigned char *)buf, len);
			else
				parse_ivrs(f, (unsigned char *)buf, len);
			if (!f->table_readable)
				host_problem(h, "firmware",
				    "'%s' is truncated or malformed (%zu "
				    "bytes)",
				    path, len);
			free(buf);
		} else
			host_problem(h, "firmware", "cannot read '%s': %s",
			    path, strerror(-err));
		free(path);
		break;
	}
}

void
probe_firmware(struct host *h, const struct root *r)
{
	h->firmware.uefi = root_exists(r, "/sys/firmware/efi");
	if (h->firmware.uefi)
		probe_efi(h, r);
	else
		h->firmware.secure_boot = TRI_NO;
	probe_acpi(h, r);
}
