#!/bin/sh
# crash.sh: a power cut at every durability point. An uninterrupted apply
# of the engine's test steps on the i7-4770 fixture host counts its points
# (each journal record made durable, each file replaced, each command run:
# VFIO_WIZARD_TEST_CRASH_LOG); then, for every point k, a fresh tree gets an
# apply killed with SIGKILL right after point k (VFIO_WIZARD_TEST_CRASH_AT),
# and both ways out must converge with nothing lost: `resume` gives exactly
# the tree of the uninterrupted apply, `undo` exactly the original tree, and
# no temporary file is left. The same for a crash at every point of resume
# (after an apply cut in the middle) and of undo. Prints how many points
# were exercised.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"
. "$top_srcdir/tests/lib/engine.sh"

wizard=$(tw_abs "$top_builddir/vfio-wizard")
spec=$(tw_abs "$top_srcdir/tests/hosts/i7-4770-pve8.yaml")
LC_ALL=C
VFIO_WIZARD_TEST_STEPS=1
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$(tw_abs "$top_srcdir/data")}
export LC_ALL VFIO_WIZARD_TEST_STEPS VFIO_WIZARD_DATADIR
unset VFIO_WIZARD_TEST_CRASH_AT VFIO_WIZARD_TEST_CRASH_LOG

# fixture trees are many small files: tmpfs makes this 20x faster
base=${TMPDIR:-/tmp}
[ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/vw-crash.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
TMPDIR=$work/tmp
mkdir "$TMPDIR"
export TMPDIR

"$wizard" replay "$spec" "$work/pristine" || tap_bail "replay failed"
tree_manifest "$work/pristine" >"$work/orig"

fresh
run VFIO_WIZARD_TEST_CRASH_LOG="$work/points" -- apply --yes --vm 100
[ "$status" -eq 4 ] || tap_bail "the uninterrupted apply failed ($status)"
tree_manifest "$work/root" >"$work/applied"
n_apply=$(wc -l <"$work/points")
tap_diag "apply passes $n_apply durability points"

bad_resume=0 bad_undo=0 k=1
while [ "$k" -le "$n_apply" ]; do
	fresh
	run VFIO_WIZARD_TEST_CRASH_AT=$k -- apply --yes --vm 100
	if [ "$status" -ne 137 ] && [ "$k" -lt "$n_apply" ]; then
		bad_resume=$((bad_resume + 1))
		tap_diag "point $k: apply was not killed (status $status)"
	fi
	run -- resume
	tree_manifest "$work/root" >"$work/t"
	if ! cmp -s "$work/applied" "$work/t" || ! clean_tree; then
		bad_resume=$((bad_resume + 1))
		tap_diag "point $k ($(sed -n "${k}p" "$work/points")): resume differs"
		diff "$work/applied" "$work/t" | head -10 | tap_diag
	fi
	fresh
	run VFIO_WIZARD_TEST_CRASH_AT=$k -- apply --yes --vm 100
	run -- undo
	tree_manifest "$work/root" >"$work/t"
	if ! cmp -s "$work/orig" "$work/t" || ! clean_tree; then
		bad_undo=$((bad_undo + 1))
		tap_diag "point $k ($(sed -n "${k}p" "$work/points")): undo differs"
		diff "$work/orig" "$work/t" | head -10 | tap_diag
	fi
	k=$((k + 1))
done
tap_result $bad_resume "a crash at each of $n_apply points of apply, then resume: the applied tree"
tap_result $bad_undo "a crash at each of $n_apply points of apply, then undo: the original tree"

# a crash inside resume: cut an apply in the middle, then cut resume at
# each of its points, then resume once more
mid=$((n_apply / 2))
fresh
run VFIO_WIZARD_TEST_CRASH_AT=$mid -- apply --yes --vm 100
cp -a "$work/root" "$work/cut"
rm -f "$work/rpoints"
run VFIO_WIZARD_TEST_CRASH_LOG="$work/rpoints" -- resume
n_resume=$(wc -l <"$work/rpoints")
bad=0 k=1
while [ "$k" -le "$n_resume" ]; do
	rm -rf "$work/root"
	cp -a "$work/cut" "$work/root"
	run VFIO_WIZARD_TEST_CRASH_AT=$k -- resume
	run -- resume
	tree_manifest "$work/root" >"$work/t"
	if ! cmp -s "$work/applied" "$work/t" || ! clean_tree; then
		bad=$((bad + 1))
		tap_diag "resume point $k: differs"
	fi
	k=$((k + 1))
done
tap_result $bad "a crash at each of $n_resume points of resume, then resume: the applied tree"

# a crash inside undo, at each of its points, then undo once more
fresh
run -- apply --yes --vm 100
cp -a "$work/root" "$work/done"
rm -f "$work/upoints"
run VFIO_WIZARD_TEST_CRASH_LOG="$work/upoints" -- undo
n_undo=$(wc -l <"$work/upoints")
bad=0 k=1
while [ "$k" -le "$n_undo" ]; do
	rm -rf "$work/root"
	cp -a "$work/done" "$work/root"
	run VFIO_WIZARD_TEST_CRASH_AT=$k -- undo
	run -- undo
	tree_manifest "$work/root" >"$work/t"
	if ! cmp -s "$work/orig" "$work/t" || ! clean_tree; then
		bad=$((bad + 1))
		tap_diag "undo point $k: differs"
	fi
	k=$((k + 1))
done
tap_result $bad "a crash at each of $n_undo points of undo, then undo: the original tree"
tap_diag "crash points exercised: apply $n_apply (x2), resume $n_resume, undo $n_undo"
tap_done
