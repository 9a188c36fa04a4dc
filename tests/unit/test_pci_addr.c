/*
 * test_pci_addr.c: the one PCI address parser: the spellings Proxmox, lspci
 * and sysfs use are accepted and normalised, everything else is refused,
 * and sysfs path components are recognised only in their full form.
 */
#include "vfio-wizard/pci_addr.h"
#include "testutil.h"

#include <errno.h>
#include <string.h>

static void
test_accepted(void **state)
{
	static const char *const in[][2] = {
	    {"0000:00:02.0", "0000:00:02.0"},
	    {"00:02.0", "0000:00:02.0"},
	    {"00:1F.7", "0000:00:1f.7"},
	    {"0000:0b:00.1", "0000:0b:00.1"},
	    {"10000:e1:00.0", "10000:e1:00.0"}, /* a VMD domain */
	    {"ffff:ff:1f.7", "ffff:ff:1f.7"},
	};
	char out[PCI_ADDR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		assert_int_equal(pci_address_parse(in[i][0], out), 0);
		assert_string_equal(out, in[i][1]);
	}
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {"", "2.0", "0:02.0", "00:02",
	    "00:02.8", "00:20.0", "000:00:02.0", "0000:00:02.0 ", " 00:02.0",
	    "0000:000:02.0", "0000:00:02.00", "g0:02.0", "0000-00:02.0",
	    "123456789:00:02.0", "0000:00:02.0/", "00.02.0"};
	char out[PCI_ADDR_LEN];
	struct pci_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(pci_address_parse(bad[i], out), -EINVAL);
		assert_int_equal(pci_addr_parse(bad[i], &a), -EINVAL);
	}
	assert_int_equal(pci_addr_parse(NULL, &a), -EINVAL);
}

static void
test_order_and_components(void **state)
{
	struct pci_addr a = {0, 0, 2, 0}, b = {0, 0, 3, 0}, c = {1, 0, 0, 0};
	static const char path[] = "pci0000:00/0000:00:1c.0/0000:03:00.0/x";

	(void)state;
	assert_true(pci_addr_cmp(&a, &b) < 0);
	assert_true(pci_addr_cmp(&c, &b) > 0);
	assert_int_equal(pci_addr_cmp(&a, &a), 0);
	assert_false(pci_addr_is_component(path, 10)); /* pci0000:00 */
	assert_true(pci_addr_is_component(path + 11, 12));
	assert_true(pci_addr_is_component(path + 24, 12));
	assert_false(pci_addr_is_component(path + 24, 11));
	assert_false(pci_addr_is_component("00:02.0", 7));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepted),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_order_and_components),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
