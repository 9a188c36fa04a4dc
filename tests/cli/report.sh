#!/bin/sh
# report.sh: `vfio-wizard report` (doc/report.md). For every fixture host
# tests/hosts/NAME.yaml, and a copy of i7-4770-pve8 given a personal host
# name, a MAC, an IPv6 address and a disk serial, under the tripwire:
#   - replay it into A, `report --root A -o R.yaml`: exit 0, A unchanged;
#   - replay R.yaml into B: `check` and `check --json` on A and B print the
#     same, once the redacted fields are mapped (check prints the host name,
#     VM names and the UUIDs of /proc/cmdline: the host name becomes "pve",
#     each VM name "vm<ID>", UUIDs are compared as "UUID", and runs of
#     spaces as one, as the VM table's columns follow the names' widths);
#   - with --no-redact, the same output byte for byte, unmapped;
#   - R.yaml holds none of the original's MAC and IP addresses, UUIDs,
#     host name, VM names or serials.
# Once: YAML on stdout with the summary on stderr, --summary, --json, and
# the errors (no such root, an -o that cannot be written: exit 1, nothing
# written).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"

. "$top_srcdir/tests/lib/cli.sh"
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
TW_TIMEOUT=${TW_TIMEOUT:-300}

cli_workdir report
mkdir "$TMPDIR/out" "$work/trees" "$work/specs"
out=$TMPDIR/out

# run ROOT CMD...: under the tripwire; stdout to $out/o, stderr to $out/e;
# $status, and $trip 99 when the tripwire caught something.
run() {
	r_root=$1
	shift
	trip=0
	tw_run "$r_root" "$@" >"$out/o" 2>"$out/e" || trip=$?
	status=$tw_status
	[ "$trip" -eq 99 ] || trip=0
}

# snapshot DIR: every path with its type, mode and content hash.
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | sort &&
		find . -type f -exec sha1sum {} + | sort -k2)
}

# mapping SPEC: sed commands for check's output of the original host.
mapping() {
	awk '
	/^hostname: / { if ($2 != "pve") printf "s/\\<%s\\>/pve/g\n", $2 }
	/^  vms:/ { vms = 1; next }
	vms && /^    [0-9]+: / { id = $1; sub(":", "", id) }
	vms && /^      name: / { printf "s/\\<%s\\>/vm%s/g\n", $2, id }
	/^[a-z]/ && !/^pve:/ { vms = 0 }' "$1"
}

uuids='s/[0-9a-fA-F]\{8\}-[0-9a-fA-F]\{4\}-[0-9a-fA-F]\{4\}-[0-9a-fA-F]\{4\}-[0-9a-fA-F]\{12\}/UUID/g'

# leaks SPEC REPORT: the identifying values of SPEC found in REPORT.
leaks() {
	{
		grep -oE '([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}' "$1"
		grep -oE '\<([0-9]{1,3}\.){3}[0-9]{1,3}\>' "$1" |
			grep -vE '^(127|0|255)\.'
		grep -oE '[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}' "$1"
		grep -oE 'serial=[^,]+' "$1"
		grep -oE '\<2a02:[0-9a-f:]+' "$1"
		awk '/^hostname: / && $2 != "pve" { print $2 }
		/^      name: / { print "name: " $2 }' "$1"
	} | sort -u | while read -r v; do
		if grep -qiF -- "$v" "$2"; then
			echo "$v"
		fi
	done
}

# one SPEC NAME: the round trip of one host.
one() {
	spec=$1 n=$2
	a=$work/trees/$n.a b=$work/trees/$n.b r=$out/$n.yaml
	if ! "$wizard" replay "$spec" "$a" 2>"$out/e"; then
		tap_not_ok "$n: replay the fixture"
		tap_diag_file "$out/e"
		return
	fi
	snapshot "$a" >"$work/$n.before"
	run "$a" "$wizard" --root "$a" report -o "$r"
	snapshot "$a" >"$work/$n.after"
	if [ "$status" -eq 0 ] && [ "$trip" -eq 0 ] && [ -s "$r" ] &&
		cmp -s "$work/$n.before" "$work/$n.after" &&
		grep -q '^Report: ' "$out/e" && [ ! -s "$out/o" ]; then
		tap_ok "$n: report --root -o: exit 0, summary, tree unchanged"
	else
		tap_not_ok "$n: report --root -o (exit $status, trip $trip)"
		tap_diag_file "$out/e" 40
		diff "$work/$n.before" "$work/$n.after" | tap_diag
	fi
	if ! run "$work" "$wizard" replay "$r" "$b" || [ "$status" -ne 0 ]; then
		tap_not_ok "$n: replay the report"
		tap_diag_file "$out/e"
		return
	fi
	tap_ok "$n: replay the report"
	mapping "$spec" >"$work/$n.sed"
	echo "$uuids" >>"$work/$n.sed"
	for fmt in text json; do
		j=
		[ "$fmt" = json ] && j=--json
		run "$a" "$wizard" --root "$a" check $j
		sa=$status
		# the VM table's columns follow the names' widths
		sed -f "$work/$n.sed" "$out/o" | tr -s ' ' >"$work/$n.a.$fmt"
		run "$b" "$wizard" --root "$b" check $j
		sed "$uuids" "$out/o" | tr -s ' ' >"$work/$n.b.$fmt"
		if [ "$sa" -ne "$status" ]; then
			tap_not_ok "$n: check $j exit $sa, on the report's $status"
		else
			tap_same_file "$work/$n.a.$fmt" "$work/$n.b.$fmt" \
				"$n: check $j the same on the report's tree"
		fi
	done
	leaks "$spec" "$r" >"$work/$n.leaks"
	if [ -s "$work/$n.leaks" ]; then
		tap_not_ok "$n: nothing identifying in the report"
		tap_diag_file "$work/$n.leaks"
	else
		tap_ok "$n: nothing identifying in the report"
	fi
	# --no-redact: the same check output without any mapping
	rm -rf "$b"
	"$wizard" --root "$a" report --no-redact -o "$r" 2>/dev/null &&
		"$wizard" replay "$r" "$b" 2>"$out/e"
	"$wizard" --root "$a" check >"$work/$n.a.plain"
	"$wizard" --root "$b" check >"$work/$n.b.plain" 2>&1
	"$wizard" --root "$a" check --json >>"$work/$n.a.plain"
	"$wizard" --root "$b" check --json >>"$work/$n.b.plain" 2>&1
	tap_same_file "$work/$n.a.plain" "$work/$n.b.plain" \
		"$n: report --no-redact: check byte-identical"
	rm -rf "$a" "$b"
}

