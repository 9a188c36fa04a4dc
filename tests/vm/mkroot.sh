#!/usr/bin/env bash
# tests/vm/mkroot.sh: the guest for `make check-vm` (doc/check-vm.md).
#
#   mkroot.sh OUTDIR
#
# 1. installs the Debian packages the harness needs (qemu-system-x86,
#    debootstrap, e2fsprogs) when missing, after one apt-get update;
# 2. debootstraps a bookworm root (minbase) with a kernel, initramfs-tools,
#    udev, GRUB's tools, kmod, pciutils and the wizard's run-time libraries,
#    from the mirror this machine's apt sources name, and caches it under
#    $VW_VM_CACHE (default /var/cache/vfio-wizard/vm/<hash of the package
#    list>/root), so that the next run skips this step;
# 3. builds this tree without ASan in OUTDIR/build and installs it with
#    `make install DESTDIR=` into a fresh copy of the cached root, with the
#    scenario script (tests/vm/guest.sh) as /usr/local/sbin/vw-vm-init and a
#    GRUB default that boots it;
# 4. writes OUTDIR/root (that copy), OUTDIR/vmlinuz and OUTDIR/initrd (the
#    root's own kernel and initramfs) and OUTDIR/base.env (UUID, release).
#    run.sh makes one ext4 disk image per scenario from OUTDIR/root.
#
# Needs root (debootstrap, file ownership in the image).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: mkroot.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

log() { echo "mkroot: $*"; }

# The guest's packages; the cache is keyed by this list.
guest_pkgs=(
	linux-image-amd64 initramfs-tools zstd udev kmod pciutils
	grub2-common grub-pc-bin
	libpci3 libkmod2 libyaml-0-2 libncursesw6 libtinfo6 pci.ids
)

# Host packages: install only what is missing, one apt-get update at most.
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v debugfs >/dev/null || need+=(e2fsprogs)
command -v make >/dev/null || need+=(make)
if ((${#need[@]})); then
	log "installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# The Debian mirror this machine already uses (no other one).
mirror() {
	local f u
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		u=$(awk '/^deb / && $0 !~ /security/ {
				for (i = 2; i <= NF; i++)
					if ($i ~ /^https?:/) { print $i; exit }
			}
			/^URIs:/ && $2 !~ /security/ && $2 ~ /debian\/?$/ {
				print $2; exit
			}' "$f")
		if [[ -n $u ]]; then
			echo "$u"
			return 0
		fi
	done
	return 1
}

key=$(printf '%s\n' bookworm minbase "${guest_pkgs[@]}" | sha256sum |
	cut -c1-16)
cache=${VW_VM_CACHE:-/var/cache/vfio-wizard/vm}/$key
if [[ ! -e $cache/done ]]; then
	url=$(mirror) || {
		echo "mkroot: no Debian mirror in /etc/apt/sources.list*" >&2
		exit 1
	}
	log "debootstrap bookworm from $url into $cache (once)"
	rm -rf "$cache"
	mkdir -p "$cache"
	incl=$(
		IFS=,
		echo "${guest_pkgs[*]}"
	)
	# no kernel hooks during debootstrap: the initramfs is built below
	DEBIAN_FRONTEND=noninteractive debootstrap --variant=minbase \
		--include="$incl" bookworm "$cache/root" "$url" \
		>"$cache/debootstrap.log" 2>&1 || {
		tail -n 30 "$cache/debootstrap.log" >&2
		exit 1
	}
	rm -rf "$cache/root/var/cache/apt/archives"/*.deb \
		"$cache/root/var/lib/apt/lists"/*_Packages
	touch "$cache/done"
fi

# The wizard from this tree, fresh each run, without ASan.
bld=$out/build
mkdir -p "$bld"
if [[ ! -e $bld/Makefile ]]; then
	log "configure (no ASan) in $bld"
	(cd "$bld" && "$top/configure" -q --prefix=/usr --sysconfdir=/etc \
		--localstatedir=/var)
fi
log "make in $bld"
# VW_VM_MAKE, VW_VM_INSTALL: the build and install targets (all, install)
# shellcheck disable=SC2086
nice make -C "$bld" -j2 -s ${VW_VM_MAKE:-all} >"$out/make.log" 2>&1 || {
	tail -n 30 "$out/make.log" >&2
	exit 1
}

log "copying the cached root"
rm -rf "$out/root"
cp -a "$cache/root" "$out/root"
r=$out/root
# shellcheck disable=SC2086
nice make -C "$bld" -s ${VW_VM_INSTALL:-install} DESTDIR="$r" \
	>>"$out/make.log" 2>&1 || {
	tail -n 30 "$out/make.log" >&2
	exit 1
}

install -m 0755 "$here/guest.sh" "$r/usr/local/sbin/vw-vm-init"
# the device nodes come from devtmpfs in the guest
find "$r/dev" -mindepth 1 -delete
uuid=$(cat /proc/sys/kernel/random/uuid)
release=$(basename "$(ls -d "$r"/lib/modules/*)")
echo "vw-vm" >"$r/etc/hostname"
printf 'UUID=%s / ext4 rw 0 1\n' "$uuid" >"$r/etc/fstab"
# What grub-pc's default file holds, with the serial console, the
# scenario as init and the IOMMU off (as on a host before the wizard).
cat >"$r/etc/default/grub" <<'EOF'
# If you change this file, run 'update-grub' afterwards to update
# /boot/grub/grub.cfg.
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=off"
GRUB_CMDLINE_LINUX="console=ttyS0,115200 init=/usr/local/sbin/vw-vm-init"
GRUB_TERMINAL=serial
EOF
# update-initramfs under software emulation: MODULES=most runs modprobe
# for some 3,000 modules (many minutes per run), zstd -19 is slow too;
# MODULES=dep takes what this machine needs, with the same hooks (kmod's
# copies /etc/modprobe.d)
mkdir -p "$r/etc/initramfs-tools/conf.d"
printf 'MODULES=dep\nCOMPRESSLEVEL=1\n' \
	>"$r/etc/initramfs-tools/conf.d/vw-vm.conf"
# /etc/modules-load.d comes with systemd, which every Proxmox VE host runs
# and minbase leaves out (guest.sh does what systemd-modules-load does)
mkdir -p "$r/boot/grub" "$r/var/lib/vw-vm" "$r/etc/modules-load.d"

# The root's own initramfs, built in the root as the package would have.
if [[ ! -e $cache/root/boot/initrd.img-$release ]]; then
	log "update-initramfs in the cached root (once)"
	mount --bind /proc "$cache/root/proc"
	chroot "$cache/root" update-initramfs -c -k "$release" \
		>"$cache/initramfs.log" 2>&1 || true
	umount "$cache/root/proc"
	cp -a "$cache/root/boot/initrd.img-$release" "$r/boot/"
fi
cp "$r/boot/vmlinuz-$release" "$out/vmlinuz"
cp "$r/boot/initrd.img-$release" "$out/initrd"
printf 'UUID=%s\nRELEASE=%s\n' "$uuid" "$release" >"$out/base.env"
log "root ready: $r (kernel $release)"
