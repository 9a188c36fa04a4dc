#!/bin/sh
# e2e.sh: the whole flow on the fixture hosts, VM config included, every
# wizard and reboot-sim run under the tripwire. Per scenario (a host and
# the choices an administrator makes there):
#
#   check       its exit status and a golden of its verdicts (the chosen
#               GPU's block, every [FAIL] with its evidence, the summary);
#   plan --vm   the golden plan, the VM config's diff in it;
#   apply --yes exit 4, golden progress and verify lines, the golden tree
#               diff (the VM config included), a second plan is empty;
#   reboot-sim  tests/tools/reboot-sim (doc/reboot-sim.md) boots what
#               apply wrote, with a fixed new boot id; then the facts the
#               boot must show (drivers, /dev/vfio/<group>, /proc/cmdline,
#               mdev types, VFs) and the VM config's lines;
#   resume      exit 0, every step "verified", golden lines; status says
#               so; a second resume says the transaction is complete;
#   undo        exit 4 (the host booted with the changes: reboot), and
#               the original tree is back byte for byte.
#
# What "the original tree" means after a simulated reboot: /proc, /sys and
# /dev are the running kernel's, not files the wizard writes, and
# reboot-sim changed them; the wizard only writes below /etc (its
# allow-list, src/engine/allow.c) and its own state in /var/lib/vfio-wizard.
# So right after undo, every file outside /proc, /sys and /dev must equal
# the pristine replay's (tree_manifest: bytes, type, mode, owner; the
# journal, /run/lock and the fake commands' log left out as in hosts.sh).
# Then the restored configuration boots: a second simulated reboot with
# the pristine boot id must give the whole tree, /proc and /sys included,
# that the same simulated reboot gives the untouched pristine copy (not the
# pristine replay itself: reboot-sim registers the PCI drivers of loaded
# modules that have no device, where replay writes none). The groups'
# `type` files are left out of that comparison: without a
# CONFIG_IOMMU_DEFAULT_* line in the fixture's kernel config, reboot-sim
# keeps the type the previous boot had, so a boot with iommu=pt leaves
# `identity` behind even after iommu=pt is gone (doc/reboot-sim.md §3).
# On the Alder Lake host the iGPU's VFs, the PF's sriov_numvfs and config
# space, and the IOMMU groups (the VFs' own groups are numbered among
# them) are left out as well: reboot-sim keeps the VFs a tree has once
# nothing asks for them any more (doc/reboot-sim.md §10), where a real
# reboot would not create them.
#
# Refusals (a CPU without VT-d, the root disk's controller in the GPU's
# IOMMU group, a running VM) fail with the golden message and change
# nothing. The answers-file run: the i7-4770 flow from an answers file on
# two fresh copies of the host plans exactly what the options plan, writes
# the same tree, and the two trees are byte-identical after apply, the
# reboot and resume: the full tree_manifest, and the journals compared
# with their transaction ids, timestamps and record CRCs masked (the only
# values that depend on the clock; the CRCs cover them) and their file
# names, which are the transaction ids, left out.
#
# UPDATE_GOLDEN=1 rewrites the golden files (tests/steps/golden/e2e-*).
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"
. "$top_srcdir/tests/lib/scenario.sh"

[ -x "$sim" ] || tap_bail "$sim is not built"
sc_setup e2e

# The boot id of the simulated reboot, fixed for reproducible trees.
newboot=6a1d0c7e-5b2f-4e83-9d41-0c7f3e2a9b15

# rsim OUT ARGS...: reboot-sim on $root under the tripwire, as wiz.
rsim() {
	r_name=$1
	shift
	run "$r_name" "$sim" "$@" "$root"
}

# golden FILE DESC: compare $work/FILE with golden/e2e-$name.FILE
golden() {
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$work/$1" "$golden/e2e-$name.$1"
	fi
	tap_same_file "$golden/e2e-$name.$1" "$work/$1" "$name: $2"
}

# ok_if DESC CMD...: ok when CMD succeeds.
ok_if() {
	o_desc=$1
	shift
	if "$@"; then
		tap_ok "$name: $o_desc"
	else
		tap_not_ok "$name: $o_desc"
	fi
}

