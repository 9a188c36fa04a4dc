# grub-sh.sh: the reference for the GRUB codec's evaluation (sourced, POSIX
# sh), used by tests/conf/grub-fixtures.sh and tests/conf/real-files.sh.
#
#   grub_sh_eval FILE...
#
# sources the files in order in /bin/sh with an empty environment and
# PATH=/nonexistent (as grub-mkconfig sources /etc/default/grub and then
# /etc/default/grub.d/*.cfg, but with no command to run), from the directory
# $TMPDIR, and prints what `codec-tool -e grub FILE...` prints for them:
#
#   GRUB_CMDLINE_LINUX=<value>          (or "GRUB_CMDLINE_LINUX unset")
#   GRUB_CMDLINE_LINUX_DEFAULT=<value>  (or "... unset")
#   cmdline=<both joined by one space, an empty one left out>
#
# This runs the files: it is the reference, never the program under test, so
# it runs outside the tripwire (sh is no program of the root). Give only
# files that are plain configuration. Errors of the files go to stderr.

grub_sh_eval() {
	(
		cd "${TMPDIR:-/tmp}" || exit 1
		env -i PATH=/nonexistent /bin/sh -c '
for __vw_f in "$@"; do
	. "$__vw_f"
done
for __vw_v in GRUB_CMDLINE_LINUX GRUB_CMDLINE_LINUX_DEFAULT; do
	eval "__vw_s=\${$__vw_v+set}"
	if [ "$__vw_s" = set ]; then
		eval "__vw_x=\$$__vw_v"
		printf "%s=%s\n" "$__vw_v" "$__vw_x"
	else
		printf "%s unset\n" "$__vw_v"
	fi
done
__vw_c=
for __vw_x in "${GRUB_CMDLINE_LINUX-}" "${GRUB_CMDLINE_LINUX_DEFAULT-}"; do
	if [ -n "$__vw_x" ]; then
		__vw_c="${__vw_c:+$__vw_c }$__vw_x"
	fi
done
printf "cmdline=%s\n" "$__vw_c"
' grub-sh "$@"
	)
}
