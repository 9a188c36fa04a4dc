/*
 * test_probe_net.c: probe_net finds the management network and the NICs
 * below it, and the guard (host_device_needed) keeps them: the installer's
 * vmbr0 on eno1, a VLAN on a bridge over a bond (underscore spelling,
 * backslash continuation, comments), the node's address from /etc/hosts,
 * sourced files, the kernel's default route and lower_* links when the file
 * is missing, a USB NIC, a NIC missing from sysfs (fail closed over NICs
 * without an interface), odd files (no crash, a problem, fail closed over
 * bridge ports), and the fixture hosts.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI19 "pci0000:00/0000:00:19.0"
#define PCI1C "pci0000:00/0000:00:1c.0/0000:03:00.0"

static int
setup(void **state)
{
	*state = fx_mkroot();
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

/* A NIC's interface below its device dir (relative to /sys/devices). */
static void
fx_nic(const char *root, const char *name, const char *devdir)
{
	char p[512], t[512];

	snprintf(p, sizeof p, "/sys/devices/%s/net/%s/ifindex", devdir, name);
	fx_write(root, p, "2\n");
	snprintf(p, sizeof p, "/sys/class/net/%s", name);
	snprintf(t, sizeof t, "../../devices/%s/net/%s", devdir, name);
	fx_symlink(root, p, t);
	snprintf(p, sizeof p, "/sys/devices/%s/net/%s/device", devdir, name);
	fx_symlink(root, p, "../..");
}

/* A virtual interface; lower[] are paths below /sys/devices. */
static void
fx_vnet(const char *root, const char *name, bool bridge,
    const char *const *lower, const char *const *lower_dirs)
{
	char p[512], t[512];
	int i;

	snprintf(p, sizeof p, "/sys/devices/virtual/net/%s/ifindex", name);
	fx_write(root, p, "9\n");
	if (bridge) {
		snprintf(p, sizeof p,
		    "/sys/devices/virtual/net/%s/bridge/stp_state", name);
		fx_write(root, p, "0\n");
	}
	snprintf(p, sizeof p, "/sys/class/net/%s", name);
	snprintf(t, sizeof t, "../../devices/virtual/net/%s", name);
	fx_symlink(root, p, t);
	for (i = 0; lower != NULL && lower[i] != NULL; i++) {
		snprintf(p, sizeof p, "/sys/devices/virtual/net/%s/lower_%s",
		    name, lower[i]);
		snprintf(t, sizeof t, "../../../%s", lower_dirs[i]);
		fx_symlink(root, p, t);
	}
}

static struct host *
probe(const char *root, const char *hostname)
{
	struct host *h = xcalloc(1, sizeof *h);

	h->hostname = hostname != NULL ? xstrdup(hostname) : NULL;
	return fx_probe(root, probe_net, h);
}

static const struct host_nic *
nic(const struct host *h, const char *iface, const char *top)
{
	size_t i;

	for (i = 0; i < h->network.n_nics; i++)
		if (strcmp(h->network.nics[i].iface, iface) == 0 &&
		    strcmp(h->network.nics[i].top, top) == 0)
			return &h->network.nics[i];
	return NULL;
}

/* The NIC entry the test expects to be there. */
static const struct host_nic *
mnic(const struct host *h, const char *iface, const char *top)
{
	static const struct host_nic none = {
	    (char *)"", (char *)"", (char *)"", (char *)"", false};
	const struct host_nic *n = nic(h, iface, top);

	if (n == NULL)
		fail_msg("no nic %s below %s", iface, top);
	return n != NULL ? n : &none;
}

static struct pci_device
dev(const char *address, uint32_t class_code)
{
	struct pci_device d;

	memset(&d, 0, sizeof d);
	snprintf(d.address, sizeof d.address, "%s", address);
	d.class_code = class_code;
	return d;
}

static enum host_need_kind
need(const struct host *h, const char *address, uint32_t class_code)
{
	struct pci_device d = dev(address, class_code);
	struct host_need n;

	host_device_needed(h, &d, &n);
	return n.kind;
}

