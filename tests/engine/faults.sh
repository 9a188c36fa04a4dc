#!/bin/sh
# faults.sh: every file system call of an apply fails in turn. An
# uninterrupted apply of the engine's test steps on the i7-4770 fixture host
# counts the calls made through fsio_ops (open, write, fsync, rename,
# unlink, by fsio and the journal: VFIO_WIZARD_TEST_FAULT_LOG); then, for
# every call k and each of EIO, ENOSPC and EROFS (and a short write, SHORT,
# at every k that is a write; SHORT elsewhere is EIO), a fresh tree gets an
# apply with call k failed (VFIO_WIZARD_TEST_FAULT=k:ERR), and:
#   - apply exits 1 with "vfio-wizard: ..." and the error's text on the
#     first line of stderr, and no sanitizer report;
#   - every entry of the tree is as it was or as the uninterrupted apply
#     left it, and no temporary file is left;
#   - `status` still reads the journal (exit 0);
#   - `undo` gives back exactly the original tree, and a second undo
#     changes nothing;
#   - on another fresh tree, `resume` after the same fault gives exactly
#     the tree of the uninterrupted apply (the original tree when the
#     fault came before the journal held a record: nothing to resume).
# Prints how many fault points were exercised.
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
unset VFIO_WIZARD_TEST_CRASH_AT VFIO_WIZARD_TEST_CRASH_LOG \
	VFIO_WIZARD_TEST_FAULT VFIO_WIZARD_TEST_FAULT_LOG

# fixture trees are many small files: tmpfs makes this much faster
base=${TMPDIR:-/tmp}
[ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/vw-faults.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
TMPDIR=$work/tmp
mkdir "$TMPDIR"
export TMPDIR

"$wizard" replay "$spec" "$work/pristine" >/dev/null ||
	tap_bail "replay failed"
tree_manifest "$work/pristine" >"$work/orig"

# a sanitizer report or a signal in the last run
crashed() {
	[ "$status" -ge 128 ] ||
		grep -q 'Sanitizer\|runtime error:' "$work/err" "$work/out"
}

# every entry of manifest $1 is as in $work/orig or in $work/applied (an
# entry absent from both may not appear); prints the paths that are not
old_or_new() {
	awk -F '\t' '
		FILENAME == ARGV[1] { o[$1] = $0; p[$1] = 1; next }
		FILENAME == ARGV[2] { a[$1] = $0; p[$1] = 1; next }
		{ c[$1] = $0; p[$1] = 1 }
		END {
			for (k in p)
				if (c[k] != o[k] && c[k] != a[k]) {
					print k
					bad = 1
				}
			exit bad
		}' "$work/orig" "$work/applied" "$1"
}

fresh
run VFIO_WIZARD_TEST_FAULT_LOG="$work/calls" -- apply --yes --vm 100
[ "$status" -eq 4 ] || tap_bail "the uninterrupted apply failed ($status)"
tree_manifest "$work/root" >"$work/applied"
n_calls=$(wc -l <"$work/calls")
n_writes=$(awk '$2 == "write"' "$work/calls" | wc -l)
[ "$n_calls" -gt 0 ] || tap_bail "no fsio call counted"
tap_diag "apply makes $n_calls fsio calls, $n_writes of them writes"

# one case: call $1 fails with $2; counts a failure in the bad_* variables
bad_exit=0 bad_msg=0 bad_tree=0 bad_status=0 bad_undo=0 bad_undo2=0
bad_resume=0 cases=0
fault_case() {
	k=$1 err=$2
	what="call $k ($(sed -n "${k}p" "$work/calls" | cut -d ' ' -f 2- |
		sed "s|$work/root||")) $err"
	case $err in
	ENOSPC) text='No space left on device' ;;
	EROFS) text='Read-only file system' ;;
	*) text='Input/output error' ;;
	esac
	cases=$((cases + 1))

	fresh
	run VFIO_WIZARD_TEST_FAULT="$k:$err" -- apply --yes --vm 100
	if [ "$status" -ne 1 ] || crashed; then
		bad_exit=$((bad_exit + 1))
		tap_diag "$what: apply exit status $status"
		tap_diag_file "$work/err" 10
	elif ! head -1 "$work/err" | grep -q "^vfio-wizard: .*$text"; then
		bad_msg=$((bad_msg + 1))
		tap_diag "$what: no clear message: $(head -1 "$work/err")"
	fi
	tree_manifest "$work/root" >"$work/t"
	if ! old_or_new "$work/t" >"$work/mixed" || ! clean_tree; then
		bad_tree=$((bad_tree + 1))
		tap_diag "$what: neither old nor new: $(tr '\n' ' ' <"$work/mixed")"
	fi
	cp "$work/root/var/lib/vfio-wizard/journal.yaml" "$work/journal" \
		2>/dev/null || : >"$work/journal"
	run -- status
	if [ "$status" -ne 0 ] || crashed; then
		bad_status=$((bad_status + 1))
		tap_diag "$what: status exit status $status: $(head -1 "$work/err")"
		tail -5 "$work/journal" | tap_diag
	fi
	run -- undo
	st=$status
	tree_manifest "$work/root" >"$work/t"
	if [ "$st" -ne 0 ] || crashed || ! cmp -s "$work/orig" "$work/t" ||
		! clean_tree; then
		bad_undo=$((bad_undo + 1))
		tap_diag "$what: undo (exit status $st) differs: $(head -1 "$work/err")"
		diff "$work/orig" "$work/t" | head -10 | tap_diag
	fi
	run -- undo
	tree_manifest "$work/root" >"$work/t2"
	if [ "$status" -ne 0 ] || crashed || ! cmp -s "$work/t" "$work/t2"; then
		bad_undo2=$((bad_undo2 + 1))
		tap_diag "$what: a second undo (exit status $status) changed the tree: $(head -1 "$work/err")"
	fi

	# a fault before the first record was durable leaves no transaction:
	# nothing to resume, the original tree stays
	fresh
	run VFIO_WIZARD_TEST_FAULT="$k:$err" -- apply --yes --vm 100
	want=$work/applied
	[ -s "$work/root/var/lib/vfio-wizard/journal.yaml" ] ||
		want=$work/orig
	run -- resume
	st=$status
	tree_manifest "$work/root" >"$work/t"
	if crashed || ! cmp -s "$want" "$work/t" || ! clean_tree; then
		bad_resume=$((bad_resume + 1))
		tap_diag "$what: resume (exit status $st) differs: $(head -1 "$work/err")"
		diff "$want" "$work/t" | head -10 | tap_diag
	fi
}

k=1
while [ "$k" -le "$n_calls" ]; do
	for err in EIO ENOSPC EROFS; do
		fault_case "$k" "$err"
	done
	if [ "$(sed -n "${k}p" "$work/calls" | cut -d ' ' -f 2)" = write ]; then
		fault_case "$k" SHORT
	fi
	k=$((k + 1))
done

tap_result $bad_exit "a fault at each call: apply exits 1, no crash"
tap_result $bad_msg "a fault at each call: one clear line names the error"
tap_result $bad_tree "a fault at each call: every file old or new, no temp"
tap_result $bad_status "a fault at each call: status reads the journal"
tap_result $bad_undo "a fault at each call, then undo: the original tree"
tap_result $bad_undo2 "a fault at each call, undo twice: the second a no-op"
tap_result $bad_resume "a fault at each call, then resume: the applied tree"
tap_diag "fault points exercised: $n_calls calls x 3 errors (EIO, ENOSPC, EROFS) + $n_writes writes x SHORT = $cases cases"
tap_done
