#!/bin/sh
# real-files.sh: the text codecs on the real files of this machine, those
# its Debian packages ship above all (dev/test installs a set of packages
# for that: kmod, systemd, udev, rdma-core, mdadm, ndctl, dkms,
# multipath-tools, grub2-common, kdump-tools). The files are only read: this
# shell copies each one into a private directory, and tests/conf/codec-tool
# reads the copy under the tripwire.
#   - every *.conf of /lib, /usr/lib, /etc and /run modprobe.d: byte round
#     trip, and libkmod reads the same options, blacklists, softdeps,
#     aliases and install/remove commands;
#   - every *.conf of the modules-load.d directories and /etc/modules:
#     byte round trip;
#   - Debian's stock /usr/share/grub/default/grub with the grub.d drop-ins
#     that packages ship: byte round trip, and the command line equals what
#     sh computes from the same files (tests/conf/grub-sh.sh); the host's
#     own /etc/default/grub and other drop-ins: round trip, or a refusal
#     with a message;
#   - /proc/cmdline and /etc/kernel/cmdline: byte round trip.
# Each line names the file and its package. A package of the list that is
# not installed gives a SKIP; one that is installed must have had a file
# read here.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/conf/grub-sh.sh"
LC_ALL=C
export LC_ALL

tool=$(tw_abs "$top_builddir/tests/conf/codec-tool")
[ -x "$tool" ] || tap_bail "$tool is not built"

# Packages whose files this test is for, and what each ships (for the SKIP).
packages='kmod:/lib/modprobe.d/aliases.conf
systemd:/lib/modprobe.d/systemd.conf
udev:/lib/modprobe.d/fbdev-blacklist.conf
rdma-core:/etc/modprobe.d/mlx4.conf
mdadm:/etc/modprobe.d/mdadm.conf
ndctl:/etc/modprobe.d/nvdimm-security.conf
dkms:/etc/modprobe.d/dkms.conf
multipath-tools:/lib/modules-load.d/multipath.conf
grub2-common:/usr/share/grub/default/grub
grub-common:/etc/default/grub.d/init-select.cfg
kdump-tools:/etc/default/grub.d/kdump-tools.cfg'