/* What proxmox/pve-installer writes: vmbr0 on eno1 with the gateway. */
static void
test_installer(void **state)
{
	const char *root = *state;
	const struct host_nic *n;
	struct host *h;

	fx_nic(root, "eno1", PCI19);
	fx_write(root, "/etc/network/interfaces",
	    "auto lo\niface lo inet loopback\n\niface eno1 inet manual\n\n"
	    "auto vmbr0\niface vmbr0 inet static\n"
	    "\taddress 192.168.1.10/24\n\tgateway 192.168.1.1\n"
	    "\tbridge-ports eno1\n\tbridge-stp off\n\tbridge-fd 0\n");
	fx_write(root, "/etc/hosts",
	    "127.0.0.1 localhost.localdomain localhost\n"
	    "192.168.1.10 pve.home.arpa pve\n");
	h = probe(root, "pve");
	assert_int_equal(h->n_problems, 0);
	assert_false(h->network.uncertain);
	assert_int_equal(h->network.n_mgmt_ifaces, 1);
	assert_string_equal(h->network.mgmt_ifaces[0], "vmbr0");
	assert_non_null(strstr(h->network.mgmt_evidence,
	    "gateway 192.168.1.1 on vmbr0 ('/etc/network/interfaces:9')"));
	assert_non_null(strstr(h->network.mgmt_evidence, "of node 'pve'"));
	assert_int_equal(h->network.n_netdevs, 1);
	assert_string_equal(h->network.netdevs[0].address, "0000:00:19.0");
	n = mnic(h, "eno1", "vmbr0");
	assert_true(n->mgmt);
	assert_string_equal(n->address, "0000:00:19.0");
	assert_string_equal(n->via, "vmbr0 via eno1");
	assert_int_equal(need(h, "0000:00:19.0", 0x020000), NEED_MGMT_NIC);
	assert_int_equal(need(h, "0000:00:1f.6", 0x020000), NEED_NONE);
	host_free(h);
}

/* A VLAN on a bridge over a bond, written the long way round. */
static void
test_bond_vlan(void **state)
{
	const char *root = *state;
	const struct host_nic *n;
	struct host *h;

	fx_nic(root, "enp3s0f0", PCI1C);
	fx_nic(root, "enp3s0f1", "pci0000:00/0000:00:1c.0/0000:03:00.1");
	fx_write(root, "/etc/network/interfaces",
	    "# a comment\n"
	    "auto bond0\n"
	    "iface bond0 inet manual\n"
	    "    bond_slaves enp3s0f0 \\\n"
	    "        enp3s0f1\n"
	    "    bond-mode 802.3ad\n"
	    "\n"
	    "auto vmbr0\n"
	    "iface vmbr0 inet manual\n"
	    "  bridge_ports bond0\n"
	    "  bridge-vlan-aware yes\n"
	    "   # comment inside the stanza\n"
	    "\n"
	    "auto vmbr0.10\n"
	    "iface vmbr0.10 inet static\n"
	    "  address 10.0.10.2/24\n"
	    "  gateway 10.0.10.1\n");
	h = probe(root, "pve1");
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->network.n_mgmt_ifaces, 1);
	assert_string_equal(h->network.mgmt_ifaces[0], "vmbr0.10");
	n = mnic(h, "enp3s0f1", "vmbr0.10");
	assert_true(n->mgmt);
	assert_string_equal(n->address, "0000:03:00.1");
	assert_string_equal(
	    n->via, "vmbr0.10 via vmbr0 via bond0 via enp3s0f1");
	n = mnic(h, "enp3s0f0", "vmbr0.10");
	assert_string_equal(n->address, "0000:03:00.0");
	/* the bridge itself is walked too, its ports already known */
	assert_null(nic(h, "enp3s0f0", "vmbr0"));
	assert_int_equal(need(h, "0000:03:00.0", 0x020000), NEED_MGMT_NIC);
	host_free(h);
}

/*
 * No gateway at all: the node's address from /etc/hosts (spelt another
 * way) picks the interface; a second bridge is a plain bridge port.
 */
static void
test_node_address(void **state)
{
	const char *root = *state;
	const struct host_nic *n;
	struct host *h;
	struct pci_device d = dev("0000:03:00.0", 0x020000);

	fx_nic(root, "eno1", PCI19);
	fx_nic(root, "enp3s0", PCI1C);
	fx_write(root, "/etc/network/interfaces",
	    "iface vmbr0 inet6 static\n"
	    "\taddress 2001:db8::10/64\n"
	    "\tbridge-ports eno1\n"
	    "iface vmbr1 inet manual\n"
	    "\tbridge-ports enp3s0\n");
	fx_write(root, "/etc/hosts",
	    "127.0.1.1 pve2\n"
	    "2001:db8:0:0:0:0:0:10 pve2.example.com pve2 # the node\n");
	h = probe(root, "pve2.example.com");
	assert_int_equal(h->network.n_mgmt_ifaces, 1);
	assert_string_equal(h->network.mgmt_ifaces[0], "vmbr0");
	assert_non_null(strstr(h->network.mgmt_evidence, "address "
							 "2001:db8:0:0:0:0:0:"
							 "10"));
	assert_true(mnic(h, "eno1", "vmbr0")->mgmt);
	n = mnic(h, "enp3s0", "vmbr1");
	assert_false(n->mgmt);
	/* a port of another bridge: not needed while the picture is clear */
	assert_int_equal(need(h, "0000:03:00.0", 0x020000), NEED_NONE);
	assert_ptr_equal(host_bridge_port(h, &d), n);
	host_free(h);
}

