/*
 * test_afterboot.c: the diagnosis after the reboot (src/steps/afterboot.h)
 * on the finished Haswell host (i7-4770-pve8-done: the parameters on the
 * command line, the iGPU and its audio on vfio-pci) and the AMD host,
 * each snapshot changed the way a failed boot changes it: the old command
 * line, an older kernel, systemd-boot, a configuration that lost the
 * parameters, the IOMMU off with and without its firmware table, a device
 * still on its host driver or without a driver, a missing /dev/vfio node,
 * a sibling on a host driver, a sibling the host needs. Each problem must
 * name what is wrong, the likely cause and the next action.
 */
#include "testutil.h"

#include "vfio-wizard/host.h"
#include "vfio-wizard/selection.h"
#include "vfio-wizard/step.h"
#include "vfio-wizard/strbuf.h"
#include "../../src/steps/afterboot.h"
#include "../../src/steps/kcmdline.h"
#include "../../src/steps/kmodules.h"
#include "../../src/steps/steps.h"

#include <stdlib.h>
#include <string.h>

static const char *const hsw[] = {
    "device=0000:00:02.0", "device=0000:00:03.0", "mode=legacy-igd", NULL};

static void
make_choices(struct choices *c, const char *const *items)
{
	memset(c, 0, sizeof *c);
	for (; *items != NULL; items++)
		ARRAY_PUSH(c->items, c->n_items, xstrdup(*items));
}

/* The command line step's diagnosis, rendered. */
static char *
diag_cmdline_for(struct fx_host *f, const char *const *items, size_t *n)
{
	struct selection sel = SELECTION_INIT;
	struct ab_report rep = AB_REPORT_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct choices c;
	struct kcmd_want w;
	char *cause = NULL;

	make_choices(&c, items);
	assert_int_equal(
	    selection_resolve(f->host, f->root, &c, &sel, &cause), 0);
	assert_int_equal(kcmd_want_build(f->host, &sel, &w, &cause), 0);
	ab_cmdline(f->host, &w, &rep);
	if (rep.n == 0 || f->host->firmware.iommu_table == NULL)
		ab_iommu(f->host, &rep);
	*n = rep.n;
	ab_render(&rep, &sb);
	ab_report_free(&rep);
	kcmd_want_free(&w);
	selection_free(&sel);
	choices_free(&c);
	return sb_detach(&sb);
}

static char *
diag_cmdline(struct fx_host *f, size_t *n)
{
	return diag_cmdline_for(f, hsw, n);
}

/* The modules step's diagnosis, rendered. */
static char *
diag_devices(struct fx_host *f, const char *const *items, size_t *n)
{
	struct selection sel = SELECTION_INIT;
	struct ab_report rep = AB_REPORT_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct choices c;
	struct km_want w;
	char *cause = NULL;

	make_choices(&c, items);
	assert_int_equal(
	    selection_resolve(f->host, f->root, &c, &sel, &cause), 0);
	km_want_build(f->host, f->root, &sel, &w, NULL);
	ab_devices(f->host, f->root, &c, &sel, &w, &rep);
	*n = rep.n;
	ab_render(&rep, &sb);
	ab_report_free(&rep);
	km_want_free(&w);
	selection_free(&sel);
	choices_free(&c);
	return sb_detach(&sb);
}

