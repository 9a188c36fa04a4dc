#!/bin/sh
# undo.sh: the wizard's undo screen lists the transactions of the journal,
# every run under the tripwire. On the replayed Core i7-4770 host the CLI
# applies (iGPU and audio for VM 100), reboot-sim boots, the CLI undoes
# (archived in history/), and applies again (the iGPU alone), then a file
# the wizard wrote is edited by hand. In the wizard: u lists the open
# transaction first and the undone one below it, with the selected one's
# account; Enter on the undone one shows what it did, read-only (already
# undone); Enter on the open one shows the conflict first, Enter is
# refused, f asks for the typed phrase, a wrong one changes nothing, the
# right one undoes over the edit: every file is the pristine copy's again.
# Started again: both transactions undone, none open; F1 explains the
# screen. Skips when tmux is missing.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/tui/lib.sh"

tui_setup
root=$work/root
sim=$(tw_abs "$top_builddir/tests/tools/reboot-sim")
edited=/etc/modprobe.d/vfio-wizard.conf

# wiz ARGS...: the CLI on the fixture root under the tripwire
wiz() {
	LC_ALL=C tw_run "$root" "$top_builddir/vfio-wizard" --root "$root" \
		"$@" >"$work/cli.out" 2>&1 </dev/null
}

# not_shown TEXT: the screen does not show TEXT
not_shown() {
	! tui_screen | grep -qF -- "$1"
}

rm -rf "$root"
LC_ALL=C "$top_builddir/vfio-wizard" replay \
	"$top_srcdir/tests/hosts/i7-4770-pve8.yaml" "$root" \
	>"$work/replay.out" 2>&1 ||
	tap_bail "replay failed: $(cat "$work/replay.out")"
cp -a "$root" "$work/pristine"
tui_files_manifest "$work/pristine" >"$work/orig-files"

# --- the state, quickly through the CLI ---
wiz apply --yes --device 00:02.0 --device 00:03.0 --vm 100
[ $? = 4 ] || tap_bail "first apply: $(cat "$work/cli.out")"
tw_run "$root" "$sim" --boot-id 0b7a3d52-1f0e-4b4c-9a7e-5e2f7c1d9a01 \
	"$root" >"$work/reboot.out" 2>&1 </dev/null ||
	tap_bail "reboot-sim failed: $(cat "$work/reboot.out")"
# the host booted with the changes: undone, and a reboot is needed (4)
wiz undo
[ $? = 4 ] || tap_bail "undo: $(cat "$work/cli.out")"
wiz apply --yes --device 00:02.0 --vm 100
[ $? = 4 ] || tap_bail "second apply: $(cat "$work/cli.out")"
echo "options kvm ignore_msrs=1" >>"$root$edited"
edited_now=$(cat "$root$edited")

# --- the list, the undone one, the open one with its conflict ---
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
shows "a reboot is still needed" >/dev/null
tui_send u
check "u: the transactions of the journal" \
	shows "Undo: the transactions of the journal" "┌ Transactions" \
	"Enter Open" "/ Filter"
check "u: the open one first, the undone one below it" \
	shows "open: reboot pending  00:02.0 legacy-igd VM 100" \
	"undone                00:02.0 00:03.0 legacy-igd VM 100"
check "u: the rows in that order" sh -c 'tmux -L "$0" capture-pane -p |
	grep -e "open: reboot pending" -e " undone " | head -1 |
	grep -q "open: "' "$tui_sock"
check "u: the open one's account below the list" \
	shows "┌ Details" "This transaction is open" \
	"journal: /var/lib/vfio-wizard/journal.yaml"
tui_send Down
check "Down: the undone one's account below" \
	shows "Already undone: every file is back as it was." \
	"/var/lib/vfio-wizard/history/"
tui_send Enter
check "Enter on the undone one: what it did, read-only" \
	shows "Undo: what this transaction did" \
	"/etc/modprobe.d/vfio-wizard.conf: created, removed again by undo" \
	"device=0000:00:03.0" "Esc Transactions"
check "the undone one: nothing to undo in its key bar" not_shown "Enter Undo"
for i in 1 2 3; do tui_send NPage; done
check "the undone one: its commands ran twice (apply, undo)" \
	shows "update-initramfs -u -k all" "ran 2 time(s), last exit status 0"
tui_send Enter
check "Enter on the undone one: already undone" \
	shows "already undone: nothing to undo"
tui_send Escape
check "Esc: back to the list" shows "┌ Transactions"
tui_send Up Enter
check "Enter on the open one: the conflict first" \
	shows "Undo: what would be put back" \
	"Transaction 2" \
	"1 file(s) changed since the wizard wrote them" \
	"f overwrites them with the originals" \
	"$edited: changed since the wizard wrote it" \
	"+options kvm ignore_msrs=1" "f Overwrite"
check "the conflict before the files undo would put back" sh -c '
	tmux -L "$0" capture-pane -p | grep -n -e "changed since the wizard wrote it" \
	-e "restored as it was" | head -1 | grep -q "changed since"' "$tui_sock"
tui_send Enter
check "Enter: refused, nothing done" \
	shows "nothing was changed: files were changed since"
tui_send f
check "f: the typed confirmation names the phrase" \
	shows "Typed confirmation" "overwrite 1 changed file"
tui_send "overwrite all" Enter
check "a wrong phrase: refused" \
	shows "Wrong phrase: nothing was changed (type exactly"
check "a wrong phrase: the edited file untouched" \
	test "$edited_now" = "$(cat "$root$edited")"
check "a wrong phrase: the journal still open" \
	test -f "$root/var/lib/vfio-wizard/journal.yaml"
tui_send f
shows "Typed confirmation" >/dev/null
tui_send "overwrite 1 changed file" Enter
check "the right phrase: undone over the edit" \
	tui_wait "Undone: every file is back as it was." 90
check "the progress: the edited file restored too" \
	shows "restoring $edited"
tui_send Escape
check "Esc: the steps" shows "┌ Steps"
check "undone: q, y: exit 0" tui_quit_with 0
tui_stop
tui_files_manifest "$root" >"$work/undone-files"
tap_same_file "$work/orig-files" "$work/undone-files" \
	"forced undo: the files are the pristine copy's again"

# --- started again: nothing open, both transactions undone ---
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
shows "┌ Steps" >/dev/null
tui_send u
check "again: two undone transactions, none open" \
	shows "undone  00:02.0 legacy-igd VM 100" \
	"undone  00:02.0 00:03.0 legacy-igd VM 100"
check "again: no open transaction listed" not_shown "open: "
tui_send F1
check "F1: the undo screen's help" \
	shows "lists the transactions of the journal" "press f"
tui_send Escape
shows "┌ Transactions" >/dev/null
tui_send Escape
check "Esc: back to the steps" shows "┌ Steps"
check "again: q, y: exit 0" tui_quit_with 0
tui_stop

tap_done
