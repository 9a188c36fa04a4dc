#!/bin/sh
# guardlift.sh: lifting the critical-device guard by typed confirmation, end
# to end on the shared-group host (a GTX 1050 Ti whose IOMMU group 13 also
# holds the root disk's SATA controller and both NICs of the management
# bond), every run under the tripwire. Without confirmations apply is
# refused (exit 3) with the exact phrase for each guarded device and the
# ACS advice, and nothing changes; a mistyped phrase lifts nothing and the
# refusal repeats the right one. With the right phrases the plan notes
# each lifted guard and the siblings that go to vfio-pci (not to the VM),
# apply --yes succeeds (exit 4) and prints the notes, status shows the
# confirmations from the journal, and undo gives back the original tree
# byte for byte. The same through an answers file.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"
. "$top_srcdir/tests/lib/scenario.sh"

sc_setup guardlift
root=$work/root

sata='take 0000:01:00.1 from the host'
nic1='take 0000:04:00.0 from the host'
nic2='take 0000:05:00.0 from the host'
typo='take 0000:05:00.0 from teh host'

# has FILE TEXT DESC: FILE holds TEXT (a fixed string).
has() {
	if grep -qF -e "$2" "$1"; then
		tap_ok "$name: $3"
	else
		tap_not_ok "$name: $3"
		tap_diag "lacks: $2"
		tap_diag_file "$1"
	fi
}

lacks() {
	if grep -qF -e "$2" "$1"; then
		tap_not_ok "$name: $3"
		tap_diag "has: $2"
		tap_diag_file "$1"
	else
		tap_ok "$name: $3"
	fi
}

fresh() {
	rm -rf "$root"
	"$wizard" replay "$hosts/shared-group-sata.yaml" "$root" >/dev/null ||
		tap_bail "replay failed"
	tree_manifest "$root" >"$work/orig"
}

unchanged() {
	tree_manifest "$root" >"$work/t"
	tap_same_file "$work/orig" "$work/t" "$name: $1"
}

dev='--device 06:00.0 --device 06:00.1 --vm 100'

# 1. No confirmation: refused with every phrase and the way out.
name=refused
fresh
# shellcheck disable=SC2086
wiz "$work/out" apply --yes $dev
expect_status 3 "apply is refused" "$work/out"
has "$work/out" "--confirm '$sata' --confirm '$nic1' --confirm '$nic2'" \
	"the refusal names the phrase of each guarded device"
has "$work/out" "move the card to another slot" "it names the real fix"
has "$work/out" "the ACS override (pcie_acs_override=, a Proxmox kernel patch, not upstream) is a last resort" \
	"it explains the ACS override as a last resort"
has "$work/out" "vfio-wizard never applies it" "... that is never applied"
unchanged "nothing changed"

# 2. A typo lifts nothing: the refusal repeats the right phrase.
name=typo
# shellcheck disable=SC2086
wiz "$work/out" apply --yes $dev --confirm "$sata" --confirm "$nic1" \
	--confirm "$typo"
expect_status 3 "apply with a mistyped phrase is refused" "$work/out"
has "$work/out" "--confirm '$nic2'" "the refusal repeats the right phrase"
has "$work/out" "match none of them: '$typo'" "and names the typo"
lacks "$work/out" "--confirm '$sata'" "the lifted guards are not asked again"
unchanged "nothing changed"
# shellcheck disable=SC2086
wiz "$work/out" plan $dev --confirm "$sata" --confirm "$nic1" \
	--confirm "$nic2" --confirm 'take 0000:01:00.0 from the host'
expect_status 1 "a phrase for a device the host does not need is refused" \
	"$work/out"
has "$work/out" "'take 0000:01:00.0 from the host' lifts no block" \
	"... and named"

# 3. The right phrases: plan, apply, status, undo.
name=confirmed
# shellcheck disable=SC2086
wiz "$work/plan" plan $dev --confirm "$sata" --confirm "$nic1" \
	--confirm "$nic2"
expect_status 0 "plan" "$work/plan"
has "$work/plan" "CRITICAL-DEVICE GUARD LIFTED by the typed confirmation '$sata': 0000:01:00.1 (X370 Series Chipset SATA Controller) is the controller of the root filesystem, and vfio-pci claims it at boot, which will take the host's disk away" \
	"the plan notes the lifted guard of the root disk's controller"
has "$work/plan" "CRITICAL-DEVICE GUARD LIFTED by the typed confirmation '$nic2'" \
	"... and of each NIC"
has "$work/plan" "IOMMU group 13 also holds 0000:01:00.0 (X370 Series Chipset USB 3.1 xHCI Controller), 0000:01:00.1 (X370 Series Chipset SATA Controller), 0000:03:00.0 (ASM1143 USB 3.1 Host Controller), 0000:04:00.0 (I211 Gigabit Network Connection), 0000:05:00.0 (Killer E2500 Gigabit Ethernet Controller): vfio-pci claims them at boot as well" \
	"the siblings going to vfio-pci are named"
has "$work/plan" "+options vfio-pci ids=10de:1c82,10de:0fb9,1022:43b9,1022:43b5,1b21:1343,8086:1539,1969:e0b1" \
	"vfio-pci claims the whole group"
has "$work/plan" "+hostpci0: 0000:06:00,pcie=1" "the VM gets the GPU"
lacks "$work/plan" "hostpci1" "... and none of the siblings"
# shellcheck disable=SC2086
wiz "$work/apply" apply --yes $dev --confirm "$sata" --confirm "$nic1" \
	--confirm "$nic2"
expect_status 4 "apply --yes says a reboot is needed" "$work/apply"
has "$work/apply" "CRITICAL-DEVICE GUARD LIFTED by the typed confirmation '$sata'" \
	"apply prints the note"
wiz "$work/status" status
expect_status 0 "status" "$work/status"
has "$work/status" "confirm=$sata" "the journal keeps the confirmation"
has "$work/status" "critical-device guard lifted by the typed confirmation '$nic1'" \
	"status shows the lifted guard"
wiz "$work/undo" undo
expect_status 0 "undo" "$work/undo"
unchanged "undo gives back the original tree"

# 4. The same through an answers file.
name=answers
fresh
printf '%s\n' '# the GTX 1050 Ti, its group and all' \
	'devices: ["06:00.0", "0000:06:00.1"]' 'vm: 100' 'confirm:' \
	"  - $sata" "  - \"$nic1\"" "  - '$nic2'" >"$TMPDIR/answers.yaml"
wiz "$work/plan-answers" plan --answers "$TMPDIR/answers.yaml"
expect_status 0 "plan" "$work/plan-answers"
tap_same_file "$work/plan" "$work/plan-answers" \
	"$name: --answers plans exactly what the options plan"
printf '%s\n' 'devices: ["06:00.0", "06:00.1"]' 'confirm:' "  - $sata" \
	>"$TMPDIR/short.yaml"
wiz "$work/out" apply --yes --answers "$TMPDIR/short.yaml"
expect_status 3 "one confirmation of three is refused" "$work/out"
has "$work/out" "--confirm '$nic1' --confirm '$nic2'" \
	"the refusal names the missing phrases"
unchanged "nothing changed"
wiz "$work/apply" apply --yes --answers "$TMPDIR/answers.yaml"
expect_status 4 "apply --yes" "$work/apply"
wiz "$work/status" status
has "$work/status" "critical-device guard lifted by the typed confirmation '$sata'" \
	"status shows the lifted guard"
wiz "$work/undo" undo
expect_status 0 "undo" "$work/undo"
unchanged "undo gives back the original tree"
tap_done
