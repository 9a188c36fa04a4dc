#!/bin/sh
# journey.sh: the whole journey on screen, every choice made in the
# wizard, none passed as an option; every run in tmux under the tripwire.
# On the replayed Core i7-4770 host at 80x24: the first screen's steps and
# firmware findings; Enter walks the steps; on Devices the picker, `/`
# finds the HD 4600, Space chooses it and its HDMI audio 00:03.0 goes
# along (chosen with it: hostpci1, vfio-pci ids); back on the steps, Enter
# on VM config: legacy-igd recommended with why (Haswell: no GVT-g), VM
# 100 chosen (SeaBIOS: no option ROM asked); Reboot: the review (GRUB
# drop-in, modprobe.d, the hostpci lines, the commands) survives a resize
# to 120x40 and back; apply, finish, q: exit 4. After reboot-sim the start
# screen verifies every step, the picker shows 00:02.0 on vfio-pci; undo
# from the screen puts every file back as the pristine copy and says to
# reboot (the host booted with the changes); exit 4. The
# same choices in German up to the review. On shared-group-sata: the
# blocked GPU's mark and the phrase on the main screen, Esc on the typed
# confirmation cancels, and once lifted the review sends the group's
# devices to vfio-pci and only the GPU's functions to the VM.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/tui/lib.sh"

tui_setup
root=$work/root
sim=$(tw_abs "$top_builddir/tests/tools/reboot-sim")

# True when TEXT is not on the screen.
absent() {
	! tui_screen | grep -qF -- "$1"
}

# The whole scrollable text of the screen: each page from the top, then
# back to the top.
all_pages() {
	for a_i in 1 2 3 4 5 6 7 8; do tui_send PPage; done
	sleep 0.2
	for a_i in 1 2 3 4 5 6; do
		tui_screen
		tui_send NPage
		sleep 0.15
	done
	tui_screen
	for a_i in 1 2 3 4 5 6 7 8; do tui_send PPage; done
	sleep 0.2
}

# has_all TEXT PATTERN...: every fixed string in TEXT, in any order.
has_all() {
	h_text=$1
	shift
	for h_p in "$@"; do
		case $h_text in
		*"$h_p"*) ;;
		*)	tap_diag "missing: $h_p"
			return 1 ;;
		esac
	done
}

# same_files A B: the two trees' manifests are equal.
same_files() {
	[ "$(tui_files_manifest "$1")" = "$(tui_files_manifest "$2")" ]
}

tui_replay i7-4770-pve8 "$root"
cp -a "$root" "$work/pristine"
tui_files_manifest "$work/pristine" >"$work/orig-files"

# --- 1. the first screen ---
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
check "first screen: the six steps, the firmware step first" \
	shows "┌ Steps" "┌ Firmware" "✓ Firmware" "! Command line" \
	"· Devices" "· VM config" "Enter Next"
check "first screen: the firmware findings with their evidence" \
	shows "✓ VT-x is available" "/proc/cpuinfo flags: vmx present" \
	"✓ this CPU model supports VT-d" "/sys/firmware/acpi/tables/DMAR"
check "first screen: no device chosen yet, so no VM in the title" \
	absent "→ VM"

# --- 2. Enter walks the steps; the picker on Devices ---
tui_keys Enter
check "Enter: the command line step and its GRUB drop-in" \
	shows "┌ Command line" "creates '/etc/default/grub.d/vfio-wizard.cfg'"
tui_keys Enter
check "Enter: the modules step" shows "┌ Modules" "has the vfio modules"
tui_keys Enter
check "Enter: the devices step, nothing chosen" \
	shows "┌ Devices" "no device chosen yet"
tui_keys Enter
check "Enter on Devices: the picker with the verdict" \
	shows "No IOMMU groups yet" "┌ Verdict" "Space Choose" "/ Filter"
tui_keys /
tui_send -l graphics
check "/graphics: one match of the 16 rows" shows "/graphics_" "1 of 16"
tui_keys Enter
check "the filter keeps the HD 4600 only" \
	shows "0000:00:02.0 Xeon E3-1200 v3/4th Gen Core Processor Integrated"
check "the HDMI audio is filtered out of the list" absent "│   0000:00:03.0"
check "its verdict: legacy-igd, Haswell, the audio goes along" \
	shows "[8086:0412], driver i915" "Haswell (4th generation Core)" \
	"✓ Modes: legacy-igd (recommended)" "goes along: 0000:00:03.0"
