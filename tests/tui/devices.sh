#!/bin/sh
# devices.sh: the device picker and the mode/VM choice in tmux, every run
# under the tripwire on replayed fixture hosts. On the Core i7-4770 (IOMMU
# off): Enter on the Devices step opens the picker with the devices flat
# and the note that groups come after the reboot; the iGPU 00:02.0 chosen
# with Space shows 00:03.0 as going along, left out (it stays with the
# host) after Space on it, along again after another; `/` narrows the list; End and
# Home as tmux sends them move to the last device and the top; a resize
# while the picker shows; F1; m opens the choice: legacy-igd recommended,
# the running VM 101 not choosable, VM 100 chosen; the title line names the
# GPU and the VM. On shared-group-sata: 06:00.0 shows the SATA controller
# as a blocker and asks for the typed phrase; a wrong phrase is refused,
# the right ones lift the guard. Skips when tmux is missing.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/tui/lib.sh"

tui_setup

for h in i7-4770-pve8 shared-group-sata; do
	LC_ALL=C "$top_builddir/vfio-wizard" replay \
		"$top_srcdir/tests/hosts/$h.yaml" "$work/$h" >"$work/replay.out" 2>&1 ||
		tap_bail "replay of $h failed: $(cat "$work/replay.out")"
done

hides() {
	for h_t in "$@"; do
		tui_gone "$h_t" 5 || return 1
	done
}

# q, then y: the wizard ends with 0 under the tripwire.
quit_clean() {
	tui_send q
	tui_wait "Quit vfio-wizard?" || return 1
	tui_send y
	tui_exited 20 || return 1
	[ "$tui_status" = 0 ] || {
		tap_diag "exit status $tui_status"
		tap_diag_file "$tui_dir/tripwire"
		return 1
	}
}

# --- i7-4770: flat list, the iGPU and its audio, filter, choice ---
tui_start "$work/i7-4770-pve8" 80 24 LC_ALL=C.UTF-8 --
shows "┌ Steps" >/dev/null
tui_keys Down Down Down
check "main: the Devices step" shows "┌ Devices" "· Devices"
tui_keys Enter
check "Enter on Devices: the picker, flat, groups after the reboot" \
	shows "┌ Devices" "No IOMMU groups yet" "┌ Verdict" "Space Choose" \
	"/ Filter" "Esc Back"
check "the cursor starts on the iGPU: its verdict below" \
	shows "Modes: legacy-igd (recommended)" "goes along: 0000:00:03.0"
tui_keys Space
check "Space: 00:02.0 chosen, 00:03.0 goes along" \
	shows "0000:00:02.0 [chosen]" "0000:00:03.0 [goes along]" \
	"0000:00:02.0 is chosen"
tui_keys Down Space
check "Space on 00:03.0: left out, it stays with the host" \
	shows "0000:00:02.0 [chosen]" \
	"0000:00:03.0 [left out: stays with the host]" \
	"0000:00:03.0 is no longer chosen"
tui_keys Space Up
check "Space again: it goes along again" \
	shows "0000:00:02.0 [chosen]" "0000:00:03.0 [goes along]"
tui_keys / e t h e r n e t
check "/ethernet: the filter line counts the matches" shows "/ethernet_" \
	"1 of 16"
tui_keys Enter
check "the filter narrows the list to the NIC" \
	shows "0000:00:19.0 Ethernet Connection I217-LM"
check "the others are gone" hides "0000:00:02.0 [chosen]" "0000:00:00.0"
tui_keys Escape
check "Esc clears the filter, the picker stays" \
	shows "0000:00:02.0 [chosen]" "0000:00:00.0" "┌ Devices"
# tmux sends ESC[4~ and ESC[1~ for End and Home whatever TERM says (here
# xterm-256color, whose entry has other sequences): not an Esc and 3 keys
tui_keys End
check "End (ESC[4~ from tmux): the last device, the picker stays" \
	shows "┌ Devices" "0000:02:00.0 XIO2001 PCI Express-to-PCI Bridge" \
	"Modes: vfio (recommended)"
tui_keys Home
check "Home (ESC[1~ from tmux): the top line, the picker stays" \
	shows "┌ Devices" "No IOMMU groups yet" \
	"Every device of an IOMMU group goes to vfio-pci together"
tui_resize 100 30
check "resize to 100x30 while the picker shows" \
	shows "┌ Devices" "┌ Verdict" "0000:00:03.0 [goes along]"
tui_resize 60 20
check "60x20: one line asks for 80x24" shows "enlarge the terminal to 80x24"
tui_resize 80 24
check "back to 80x24: the picker again" \
	shows "┌ Devices" "┌ Verdict" "Space Choose"
tui_keys F1
check "F1: the picker's help" shows "vfio-wizard help: Devices"
tui_keys Escape
check "Esc: back from the help" shows "┌ Verdict"
tui_keys m
check "m: the mode and VM choice" \
	shows "┌ Mode and VM" "legacy-igd (recommended)" "┌ Why" \
	"on an i440fx machine" "GVT-g does not exist for Haswell"
check "the running VM 101 shows why it cannot be chosen" \
	shows "101   debian12" "running: shut it down"
tui_keys Down
check "Down: VM 100 and what choosing it does" \
	shows "/etc/pve/qemu-server/100.conf"
tui_keys Enter
check "Enter: VM 100 chosen" shows "✓   100   win10"
tui_keys Down Enter
check "the running VM is refused" shows "running: shut it down to choose it"
tui_resize 200 24
check "the title line names the GPU and the VM" \
	shows "HD Graphics 4600 → VM 100 (win10)"
tui_resize 80 24
tui_keys Escape Escape
check "Esc, Esc: the main screen, the Devices step done" \
	shows "┌ Steps" "✓ Devices" "! VM config"
check "q, y: exit 0, no stray access" quit_clean
tui_stop

# --- shared-group-sata: the guard's typed confirmation ---
tui_start "$work/shared-group-sata" 80 24 LC_ALL=C.UTF-8 --
shows "┌ Steps" >/dev/null
tui_keys Down Down Down Enter
check "the picker: IOMMU groups as a tree" \
	shows "┌ Devices" "IOMMU group 13" "    0000:06:00.0"
tui_keys / 0 6 : 0 0 . 0 Enter
check "/06:00.0: the GPU with its group heading" \
	shows "IOMMU group 13" "0000:06:00.0" "2 of "
check "its verdict: the SATA controller blocks it" \
	shows "IOMMU group 13 also holds 0000:01:00.1 (X370 Series Chipset SATA"
tui_keys Space
check "Space: the typed confirmation with the exact phrase" \
	shows "Typed confirmation" "take 0000:01:00.1"
tui_send -l "take it"
tui_keys Enter
check "a wrong phrase is refused" \
	shows "Wrong phrase: 0000:06:00.0 is not chosen"
tui_keys Space
shows "Typed confirmation" >/dev/null
tui_send -l "take 0000:01:00.1 from the host"
tui_keys Enter
check "the right phrase: the next device the host needs" \
	shows "take 0000:04:00.0"
tui_send -l "take 0000:04:00.0 from the host"
tui_keys Enter
shows "take 0000:05:00.0" >/dev/null
tui_send -l "take 0000:05:00.0 from the host"
tui_keys Enter
check "all phrases typed: 06:00.0 chosen" \
	shows "0000:06:00.0 [chosen]" "0000:06:00.0 is chosen"
tui_keys Escape
check "the SATA controller now goes to vfio-pci with the group" \
	shows "0000:01:00.1 [same IOMMU group: to vfio-pci too]"
check "q, y: exit 0, no stray access" quit_clean
tui_stop

tap_done
