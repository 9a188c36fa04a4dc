/*
 * test_probe_pve.c: the Proxmox VE probe on fixture trees laid out as pmxcfs
 * shows them (/etc/pve/local and /etc/pve/qemu-server as links into
 * nodes/<node>): presence and version from dpkg, the node name, VMs sorted
 * by id with their keys, running state from pid files and /proc cmdlines,
 * and an unparsable config reported while the VM stays listed.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/root.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char dpkg_status[] =
    "Package: proxmox-ve\n"
    "Status: install ok installed\n"
    "Version: 8.1.0\n"
    "\n"
    "Package: pve-manager\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Description: Proxmox Virtual Environment Management Tools\n"
    " This package contains the Proxmox Virtual Environment management tools.\n"
    "Version: 8.1.4\n"
    "\n"
    "Package: zfsutils-linux\n"
    "Status: install ok installed\n"
    "Version: 2.2.2-pve1\n";

/* A /proc/<pid>/cmdline as the kernel shows it: NUL after every argument. */
static void
write_cmdline(const char *root, int pid, const char *const *argv)
{
	char path[64], buf[512];
	size_t n = 0, l;

	for (; *argv != NULL; argv++) {
		l = strlen(*argv) + 1;
		memcpy(buf + n, *argv, l);
		n += l;
	}
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	fx_write_bytes(root, path, buf, n);
}

static int
setup(void **state)
{
	static const char *const kvm100[] = {"/usr/bin/kvm", "-id", "100",
	    "-name", "win10,debug-threads=on", "-pidfile",
	    "/var/run/qemu-server/100.pid", NULL};
	static const char *const kvm_other[] = {
	    "/usr/bin/kvm", "-id", "107", NULL};
	char *t = fx_mkroot();

	fx_write(t, "/etc/hostname", "pve1.example.org\nignored\n");
	fx_write(t, "/var/lib/dpkg/status", "%s", dpkg_status);
	fx_symlink(t, "/etc/pve/local", "/etc/pve/nodes/pve1");
	fx_symlink(
	    t, "/etc/pve/qemu-server", "/etc/pve/nodes/pve1/qemu-server");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/100.conf",
	    "#Windows 10 with the iGPU\n"
	    "bios: seabios\n"
	    "hostpci0: 0000:00:02.0,legacy-igd=1\n"
	    "hostpci1: 0000:00:03.0\n"
	    "machine: pc-i440fx-8.1\n"
	    "name: win10\n"
	    "vga: none\n"
	    "\n"
	    "[PENDING]\n"
	    "vga: std\n"
	    "\n"
	    "[before]\n"
	    "name: old\n"
	    "hostpci2: 01:00.0\n");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/99.conf",
	    "name: small\nlock: backup\nhostpci15: 01:00,pcie=1\n");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/1000.conf",
	    "name: broken\nthis is not a key\nvga: qxl\n");
	fx_write(
	    t, "/etc/pve/nodes/pve1/qemu-server/105.conf", "name: stale\n");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/106.conf", "name: gone\n");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/notes.txt", "x\n");
	fx_write(t, "/etc/pve/nodes/pve1/qemu-server/100.conf.tmp.123", "x\n");
	/* another node's VM is not ours */
	fx_write(t, "/etc/pve/nodes/pve2/qemu-server/200.conf", "name: far\n");
	/* /var/run is a link to /run on Debian */
	fx_symlink(t, "/var/run", "/run");
	fx_write(t, "/run/qemu-server/100.pid", "4242\n");
	write_cmdline(t, 4242, kvm100);
	/* a pid file whose pid now belongs to another VM */
	fx_write(t, "/run/qemu-server/105.pid", "5000\n");
	write_cmdline(t, 5000, kvm_other);
	/* a pid file whose process is gone */
	fx_write(t, "/run/qemu-server/106.pid", "6000\n");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	fx_rmroot(*state);
	return 0;
}

