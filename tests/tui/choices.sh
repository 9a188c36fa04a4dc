#!/bin/sh
# choices.sh: the CLI's last choices on the mode and VM screen, in tmux
# under the tripwire on replayed fixture hosts, each change seen in the
# plan's diff (d). Alder Lake (SR-IOV iGPU, sriov_totalvfs 7): the row
# "virtual functions: 7 (default, up to 7)"; 9 is refused as --vfs 9 is;
# 3 typed: the diff has i915.max_vfs=3 and sriov_numvfs = 3. Ryzen with an
# RTX 3060 for VM 100: the x-vga=1 toggle (hostpci0 gets x-vga=1, and
# loses it when switched off); "also blacklist a driver…": "nou veau" is
# refused, nvidia-drm becomes "blacklist nvidia_drm" in modprobe.d, and
# Enter on it removes it again. The key bar names what Enter does on the
# row: Type, Toggle, Remove. Skips when tmux is missing.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/tui/lib.sh"

tui_setup

hides() {
	for h_t in "$@"; do
		tui_gone "$h_t" 5 || return 1
	done
}

# --- Alder Lake: the SR-IOV VF count ---
tui_replay alderlake-uefi-grub "$work/al"
tui_start "$work/al" 80 24 LC_ALL=C.UTF-8 -- \
	--device 0000:00:02.0 --mode sr-iov
shows "┌ Steps" >/dev/null
tui_keys d
check "d: the default count in the diff" \
	shows "i915.max_vfs=7" "sriov_numvfs = 7"
tui_keys Escape Down Down Down Down Enter
check "Enter on VM config: the VF count row with its default" \
	shows "┌ Mode and VM" "Virtual functions (SR-IOV)" \
	"virtual functions: 7 (default, up to 7)"
check "no x-vga row for an iGPU" hides "x-vga=1"
tui_keys Down Down Down Down
check "the row's why: sriov_totalvfs" shows "sriov_totalvfs"
check "the key bar: Enter types the count" shows "Enter Type"
tui_keys Enter
check "Enter: asks for the count" \
	shows "┌ Virtual functions" "How many virtual functions (now 7)?"
tui_send -l 9
tui_keys Enter
check "9 is refused as --vfs 9 is" \
	shows "'9' is not a VF count this GPU offers (1 to 7)"
tui_keys Enter
shows "How many virtual functions" >/dev/null
tui_send -l 3
tui_keys Enter
check "3 chosen" shows "✓   virtual functions: 3 (up to 7)"
tui_keys Escape d
check "d: the plan has 3 VFs" shows "i915.max_vfs=3" "sriov_numvfs = 3"
tui_keys Escape
check "q, y: exit 0, no stray access" tui_quit_with 0
tui_stop

# --- Ryzen + RTX 3060: x-vga and the blacklist ---
tui_replay ryzen-nvidia "$work/ry"
tui_start "$work/ry" 80 24 LC_ALL=C.UTF-8 -- \
	--device 0000:05:00.0 --vm 100
shows "┌ Steps" >/dev/null
tui_keys d NPage
check "d: hostpci0 without x-vga" shows "+hostpci0: 0000:05:00.0,pcie=1"
check "no driver blacklisted yet" hides "+blacklist nvidia_drm" "x-vga=1"
tui_keys Escape Down Down Down Down Enter
check "the x-vga toggle for the whole GPU, with why" \
	shows "┌ Mode and VM" "·   x-vga=1: this GPU is the VM's display" \
	"vga: none implies it"
check "no VF count for a discrete GPU" hides "virtual functions:"
tui_keys Down Down Down
check "its why: the primary display" shows "primary VGA display"
check "the key bar: Enter toggles it" shows "Enter Toggle"
tui_keys Enter
check "Enter: x-vga=1 chosen" shows "✓   x-vga=1: this GPU is the VM's display"
# back on the steps the cursor moved on to Reboot: Up is VM config again
tui_keys Escape d NPage
check "d: hostpci0 gets x-vga=1" shows "+hostpci0: 0000:05:00.0,pcie=1,x-vga=1"
tui_keys Escape Up Enter Down Down Down Down
check "below: also blacklist a driver…" shows "also blacklist a driver…" \
	"Enter Type"
tui_keys Enter
shows "┌ Blacklist a driver" >/dev/null
tui_send -l "nou veau"
tui_keys Enter
check "a name that is no module is refused" \
	shows "'nou veau' is not a module name"
tui_keys Enter
shows "┌ Blacklist a driver" >/dev/null
tui_send -l nvidia-drm
tui_keys Enter
check "nvidia-drm listed as nvidia_drm, removable" \
	shows "✓   nvidia_drm — Enter removes it"
tui_keys Escape d NPage
check "d: modprobe.d blacklists it" shows "+blacklist nvidia_drm"
tui_keys Escape Up Enter Down Down Down Down
check "on it, the key bar: Enter removes it" shows "Enter Remove"
tui_keys Enter
check "Enter on it: removed" hides "nvidia_drm — Enter removes it"
tui_keys Up Enter
check "x-vga switched off" shows "·   x-vga=1: this GPU is the VM's display"
tui_keys Escape d NPage
check "d: neither is in the plan any more" \
	shows "+hostpci0: 0000:05:00.0,pcie=1"
check "no x-vga, no nvidia_drm" hides "x-vga=1" "+blacklist nvidia_drm"
tui_keys Escape
check "q, y: exit 0, no stray access" tui_quit_with 0
tui_stop

tap_done
