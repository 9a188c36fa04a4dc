/*
 * test_step_vm.c: the VM config step in legacy IGD mode on the Core
 * i7-4770 fixture hosts: the exact new config text, every other line and
 * section byte for byte, planning again after an apply, and each refusal
 * (q35, OVMF without an option ROM, a lock, a running VM, no free
 * hostpciN) with its reason.
 */
#include "step_vm_fx.h"

#define CONF100 "/etc/pve/qemu-server/100.conf"

static const char *const igd[] = {
    "device=00:02.0", "device=00:03.0", "mode=legacy-igd", NULL};

/* VM 100 (i440fx, SeaBIOS): the iGPU and its HDMI audio, vga: none. */
static void
test_legacy_exact(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "100");
	vmt_expect_appended(&t, CONF100,
	    "hostpci0: 0000:00:02.0,legacy-igd=1\n"
	    "hostpci1: 0000:00:03.0\n"
	    "vga: none\n");
	assert_int_equal(t.p.n_files, 1);
	assert_string_equal(t.p.files[0].step, "vm");
	assert_true(vmt_note(&t, "'vga: none'"));
	assert_int_equal(t.p.n_cmds, 0);
	vmt_apply_idempotent(&t);
	vmt_free(&t);
}

/* Description lines, [PENDING], snapshots and [special:] stay as they are. */
static void
test_sections_kept(void **state)
{
	static const char head[] = "#Gaming VM\n"
				   "#  with **markdown**\n"
				   "agent: 1\n"
				   "boot: order=scsi0\n";
	static const char tail[] = "\n[PENDING]\n"
				   "hostpci1: 0000:00:1b.0\n"
				   "memory: 8192\n"
				   "\n[snap1]\n"
				   "hostpci0: 0000:00:1a.0\n"
				   "machine: pc-q35-8.1\n"
				   "snaptime: 1700000000\n"
				   "vga: qxl\n"
				   "\n[special:cloudinit]\n"
				   "name: sections\n";
	struct vmt t;
	char *conf, *want;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "107");
	conf = xasprintf("%shostpci0: 0000:00:19.0,pcie=1\n"
			 "memory: 4096\n"
			 "name: sections\n"
			 "parent: snap1\n"
			 "vga: std\n%s",
	    head, tail);
	vmt_conf(&t, 107, conf);
	assert_int_equal(vmt_plan(&t), 0);
	/* hostpci1 is taken in [PENDING]; pcie=1 goes (i440fx) */
	want = xasprintf("%shostpci0: 0000:00:19.0\n"
			 "memory: 4096\n"
			 "name: sections\n"
			 "parent: snap1\n"
			 "vga: none\n"
			 "hostpci2: 0000:00:02.0,legacy-igd=1\n"
			 "hostpci3: 0000:00:03.0\n%s",
	    head, tail);
	assert_string_equal(
	    vmt_after(&t, "/etc/pve/qemu-server/107.conf"), want);
	assert_true(vmt_note(&t, "loses pcie=1"));
	assert_true(vmt_note(&t, "it was 'std'"));
	vmt_apply_idempotent(&t);
	free(want);
	free(conf);
	vmt_free(&t);
}

/* An entry that holds the iGPU already gets legacy-igd=1 in place. */
static void
test_existing_entry(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "109");
	vmt_conf(
	    &t, 109, "hostpci3: 00:02.0,rombar=0\nmemory: 2048\nvga: none\n");
	assert_int_equal(vmt_plan(&t), 0);
	assert_string_equal(vmt_after(&t, "/etc/pve/qemu-server/109.conf"),
	    "hostpci3: 00:02.0,legacy-igd=1\nmemory: 2048\nvga: none\n"
	    "hostpci0: 0000:00:03.0\n");
	assert_true(vmt_note(&t, "already passes 0000:00:02.0"));
	vmt_apply_idempotent(&t);
	/* a second legacy IGD device in the same VM is refused */
	vmt_conf(&t, 109, "hostpci0: 0000:00:1b.0,legacy-igd=1\n");
	vmt_refused(&t, -EINVAL, "only one");
	vmt_free(&t);
}

static void
test_q35_refused(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "102");
	vmt_conf(&t, 102, "machine: pc-q35-8.1\nmemory: 2048\n");
	vmt_refused(&t, -EINVAL, "q35");
	assert_non_null(strstr(t.cause, "'machine: pc-q35-8.1'"));
	/* the property string form counts too; plain i440fx is fine */
	vmt_conf(&t, 102, "machine: type=q35,viommu=intel\n");
	vmt_refused(&t, -EINVAL, "q35");
	vmt_conf(&t, 102, "machine: pc-i440fx-8.1\n");
	assert_int_equal(vmt_plan(&t), 0);
	assert_int_equal(t.p.n_files, 1);
	vmt_free(&t);
}

