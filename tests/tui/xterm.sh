#!/bin/sh
# xterm.sh: the full-screen wizard on xterm.js, the terminal of the Proxmox
# web shell (issue 6). tests/tui/xterm-run.py runs the real wizard (under
# the tripwire, on the replayed Core i7-4770 host) in a pty of 80x24 with
# TERM=xterm-256color, sends it keys and records every byte it writes;
# tests/tui/xterm-render.js feeds that stream to @xterm/headless (the
# emulator the web shell's xterm.js is built on) and prints its screens
# before each key. On xterm.js's screen: the title with the HD Graphics
# 4600, the step marks, the box frames, the firmware findings, colour;
# Down, Enter, Down, Enter reach the command line, the modules and the
# device picker; a resize to 100x30 redraws at the new size; q, y leave
# the alternate screen with the cursor visible and exit 0. NO_COLOR=1
# draws without colour.
#
# node and @xterm/headless are needed: the package is installed once with
# npm into a cache outside the clone ($VFIO_WIZARD_NPM_CACHE, else
# /var/cache/vfio-wizard/npm when writable, else
# ${XDG_CACHE_HOME:-~/.cache}/vfio-wizard/npm). Version 6.0.0 declares no
# engines and runs on Debian 12's nodejs 18. The test skips when python3,
# node or the package cannot be had; npm and node run outside the
# tripwire, only the wizard runs under it.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/tui/lib.sh"

xterm_version=6.0.0

skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v node >/dev/null 2>&1 || skip_all "node is not installed"

# The npm cache: @xterm/headless installed there the first time.
npm_dir=${VFIO_WIZARD_NPM_CACHE:-}
if [ -z "$npm_dir" ]; then
	if mkdir -p /var/cache/vfio-wizard/npm 2>/dev/null &&
		[ -w /var/cache/vfio-wizard/npm ]; then
		npm_dir=/var/cache/vfio-wizard/npm
	else
		npm_dir=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/vfio-wizard/npm
	fi
fi
xterm_ok() {
	node -e "const p = require('$npm_dir/node_modules/@xterm/headless/package.json');
		if (p.version !== '$xterm_version') process.exit(1);
		require('$npm_dir/node_modules/@xterm/headless');" 2>/dev/null
}
if ! xterm_ok; then
	command -v npm >/dev/null 2>&1 || skip_all "npm is not installed"
	mkdir -p "$npm_dir" 2>/dev/null || skip_all "cannot create $npm_dir"
	npm_config_cache=$npm_dir/.npm npm install --no-save --no-audit \
		--no-fund --prefix "$npm_dir" "@xterm/headless@$xterm_version" \
		>"$npm_dir/install.log" 2>&1 ||
		skip_all "npm install @xterm/headless@$xterm_version failed (see $npm_dir/install.log)"
	xterm_ok || skip_all "@xterm/headless@$xterm_version does not load in $(node --version)"
fi

top_srcdir=$(tw_abs "$top_srcdir")
top_builddir=$(tw_abs "$top_builddir")
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$top_srcdir/data}
export VFIO_WIZARD_DATADIR
unset LANG LC_ALL LC_MESSAGES LANGUAGE VFIO_WIZARD_LOCALEDIR NO_COLOR \
	VFIO_WIZARD_TEST_STEPS TERM
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-xterm.XXXXXX") || tap_bail mktemp
work=$(cd "$work" && pwd -P)
trap 'rm -rf "$work"' EXIT
TMPDIR=$work/tmp
mkdir "$TMPDIR"
export TMPDIR
root=$work/root
tui_replay i7-4770-pve8 "$root"

# The script the pty runs: the wizard under the tripwire, its log kept.
cat >"$work/run.sh" <<EOF
top_srcdir='$top_srcdir' top_builddir='$top_builddir'
. '$top_srcdir/tests/lib/tripwire.sh'
tw_run '$root' '$top_builddir/vfio-wizard' --root '$root' 2>'$work/tripwire'
EOF

# xrun NAME [ENV=VALUE...] -- ACTION...: record a run in $work/NAME.*, its
# screens (one "===" block before each key or resize, then the end) in
# $work/NAME.screens, the exit status in $work/NAME.status.
xrun() {
	x_name=$1
	shift
	x_env=
	while [ "$1" != -- ]; do
		x_env="$x_env $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	env $x_env python3 "$top_srcdir/tests/tui/xterm-run.py" 80 24 \
		"$work/$x_name.out" "$work/$x_name.marks" "$@" -- \
		sh "$work/run.sh" >"$work/$x_name.run" 2>"$work/$x_name.err" ||
		tap_diag_file "$work/$x_name.err"
	sed -n 's/^exit //p' "$work/$x_name.run" >"$work/$x_name.status"
	node "$top_srcdir/tests/tui/xterm-render.js" "$npm_dir" 80 24 \
		"$work/$x_name.out" "$work/$x_name.marks" --each \
		>"$work/$x_name.screens" 2>"$work/$x_name.render.err" ||
		tap_diag_file "$work/$x_name.render.err"
}

# screen NAME N: the Nth screen of run NAME into $work/screen.
screen() {
	awk -v n="$2" '/^=== /{i++} i==n' "$work/$1.screens" >"$work/screen"
}

# has TEXT...: every TEXT on $work/screen; else the screen as diagnostics.
has() {
	for h_t in "$@"; do
		grep -qF -- "$h_t" "$work/screen" || {
			tap_diag "not on xterm.js's screen: $h_t"
			tap_diag_file "$work/screen"
			return 1
		}
	done
}

