/*
 * spec_commands.c: the fixture hosts' fake commands. The optional top-level
 * `commands:` map (name: { exit, output, hang }) is read here, and every
 * replayed tree gets small POSIX sh scripts in /usr/sbin: update-grub and
 * update-initramfs on every host, proxmox-boot-tool and qm on Proxmox VE
 * hosts, and whatever `commands:` names (an entry replaces the default of
 * the same name). Each script appends its argv, tab-separated, as one line
 * to $VFIO_WIZARD_ROOT/var/log/vfio-wizard-fake-commands.log, prints its
 * output and exits with its status, or stops itself until it is killed
 * when told to hang. The scripts use shell built-ins only, so they touch
 * nothing outside $VFIO_WIZARD_ROOT, and refuse to run without it.
 */
#include "spec_yaml.h"

#include <stdlib.h>
#include <string.h>

#define FAKE_LOG "/var/log/vfio-wizard-fake-commands.log"

struct fake_default {
	const char *name;
	bool pve_only;
	const char *output;
};

static const struct fake_default fake_defaults[] = {
    {"update-grub", false, "Generating grub configuration file ...\ndone\n"},
    {"update-initramfs", false, "update-initramfs: Generating initramfs\n"},
    {"proxmox-boot-tool", true, "Running hook script 'zz-proxmox-boot'..\n"},
    {"qm", true, ""},
    {NULL, false, NULL},
};

/* A command name: letters, digits, '.', '_', '+', '-'; not "." or "..". */
static bool
command_name_ok(const char *name)
{
	const char *p;

	if (*name == '\0' || *name == '.' || *name == '-' || strlen(name) > 64)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && strchr("._+-", *p) == NULL)
			return false;
	return true;
}

/* One entry: { exit: 0-255, output: text, hang: bool }, all optional. */
static int
load_command(struct ld *ld, yaml_node_t *n, struct spec_command *c)
{
	static const char *const keys[] = {"exit", "output", "hang", NULL};
	struct ld_iter it = {0};
	yaml_node_t *v;
	int k = 0, err = 0;

	if ((err = ld_map(ld, n, "command")) < 0)
		return err;
	while (err == 0 && (k = ld_next(ld, n, &it, keys, "command", &v)) > 0) {
		if (k == 1)
			err = ld_int(ld, v, "exit", 0, 255, &c->exit_status);
		else if (k == 2) {
			err = ld_str(ld, v, "output", &c->output);
			if (err == 0 &&
			    strlen(c->output) != v->data.scalar.length)
				err = ld_err(ld, v,
				    "'output' must not contain a NUL byte");
		} else
			err = ld_bool(ld, v, "hang", &c->hang);
	}
	return err < 0 ? err : k;
}

int
load_commands(struct ld *ld, yaml_node_t *n)
{
	struct host_spec *s = ld->s;
	struct ld_iter it = {0};
	const char *key;
	yaml_node_t *v;
	int r, err;

	if ((err = ld_map(ld, n, "commands")) < 0)
		return err;
	while ((r = ld_next_any(ld, n, &it, "commands", &key, &v)) > 0) {
		struct spec_command c = {.mark = ld_mark(it.key)};

		if (!command_name_ok(key))
			return ld_err(ld, it.key,
			    "'%s' is not a command name (letters, digits, "
			    "'.', '_', '+', '-')",
			    key);
		c.name = xstrdup(key);
		err = load_command(ld, v, &c);
		ARRAY_PUSH(s->commands, s->n_commands, c);
		if (err < 0)
			return err;
	}
	return r;
}

void
free_commands(struct host_spec *s)
{
	size_t i;

	for (i = 0; i < s->n_commands; i++) {
		free(s->commands[i].name);
		free(s->commands[i].output);
	}
	free(s->commands);
}

/* text as one single-quoted sh word. */
static void
sh_quote(struct strbuf *sb, const char *text)
{
	sb_addc(sb, '\'');
	for (; *text != '\0'; text++) {
		if (*text == '\'')
			sb_adds(sb, "'\\''");
		else
			sb_addc(sb, *text);
	}
	sb_addc(sb, '\'');
}

/* The script of one fake command. */
static void
fake_script(
    struct tree *t, const char *name, int status, const char *output, bool hang)
{
	struct strbuf sb = STRBUF_INIT;
	char *path;

	sb_addf(&sb,
	    "#!/bin/sh\n"
	    "# A fake %s for vfio-wizard --root (doc/host-spec.md): logs its\n"
	    "# arguments, prints its output and %s. Shell built-ins only.\n"
	    ": \"${VFIO_WIZARD_ROOT:?is not set: this fake command runs "
	    "under vfio-wizard --root only}\"\n"
	    "line=",
	    name, hang ? "hangs until it is killed" : "exits");
	sh_quote(&sb, name);
	sb_adds(&sb,
	    "\nfor arg; do\n\tline=\"$line\t$arg\"\ndone\n"
	    "printf '%s\\n' \"$line\" >>\"$VFIO_WIZARD_ROOT" FAKE_LOG "\"\n");
	if (output != NULL && *output != '\0') {
		sb_adds(&sb, "printf '%s' ");
		sh_quote(&sb, output);
		sb_addc(&sb, '\n');
	}
	if (hang)
		sb_adds(&sb, "while :; do\n\tkill -STOP $$\ndone\n");
	else
		sb_addf(&sb, "exit %d\n", status);
	path = xasprintf("/usr/sbin/%s", name);
	tree_file(t, path, sb.buf, sb.len, 0755);
	free(path);
	sb_release(&sb);
}

static const struct spec_command *
find_command(const struct host_spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_commands; i++)
		if (strcmp(s->commands[i].name, name) == 0)
			return &s->commands[i];
	return NULL;
}

void
gen_commands(const struct host_spec *s, struct tree *t)
{
	const struct fake_default *d;
	size_t i;

	tree_dir(t, "/var/log");
	for (d = fake_defaults; d->name != NULL; d++)
		if ((!d->pve_only || s->has_pve) &&
		    find_command(s, d->name) == NULL)
			fake_script(t, d->name, 0, d->output, false);
	for (i = 0; i < s->n_commands; i++) {
		const struct spec_command *c = &s->commands[i];

		fake_script(t, c->name, c->exit_status, c->output, c->hang);
	}
}