# The check's verdicts: GPU's block, each [FAIL] with its evidence and
# next lines, the summary.
verdicts() {
	awk -v gpu="GPU $1:" '
		index($0, gpu) == 1 { inblk = 1 }
		inblk { print; if ($0 == "") inblk = 0; next }
		/^  \[FAIL\]/ { print; fail = 1; next }
		fail && /^         (evidence|next):/ { print; next }
		{ fail = 0 }
		/^Summary:/ { print }'
}

# The manifest of the files the wizard may write: all but the kernel's
# /proc, /sys and /dev.
files_manifest() {
	tree_manifest "$1" | grep -v '^\./\(proc\|sys\|dev\)\(/\|	\)'
}

# The whole tree's manifest but the groups' default domain type: see the
# top comment.
kernel_manifest() {
	tree_manifest "$1" |
		grep -v '^\./sys/kernel/iommu_groups/[0-9]*/type	' |
		grep -v "${kmask:-^$}"
}

# The journal with the clock's values masked (see the top comment).
journal() {
	for j in "$1"/var/lib/vfio-wizard/journal.yaml \
		"$1"/var/lib/vfio-wizard/history/*.yaml; do
		[ ! -f "$j" ] ||
			sed -e 's/^\(txid\|time\|crc\): .*/\1: X/' "$j"
	done
}

# begin NAME HOST GPU ARGS...: replay, check, plan, apply, tree, re-plan.
# Returns 1 when apply did not ask for the reboot.
begin() {
	name=$1
	spec=$hosts/$2.yaml
	gpu=$3
	shift 3
	root=$work/root
	rm -rf "$root" "$work/pristine"
	"$wizard" replay "$spec" "$root" >/dev/null ||
		tap_bail "$name: replay failed"
	cp -a "$root" "$work/pristine"
	tree_manifest "$root" >"$work/orig"
	files_manifest "$root" >"$work/orig-files"
	oldboot=$(cat "$root/proc/sys/kernel/random/boot_id")

	wiz "$work/check.out" check
	expect_status 0 "check" "$work/check.out"
	verdicts "$gpu" <"$work/check.out" >"$work/check"
	golden check "check's verdicts are golden"

	wiz "$work/plan" plan "$@"
	expect_status 0 "plan" "$work/plan"
	golden plan "the plan, VM config included, equals its golden text"

	wiz "$work/apply" apply --yes "$@"
	expect_status 4 "apply --yes says a reboot is needed" "$work/apply"
	[ "$status" -eq 4 ] || return 1
	grep -v "^transaction " "$work/apply" >"$work/apply.out"
	mv "$work/apply.out" "$work/apply"
	golden apply "apply's progress and verify lines are golden"
	tree_diff >"$work/tree"
	golden tree "apply wrote exactly the golden files, VM config included"
	wiz "$work/plan2" plan "$@"
	if grep -q "^Nothing to do" "$work/plan2"; then
		tap_ok "$name: a second plan is empty"
	else
		tap_not_ok "$name: a second plan is empty"
		tap_diag_file "$work/plan2"
	fi
	return 0
}

# reboot: the simulated reboot of $root.
reboot() {
	rsim "$work/reboot" --boot-id "$newboot"
	expect_status 0 "reboot-sim boots what apply wrote" "$work/reboot"
	ok_if "the boot id is the new one" \
		grep -qx "$newboot" "$root/proc/sys/kernel/random/boot_id"
}

# finish: resume verifies, status, resume again, undo, the way back.
finish() {
	wiz "$work/resume.out" resume
	expect_status 0 "resume after the reboot" "$work/resume.out"
	grep -v '^the host has rebooted: verifying$' "$work/resume.out" \
		>"$work/states"
	if [ -s "$work/states" ] &&
		! grep -qv '^[a-z]*: verified\(: .*\)\{0,1\}$' \
			"$work/states"; then
		tap_ok "$name: resume: every step is verified"
	else
		tap_not_ok "$name: resume: every step is verified"
		tap_diag_file "$work/resume.out"
	fi
	cp "$work/resume.out" "$work/resume"
	golden resume "resume's lines are golden"

	wiz "$work/status.out" status
	expect_status 0 "status" "$work/status.out"
	sed -e 's/^Transaction .*/Transaction X/' "$work/status.out" \
		>"$work/status"
	golden status "status says applied and verified"

	wiz "$work/resume2" resume
	if [ "$status" -eq 0 ] &&
		grep -qx "the transaction is complete" "$work/resume2"; then
		tap_ok "$name: a second resume says the transaction is complete"
	else
		tap_not_ok "$name: a second resume says the transaction is" \
			"complete"
		tap_diag_file "$work/resume2"
	fi

	wiz "$work/undo" undo
	expect_status 4 "undo (after the boot: a reboot is needed)" "$work/undo"
	files_manifest "$root" >"$work/t"
	tap_same_file "$work/orig-files" "$work/t" \
		"$name: undo gives back every file outside /proc, /sys, /dev"
	rsim "$work/reboot-back" --boot-id "$oldboot"
	expect_status 0 "reboot-sim boots the restored configuration" \
		"$work/reboot-back"
	kernel_manifest "$root" >"$work/t"
	root=$work/pristine
	rsim "$work/reboot-ref" --boot-id "$oldboot"
	root=$work/root
	kernel_manifest "$work/pristine" >"$work/ref"
	tap_same_file "$work/ref" "$work/t" \
		"$name: ... then it boots as the untouched host boots"
}

