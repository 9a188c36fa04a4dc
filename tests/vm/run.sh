#!/usr/bin/env bash
# tests/vm/run.sh: `make check-vm` (doc/check-vm.md). A real kernel as
# referee: the wizard installed in a bookworm guest (mkroot.sh) runs check,
# apply, resume and undo on a q35 machine with an emulated IOMMU and an
# e1000e behind a PCIe root port; the harness boots what the guest's own
# update-grub and update-initramfs wrote (kernel, initrd and the default
# entry's command line, read back from the disk image with debugfs).
#
#   run.sh [-s intel|amd|none]... OUTDIR
#
# Scenarios (all three by default):
#   intel  -device intel-iommu,intremap=on, intel_iommu=off on the command
#          line: check, apply, boot, resume, undo, boot
#   amd    -device amd-iommu (AMD-Vi on by default): the same flow
#   none   no IOMMU device: apply refuses at the firmware step and the
#          disk's /etc, /boot and /var/lib/vfio-wizard stay as they were
# Writes OUTDIR/<scenario>.log (serial console, assertions) and
# OUTDIR/<scenario>.trs (one :test-result: line per assertion, the format
# automake's test driver writes, so that dev/test counts them).
# Environment: VW_VM_ACCEL (tcg; kvm is tried only when asked and falls
# back to tcg), VW_VM_TIMEOUT (seconds per boot, 240), VW_VM_MEM (MB, 1024),
# VW_VM_NO_MKROOT=1 (reuse OUTDIR/root as it is).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
scenarios=()
while getopts s: opt; do
	case $opt in
	s) scenarios+=("$OPTARG") ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=${1:?usage: run.sh [-s intel|amd|none]... OUTDIR}
((${#scenarios[@]})) || scenarios=(intel amd none)
mkdir -p "$out"
out=$(cd "$out" && pwd)
timeout_s=${VW_VM_TIMEOUT:-240}
mem=${VW_VM_MEM:-1024}
t_all=$SECONDS

if [[ ${VW_VM_NO_MKROOT:-0} != 1 ]]; then
	bash "$here/mkroot.sh" "$out" || {
		echo "check-vm: mkroot.sh failed" >&2
		exit 1
	}
fi
# shellcheck disable=SC1091
. "$out/base.env" # UUID, RELEASE

accel=tcg
if [[ ${VW_VM_ACCEL:-tcg} == kvm ]] && [[ -w /dev/kvm ]] &&
	timeout 5 qemu-system-x86_64 -accel kvm -machine q35 -nodefaults \
		-display none -S 2>/dev/null; (($? == 124)); then
	accel=kvm
fi

# --- per scenario state -----------------------------------------------------
scen='' log='' trs='' img='' n_pass=0 n_fail=0 boots=0 times=()

# result PASS|FAIL NAME: one assertion, into the .trs and the log.
result() {
	echo ":test-result: $1 $scen: $2" >>"$trs"
	echo "$1: $scen: $2" | tee -a "$log"
	if [[ $1 == PASS ]]; then
		n_pass=$((n_pass + 1))
	else
		n_fail=$((n_fail + 1))
	fi
}

# check NAME CMD...: PASS when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then result PASS "$name"; else result FAIL "$name"; fi
}

# The serial output of boot N.
serial() { echo "$out/$scen.boot$1.serial"; }

# fact N KEY: the value of the guest's "VW KEY value" line in boot N.
fact() {
	tr -d '\r' <"$(serial "$1")" |
		sed -n -e "s/^VW $2\$//p" -e "s/^VW $2 //p" | head -n 1
}

# block N NAME: what a command printed in boot N; rc N NAME: its status.
block() {
	tr -d '\r' <"$(serial "$1")" |
		sed -n "/^VW BEGIN $2\$/,/^VW END $2\$/p" | sed '1d;$d'
}
rc() { fact "$1" "RC $2"; }

has() { grep -qF -- "$2" <<<"$1"; }
hasnt() { ! grep -qF -- "$2" <<<"$1"; }
contains() { has "$(block "$1" "$2")" "$3"; }
words() { tr -s ' \t' ' ' <<<"$1" | sed 's/^ //;s/ $//'; }

# dump PATH DEST: a file of the guest's disk, read without mounting it.
dump() { debugfs -R "dump -p $1 $2" "$img" >/dev/null 2>&1 && [[ -s $2 ]]; }

# boot N KERNEL INITRD CMDLINE: one boot, the guest powers off by itself.
boot() {
	local n=$1 kernel=$2 initrd=$3 cmdline=$4 t0=$SECONDS dev=()

	case $scen in
	intel) dev=(-device 'intel-iommu,intremap=on') ;;
	amd) dev=(-device amd-iommu) ;;
	esac
	echo "check-vm: $scen: boot $n: $cmdline" | tee -a "$log"
	nice -n 10 timeout "$timeout_s" qemu-system-x86_64 \
		-accel "$accel" -machine q35,kernel-irqchip=split \
		-cpu "$cpu" -smp 1 -m "$mem" \
		-nodefaults -display none -no-reboot \
		-serial "file:$(serial "$n")" \
		"${dev[@]}" \
		-drive "file=$img,if=virtio,format=raw" \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1 \
		-netdev user,id=n0,restrict=on \
		-device e1000e,bus=rp1,netdev=n0 \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		>>"$log" 2>&1
	local status=$?
	boots=$((boots + 1))
	times+=($((SECONDS - t0)))
	tr -d '\r' <"$(serial "$n")" >>"$log"
	# the guest's own clock: uptime at the end, each wizard command
	echo "check-vm: $scen: boot $n: $((SECONDS - t0)) s, guest uptime" \
		"$(fact "$n" UPTIME) s; commands (s):" \
		"$(tr -d '\r' <"$(serial "$n")" | sed -n 's/^VW SECONDS //p' |
			tr '\n' ' ')" | tee -a "$log"
	check "boot $n ends with the guest powering off (qemu $status)" \
		[ "$status" = 0 ]
	check "boot $n ran its part (VW DONE $n)" \
		grep -q "^VW DONE $n" "$(serial "$n")"
}

