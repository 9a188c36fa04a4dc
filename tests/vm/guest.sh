#!/bin/sh
# tests/vm/guest.sh: the guest's init (installed as /usr/local/sbin/vw-vm-init
# by mkroot.sh; GRUB_CMDLINE_LINUX names it). It brings the system up as a
# minimal Debian boot does (proc/sys/dev, root read-write, udev coldplug,
# the modules of /etc/modules and modules-load.d), prints what the kernel
# shows, runs this boot's part of the scenario with the installed wizard,
# prints every output between markers on the serial console and powers off.
# It binds nothing itself: drivers come from udev and the module options.
#
# Boots, counted in /var/lib/vw-vm/boots:
#   1: vfio-wizard check, then apply --yes --device <e1000e> --mode vfio
#   2: vfio-wizard resume (after the reboot into what apply wrote), undo
#   3: facts only (the original command line again)
# Every line for the harness starts with "VW " (tests/vm/run.sh).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb

mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /run || mount -t tmpfs tmpfs /run
mount -o remount,rw /
echo 1 >/proc/sys/kernel/sysrq

say() { echo "VW $*"; }

# block NAME CMD...: run CMD, its output between markers, then its status.
block() {
	name=$1
	shift
	t0=$(cut -d' ' -f1 /proc/uptime)
	say "BEGIN $name"
	"$@" 2>&1
	rc=$?
	say "END $name"
	say "RC $name $rc"
	say "SECONDS $name $(awk -v t0="$t0" '{ printf "%d", $1 - t0 }' /proc/uptime)"
}

n=$(cat /var/lib/vw-vm/boots 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" >/var/lib/vw-vm/boots
sync
say "BOOT $n"

# udev as a normal boot runs it: coldplug loads the drivers by modalias
if [ -x /lib/systemd/systemd-udevd ]; then
	/lib/systemd/systemd-udevd --daemon
	udevadm trigger --type=subsystems --action=add
	udevadm trigger --type=devices --action=add
	udevadm settle --timeout=60
fi
# what systemd-modules-load (or /etc/init.d/kmod) does
for f in /etc/modules /etc/modules-load.d/*.conf; do
	[ -r "$f" ] || continue
	sed -e 's/#.*//' "$f" | while read -r mod args; do
		[ -n "$mod" ] && modprobe "$mod" $args
	done
done
udevadm settle --timeout=30 2>/dev/null

# The e1000e (8086:10d3) behind the root port.
nic=$(lspci -D -n -d 8086:10d3 | awk 'NR == 1 { print $1 }')
say "NIC ${nic:-none}"
say "CMDLINE $(cat /proc/cmdline)"
say "VENDOR $(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)"
for t in DMAR IVRS; do
	if [ -e /sys/firmware/acpi/tables/$t ]; then
		say "TABLE $t"
	fi
done
say "IOMMU_UNITS $(ls /sys/class/iommu 2>/dev/null | tr '\n' ' ')"
say "GROUPS $(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)"
if [ -n "$nic" ]; then
	d=/sys/bus/pci/devices/$nic
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	say "DRIVER $drv"
	grp=none
	[ -e "$d/iommu_group" ] && grp=$(basename "$(readlink "$d/iommu_group")")
	say "GROUP $grp"
	say "GROUP_DEVICES $(ls /sys/kernel/iommu_groups/$grp/devices 2>/dev/null | tr '\n' ' ')"
fi
say "DEV_VFIO $(ls /dev/vfio 2>/dev/null | tr '\n' ' ')"
say "IRQ_REMAP $(dmesg | grep -Eo 'DMAR-IR: Enabled IRQ remapping in [a-z0-9]+ mode|AMD-Vi: Interrupt remapping enabled' | head -n 1)"
say "MODULES $(cut -d' ' -f1 /proc/modules | grep -E '^(vfio|e1000e)' | sort | tr '\n' ' ')"

case $n in
1)
	block check vfio-wizard check
	block apply vfio-wizard apply --yes --device "$nic" --mode vfio
	block status vfio-wizard status
	;;
2)
	block resume vfio-wizard resume
	block undo vfio-wizard undo --yes
	block status vfio-wizard status
	;;
*)
	block status vfio-wizard status
	;;
esac
say "UPTIME $(cut -d' ' -f1 /proc/uptime)"
say "DONE $n"
sync
mount -o remount,ro / 2>/dev/null
sync
echo o >/proc/sysrq-trigger
sleep 30
