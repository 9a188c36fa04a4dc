#!/bin/sh
# test-tripwire.sh: self-test of the tripwire (tests/shim/tripwire.so and
# tests/lib/tripwire.sh): accesses outside the root are caught, whatever call
# makes them; accesses inside the root, the allow list and $TRIPWIRE_ALLOW
# are not; the program's own result is unchanged.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"

probe=$(tw_abs "$top_builddir/tests/tripwire/tw-probe")
work=$(mktemp -d "${TMPDIR:-/tmp}/tw-selftest.XXXXXX") || tap_bail "mktemp"
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
root=$work/root
mkdir -p "$root/etc" "$work/tmp" "$work/allowed"
echo fixture >"$root/etc/hostname"
echo allowed >"$work/allowed/file"
ln -s /etc/hostname "$root/escape"
ln -s etc/hostname "$root/inside"
# programs inside the root: one that stays in, one that reads the host
mkdir -p "$root/bin"
printf '#!/bin/sh\nexit 0\n' >"$root/bin/ok"
printf '#!/bin/sh\nread x </etc/hostname\n' >"$root/bin/stray"
chmod 755 "$root/bin/ok" "$root/bin/stray"
mkdir -p "$root/sys/devices/pci0000:00/0000:00:01.0" "$root/sys/bus/pci/devices"
ln -s ../../../devices/pci0000:00/0000:00:01.0 "$root/sys/bus/pci/devices/x"
# the program's own TMPDIR is allowed: keep it private to this test
TMPDIR=$work/tmp
export TMPDIR

[ -f "$tw_shim" ] || tap_bail "$tw_shim is not built"
[ -x "$probe" ] || tap_bail "$probe is not built"

# caught DESC PATTERN CMD...: the run must be refused, the log matching.
caught() {
	c_desc=$1 c_pat=$2
	shift 2
	tw_run "$root" "$@" >"$work/out" 2>"$work/err"
	c_rc=$?
	if [ "$c_rc" -eq 99 ] && grep -q -- "$c_pat" "$work/err"; then
		tap_ok "$c_desc"
	else
		tap_not_ok "$c_desc"
		tap_diag "exit status $c_rc; wanted 99 and \"$c_pat\" in:"
		tap_diag_file "$work/err"
	fi
}

# clean DESC WANT CMD...: no violation and the command's status is WANT.
clean() {
	c_desc=$1 c_want=$2
	shift 2
	tw_run "$root" "$@" >"$work/out" 2>"$work/err"
	c_rc=$?
	if [ "$c_rc" -eq "$c_want" ]; then
		tap_ok "$c_desc"
	else
		tap_not_ok "$c_desc"
		tap_diag "exit status $c_rc, wanted $c_want"
		tap_diag_file "$work/err"
		tap_diag_file "$work/out"
	fi
}

# outside the root: every kind of call is caught
caught "open of /etc/hostname is caught" \
	"tripwire: open /etc/hostname" "$probe" open /etc/hostname
caught "fopen outside is caught" "tripwire: fopen /etc/hostname" \
	"$probe" fopen /etc/hostname
caught "opendir outside is caught" "tripwire: opendir /etc\$" \
	"$probe" opendir /etc
caught "stat outside is caught" "tripwire: stat /etc/hostname" \
	"$probe" stat /etc/hostname
caught "statx outside is caught" "tripwire: statx /etc/hostname" \
	"$probe" statx /etc/hostname
caught "a missing path outside is caught too" \
	"tripwire: stat /nonexistent/x" "$probe" stat /nonexistent/x
caught "openat2 from AT_FDCWD with an absolute path is caught" \
	"tripwire: openat2 /etc/hostname" "$probe" openat2 /etc/hostname
caught "openat2 without RESOLVE_IN_ROOT leaving the root is caught" \
	"tripwire: openat2 /etc/hostname" "$probe" openat2 "$root" /etc/hostname
caught "openat relative to a dirfd outside is caught" \
	"tripwire: openat /etc/hostname" "$probe" openat /etc hostname
caught "a relative path climbing out is caught" \
	"tripwire: open /etc/hostname" \
	"$probe" open "$root/etc/../../../../../../../../etc/hostname"
caught "a symlink inside the root leading out is caught" \
	"tripwire: open $root/escape -> /etc/hostname" "$probe" open "$root/escape"
caught "another process's /proc entry is caught" "tripwire: open /proc/1/" \
	"$probe" open /proc/1/status
caught "host kernel modules below /lib are caught" \
	"tripwire: opendir /lib/modules" "$probe" opendir /lib/modules

# the shell itself, reading with a redirection and testing with stat
# (from inside the root: dash checks its cwd and $PWD at start-up)
here=$(pwd)
cd "$root" || tap_bail "cd $root"
caught "the shell reading /etc/hostname is caught" \
	"tripwire: open64 /etc/hostname" /bin/sh -c 'read x </etc/hostname'
