/*
 * test_guard.c: the critical-device guard as the steps speak it (guard.c):
 * the device check blocks a group that holds the root disk's controller or
 * the management NIC and names both; a chosen device that is the
 * management NIC, a storage's controller or the root disk's controller is
 * refused with -EPERM and the reason; a port of a VM-only bridge can go,
 * with a note; and a function that goes along with the chosen one is
 * judged too. A typed confirmation ("take <address> from the host",
 * exactly) lifts one device's block: the check then notes it, the
 * selection takes the device, and anything else lifts nothing.
 */
#include "testutil.h"
#include "vfio-wizard/check.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "../../src/steps/guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The verdict on a device, which the test expects to be there. */
static const struct verdict *
verdict_of(
    const struct host *h, const struct check_result *res, const char *address)
{
	static const struct verdict none;
	size_t i;

	for (i = 0; i < res->n_verdicts; i++)
		if (strcmp(h->pci[res->verdicts[i].device].address, address) ==
		    0)
			return &res->verdicts[i];
	fail_msg("no verdict for %s", address);
	return &none;
}

static bool
has(char *const *v, size_t n, const char *text)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(v[i], text) != NULL)
			return true;
	return false;
}

/* The shared group: root disk controller and both bonded NICs. */
static void
test_shared_group(void **state)
{
	struct check_result *res = NULL;
	const struct verdict *v;
	struct fx_host f;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "shared-group-sata");
	assert_int_equal(check_run(f.host, f.kb, NULL, &res, &cause), 0);
	v = verdict_of(f.host, res, "0000:06:00.0");
	assert_int_equal(v->n_blockers, 3);
	assert_true(has(v->blockers, v->n_blockers,
	    "0000:01:00.1 (X370 Series Chipset SATA Controller), the "
	    "controller of the root filesystem"));
	assert_true(has(v->blockers, v->n_blockers,
	    "IOMMU group 13 also holds 0000:04:00.0 (I211 Gigabit Network "
	    "Connection), the management NIC (vmbr0 via bond0 via enp4s0): "
	    "passing the group would cut the host off the network"));
	assert_true(has(v->blockers, v->n_blockers,
	    "the management NIC (vmbr0 via bond0 via enp5s0)"));
	/* the USB controllers only have to go along */
	assert_true(has(v->notes, v->n_notes,
	    "0000:03:00.0 (ASM1143 USB 3.1 Host Controller): it must be "
	    "passed through as well"));
	check_result_free(res);
	fx_host_free(&f);
}

static int
resolve(struct fx_host *f, const char *device, char **cause)
{
	struct choices c = {NULL, 0};
	struct selection s;
	int err;

	choices_add(&c, "device", device);
	*cause = NULL;
	err = selection_resolve(f->host, f->root, &c, &s, cause);
	if (err == 0)
		selection_free(&s);
	choices_free(&c);
	return err;
}

/* Refusals of a chosen device, each with its reason. */
static void
test_refusals(void **state)
{
	struct check_result *res = NULL;
	struct check_options opts = {NULL, 0, NULL};
	const char *devs[] = {"07:00.0", "06:00.0"};
	const struct verdict *v;
	struct fx_host f;
	char *cause;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	assert_int_equal(resolve(&f, "06:00.0", &cause), -EPERM);
	assert_string_equal(cause,
	    "0000:06:00.0 (RTL8111/8168/8411 PCI Express Gigabit Ethernet "
	    "Controller) is the management NIC (vmbr0 via enp6s0): passing "
	    "it would cut the host off the network (only if the host can do "
	    "without it: lift the block with --confirm 'take 0000:06:00.0 "
	    "from the host')");
	free(cause);
	assert_int_equal(resolve(&f, "04:00.0", &cause), -EPERM);
	assert_non_null(
	    strstr(cause, "is the controller of Proxmox storage "
			  "'fast' (dir '/mnt/pve/fast' on nvme1n1)"));
	free(cause);
	assert_int_equal(resolve(&f, "01:00.0", &cause), -EPERM);
	assert_non_null(strstr(cause, "boots from"));
	free(cause);
	/* port 0 of the 82576 only serves the VMs' bridge */
	assert_int_equal(resolve(&f, "07:00.0", &cause), 0);
	opts.devices = devs;
	opts.n_devices = 2;
	assert_int_equal(check_run(f.host, f.kb, &opts, &res, &cause), 0);
	v = verdict_of(f.host, res, "0000:07:00.0");
	assert_true(has(v->notes, v->n_notes,
	    "it is a port of bridge vmbr1 (vmbr1 via enp7s0f0): the VMs on "
	    "vmbr1 lose that uplink"));
	/* its other function goes along, and is no critical device */
	assert_int_equal(v->n_blockers, 0);
	v = verdict_of(f.host, res, "0000:06:00.0");
	assert_int_equal(v->n_blockers, 1);
	assert_string_equal(v->blockers[0],
	    "it is the management NIC (vmbr0 via enp6s0): passing it would "
	    "cut the host off the network");
	check_result_free(res);
	fx_host_free(&f);
}

