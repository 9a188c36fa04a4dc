#!/usr/bin/env bash
# tests/pkg/deb.sh: the Debian package, end to end (TAP; dev/test runs it
# through build-aux/tap-driver.sh into build/pkg/deb.trs):
#   1. dpkg-buildpackage -us -uc -b on a copy of the checkout's files (git
#      ls-files), with DEB_BUILD_OPTIONS=nocheck and the nocheck profile:
#      dev/test has just run the same make check (debian/rules runs it in an
#      ordinary package build);
#   2. lintian on the .changes: errors fail, warnings are shown;
#   3. a clean Debian 12 root (debootstrap --variant=minbase, cached in
#      $VW_PKG_CACHE, default /var/cache/vfio-wizard/pkg-root, from the apt
#      mirror this machine uses), copied afresh each run; apt-get installs the
#      .deb inside it (chroot), so its Depends are resolved for real;
#   4. there: `vfio-wizard check --demo i7-4770-pve8` exits 0 and passes the
#      HD 4600 in legacy IGD mode, `man -l` renders the man page, the state
#      directory is 0700, and `dpkg -r` removes every file it installed.
# Needs root, dpkg-dev, debhelper, lintian, debootstrap and the network for
# the first run and the apt-get; skipped (1..0) without them.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}
[[ $(id -u) -eq 0 ]] || skip_all "needs root (chroot, debootstrap)"
for t in dpkg-buildpackage dh lintian debootstrap chroot; do
	command -v "$t" >/dev/null || skip_all "$t is not installed"
done

cache=${VW_PKG_CACHE:-/var/cache/vfio-wizard/pkg-root}
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-pkg.XXXXXX") || tap_bail "mktemp"
root=$work/root
mounted=
cleanup() {
	if [[ -n $mounted ]]; then
		umount "$root/proc" 2>/dev/null || umount -l "$root/proc"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

tap_plan 8

# 1. the package, built from a copy of the checkout's files
mkdir -p "$work/src"
if [[ -e $top/.git ]] && command -v git >/dev/null; then
	(cd "$top" && git ls-files -z --cached |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -C "$work/src" -xf -
else
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) |
		tar -C "$work/src" -xf -
fi
(cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	DEB_BUILD_PROFILES=nocheck dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1
rc=$?
tap_result $rc "dpkg-buildpackage -us -uc -b" || tap_diag_file "$work/build.log"
deb=$(ls "$work"/vfio-wizard_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$work"/vfio-wizard_*.changes 2>/dev/null | head -n 1)
[[ -n $deb && -n $changes ]] || tap_bail "no .deb or .changes was built"

# 2. lintian: no errors (warnings as diagnostics)
lintian --fail-on error "$changes" >"$work/lintian.log" 2>&1
rc=$?
tap_result $rc "lintian reports no errors" || true
grep -E '^[EW]:' "$work/lintian.log" | tap_diag

# 3. a clean bookworm root: debootstrap once into the cache, copied each run
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources \
	2>/dev/null)
if [[ -z $mirror ]]; then
	mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' \
		/etc/apt/sources.list 2>/dev/null)
fi
mirror=${mirror:-http://deb.debian.org/debian}
if [[ ! -f $cache/.vw-complete ]]; then
	rm -rf "$cache.tmp"
	mkdir -p "$(dirname "$cache")"
	if debootstrap --variant=minbase --include=man-db bookworm \
		"$cache.tmp" "$mirror" >"$work/debootstrap.log" 2>&1; then
		rm -rf "$cache" && mv "$cache.tmp" "$cache" &&
			touch "$cache/.vw-complete"
	fi
fi
if [[ -f $cache/.vw-complete ]] && cp -a "$cache" "$root"; then
	tap_ok "a clean Debian 12 root ($cache, from $mirror)"
else
	tap_not_ok "a clean Debian 12 root ($cache, from $mirror)"
	[[ -f $work/debootstrap.log ]] && tap_diag_file "$work/debootstrap.log"
	tap_bail "no Debian root to install into"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
mount -t proc proc "$root/proc" && mounted=1
cp "$deb" "$root/tmp/"
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
debname=/tmp/${deb##*/}
if ! in_root apt-get install -y -q --no-install-recommends "$debname" \
	>"$work/apt.log" 2>&1; then
	# the cached lists may be stale: once more after an update
	in_root apt-get update -q >>"$work/apt.log" 2>&1
	in_root apt-get install -y -q --no-install-recommends "$debname" \
		>>"$work/apt.log" 2>&1
fi
in_root dpkg-query -W -f='${Status}\n' vfio-wizard 2>/dev/null |
	grep -q '^install ok installed$'
tap_result $? "apt-get installs the .deb with its dependencies" ||
	tap_diag_file "$work/apt.log"

# 4. the installed program, its man page, its state directory, its removal
in_root vfio-wizard check --demo i7-4770-pve8 >"$work/check.out" 2>&1
rc=$?
if [[ $rc -eq 0 ]] &&
	grep -q '0000:00:02.0 .* can be passed through: legacy-igd' \
		"$work/check.out" &&
	grep -q '^Summary: .* 0 failure' "$work/check.out"; then
	tap_ok "vfio-wizard check --demo i7-4770-pve8: exit 0, the HD 4600 in legacy-igd mode"
else
	tap_not_ok "vfio-wizard check --demo i7-4770-pve8: exit 0, the HD 4600 in legacy-igd mode (exit $rc)"
	tap_diag_file "$work/check.out"
fi

in_root env MANWIDTH=80 man -l /usr/share/man/man8/vfio-wizard.8.gz \
	>"$work/man.out" 2>"$work/man.err"
rc=$?
if [[ $rc -eq 0 && ! -s $work/man.err ]] &&
	grep -q '^EXIT STATUS' "$work/man.out" &&
	grep -q '^THE JOURNAL' "$work/man.out"; then
	tap_ok "man -l renders the man page without warnings"
else
	tap_not_ok "man -l renders the man page without warnings (exit $rc)"
	tap_diag_file "$work/man.err"
fi

perm=$(stat -c %a "$root/var/lib/vfio-wizard" 2>/dev/null)
tap_same_text 700 "$perm" "/var/lib/vfio-wizard is mode 0700"

in_root dpkg-query -L vfio-wizard >"$work/files" 2>/dev/null
in_root dpkg -r vfio-wizard >"$work/remove.log" 2>&1
rc=$?
left=
while IFS= read -r f; do
	[[ -e $root$f && ! -d $root$f ]] && left="$left $f"
done <"$work/files"
for d in /usr/share/vfio-wizard /var/lib/vfio-wizard; do
	[[ -e $root$d ]] && left="$left $d"
done
if [[ $rc -eq 0 && -z $left ]]; then
	tap_ok "dpkg -r removes every file"
else
	tap_not_ok "dpkg -r removes every file (exit $rc)"
	[[ -n $left ]] && tap_diag "left behind:$left"
	tap_diag_file "$work/remove.log"
fi
tap_done