clean "the shell reading inside the root is not caught" 0 \
	/bin/sh -c 'read x <etc/hostname && test "$x" = fixture'
# (the shell runs the probe: TRIPWIRE_EXEC lets it)
TRIPWIRE_EXEC=$probe
clean "/dev/null, /proc/self and /proc/cmdline are allowed" 0 \
	/bin/sh -c "$probe open /dev/null >/dev/null &&
		$probe open /proc/self/status >/dev/null &&
		$probe open /proc/cmdline"
unset TRIPWIRE_EXEC
# running programs: the path is checked, and a child started with an empty
# environment (as the wizard's command runner does) is still watched
caught "execve of a program outside the root is caught" \
	"tripwire: execve /bin/true" "$probe" execve /bin/true
caught "posix_spawn of a program outside the root is caught" \
	"tripwire: posix_spawn /bin/true" "$probe" spawn /bin/true
caught "the shell running a program outside the root is caught" \
	"tripwire: execve /bin/true" /bin/sh -c '/bin/true'
clean "execve of a program inside the root is not caught" 0 \
	"$probe" execve "$root/bin/ok"
clean "posix_spawn of a program inside the root is not caught" 0 \
	"$probe" spawn "$root/bin/ok"
caught "a child run with an empty environment is still watched (execve)" \
	"tripwire: open64 /etc/hostname" "$probe" execve "$root/bin/stray"
caught "a child run with an empty environment is still watched (spawn)" \
	"tripwire: open64 /etc/hostname" "$probe" spawn "$root/bin/stray"
cd "$here" || tap_bail "cd $here"

# inside the root, the allow list and TRIPWIRE_ALLOW: not caught
clean "open inside the root is not caught" 0 "$probe" open "$root/etc/hostname"
clean "a symlink staying inside the root is not caught" 0 \
	"$probe" open "$root/inside"
clean "lstat of a symlink leading out is not caught" 0 \
	"$probe" lstat "$root/escape"
clean "opendir of the root is not caught" 0 "$probe" opendir "$root"
# the kernel follows devices/x before its "..": that is $root/sys/devices
clean ".. after a symlink is resolved as the kernel does, not lexically" 0 \
	"$probe" opendir "$root/sys/bus/pci/devices/x/../../../devices"
clean "openat2 RESOLVE_IN_ROOT with an absolute path is not caught" 0 \
	"$probe" openat2-in-root "$root" /etc/hostname
clean "openat2 RESOLVE_IN_ROOT through a symlink to / is not caught" 0 \
	"$probe" openat2-in-root "$root" /escape
clean "openat2 RESOLVE_IN_ROOT with .. at the top is not caught" 0 \
	"$probe" openat2-in-root "$root" ../../../etc/hostname
clean "a missing file inside: the error passes through, not caught" 1 \
	"$probe" open "$root/missing"
if grep -qx "No such file or directory" "$work/out"; then
	tap_ok "errno is preserved through the shim"
else
	tap_not_ok "errno is preserved through the shim"
	tap_diag_file "$work/out"
fi
clean "TMPDIR is allowed" 0 "$probe" open "$TMPDIR"
TRIPWIRE_ALLOW=$work/allowed
clean "TRIPWIRE_ALLOW is allowed" 0 "$probe" open "$work/allowed/file"
unset TRIPWIRE_ALLOW
clean "the command's exit status passes through" 1 "$probe" open "$root/missing"

# both ways of loading the shim next to libasan
if ldd "$probe" 2>/dev/null | grep -q libasan; then
	TW_ASAN_FIRST=0
	caught "ASan build, shim first in LD_PRELOAD: caught" \
		"tripwire: open /etc/hostname" "$probe" open /etc/hostname
	clean "ASan build, shim first in LD_PRELOAD: clean" 0 \
		"$probe" open "$root/etc/hostname"
	unset TW_ASAN_FIRST
else
	tap_skip "ASan build, shim first in LD_PRELOAD: caught" "not an ASan build"
	tap_skip "ASan build, shim first in LD_PRELOAD: clean" "not an ASan build"
fi

# the unit tests' log compiler: a unit test that strays must fail
out=$(sh "$top_srcdir/tests/lib/tw-unit.sh" "$probe" open /etc/hostname 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q '^Bail out! tripwire'; then
	tap_ok "tw-unit.sh fails a unit test that opens /etc/hostname"
else
	tap_not_ok "tw-unit.sh fails a unit test that opens /etc/hostname"
	tap_diag "exit $rc" "$out"
fi
if sh "$top_srcdir/tests/lib/tw-unit.sh" "$probe" open "$root/etc/hostname" \
	>"$work/out" 2>&1; then
	tap_not_ok "tw-unit.sh's root is the test's own TMPDIR, not another tree"
else
	tap_ok "tw-unit.sh's root is the test's own TMPDIR, not another tree"
fi
tap_done