# next_boot N: boot what the guest's update-grub made the default entry:
# its kernel, its initrd and its command line, all from the disk image.
next_boot() {
	local n=$1 cfg=$out/$scen.grub.cfg lin ini
	rm -f "$cfg"
	check "boot $n: update-grub wrote /boot/grub/grub.cfg" \
		dump /boot/grub/grub.cfg "$cfg"
	lin=$(awk '/^menuentry /{m=1} m && $1 == "linux" { print; exit }' \
		"$cfg" 2>/dev/null)
	ini=$(awk '/^menuentry /{m=1} m && $1 == "initrd" { print $2; exit }' \
		"$cfg" 2>/dev/null)
	kpath=$(awk '{ print $2 }' <<<"$lin")
	next_cmdline="BOOT_IMAGE=$kpath $(words "$(cut -d' ' -f3- <<<"$(words "$lin")")")"
	rm -f "$out/$scen.vmlinuz" "$out/$scen.initrd"
	check "boot $n: the default entry's kernel ($kpath) and initrd ($ini)" \
		eval 'dump "$kpath" "$out/$scen.vmlinuz" &&
			dump "$ini" "$out/$scen.initrd"'
	boot "$n" "$out/$scen.vmlinuz" "$out/$scen.initrd" "$next_cmdline"
}

# snapshot DIR: the disk's /etc, /boot and /var/lib/vfio-wizard.
snapshot() {
	mkdir -p "$1"
	debugfs -R "rdump /etc /boot /var/lib $1" "$img" >/dev/null 2>&1
	rm -rf "$1/lib/vw-vm" # the scenario's own boot counter
}

# The guest's disk: the root mkroot.sh made, with the scenario's GRUB
# command line default (the IOMMU switched off on Intel, nothing on AMD).
make_image() {
	local def=$1 g=$out/$scen.default-grub
	rm -f "$img"
	mkfs.ext4 -q -F -L vwroot -U "$UUID" -d "$out/root" "$img" 3G ||
		return 1
	sed "s/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT=\"$def\"/" \
		"$out/root/etc/default/grub" >"$g"
	debugfs -w -f - "$img" >/dev/null 2>&1 <<EOF
cd /etc/default
rm grub
write $g grub
sif grub uid 0
sif grub gid 0
EOF
}

