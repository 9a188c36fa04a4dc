/*
 * reboot-sim: a simulated reboot of a tree that `vfio-wizard replay` wrote
 * (doc/reboot-sim.md). It turns ROOT into what the kernel would show after
 * booting the configuration ROOT holds: a new boot id, the kernel and
 * command line the bootloader gives, the IOMMU and its groups, the driver
 * of every PCI device per the modprobe configuration, the modules loaded,
 * /dev/vfio, the GVT-g mdev types and the SR-IOV VFs sysfs.conf asks for;
 * --fault makes the boot go wrong as real ones do (reboot_sim_fault.c).
 *
 *   reboot-sim [--boot-id UUID] [--fault NAME]... [--dry-run] [--verbose]
 *              ROOT
 *
 * It prints what changed, one fact a line ("key: value"), warnings on
 * stderr, and exits 0; on an error it prints one message, changes nothing
 * and exits 1 (2 for a usage error). Every change is decided first and
 * written at the end, inside ROOT only.
 */
#include "reboot_sim.h"

#include "vfio-wizard/cmdline.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The mark of the fake commands replay writes (spec_commands.c). */
#define FAKE_MARK "for vfio-wizard --root (doc/host-spec.md)"

void
rs_fact(struct rs *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&s->summary, fmt, ap);
	va_end(ap);
	sb_addc(&s->summary, '\n');
}

void
rs_warn(struct rs *s, const char *fmt, ...)
{
	va_list ap;

	sb_adds(&s->warnings, "reboot-sim: warning: ");
	va_start(ap, fmt);
	sb_vaddf(&s->warnings, fmt, ap);
	va_end(ap);
	sb_addc(&s->warnings, '\n');
}

char *
rs_modname(const char *name)
{
	return cmdline_underscores(xstrdup(name));
}

bool
rs_strv_has(char **v, size_t n, const char *s)
{
	return strv_has(v, n, s);
}

void
rs_strv_add(char ***v, size_t *n, const char *s)
{
	if (!strv_has(*v, *n, s))
		ARRAY_PUSH(*v, *n, xstrdup(s));
}

/* Refuse anything but a tree replay wrote: never the machine itself. */
static int
check_replayed(struct rs *s, char **cause)
{
	static const char *const files[] = {"/proc/cmdline",
	    "/proc/sys/kernel/osrelease", "/proc/sys/kernel/random/boot_id",
	    "/proc/modules", "/usr/sbin/update-grub"};
	const char *why = NULL;
	struct stat st;
	char *text = NULL;
	size_t i;

	if (root_is_host(s->r))
		why = "it is the machine itself";
	for (i = 0; why == NULL && i < nitems(files); i++)
		if (root_stat(s->r, files[i], &st, false) < 0 ||
		    !S_ISREG(st.st_mode)) {
			*cause = xasprintf("'%s' is not a tree that "
					   "'vfio-wizard replay' wrote: no "
					   "regular file '%s'",
			    s->dir, files[i]);
			return -EINVAL;
		}
	if (why == NULL &&
	    (root_read(s->r, "/usr/sbin/update-grub", &text, NULL) < 0 ||
		strstr(text, FAKE_MARK) == NULL))
		why = "'/usr/sbin/update-grub' is not replay's fake command";
	else if (why == NULL &&
		 (root_stat(s->r, "/sys/bus/pci/devices", &st, false) < 0 ||
		     !S_ISDIR(st.st_mode)))
		why = "no directory '/sys/bus/pci/devices'";
	free(text);
	if (why != NULL) {
		*cause = xasprintf(
		    "'%s' is not a tree that 'vfio-wizard replay' wrote: %s",
		    s->dir, why);
		return -EINVAL;
	}
	return 0;
}

