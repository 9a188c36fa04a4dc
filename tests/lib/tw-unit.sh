#!/bin/sh
# tw-unit.sh: the log compiler of the unit tests (make check runs every
# cmocka program through it). The program runs under the tripwire with a
# private TMPDIR as its root: fixture trees are made there (fx_mkroot, spec
# replays), so anything the program opens, stats or lists elsewhere (apart
# from the shipped data, the corpus and what the tripwire always allows)
# fails the test with a "Bail out!" that names the paths.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tripwire.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/vw-unit.XXXXXX") || {
	echo "Bail out! mktemp failed"
	exit 99
}
work=$(cd "$work" && pwd -P)
trap 'rm -rf "$work"' EXIT
TMPDIR=$work
export TMPDIR
if [ -n "${VFIO_WIZARD_CORPUS:-}" ]; then
	TRIPWIRE_ALLOW="${TRIPWIRE_ALLOW:+$TRIPWIRE_ALLOW:}$(tw_abs "$VFIO_WIZARD_CORPUS")"
fi
TRIPWIRE_ALLOW="${TRIPWIRE_ALLOW:+$TRIPWIRE_ALLOW:}$(tw_abs "$top_srcdir/../shared/corpus")"
export TRIPWIRE_ALLOW

tw_run "$work" "$@" 2>"$work.tripwire"
rc=$?
if [ "$rc" -eq 99 ] && [ -s "$work.tripwire" ]; then
	sed 's/^/# /' "$work.tripwire"
	echo "Bail out! tripwire: $1 touched paths outside its fixture root"
	rm -f "$work.tripwire"
	exit 1
fi
cat "$work.tripwire" >&2
rm -f "$work.tripwire"
exit "$rc"