/* source (a glob, hidden files skipped) and source-directory. */
static void
test_sources(void **state)
{
	const char *root = *state;
	struct host *h;

	fx_nic(root, "eno1", PCI19);
	fx_nic(root, "enp3s0", PCI1C);
	fx_write(root, "/etc/network/interfaces",
	    "source interfaces.d/*\nsource-directory /etc/network/more\n");
	fx_write(root, "/etc/network/interfaces.d/vmbr0",
	    "auto vmbr0\niface vmbr0 inet dhcp\n  bridge-ports eno1\n");
	fx_write(root, "/etc/network/interfaces.d/.vmbr0.swp",
	    "iface vmbr0 inet manual\n  bridge-ports enp3s0\n");
	fx_write(root, "/etc/network/more/vmbr9",
	    "iface vmbr9 inet manual\n  bridge-ports enp3s0\n");
	fx_write(root, "/etc/network/more/skip.cfg", "this is not read\n");
	h = probe(root, "pve");
	assert_int_equal(h->n_problems, 0);
	assert_int_equal(h->network.n_mgmt_ifaces, 1);
	assert_non_null(strstr(h->network.mgmt_evidence,
	    "dhcp on vmbr0 ('/etc/network/interfaces.d/vmbr0:2')"));
	assert_true(mnic(h, "eno1", "vmbr0")->mgmt);
	assert_null(nic(h, "enp3s0", "vmbr0"));
	assert_false(mnic(h, "enp3s0", "vmbr9")->mgmt);
	host_free(h);
}

