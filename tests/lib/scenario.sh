# scenario.sh: what the scenario tests of tests/steps share: the wizard's,
# reboot-sim's and the fixture hosts' paths, a C locale, a private work
# directory (removed at exit) that holds TMPDIR, and the runners that put
# each program under the tripwire. Source it after tap.sh, tripwire.sh and
# tree.sh, with $top_srcdir and $top_builddir set.

wizard=$(tw_abs "$top_builddir/vfio-wizard")
sim=$(tw_abs "$top_builddir/tests/tools/reboot-sim")
hosts=$(tw_abs "$top_srcdir/tests/hosts")
golden=$(tw_abs "$top_srcdir/tests/steps/golden")
LC_ALL=C
LANGUAGE=
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$(tw_abs "$top_srcdir/data")}
export LC_ALL LANGUAGE VFIO_WIZARD_DATADIR
unset LANG LC_MESSAGES VFIO_WIZARD_LOCALEDIR VFIO_WIZARD_TEST_STEPS

# sc_setup NAME: $work, a fresh directory removed at exit, with TMPDIR in it.
sc_setup() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/vw-$1.XXXXXX") || tap_bail mktemp
	trap 'rm -rf "$work"' EXIT
	work=$(cd "$work" && pwd -P)
	TMPDIR=$work/tmp
	mkdir "$TMPDIR"
	export TMPDIR
}

# sc_out OUT: OUT itself when absolute, else $work/OUT.
sc_out() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$work/$1" ;;
	esac
}

# run OUT PROGRAM ARGS...: PROGRAM under the tripwire on $root;
# stdout+stderr to OUT (see sc_out), the exit status in $status.
run() {
	r_out=$(sc_out "$1")
	shift
	tw_run "$root" "$@" >"$r_out" 2>&1 </dev/null
	r_rc=$?
	status=$tw_status
	if [ "$r_rc" -eq 99 ]; then
		tap_not_ok "${name:+$name: }tripwire: $* stayed inside the root"
		tap_diag_file "$r_out"
	fi
}

# wiz OUT ARGS...: the wizard on $root, as run.
wiz() {
	w_out=$1
	shift
	run "$w_out" "$wizard" --root "$root" "$@"
}

# expect_status WANT DESC OUT: $status is WANT, else show OUT.
expect_status() {
	if [ "$status" -eq "$1" ]; then
		tap_ok "${name:+$name: }$2 (exit $1)"
	else
		tap_not_ok "${name:+$name: }$2 (exit $1, got $status)"
		tap_diag_file "$(sc_out "$3")"
	fi
}

# The tree's files as a diff against the pristine copy: what apply wrote.
tree_diff() {
	(cd "$work" && diff -ruN --no-dereference \
		-x vfio-wizard -x vfio-wizard-fake-commands.log -x lock \
		pristine root) | sed -e 's/^\(---\|+++\) \([^\t]*\)\t.*/\1 \2/'
}
