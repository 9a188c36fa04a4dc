#!/bin/sh
# enospc.sh: a real "no space left on device": in a private mount namespace
# a 64 KiB tmpfs is mounted over a fixture's /etc/modprobe.d and filled;
# fsio_replace (tests/engine/fsio-tool) must fail with a message saying so,
# leave the old file byte for byte and no temporary file. The same for an
# append (the journal's FSIO_DURABLE_ONLY), which must be cut back. Needs
# root and unshare(1); skipped otherwise.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"

tool=$(tw_abs "$top_builddir/tests/engine/fsio-tool")
if [ "$(id -u)" != 0 ]; then
	tap_skip "ENOSPC on a tiny tmpfs" "needs root (mount in a namespace)"
	tap_done
fi
if ! unshare -m true 2>/dev/null; then
	tap_skip "ENOSPC on a tiny tmpfs" "unshare -m is not available here"
	tap_done
fi
[ -x "$tool" ] || tap_bail "$tool is not built"

work=$(mktemp -d "${TMPDIR:-/tmp}/vw-enospc.XXXXXX") || tap_bail "mktemp"
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
root=$work/root
mkdir -p "$root/etc/modprobe.d" "$work/out"
export root tool work top_srcdir top_builddir

# Everything that needs the tmpfs runs inside the namespace; results are
# left in $work/out (outside the mount) for the checks below.
unshare -m sh -eu <<'INNER' >"$work/out/inner.log" 2>&1
. "$top_srcdir/tests/lib/tripwire.sh"
d=$root/etc/modprobe.d
out=$work/out
mount -t tmpfs -o size=64k,mode=0755 vw-enospc "$d"
printf 'options kvm ignore_msrs=1\n' >"$d/vfio.conf"
printf 'record: 1\n' >"$d/journal"
cp "$d/vfio.conf" "$out/before"
cp "$d/journal" "$out/journal.before"
dd if=/dev/zero of="$d/fill" bs=1024 2>/dev/null || true
TMPDIR=$out/tmp && mkdir -p "$TMPDIR" && export TMPDIR
set +e
tw_run "$root" "$tool" "$root" /etc/modprobe.d/vfio.conf \
	"options vfio-pci ids=8086:0412 " 1000 2>"$out/replace.err"
echo $? >"$out/replace.rc"
tw_run "$root" "$tool" -a "$root" /etc/modprobe.d/journal \
	"record: 2 ........................ " 1000 2>"$out/append.err"
echo $? >"$out/append.rc"
set -e
cp "$d/vfio.conf" "$out/after"
cp "$d/journal" "$out/journal.after"
ls -a "$d" >"$out/ls"
# with room again the same call goes through: it was the space
rm -f "$d/fill"
tw_run "$root" "$tool" "$root" /etc/modprobe.d/vfio.conf "ok " 10 \
	2>"$out/again.err"
echo $? >"$out/again.rc"
cp "$d/vfio.conf" "$out/again"
umount "$d"
INNER
rc=$?
if [ "$rc" -ne 0 ] || [ ! -f "$work/out/ls" ]; then
	tap_not_ok "the namespace run completed (status $rc)"
	tap_diag_file "$work/out/inner.log"
	tap_done
fi

out=$work/out
tap_result "$([ "$(cat "$out/replace.rc")" = 1 ]; echo $?)" \
	"fsio_replace fails on a full file system"
if grep -q "No space left on device" "$out/replace.err" &&
	grep -q "'/etc/modprobe.d/vfio.conf'" "$out/replace.err"; then
	tap_ok "the message says no space and names the file"
else
	tap_not_ok "the message says no space and names the file"
	tap_diag_file "$out/replace.err"
fi
tap_same_file "$out/before" "$out/after" "the old file is intact, byte for byte"
if grep -q '\.vw-' "$out/ls"; then
	tap_not_ok "no temporary file is left"
	tap_diag_file "$out/ls"
else
	tap_ok "no temporary file is left"
fi
tap_result "$([ "$(cat "$out/append.rc")" = 1 ] &&
	grep -q "No space left on device" "$out/append.err"; echo $?)" \
	"a durable append fails with no space"
tap_same_file "$out/journal.before" "$out/journal.after" \
	"the appended file is cut back to its old bytes"
tap_result "$(cat "$out/again.rc")" "with space again the replace succeeds"
tap_same_text "$(printf 'ok %.0s' 1 2 3 4 5 6 7 8 9 10)" "$(cat "$out/again")" \
	"and writes the new bytes"
tap_done