work=$(mktemp -d "${TMPDIR:-/tmp}/vw-real-files.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
TMPDIR=$work/tmp
mkdir "$TMPDIR" "$work/copy"
export TMPDIR
: >"$work/seen"
: >"$work/owners"
have_dpkg=0
if command -v dpkg-query >/dev/null 2>&1; then
	have_dpkg=1
fi

# owner PATH: the package that ships PATH (merged /usr: dpkg may know it
# as /lib/... or /usr/lib/...; a symlink by its target), or "no package".
owner() {
	o_real=$(readlink -f "$1" 2>/dev/null || echo "$1")
	for o_p in "$1" "$o_real" "${1#/usr}" "${o_real#/usr}" "/usr$1" \
		"/usr$o_real"; do
		[ "$have_dpkg" -eq 1 ] || break
		o_pkg=$(dpkg-query -S "$o_p" 2>/dev/null |
			awk -F ': ' '!/^diversion/ { print $1; exit }')
		if [ -n "$o_pkg" ]; then
			echo "$o_pkg"
			return
		fi
	done
	echo "no package"
}

# tool OUT ARGS...: codec-tool under the tripwire (tw_tap).
tool() {
	t_out=$1
	shift
	tw_tap "$t_out" "$work" "$tool" "$@"
}

# copy PATH: copy a file (its target, for a symlink) into the work tree
# unless the same file was taken already; its copy in $copy, its package
# in $pkg. False for a file already seen.
copy() {
	c_real=$(readlink -f "$1")
	if grep -Fxq "$c_real" "$work/seen"; then
		return 1
	fi
	echo "$c_real" >>"$work/seen"
	c_n=$(wc -l <"$work/seen")
	copy=$work/copy/$c_n-${1##*/}
	cp -- "$1" "$copy" || tap_bail "cannot copy $1"
	pkg=$(owner "$1")
	echo "$pkg" >>"$work/owners"
	return 0
}

# roundtrip KIND PATH: the tool's own byte check and its printed text.
roundtrip() {
	tool "$work/out" "$1" "$copy"
	r_status=$status
	tool "$work/printed" -p "$1" "$copy"
	if [ "$r_status" -eq 0 ] && grep -q '^round trip: exact' "$work/out" &&
		[ "$status" -eq 0 ] && cmp -s "$copy" "$work/printed"; then
		tap_ok "$1 $2 ($pkg): round trip byte for byte"
		return 0
	fi
	tap_not_ok "$1 $2 ($pkg): round trip byte for byte (exit $r_status)"
	tap_diag_file "$work/out"
	tap_diag_file "$work/out.err"
	return 1
}

# host_file KIND PATH: a file of the host's own (no package's): the codec
# may refuse what it cannot represent, with a message; else a round trip.
host_file() {
	tool "$work/out" "$1" "$copy"
	if [ "$status" -eq 3 ] && grep -q '^refused: ' "$work/out"; then
		tap_ok "$1 $2 ($pkg): $(grep '^refused: ' "$work/out")"
	else
		roundtrip "$1" "$2"
	fi
}

# --- modprobe.d ---
for d in /lib/modprobe.d /usr/lib/modprobe.d /etc/modprobe.d /run/modprobe.d; do
	for f in "$d"/*.conf; do
		[ -f "$f" ] || continue
		copy "$f" || continue
		roundtrip modprobe "$f"
		# the tool compared its parse with libkmod's in the same run
		if [ "$r_status" -eq 0 ] && grep -q '^kmod: agrees' "$work/out"; then
			tap_ok "modprobe $f ($pkg): libkmod reads it the same way $(sed -n 's/^kmod: agrees //p' "$work/out")"
		else
			tap_not_ok "modprobe $f ($pkg): libkmod reads it the same way"
			tap_diag_file "$work/out"
		fi
	done
done

# --- modules-load.d and /etc/modules ---
for f in /etc/modules /lib/modules-load.d/*.conf /usr/lib/modules-load.d/*.conf \
	/etc/modules-load.d/*.conf /run/modules-load.d/*.conf; do
	[ -f "$f" ] || continue
	copy "$f" || continue
	roundtrip modlist "$f"
done

# --- GRUB: the stock file with the drop-ins packages ship ---
stock=/usr/share/grub/default/grub
set --
if [ -f "$stock" ] && copy "$stock"; then
	roundtrip grub "$stock"
	set -- "$copy"
	names=$stock
fi
for f in /etc/default/grub.d/*.cfg; do
	[ -f "$f" ] || continue
	copy "$f" || continue
	if [ "$pkg" = "no package" ]; then
		host_file grub "$f"
		continue
	fi
	roundtrip grub "$f" || continue
	if [ $# -gt 0 ]; then
		set -- "$@" "$copy"
		names="$names ${f##*/}"
	fi
done
if [ $# -gt 0 ]; then
	tool "$work/got" -e grub "$@"
	grub_sh_eval "$@" >"$work/want" 2>"$work/want.err"
	if [ "$status" -ne 0 ]; then
		tap_not_ok "grub $names: evaluated (exit $status)"
		tap_diag_file "$work/got"
	fi
	tap_same_file "$work/want" "$work/got" \
		"grub $names: command line as sh computes it: $(sed -n 's/^cmdline=//p' "$work/got")"
else
	tap_skip "grub: Debian's stock defaults file" \
		"$stock is missing (grub2-common is not installed)"
fi
# the host's own file
if [ -f /etc/default/grub ] && copy /etc/default/grub; then
	host_file grub /etc/default/grub
fi

# --- kernel command lines ---
for f in /proc/cmdline /etc/kernel/cmdline; do
	[ -r "$f" ] || continue
	copy "$f" || continue
	roundtrip cmdline "$f"
done

# --- the packages: installed ones were read, missing ones are skipped ---
printf '%s\n' "$packages" | while IFS=: read -r p file; do
	if [ "$have_dpkg" -eq 0 ]; then
		echo "skip $p:$file:dpkg is not available"
	elif ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$'; then
		echo "skip $p:$file:$p is not installed (dev/test installs it)"
	elif grep -Fxq "$p" "$work/owners"; then
		echo "ok $p:$file"
	else
		echo "missing $p:$file"
	fi
done >"$work/packages"
while IFS=: read -r verdict file reason; do
	p=${verdict#* }
	case $verdict in
	ok*) tap_ok "$p: its files were read ($file)" ;;
	skip*) tap_skip "$p: its files ($file)" "$reason" ;;
	*)
		tap_not_ok "$p: its files were read ($file)"
		dpkg-query -L "$p" 2>/dev/null |
			grep -E 'modprobe|modules-load|grub' | tap_diag
		;;
	esac
done <"$work/packages"
tap_done
