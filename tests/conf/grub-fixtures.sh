#!/bin/sh
# grub-fixtures.sh: the GRUB defaults codec on the real files of
# tests/fixtures/grub (stock files of Debian, Ubuntu and Proxmox VE, cloud
# image and Proxmox drop-ins, users' files with intel_iommu=on; README there
# names the source of each). Each directory is one host's /etc/default:
# `grub` and `grub.d/*.cfg`, sourced in that order as grub-mkconfig does.
# For every set, under the tripwire (tests/conf/codec-tool):
#   - each file round-trips byte for byte (the codec's spans join back into
#     the file, and the tool's printed text equals it);
#   - the effective GRUB_CMDLINE_LINUX, GRUB_CMDLINE_LINUX_DEFAULT and
#     command line equal what sh computes by sourcing the same files with an
#     empty environment (tests/conf/grub-sh.sh, run outside the tripwire);
#   - or, for the sets listed in $refusals below, the codec refuses the set
#     with the expected message (exit status 3), and nothing else does.
# README must name every set.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/conf/grub-sh.sh"
LC_ALL=C
export LC_ALL

tool=$(tw_abs "$top_builddir/tests/conf/codec-tool")
fixtures=$(tw_abs "$top_srcdir/tests/fixtures/grub")
[ -x "$tool" ] || tap_bail "$tool is not built"
[ -d "$fixtures" ] || tap_bail "$fixtures is missing"

# Sets the codec must refuse, one per line: the set, a tab, a part of the
# message. tuned's bootloader plugin appends ${VAR:+...} to the stock file:
# an expansion outside the codec's subset, refused rather than guessed.
refusals='debian-12-tuned	line 40: unsupported parameter expansion '\''${GRUB_CMDLINE_LINUX_DEFAULT:+'

work=$(mktemp -d "${TMPDIR:-/tmp}/vw-grub-fixtures.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
TMPDIR=$work/tmp
mkdir "$TMPDIR"
export TMPDIR
# the tool reads copies inside its root, the reference reads the same
cp -R "$fixtures" "$work/fx" || tap_bail "cannot copy $fixtures"

# tool OUT ARGS...: codec-tool under the tripwire (tw_tap).
tool() {
	t_out=$1
	shift
	tw_tap "$t_out" "$work" "$tool" "$@"
}

# expected_refusal SET: the message part for a set the codec must refuse.
expected_refusal() {
	printf '%s\n' "$refusals" | awk -F '\t' -v s="$1" \
		'$1 == s { print $2; found = 1 } END { exit !found }'
}

n=0
for dir in "$work"/fx/*/; do
	dir=${dir%/}
	set=${dir##*/}
	n=$((n + 1))
	set --
	if [ -f "$dir/grub" ]; then
		set -- "$dir/grub"
	fi
	for f in "$dir"/grub.d/*.cfg; do
		if [ -e "$f" ]; then
			set -- "$@" "$f"
		fi
	done
	if [ $# -eq 0 ]; then
		tap_not_ok "$set: has a grub file or grub.d/*.cfg"
		continue
	fi
	out=$work/$set.out
	tool "$out" grub "$@"
	if want=$(expected_refusal "$set"); then
		if [ "$status" -eq 3 ] && grep -Fq "refused: " "$out" &&
			grep -Fq -- "$want" "$out"; then
			tap_ok "$set: refused as expected: $(sed -n "s|^refused: '$work/fx/|'|p" "$out")"
		else
			tap_not_ok "$set: refused with '$want' (exit 3, got $status)"
			tap_diag_file "$out"
			tap_diag_file "$out.err"
		fi
		# the files that parse on their own still round-trip
		if grep -q '^.*round trip: differs\|bad span\|reads differently' \
			"$out"; then
			tap_not_ok "$set: the files it parses round-trip"
			tap_diag_file "$out"
		fi
		continue
	fi
	exact=$(grep -c 'round trip: exact' "$out")
	if [ "$status" -eq 0 ] && [ "$exact" -eq $# ]; then
		tap_ok "$set: $# file(s) parsed, spans join back byte for byte"
	else
		tap_not_ok "$set: $# file(s) parsed, spans join back byte for byte (exit $status)"
		tap_diag_file "$out"
		tap_diag_file "$out.err"
	fi
	for f in "$@"; do
		tool "$work/printed" -p grub "$f"
		if [ "$status" -eq 0 ] && cmp -s "$f" "$work/printed"; then
			tap_ok "$set/${f#"$dir"/}: printed back byte for byte"
		else
			tap_not_ok "$set/${f#"$dir"/}: printed back byte for byte (exit $status)"
			cmp "$f" "$work/printed" 2>&1 | tap_diag
		fi
	done
	tool "$work/got" -e grub "$@"
	grub_sh_eval "$@" >"$work/want" 2>"$work/want.err"
	if [ "$status" -ne 0 ]; then
		tap_not_ok "$set: evaluated (exit $status)"
		tap_diag_file "$work/got.err"
	fi
	tap_same_file "$work/want" "$work/got" \
		"$set: command line as sh computes it: $(sed -n 's/^cmdline=//p' "$work/got")"
done
if [ "$n" -eq 0 ]; then
	tap_not_ok "tests/fixtures/grub holds fixture sets"
fi

# every expected refusal names a set that exists
printf '%s\n' "$refusals" | while IFS='	' read -r set want; do
	[ -n "$set" ] || continue
	if [ -d "$work/fx/$set" ]; then
		echo "ok"
	else
		echo "missing $set"
	fi
done >"$work/refusal-sets"
if grep -q '^missing' "$work/refusal-sets"; then
	tap_not_ok "every listed refusal is a fixture set"
	tap_diag_file "$work/refusal-sets"
else
	tap_ok "every listed refusal is a fixture set"
fi

# README names the source of every set
missing=
for dir in "$work"/fx/*/; do
	dir=${dir%/}
	grep -q "^${dir##*/}/" "$work/fx/README" || missing="$missing ${dir##*/}"
done
if [ -z "$missing" ]; then
	tap_ok "README names the source of every set"
else
	tap_not_ok "README names the source of every set (missing:$missing)"
fi
tap_done
