#!/bin/sh
# hosts.sh: the real steps (kernel command line, modules and initramfs) end
# to end on every fixture host, each run under the tripwire. Per scenario
# (a host and the choices an administrator would make there): the plan
# equals its golden text; apply --yes writes exactly the golden change of
# the tree (a recursive diff of the files) and runs the golden commands,
# each once; its verify lines are golden too; a second plan is empty; undo
# gives back the original tree byte for byte. Scenarios the wizard must
# refuse (a CPU without VT-d, a device sharing its IOMMU group with the
# boot disk's controller, a driver the host still needs) fail with the
# golden message and change nothing.
#
# UPDATE_GOLDEN=1 rewrites the golden files from this run.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"
. "$top_srcdir/tests/lib/scenario.sh"

sc_setup steps

# golden FILE DESC: compare $work/FILE with golden/$name.FILE
golden() {
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$work/$1" "$golden/$name.$1"
	fi
	tap_same_file "$golden/$name.$1" "$work/$1" "$name: $2"
}

# scenario NAME HOST ARGS...: plan, apply, re-plan, undo.
scenario() {
	name=$1
	spec=$hosts/$2.yaml
	shift 2
	root=$work/root
	rm -rf "$root" "$work/pristine"
	"$wizard" replay "$spec" "$root" >/dev/null ||
		tap_bail "$name: replay failed"
	cp -a "$root" "$work/pristine"
	tree_manifest "$root" >"$work/orig"

	wiz "$work/plan" plan "$@"
	expect_status 0 "plan" "$work/plan"
	golden plan "the plan equals its golden text"
	if grep -q "^Nothing to do" "$work/plan"; then
		return
	fi
	wiz "$work/apply" apply --yes "$@"
	expect_status 4 "apply --yes says a reboot is needed" "$work/apply"
	grep -v "^transaction " "$work/apply" >"$work/apply.out"
	mv "$work/apply.out" "$work/apply"
	golden apply "apply's progress and verify lines are golden"
	tree_diff >"$work/tree"
	golden tree "apply wrote exactly the golden files"
	cp "$root/var/log/vfio-wizard-fake-commands.log" "$work/commands" \
		2>/dev/null || : >"$work/commands"
	golden commands "the golden commands ran, each once"
	wiz "$work/plan2" plan "$@"
	if grep -q "^Nothing to do" "$work/plan2"; then
		tap_ok "$name: a second plan is empty"
	else
		tap_not_ok "$name: a second plan is empty"
		tap_diag_file "$work/plan2"
	fi
	wiz "$work/undo" undo
	expect_status 0 "undo" "$work/undo"
	tree_manifest "$root" >"$work/t"
	tap_same_file "$work/orig" "$work/t" \
		"$name: undo gives back the original tree"
}

# refused NAME HOST STATUS ARGS...: plan and apply refuse, nothing changes.
refused() {
	name=$1
	spec=$hosts/$2.yaml
	want=$3
	shift 3
	root=$work/root
	rm -rf "$root"
	"$wizard" replay "$spec" "$root" >/dev/null ||
		tap_bail "$name: replay failed"
	tree_manifest "$root" >"$work/orig"
	wiz "$work/refusal" apply --yes "$@"
	expect_status "$want" "apply is refused" "$work/refusal"
	golden refusal "the refusal says why"
	tree_manifest "$root" >"$work/t"
	tap_same_file "$work/orig" "$work/t" "$name: nothing changed"
}

# Haswell, GRUB on BIOS, kernel 6.5 not default-on: legacy IGD with the
# HDMI audio function.
scenario i7-4770-legacy i7-4770-pve8 --device 00:02.0 --device 00:03.0
# The same host with the IOMMU alone (no device chosen yet).
scenario i7-4770-iommu i7-4770-pve8
# Already set up by hand: nothing to do.
scenario i7-4770-done i7-4770-pve8-done --device 00:02.0 --device 00:03.0
# Comet Lake, ZFS on UEFI: systemd-boot's /etc/kernel/cmdline.
scenario cometlake-sdboot cometlake-zfs-sdboot --device 00:02.0
# Alder Lake: SR-IOV, the host keeps the GPU.
scenario alderlake-sriov alderlake-uefi-grub --device 00:02.0
# AMD with an NVIDIA card and its audio function.
scenario ryzen-nvidia ryzen-nvidia --device 05:00.0 --device 05:00.1
# Proxmox VE 7, kernel 5.15: vfio_virqfd still exists.
scenario pve7-kernel515 pve7-kernel515 --device 00:02.0
# Refusals: no VT-d; the boot disk's controller in the GPU's group; a
# guest without any IOMMU, even for the IOMMU alone; a driver the host
# still needs.
refused i7-4770k-novtd i7-4770k-pve8 3 --device 00:02.0
refused shared-group shared-group-sata 3 --device 06:00.0 --device 06:00.1
refused no-iommu vm-no-iommu 3
refused blacklist-needed i7-4770-pve8 1 --device 00:02.0 \
	--device 00:03.0 --blacklist snd_hda_intel

# An answers file gives the same plan as the same options; a malformed one
# is refused with its line and changes nothing.
name=answers
root=$work/root
rm -rf "$root"
"$wizard" replay "$hosts/i7-4770-pve8.yaml" "$root" >/dev/null ||
	tap_bail "$name: replay failed"
printf '%s\n' '# the HD 4600 and its HDMI audio' \
	'devices: ["00:02.0", "0000:00:03.0"]' 'mode: legacy-igd' \
	>"$TMPDIR/answers.yaml"
wiz "$work/plan-opts" plan --device 00:02.0 --device 00:03.0 \
	--mode legacy-igd
wiz "$work/plan-answers" plan --answers "$TMPDIR/answers.yaml"
tap_same_file "$work/plan-opts" "$work/plan-answers" \
	"$name: --answers plans exactly what the options plan"
printf 'devices: ["00:02.0"]\nmode: legacy-igd\nturbo: yes\n' \
	>"$TMPDIR/bad.yaml"
tree_manifest "$root" >"$work/orig"
wiz "$work/refusal" apply --yes --answers "$TMPDIR/bad.yaml"
expect_status 2 "a malformed answers file is refused" "$work/refusal"
if grep -q "bad.yaml:3:1: unknown key 'turbo'" "$work/refusal"; then
	tap_ok "$name: ... with the file, line and column"
else
	tap_not_ok "$name: ... with the file, line and column"
	tap_diag_file "$work/refusal"
fi
tree_manifest "$root" >"$work/t"
tap_same_file "$work/orig" "$work/t" "$name: nothing changed"
tap_done