/* A function that goes along with the chosen one is guarded too. */
static void
test_companion(void **state)
{
	struct pci_device pci[2];
	struct host_nic nic = {NULL, NULL, NULL, NULL, true};
	struct host h;
	char *s;

	(void)state;
	memset(&h, 0, sizeof h);
	memset(pci, 0, sizeof pci);
	strcpy(pci[0].address, "0000:03:00.0");
	strcpy(pci[1].address, "0000:03:00.1");
	pci[0].class_code = pci[1].class_code = 0x020000;
	pci[0].device_name = pci[1].device_name = (char *)"82576";
	h.pci = pci;
	h.n_pci = 2;
	nic.address = (char *)"0000:03:00.0";
	nic.iface = (char *)"enp3s0f0";
	nic.top = (char *)"vmbr0";
	nic.via = (char *)"vmbr0 via enp3s0f0";
	h.network.nics = &nic;
	h.network.n_nics = 1;
	assert_null(guard_self(&h, NULL, &pci[1]));
	s = guard_companion(&h, NULL, &pci[0]);
	assert_string_equal(s, "its function 0000:03:00.0 (82576) goes along "
			       "and is the management NIC (vmbr0 via "
			       "enp3s0f0): passing it would cut the host off "
			       "the network");
	free(s);
	s = guard_refusal(&h, NULL, &pci[0]);
	assert_non_null(strstr(s, "is the management NIC"));
	assert_non_null(strstr(s, "--confirm 'take 0000:03:00.0 from the "
				  "host'"));
	free(s);
	assert_null(guard_refusal(&h, NULL, &pci[1]));
}

/* Only the exact phrase of a device lifts its block. */
static void
test_phrase(void **state)
{
	static const char *const wrong[] = {
	    "take 0000:03:00.0 from the host ",
	    "Take 0000:03:00.0 from the host",
	    "take 03:00.0 from the host",
	    "take 0000:03:00.1 from the host",
	    "take 0000:03:00.0 from teh host",
	    "",
	};
	struct pci_device pci[2];
	struct host_nic nic = {NULL, NULL, NULL, NULL, true};
	struct choices c = {NULL, 0};
	struct host h;
	char *s;
	size_t i;

	(void)state;
	memset(&h, 0, sizeof h);
	memset(pci, 0, sizeof pci);
	strcpy(pci[0].address, "0000:03:00.0");
	strcpy(pci[1].address, "0000:03:00.1");
	pci[0].class_code = pci[1].class_code = 0x020000;
	pci[0].device_name = pci[1].device_name = (char *)"82576";
	h.pci = pci;
	h.n_pci = 2;
	nic.address = (char *)"0000:03:00.0";
	nic.iface = (char *)"enp3s0f0";
	nic.top = (char *)"vmbr0";
	nic.via = (char *)"vmbr0 via enp3s0f0";
	h.network.nics = &nic;
	h.network.n_nics = 1;
	s = guard_phrase(&pci[0]);
	assert_string_equal(s, "take 0000:03:00.0 from the host");
	free(s);
	for (i = 0; i < nitems(wrong); i++)
		choices_add(&c, "confirm", wrong[i]);
	choices_add(&c, "device", "0000:03:00.0");
	choices_add(&c, "confirm-x", "take 0000:03:00.0 from the host");
	assert_false(guard_lifted(&c, &pci[0]));
	assert_true(guard_blocks(&h, &c, &pci[0]));
	assert_null(guard_lift_note(&h, &c, &pci[0]));
	s = guard_self(&h, &c, &pci[0]);
	assert_non_null(s);
	free(s);
	/* a device the host does not need has nothing to lift */
	assert_false(guard_blocks(&h, &c, &pci[1]));
	choices_add(&c, "confirm", "take 0000:03:00.1 from the host");
	assert_null(guard_lift_note(&h, &c, &pci[1]));
	/* the exact phrase */
	choices_add(&c, "confirm", "take 0000:03:00.0 from the host");
	assert_true(guard_lifted(&c, &pci[0]));
	assert_false(guard_blocks(&h, &c, &pci[0]));
	assert_null(guard_self(&h, &c, &pci[0]));
	assert_null(guard_companion(&h, &c, &pci[0]));
	assert_null(guard_sibling(&h, &c, 13, &pci[0]));
	assert_null(guard_refusal(&h, &c, &pci[0]));
	s = guard_lift_note(&h, &c, &pci[0]);
	assert_string_equal(s,
	    "CRITICAL-DEVICE GUARD LIFTED by the typed confirmation 'take "
	    "0000:03:00.0 from the host': 0000:03:00.0 (82576) is the "
	    "management NIC (vmbr0 via enp3s0f0), and vfio-pci claims it at "
	    "boot, which will cut the host off the network. Apply only if "
	    "the host can do without it; 'vfio-wizard undo' and a reboot "
	    "give it back");
	free(s);
	choices_free(&c);
}