for spec in "$hosts"/*.yaml; do
	one "$spec" "$(basename "$spec" .yaml)"
done

# a host with more to hide than the fixtures have
p=$work/specs/personal.yaml
sed -e 's/^hostname: pve$/hostname: smith-home/' \
	-e 's/ pve\.home\.arpa pve$/ smith-home.smith.example.net smith-home/' \
	-e 's/^\(    \)\(	bridge-fd 0\)$/\1\2\n\1	hwaddress 00:1b:21:ab:cd:ef\n\n\1iface vmbr0 inet6 static\n\1	address 2a02:8071:1234:5600::10\/64\n\1	gateway 2a02:8071:1234:5600::1/' \
	-e 's/^\(      ide0: local-lvm:vm-100-disk-0,size=64G\)$/\1\n      scsi1: local-lvm:vm-100-disk-1,serial=WDWCC4N1234567,size=8G/' \
	"$hosts/i7-4770-pve8.yaml" >"$p"
for v in smith-home 00:1b:21:ab:cd:ef 2a02:8071:1234:5600::10 WDWCC4N1234567; do
	grep -q -- "$v" "$p" || tap_bail "personal.yaml lacks $v"
done
one "$p" personal

# stdout: the YAML; stderr: the summary; --summary, --json
a=$work/trees/demo
"$wizard" replay "$hosts/i7-4770-pve8.yaml" "$a" || tap_bail "replay"
run "$a" "$wizard" --root "$a" report
if [ "$status" -eq 0 ] && [ "$trip" -eq 0 ] && head -1 "$out/o" |
	grep -q '^spec: 1$' && grep -q '^GPU: .*0000:00:02.0' "$out/e" &&
	grep -q '^Report: .*standard output' "$out/e"; then
	tap_ok "report: the YAML on stdout, the summary on stderr"
else
	tap_not_ok "report: the YAML on stdout, the summary on stderr"
	tap_diag_file "$out/e"
fi
run "$a" "$wizard" --root "$a" report --summary
tap_result $([ "$status" -eq 0 ] && [ "$trip" -eq 0 ] &&
	grep -q '^CPU: .*i7-4770' "$out/o" && ! grep -q '^spec:' "$out/o"
	echo $?) "report --summary: the summary alone"
run "$a" "$wizard" --root "$a" report --json
if [ "$status" -eq 0 ] && command -v python3 >/dev/null &&
	python3 -c 'import json, sys; d = json.load(sys.stdin)
assert d["summary"]["gpus"][0]["address"] == "0000:00:02.0"
assert d["spec"].startswith("spec: 1\n")' <"$out/o"; then
	tap_ok "report --json: summary and spec"
else
	tap_not_ok "report --json: summary and spec"
	tap_diag_file "$out/o" 20
fi

# errors: exit 1 with a message, nothing written
run "$work" "$wizard" --root "$work/no-such-root" report -o "$out/x.yaml"
tap_result $([ "$status" -eq 1 ] && grep -q 'no-such-root' "$out/e" &&
	[ ! -e "$out/x.yaml" ]; echo $?) "report --root NOSUCH: exit 1, named"
: >"$out/file"
run "$a" "$wizard" --root "$a" report -o "$out/file/x.yaml"
tap_result $([ "$status" -eq 1 ] && grep -q 'file/x.yaml' "$out/e" &&
	[ -f "$out/file" ] && [ ! -s "$out/file" ]; echo $?) \
	"report -o UNWRITABLE: exit 1, named, nothing written"
ls -A "$out" | grep -v '\.yaml$' | grep -vxE 'o|e|file' >"$work/left"
tap_result $([ ! -s "$work/left" ]; echo $?) "no temporary files left"
tap_diag_file "$work/left"

tap_done
