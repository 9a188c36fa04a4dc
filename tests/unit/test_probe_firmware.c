/*
 * test_probe_firmware.c: the firmware probe on hand-built ACPI tables and
 * EFI variables (byte layouts written here independently of the spec
 * generator): DMAR flags and DRHD count, IVRS IVHD count, a truncated table,
 * the boot mode, Secure Boot and the BootCurrent entry's loader path.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUID "-8be4df61-93ca-11d2-aa0d-00e098032b8c"

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void
put32(unsigned char *p, unsigned long v)
{
	put16(p, (unsigned)(v & 0xffff));
	put16(p + 2, (unsigned)(v >> 16));
}

/* An ACPI header of length len with a valid checksum over buf[0..len). */
static void
acpi_header(unsigned char *buf, const char *sig, size_t len)
{
	unsigned char sum = 0;
	size_t i;

	memcpy(buf, sig, 4);
	put32(buf + 4, len);
	buf[8] = 1;
	memcpy(buf + 10, "DELL  ", 6);
	memcpy(buf + 16, "CBX3    ", 8);
	for (i = 0; i < len; i++)
		sum = (unsigned char)(sum + buf[i]);
	buf[9] = (unsigned char)(0x100 - sum);
}

/* DMAR with the given flags and units DRHD structures (16 bytes each). */
static size_t
make_dmar(unsigned char *buf, unsigned flags, int units)
{
	size_t len = 48 + 16 * (size_t)units;
	int i;

	memset(buf, 0, len);
	buf[36] = 38; /* host address width - 1 */
	buf[37] = (unsigned char)flags;
	for (i = 0; i < units; i++) {
		unsigned char *s = buf + 48 + 16 * i;

		put16(s, 0); /* DRHD */
		put16(s + 2, 16);
		s[4] = i == units - 1; /* INCLUDE_PCI_ALL on the last */
		put32(s + 8, 0xfed90000UL + 0x1000UL * (unsigned long)i);
	}
	acpi_header(buf, "DMAR", len);
	return len;
}

static void
test_dmar_bios(void **state)
{
	unsigned char buf[128];
	char *t = fx_mkroot();
	size_t len = make_dmar(buf, 0x1, 2);
	struct host *h;

	(void)state;
	fx_write_bytes(t, "/sys/firmware/acpi/tables/DMAR", buf, len);
	fx_write(t, "/sys/firmware/acpi/tables/FACP", "x");
	h = fx_probe(t, probe_firmware, NULL);
	assert_false(h->firmware.uefi);
	assert_int_equal(h->firmware.secure_boot, TRI_NO);
	assert_string_equal(h->firmware.iommu_table, "DMAR");
	assert_true(h->firmware.table_readable);
	assert_int_equal(h->firmware.intremap, TRI_YES);
	assert_int_equal(h->firmware.x2apic_opt_out, TRI_NO);
	assert_int_equal(h->firmware.iommu_units, 2);
	assert_int_equal(h->n_problems, 0);
	host_free(h);
	fx_rmroot(t);
}

static void
test_dmar_without_intremap(void **state)
{
	unsigned char buf[128];
	char *t = fx_mkroot();
	size_t len = make_dmar(buf, 0x2, 1);
	struct host *h;

	(void)state;
	fx_write_bytes(t, "/sys/firmware/acpi/tables/DMAR", buf, len);
	h = fx_probe(t, probe_firmware, NULL);
	assert_int_equal(h->firmware.intremap, TRI_NO);
	assert_int_equal(h->firmware.x2apic_opt_out, TRI_YES);
	assert_int_equal(h->firmware.iommu_units, 1);
	host_free(h);
	fx_rmroot(t);
}

static void
test_truncated_dmar_is_present_but_unread(void **state)
{
	unsigned char buf[128];
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	make_dmar(buf, 0x1, 2);
	fx_write_bytes(t, "/sys/firmware/acpi/tables/DMAR", buf, 40);
	h = fx_probe(t, probe_firmware, NULL);
	assert_string_equal(h->firmware.iommu_table, "DMAR");
	assert_false(h->firmware.table_readable);
	assert_int_equal(h->firmware.intremap, TRI_UNKNOWN);
	assert_int_equal(h->n_problems, 1);
	assert_non_null(strstr(h->problems[0].message, "truncated"));
	host_free(h);
	fx_rmroot(t);
}

