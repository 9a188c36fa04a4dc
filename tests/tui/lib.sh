# lib.sh: drive the full-screen wizard in tmux (sourced, POSIX sh; it
# sources tests/lib/tap.sh, tripwire.sh and tree.sh itself).
#
#   tui_start ROOT COLS ROWS [ENV=VALUE...] -- [WIZARD ARGS...]
#       start `vfio-wizard --root ROOT ARGS` under the tripwire (tw_run) in a
#       detached tmux session of COLS x ROWS on a private socket (killed at
#       exit); the wizard runs in a shell that then writes its exit status
#       (and the tripwire's verdict) to $tui_dir/status and waits
#   tui_send KEY...        tmux send-keys (Down, Enter, F1, Escape, q, ...)
#   tui_screen             the pane as text (capture-pane -p)
#   tui_wait TEXT [SECS]   wait (default 10 s) until TEXT shows; on timeout
#                          print the screen as TAP diagnostics and fail
#   tui_gone TEXT [SECS]   wait until TEXT no longer shows
#   tui_resize COLS ROWS   resize the window
#   tui_exited [SECS]      wait for the wizard to end; its status in
#                          $tui_status (99: the tripwire caught a stray
#                          access, its log in $tui_dir/tripwire)
#   tui_alt                "1" while the pane shows the alternate screen
#   tui_stop               kill the session
#   tui_setup              skip without tmux; absolute $top_srcdir and
#                          $top_builddir, the data dir, no locale or colour
#                          settings from outside; $work, a private directory
#                          (removed at exit, the session killed) holding
#                          TMPDIR, TMUX_TMPDIR and $tui_dir
#   check DESC CMD...      ok when CMD succeeds
#   shows TEXT...          tui_wait for each TEXT
#
# Needs $top_builddir, $top_srcdir and $TMPDIR (the test's own). Scripts
# skip (exit 77 after a TAP plan of 0) when tmux is not installed.

. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"

tui_sock=vw-$$
tui_dir=${TMPDIR:-/tmp}/tui.$$
tui_status=

tui_need_tmux() {
	if ! command -v tmux >/dev/null 2>&1; then
		echo "1..0 # SKIP tmux is not installed"
		exit 77
	fi
}

tui_tmux() {
	tmux -L "$tui_sock" -f /dev/null "$@"
}

# Stop the tmux server and wait until it is gone: a new-session sent to a
# server still shutting down fails ("server exited unexpectedly").
tui_stop() {
	tui_tmux kill-server >/dev/null 2>&1 || :
	tui_i_=0
	while tui_tmux list-sessions >/dev/null 2>&1 && [ $tui_i_ -lt 50 ]; do
		sleep 0.1
		tui_i_=$((tui_i_ + 1))
	done
}

tui_start() {
	tui_root_=$1
	tui_cols_=$2
	tui_rows_=$3
	shift 3
	tui_env_=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		tui_env_="$tui_env_ $1"
		shift
	done
	[ "${1:-}" = -- ] && shift
	mkdir -p "$tui_dir"
	rm -f "$tui_dir/status" "$tui_dir/tripwire"
	# the command the pane's shell runs: the wizard under the tripwire
	{
		echo "top_srcdir='$top_srcdir' top_builddir='$top_builddir'"
		echo "TMPDIR='$TMPDIR'; export TMPDIR"
		echo ". '$top_srcdir/tests/lib/tripwire.sh'"
		# like an interactive shell, outlive a Ctrl-C sent to the pane
		echo "trap '' INT"
		echo "export$tui_env_ VFIO_WIZARD_DATADIR='${VFIO_WIZARD_DATADIR:-$top_srcdir/data}'"
		[ -n "${VFIO_WIZARD_LOCALEDIR:-}" ] &&
			echo "export VFIO_WIZARD_LOCALEDIR='$VFIO_WIZARD_LOCALEDIR'"
		printf "tw_run '%s' '%s/vfio-wizard' --root '%s'" \
			"$tui_root_" "$top_builddir" "$tui_root_"
		for a in "$@"; do printf " '%s'" "$a"; done
		echo " 2>'$tui_dir/tripwire'"
		echo "echo \$? >'$tui_dir/status.tmp'"
		echo "mv '$tui_dir/status.tmp' '$tui_dir/status'"
		echo "exec sleep 600"
	} >"$tui_dir/run.sh"
	trap 'tui_stop' EXIT
	# retried: on a loaded machine the previous server may still be
	# going away, and the new one fails to start
	tui_i_=0
	until tui_tmux new-session -d -x "$tui_cols_" -y "$tui_rows_" \
		"exec env -u TMUX TERM=xterm-256color sh '$tui_dir/run.sh'"; do
		tui_i_=$((tui_i_ + 1))
		[ $tui_i_ -lt 20 ] || return 1
		tui_tmux kill-server >/dev/null 2>&1 || :
		sleep 0.25
	done
}

