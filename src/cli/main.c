/*
 * main.c: vfio-wizard's entry point. Parses the global options and the
 * subcommand, sets up gettext, and dispatches; without a subcommand it
 * starts the full-screen wizard (cmd_wizard.c).
 */
#include "cli.h"

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio-wizard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(FILE *f)
{
	fprintf(f, "%s",
	    _("usage: vfio-wizard [options] COMMAND\n"
	      "\n"
	      "Commands:\n"
	      "  check             probe the host and say what can be "
	      "passed through, and how\n"
	      "  plan              show the changes as a diff, and the "
	      "commands\n"
	      "  apply             make the changes (asks first; --yes "
	      "does not)\n"
	      "  resume            finish an interrupted apply or undo; "
	      "verify after a reboot\n"
	      "  undo              put every changed file back as it was\n"
	      "  status            where the open transaction stands\n"
	      "  replay SPEC DIR   write the root tree a host spec "
	      "describes into DIR\n"
	      "  report            a redacted host spec for a bug report "
	      "(-o FILE, --summary)\n"
	      "\n"
	      "Options:\n"
	      "  --root DIR        work on the tree in DIR instead of "
	      "this machine\n"
	      "  --replay SPEC     work on the host a spec file "
	      "describes\n"
	      "  --demo NAME       work on a bundled demo host "
	      "(--demo list shows them)\n"
	      "  --device BDF      the PCI device to judge or pass "
	      "through (repeatable)\n"
	      "  --mode MODE       legacy-igd, gvt-g, sr-iov or vfio\n"
	      "  --vm ID           the VM to pass the device to\n"
	      "  --vfs N           SR-IOV: how many virtual functions\n"
	      "  --mdev TYPE       GVT-g: the mdev type the VM gets "
	      "(i915-GVTg_V5_4)\n"
	      "  --romfile FILE    legacy IGD on OVMF: the IGD option ROM "
	      "in /usr/share/kvm\n"
	      "  --x-vga           a discrete GPU is the VM's display "
	      "(x-vga=1)\n"
	      "  --blacklist MOD   also blacklist this driver "
	      "(repeatable)\n"
	      "  --answers FILE    take the choices from a YAML file "
	      "(unattended runs)\n"
	      "  --confirm TEXT    lift the block on a device the host "
	      "needs, typed\n"
	      "                    exactly as the refusal names it: "
	      "'take BDF from the host'\n"
	      "                    (repeatable, one per device)\n"
	      "  --yes             apply without asking\n"
	      "  --force           undo even files changed since\n"
	      "  --json            print JSON for scripts\n"
	      "  -o, --output FILE report: write the spec to FILE\n"
	      "  --summary         report: print only the summary\n"
	      "  --no-redact       report: keep serials, addresses and "
	      "names\n"
	      "  -h, --help        show this help\n"
	      "  -V, --version     show the version\n"
	      "\n"
	      "Exit codes: 0 done, 1 error, 2 usage, 3 blocked, 4 "
	      "reboot needed.\n"));
}

static void
setup_locale(void)
{
	const char *dir = getenv("VFIO_WIZARD_LOCALEDIR");

	setlocale(LC_ALL, "");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
#else
	(void)dir;
#endif
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"root", required_argument, NULL, 'r'},
	    {"replay", required_argument, NULL, 'R'},
	    {"demo", required_argument, NULL, 'd'},
	    {"device", required_argument, NULL, 'D'},
	    {"kb", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {"mode", required_argument, NULL, 'm'},
	    {"vm", required_argument, NULL, 'v'},
	    {"vfs", required_argument, NULL, 'F'},
	    {"mdev", required_argument, NULL, 'M'},
	    {"romfile", required_argument, NULL, 'O'},
	    {"x-vga", no_argument, NULL, 'X'},
	    {"blacklist", required_argument, NULL, 'B'},
	    {"answers", required_argument, NULL, 'A'},
	    {"confirm", required_argument, NULL, 'C'},
	    {"yes", no_argument, NULL, 'y'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"output", required_argument, NULL, 'o'},
	    {"summary", no_argument, NULL, 'S'},
	    {"no-redact", no_argument, NULL, 'N'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_opts o;
	const char *cmd;
	int c, rc, sources = 0;

	setup_locale();
	memset(&o, 0, sizeof o);
	while ((c = getopt_long(argc, argv, "hVo:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.root = optarg;
			sources++;
			break;
		case 'R':
			o.replay = optarg;
			sources++;
			break;
		case 'd':
			o.demo = optarg;
			sources++;
			break;
		case 'D':
			ARRAY_PUSH(o.devices, o.n_devices, optarg);
			break;
		case 'k':
			o.kb_path = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'v':
			o.vm = optarg;
			break;
		case 'F':
			o.vfs = optarg;
			break;
		case 'M':
			o.mdev = optarg;
			break;
		case 'O':
			o.romfile = optarg;
			break;
		case 'X':
			o.x_vga = true;
			break;
		case 'A':
			o.answers = optarg;
			break;
		case 'B':
			ARRAY_PUSH(o.blacklist, o.n_blacklist, optarg);
			break;
		case 'C':
			ARRAY_PUSH(o.confirms, o.n_confirms, optarg);
			break;
		case 'y':
			o.yes = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'S':
			o.summary_only = true;
			break;
		case 'N':
			o.no_redact = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DONE;
		case 'V':
			printf("vfio-wizard %s\n", PACKAGE_VERSION);
			return EXIT_DONE;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (sources > 1) {
		cli_error("%s", _("--root, --replay and --demo exclude each "
				  "other"));
		free(o.devices);
		free(o.blacklist);
		free(o.confirms);
		return EXIT_USAGE;
	}
	if (o.demo != NULL && strcmp(o.demo, "list") == 0) {
		free(o.devices);
		free(o.blacklist);
		free(o.confirms);
		return demo_list(o.json);
	}
	cmd = optind < argc ? argv[optind] : NULL;
	if (cmd == NULL)
		rc = cmd_wizard(&o);
	else if (optind + 1 < argc && strcmp(cmd, "replay") != 0) {
		cli_error(
		    _("'%s' takes no arguments: '%s'"), cmd, argv[optind + 1]);
		rc = EXIT_USAGE;
	} else if (strcmp(cmd, "check") == 0)
		rc = cmd_check(&o);
	else if (strcmp(cmd, "plan") == 0)
		rc = cmd_plan_apply(&o, false);
	else if (strcmp(cmd, "apply") == 0)
		rc = cmd_plan_apply(&o, true);
	else if (strcmp(cmd, "resume") == 0)
		rc = cmd_resume(&o);
	else if (strcmp(cmd, "undo") == 0)
		rc = cmd_undo(&o);
	else if (strcmp(cmd, "status") == 0)
		rc = cmd_status(&o);
	else if (strcmp(cmd, "report") == 0)
		rc = cmd_report(&o);
	else if (strcmp(cmd, "replay") == 0)
		rc = cmd_replay(&o, argc - optind - 1, argv + optind + 1);
	else if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		rc = EXIT_DONE;
	} else {
		cli_error(_("unknown command '%s'"), cmd);
		usage(stderr);
		rc = EXIT_USAGE;
	}
	free(o.devices);
	free(o.blacklist);
	free(o.confirms);
	return rc;
}
