#!/bin/sh
# test-reboot-sim.sh: tests/tools/reboot-sim, the simulated reboot
# (doc/reboot-sim.md), every run under the tripwire. On the i7-4770 host
# with the files a passthrough setup writes (a grub.d drop-in with
# intel_iommu=on iommu=pt, options vfio-pci ids= with softdeps, a
# modules-load.d list): the new /proc/cmdline, a new boot id, the IOMMU on
# with the groups and sysfs of the finished host (i7-4770-pve8-done), the
# iGPU and its HDMI audio on vfio-pci, the PCH audio still on snd_hda_intel,
# /dev/vfio, and `vfio-wizard check` reading the IOMMU as on. Without the
# softdeps, without intel_iommu=on, with blacklists: the documented
# outcomes; a driver_override install line binds by address. A second run
# changes only the boot id; taking the setup away and booting again gives
# back the original tree byte for byte. The Comet Lake
# host boots what /etc/kernel/cmdline says (systemd-boot) and gets GVT-g's
# mdev types; the Alder Lake host's iGPU gets the VFs /etc/sysfs.conf asks
# for, as replay writes them for a spec that lists them. A tree replay did
# not write is refused and left alone; every fixture host boots.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"

sim=$(tw_abs "$top_builddir/tests/tools/reboot-sim")
wizard=$(tw_abs "$top_builddir/vfio-wizard")
hosts=$(tw_abs "$top_srcdir/tests/hosts")
LC_ALL=C
LANGUAGE=
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$(tw_abs "$top_srcdir/data")}
export LC_ALL LANGUAGE VFIO_WIZARD_DATADIR
unset LANG LC_MESSAGES VFIO_WIZARD_LOCALEDIR

[ -x "$sim" ] || tap_bail "$sim is not built"
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-rsim.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
TMPDIR=$work/tmp
mkdir "$TMPDIR"
export TMPDIR

id1=6a1d0c7e-5b2f-4e83-9d41-0c7f3e2a9b15
id2=0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b
igpu=0000:00:02.0
hdmi=0000:00:03.0
pch=0000:00:1b.0

# rsim ROOT ARGS...: reboot-sim on ROOT under the tripwire; stdout in
# $work/out, stderr in $work/err, the exit status in $status.
rsim() {
	r_root=$1
	shift
	tw_run "$r_root" "$sim" "$@" "$r_root" >"$work/out" 2>"$work/err" \
		</dev/null
	r_rc=$?
	status=$tw_status
	if [ "$r_rc" -eq 99 ]; then
		tap_not_ok "tripwire: reboot-sim $* stayed inside the root"
		tap_diag_file "$work/err"
	fi
}

expect_status() {
	if [ "$status" -eq "$1" ]; then
		tap_ok "$2 (exit $1)"
	else
		tap_not_ok "$2 (exit $1, got $status)"
		tap_diag_file "$work/out"
		tap_diag_file "$work/err"
	fi
}

# check DESC CMD...: ok when CMD succeeds.
check() {
	c_desc=$1
	shift
	if "$@"; then
		tap_ok "$c_desc"
	else
		tap_not_ok "$c_desc"
		tap_diag_file "$work/out"
	fi
}

replay() {
	"$wizard" replay "$hosts/$1.yaml" "$2" >/dev/null ||
		tap_bail "replay of $1 failed"
}

# setup ROOT GRUB-ARGS MODPROBE-TEXT: the files of a passthrough setup.
setup() {
	mkdir -p "$1/etc/default/grub.d" "$1/etc/modprobe.d" \
		"$1/etc/modules-load.d"
	printf 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT %s"\n' \
		"$2" >"$1/etc/default/grub.d/vfio.cfg"
	printf '%s' "$3" >"$1/etc/modprobe.d/x.conf"
	printf 'vfio\nvfio_iommu_type1\nvfio_pci\n' \
		>"$1/etc/modules-load.d/vfio.conf"
}

driver_of() {
	d_link=$(readlink "$1/sys/bus/pci/devices/$2/driver" 2>/dev/null) ||
		d_link=none
	echo "${d_link##*/}"
}

is_driver() {
	[ "$(driver_of "$1" "$2")" = "$3" ]
}

ids='options vfio-pci ids=8086:0412,8086:0c0c
'
softdeps='softdep i915 pre: vfio-pci
softdep snd_hda_intel pre: vfio-pci
'

# --- the i7-4770 host with the whole setup ---
root=$work/i7
replay i7-4770-pve8 "$root"
tree_manifest "$root" >"$work/orig"
old_id=$(cat "$root/proc/sys/kernel/random/boot_id")
setup "$root" "intel_iommu=on iommu=pt" "$ids$softdeps"
rsim "$root" --boot-id "$id1"
expect_status 0 "reboot-sim boots the i7-4770 setup"
tap_same_text \
	"BOOT_IMAGE=/boot/vmlinuz-6.5.13-3-pve root=/dev/mapper/pve-root ro quiet intel_iommu=on iommu=pt" \
	"$(cat "$root/proc/cmdline")" \
	"/proc/cmdline is GRUB's line with the drop-in's parameters"
