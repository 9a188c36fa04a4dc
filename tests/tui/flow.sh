#!/bin/sh
# flow.sh: the full-screen wizard's whole flow in tmux, every run under the
# tripwire. On the replayed Core i7-4770 host, started with the choices as
# options (--device 00:02.0 --device 00:03.0 --vm 100): d shows the diff
# only; on the last step Enter opens the review (the GRUB drop-in, the
# modprobe.d file, the VM config lines, the commands), Enter asks, y
# applies: the progress shows each write and the live output of a slow
# update-initramfs with a ticking clock, q and Esc are refused while it
# runs, a resize redraws it; the finish says reboot and q exits 4. After
# reboot-sim, the wizard starts on the transaction: Enter verifies every
# step, F1 tells what u does; Esc shows the steps with the transaction's
# choices, every step done; u lists the transactions, Enter on the open
# one shows what undo puts back and undoes after asking: every file
# is back as in the pristine copy, and as the host booted with the changes
# it says to reboot and q exits 4. A file changed since the apply is a
# conflict shown before anything is done. The i7-4770K host is refused:
# the firmware step blocked, the review not offered. The review in
# German. Skips when tmux is missing.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/tui/lib.sh"

tui_setup
root=$work/root
sim=$(tw_abs "$top_builddir/tests/tools/reboot-sim")

# Select the last step (Reboot, or its translation $1) in the step list.
to_reboot() {
	for t_i in 1 2 3 4 5; do tui_send Down; done
	tui_wait "┌ ${1:-Reboot}" || return 1
}

tui_replay i7-4770-pve8 "$root"
# a slow update-initramfs (shell built-ins only): six lines a while apart
cat >"$root/usr/sbin/update-initramfs" <<'SLOW'
#!/bin/sh
: "${VFIO_WIZARD_ROOT:?is not set}"
printf 'update-initramfs\t%s\n' "$*" >>"$VFIO_WIZARD_ROOT/var/log/vfio-wizard-fake-commands.log"
for part in 1 2 3 4 5 6; do
	printf 'update-initramfs: part %s of 6\n' "$part"
	i=0
	while [ $i -lt 400000 ]; do i=$((i + 1)); done
done
printf 'update-initramfs: Generating initramfs\n'
SLOW
cp -a "$root" "$work/pristine"
tui_files_manifest "$work/pristine" >"$work/orig-files"

# --- the flow up to "reboot now" ---
tui_start "$root" 80 24 LC_ALL=C.UTF-8 -- \
	--device 00:02.0 --device 00:03.0 --vm 100
check "main: the steps and the sketch's key bar" \
	shows "┌ Steps" "F1 Help" "Enter Next" "Esc Back" "d Diff" "u Undo" \
	"q Quit"
tui_send d
check "d: the diff without apply" \
	shows "What the wizard would change" \
	"/etc/default/grub.d/vfio-wizard.cfg: new file"
check "d: no Apply in its key bar" sh -c '! tmux -L "$0" capture-pane -p |
	grep -q "Enter Apply"' "$tui_sock"
tui_send Escape
check "Esc: back to the steps" shows "┌ Steps"
to_reboot
tui_send Enter
check "Enter on Reboot: the review with the GRUB drop-in" \
	shows "Review the changes, then apply them" \
	"/etc/default/grub.d/vfio-wizard.cfg: new file" \
	"+GRUB_CMDLINE_LINUX_DEFAULT" "Enter Apply"
for i in 1 2 3 4 5 6 7 8; do tui_send NPage; done
check "review: the commands with their purpose at the end" \
	shows "update-grub" "update-initramfs -u -k all" \
	"rebuild the initramfs"
for i in 1 2 3 4 5 6 7 8; do tui_send PPage; done
check "review: scrolled back to the top" \
	shows "/etc/default/grub.d/vfio-wizard.cfg: new file"