tui_send() {
	tui_tmux send-keys "$@"
}

tui_screen() {
	tui_tmux capture-pane -p
}

tui_alt() {
	tui_tmux display -p '#{alternate_on}'
}

tui_wait() {
	tui_end_=$(($(date +%s) + ${2:-10}))
	while :; do
		if tui_screen | grep -qF -- "$1"; then
			return 0
		fi
		if [ "$(date +%s)" -ge "$tui_end_" ]; then
			tap_diag "timed out waiting for: $1"
			tui_screen | tap_diag
			return 1
		fi
		sleep 0.1
	done
}

tui_gone() {
	tui_end_=$(($(date +%s) + ${2:-10}))
	while tui_screen | grep -qF -- "$1"; do
		if [ "$(date +%s)" -ge "$tui_end_" ]; then
			tap_diag "still showing: $1"
			tui_screen | tap_diag
			return 1
		fi
		sleep 0.1
	done
	return 0
}

tui_resize() {
	tui_tmux resize-window -x "$1" -y "$2"
}

tui_exited() {
	tui_end_=$(($(date +%s) + ${1:-10}))
	while [ ! -f "$tui_dir/status" ]; do
		if [ "$(date +%s)" -ge "$tui_end_" ]; then
			tap_diag "the wizard did not end"
			tui_screen | tap_diag
			tui_status=
			return 1
		fi
		sleep 0.1
	done
	tui_status=$(cat "$tui_dir/status")
	return 0
}

tui_setup() {
	tui_need_tmux
	top_srcdir=$(tw_abs "$top_srcdir")
	top_builddir=$(tw_abs "$top_builddir")
	VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$top_srcdir/data}
	export VFIO_WIZARD_DATADIR
	unset LANG LC_ALL LC_MESSAGES LANGUAGE VFIO_WIZARD_LOCALEDIR NO_COLOR \
		VFIO_WIZARD_TEST_STEPS
	work=$(mktemp -d "${TMPDIR:-/tmp}/vw-tui.XXXXXX") || tap_bail mktemp
	work=$(cd "$work" && pwd -P)
	trap 'tui_stop; rm -rf "$work"' EXIT
	TMPDIR=$work/tmp
	mkdir "$TMPDIR"
	export TMPDIR
	TMUX_TMPDIR=$work
	export TMUX_TMPDIR
	tui_dir=$work/tui
}

check() {
	c_desc=$1
	shift
	if "$@"; then
		tap_ok "$c_desc"
	else
		tap_not_ok "$c_desc"
	fi
}

shows() {
	for s_t in "$@"; do
		tui_wait "$s_t" 15 || return 1
	done
}

# The helpers the scenario tests share.

# tui_replay HOST DIR: DIR becomes the replayed tests/hosts/HOST.yaml.
tui_replay() {
	rm -rf "$2"
	LC_ALL=C "$top_builddir/vfio-wizard" replay \
		"$top_srcdir/tests/hosts/$1.yaml" "$2" >"$work/replay.out" 2>&1 ||
		tap_bail "replay of $1 failed: $(cat "$work/replay.out")"
}

# Send one key at a time, each after the screen settled.
tui_keys() {
	for k_k in "$@"; do
		tui_send "$k_k"
		sleep 0.3
	done
}

# tui_quit_with STATUS [QUESTION]: q, y; the wizard ends with STATUS, the
# terminal restored, the tripwire quiet.
tui_quit_with() {
	tui_send q
	tui_wait "${2:-Quit vfio-wizard?}" || return 1
	tui_send y
	tui_exited 30 || return 1
	[ "$tui_status" = "$1" ] || {
		tap_diag "exit status $tui_status, not $1"
		tap_diag_file "$tui_dir/tripwire"
		return 1
	}
	[ "$(tui_alt)" = 0 ]
}

# The manifest of the files the wizard may write: all but /proc, /sys, /dev.
tui_files_manifest() {
	tree_manifest "$1" | grep -v '^\./\(proc\|sys\|dev\)\(/\|	\)'
}