static void
test_locked_running_refused(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "103");
	vmt_conf(&t, 103, "lock: backup\nmemory: 2048\n");
	vmt_refused(&t, -EBUSY, "'lock: backup'");
	assert_non_null(strstr(t.cause, "qm unlock 103"));
	/* VM 101 runs on this host */
	vmt_choose(&t, "vm", "101");
	vmt_refused(&t, -EBUSY, "VM 101 is running");
	assert_non_null(strstr(t.cause, "shut it down"));
	vmt_free(&t);
}

static void
test_ovmf_romfile(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "104");
	vmt_conf(&t, 104, "bios: ovmf\nmemory: 2048\n");
	vmt_refused(&t, -EINVAL, "OVMF");
	assert_non_null(strstr(t.cause, "/usr/share/kvm"));
	vmt_choose(&t, "romfile", "../igd.rom");
	vmt_refused(&t, -EINVAL, "not a file name");
	vmt_choose(&t, "romfile", "igd.rom");
	vmt_refused(&t, -ENOENT, "'igd.rom' is not in /usr/share/kvm");
	fx_write(t.f.dir, "/usr/share/kvm/igd.rom", "ROM");
	vmt_expect_appended(&t, "/etc/pve/qemu-server/104.conf",
	    "hostpci0: 0000:00:02.0,legacy-igd=1,romfile=igd.rom\n"
	    "hostpci1: 0000:00:03.0\n"
	    "vga: none\n");
	vmt_apply_idempotent(&t);
	vmt_free(&t);
}

/* hostpci0..15 all taken: nowhere to put the iGPU. */
static void
test_slots_full(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct vmt t;
	int i;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "105");
	for (i = 0; i < 16; i++)
		sb_addf(&sb, "hostpci%d: 0000:00:1a.0\n", i);
	vmt_conf(&t, 105, sb_str(&sb));
	vmt_refused(&t, -ENOSPC, "every hostpci entry of VM 105 is taken");
	sb_release(&sb);
	vmt_free(&t);
}

static void
test_other_choices_refused(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	vmt_choose(&t, "vm", "100");
	vmt_choose(&t, "x-vga", "1");
	vmt_refused(&t, -EINVAL, "x-vga cannot be combined");
	vmt_choose(&t, "x-vga", "0");
	vmt_choose(&t, "mdev", "i915-GVTg_V5_4");
	vmt_refused(&t, -EINVAL, "gvt-g");
	vmt_free(&t);
}

/* The finished host plans nothing, although VM 100 runs. */
static void
test_done_host_empty(void **state)
{
	struct strbuf msg = STRBUF_INIT;
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8-done", igd);
	vmt_choose(&t, "vm", "100");
	assert_int_equal(vmt_plan(&t), 0);
	assert_true(plan_empty(&t.p));
	assert_int_equal(t.p.n_notes, 0);
	assert_int_equal(vmt_verify(&t, &msg), VERIFY_OK);
	sb_release(&msg);
	vmt_free(&t);
}

static void
test_no_vm_chosen(void **state)
{
	struct vmt t;

	(void)state;
	vmt_load(&t, "i7-4770-pve8", igd);
	assert_int_equal(vmt_plan(&t), 0);
	assert_true(plan_empty(&t.p));
	assert_true(vmt_note(&t, "--vm ID"));
	assert_true(vmt_note(&t, "100 (win10, pc-i440fx-8.1, seabios, "
				 "stopped)"));
	assert_true(vmt_note(&t, "101 (debian12, i440fx, seabios, running)"));
	assert_true(vmt_note(&t, "'qm create 102 --name passthrough --memory "
				 "4096 --machine pc --bios seabios --vga "
				 "none'"));
	vmt_choose(&t, "vm", "999");
	vmt_refused(&t, -ENOENT, "no VM 999");
	vmt_choose(&t, "vm", "1x");
	vmt_refused(&t, -EINVAL, "not a VM id");
	vmt_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_legacy_exact),
	    cmocka_unit_test(test_sections_kept),
	    cmocka_unit_test(test_existing_entry),
	    cmocka_unit_test(test_q35_refused),
	    cmocka_unit_test(test_locked_running_refused),
	    cmocka_unit_test(test_ovmf_romfile),
	    cmocka_unit_test(test_slots_full),
	    cmocka_unit_test(test_other_choices_refused),
	    cmocka_unit_test(test_done_host_empty),
	    cmocka_unit_test(test_no_vm_chosen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
