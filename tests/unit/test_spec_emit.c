/*
 * test_spec_emit.c: the report writer (spec_emit) on fixture hosts, and the
 * redaction rules (redact_text, redact_file, redact_vm_conf) one by one.
 */
#include "testutil.h"
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"
#include "vfio-wizard/spec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* redact_text of one string with a fresh redaction, compared. */
static void
expect_redacted(struct redact *r, const char *in, const char *want)
{
	char *got = redact_text(r, in);

	assert_string_equal(got, want);
	free(got);
}

static void
test_redact_ipv4(void **state)
{
	struct redact *r = redact_new("smith-pve", "home.example");

	(void)state;
	expect_redacted(r, "address 192.168.1.10/24", "address 192.0.2.10/24");
	expect_redacted(r, "gateway 192.168.1.1", "gateway 192.0.2.1");
	/* another /24, another documentation range; the first stays */
	expect_redacted(r, "10.0.0.5 192.168.1.10", "198.51.100.5 192.0.2.10");
	/* loopback, netmasks and versions are kept */
	expect_redacted(r, "127.0.0.1 255.255.255.0 0.0.0.0 8.1.10",
	    "127.0.0.1 255.255.255.0 0.0.0.0 8.1.10");
	/* a PCI address and an ID are no addresses */
	expect_redacted(r, "hostpci0: 0000:00:02.0 8086:0412",
	    "hostpci0: 0000:00:02.0 8086:0412");
	redact_free(r);
}

static void
test_redact_ipv6_mac_uuid(void **state)
{
	struct redact *r = redact_new(NULL, NULL);

	(void)state;
	expect_redacted(r, "address 2a02:8071:1234:5600::10/64",
	    "address 2001:db8:0::1/64");
	expect_redacted(r, "gw 2a02:8071:1234:5600::1", "gw 2001:db8:0::2");
	expect_redacted(r, "::1 ip6-localhost ff02::1 fe00::0",
	    "::1 ip6-localhost ff02::1 fe00::0");
	expect_redacted(r, "net0: virtio=BC:24:11:C3:07:4D,bridge=vmbr0",
	    "net0: virtio=02:00:00:00:00:01,bridge=vmbr0");
	/* the same MAC again, in lower case: the same placeholder */
	expect_redacted(
	    r, "hwaddress bc:24:11:c3:07:4d", "hwaddress 02:00:00:00:00:01");
	expect_redacted(r, "root=UUID=1a7c3e58-9f24-4b6d-8e01-5c2f7a9d3b46 ro",
	    "root=UUID=00000000-0000-4000-8000-000000000001 ro");
	expect_redacted(r,
	    "scsi1: local-lvm:vm-100-disk-1,serial=WD123,size=8G",
	    "scsi1: local-lvm:vm-100-disk-1,serial=redacted,size=8G");
	redact_free(r);
}

static void
test_redact_hostname(void **state)
{
	struct redact *r = redact_new("smith-pve", "home.example");

	(void)state;
	assert_string_equal(redact_hostname(r), "pve");
	expect_redacted(r, "192.168.1.10 smith-pve.home.example smith-pve",
	    "192.0.2.10 pve.example.com pve");
	/* only whole names */
	expect_redacted(r, "smith-pvex xsmith-pve /etc/pve/nodes/smith-pve/",
	    "smith-pvex xsmith-pve /etc/pve/nodes/pve/");
	redact_free(r);
}

static void
test_redact_files(void **state)
{
	struct redact *r = redact_new("smith-pve", NULL);
	char *got;

	(void)state;
	got = redact_file(r, "/proc/net/route",
	    "Iface\tDestination\tGateway \tFlags\n"
	    "vmbr0\t00000000\t0101A8C0\t0003\n"
	    "vmbr0\t0001A8C0\t00000000\t0001\n");
	assert_string_equal(got, "Iface\tDestination\tGateway \tFlags\n"
				 "vmbr0\t00000000\t010200C0\t0003\n"
				 "vmbr0\t000200C0\t00000000\t0001\n");
	free(got);
	got = redact_file(r, "/etc/pve/storage.cfg",
	    "nfs: backup\n\tserver 192.168.1.5\n\tnodes smith-pve,other\n");
	assert_string_equal(
	    got, "nfs: backup\n\tserver 192.0.2.5\n\tnodes pve,node2\n");
	free(got);
	got = redact_vm_conf(r, 100,
	    "#my gaming VM\nname: win10\nsmbios1: "
	    "uuid=8b1e6f3a-52c4-4d0e-a7b3-1f9c2d6e4a85,serial=QUJD,base64=1\n"
	    "tags: alice\nnet0: e1000=BC:24:11:5E:2A:91,bridge=vmbr0\n");
	assert_string_equal(got,
	    "name: vm100\n"
	    "smbios1: uuid=00000000-0000-4000-8000-"
	    "000000000001\n"
	    "net0: e1000=02:00:00:00:00:01,bridge=vmbr0\n");
	free(got);
	redact_free(r);
}

/* spec_emit of a fixture host: it loads, and says or hides what it should. */
static void
emit_fixture(const char *name, bool redact, char **yaml)
{
	struct spec_emit_opts o = {
	    "unit-report", NULL, "test_spec_emit.c", redact};
	struct host_spec *spec = NULL;
	struct fx_host fx;
	char *cause = NULL;

	fx_host_load(&fx, name);
	assert_int_equal(spec_emit(fx.root, fx.host, &o, yaml, &cause), 0);
	if (spec_load_buffer(
		*yaml, strlen(*yaml), "report.yaml", &spec, &cause) < 0)
		fail_msg("%s", cause);
	assert_string_equal(spec_name(spec), "unit-report");
	spec_free(spec);
	fx_host_free(&fx);
}

static void
test_emit_redacted(void **state)
{
	char *yaml = NULL;

	(void)state;
	emit_fixture("i7-4770-pve8", true, &yaml);
	assert_non_null(strstr(yaml, "\nhostname: pve\n"));
	assert_non_null(strstr(yaml, "name: vm100"));
	assert_null(strstr(yaml, "name: win10"));
	assert_null(strstr(yaml, "BC:24:11"));
	assert_null(strstr(yaml, "192.168.1."));
	assert_null(strstr(yaml, "8b1e6f3a-52c4-4d0e-a7b3-1f9c2d6e4a85"));
	/* the facts check needs are there */
	assert_non_null(strstr(yaml, "id: \"8086:0412\""));
	assert_non_null(strstr(yaml, "host_address_width: 39"));
	assert_non_null(strstr(yaml, "CONFIG_INTEL_IOMMU_DEFAULT_ON: n\n"));
	assert_non_null(strstr(yaml, "  /etc/default/grub: |\n"));
	free(yaml);
}

static void
test_emit_plain(void **state)
{
	char *yaml = NULL;

	(void)state;
	emit_fixture("ryzen-nvidia", false, &yaml);
	assert_non_null(strstr(yaml, "\nhostname: pve-x570\n"));
	assert_non_null(strstr(yaml, "sriov: {total: "));
	free(yaml);
	emit_fixture("cometlake-zfs-sdboot", false, &yaml);
	assert_non_null(strstr(yaml, "zpools:"));
	assert_non_null(strstr(yaml, "boot: uefi"));
	assert_non_null(strstr(yaml, "boot_current: "));
	free(yaml);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact_ipv4),
	    cmocka_unit_test(test_redact_ipv6_mac_uuid),
	    cmocka_unit_test(test_redact_hostname),
	    cmocka_unit_test(test_redact_files),
	    cmocka_unit_test(test_emit_redacted),
	    cmocka_unit_test(test_emit_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