static void
has(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("'%s' not in:\n%s", part, text);
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

/* The finished host with /dev/vfio nodes for its two groups. */
static void
load_done(struct fx_host *f)
{
	const struct pci_device *g = NULL, *a = NULL;

	fx_host_load(f, "i7-4770-pve8-done");
	g = host_pci_find(f->host, "0000:00:02.0");
	a = host_pci_find(f->host, "0000:00:03.0");
	assert_non_null(g);
	assert_non_null(a);
	f->host->iommu.dev_vfio = true;
	ARRAY_PUSH(f->host->iommu.vfio_nodes, f->host->iommu.n_vfio_nodes,
	    g->iommu_group);
	ARRAY_PUSH(f->host->iommu.vfio_nodes, f->host->iommu.n_vfio_nodes,
	    a->iommu_group);
}

static struct pci_device *
dev(struct fx_host *f, const char *addr)
{
	const struct pci_device *d = host_pci_find(f->host, addr);

	assert_non_null(d);
	return (struct pci_device *)d;
}

static void
test_all_good(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	s = diag_cmdline(&f, &n);
	assert_int_equal(n, 0);
	free(s);
	s = diag_devices(&f, hsw, &n);
	assert_int_equal(n, 0);
	free(s);
	fx_host_free(&f);
}

/* GRUB has the parameters, the running kernel does not: update-grub. */
static void
test_stale_grub(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	set_str(&f.host->kernel.cmdline,
	    "BOOT_IMAGE=/boot/vmlinuz-6.5.13-3-pve "
	    "root=/dev/mapper/pve-root ro quiet");
	s = diag_cmdline(&f, &n);
	assert_int_equal(n, 1);
	has(s, "intel_iommu=on is missing");
	has(s, "although the configuration (/etc/default/grub, "
	       "/etc/default/grub.d) has them");
	has(s, "likely cause: grub.cfg was not regenerated: 'update-grub'");
	has(s, "next: run 'update-grub'");
	free(s);
	fx_host_free(&f);
}

/* An older kernel booted than the newest installed one. */
static void
test_older_kernel(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	set_str(&f.host->kernel.cmdline, "root=/dev/mapper/pve-root ro");
	set_str(&f.host->kernel.release, "6.2.16-20-pve");
	s = diag_cmdline(&f, &n);
	has(s, "likely cause: kernel 6.2.16-20-pve booted, not the newest "
	       "installed one (6.5.13-3-pve)");
	has(s, "make the entry of kernel 6.5.13-3-pve the default");
	free(s);
	fx_host_free(&f);
}

/* systemd-boot: proxmox-boot-tool refresh. */
static void
test_stale_sdboot(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	f.host->boot.loader = BOOT_SYSTEMD_BOOT;
	f.host->boot.cmdline_file = "/etc/kernel/cmdline";
	set_str(&f.host->kernel.cmdline, "root=ZFS=rpool/ROOT/pve-1 boot=zfs");
	s = diag_cmdline(&f, &n);
	has(s, "although the configuration (/etc/kernel/cmdline) has them");
	has(s, "'proxmox-boot-tool refresh' did not run or failed");
	has(s, "next: run 'proxmox-boot-tool refresh'");
	free(s);
	fx_host_free(&f);
}

/* The configuration lost the parameters: plan again. */
static void
test_config_lost(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	set_str(&f.host->kernel.cmdline, "root=/dev/mapper/pve-root ro quiet");
	set_str(&f.host->boot.cmdline, "quiet");
	s = diag_cmdline(&f, &n);
	has(s, "no longer has them either");
	has(s, "next: run 'vfio-wizard plan'");
	free(s);
	fx_host_free(&f);
}

/* VT-d off in the firmware: no DMAR table, no units. */
static void
test_iommu_no_table(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	f.host->firmware.iommu_table = NULL;
	f.host->iommu.active = false;
	s = diag_cmdline(&f, &n);
	assert_int_equal(n, 1);
	has(s, "no DMAR table (/sys/firmware/acpi/tables/DMAR is missing)");
	has(s, "likely cause: VT-d is disabled in the firmware setup");
	has(s, "next: enable 'VT-d' in the BIOS/UEFI setup");
	free(s);
	/* the devices wait for the IOMMU */
	set_str(&dev(&f, "0000:00:02.0")->driver, NULL);
	s = diag_devices(&f, hsw, &n);
	assert_int_equal(n, 1);
	has(s, "without an active IOMMU it has no IOMMU group");
	free(s);
	fx_host_free(&f);
}

/* AMD: AMD-Vi, boards call it IOMMU. */
static void
test_iommu_amd(void **state)
{
	static const char *const none[] = {NULL};
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	fx_host_load(&f, "ryzen-nvidia");
	f.host->firmware.iommu_table = NULL;
	f.host->iommu.active = false;
	s = diag_cmdline_for(&f, none, &n);
	has(s, "no IVRS table");
	has(s, "AMD-Vi is disabled in the firmware setup");
	has(s, "'IOMMU' (AMD-Vi)");
	free(s);
	fx_host_free(&f);
}

/* The table is there and the parameters too, but no units. */
static void
test_iommu_table_no_units(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	f.host->iommu.active = false;
	s = diag_cmdline(&f, &n);
	assert_int_equal(n, 1);
	has(s, "although the firmware has the DMAR table");
	has(s, "did not enable DMA remapping");
	has(s, "dmesg");
	free(s);
	fx_host_free(&f);
}

/* i915 still has the iGPU, the configuration is right: the initramfs. */
static void
test_stale_initramfs(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	set_str(&dev(&f, "0000:00:02.0")->driver, "i915");
	s = diag_devices(&f, hsw, &n);
	assert_int_equal(n, 1);
	has(s, "0000:00:02.0 (");
	has(s, "is still driven by i915, not vfio-pci");
	has(s, "the initramfs was probably not rebuilt and i915 loaded from "
	       "it first");
	has(s, "next: run 'update-initramfs -u -k all'");
	free(s);
	fx_host_free(&f);
}

/* No driver at all: vfio-pci loaded but not claiming, or not loaded. */
static void
test_no_driver(void **state)
{
	struct fx_host f;
	size_t n, i;
	char *s;

	(void)state;
	load_done(&f);
	set_str(&dev(&f, "0000:00:03.0")->driver, NULL);
	s = diag_devices(&f, hsw, &n);
	assert_int_equal(n, 1);
	has(s, "0000:00:03.0 (");
	has(s, "has no driver, not vfio-pci");
	has(s, "vfio-pci is loaded but did not claim it");
	free(s);
	for (i = 0; i < f.host->kernel.n_loaded; i++)
		if (strcmp(f.host->kernel.loaded[i], "vfio_pci") == 0)
			f.host->kernel.loaded[i][0] = 'X';
	s = diag_devices(&f, hsw, &n);
	has(s, "vfio-pci was not loaded at boot");
	has(s, "/etc/modules-load.d/vfio-wizard.conf, which is missing");
	free(s);
	fx_host_free(&f);
}

/* On vfio-pci, but /dev/vfio/<group> is missing. */
static void
test_node_missing(void **state)
{
	struct fx_host f;
	size_t n;
	char *s, *want;

	(void)state;
	load_done(&f);
	f.host->iommu.n_vfio_nodes = 1; /* the audio's node goes */
	fx_mkdir(f.dir, "/dev/vfio");
	s = diag_devices(&f, hsw, &n);
	assert_int_equal(n, 1);
	want = xasprintf(
	    "/dev/vfio/%d is missing", dev(&f, "0000:00:03.0")->iommu_group);
	has(s, want);
	has(s, "vfio did not register the group");
	free(want);
	free(s);
	fx_host_free(&f);
}

/* Put the device at addr into the group of 00:03.0. */
static void
join_group(struct fx_host *f, const char *addr)
{
	struct pci_device *a = dev(f, "0000:00:03.0"), *o = dev(f, addr);
	struct iommu_group *g =
	    (struct iommu_group *)host_group_find(f->host, a->iommu_group);

	assert_non_null(g);
	o->iommu_group = g->id;
	ARRAY_PUSH(g->devices, g->n_devices, (size_t)(o - f->host->pci));
}

/*
 * A sibling on a host driver, known only after the boot: the selection
 * takes it along, and it is not on vfio-pci.
 */
static void
test_group_not_viable(void **state)
{
	struct fx_host f;
	size_t n;
	char *s;

	(void)state;
	load_done(&f);
	join_group(&f, "0000:00:1b.0");
	s = diag_devices(&f, hsw, &n);
	assert_int_equal(n, 1);
	has(s, "0000:00:1b.0 (");
	has(s, "is still driven by snd_hda_intel, not vfio-pci");
	has(s, "showed only after the reboot");
	has(s, "the VM will not start");
	has(s, "another slot");
	has(s, "never applies it");
	free(s);
	fx_host_free(&f);
}

/* A sibling the host needs (the root disk's SATA controller). */
static void
test_group_needed(void **state)
{
	struct fx_host f;
	const char *sata = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct choices c;
	size_t i;

	(void)state;
	load_done(&f);
	for (i = 0; i < f.host->storage.n_root_controllers; i++)
		sata = f.host->storage.root_controllers[i];
	assert_non_null(sata);
	join_group(&f, sata);
	make_choices(&c, hsw);
	assert_int_equal(
	    step_modules.verify(f.host, &c, f.root, true, &sb), VERIFY_FAILED);
	has(sb_str(&sb), sata);
	has(sb_str(&sb), "IOMMU group");
	sb_release(&sb);
	choices_free(&c);
	fx_host_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_good),
	    cmocka_unit_test(test_stale_grub),
	    cmocka_unit_test(test_older_kernel),
	    cmocka_unit_test(test_stale_sdboot),
	    cmocka_unit_test(test_config_lost),
	    cmocka_unit_test(test_iommu_no_table),
	    cmocka_unit_test(test_iommu_amd),
	    cmocka_unit_test(test_iommu_table_no_units),
	    cmocka_unit_test(test_stale_initramfs),
	    cmocka_unit_test(test_no_driver),
	    cmocka_unit_test(test_node_missing),
	    cmocka_unit_test(test_group_not_viable),
	    cmocka_unit_test(test_group_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
