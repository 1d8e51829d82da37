#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) a Debian 13 (trixie) chroot with the headers of its
# default kernel (linux-headers-amd64, 6.12 or later), its compiler, make
# and sparse, for building the module against a current kernel.  A chroot,
# not just the headers package: trixie's kbuild programs need trixie's
# libc.  The mirror is the one this machine's apt sources use for Debian
# (read at run time, as tests/e2e does); trixie is another suite there.
#
# Usage: current-kernel-root.sh
# Prints the chroot's path.  It is cached in
# ${HVMLINK_CACHE:-/var/cache/hvmlink}/kmod/trixie-<hash>, the hash over
# this script, the package list and the mirror, so a second run costs
# nothing.
# Exit: 0 ok, 1 failed, 77 cannot run here (not root, no debootstrap).
set -euo pipefail
# e2e_mirror: the Debian mirror of the apt sources.
. "$(dirname "$0")/../../../tests/e2e/e2e-lib.sh"

suite=trixie
packages="linux-headers-amd64 gcc make sparse libc6-dev"
cache=${HVMLINK_CACHE:-/var/cache/hvmlink}/kmod

say() { printf 'current-kernel-root: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, chroot)"; exit 77; }
command -v debootstrap >/dev/null || { say "debootstrap not installed"; exit 77; }
mirror=$(e2e_mirror bookworm) || { say "no Debian mirror in the apt sources"; exit 1; }

key=$( { cat "$0"; echo "$packages" "$mirror"; } | sha256sum | cut -c1-16)
dest="$cache/$suite-$key"
if [ -f "$dest/.complete" ]; then
	echo "$dest"
	exit 0
fi

mkdir -p "$cache"
# One builder at a time; the others wait and then reuse its result.
exec 9>"$cache/.lock"
flock 9
if [ -f "$dest/.complete" ]; then
	echo "$dest"
	exit 0
fi

tmp="$dest.tmp.$$"
cleanup() {
	umount "$tmp/proc" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

say "debootstrap $suite (minbase) from $mirror"
if ! debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1; then
	tail -n 20 "$tmp.log" >&2
	say "debootstrap failed (log: $tmp.log)"
	exit 1
fi
echo "deb $mirror $suite main" >"$tmp/etc/apt/sources.list"
rm -f "$tmp/etc/apt/sources.list.d/"*.sources
# Nothing may start in a build chroot.  trixie's headers depend on the
# kernel image: no initramfs is built for it.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
chroot "$tmp" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
ln -sf /bin/true "$tmp/usr/sbin/update-initramfs"
mount -t proc proc "$tmp/proc"
say "installing $packages"
# shellcheck disable=SC2086 # the package list is split on purpose
if ! chroot "$tmp" env DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -c \
	"apt-get update -q && apt-get install -y -q --no-install-recommends $packages" \
	>>"$tmp.log" 2>&1; then
	tail -n 20 "$tmp.log" >&2
	say "package install failed (log: $tmp.log)"
	exit 1
fi
umount "$tmp/proc"
chroot "$tmp" apt-get clean
# Only the headers are used: drop the image's modules (~400 MB), the
# kernel itself and the package lists.
rm -rf "$tmp"/usr/lib/modules/*/kernel "$tmp"/boot/* "$tmp"/var/lib/apt/lists/*
ls -d "$tmp"/usr/src/linux-headers-*-amd64 >/dev/null 2>&1 ||
	{ say "no linux-headers-*-amd64 in the chroot"; exit 1; }

touch "$tmp/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
mv "$tmp.log" "$dest.log"
trap - EXIT
# Chroots of older inputs are dead weight (~500 MB each).
find "$cache" -maxdepth 1 -name "$suite-*" ! -name "$suite-$key*" ! -name '*.tmp.*' \
	-exec rm -rf {} +
echo "$dest"