/* No file: the kernel's default route and lower_* links still tell. */
static void
test_kernel_view(void **state)
{
	static const char *const lower[] = {"eno1", NULL};
	static const char *const dirs[] = {PCI19 "/net/eno1"};
	const char *root = *state;
	struct host *h;

	fx_nic(root, "eno1", PCI19);
	fx_vnet(root, "vmbr0", true, lower, dirs);
	fx_write(root, "/proc/net/route",
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask"
	    "\t\tMTU\tWindow\tIRTT\n"
	    "vmbr0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
	    "vmbr0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
	fx_write(root, "/proc/net/ipv6_route",
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 ffffffff 00000001 00000001 "
	    "00200200       lo\n");
	h = probe(root, "pve");
	assert_true(fx_has_problem(h, "cannot read '/etc/network/interfaces'"));
	assert_true(h->network.uncertain);
	assert_int_equal(h->network.n_mgmt_ifaces, 1); /* lo is no uplink */
	assert_string_equal(h->network.mgmt_ifaces[0], "vmbr0");
	assert_non_null(strstr(h->network.mgmt_evidence,
	    "default route on vmbr0 ('/proc/net/route')"));
	assert_true(mnic(h, "eno1", "vmbr0")->mgmt);
	assert_int_equal(need(h, "0000:00:19.0", 0x020000), NEED_MGMT_NIC);
	host_free(h);
}

/* Nothing names the management interface: every bridge port is kept. */
static void
test_fail_closed_ports(void **state)
{
	static const char *const lower[] = {"enp3s0", NULL};
	static const char *const dirs[] = {PCI1C "/net/enp3s0"};
	const char *root = *state;
	struct host *h;

	fx_nic(root, "eno1", PCI19);
	fx_nic(root, "enp3s0", PCI1C);
	fx_vnet(root, "vmbr7", true, lower, dirs);
	fx_write(root, "/etc/network/interfaces",
	    "iface vmbr0 inet manual\n  bridge-ports eno1\n");
	h = probe(root, "pve");
	assert_true(fx_has_problem(h, "no management interface"));
	assert_true(h->network.uncertain);
	assert_int_equal(need(h, "0000:00:19.0", 0x020000), NEED_BRIDGE_PORT);
	/* vmbr7 exists only in the running kernel */
	assert_int_equal(need(h, "0000:03:00.0", 0x020000), NEED_BRIDGE_PORT);
	assert_int_equal(need(h, "0000:00:1f.6", 0x020000), NEED_NONE);
	host_free(h);
}

/* A management NIC sysfs does not know: NICs without an interface. */
static void
test_unresolved(void **state)
{
	const char *root = *state;
	struct host *h;

	fx_nic(root, "eno1", PCI19);
	fx_write(root, "/etc/network/interfaces",
	    "auto vmbr0\niface vmbr0 inet static\n"
	    "  address 192.168.1.2/24\n  gateway 192.168.1.1\n"
	    "  bridge-ports enp5s0\n");
	h = probe(root, "pve");
	assert_true(fx_has_problem(h, "interface 'enp5s0' (vmbr0 via enp5s0) "
				      "is not in '/sys/class/net'"));
	assert_true(h->network.unresolved);
	/* eno1 has an interface, so it is not the missing one */
	assert_int_equal(need(h, "0000:00:19.0", 0x020000), NEED_NONE);
	assert_int_equal(need(h, "0000:05:00.0", 0x020000), NEED_NIC_UNKNOWN);
	assert_int_equal(need(h, "0000:05:00.0", 0x030000), NEED_NONE);
	host_free(h);
}

/* A USB NIC: the USB controller it hangs off is what would go. */
static void
test_usb_nic(void **state)
{
	const char *root = *state;
	struct host *h;

	fx_write(root,
	    "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/net/"
	    "enx001122334455/ifindex",
	    "3\n");
	fx_symlink(root, "/sys/class/net/enx001122334455",
	    "../../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/net/"
	    "enx001122334455");
	fx_symlink(root,
	    "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/net/"
	    "enx001122334455/device",
	    "../../../2-1:1.0");
	fx_write(root, "/etc/network/interfaces",
	    "auto enx001122334455\niface enx001122334455 inet dhcp\n");
	h = probe(root, "pve");
	assert_int_equal(h->n_problems, 0);
	assert_string_equal(
	    mnic(h, "enx001122334455", "enx001122334455")->address,
	    "0000:00:14.0");
	assert_int_equal(need(h, "0000:00:14.0", 0x0c0330), NEED_MGMT_NIC);
	host_free(h);
}

/* Odd files: problems, fail closed, no crash, nothing invented. */
static void
test_odd(void **state)
{
	const char *root = *state;
	struct host *h;

	fx_nic(root, "eno1", PCI19);
	fx_write(root, "/etc/network/interfaces",
	    "bridge-ports eno1\n"
	    "iface\n"
	    "mapping eth0\n  script /usr/local/sbin/map\n"
	    "source /etc/network/interfaces\n"
	    "source /etc/network/missing\n"
	    "source /etc/net*/x\n"
	    "iface vmbr0 inet static\n"
	    "  gateway 10.0.0.1\n"
	    "  bridge-ports glob eno[1-2]\n"
	    "  bridge-stp\n"
	    "\\\\\\\n");
	h = probe(root, "pve");
	assert_true(h->network.uncertain);
	assert_true(fx_has_problem(h, "is outside an iface stanza"));
	assert_true(fx_has_problem(h, "'iface' without a name"));
	assert_true(fx_has_problem(h, "mapping stanzas are not followed"));
	assert_true(fx_has_problem(h, "sources itself"));
	assert_true(fx_has_problem(h, "cannot read '/etc/network/missing'"));
	assert_true(fx_has_problem(h, "wildcards in directories"));
	assert_true(fx_has_problem(h, "'bridge-ports glob eno[1-2]' is not "
				      "followed"));
	assert_true(fx_has_problem(h, "option 'bridge-stp' has no value"));
	assert_int_equal(h->network.n_mgmt_ifaces, 1);
	host_free(h);
}

/* The fixture hosts, as replayed from tests/hosts. */
static void
test_fixture_hosts(void **state)
{
	const struct host_nic *n;
	struct fx_host f;

	(void)state;
	fx_host_load(&f, "shared-group-sata");
	assert_false(f.host->network.uncertain);
	n = mnic(f.host, "enp5s0", "vmbr0");
	assert_true(n->mgmt);
	assert_string_equal(n->address, "0000:05:00.0");
	assert_string_equal(n->via, "vmbr0 via bond0 via enp5s0");
	assert_true(mnic(f.host, "enp4s0", "vmbr0")->mgmt);
	fx_host_free(&f);

	fx_host_load(&f, "pve7-kernel515");
	assert_true(mnic(f.host, "eno1", "vmbr0")->mgmt);
	assert_false(mnic(f.host, "enp2s0", "vmbr1")->mgmt);
	assert_false(f.host->network.uncertain);
	fx_host_free(&f);

	fx_host_load(&f, "vm-no-iommu");
	n = mnic(f.host, "ens18", "ens18");
	assert_true(n->mgmt);
	assert_string_equal(n->address, "0000:00:12.0");
	assert_false(f.host->network.uncertain);
	fx_host_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_installer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bond_vlan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_node_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kernel_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_fail_closed_ports, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unresolved, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_usb_nic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_odd, setup, teardown),
	    cmocka_unit_test(test_fixture_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