review_all=$(for i in 1 2 3 4 5 6 7 8 9 10; do
	tui_screen; tui_send NPage; sleep 0.2; done; for i in 1 2 3 4 5 6 7 8 9 10; do
	tui_send PPage; done)
case $review_all in
*"/etc/modprobe.d/vfio-wizard.conf: new file"*"/etc/pve/qemu-server/100.conf: changed"*"+hostpci0: "*)
	tap_ok "review: the modprobe.d file and the VM config lines" ;;
*)	tap_not_ok "review: the modprobe.d file and the VM config lines"
	printf '%s\n' "$review_all" | tap_diag ;;
esac
tui_send Enter
check "Enter: asks before applying" shows "Apply these changes?"
tui_send y
check "apply: the progress with the live command output" \
	shows "Applying the changes:" "update-initramfs: part 1 of 6"
tui_send q
check "apply: q is refused while it runs" shows "a write is under way"
check "apply: the clock ticks while the command runs" \
	shows "0:01 elapsed" "update-initramfs: part 2 of 6"
tui_resize 100 30
check "apply: a resize redraws the progress" \
	shows "update-initramfs: part 3 of 6"
tui_resize 80 24
# the slow update-initramfs is CPU-bound: on a loaded machine it takes far
# longer than a screen change may; wait for it, the check below asserts
tui_wait "Done: reboot the host now" 120 >/dev/null 2>&1 || :
check "finish: done, reboot the host now" \
	shows "Done: reboot the host now" \
	"Reboot the host now, then run vfio-wizard again" \
	"wrote /etc/modprobe.d/vfio-wizard.conf"
check "finish: q, y: exit 4 (a reboot is needed)" tui_quit_with 4
tui_stop

# --- before the reboot: the start screen says a reboot is still needed ---
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
check "start again before the reboot: a reboot is still needed" \
	shows "a reboot is still needed" "Enter Resume/Verify"
check "before the reboot: q, y: exit 4" tui_quit_with 4
tui_stop

# --- the simulated reboot, then verify and undo from the start screen ---
tw_run "$root" "$sim" --boot-id 0b7a3d52-1f0e-4b4c-9a7e-5e2f7c1d9a01 \
	"$root" >"$work/reboot.out" 2>&1 </dev/null ||
	tap_bail "reboot-sim failed: $(cat "$work/reboot.out")"
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
check "after the reboot: the start screen offers to verify" \
	shows "The host has rebooted since the apply" "u Undo"
tui_send F1
check "start: F1: u lists the transactions, f the forced undo" \
	shows "vfio-wizard help: Transaction" \
	"u lists the transactions of the journal" "shows its files and" \
	"overwrites those conflicts after you type the" \
	"transaction is shown read-only" "Esc goes to the steps: they show"
tui_send Escape
shows "The host has rebooted since the apply" >/dev/null
tui_send Enter
check "Enter: every step verified" \
	shows "Every step is verified" "cmdline: verified" "vm: verified"
tui_send Escape
check "Esc: the steps of the transaction as verified, VM 100 in the title" \
	shows "┌ Steps" "✓ Firmware" "✓ Command line" "✓ Modules" \
	"✓ Devices" "✓ VM config" "✓ Reboot" "→ VM 100"
tui_send u
check "u: the transactions, the open one first" \
	shows "Undo: the transactions of the journal" "open: verified"
tui_send Enter
check "Enter on the open one: what undo would put back" \
	shows "Undo: what would be put back" \
	"/etc/pve/qemu-server/100.conf: restored as it was" "-hostpci0: "
tui_send Enter
check "Enter: asks before undoing" shows "Put every file back"
tui_send y
check "undo: every file back" \
	tui_wait "Undone: every file is back as it was." 90
check "undo: the host booted with the changes: reboot it" \
	shows "The host still runs with the passthrough settings: reboot it"