tui_keys Space
check "Space: the HD 4600 chosen" \
	shows "✓ 0000:00:02.0 [chosen]" "0000:00:02.0 is chosen: m chooses"
tui_keys Escape
check "Esc clears the filter: the HDMI audio chosen with it" \
	shows "✓ 0000:00:02.0 [chosen]" "✓ 0000:00:03.0 [goes along]" \
	"0000:00:00.0"
check "the PCH's analog audio 00:1b.0 does not go along" \
	sh -c '! tmux -L "$0" capture-pane -p | grep "0000:00:1b.0" |
	grep -q "\[\|✓"' "$tui_sock"
tui_keys Escape
check "Esc: back on the steps, on to VM config" \
	shows "┌ Steps" "✓ Devices" "┌ VM config" "· no VM chosen yet"
check "VM config: how to choose a VM here (Enter), not the CLI's --vm ID" \
	shows "no VM config is changed: Enter on" \
	"this step chooses one of the host's VMs." \
	"'qm create 102 --name passthrough --memory 4096" \
	"--machine pc --bios seabios --vga none', then start" \
	"vfio-wizard again and choose it here."
check "VM config: no --vm in the step's text" absent "--vm"

# --- 3. the mode and the VM ---
tui_keys Enter
check "Enter on VM config: the mode, legacy-igd recommended" \
	shows "┌ Mode and VM" \
	"legacy-igd (recommended) — the whole iGPU to one VM (GVT-d)"
check "the one-paragraph why: i440fx, SeaBIOS, vga: none, no GVT-g" \
	shows "┌ Why" "Legacy IGD assignment (GVT-d) gives the whole iGPU" \
	"legacy-igd=1 and vga: none on an i440fx machine" \
	"without disable_vga; GVT-g does not exist for Haswell"
check "the modes offered: legacy-igd only (no GVT-g on Haswell)" \
	sh -c '! tmux -L "$0" capture-pane -p | grep -q "gvt-g (\|sriov"' \
	"$tui_sock"
tui_keys Enter
check "Enter: legacy-igd chosen" \
	shows "✓   legacy-igd (recommended)"
check "the VMs: 100 stopped, 101 running and not choosable" \
	shows "100   win10            pc-i440fx-8.1 seabios — stopped" \
	"101   debian12" "running: shut it down to choose"
tui_keys Down Enter
check "Down, Enter: VM 100 chosen" shows "✓   100   win10"
check "SeaBIOS VM: no option ROM asked" absent "Option ROM"
tui_keys Escape
check "Esc: the steps, on to Reboot, VM 100 in the title" \
	shows "┌ Reboot" "! VM config" "→ VM 100"

# --- 4, 5. the review, a resize, apply, finish ---
tui_keys Enter
check "Enter on Reboot: the review with the GRUB drop-in" \
	shows "Review the changes, then apply them" \
	"/etc/default/grub.d/vfio-wizard.cfg: new file" \
	"intel_iommu=on" "Enter Apply"
tui_keys NPage
tui_resize 120 40
check "resize to 120x40: the review, more of it" \
	shows "Review the changes, then apply them" \
	"/etc/pve/qemu-server/100.conf: changed" "Enter Apply"
tui_resize 80 24
check "back to 80x24: still the review" \
	shows "Review the changes, then apply them" "Enter Apply"
review=$(all_pages)
check "review: modprobe.d claims the iGPU and its audio" \
	has_all "$review" "/etc/modprobe.d/vfio-wizard.conf: new file" \
	"+options vfio-pci ids=8086:0412,8086:0c0c" \
	"+softdep i915 pre: vfio-pci" "+softdep snd_hda_intel pre: vfio-pci"
check "review: VM 100 gets legacy-igd, the audio and vga: none" \
	has_all "$review" "/etc/pve/qemu-server/100.conf: changed" \
	"+hostpci0: 0000:00:02.0,legacy-igd=1" "+hostpci1: 0000:00:03.0" \
	"+vga: none"
check "review: the commands with their purpose" \
	has_all "$review" "update-grub" "update-initramfs -u -k all" \
	"rebuild the initramfs"