/* The refusal of a shared group: every phrase, and the ACS advice. */
static void
test_shared_refusal(void **state)
{
	static const char *const phrases[] = {
	    "take 0000:01:00.1 from the host",
	    "take 0000:04:00.0 from the host",
	    "take 0000:05:00.0 from the host",
	};
	struct check_result *res = NULL;
	struct check_options opts = {NULL, 0, NULL};
	const struct verdict *v;
	struct choices c = {NULL, 0};
	struct fx_host f;
	char *cause = NULL;
	size_t i;

	(void)state;
	fx_host_load(&f, "shared-group-sata");
	choices_add(&c, "device", "06:00.0");
	choices_add(&c, "device", "06:00.1");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), -EPERM);
	for (i = 0; i < nitems(phrases); i++) {
		char *want = xasprintf("--confirm '%s'", phrases[i]);

		assert_non_null(strstr(cause, want));
		free(want);
	}
	assert_non_null(strstr(cause, "move the card to another slot"));
	assert_non_null(strstr(cause, "pcie_acs_override="));
	assert_non_null(strstr(cause, "vfio-wizard never applies it"));
	free(cause);
	cause = NULL;
	/* two of three: the third is still named, alone */
	choices_add(&c, "confirm", phrases[0]);
	choices_add(&c, "confirm", phrases[1]);
	choices_add(&c, "confirm", "take 0000:05:00.0 from teh host");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), -EPERM);
	assert_null(strstr(cause, phrases[0]));
	assert_non_null(strstr(cause, "--confirm '" /* */
				      "take 0000:05:00.0 from the host'"));
	assert_non_null(strstr(cause, "match none of them: 'take "
				      "0000:05:00.0 from teh host'"));
	free(cause);
	cause = NULL;
	/* the check with those confirmations: one blocker, two notes */
	opts.choices = &c;
	assert_int_equal(check_run(f.host, f.kb, &opts, &res, &cause), 0);
	v = verdict_of(f.host, res, "0000:06:00.0");
	assert_int_equal(v->n_blockers, 1);
	assert_non_null(strstr(v->blockers[0], "0000:05:00.0"));
	assert_true(has(v->notes, v->n_notes,
	    "GUARD LIFTED by the typed confirmation 'take 0000:01:00.1 from "
	    "the host'"));
	check_result_free(res);
	choices_free(&c);
	fx_host_free(&f);
}

/* The firmware's blockers are not the guard's: nothing lifts them. */
static void
test_firmware_not_liftable(void **state)
{
	struct choices c = {NULL, 0};
	struct fx_host f;
	char *cause = NULL;

	(void)state;
	fx_host_load(&f, "i7-4770k-pve8");
	choices_add(&c, "device", "00:02.0");
	choices_add(&c, "confirm", "take 0000:00:02.0 from the host");
	assert_int_equal(choices_complete(f.host, f.kb, &c, &cause), -EPERM);
	assert_non_null(strstr(cause, "no VT-d"));
	assert_null(strstr(cause, "--confirm"));
	free(cause);
	choices_free(&c);
	fx_host_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shared_group),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_companion),
	    cmocka_unit_test(test_phrase),
	    cmocka_unit_test(test_shared_refusal),
	    cmocka_unit_test(test_firmware_not_liftable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