lacks() {
	for h_t in "$@"; do
		! grep -qF -- "$h_t" "$work/screen" || {
			tap_diag "still on xterm.js's screen: $h_t"
			tap_diag_file "$work/screen"
			return 1
		}
	done
}

# coloured: the screen has cells with a foreground colour.
coloured() {
	n=$(sed -n 's/^colour cells: //p' "$work/screen")
	[ "${n:-0}" -gt 0 ]
}

# The row (1-based) of the frames' bottom edge.
bottom_row() {
	grep '^| ' "$work/screen" | grep -n "└" | tail -n 1 | cut -d: -f1
}

# exited_clean NAME: exit status 0, the tripwire quiet.
exited_clean() {
	x_st=$(cat "$work/$1.status")
	[ "$x_st" = 0 ] || {
		tap_diag "exit status '$x_st'"
		tap_diag_file "$work/tripwire"
		return 1
	}
}

# --- UTF-8, colour: the main screen, the steps, the picker, a resize ---
xrun main LC_ALL=C.UTF-8 -- wait=Steps Down settle Enter settle Down settle \
	Enter settle Escape settle resize=100x30 settle q settle y

screen main 1
check "xterm.js: the alternate screen, 80x24" has "buffer: alternate" \
	"size: 80x24"
check "xterm.js: the title names the host, the CPU and the HD Graphics 4600" \
	has "vfio-wizard" " ─ pve ─ Intel Core i7-4770 ─ HD Graphics 4600"
check "xterm.js: the six steps with their marks" has "┌ Steps" \
	"✓ Firmware" "! Command line" "Modules" "· Devices" "· VM config" \
	"! Reboot"
check "xterm.js: the box-drawing frames" has "lines: " "┌ Firmware"
check "xterm.js: the frame's corners and edges are drawn" \
	sh -c 'grep "^lines: " "$0" | grep -q "─" && grep "^lines: " "$0" |
	grep -q "│" && grep "^lines: " "$0" | grep -q "└" &&
	grep "^lines: " "$0" | grep -q "┘"' "$work/screen"
check "xterm.js: the firmware findings with their evidence" \
	has "✓ VT-x is available" "/proc/cpuinfo flags: vmx" \
	"the IOMMU is not active"
check "xterm.js: the key bar" has "F1 Help" "q Quit"
check "xterm.js: colour (cells with a foreground colour)" coloured
check "xterm.js: the cursor is hidden while the wizard runs" has "cursor: hidden"

screen main 2
check "Down: the command line step's findings and its plan" \
	has "┌ Command line" "the host boots with GRUB" \
	"creates '/etc/default/grub.d/vfio-wizard.cfg'" "runs 'update-grub'"
screen main 3
check "Enter: on to the modules step" has "┌ Modules" "has the vfio modules"
screen main 4
check "Down: the Devices step" has "┌ Devices"
screen main 5
check "Enter on Devices: the device picker" has "┌ Devices" \
	"No IOMMU groups yet" "┌ Verdict" "Space Choose" "Esc Back" \
	"0000:00:02.0"
check "the picker: the iGPU's verdict" \
	has "Modes: legacy-igd (recommended)" "goes along: 0000:00:03.0"
screen main 6
check "Esc: back to the main screen" has "┌ Steps" "┌ Devices" "F1 Help"
check "before the resize: 80x24, the bottom edge on row 23" \
	eval '[ "$(bottom_row)" = 23 ]'
screen main 7
check "resize to 100x30: xterm.js at 100x30" has "size: 100x30"
check "resize to 100x30: redrawn to the new size (bottom edge on row 29)" \
	eval '[ "$(bottom_row)" = 29 ]'
# (the edge is box-drawing characters only, 3 bytes each in UTF-8)
check "resize to 100x30: the bottom edge spans the 100 columns" \
	eval '[ "$(grep "^| └" "$work/screen" | tail -n 1 |
	sed "s/^| //; s/ *$//" | tr -d "─└┘" | wc -c)" = 1 ] &&
	[ "$(grep "^| └" "$work/screen" | tail -n 1 |
	sed "s/^| //; s/ *$//" | wc -c)" = 301 ]'
check "resize to 100x30: the main screen again" has "┌ Steps" "F1 Help" \
	"HD Graphics 4600"
screen main 8
check "q: asks before quitting" has "Quit vfio-wizard?"
screen main 9
check "q, y: xterm.js is back on the normal buffer" has "buffer: normal"
check "q, y: the cursor is visible again" has "cursor: visible"
check "q, y: the wizard's screen is gone" lacks "┌ Steps" "F1 Help"
check "q, y: exit 0, the tripwire quiet" exited_clean main

# --- NO_COLOR: no colour ---
xrun nocolor LC_ALL=C.UTF-8 NO_COLOR=1 -- wait=Steps q settle y
screen nocolor 1
check "NO_COLOR=1: the main screen on xterm.js" has "┌ Steps" \
	"✓ Firmware" "HD Graphics 4600"
check "NO_COLOR=1: no cell has a foreground colour" eval '! coloured'
screen nocolor 3
check "NO_COLOR=1: q, y: the normal buffer, the cursor visible" \
	has "buffer: normal" "cursor: visible"
check "NO_COLOR=1: q, y: exit 0" exited_clean nocolor

tap_done
