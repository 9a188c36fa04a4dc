#!/bin/sh
# probe-threads.sh: the probe reads a large host's sysfs on several threads
# (src/core/parallel.c; from 256 functions a thread) and must tell exactly
# what it tells on one. A host of 1,024 PCI functions from
# bench/gen-sriov-host.sh (SR-IOV NICs, a group per function) is replayed;
# `check --root DIR --json` and the text report run under the tripwire with
# VFIO_WIZARD_THREADS=1, 2 and 5 and must be byte for byte the same, with
# every function listed and in its group, and every group counted.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/cli.sh"
TW_TIMEOUT=${TW_TIMEOUT:-300}
functions=1024

cli_workdir probe-threads
root=$work/root

tap_plan 7
top_srcdir=$(tw_abs "$top_srcdir") sh "$top_srcdir/bench/gen-sriov-host.sh" \
	"$functions" >"$work/host.yaml" 2>"$work/gen.err" ||
	tap_bail "gen-sriov-host.sh failed: $(cat "$work/gen.err")"
# the spec is read from outside the tree replay writes
TRIPWIRE_ALLOW=$work/host.yaml tw_run "$root" "$wizard" replay \
	"$work/host.yaml" "$root" >"$work/replay.out" 2>&1
tap_result $? "replay of a $functions-function host"
tap_diag_file "$work/replay.out" 20

ndevs=$(ls "$root/sys/bus/pci/devices" | wc -l)
ngroups=$(ls "$root/sys/kernel/iommu_groups" | wc -l)

# check_with THREADS: the JSON and text reports on that many threads.
check_with() {
	VFIO_WIZARD_THREADS=$1
	export VFIO_WIZARD_THREADS
	tw_run "$root" "$wizard" check --root "$root" --json \
		>"$work/json.$1" 2>"$work/json.$1.err"
	json_status=$?
	tw_run "$root" "$wizard" check --root "$root" \
		>"$work/text.$1" 2>"$work/text.$1.err"
	text_status=$?
	unset VFIO_WIZARD_THREADS
}

check_with 1
# every function listed with its group, every group counted
listed=$(grep -c '"iommu_group": [0-9]' "$work/json.1")
counted=$(sed -n 's/^    "groups": \([0-9]*\),*$/\1/p' "$work/json.1")
if [ "$json_status" -ne 99 ] && [ "$text_status" -ne 99 ] &&
	[ "$ndevs" -eq "$functions" ] && [ "$listed" -eq "$ndevs" ] &&
	[ "$counted" = "$ngroups" ]; then
	tap_ok "one thread: $listed of $ndevs functions in groups, $counted groups"
else
	tap_not_ok "one thread: $listed of $ndevs functions in groups, ${counted:-no} groups of $ngroups"
	tap_diag_file "$work/json.1.err" 20
fi
one_json=$json_status one_text=$text_status

for t in 2 5; do
	check_with "$t"
	if [ "$json_status" -eq "$one_json" ]; then
		tap_same_file "$work/json.1" "$work/json.$t" "$t threads: the JSON report"
	else
		tap_not_ok "$t threads: the JSON report"
		tap_diag "exit status $json_status, on one thread $one_json"
		tap_diag_file "$work/json.$t.err" 20
	fi
	if [ "$text_status" -eq "$one_text" ]; then
		tap_same_file "$work/text.1" "$work/text.$t" "$t threads: the text report"
	else
		tap_not_ok "$t threads: the text report"
		tap_diag "exit status $text_status, on one thread $one_text"
		tap_diag_file "$work/text.$t.err" 20
	fi
done

# the problems (none here) and the exit status are the same on every count
if cmp -s "$work/json.1.err" "$work/json.5.err" &&
	cmp -s "$work/text.1.err" "$work/text.5.err"; then
	tap_ok "the same messages on stderr on one thread and on five"
else
	tap_not_ok "the same messages on stderr on one thread and on five"
	diff -u "$work/text.1.err" "$work/text.5.err" | head -n 40 | tap_diag
fi
tap_done
