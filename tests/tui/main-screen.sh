#!/bin/sh
# main-screen.sh: the full-screen wizard's main screen in tmux on the
# replayed Core i7-4770 host, every run under the tripwire: at 80x24 the
# title (host, CPU), the six steps with their marks and the firmware
# findings with evidence; Down and Enter show other steps' findings; a
# resize to 100x30, to 60x20 (one line asks for 80x24) and back redraws;
# F1 shows the help and Esc returns; q asks and y quits with exit 0 and the
# terminal restored. LANG=C with NO_COLOR draws ASCII without colour;
# LANGUAGE=de shows the German screens. Ctrl-C asks like q; SIGTERM ends
# it with the terminal restored. Skips when tmux is missing.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/tui/lib.sh"

tui_setup
root=$work/root

LC_ALL=C "$top_builddir/vfio-wizard" replay \
	"$top_srcdir/tests/hosts/i7-4770-pve8.yaml" "$root" >"$work/replay.out" 2>&1 ||
	tap_bail "replay of i7-4770-pve8 failed: $(cat "$work/replay.out")"

# q, then y: the wizard ends with 0 and leaves the alternate screen.
quit_clean() {
	tui_send q
	tui_wait "$1" || return 1
	tui_send y
	tui_exited 20 || return 1
	if [ "$tui_status" = 99 ]; then
		tap_diag "tripwire:"
		tap_diag_file "$tui_dir/tripwire"
	fi
	[ "$tui_status" = 0 ] || {
		tap_diag "exit status $tui_status"
		tap_diag_file "$tui_dir/tripwire"
		return 1
	}
	[ "$(tui_alt)" = 0 ] || {
		tap_diag "the pane still shows the alternate screen"
		return 1
	}
	! tui_screen | grep -qF "Steps"
}

# The frames' bottom edge on row ROWS-1 and TEXT showing (5 s at most).
resized_to() {
	r_i=0
	while [ $r_i -lt 50 ]; do
		r_n=$(tui_screen | grep -n "└" | cut -d: -f1)
		if [ "$r_n" = $(($1 - 1)) ] && tui_screen | grep -qF "$2"; then
			return 0
		fi
		sleep 0.1
		r_i=$((r_i + 1))
	done
	tui_screen | tap_diag
	return 1
}

# Whether the screen, with its attributes, has colour (SGR 31-37).
coloured() {
	tui_tmux capture-pane -p -e | grep -q "$(printf '\033')\[3[1-7]m"
}

# --- UTF-8, colour, 80x24 ---
tui_start "$root" 80 24 LC_ALL=C.UTF-8 -- 
check "80x24: the title names the host, the CPU and the iGPU by its product name" \
	shows "vfio-wizard" " ─ pve ─ Intel Core i7-4770 ─ HD Graphics 4600"
check "80x24: the six steps with their marks" \
	shows "┌ Steps" "✓ Firmware" "! Command line" "Modules" "· Devices" \
	"· VM config" "! Reboot"
check "80x24: the firmware findings with their evidence" \
	shows "┌ Firmware" "✓ VT-x is available" "/proc/cpuinfo flags: vmx" \
	"the IOMMU is not active"
check "80x24: the key bar" shows "F1 Help" "q Quit"
check "80x24: colour on a colour terminal" coloured
tui_send Down
check "Down: the command line step's findings and its plan" \
	shows "┌ Command line" "the host boots with GRUB" \
	"creates '/etc/default/grub.d/vfio-wizard.cfg'" "runs 'update-grub'"
tui_send Enter
check "Enter: on to the modules step" \
	shows "┌ Modules" "has the vfio modules"
tui_resize 100 30
check "resize to 100x30: redrawn to the new size" resized_to 30 "┌ Modules"
tui_resize 60 20
check "resize to 60x20: one line asks for 80x24" \
	shows "enlarge the terminal to 80x24"
check "60x20: nothing else shows" sh -c '! tmux -L "$0" capture-pane -p |
	grep -q "Steps"' "$tui_sock"
