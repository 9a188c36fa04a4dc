/*
 * kcmdline_verify.c: the command line GRUB will really get, recomputed the
 * way grub-mkconfig computes it: a sandboxed /bin/sh (sh_sandbox.h)
 * sources <root>/etc/default/grub and <root>/etc/default/grub.d/ *.cfg
 * with grub-mkconfig's own tests and prints GRUB_CMDLINE_LINUX and
 * GRUB_CMDLINE_LINUX_DEFAULT, each NUL-terminated with whether it is set.
 */
#include "vfio-wizard/root.h"
#include "vfio-wizard/sh_sandbox.h"
#include "kcmdline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SH_TIMEOUT_MS 10000

/*
 * As grub-mkconfig (util/grub-mkconfig.in) sources the files; `command`
 * keeps a function a file defines from standing in for printf.
 */
static const char script[] =
    "__vw_root=$1\n"
    "if test -f \"$__vw_root/etc/default/grub\" ; then\n"
    "  . \"$__vw_root/etc/default/grub\"\n"
    "fi\n"
    "for __vw_x in \"$__vw_root\"/etc/default/grub.d/*.cfg ; do\n"
    "  if [ -e \"${__vw_x}\" ]; then\n"
    "    . \"${__vw_x}\"\n"
    "  fi\n"
    "done\n"
    "command printf '%s\\000%s\\000%s\\000' GRUB_CMDLINE_LINUX \\\n"
    "  \"${GRUB_CMDLINE_LINUX+set}\" \"${GRUB_CMDLINE_LINUX-}\"\n"
    "command printf '%s\\000%s\\000%s\\000' GRUB_CMDLINE_LINUX_DEFAULT \\\n"
    "  \"${GRUB_CMDLINE_LINUX_DEFAULT+set}\" "
    "\"${GRUB_CMDLINE_LINUX_DEFAULT-}\"\n";

/* The next NUL-terminated field of the output, or NULL. */
static const char *
field(const struct sh_result *res, size_t *pos)
{
	const char *s = res->out + *pos;
	const char *z;

	if (*pos >= res->out_len)
		return NULL;
	z = memchr(s, '\0', res->out_len - *pos);
	if (z == NULL)
		return NULL;
	*pos += (size_t)(z - s) + 1;
	return s;
}

int
kcmd_grub_sh_cmdline(const struct root *r, char **out, char **cause)
{
	static const char *const vars[] = {
	    "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"};
	const char *dir = root_is_host(r) ? "" : root_dir(r);
	const char *args[] = {dir, NULL};
	const char *cwd = root_is_host(r) ? "/" : root_dir(r);
	struct strbuf sb = STRBUF_INIT;
	struct sh_result res;
	size_t pos = 0, i;
	int err;

	*out = NULL;
	err = sh_sandbox_run(cwd, script, args, SH_TIMEOUT_MS, &res, cause);
	if (err < 0)
		return err;
	if (res.timed_out || res.status != 0) {
		char *e = xstrndup(res.err, 200);

		*cause = res.timed_out
			     ? xstrdup("sourcing the GRUB settings in sh "
				       "timed out")
			     : xasprintf("sourcing the GRUB settings in sh "
					 "failed (exit status %d): %s",
				   res.status, str_rstrip(e));
		free(e);
		sh_result_free(&res);
		return -EINVAL;
	}
	for (i = 0; i < nitems(vars) && err == 0; i++) {
		const char *name = field(&res, &pos);
		const char *set = field(&res, &pos);
		const char *val = field(&res, &pos);

		if (name == NULL || set == NULL || val == NULL ||
		    strcmp(name, vars[i]) != 0) {
			*cause = xstrdup("sh printed something unexpected for "
					 "the GRUB settings");
			err = -EINVAL;
		} else if (strcmp(set, "set") == 0 && *val != '\0') {
			if (sb.len > 0)
				sb_addc(&sb, ' ');
			sb_adds(&sb, val);
		}
	}
	if (err == 0 && pos != res.out_len) {
		*cause = xstrdup("sh printed something unexpected for the GRUB "
				 "settings");
		err = -EINVAL;
	}
	sh_result_free(&res);
	if (err < 0) {
		sb_release(&sb);
		return err;
	}
	*out = sb.len > 0 ? sb_detach(&sb) : xstrdup("");
	return 0;
}
