#!/bin/sh
# afterboot.sh: the verification after the reboot, end to end, every run
# of the wizard and of reboot-sim under the tripwire. On the i7-4770 host
# with the iGPU and its HDMI audio (legacy IGD): apply --yes, then resume
# before any reboot says a reboot is still needed (exit 4); a good
# simulated reboot verifies every step (exit 0). Then, for each way a real
# boot goes wrong (reboot-sim --fault: the bootloader not refreshed, VT-d
# off in the firmware, the initramfs not rebuilt), on a fresh tree: resume
# fails and names the likely cause and the next action, status says it
# too, and undo followed by a good boot gives back the original tree byte
# for byte.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"
. "$top_srcdir/tests/lib/scenario.sh"

[ -x "$sim" ] || tap_bail "$sim is not built"
sc_setup afterboot

root=$work/root
devices="--device 00:02.0 --device 00:03.0"

# says FILE DESC TEXT: ok when FILE holds TEXT (a fixed string).
says() {
	if grep -qF -- "$3" "$work/$1"; then
		tap_ok "$name: $2"
	else
		tap_not_ok "$name: $2"
		tap_diag "expected: $3"
		tap_diag_file "$work/$1"
	fi
}

# fresh: the i7-4770 host, applied, not rebooted yet.
fresh() {
	rm -rf "$root"
	"$wizard" replay "$hosts/i7-4770-pve8.yaml" "$root" >/dev/null ||
		tap_bail "$name: replay failed"
	tree_manifest "$root" >"$work/orig"
	boot_id=$(cat "$root/proc/sys/kernel/random/boot_id")
	# shellcheck disable=SC2086
	wiz apply apply --yes $devices
	expect_status 4 "apply --yes says a reboot is needed" apply
}

# back: undo, then a good boot gives back the original tree.
back() {
	wiz undo undo
	# the host booted with the changes: undone, a reboot is needed (4)
	expect_status 4 "undo after the failed boot" undo
	run sim "$sim" --boot-id "$boot_id" "$root"
	expect_status 0 "a good boot after the undo" sim
	tree_manifest "$root" >"$work/t"
	tap_same_file "$work/orig" "$work/t" \
		"$name: undo and a good boot give back the original tree"
}

# --- before the reboot, then a good one ---
name=good
fresh
wiz resume resume
expect_status 4 "resume before the reboot" resume
says resume "resume says a reboot is still needed" \
	"a reboot is still needed"
run sim "$sim" "$root"
expect_status 0 "reboot-sim without a fault" sim
wiz resume resume
expect_status 0 "resume after the reboot" resume
says resume "the command line and the IOMMU are verified" \
	"cmdline: verified: the running kernel has the parameters and the IOMMU is active"
says resume "the modules are verified" "modules: verified"
says resume "the VM step is verified" "vm: verified"
if grep -q FAILED "$work/resume"; then
	tap_not_ok "$name: no step failed"
	tap_diag_file "$work/resume"
else
	tap_ok "$name: no step failed"
fi
wiz status status
says status "status says it is verified" "Applied and verified."
back

# fault NAME: a fresh tree, applied, booted with the fault; resume fails.
fault() {
	name=$1
	fresh
	run sim "$sim" --fault "$1" "$root"
	expect_status 0 "reboot-sim --fault $1" sim
	wiz resume resume
	expect_status 1 "resume finds what did not take effect" resume
	wiz status status
	says status "status says not every change took effect" \
		"after the reboot not every change took effect"
}

# --- update-grub did not run: the old command line booted ---
fault stale-bootloader
says resume "the parameters are missing from /proc/cmdline" \
	"cmdline: FAILED: the running kernel was not booted with the parameters (/proc/cmdline: intel_iommu=on is missing"
says resume "... although the configuration has them" \
	"although the configuration (/etc/default/grub, /etc/default/grub.d) has them"
says resume "likely cause: grub.cfg was not regenerated" \
	"likely cause: grub.cfg was not regenerated: 'update-grub' did not run or failed"
says resume "next: run update-grub, then reboot" "next: run 'update-grub'"
says resume "the devices wait for the IOMMU" \
	"without an active IOMMU it has no IOMMU group"
says status "status names the cause" "grub.cfg was not regenerated"
back

# --- VT-d disabled in the firmware setup ---
fault iommu-off
says resume "the IOMMU is not active and the DMAR table is missing" \
	"the firmware publishes no DMAR table (/sys/firmware/acpi/tables/DMAR is missing)"
says resume "likely cause: VT-d is off in the firmware setup" \
	"likely cause: VT-d is disabled in the firmware setup"
says resume "next: enable VT-d in the BIOS setup" \
	"next: enable 'VT-d' in the BIOS/UEFI setup"
says status "status names the cause" "VT-d is disabled in the firmware setup"
back

# --- update-initramfs did not run: i915 and snd_hda_intel load first ---
fault stale-initramfs
says resume "the command line took effect" "cmdline: verified"
says resume "the iGPU is still on i915" \
	"0000:00:02.0 (Xeon E3-1200 v3/4th Gen Core Processor Integrated Graphics Controller) is still driven by i915, not vfio-pci"
says resume "the HDMI audio is still on snd_hda_intel" \
	"is still driven by snd_hda_intel, not vfio-pci"
says resume "likely cause: the initramfs was not rebuilt" \
	"the initramfs was probably not rebuilt and i915 loaded from it first"
says resume "next: update-initramfs, then reboot" \
	"next: run 'update-initramfs -u -k all'"
says status "status names the cause" "the initramfs was probably not rebuilt"
back

# --- the initramfs rebuilt after the failure: the next boot verifies ---
name=fixed
fresh
run sim "$sim" --fault stale-initramfs "$root"
wiz resume resume
expect_status 1 "a first boot with a stale initramfs fails" resume
run sim "$sim" "$root"
wiz resume resume
expect_status 0 "the next good boot verifies" resume
wiz status status
says status "status says it is verified" "Applied and verified."
tap_done
