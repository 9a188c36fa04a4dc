#!/bin/sh
# check-valgrind.sh: `vfio-wizard check` is valgrind-clean (no invalid
# access, no uninitialised use, no leak of any kind) on every fixture host,
# and its output under valgrind equals the golden output. Valgrind 3.19 does
# not know openat2, so this also runs the root handle's fallback walk
# against the same golden files. Skipped in ASan builds (the two do not
# mix); `make distcheck` (plain build) runs it.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"

wizard=$top_builddir/vfio-wizard
hosts=$top_srcdir/tests/hosts
golden=$top_srcdir/tests/cli/golden
LC_ALL=C
LANGUAGE=
VFIO_WIZARD_HOSTS=$hosts
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$top_srcdir/data}
export LC_ALL LANGUAGE VFIO_WIZARD_HOSTS VFIO_WIZARD_DATADIR
unset LANG LC_MESSAGES VFIO_WIZARD_LOCALEDIR

if ldd "$wizard" 2>/dev/null | grep -q libasan; then
	tap_skip "valgrind" "an ASan build (valgrind runs in make distcheck)"
	tap_done
fi
if ! command -v valgrind >/dev/null 2>&1; then
	tap_bail "valgrind is not installed (dev/test installs it)"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-valgrind.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
TMPDIR=$work
export TMPDIR

for spec in "$hosts"/*.yaml; do
	name=$(basename "$spec" .yaml)
	valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --track-origins=yes \
		--log-file="$work/$name.vg" \
		"$wizard" check --replay "$spec" >"$work/$name.txt" 2>"$work/$name.err"
	# valgrind's notes about syscalls it does not know are no errors
	grep -v -E 'unhandled amd64-linux syscall|write your own handler|README_MISSING_SYSCALL|Nevertheless we consider|valgrind.org/support' \
		"$work/$name.vg" >"$work/$name.vgerr"
	if [ -s "$work/$name.vgerr" ]; then
		tap_not_ok "$name: valgrind-clean"
		tap_diag_file "$work/$name.vgerr" 60
	else
		tap_ok "$name: valgrind-clean"
	fi
	tap_same_file "$golden/$name.txt" "$work/$name.txt" \
		"$name: the output under valgrind equals the golden text"
done
tap_done