static void
test_ivrs(void **state)
{
	unsigned char buf[48 + 2 * 24];
	char *t = fx_mkroot();
	struct host *h;
	int i;

	(void)state;
	memset(buf, 0, sizeof buf);
	for (i = 0; i < 2; i++) {
		unsigned char *s = buf + 48 + 24 * i;

		s[0] = i == 0 ? 0x10 : 0x11;
		put16(s + 2, 24);
	}
	acpi_header(buf, "IVRS", sizeof buf);
	fx_write_bytes(t, "/sys/firmware/acpi/tables/IVRS", buf, sizeof buf);
	h = fx_probe(t, probe_firmware, NULL);
	assert_string_equal(h->firmware.iommu_table, "IVRS");
	assert_int_equal(h->firmware.iommu_units, 2);
	assert_int_equal(h->firmware.intremap, TRI_UNKNOWN);
	host_free(h);
	fx_rmroot(t);
}

/* An efivar: 4 attribute bytes, then data. */
static void
efivar(const char *t, const char *name, const unsigned char *data, size_t n)
{
	unsigned char buf[512];
	char path[128];

	put32(buf, 0x7);
	memcpy(buf + 4, data, n);
	snprintf(path, sizeof path, "/sys/firmware/efi/efivars/%s" GUID, name);
	fx_write_bytes(t, path, buf, n + 4);
}

/* UTF-16LE of s with its NUL at p; returns bytes written. */
static size_t
utf16(unsigned char *p, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i <= n; i++)
		put16(p + 2 * i, (unsigned char)s[i]);
	return 2 * (n + 1);
}

static void
test_uefi_secure_boot_and_loader(void **state)
{
	static const char loader[] = "\\EFI\\systemd\\systemd-bootx64.efi";
	unsigned char opt[400], *p = opt;
	unsigned char one = 1, cur[2];
	size_t fp;
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	put32(p, 1); /* LOAD_OPTION_ACTIVE */
	p += 6;	     /* FilePathListLength filled below */
	p += utf16(p, "Linux Boot Manager");
	fp = (size_t)(p - opt);
	p[0] = 4; /* media device path, file path */
	p[1] = 4;
	put16(p + 2, (unsigned)(4 + utf16(p + 4, loader)));
	p += 4 + utf16(p + 4, loader);
	p[0] = 0x7f; /* end of the device path */
	p[1] = 0xff;
	put16(p + 2, 4);
	p += 4;
	put16(opt + 4, (unsigned)((size_t)(p - opt) - fp));
	efivar(t, "Boot0003", opt, (size_t)(p - opt));
	put16(cur, 3);
	efivar(t, "BootCurrent", cur, 2);
	efivar(t, "SecureBoot", &one, 1);
	h = fx_probe(t, probe_firmware, NULL);
	assert_true(h->firmware.uefi);
	assert_int_equal(h->firmware.secure_boot, TRI_YES);
	assert_string_equal(h->firmware.efi_boot_current, "0003");
	assert_string_equal(h->firmware.efi_boot_label, "Linux Boot Manager");
	assert_string_equal(h->firmware.efi_boot_path, loader);
	assert_null(h->firmware.iommu_table);
	host_free(h);
	fx_rmroot(t);
}

static void
test_uefi_missing_boot_entry(void **state)
{
	unsigned char cur[2];
	char *t = fx_mkroot();
	struct host *h;

	(void)state;
	put16(cur, 0x0a);
	efivar(t, "BootCurrent", cur, 2);
	h = fx_probe(t, probe_firmware, NULL);
	assert_true(h->firmware.uefi);
	assert_int_equal(h->firmware.secure_boot, TRI_NO);
	assert_string_equal(h->firmware.efi_boot_current, "000A");
	assert_null(h->firmware.efi_boot_path);
	assert_int_equal(h->n_problems, 1);
	host_free(h);
	fx_rmroot(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dmar_bios),
	    cmocka_unit_test(test_dmar_without_intremap),
	    cmocka_unit_test(test_truncated_dmar_is_present_but_unread),
	    cmocka_unit_test(test_ivrs),
	    cmocka_unit_test(test_uefi_secure_boot_and_loader),
	    cmocka_unit_test(test_uefi_missing_boot_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