# refused NAME HOST GPU STATUS ARGS...: check, then apply is refused and
# changes nothing.
refused() {
	name=$1
	spec=$hosts/$2.yaml
	gpu=$3
	want=$4
	shift 4
	root=$work/root
	rm -rf "$root"
	"$wizard" replay "$spec" "$root" >/dev/null ||
		tap_bail "$name: replay failed"
	tree_manifest "$root" >"$work/orig"
	wiz "$work/check.out" check
	verdicts "$gpu" <"$work/check.out" >"$work/check"
	echo "exit $status" >>"$work/check"
	golden check "check's verdicts and exit status are golden"
	wiz "$work/refusal" apply --yes "$@"
	expect_status "$want" "apply is refused" "$work/refusal"
	golden refusal "the refusal says why"
	tree_manifest "$root" >"$work/t"
	tap_same_file "$work/orig" "$work/t" "$name: nothing changed"
}

kmask=

# Booted facts.
driver_is() {
	d_link=$(readlink "$root/sys/bus/pci/devices/$1/driver") || return 1
	[ "${d_link##*/}" = "$2" ]
}
vfio_group() {
	g_link=$(readlink "$root/sys/bus/pci/devices/$1/iommu_group") ||
		return 1
	[ -e "$root/dev/vfio/${g_link##*/}" ]
}
cmdline_has() {
	for c_tok in "$@"; do
		case " $(cat "$root/proc/cmdline") " in
		*" $c_tok "*) ;;
		*) return 1 ;;
		esac
	done
}
conf_has() {
	grep -qxF "$2" "$root/etc/pve/qemu-server/$1.conf"
}
conf_lacks() {
	! grep -q "$2" "$root/etc/pve/qemu-server/$1.conf"
}
# hostpci_are VMID LINE...: the VM's hostpci lines are exactly these.
hostpci_are() {
	h_vm=$1
	shift
	grep '^hostpci' "$root/etc/pve/qemu-server/$h_vm.conf" \
		>"$work/hostpci"
	printf '%s\n' "$@" >"$work/hostpci.want"
	cmp -s "$work/hostpci.want" "$work/hostpci"
}

# Haswell i7-4770, GRUB on BIOS: legacy IGD with the HDMI audio to VM 100
# (win10, pc-i440fx-8.1, SeaBIOS); facts §1, §6.
igd=0000:00:02.0
hdmi=0000:00:03.0
if begin i7-4770-legacy i7-4770-pve8 $igd --device 00:02.0 \
	--device 00:03.0 --vm 100; then
	ok_if "VM 100: exactly hostpci0 legacy-igd=1 and hostpci1 the audio" \
		hostpci_are 100 "hostpci0: 0000:00:02.0,legacy-igd=1" \
		"hostpci1: 0000:00:03.0"
	ok_if "VM 100: vga: none" conf_has 100 "vga: none"
	ok_if "VM 100: still i440fx" conf_has 100 "machine: pc-i440fx-8.1"
	ok_if "VM 100: SeaBIOS (no bios: line)" conf_lacks 100 "^bios:"
	ok_if "VM 100: no pcie=1" conf_lacks 100 "pcie=1"
	ok_if "VM 100: no x-vga, no rombar=0" conf_lacks 100 "x-vga\|rombar"
	reboot
	ok_if "booted with intel_iommu=on iommu=pt" \
		cmdline_has intel_iommu=on iommu=pt
	ok_if "the IOMMU is on" test -e "$root/sys/class/iommu/dmar0"
	ok_if "$igd is on vfio-pci" driver_is $igd vfio-pci
	ok_if "$hdmi is on vfio-pci" driver_is $hdmi vfio-pci
	ok_if "the PCH audio 00:1b.0 stays on snd_hda_intel" \
		driver_is 0000:00:1b.0 snd_hda_intel
	ok_if "/dev/vfio/<group> of $igd" vfio_group $igd
	ok_if "/dev/vfio/<group> of $hdmi" vfio_group $hdmi
	ok_if "vfio-pci keeps the VGA region (no disable_vga)" \
		test ! -e "$root/sys/module/vfio_pci/parameters/disable_vga" -o \
		"$(cat "$root/sys/module/vfio_pci/parameters/disable_vga" \
			2>/dev/null)" = N
	finish
