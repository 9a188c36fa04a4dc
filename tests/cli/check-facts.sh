#!/bin/sh
# check-facts.sh: what `vfio-wizard check --json` must say about each fixture
# host, asserted field by field (the golden files catch any change; these
# say which answers are right, per ../shared/reference/passthrough-facts.md),
# plus the widespread mistakes of its §9 that must appear in no output.
# Every run is under the tripwire.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"

. "$top_srcdir/tests/lib/cli.sh"

if ! command -v jq >/dev/null 2>&1; then
	tap_bail "jq is not installed (dev/test installs it)"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/vw-check-facts.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
TMPDIR=$work
export TMPDIR

# check_host NAME: run check --json and the text form; $json, $text, $status.
check_host() {
	json=$work/$1.json
	text=$work/$1.txt
	tw_run "$work" "$wizard" check --replay "$hosts/$1.yaml" --json \
		>"$json" 2>"$json.err"
	status=$tw_status
	tw_run "$work" "$wizard" check --replay "$hosts/$1.yaml" \
		>"$text" 2>"$text.err" || true
}

# expect DESC JQ-EXPR: ok when the expression is true on $json.
expect() {
	if jq -e "$2" "$json" >/dev/null 2>&1; then
		tap_ok "$host: $1"
	else
		tap_not_ok "$host: $1"
		tap_diag "jq: $2"
		tap_diag_file "$json.err" 20
	fi
}

expect_status() {
	if [ "$status" -eq "$1" ]; then
		tap_ok "$host: exit status $1"
	else
		tap_not_ok "$host: exit status $1 (got $status)"
		tap_diag_file "$json.err" 20
	fi
}

gpu='(.devices[] | select(.class | startswith("03")))'
igpu='(.devices[] | select(.address == "0000:00:02.0"))'

host=i7-4770-pve8
check_host $host
expect_status 0
expect "VT-x present" '.cpu.vtx == true'
expect "the SKU has VT-d" '.cpu.sku_vtd == true'
expect "legacy BIOS" '.firmware.boot == "bios"'
expect "DMAR table present" '.firmware.iommu_table == "DMAR"'
expect "interrupt remapping supported" '.firmware.interrupt_remapping == true'
expect "IOMMU not active yet" '.iommu.active == false and .iommu.groups == 0'
expect "GRUB and /etc/default/grub" \
	'.boot.loader == "grub" and .boot.cmdline_file == "/etc/default/grub"'
expect "the iGPU is 8086:0412 on i915" \
	"$igpu | .vendor_id == \"8086\" and .device_id == \"0412\" and .driver == \"i915\""
expect "legacy IGD is the only mode" \
	"$igpu | .passthrough.modes == [\"legacy-igd\"] and .passthrough.recommended == \"legacy-igd\""
expect "its HDMI audio 00:03.0 is the companion" \
	"$igpu | .passthrough.companions == [\"0000:00:03.0\"]"
expect "nothing blocks it" "$igpu | .passthrough.blockers == []"
expect "there is no 00:02.1" '[.devices[] | select(.address == "0000:00:02.1")] == []'
expect "the IOMMU finding names intel_iommu=on as the next step" \
	'[.findings[] | select(.section == "iommu" and .severity == "warn" and (.hint // "" | contains("intel_iommu=on")))] | length == 1'
expect "the kernel config is the evidence" \
	'[.findings[] | select(.section == "iommu" and (.evidence // "" | contains("CONFIG_INTEL_IOMMU_DEFAULT_ON")))] | length == 1'
expect "the notes give i440fx, vga none and legacy-igd=1" \
	"$igpu | .passthrough.notes | map(select(contains(\"legacy-igd=1\") and contains(\"i440fx\") and contains(\"vga: none\"))) | length == 1"

host=i7-4770k-pve8
check_host $host
expect_status 3
expect "the SKU has no VT-d" '.cpu.sku_vtd == false'
expect "no DMAR table" '.firmware.iommu_table == null'
expect "a firmware failure" \
	'[.findings[] | select(.section == "firmware" and .severity == "fail")] | length >= 1'
expect "the iGPU is blocked" "$igpu | .passthrough.blockers | length >= 1"

host=i7-4770-pve8-done
check_host $host
expect_status 0
expect "IOMMU active with groups" '.iommu.active == true and .iommu.groups > 0'
expect "the iGPU and its audio are on vfio-pci" \
	'[.devices[] | select(.address == "0000:00:02.0" or .address == "0000:00:03.0") | .driver] == ["vfio-pci", "vfio-pci"]'
expect "the iGPU sits in its own group" "$igpu | .passthrough.siblings == []"

host=cometlake-zfs-sdboot
check_host $host
expect "UEFI" '.firmware.boot == "uefi"'
expect "systemd-boot and /etc/kernel/cmdline" \
	'.boot.loader == "systemd-boot" and .boot.cmdline_file == "/etc/kernel/cmdline"'
expect "GVT-g recommended" "$igpu | .passthrough.recommended == \"gvt-g\""
expect "IOMMU on by default with kernel 6.8" '.iommu.active == true'

host=alderlake-uefi-grub
check_host $host
expect "UEFI with GRUB" '.firmware.boot == "uefi" and .boot.loader == "grub"'
expect "SR-IOV recommended" "$igpu | .passthrough.recommended == \"sr-iov\""

host=ryzen-nvidia
check_host $host
expect_status 0
expect "IVRS table" '.firmware.iommu_table == "IVRS"'
expect "the NVIDIA GPU goes whole through vfio" \
	"[$gpu | select(.device_id == \"2504\") | .passthrough.modes] == [[\"vfio\"]]"
expect "its audio function goes along" \
	"[$gpu | select(.device_id == \"2504\") | .passthrough.companions] == [[\"0000:05:00.1\"]]"
expect "nothing advises amd_iommu=on" \
	'[.findings[] | select((.hint // "") | test("add amd_iommu=on"))] == []'

host=shared-group-sata
check_host $host
expect_status 3
expect "the GPU is blocked by the root disk's controller" \
	"[$gpu | .passthrough.blockers[] | select(contains(\"root filesystem\"))] | length >= 1"

host=pve7-kernel515
check_host $host
expect "kernel 5.15 still has vfio_virqfd" \
	'[.kernel.installed[] | select(.release | startswith("5.15")) | .modules.vfio_virqfd] | all(. == "module")'

host=vm-no-iommu
check_host $host
expect_status 3
expect "a hypervisor" '.cpu.hypervisor == true'
expect "no IOMMU table" '.firmware.iommu_table == null and .iommu.active == false'

# §9: none of the widespread mistakes in any output
for f in "$work"/*.json "$work"/*.txt; do
	[ -f "$f" ] || continue
	host=$(basename "$f")
	bad='<hostdev|libvirt|page table isolation|grep VT-d|grep DMAR|add amd_iommu=on|amd_iommu=on is (needed|required)'
	# Haswell's iGPU is single-function (SR-IOV VFs at 00:02.1+ exist on Gen12)
	case $host in i7-4770*) bad="$bad|00:02\.1" ;; esac
	if grep -n -i -E "$bad" "$f" >"$work/bad" 2>&1; then
		tap_not_ok "$host: none of the mistakes of facts §9"
		tap_diag_file "$work/bad"
	else
		tap_ok "$host: none of the mistakes of facts §9"
	fi
done
tap_done