check "the boot id changed ($old_id -> $id1)" \
	test "$(cat "$root/proc/sys/kernel/random/boot_id")" = "$id1"
check "the summary says the IOMMU is on" \
	grep -q '^iommu: on: DMAR table and intel_iommu=on$' "$work/out"
check "IOMMU units dmar0 and dmar1" \
	test "$(ls "$root/sys/class/iommu" | tr '\n' ' ')" = "dmar0 dmar1 "
check "13 IOMMU groups" \
	test "$(ls "$root/sys/kernel/iommu_groups" | wc -l)" -eq 13
check "00:02.0 (the iGPU) is on vfio-pci" is_driver "$root" $igpu vfio-pci
check "00:03.0 (its HDMI audio) is on vfio-pci" \
	is_driver "$root" $hdmi vfio-pci
check "00:1b.0 (the PCH audio) is still on snd_hda_intel" \
	is_driver "$root" $pch snd_hda_intel
check "/dev/vfio/1 and /dev/vfio/2 exist, and nothing else but vfio" \
	test "$(ls "$root/dev/vfio" | tr '\n' ' ')" = "1 2 vfio "
check "vfio_pci and vfio_iommu_type1 are in /proc/modules" sh -c \
	"grep -q '^vfio_pci ' '$root/proc/modules' &&
	 grep -q '^vfio_iommu_type1 ' '$root/proc/modules'"
check "i915 stays loaded (udev loads it; the softdep only orders)" \
	grep -q '^i915 ' "$root/proc/modules"

# the groups and device sysfs equal the finished host's
replay i7-4770-pve8-done "$work/done"
for d in sys/kernel/iommu_groups sys/class/iommu sys/devices; do
	tree_manifest "$root/$d" >"$work/m.sim"
	tree_manifest "$work/done/$d" >"$work/m.done"
	tap_same_file "$work/m.done" "$work/m.sim" \
		"/$d equals the i7-4770-pve8-done host's"
done

tw_run "$root" "$wizard" check --root "$root" --json >"$work/check" \
	2>&1 </dev/null
c_rc=$?
check "vfio-wizard check --root runs on the result (exit $tw_status)" \
	test "$c_rc" -ne 99 -a "$tw_status" -le 4
check "vfio-wizard check reads the IOMMU as on" \
	sh -c "grep -A1 '\"iommu\": {' '$work/check' | grep -q '\"active\": true'"

tree_manifest "$root" >"$work/first"
rsim "$root" --boot-id "$id2"
expect_status 0 "a second run"
check "a second run changes the boot id only" \
	grep -q '^changes: 1$' "$work/out"
tree_manifest "$root" >"$work/second"
grep -v 'random/boot_id' "$work/first" >"$work/first.x"
grep -v 'random/boot_id' "$work/second" >"$work/second.x"
tap_same_file "$work/first.x" "$work/second.x" \
	"apart from the boot id the tree is the same after a second run"
rsim "$root" --dry-run --boot-id "$id1"
expect_status 0 "a dry run"
tree_manifest "$root" >"$work/third"
tap_same_file "$work/second" "$work/third" "a dry run changes nothing"

# the setup taken away: the original tree comes back
rm "$root/etc/default/grub.d/vfio.cfg" "$root/etc/modprobe.d/x.conf" \
	"$root/etc/modules-load.d/vfio.conf"
rsim "$root" --boot-id "$old_id"
expect_status 0 "booting without the setup"
tree_manifest "$root" >"$work/back"
tap_same_file "$work/orig" "$work/back" \
	"without the setup the tree is the original replay byte for byte"

# --- without the softdeps: i915 wins the race ---
root=$work/nosoft
replay i7-4770-pve8 "$root"
setup "$root" "intel_iommu=on iommu=pt" "$ids"
rsim "$root"
expect_status 0 "the setup without softdeps"
check "without the softdep 00:02.0 stays on i915" is_driver "$root" $igpu i915
check "... and 00:03.0 on snd_hda_intel" \
	is_driver "$root" $hdmi snd_hda_intel
check "the summary names the race" \
	grep -q "^driver $igpu: i915 -> i915 (vfio-pci ids 8086:0412, but nothing makes vfio-pci load before i915" \
	"$work/out"
check "the IOMMU is on, with no /dev/vfio group" \
	sh -c "test -d '$root/sys/class/iommu/dmar0' && ! test -e '$root/dev/vfio/1'"