fi

# Comet Lake, ZFS on UEFI: GVT-g on systemd-boot for VM 100 (q35, OVMF);
# the mdev type from the answers file, offered by the host after the boot.
printf '%s\n' 'devices: ["00:02.0"]' 'mode: gvt-g' 'vm: 100' \
	'mdev: i915-GVTg_V5_4' >"$TMPDIR/cometlake.yaml"
if begin cometlake-gvtg cometlake-zfs-sdboot $igd \
	--answers "$TMPDIR/cometlake.yaml"; then
	ok_if "VM 100: hostpci0 is the mdev" \
		hostpci_are 100 "hostpci0: 0000:00:02.0,mdev=i915-GVTg_V5_4"
	ok_if "GRUB is left alone on systemd-boot" \
		test ! -e "$root/etc/default/grub.d/vfio-wizard.cfg"
	reboot
	ok_if "booted from /etc/kernel/cmdline with i915.enable_gvt=1" \
		cmdline_has root=ZFS=rpool/ROOT/pve-1 i915.enable_gvt=1
	ok_if "$igd stays on i915" driver_is $igd i915
	ok_if "kvmgt is loaded" grep -q '^kvmgt ' "$root/proc/modules"
	ok_if "the host offers the VM's mdev type" test -d \
		"$root/sys/bus/pci/devices/$igd/mdev_supported_types/i915-GVTg_V5_4"
	finish
fi

# The same choices as options (--mdev): the same plan. Without a type the
# plan is refused (none is listed before the reboot) and says how to give one.
name=cometlake-gvtg-options
root=$work/root
rm -rf "$root"
"$wizard" replay "$hosts/cometlake-zfs-sdboot.yaml" "$root" >/dev/null ||
	tap_bail "$name: replay failed"
wiz "$work/plan-opts" plan --device 00:02.0 --mode gvt-g --vm 100 \
	--mdev i915-GVTg_V5_4
tap_same_file "$golden/e2e-cometlake-gvtg.plan" "$work/plan-opts" \
	"$name: --mdev plans exactly what the answers file plans"
wiz "$work/refusal" plan --device 00:02.0 --mode gvt-g --vm 100
if [ "$status" -ne 0 ] && grep -q -- "--mdev TYPE" "$work/refusal"; then
	tap_ok "$name: without a type the plan is refused and names --mdev"
else
	tap_not_ok "$name: without a type the plan is refused and names --mdev"
	tap_diag_file "$work/refusal"
fi

# AMD Ryzen with an NVIDIA RTX 3060 and its audio: VM 100 (q35, OVMF).
gpu=0000:05:00.0
if begin ryzen-nvidia ryzen-nvidia $gpu --device 05:00.0 \
	--device 05:00.1 --vm 100; then
	ok_if "VM 100: one entry with all functions and pcie=1" \
		hostpci_are 100 "hostpci0: 0000:05:00,pcie=1"
	reboot
	ok_if "no amd_iommu=on (not a valid value)" \
		eval '! grep -q amd_iommu=on "$root/proc/cmdline"'
	ok_if "$gpu is on vfio-pci" driver_is $gpu vfio-pci
	ok_if "0000:05:00.1 is on vfio-pci" driver_is 0000:05:00.1 vfio-pci
	ok_if "/dev/vfio/<group> of $gpu" vfio_group $gpu
	finish
fi

