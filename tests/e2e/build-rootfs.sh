#!/usr/bin/env bash
# Build (or reuse) the Debian bookworm chroot that every e2e image is cut
# from: Xen 4.17, its tools, qemu-system-xen (the HVM guest's default
# device model), the Debian kernel whose release the guest module was
# built for, the guest-side packages (busybox-static, pciutils), and what
# the hvmlink-host package needs beyond Xen's own libraries (json-glib, a
# sysusers), so that Dom0 can install the .deb with dpkg, offline.
#
# Usage: build-rootfs.sh KERNEL_RELEASE
# Prints the path of the finished chroot.  The chroot lives in
# $HVMLINK_CACHE/e2e/rootfs-<hash> where <hash> covers this script, the
# package list and the mirrors, so a second run costs nothing.
set -euo pipefail
. "$(dirname "$0")/e2e-lib.sh"

krel=${1:?usage: build-rootfs.sh KERNEL_RELEASE}
[ "$(id -u)" = 0 ] || e2e_die "building the e2e rootfs needs root (debootstrap, chroot)"

mirror=$(e2e_mirror bookworm) || e2e_die "no bookworm mirror in the apt sources"
security=$(e2e_mirror bookworm-security || true)

# Pin the guest kernel to the exact package version of the headers the
# module is built against, when those headers are installed here.
kver=$(dpkg-query -W -f='${Version}' "linux-headers-$krel" 2>/dev/null || true)
kpkg="linux-image-$krel${kver:+=$kver}"

packages="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
qemu-system-xen seabios $kpkg libglib2.0-0 busybox-static pciutils
libjson-glib-1.0-0 systemd-standalone-sysusers"

key=$( { cat "$0"; echo "$packages" "$mirror" "$security"; } | e2e_hash)
dest="$e2e_cache/rootfs-$key"
if [ -f "$dest/.e2e-complete" ]; then
	echo "$dest"
	exit 0
fi

mkdir -p "$e2e_cache"
tmp="$dest.tmp.$$"
cleanup() {
	umount "$tmp/proc" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

e2e_say "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
	{ tail -n 20 "$tmp.log" >&2; e2e_die "debootstrap failed (log: $tmp.log)"; }

{
	echo "deb $mirror bookworm main"
	echo "deb $mirror bookworm-updates main"
	[ -z "$security" ] || echo "deb $security bookworm-security main"
} >"$tmp/etc/apt/sources.list"
# No service may start inside the build chroot, and the chroot's own
# initramfs is never used (Dom0 boots from the cpio we assemble).
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
chroot "$tmp" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
ln -sf /bin/true "$tmp/usr/sbin/update-initramfs"
mount -t proc proc "$tmp/proc"

e2e_say "installing $packages"
# shellcheck disable=SC2086 # the package list is split on purpose
if ! chroot "$tmp" env DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -c \
	"apt-get update -q && apt-get install -y -q --no-install-recommends $(echo $packages)" \
	>>"$tmp.log" 2>&1; then
	tail -n 20 "$tmp.log" >&2
	e2e_die "package install in the chroot failed (log: $tmp.log)"
fi
umount "$tmp/proc"
chroot "$tmp" apt-get clean
[ -f "$tmp/boot/vmlinuz-$krel" ] || e2e_die "the chroot has no /boot/vmlinuz-$krel"

touch "$tmp/.e2e-complete"
rm -rf "$dest"
mv "$tmp" "$dest"
mv "$tmp.log" "$dest.log"
trap - EXIT
# Chroots of older inputs are dead weight (~800 MB each).
find "$e2e_cache" -maxdepth 1 -name 'rootfs-*' ! -name "rootfs-$key*" ! -name '*.tmp.*' \
	-exec rm -rf {} +
echo "$dest"