check "review: never disable_vga=1, never igfx_off (legacy IGD)" \
	sh -c 'case $0 in *disable_vga=1*|*igfx_off*) exit 1;; esac' \
	"$(printf '%s\n' "$review" | grep '^│ *+')"
tui_keys Enter
check "Enter: asks before applying" shows "Apply these changes?"
tui_keys y
check "finish: done, reboot the host now" \
	shows "Done: reboot the host now" \
	"Reboot the host now, then run vfio-wizard again" \
	"wrote /etc/pve/qemu-server/100.conf" "ran update-initramfs -u -k all"
check "the tree: VM 100's config as reviewed" \
	grep -qx "hostpci1: 0000:00:03.0" "$root/etc/pve/qemu-server/100.conf"
check "the tree: the modprobe.d file as reviewed" \
	grep -qx "options vfio-pci ids=8086:0412,8086:0c0c" \
	"$root/etc/modprobe.d/vfio-wizard.conf"
check "finish: q, y: exit 4 (a reboot is needed)" tui_quit_with 4
tui_stop

# --- 6. the reboot, verify, the device on vfio-pci, undo ---
tw_run "$root" "$sim" --boot-id 0b7a3d52-1f0e-4b4c-9a7e-5e2f7c1d9a01 \
	"$root" >"$work/reboot.out" 2>&1 </dev/null ||
	tap_bail "reboot-sim failed: $(cat "$work/reboot.out")"
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
check "after the reboot: the start screen offers verify and undo" \
	shows "The host has rebooted since the apply" "device=0000:00:03.0" \
	"Enter Resume/Verify" "u Undo"
tui_keys Enter
check "Enter: every step verified" \
	shows "Every step is verified" "cmdline: verified" \
	"modules: verified" "vm: verified"
tui_keys Escape
shows "┌ Steps" >/dev/null
tui_keys Down Down Down Enter
check "the picker after the reboot: groups, the HD 4600 on vfio-pci" \
	shows "IOMMU group 1" "[8086:0412], driver" "vfio-pci, IOMMU group 1"
check "the tree: 00:02.0 bound to vfio-pci" \
	sh -c 'readlink "$0" | grep -q "/vfio-pci$"' \
	"$root/sys/bus/pci/devices/0000:00:02.0/driver"
tui_keys Escape u
# the undo screen may first list the journal's transactions
if tui_wait "Enter Open" 3 >/dev/null 2>&1; then
	tui_keys Enter
fi
check "u: what undo would put back" \
	shows "Undo: what would be put back" \
	"/etc/pve/qemu-server/100.conf: restored as it was" \
	"-hostpci0: 0000:00:02.0,legacy-igd=1"
tui_keys Enter
check "Enter: asks before undoing" shows "Put every file back"
tui_keys y
check "undo: every file back" \
	tui_wait "Undone: every file is back as it was." 90
check "undo: the host booted with the changes: reboot it" \
	shows "The host still runs with the passthrough settings: reboot it"
check "undo: q, y: exit 4 (a reboot is needed)" tui_quit_with 4
tui_stop
tui_files_manifest "$root" >"$work/undone-files"
tap_same_file "$work/orig-files" "$work/undone-files" \
	"undo: the files are the pristine copy's again"

# --- 7. German, up to the review ---
tui_replay i7-4770-pve8 "$root"
mkdir -p "$work/locale/de/LC_MESSAGES"
de_loc=C.UTF-8
if locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
	de_loc=de_DE.UTF-8
