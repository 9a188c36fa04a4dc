# cli.sh: the set-up the command-line tests share, sourced after tap.sh and
# tripwire.sh: $wizard (this build's program) and $hosts (the fixture hosts),
# the C locale with no translation, the data and demo hosts of this tree,
# and cli_workdir for a private work directory.
wizard=$(tw_abs "$top_builddir/vfio-wizard")
hosts=$(tw_abs "$top_srcdir/tests/hosts")
LC_ALL=C
LANGUAGE=
VFIO_WIZARD_HOSTS=$hosts
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$(tw_abs "$top_srcdir/data")}
export LC_ALL LANGUAGE VFIO_WIZARD_HOSTS VFIO_WIZARD_DATADIR
unset LANG LC_MESSAGES VFIO_WIZARD_LOCALEDIR

# cli_workdir NAME: $work, a private directory removed on exit (its physical
# path), on tmpfs when there is one and no TMPDIR was given (the trees are
# many small files), and $work/tmp as the TMPDIR the program makes its
# --replay and demo trees in.
cli_workdir() {
	cw_base=${TMPDIR:-/tmp}
	if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
		cw_base=/dev/shm
	fi
	work=$(mktemp -d "$cw_base/vw-$1.XXXXXX") || tap_bail "mktemp"
	trap 'rm -rf "$work"' EXIT
	work=$(cd "$work" && pwd -P)
	mkdir "$work/tmp"
	TMPDIR=$work/tmp
	export TMPDIR
}
