#!/bin/sh
# sriov.sh: the SR-IOV step end to end on the Alder Lake host (sysfsutils
# and i915-sriov-dkms installed), every run under the tripwire: apply for
# VM 100 writes /etc/sysfs.d/vfio-wizard.conf and gives the VM the first
# VF; after tests/tools/reboot-sim the VFs 00:02.1-.7 exist on the PF and
# resume verifies them, the VM's VF among them; undo gives back the tree.
# Then the failures after the reboot: the file removed before the boot (no
# VFs: resume names sysfsutils), and the refusal without sysfsutils.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"
. "$top_srcdir/tests/lib/scenario.sh"

sc_setup sriov
root=$work/root
pf=0000:00:02.0
attr=devices/pci0000:00/$pf/sriov_numvfs

# check DESC COMMAND...: ok when the command succeeds.
check() {
	c_desc=$1
	shift
	if "$@" >/dev/null 2>&1; then
		tap_ok "$c_desc"
	else
		tap_not_ok "$c_desc"
	fi
}

# has FILE TEXT DESC: ok when FILE holds TEXT (fixed string).
has() {
	if grep -qF -- "$2" "$1"; then
		tap_ok "$3"
	else
		tap_not_ok "$3"
		tap_diag_file "$1"
	fi
}

fresh() {
	rm -rf "$root"
	"$wizard" replay "$hosts/$1.yaml" "$root" >/dev/null ||
		tap_bail "replay of $1 failed"
}

fresh alderlake-uefi-grub
tree_manifest "$root" >"$work/orig"
wiz "$work/apply" apply --yes --device 00:02.0 --mode sr-iov --vm 100
expect_status 4 "apply --yes says a reboot is needed" "$work/apply"
has "$root/etc/sysfs.d/vfio-wizard.conf" "$attr = 7" \
	"sysfs.d/vfio-wizard.conf asks for 7 VFs of the PF"
has "$work/apply" "sriov: after-reboot: takes effect after the reboot" \
	"verify before the reboot: the file holds the line"
has "$root/etc/pve/nodes/pve-adl/qemu-server/100.conf" \
	"hostpci0: 0000:00:02.1" "VM 100 gets the first VF, 00:02.1"

run "$work/sim" "$sim" "$root"
expect_status 0 "reboot-sim boots the written configuration" "$work/sim"
check "the seven VFs 00:02.1-.7 exist, no eighth" sh -c "
	for f in 1 2 3 4 5 6 7; do
		test \"\$(basename \"\$(readlink '$root/sys/bus/pci/devices/0000:00:02.'\$f/physfn)\")\" = $pf || exit 1
	done; test ! -e '$root/sys/bus/pci/devices/0000:00:03.0'"
check "the PF's sriov_numvfs is 7" \
	test "$(cat "$root/sys/bus/pci/devices/$pf/sriov_numvfs")" = 7
wiz "$work/resume" resume
expect_status 0 "resume verifies after the reboot" "$work/resume"
has "$work/resume" "sriov: verified: $pf has its 7 VFs" \
	"resume: the PF has its VFs"
has "$work/resume" "vm: verified" "resume: the VM config with the VF holds"
wiz "$work/undo" undo
expect_status 4 "undo (after the boot: a reboot is needed)" "$work/undo"
check "undo removes sysfs.d/vfio-wizard.conf" \
	test ! -e "$root/etc/sysfs.d/vfio-wizard.conf"

# sysfsutils never saw the file: no VFs after the boot
fresh alderlake-uefi-grub
wiz "$work/apply" apply --yes --device 00:02.0 --mode sr-iov
expect_status 4 "apply without a VM" "$work/apply"
mv "$root/etc/sysfs.d/vfio-wizard.conf" "$TMPDIR/kept.conf"
run "$work/sim" "$sim" "$root"
mv "$TMPDIR/kept.conf" "$root/etc/sysfs.d/vfio-wizard.conf"
check "no VF without the sysfs.d line" \
	test ! -e "$root/sys/bus/pci/devices/0000:00:02.1"
wiz "$work/resume" resume
expect_status 1 "resume fails" "$work/resume"
has "$work/resume" "$pf has 0 VFs instead of 7" "... the PF has no VFs"
has "$work/resume" "systemctl status sysfsutils" \
	"... and sysfsutils is named as the likely cause"

# without sysfsutils: refused, nothing changed
fresh alderlake-uefi-grub
sed -e '/^  sysfsutils: /d' "$hosts/alderlake-uefi-grub.yaml" \
	>"$TMPDIR/no-sysfsutils.yaml"
rm -rf "$root"
"$wizard" replay "$TMPDIR/no-sysfsutils.yaml" "$root" >/dev/null ||
	tap_bail "replay without sysfsutils failed"
tree_manifest "$root" >"$work/orig"
wiz "$work/refusal" apply --yes --device 00:02.0 --mode sr-iov
if [ "$status" -ne 0 ] && [ "$status" -ne 4 ]; then
	tap_ok "without sysfsutils, apply is refused (exit $status)"
else
	tap_not_ok "without sysfsutils, apply is refused (exit $status)"
fi
has "$work/refusal" "install it with 'apt install sysfsutils'" \
	"... with the next action"
tree_manifest "$root" >"$work/t"
tap_same_file "$work/orig" "$work/t" "... and nothing changed"
tap_done
