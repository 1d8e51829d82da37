#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest module builds against Debian's kernel headers with W=1 and
# warnings as errors, is sparse-clean (C=1) and checkpatch-clean.
# Any compiler or sparse diagnostic fails the test.
#
# Usage: test-module-build.sh [--build-dir DIR]
# The kernel build tree is $KDIR, else $LINUX_HEADERS (set by make check),
# else the --with-linux-headers of the configured build DIR, else the
# newest /usr/src/linux-headers-*-amd64.  Exit 0 pass, 77 skip (no headers
# or no sparse, never under CI=true), 1 fail.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
kdir=${KDIR:-${LINUX_HEADERS:-}}
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir)
		[ $# -ge 2 ] || { echo "test-module-build: --build-dir needs DIR" >&2; exit 1; }
		if [ -z "$kdir" ] && [ -f "$2/Makefile" ]; then
			kdir=$(sed -n 's/^LINUX_HEADERS = //p' "$2/Makefile")
		fi
		shift 2 ;;
	*) echo "test-module-build: unknown argument $1" >&2; exit 1 ;;
	esac
done
if [ -z "$kdir" ] || [ "$kdir" = no ]; then
	kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
fi

skip() {
	echo "test-module-build: SKIP: $*"
	if [ "${CI:-}" = true ]; then
		echo "test-module-build: CI=true: a missing dependency is a failure"
		exit 1
	fi
	exit 77
}
[ -n "$kdir" ] && [ -f "$kdir/Makefile" ] || skip "no kernel headers (install linux-headers-amd64 or set KDIR)"
command -v sparse >/dev/null 2>&1 || skip "sparse not installed"

# Build from a private copy: the source tree may be read-only (distcheck)
# and other builds may run at the same time.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/Kbuild "$here"/*.c "$here"/*.h "$work"/

log=$work/build.log
echo "test-module-build: building against $kdir"
if ! make -s -C "$kdir" M="$work" HVMLINK_TOP="$top" W=1 C=1 modules >"$log" 2>&1; then
	cat "$log"
	echo "test-module-build: FAIL: module build failed"
	exit 1
fi
# BTF is skipped when vmlinux is absent; that line is not a diagnostic.
if grep -v 'Skipping BTF generation' "$log" | grep -E 'warning|error|: (note|sparse)'; then
	echo "test-module-build: FAIL: diagnostics above (W=1 / sparse)"
	exit 1
fi
[ -f "$work/hvmlink.ko" ] || { echo "test-module-build: FAIL: no hvmlink.ko"; exit 1; }
modinfo "$work/hvmlink.ko" | grep -q 'alias: *pci:v00005853d0000C200' || {
	echo "test-module-build: FAIL: hvmlink.ko lacks the PCI alias"
	modinfo "$work/hvmlink.ko"
	exit 1
}
echo "test-module-build: build, W=1 and sparse clean"

"$here/checkpatch.sh"
rc=$?
case $rc in
0) ;;
77) skip "checkpatch.pl unavailable" ;;
*) echo "test-module-build: FAIL: checkpatch"; exit 1 ;;
esac
echo "test-module-build: PASS"
exit 0