# --- without intel_iommu=on: no IOMMU, vfio-pci's probe fails ---
root=$work/noiommu
replay i7-4770-pve8 "$root"
setup "$root" "iommu=pt" "$ids$softdeps"
rsim "$root"
expect_status 0 "the setup without intel_iommu=on"
check "the summary says the IOMMU is off and why" \
	grep -q '^iommu: off: DMAR table, but no intel_iommu=on and CONFIG_INTEL_IOMMU_DEFAULT_ON is not set$' \
	"$work/out"
check "no IOMMU units and no groups" \
	test -z "$(ls -A "$root/sys/class/iommu")$(ls -A "$root/sys/kernel/iommu_groups")"
check "00:02.0 has no iommu_group link" \
	test ! -e "$root/sys/bus/pci/devices/$igpu/iommu_group"
check "vfio-pci fails without a group; i915 (after it) takes 00:02.0" \
	is_driver "$root" $igpu i915
check "the summary says why" \
	grep -q "^driver $igpu: i915 -> i915 (vfio-pci ids 8086:0412, but no IOMMU group" \
	"$work/out"

# --- blacklists instead of softdeps ---
root=$work/blacklist
replay i7-4770-pve8 "$root"
setup "$root" "intel_iommu=on" "${ids}blacklist i915
"
rsim "$root"
expect_status 0 "the setup with blacklist i915"
check "with i915 blacklisted 00:02.0 is on vfio-pci" \
	is_driver "$root" $igpu vfio-pci
check "and i915 is not loaded" sh -c "! grep -q '^i915 ' '$root/proc/modules'"
check "group type DMA without iommu=pt" \
	test "$(cat "$root/sys/kernel/iommu_groups/1/type")" = DMA
setup "$root" "" "${ids}blacklist i915
"
rsim "$root"
check "blacklisted and no IOMMU: 00:02.0 has no driver" \
	is_driver "$root" $igpu none

# --- binding by address: the install line the modules step writes ---
root=$work/override
replay i7-4770-pve8 "$root"
ovr='install vfio-pci echo vfio-pci > /sys/bus/pci/devices/0000:00:02.0/driver_override; echo vfio-pci > /sys/bus/pci/devices/0000:00:03.0/driver_override; /sbin/modprobe --ignore-install vfio-pci $CMDLINE_OPTS
'
setup "$root" "intel_iommu=on" "$ovr$softdeps"
rsim "$root"
expect_status 0 "the setup with a driver_override install line"
check "00:02.0 and 00:03.0 are on vfio-pci by address" sh -c \
	"test \"\$(readlink '$root/sys/bus/pci/devices/$igpu/driver')\" = ../../../bus/pci/drivers/vfio-pci &&
	 test \"\$(readlink '$root/sys/bus/pci/devices/$hdmi/driver')\" = ../../../bus/pci/drivers/vfio-pci"
check "their driver_override says vfio-pci, 00:1b.0's (null)" test \
	"$(cat "$root/sys/bus/pci/devices/$igpu/driver_override" \
		"$root/sys/bus/pci/devices/$pch/driver_override" | tr '\n' ' ')" \
	= "vfio-pci (null) "