/* Probe the tree and set up one entry per PCI device. */
static int
load(struct rs *s, char **cause)
{
	char *kbpath = kb_default_path(), *p;
	size_t i;
	int err;

	err = kb_load(kbpath, &s->kb, cause);
	free(kbpath);
	if (err < 0)
		return err;
	if ((err = host_probe(s->r, s->kb, &s->h, cause)) < 0)
		return err;
	s->n_devs = s->h->n_pci;
	s->devs = xcalloc(s->n_devs + 1, sizeof *s->devs);
	for (i = 0; i < s->n_devs; i++) {
		s->devs[i].pd = &s->h->pci[i];
		s->devs[i].group = -1;
		s->devs[i].set_numvfs = -1;
		p = xasprintf("/sys/bus/pci/devices/%s", s->h->pci[i].address);
		err = root_resolve(s->r, p, &s->devs[i].sysdir);
		free(p);
		if (err < 0) {
			*cause = xasprintf("cannot resolve the sysfs directory "
					   "of '%s': %s",
			    s->h->pci[i].address, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void
release(struct rs *s)
{
	size_t i;

	for (i = 0; i < s->n_devs; i++) {
		struct rs_dev *d = &s->devs[i];

		free(d->sysdir);
		strv_free(d->cands, d->n_cands);
		free(d->native);
		free(d->native_drv);
		free(d->vfio_why);
		free(d->driver);
		free(d->module);
		free(d->why);
	}
	free(s->devs);
	rs_sriov_free(s);
	rs_kmod_close(s);
	strv_free(s->units, s->n_units);
	strv_free(s->blacklist, s->n_blacklist);
	strv_free(s->loadlist, s->n_loadlist);
	strv_free(s->loaded, s->n_loaded);
	strv_free(s->builtins, s->n_builtins);
	strv_free(s->overrides, s->n_overrides);
	free(s->group_type);
	free(s->iommu_why);
	free(s->boot_id);
	free(s->kconfig);
	free(s->cmdline);
	if (s->cl != NULL)
		cmdline_free(s->cl);
	rs_ops_free(s);
	sb_release(&s->summary);
	sb_release(&s->warnings);
	host_free(s->h);
	kb_free(s->kb);
	root_free(s->r);
}

/* Decide everything, in dependency order; nothing is written here. */
static int
simulate(struct rs *s, const char *boot_id, bool dry_run, char **cause)
{
	int err;

	if ((err = check_replayed(s, cause)) < 0)
		return err;
	if ((err = rs_firmware_restore(s, dry_run, cause)) < 0)
		return err;
	s->n_early = s->n_ops;
	if ((err = load(s, cause)) < 0)
		return err;
	if ((err = rs_boot(s, boot_id, cause)) < 0)
		return err;
	rs_firmware_fault(s);
	rs_iommu_decide(s);
	rs_groups(s);
	if ((err = rs_drivers(s, cause)) < 0)
		return err;
	rs_modules(s);
	rs_groups_write(s);
	rs_sysfs_drivers(s);
	rs_dev_vfio(s);
	rs_gvt(s);
	return 0;
}

/* One line per queued change (--verbose). */
static void
list_changes(const struct rs *s)
{
	static const char *const verbs[] = {"mkdir", "write", "link", "remove"};
	size_t i;

	for (i = 0; i < s->n_ops; i++) {
		const struct rs_op *op = &s->ops[i];

		if (op->kind == RS_LINK)
			printf("change: link %s -> %s\n", op->path, op->data);
		else
			printf("change: %s %s\n", verbs[op->kind], op->path);
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: reboot-sim [--boot-id UUID] [--fault NAME]... "
	    "[--dry-run] [--verbose] ROOT\n"
	    "Simulate a reboot of a tree that 'vfio-wizard replay' wrote "
	    "(doc/reboot-sim.md).\n"
	    "Faults: %s.\n",
	    rs_fault_names());
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"boot-id", required_argument, NULL, 'b'},
	    {"fault", required_argument, NULL, 'f'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct rs s;
	const char *boot_id = NULL;
	char *cause = NULL;
	bool dry_run = false, verbose = false;
	unsigned faults = 0;
	int c, err;

	while ((c = getopt_long(argc, argv, "b:f:nvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			boot_id = optarg;
			break;
		case 'f':
			if (rs_fault_parse(optarg, &faults) < 0) {
				fprintf(stderr,
				    "reboot-sim: unknown fault '%s' (%s)\n",
				    optarg, rs_fault_names());
				return 2;
			}
			break;
		case 'n':
			dry_run = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	memset(&s, 0, sizeof s);
	s.dir = argv[optind];
	s.faults = faults;
	err = root_open(s.dir, &s.r);
	if (err < 0) {
		fprintf(stderr, "reboot-sim: error: cannot open '%s': %s\n",
		    s.dir, strerror(-err));
		return 1;
	}
	err = simulate(&s, boot_id, dry_run, &cause);
	if (err == 0 && !dry_run)
		err = rs_apply(&s, &cause);
	fputs(sb_str(&s.warnings), stderr);
	if (err < 0) {
		fprintf(stderr, "reboot-sim: error: %s\n",
		    cause != NULL ? cause : strerror(-err));
		free(cause);
		release(&s);
		return 1;
	}
	fputs(sb_str(&s.summary), stdout);
	if (verbose)
		list_changes(&s);
	printf("changes: %zu%s\n", s.n_ops + s.n_early,
	    dry_run ? " (dry run: none made)" : "");
	release(&s);
	return 0;
}
