# tripwire.sh: run a command under the test tripwire (sourced, POSIX sh).
#
#   tw_run ROOT CMD [ARG...]
#
# runs CMD with tests/shim/tripwire.so preloaded, TRIPWIRE_ROOT=ROOT and an
# allow list of the data the program ships ($top_srcdir/data and
# tests/hosts, $VFIO_WIZARD_DATADIR and $VFIO_WIZARD_HOSTS when set),
# ${TMPDIR:-/tmp} (give each test its own TMPDIR: the program makes its demo
# and replay trees there) and any $TRIPWIRE_ALLOW the caller set. It returns CMD's exit status; when CMD touched a path outside all of
# them it prints the tripwire's log on stderr, leaves CMD's status in
# $tw_status and returns 99 instead (the log's distinct lines, at most 100).
#
# An ASan program gets libasan ahead of the shim in LD_PRELOAD, as ASan
# requires; TW_ASAN_FIRST=0 puts the shim alone in LD_PRELOAD and relies on
# ASAN_OPTIONS=verify_asan_link_order=0 instead (set in both cases, so
# children of either kind run too).
#
# TW_TIMEOUT=SECONDS runs CMD under timeout(1) (status 124 when it hangs).
# CMD itself is in TRIPWIRE_EXEC: the programs that may be run from
# anywhere (timeout runs it), next to /bin/sh (the interpreter of the fake
# commands, and the sandboxed sh that sources a root's GRUB files: it reads
# only files inside the root) and any the caller set.
#
# Needs $top_builddir (or $TRIPWIRE_SO) and, for the allow list, $top_srcdir.

tw_shim=${TRIPWIRE_SO:-${top_builddir:-.}/tests/shim/tripwire.so}
tw_sh=/bin/sh:/usr/bin/sh
tw_status=0

# An absolute form of a path, for the child's environment.
tw_abs() {
	case $1 in
	/*) printf '%s' "$1" ;;
	*) printf '%s/%s' "$(pwd)" "$1" ;;
	esac
}

# The LD_PRELOAD value for program $1: libasan first when it links it.
tw_preload() {
	tw_prog_=$(command -v "$1" 2>/dev/null) || tw_prog_=$1
	tw_asan_=
	if [ "${TW_ASAN_FIRST:-1}" != 0 ]; then
		tw_asan_=$(ldd "$tw_prog_" 2>/dev/null |
			awk '$1 ~ /^libasan\.so/ && $3 ~ /^\// { print $3; exit }')
	fi
	printf '%s%s%s' "${tw_asan_:+$tw_asan_:}" "$(tw_abs "$tw_shim")" \
		"${LD_PRELOAD:+:$LD_PRELOAD}"
}

tw_run() {
	tw_root_=$(tw_abs "$1")
	shift
	if [ ! -f "$tw_shim" ]; then
		echo "tripwire: $tw_shim is not built" >&2
		tw_status=127
		return 99
	fi
	tw_allow_=$(tw_abs "${TMPDIR:-/tmp}")
	if [ -n "${top_srcdir:-}" ]; then
		tw_src_=$(tw_abs "$top_srcdir")
		tw_allow_="$tw_src_/data:$tw_src_/tests/hosts:$tw_allow_"
	fi
	for tw_dir_ in "${VFIO_WIZARD_DATADIR:-}" "${VFIO_WIZARD_HOSTS:-}"; do
		[ -z "$tw_dir_" ] || tw_allow_="$tw_allow_:$(tw_abs "$tw_dir_")"
	done
	tw_log_=$(mktemp "${TMPDIR:-/tmp}/tripwire-log.XXXXXX") || return 99
	TRIPWIRE_ROOT=$tw_root_ \
	TRIPWIRE_ALLOW="$tw_allow_${TRIPWIRE_ALLOW:+:$TRIPWIRE_ALLOW}" \
	TRIPWIRE_LOG=$tw_log_ \
	TRIPWIRE_EXEC="$(tw_abs "$(command -v "$1" || echo "$1")"):$tw_sh${TRIPWIRE_EXEC:+:$TRIPWIRE_EXEC}" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	LD_PRELOAD=$(tw_preload "$1") \
		${TW_TIMEOUT:+timeout "$TW_TIMEOUT"} "$@"
	tw_status=$?
	if [ -s "$tw_log_" ]; then
		echo "tripwire: $1 touched paths outside $tw_root_" \
			"(exit status $tw_status):" >&2
		awk '!seen[$0]++' "$tw_log_" | head -n 100 >&2
		rm -f "$tw_log_"
		return 99
	fi
	rm -f "$tw_log_"
	return "$tw_status"
}

# tw_tap OUT ROOT CMD [ARG...]: tw_run for a TAP test (tap.sh sourced):
# CMD's stdout to OUT, stderr to OUT.err, its exit status in $status; a
# stray access is reported as a failed TAP line with the tripwire's log.
tw_tap() {
	tt_out_=$1
	tt_root_=$2
	shift 2
	tw_run "$tt_root_" "$@" >"$tt_out_" 2>"$tt_out_.err"
	tt_rc_=$?
	status=$tw_status
	if [ "$tt_rc_" -eq 99 ]; then
		tap_not_ok "tripwire: $* stayed inside $tt_root_"
		tap_diag_file "$tt_out_.err"
	fi
}