# --- Comet Lake: systemd-boot, /etc/kernel/cmdline, GVT-g ---
root=$work/cml
replay cometlake-zfs-sdboot "$root"
groups_before=$(cd "$root/sys/kernel/iommu_groups" && ls -d */devices/* | sort)
printf 'GRUB_CMDLINE_LINUX_DEFAULT="intel_iommu=off"\n' \
	>"$root/etc/default/grub.d/unused.cfg"
echo "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt i915.enable_gvt=1" \
	>"$root/etc/kernel/cmdline"
printf 'vfio\nvfio_iommu_type1\nvfio_pci\nkvmgt\n' \
	>"$root/etc/modules-load.d/vfio.conf"
rsim "$root"
expect_status 0 "the Comet Lake host with GVT-g"
tap_same_text \
	'initrd=\EFI\proxmox\6.8.12-4-pve\initrd.img-6.8.12-4-pve root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt i915.enable_gvt=1' \
	"$(cat "$root/proc/cmdline")" \
	"/etc/kernel/cmdline drives /proc/cmdline; GRUB's files do not"
check "the groups the tree had are kept" test "$groups_before" = \
	"$(cd "$root/sys/kernel/iommu_groups" && ls -d */devices/* | sort)"
check "group type identity with iommu=pt" \
	test "$(cat "$root/sys/kernel/iommu_groups/0/type")" = identity
t=$root/sys/bus/pci/devices/$igpu/mdev_supported_types
check "GVT-g: i915-GVTg_V5_4 and _8 under the iGPU" \
	test "$(ls "$t" | tr '\n' ' ')" = "i915-GVTg_V5_4 i915-GVTg_V5_8 "
check "the type's name, device_api and instances" test \
	"$(cat "$t/i915-GVTg_V5_4/name" "$t/i915-GVTg_V5_4/device_api" \
		"$t/i915-GVTg_V5_4/available_instances" | tr '\n' ' ')" = \
	"GVTg_V5_4 vfio-pci 1 "
check "the iGPU stays on i915 for GVT-g" is_driver "$root" $igpu i915
check "kvmgt is loaded" grep -q '^kvmgt ' "$root/proc/modules"

# --- Alder Lake: SR-IOV VFs of the iGPU from /etc/sysfs.conf ---
root=$work/adl
replay alderlake-uefi-grub "$root"
echo "devices/pci0000:00/$igpu/sriov_numvfs = 7" >"$root/etc/sysfs.conf"
rsim "$root"
expect_status 0 "VFs asked for, without i915.max_vfs"
check "no VF, and a warning why" sh -c \
	"test ! -e '$root/sys/bus/pci/devices/0000:00:02.1' &&
	 grep -q 'i915 has no max_vfs that large' '$work/err'"
printf 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT %s"\n' \
	"intel_iommu=on i915.enable_guc=3 i915.max_vfs=7" \
	>"$root/etc/default/grub.d/sriov.cfg"
rsim "$root"
expect_status 0 "VFs asked for, with i915.max_vfs=7"
check "seven VFs 00:02.1 to 00:02.7 (no eighth), on i915" sh -c \
	"for f in 1 2 3 4 5 6 7; do
		test \"\$(readlink '$root/sys/bus/pci/devices/0000:00:02.'\$f/driver)\" \\
			= ../../../bus/pci/drivers/i915 || exit 1
	 done; test ! -e '$root/sys/bus/pci/devices/0000:00:03.0'"
check "the PF's sriov_numvfs is 7" \
	test "$(cat "$root/sys/bus/pci/devices/$igpu/sriov_numvfs")" = 7
# the same host with its VFs listed in the spec
awk '/^    sriov: \{ total: 7, num: 0 \}$/ && !done {
		print "    sriov: { total: 7, num: 7 }"; done = 1; next }
	/^  - address: "0000:00:04.0"$/ {
		for (f = 1; f <= 7; f++)
			printf "  - address: \"0000:00:02.%d\"\n    id: \"8086:4680\"\n    subsys: \"1028:0ac1\"\n    class: \"030000\"\n    rev: 12\n    driver: i915\n    group: %d\n    physfn: \"0000:00:02.0\"\n", f, 10 + f
	}
	{ print }' "$hosts/alderlake-uefi-grub.yaml" >"$work/adl-vfs.yaml"
if "$wizard" replay "$work/adl-vfs.yaml" "$work/adl-vfs" >"$work/out" 2>&1
then
	for d in sys/devices sys/kernel/iommu_groups; do
		tree_manifest "$root/$d" >"$work/m.sim"
		tree_manifest "$work/adl-vfs/$d" >"$work/m.spec"
		tap_same_file "$work/m.spec" "$work/m.sim" \
			"/$d equals replay's for a spec listing the VFs"
	done
else
	tap_not_ok "replay of the Alder Lake host with VFs listed"
	tap_diag_file "$work/out"
fi
rsim "$root"
check "with the VFs there, a second run changes the boot id only" \
	grep -q '^changes: 1$' "$work/out"

# --- refusals ---
mkdir -p "$work/plain/proc"
echo "quiet" >"$work/plain/proc/cmdline"
tree_manifest "$work/plain" >"$work/plain.before"
rsim "$work/plain"
expect_status 1 "a tree replay did not write is refused"
check "with a message saying so" \
	grep -q "is not a tree that 'vfio-wizard replay' wrote" "$work/err"
tree_manifest "$work/plain" >"$work/plain.after"
tap_same_file "$work/plain.before" "$work/plain.after" \
	"the refused tree is left alone"
"$sim" / >"$work/out" 2>"$work/err"
status=$?
expect_status 1 "the machine itself (/) is refused"
rsim "$work/i7" --boot-id NOT-A-UUID
expect_status 1 "a malformed --boot-id is refused"
"$sim" >"$work/out" 2>"$work/err"
status=$?
expect_status 2 "no ROOT is a usage error"

# --- every fixture host boots, and boots again the same ---
for spec in "$hosts"/*.yaml; do
	name=$(basename "$spec" .yaml)
	root=$work/host-$name
	replay "$name" "$root"
	rsim "$root"
	expect_status 0 "$name boots"
	rsim "$root"
	check "$name boots again with only a new boot id" \
		grep -q '^changes: 1$' "$work/out"
	rm -rf "$root"
done

tap_done