static void
test_vms(void **state)
{
	struct host *h = fx_probe(*state, probe_pve, NULL);
	const struct host_pve *p = &h->pve;
	const struct pve_vm *vm;
	size_t i;
	int j;

	assert_true(p->present);
	assert_string_equal(p->version, "8.1.4");
	assert_string_equal(p->node, "pve1");
	assert_string_equal(h->hostname, "pve1.example.org");
	assert_int_equal(p->n_vms, 5);
	/* numeric order, not the directory's */
	assert_int_equal(p->vms[0].vmid, 99);
	assert_int_equal(p->vms[1].vmid, 100);
	assert_int_equal(p->vms[2].vmid, 105);
	assert_int_equal(p->vms[3].vmid, 106);
	assert_int_equal(p->vms[4].vmid, 1000);

	vm = &p->vms[1];
	assert_string_equal(vm->path, "/etc/pve/qemu-server/100.conf");
	assert_string_equal(vm->name, "win10");
	assert_string_equal(vm->machine, "pc-i440fx-8.1");
	assert_string_equal(vm->bios, "seabios");
	/* the main section, not [PENDING] nor the snapshot */
	assert_string_equal(vm->vga, "none");
	assert_null(vm->lock);
	assert_string_equal(vm->hostpci[0], "0000:00:02.0,legacy-igd=1");
	assert_string_equal(vm->hostpci[1], "0000:00:03.0");
	for (j = 2; j < 16; j++)
		assert_null(vm->hostpci[j]);
	assert_true(vm->running);

	vm = &p->vms[0];
	assert_string_equal(vm->lock, "backup");
	assert_string_equal(vm->hostpci[15], "01:00,pcie=1");
	assert_null(vm->machine);
	assert_false(vm->running);
	assert_false(p->vms[2].running);
	assert_false(p->vms[3].running);

	/* the broken config: a problem, and the VM with what is known */
	vm = &p->vms[4];
	assert_string_equal(vm->name, "broken");
	assert_string_equal(vm->vga, "qxl");
	assert_int_equal(h->n_problems, 1);
	assert_string_equal(h->problems[0].what, "pve");
	assert_non_null(strstr(h->problems[0].message,
	    "'/etc/pve/qemu-server/1000.conf': line 2: unable to parse "
	    "'this is not a key'"));
	for (i = 0; i < p->n_vms; i++)
		assert_int_not_equal(p->vms[i].vmid, 200);
	host_free(h);
}

static void
test_not_installed(void **state)
{
	struct host *h;

	fx_write(*state, "/var/lib/dpkg/status",
	    "Package: pve-manager\n"
	    "Status: deinstall ok config-files\n"
	    "Version: 8.1.4\n");
	h = fx_probe(*state, probe_pve, NULL);
	assert_false(h->pve.present);
	assert_null(h->pve.version);
	assert_int_equal(h->pve.n_vms, 0);
	assert_int_equal(h->n_problems, 0);
	assert_string_equal(h->hostname, "pve1.example.org");
	host_free(h);
}

static void
test_plain_debian(void **state)
{
	struct host *h;
	char *t = fx_mkroot();

	(void)state;
	fx_write(t, "/etc/hostname", "deb\n");
	h = fx_probe(t, probe_pve, NULL);
	assert_false(h->pve.present);
	assert_int_equal(h->n_problems, 0);
	assert_string_equal(h->hostname, "deb");
	host_free(h);
	fx_rmroot(t);
}

static void
test_pmxcfs_not_mounted(void **state)
{
	struct host *h;
	char *t = fx_mkroot();

	(void)state;
	fx_write(t, "/etc/hostname", "pve1\n");
	fx_write(t, "/var/lib/dpkg/status", "%s", dpkg_status);
	fx_mkdir(t, "/etc/pve");
	h = fx_probe(t, probe_pve, NULL);
	assert_true(h->pve.present);
	assert_int_equal(h->pve.n_vms, 0);
	assert_int_equal(h->n_problems, 1);
	assert_non_null(strstr(
	    h->problems[0].message, "cannot list '/etc/pve/qemu-server'"));
	host_free(h);
	fx_rmroot(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_vms, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_not_installed, setup, teardown),
	    cmocka_unit_test(test_plain_debian),
	    cmocka_unit_test(test_pmxcfs_not_mounted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