# Alder Lake: SR-IOV, the host keeps the PF; VM 100 gets the first VF.
vf=0000:00:02.1
kmask='0000:00:02\.[1-7]\|/0000:00:02\.0/\(config\|sriov_numvfs\)	'
kmask="$kmask\\|^\\./sys/kernel/iommu_groups/"
if begin alderlake-sriov alderlake-uefi-grub $igd --device 00:02.0 \
	--vm 100; then
	ok_if "VM 100: hostpci0 is the first VF" \
		hostpci_are 100 "hostpci0: $vf"
	reboot
	ok_if "booted with i915.enable_guc=3 i915.max_vfs=7" \
		cmdline_has i915.enable_guc=3 i915.max_vfs=7
	ok_if "$igd (the PF) stays on i915" driver_is $igd i915
	ok_if "the PF has the 7 VFs /etc/sysfs.d asks for" \
		grep -qx 7 "$root/sys/bus/pci/devices/$igd/sriov_numvfs"
	ok_if "the VF $vf exists after the boot" \
		test -e "$root/sys/bus/pci/devices/$vf"
	wiz "$work/check-vfs" check
	ok_if "check lists the 7 VFs as one line, not one by one" \
		grep -q "^  11-17 *7 virtual functions of $igd, $vf to 0000:00:02.7, one IOMMU group each: .*(i915)$" \
		"$work/check-vfs"
	finish
fi
kmask=

# Refusals: no VT-d (i7-4770K), the root disk's controller in the GPU's
# group, a running VM (nothing changed in each case).
refused i7-4770k-novtd i7-4770k-pve8 $igd 3 --device 00:02.0 \
	--device 00:03.0 --vm 100
if grep -q "no VT-d" "$work/refusal"; then
	tap_ok "$name: the refusal names the missing VT-d"
else
	tap_not_ok "$name: the refusal names the missing VT-d"
fi
refused shared-group shared-group-sata 0000:06:00.0 3 --device 06:00.0 \
	--device 06:00.1 --vm 100
if grep -q "0000:01:00.1 (.*SATA Controller), the controller of the root" \
	"$work/refusal"; then
	tap_ok "$name: the refusal names the root disk's controller"
else
	tap_not_ok "$name: the refusal names the root disk's controller"
fi
refused running-vm i7-4770-pve8 $igd 3 --device 00:02.0 --device 00:03.0 \
	--vm 101
refused running-vm-pve7 pve7-kernel515 $igd 3 \
	--answers "$TMPDIR/cometlake.yaml"

# Same answers, same result: the i7-4770 flow from an answers file on two
# fresh copies of the host.
name=answers
printf '%s\n' '# the HD 4600 and its HDMI audio into VM 100' \
	'devices: ["00:02.0", "00:03.0"]' 'mode: legacy-igd' 'vm: 100' \
	>"$TMPDIR/answers.yaml"
for copy in a b; do
	root=$work/root
	rm -rf "$root" "$work/pristine"
	"$wizard" replay "$hosts/i7-4770-pve8.yaml" "$root" >/dev/null ||
		tap_bail "$name: replay failed"
	cp -a "$root" "$work/pristine"
	wiz "$work/plan" plan --answers "$TMPDIR/answers.yaml"
	tap_same_file "$golden/e2e-i7-4770-legacy.plan" "$work/plan" \
		"$name ($copy): the answers plan what the options plan"
	wiz "$work/apply" apply --yes --answers "$TMPDIR/answers.yaml"
	expect_status 4 "apply --yes ($copy)" "$work/apply"
	tree_diff >"$work/tree"
	tap_same_file "$golden/e2e-i7-4770-legacy.tree" "$work/tree" \
		"$name ($copy): the answers write what the options write"
	rsim "$work/reboot" --boot-id "$newboot"
	wiz "$work/resume" resume
	expect_status 0 "resume ($copy)" "$work/resume"
	tree_manifest "$root" >"$work/manifest-$copy"
	journal "$root" >"$work/journal-$copy"
done
tap_same_file "$work/manifest-a" "$work/manifest-b" \
	"$name: the two trees are byte-identical"
if [ -s "$work/journal-a" ]; then
	tap_same_file "$work/journal-a" "$work/journal-b" \
		"$name: the two journals are identical but for ids and times"
else
	tap_not_ok "$name: the two journals are identical but for ids and" \
		"times (no journal)"
fi
tap_done