check "undo: q, y: exit 4 (a reboot is needed)" tui_quit_with 4
tui_stop
tui_files_manifest "$root" >"$work/undone-files"
tap_same_file "$work/orig-files" "$work/undone-files" \
	"undo: the files are the pristine copy's again"

# --- a conflict is shown before anything is done ---
tui_replay i7-4770-pve8 "$root"
LC_ALL=C tw_run "$root" "$top_builddir/vfio-wizard" --root "$root" apply \
	--yes --device 00:02.0 --vm 100 >"$work/apply.out" 2>&1 </dev/null
echo "options kvm ignore_msrs=1" >>"$root/etc/modprobe.d/vfio-wizard.conf"
before=$(cat "$root/etc/default/grub.d/vfio-wizard.cfg")
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
shows "a reboot is still needed" >/dev/null
tui_send u
shows "open: reboot pending" >/dev/null
tui_send Enter
check "undo with a file changed since: the conflict first" \
	shows "changed since the wizard wrote them" \
	"/etc/modprobe.d/vfio-wizard.conf: changed since the wizard" \
	"+options kvm ignore_msrs=1"
tui_send Enter
check "Enter: refused, nothing done" shows "nothing was changed: files"
check "conflict: the other files untouched" \
	test "$before" = "$(cat "$root/etc/default/grub.d/vfio-wizard.cfg")"
check "conflict: q, y: exit 4 (the reboot still pending)" tui_quit_with 4
tui_stop

# --- the i7-4770K: refused ---
tui_replay i7-4770k-pve8 "$root"
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
check "i7-4770K: the firmware step blocked with the reason" \
	shows "✗ Firmware" "this CPU model has no VT-d"
to_reboot
tui_send Enter
check "i7-4770K: Enter on Reboot: the review is not offered" \
	shows "the Firmware step is blocked"
check "i7-4770K: still on the steps" sh -c '! tmux -L "$0" capture-pane -p |
	grep -q "Review the changes"' "$tui_sock"
check "i7-4770K: q, y: exit 0" tui_quit_with 0
tui_stop
# the iGPU as an option: refused before the screen starts, as plan does
tui_start "$root" 80 24 LC_ALL=C.UTF-8 -- --device 00:02.0 --vm 100
check "i7-4770K --device 00:02.0: refused with exit 3 (blocked)" \
	sh -c 'tui_dir=$0; while [ ! -f "$tui_dir/status" ]; do sleep 0.1;
	done; [ "$(cat "$tui_dir/status")" = 3 ]' "$tui_dir"
check "i7-4770K --device: the reason on stderr" \
	grep -q "cannot be passed through: the CPU has no VT-d" "$tui_dir/tripwire"
tui_stop

# --- German ---
tui_replay i7-4770-pve8 "$root"
mkdir -p "$work/locale/de/LC_MESSAGES"
if command -v msgfmt >/dev/null 2>&1 &&
	msgfmt -o "$work/locale/de/LC_MESSAGES/vfio-wizard.mo" \
		"$top_srcdir/po/de.po" 2>/dev/null; then
	VFIO_WIZARD_LOCALEDIR=$work/locale
	tui_start "$root" 80 24 LC_ALL=C.UTF-8 LANGUAGE=de -- \
		--device 00:02.0 --vm 100
	shows "┌ Schritte" >/dev/null
	to_reboot Neustart
	tui_send Enter
	check "LANGUAGE=de: the review in German" \
		shows "Änderungen prüfen, dann anwenden" "Enter Anwenden" \
		"/etc/default/grub.d/vfio-wizard.cfg: neue Datei"
	tui_send Enter
	check "LANGUAGE=de: the question in German" \
		shows "Diese Änderungen anwenden?"
	tui_send n
	check "LANGUAGE=de: q, y: exit 0" tui_quit_with 0 "vfio-wizard beenden?"
	tui_stop
	unset VFIO_WIZARD_LOCALEDIR
else
	tap_skip "LANGUAGE=de: the review in German" \
		"msgfmt is not installed"
fi

tap_done