tui_resize 80 24
check "back to 80x24: the main screen again" \
	shows "┌ Steps" "┌ Modules" "F1 Help"
check "80x24: the enlarge line is gone" tui_gone "enlarge the terminal"
tui_send F1
check "F1: the main screen's help" \
	shows "vfio-wizard help: Steps" "Keys on every screen"
check "F1: u lists the transactions, Enter shows one, f forces" \
	shows "u lists the transactions of the journal" \
	"Enter on one" "shows its files and commands" \
	"f" "overwrites those conflicts after you type the" \
	"A finished" "transaction is shown read-only"
check "F1: Enter on Devices and VM config opens their choice" \
	shows "On Devices Enter" "opens the device picker, on VM config"
check "F1: not the old undo (the open transaction's preview only)" \
	sh -c '! tmux -L "$0" capture-pane -p |
	grep -q "u shows what undo would put back"' "$tui_sock"
tui_send Escape
check "Esc: back from the help" shows "┌ Steps" "┌ Modules"
check "q, y: exit 0, the terminal restored" quit_clean "Quit vfio-wizard?"
tui_stop

# --- Ctrl-C asks like q; SIGTERM ends it with the terminal restored ---
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
shows "┌ Steps" >/dev/null
tui_send C-c
check "Ctrl-C: asks before quitting" shows "Quit vfio-wizard?"
tui_send n
check "n: the wizard goes on" tui_gone "Quit vfio-wizard?"
# the pane's shell runs the wizard as its child
pid=$(ps -o pid= --ppid "$(tui_tmux display -p '#{pane_pid}')" | tr -d ' ')
if [ -n "$pid" ] && kill -TERM "$pid" && tui_exited 20 &&
	[ "$tui_status" = 143 ] && [ "$(tui_alt)" = 0 ]; then
	tap_ok "SIGTERM: the wizard dies of it, the terminal restored"
else
	tap_not_ok "SIGTERM: the wizard dies of it, the terminal restored"
	tap_diag "pid '$pid', exit status '$tui_status', alternate $(tui_alt)"
	tap_diag_file "$tui_dir/tripwire"
fi
tui_stop

# --- LANG=C and NO_COLOR: ASCII, no colour ---
tui_start "$root" 80 24 LC_ALL=C NO_COLOR=1 --
check "LANG=C: ASCII frames and marks" \
	shows " - pve - Intel Core i7-4770" "+ Steps -" "[+] Firmware" "[!] Command line" "[ ] Devices" \
	"| [+] VT-x is available"
check "LANG=C: no UTF-8 box or mark characters" sh -c '! tmux -L "$0" \
	capture-pane -p | grep -q "[─│┌┐└┘✓✗·]"' "$tui_sock"
check "NO_COLOR: no colour" eval '! coloured'
check "LANG=C: q, y: exit 0" quit_clean "Quit vfio-wizard?"
tui_stop

# --- German ---
mkdir -p "$work/locale/de/LC_MESSAGES"
if command -v msgfmt >/dev/null 2>&1 &&
	msgfmt -o "$work/locale/de/LC_MESSAGES/vfio-wizard.mo" \
		"$top_srcdir/po/de.po" 2>/dev/null; then
	VFIO_WIZARD_LOCALEDIR=$work/locale
	tui_start "$root" 80 24 LC_ALL=C.UTF-8 LANGUAGE=de --
	check "LANGUAGE=de: German step names" \
		shows "┌ Schritte" "Kommandozeile" "Module" "Geräte" \
		"VM-Konfiguration" "Neustart" "F1 Hilfe"
	tui_send F1
	check "LANGUAGE=de: F1: u listet die Transaktionen, f überschreibt" \
		shows "u listet die Transaktionen des Journals auf" \
		"überschreibt diese Konflikte, nachdem Sie den"
	tui_send Escape
	shows "┌ Schritte" >/dev/null
	check "LANGUAGE=de: q, y: exit 0" quit_clean "Beenden"
	tui_stop
	unset VFIO_WIZARD_LOCALEDIR
else
	tap_skip "LANGUAGE=de: German step names" "msgfmt is not installed"
fi

tap_done