first_cmdline() {
	words "BOOT_IMAGE=/boot/vmlinuz-$RELEASE root=UUID=$UUID ro console=ttyS0,115200 init=/usr/local/sbin/vw-vm-init $1"
}

# --- the scenarios ---------------------------------------------------------

# The IOMMU flow: check, apply, boot into it, resume, undo, boot again.
flow() {
	local vendor=$1 def=$2 orig out1 n1

	make_image "$def" || {
		result FAIL "disk image"
		return
	}
	orig=$(first_cmdline "$def")
	cp "$out/root/boot/initrd.img-$RELEASE" "$out/$scen.initrd.orig"
	boot 1 "$out/vmlinuz" "$out/initrd" "$orig"
	out1=$(block 1 check)
	n1=$(fact 1 NIC)
	check "boot 1: the e1000e is at $n1 on e1000e" \
		[ "$(fact 1 DRIVER)" = e1000e ]
	check "boot 1: CPU vendor $vendor" [ "$(fact 1 VENDOR)" = "$vendor" ]
	if [[ $vendor == GenuineIntel ]]; then
		check "boot 1: ACPI DMAR table present" \
			[ "$(fact 1 TABLE)" = DMAR ]
		check "boot 1: intel_iommu=off: /sys/class/iommu empty" \
			[ -z "$(fact 1 IOMMU_UNITS)" ]
		check "boot 1: interrupt remapping on although intel_iommu=off" \
			[ -n "$(fact 1 IRQ_REMAP)" ]
		check "check: DMAR table present" has "$out1" \
			"VT-d is enabled in the firmware (ACPI DMAR table present)"
		check "check: the IOMMU off, the reason: intel_iommu=off" \
			has "$out1" "/proc/cmdline: intel_iommu=off"
		check "check: the IOMMU off, the reason (message)" has "$out1" \
			"the IOMMU is switched off on the kernel command line"
	else
		check "boot 1: ACPI IVRS table present" \
			[ "$(fact 1 TABLE)" = IVRS ]
		check "boot 1: AMD-Vi on by default: /sys/class/iommu not empty" \
			[ -n "$(fact 1 IOMMU_UNITS)" ]
		check "check: IVRS table present" has "$out1" \
			"AMD-Vi is enabled in the firmware (ACPI IVRS table present)"
		check "check: the IOMMU active" has "$out1" "the IOMMU is active"
	fi
	check "apply exits 4 (reboot needed)" [ "$(rc 1 apply)" = 4 ]

	next_boot 2
	local c2=$next_cmdline
	if [[ $vendor == GenuineIntel ]]; then
		check "grub.cfg: intel_iommu=on" has "$c2" "intel_iommu=on"
		check "grub.cfg: intel_iommu=off removed" \
			hasnt "$c2" "intel_iommu=off"
	else
		check "grub.cfg: no amd_iommu=on (not a valid value)" \
			hasnt "$c2" "amd_iommu="
		check "grub.cfg: no intel_iommu= on an AMD host" \
			hasnt "$c2" "intel_iommu="
	fi
	check "grub.cfg: the rest of the original line kept" \
		has "$c2" "console=ttyS0,115200 init=/usr/local/sbin/vw-vm-init"
	check "update-initramfs rebuilt the initrd" \
		eval '[ -s "$out/$scen.initrd" ] &&
			! cmp -s "$out/$scen.initrd" "$out/$scen.initrd.orig"'
	if command -v lsinitramfs >/dev/null; then
		check "the rebuilt initrd holds the wizard's modprobe.d file" \
			eval 'lsinitramfs "$out/$scen.initrd" 2>/dev/null |
				grep "etc/modprobe.d/vfio-wizard.conf" >/dev/null'
	fi
	local grp
	grp=$(fact 2 GROUP)
	check "boot 2: /proc/cmdline is the default entry's line" \
		[ "$(words "$(fact 2 CMDLINE)")" = "$(words "$c2")" ]
	check "boot 2: the IOMMU active ($(fact 2 IOMMU_UNITS))" \
		[ -n "$(fact 2 IOMMU_UNITS)" ]
	check "boot 2: IOMMU groups ($(fact 2 GROUPS))" \
		eval '[ -n "$(fact 2 GROUPS)" ] && [ "$(fact 2 GROUPS)" != 0 ]'
	check "boot 2: the e1000e in group $grp alone" \
		[ "$(words "$(fact 2 GROUP_DEVICES)")" = "$n1" ]
	check "boot 2: the e1000e on vfio-pci" \
		[ "$(fact 2 DRIVER)" = vfio-pci ]
	check "boot 2: /dev/vfio/$grp" has " $(fact 2 DEV_VFIO) " " $grp "
	check "resume exits 0 (verified)" [ "$(rc 2 resume)" = 0 ]
	# the guest booted with the changes: restored, and a reboot is needed
	check "undo succeeds and asks for the reboot (exit 4)" \
		[ "$(rc 2 undo)" = 4 ]

	next_boot 3
	check "boot 3: the original command line again" \
		[ "$(words "$next_cmdline")" = "$(words "$orig")" ]
	check "boot 3: /proc/cmdline is the original line" \
		[ "$(words "$(fact 3 CMDLINE)")" = "$(words "$orig")" ]
	check "boot 3: the e1000e back on e1000e" \
		[ "$(fact 3 DRIVER)" = e1000e ]
	check "boot 3: no /dev/vfio group" [ -z "$(fact 3 DEV_VFIO)" ]
}