fi
if command -v msgfmt >/dev/null 2>&1 &&
	msgfmt -o "$work/locale/de/LC_MESSAGES/vfio-wizard.mo" \
		"$top_srcdir/po/de.po" 2>/dev/null; then
	VFIO_WIZARD_LOCALEDIR=$work/locale
	tui_start "$root" 80 24 LC_ALL=$de_loc LANGUAGE=de --
	shows "┌ Schritte" >/dev/null
	tui_keys Enter Enter Enter
	check "German ($de_loc): the devices step" \
		shows "┌ Geräte" "noch kein Gerät gewählt"
	tui_keys Enter /
	tui_send -l graphics
	tui_keys Enter Space Escape
	check "German: the picker, the iGPU chosen, its audio goes along" \
		shows "✓ 0000:00:02.0 [gewählt]" "✓ 0000:00:03.0 [geht mit]" \
		"┌ Urteil"
	tui_keys Escape Enter
	check "German: the mode choice with its why" \
		shows "┌ Modus und VM" \
		"legacy-igd (empfohlen) — die ganze iGPU an eine VM (GVT-d)" \
		"┌ Warum" "Virtuelle Maschine"
	tui_keys Enter Down Enter Escape Enter
	check "German: the review" \
		shows "Änderungen prüfen, dann anwenden" "Enter Anwenden" \
		"/etc/default/grub.d/vfio-wizard.cfg: neue Datei"
	review=$(all_pages)
	check "German: the review holds the hostpci lines" \
		has_all "$review" "+hostpci0: 0000:00:02.0,legacy-igd=1" \
		"+hostpci1: 0000:00:03.0" "/etc/pve/qemu-server/100.conf: geändert"
	check "German: q, y: exit 0, nothing written" \
		tui_quit_with 0 "vfio-wizard beenden?"
	tui_stop
	unset VFIO_WIZARD_LOCALEDIR
	check "German: the tree untouched" \
		test ! -e "$root/etc/modprobe.d/vfio-wizard.conf"
else
	tap_skip "German: the journey up to the review" \
		"msgfmt is not installed"
fi

# --- shared-group-sata: the block on screen, lifted, then the review ---
tui_replay shared-group-sata "$root"
cp -a "$root" "$work/pristine-sg"
tui_start "$root" 80 24 LC_ALL=C.UTF-8 --
shows "┌ Steps" >/dev/null
tui_keys Down Down Down
check "shared group: the Devices step shows the GPU blocked and why" \
	shows "✗ 0000:06:00.0 (GP107 [GeForce GTX 1050 Ti]) cannot be" \
	"IOMMU group 13 also holds 0000:01:00.1" "the management NIC"
tui_keys Enter /
tui_send -l 06:00
tui_keys Enter Space
check "Space on the blocked GPU: the block and the phrase to type" \
	shows "Typed confirmation" "SATA Controller), the controller of the root" \
	"type exactly: take 0000:01:00.1"
tui_keys Escape
check "Esc on the phrase: cancelled, nothing chosen" \
	shows "Cancelled: 0000:06:00.0 is not chosen"
check "cancelled: the GPU has no check mark" absent "✓   0000:06:00.0"
tui_keys Space
for dev in 01:00.1 04:00.0 05:00.0; do
	tui_wait "take 0000:$dev from the host" >/dev/null
	tui_send -l "take 0000:$dev from the host"
	tui_keys Enter
done
check "the phrases typed: the GPU and its audio function chosen" \
	shows "✓   0000:06:00.0 [chosen]" "✓   0000:06:00.1 [goes along]"
tui_keys Escape Escape
check "Esc, Esc: the steps, on to VM config" \
	shows "┌ VM config" "✓ Devices"
tui_keys Enter
check "VM config: vfio for the card, the q35/OVMF VM 100" \
	shows "✓   vfio — the whole device to one VM" \
	"100   win10-games      pc-q35-9.0 ovmf — stopped"
check "the cursor on VM 100: its config file below" \
	shows "/etc/pve/qemu-server/100.conf"
tui_keys Enter
check "Enter: VM 100 chosen" shows "✓   100   win10-games"
tui_keys Escape Enter
check "Enter on Reboot: the review" \
	shows "Review the changes, then apply them" "Enter Apply"
review=$(all_pages)
check "review: the whole card (both functions) to VM 100, pcie=1 on q35" \
	has_all "$review" "+hostpci0: 0000:06:00,pcie=1"
check "review: the group's devices to vfio-pci, the SATA controller too" \
	has_all "$review" "10de:1c82,10de:0fb9,1022:43b9,1022:43b5" \
	"+softdep ahci pre: vfio-pci" "+softdep igb pre: vfio-pci"
check "review: only the card goes to the VM, no host device" \
	sh -c '! printf "%s\n" "$0" | grep -q "+hostpci1"' "$review"
check "review: each lifted guard named in the notes" \
	has_all "$review" "CRITICAL-DEVICE GUARD LIFTED by the typed" \
	"confirmation 'take 0000:01:00.1" "'vfio-wizard undo' and a reboot give"
check "shared group: q, y without applying: exit 0" tui_quit_with 0
tui_stop
check "shared group: the tree untouched" \
	same_files "$work/pristine-sg" "$root"

tap_done
