#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest module builds, from the tree DKMS gets (dkms-source.sh) with the
# MAKE line of dkms.conf, without a single diagnostic: W=1, warnings as
# errors and sparse (C=1).  modinfo shows the PCI alias and the kernel it
# was built for.  Then checkpatch --strict on the module and uapi sources.
#
# Usage: test-module-build.sh [--build-dir DIR] [--current]
#   default: against Debian 12's headers: $KDIR, else $LINUX_HEADERS (set
#     by make check), else the --with-linux-headers of the configured build
#     DIR, else the newest /usr/src/linux-headers-*-amd64;
#   --current: against a current kernel (Debian 13's linux-headers-amd64,
#     6.12 or later), built inside the cached chroot of
#     current-kernel-root.sh with that release's compiler and sparse.
# Exit 0 pass, 77 skip (no headers, no sparse, not root for --current;
# never under CI=true), 1 fail.
set -u

here=$(cd "$(dirname "$0")" && pwd)
kdir=${KDIR:-${LINUX_HEADERS:-}}
current=no
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir)
		[ $# -ge 2 ] || { echo "test-module-build: --build-dir needs DIR" >&2; exit 1; }
		if [ -z "$kdir" ] && [ -f "$2/Makefile" ]; then
			kdir=$(sed -n 's/^LINUX_HEADERS = //p' "$2/Makefile")
		fi
		shift 2 ;;
	--current) current=yes; shift ;;
	*) echo "test-module-build: unknown argument $1" >&2; exit 1 ;;
	esac
done

skip() {
	echo "test-module-build: SKIP: $*"
	if [ "${CI:-}" = true ]; then
		echo "test-module-build: CI=true: a missing dependency is a failure"
		exit 1
	fi
	exit 77
}
fail() { echo "test-module-build: FAIL: $*"; exit 1; }

# root: where the build runs ("" = here); kdir: the headers, seen from there.
root=
if [ "$current" = yes ]; then
	root=$("$here/current-kernel-root.sh")
	case $? in
	0) ;;
	77) skip "no chroot for the current kernel (see above)" ;;
	*) fail "could not prepare the current kernel's chroot" ;;
	esac
	kdir=$(cd "$root" && ls -d usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$kdir" ] || fail "no linux-headers-*-amd64 in $root"
	kdir=/$kdir
	[ -x "$root/usr/bin/sparse" ] || fail "no sparse in $root"
else
	if [ -z "$kdir" ] || [ "$kdir" = no ]; then
		kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
	fi
	[ -n "$kdir" ] && [ -f "$kdir/Makefile" ] || skip "no kernel headers (install linux-headers-amd64 or set KDIR)"
	command -v sparse >/dev/null 2>&1 || skip "sparse not installed"
fi
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$root$kdir/include/generated/utsrelease.h")

# The DKMS tree, where dkms puts it: $dkms_tree/NAME/VERSION/build.  A
# private copy: the source tree may be read-only (distcheck) and other
# builds may run at the same time.
work=$(mktemp -d "$root/tmp/hvmlink-kmod.XXXXXX")
trap 'rm -rf "$work"' EXIT
dkms_tree=${work#"$root"}/dkms
"$here/dkms-source.sh" "$work/dkms/hvmlink/test/build" test || fail "dkms-source.sh failed"
tree=$work/dkms/hvmlink/test/build

# dkms.conf is shell with bash arrays: its MAKE[0], read with bash, as
# dkms would run it (dkms sets kernel_source_dir and dkms_tree), plus the
# checks.
make_cmd=$(bash -c 'kernel_source_dir=$1 dkms_tree=$2; . "$3"; echo "${MAKE[0]}"' _ \
	"$kdir" "$dkms_tree" "$tree/dkms.conf") || fail "cannot read MAKE[0] from dkms.conf"
case $make_cmd in *"M=$dkms_tree/hvmlink/test/build"*) ;; *) fail "dkms.conf MAKE[0] does not build the DKMS tree: $make_cmd" ;; esac
make_cmd="$make_cmd -s W=1 C=1 KCFLAGS=-Werror"

log=$work/build.log
echo "test-module-build: building against $kdir ($krel)${root:+ in $root}"
echo "test-module-build: $make_cmd"
if [ -n "$root" ]; then
	chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C sh -c "$make_cmd" >"$log" 2>&1
else
	sh -c "$make_cmd" >"$log" 2>&1
fi
rc=$?
if [ $rc -ne 0 ]; then
	cat "$log"
	fail "module build failed"
fi
# BTF is skipped when vmlinux is absent; that line is not a diagnostic.
if grep -v 'Skipping BTF generation' "$log" | grep -E 'warning|error|: (note|sparse)'; then
	fail "diagnostics above (W=1 / sparse)"
fi
ko=$tree/hvmlink.ko
[ -f "$ko" ] || fail "no hvmlink.ko"
modinfo "$ko" | grep -q 'alias: *pci:v00005853d0000C200' || {
	modinfo "$ko"
	fail "hvmlink.ko lacks the PCI alias"
}
vermagic=$(modinfo -F vermagic "$ko" | awk '{print $1}')
[ "$vermagic" = "$krel" ] || fail "vermagic '$vermagic', headers are $krel"
echo "test-module-build: $krel: build, W=1 -Werror and sparse clean"

[ "$current" = yes ] && { echo "test-module-build: PASS"; exit 0; }
"$here/checkpatch.sh"
rc=$?
case $rc in
0) ;;
77) skip "checkpatch.pl unavailable" ;;
*) fail "checkpatch" ;;
esac
echo "test-module-build: PASS"
exit 0
