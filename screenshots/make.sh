#!/bin/sh
# make.sh: the README's screenshots (`make screenshots`). Replays the
# i7-4770 demo host (tests/hosts/i7-4770-pve8.yaml), runs the full-screen
# wizard on it in a detached tmux session at 100x30 (and once at 80x24),
# drives it to each main screen (and, after an undo and a second apply
# from the command line, the undo screen's list of transactions),
# captures the pane with its attributes
# (tmux capture-pane -e -p) and renders each capture to a PNG with
# screenshots/render.py. A screen that does not show (not written yet, or
# changed) is reported and skipped; the others are still made.
#
# Needs (Debian packages; not needed by the test suite):
#   tmux python3 python3-pil fonts-dejavu-core
#   apt-get update && apt-get install tmux python3-pil fonts-dejavu-core
#
# usage: top_srcdir=DIR top_builddir=DIR screenshots/make.sh [OUTDIR]
# (OUTDIR defaults to $top_srcdir/screenshots)
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(dirname "$here")}
top_builddir=${top_builddir:-$top_srcdir}
out=${1:-$top_srcdir/screenshots}
wizard=$top_builddir/vfio-wizard
# a python3 with PIL: $PYTHON, else python3 on the PATH, else Debian's
python=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
	if "$p" -c 'import PIL' >/dev/null 2>&1; then
		python=$p
		break
	fi
done
[ -n "$python" ] || {
	echo "screenshots: no python3 with python3-pil (see $0)" >&2
	exit 1
}
command -v tmux >/dev/null 2>&1 || {
	echo "screenshots: tmux is not installed (see $0)" >&2
	exit 1
}
[ -x "$wizard" ] || {
	echo "screenshots: $wizard: not built" >&2
	exit 1
}
[ -r /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || {
	echo "screenshots: fonts-dejavu-core is not installed" >&2
	exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/vw-shots.XXXXXX") || exit 1
sock=vw-shots-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$work"' EXIT
TMUX_TMPDIR=$work
export TMUX_TMPDIR
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$top_srcdir/data}
export VFIO_WIZARD_DATADIR
unset LANG LANGUAGE LC_MESSAGES NO_COLOR VFIO_WIZARD_LOCALEDIR
mkdir -p "$out"
made=0
skipped=0

# start COLS ROWS [keep]: a fresh replayed tree (unless keep) and the
# wizard on it
start() {
	tm kill-server >/dev/null 2>&1
	if [ "${3:-}" != keep ]; then
		rm -rf "$work/root"
		LC_ALL=C "$wizard" replay \
			"$top_srcdir/tests/hosts/i7-4770-pve8.yaml" "$work/root" \
			>"$work/replay.out" 2>&1 || {
			echo "screenshots: replay failed:" >&2
			cat "$work/replay.out" >&2
			exit 1
		}
	fi
	cols=$1
	rows=$2
	tm new-session -d -x "$cols" -y "$rows" \
		"exec env -u TMUX LC_ALL=C.UTF-8 TERM=xterm-256color '$wizard' --root '$work/root'"
}

# wait_for TEXT [SECS]: until the pane shows TEXT
wait_for() {
	w_n=$((${2:-5} * 20))
	while [ "$w_n" -gt 0 ]; do
		tm capture-pane -p | grep -qF -- "$1" && return 0
		sleep 0.05
		w_n=$((w_n - 1))
	done
	return 1
}

# shot NAME TEXT...: when the pane shows every TEXT, render it to NAME.png
shot() {
	s_name=$1
	shift
	for s_t in "$@"; do
		if ! wait_for "$s_t" 5; then
			echo "screenshots: skipped $s_name: '$s_t' does not show" >&2
			tm capture-pane -p | sed 's/^/    | /' >&2
			skipped=$((skipped + 1))
			return 1
		fi
	done
	sleep 0.3 # let the last frame settle
	tm capture-pane -e -p >"$work/$s_name.ans"
	if "$python" "$here/render.py" "$work/$s_name.ans" "$cols" "$rows" \
		"$out/$s_name.png"; then
		echo "screenshots: $out/$s_name.png"
		made=$((made + 1))
	else
		skipped=$((skipped + 1))
	fi
}

start 100 30
shot main-firmware "┌ Steps" "✓ VT-x is available" "F1 Help"
tm send-keys Down
shot main-cmdline "┌ Command line" "update-grub"
tm send-keys F1
shot help "vfio-wizard help"
tm send-keys Escape
wait_for "┌ Command line"
# the device picker: Enter on the Devices step; the iGPU chosen
tm send-keys Down Down
if wait_for "┌ Devices"; then
	tm send-keys Enter
	if wait_for "IOMMU group"; then
		# find the iGPU with the filter, choose it, clear the filter
		tm send-keys / ; tm send-keys -l "00:02.0" ; tm send-keys Enter
		wait_for "1 of"
		tm send-keys Space
		wait_for "is chosen"
		tm send-keys / BSpace BSpace BSpace BSpace BSpace BSpace BSpace Enter
		shot devices "0000:00:1f.2" "✓ 0000:00:02.0"
		tm send-keys m
		shot choice "legacy-igd"
		# curses tells Esc from a key sequence by a pause (ESCDELAY)
		tm send-keys Escape
		wait_for "Space Choose" 5
		tm send-keys Escape
	else
		echo "screenshots: skipped devices: the picker does not open" >&2
		skipped=$((skipped + 1))
	fi
fi
wait_for "┌ Steps" 5
# the review of what the plan changes ('d' on the main screen)
tm send-keys d
shot review "┌ Diff" "update-grub"
tm send-keys Escape
wait_for "┌ Steps" 5
# apply: Enter on the last step, Enter on the review, y; then the finish
tm send-keys Down Down Down Down Down
if wait_for "┌ Reboot"; then
	tm send-keys Enter
	if wait_for "Enter Apply"; then
		tm send-keys Enter
		if shot apply-confirm "Apply these changes?"; then
			tm send-keys y
			shot finish "┌ Finish" "What was done"
		fi
	else
		echo "screenshots: skipped apply: no review to apply" >&2
		skipped=$((skipped + 1))
	fi
fi
tm send-keys q
wait_for "Quit vfio-wizard?" 5 && tm send-keys y
sleep 0.5
# the wizard again on the changed tree: the open transaction comes first
start 100 30 keep
shot start "┌ Transaction" "Resume"
tm kill-server >/dev/null 2>&1
# the undo screen's list: that transaction undone (archived in history/),
# then the iGPU applied again for VM 100 from the command line; u on the
# start screen lists both, the open one first with its account below
cli() {
	LC_ALL=C "$wizard" --root "$work/root" "$@" >"$work/cli.out" 2>&1 \
		</dev/null
}
# both end 0, or 4 when a reboot is needed
ok_or_reboot() { "$@" || [ $? = 4 ]; }
if ok_or_reboot cli undo &&
	ok_or_reboot cli apply --yes --device 00:02.0 --vm 100; then
	start 100 30 keep
	if wait_for "┌ Transaction" 5; then
		tm send-keys u
		shot undo "Undo: the transactions of the journal" "open:" \
			"undone"
	fi
	tm kill-server >/dev/null 2>&1
else
	echo "screenshots: skipped undo: the command line failed:" >&2
	sed 's/^/    | /' "$work/cli.out" >&2
	skipped=$((skipped + 1))
fi

start 80 24
shot main-80x24 "┌ Steps" "F1 Help"
tm kill-server >/dev/null 2>&1

echo "screenshots: $made made, $skipped skipped"
[ "$made" -gt 0 ]
