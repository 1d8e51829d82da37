#!/usr/bin/env bash
# Print the path of hvmlink.ko as DKMS builds it for kernel KREL from the
# hvmlink-dkms package: scripts/build-debs, then chroot-dkms.sh in the
# cached build chroot (dkms + linux-headers-KREL, no Xen).  The module is
# kept beside the .debs (_build/debs/dkms/KREL/hvmlink.ko) and reused
# while the .debs are unchanged; --force builds it again (the packages
# stage does, it is a test).  The e2e boots its guest with this module.
# Usage: tests/packages/dkms-module.sh [--force] KREL
# The build's output goes to stderr; stdout is only the path.  Root only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib.sh"
. "$here/chroot-lib.sh"

force=
[ "${1:-}" = --force ] && { force=1; shift; }
krel=${1:?usage: dkms-module.sh [--force] KREL}
[ "$(id -u)" = 0 ] || die "building the DKMS module needs root (chroot, mounts)"

debs=$("$top/scripts/build-debs" | tail -n 1)
dest=$debs/dkms/$krel
ko=$dest/hvmlink.ko
deb=$(ls "$debs"/hvmlink-dkms_*.deb)
if [ -z "$force" ] && [ -f "$ko" ] && [ "$ko" -nt "$deb" ]; then
	echo "$ko"
	exit 0
fi
chroot=$(pkg_build_chroot "$krel")
rm -rf "$dest"
mkdir -p "$dest"
PKG_DEBS=$debs PKG_OUT=$dest pkg_session "$chroot" '
	cp "$pkg_lib/chroot-dkms.sh" "$root/tmp/"
	pkg_chroot "$root" sh /tmp/chroot-dkms.sh "$1"' "$krel" >&2
[ -f "$ko" ] || die "DKMS left no module in $dest"
echo "$ko"