# No IOMMU device: the wizard refuses at the firmware step, changes nothing.
refusal() {
	local out1 ap
	make_image "quiet" || {
		result FAIL "disk image"
		return
	}
	rm -rf "$out/$scen.before" "$out/$scen.after"
	snapshot "$out/$scen.before"
	boot 1 "$out/vmlinuz" "$out/initrd" "$(first_cmdline quiet)"
	out1=$(block 1 check)
	ap=$(block 1 apply)
	check "boot 1: no DMAR or IVRS table" [ -z "$(fact 1 TABLE)" ]
	check "check: no virtual IOMMU, with the reason" has "$out1" \
		"this virtual machine has no virtual IOMMU (no DMAR or IVRS table)"
	check "apply refuses: exit 3 (blocked)" [ "$(rc 1 apply)" = 3 ]
	check "apply names the firmware's missing IOMMU" has "$ap" \
		"the firmware offers no IOMMU"
	snapshot "$out/$scen.after"
	check "nothing changed on the disk (/etc, /boot, /var/lib)" \
		diff -r --no-dereference "$out/$scen.before" "$out/$scen.after"
}

summary=()
for scen in "${scenarios[@]}"; do
	log=$out/$scen.log trs=$out/$scen.trs img=$out/$scen.img
	: >"$log"
	: >"$trs"
	rm -f "$out/$scen".boot*.serial
	n_pass=0 n_fail=0 boots=0 times=()
	t0=$SECONDS
	case $scen in
	intel)
		cpu=qemu64,vendor=GenuineIntel,-svm,+vmx,x-force-features=on
		flow GenuineIntel "quiet intel_iommu=off"
		;;
	amd)
		cpu=qemu64,vendor=AuthenticAMD,+svm
		flow AuthenticAMD "quiet"
		;;
	none)
		cpu=qemu64,vendor=GenuineIntel,-svm,+vmx,x-force-features=on
		refusal
		;;
	*)
		echo "check-vm: unknown scenario '$scen'" >&2
		exit 2
		;;
	esac
	rm -f "$img"
	verdict=PASS
	((n_fail == 0)) || verdict=FAIL
	{
		echo ":global-test-result: $verdict"
		echo ":recheck: $([[ $verdict == PASS ]] && echo no || echo yes)"
		echo ":copy-in-global-log: $([[ $verdict == PASS ]] && echo no || echo yes)"
	} >>"$trs"
	line="$verdict: $scen: $n_pass passed, $n_fail failed; $boots boot(s), seconds per boot: ${times[*]:-none}; $((SECONDS - t0)) s in all ($accel)"
	echo "check-vm: $line" | tee -a "$log"
	summary+=("$line")
done
echo "check-vm: ---- summary ($((SECONDS - t_all)) s) ----"
printf 'check-vm: %s\n' "${summary[@]}"
! grep -q '^:test-result: FAIL' "$out"/*.trs
