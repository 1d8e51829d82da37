#!/bin/sh
# Inside the build chroot, which has no Xen development files: build the
# guest packages from /root/src with the pkg.hvmlink.nohost profile
# (configure --disable-host), running their test suite (make check).
set -eu
. /tmp/chroot-common.sh

step "no Xen development files here"
if dpkg -s libxen-dev >/dev/null 2>&1; then fail "libxen-dev is installed"; fi
for pc in xenctrl xendevicemodel xenstore; do
	if pkg-config --exists "$pc"; then fail "pkg-config finds $pc"; fi
done
echo "libxen-dev absent"

step "dpkg-buildpackage -b -P pkg.hvmlink.nohost (with make check)"
cd /root/src
dpkg-buildpackage -us -uc -b -Ppkg.hvmlink.nohost
cd /root

step "what it built"
ls -1 ./*.deb
[ -z "$(ls hvmlink-host_*.deb 2>/dev/null)" ] || fail "hvmlink-host was built without the host"
for p in hvmlink-guest hvmlink-dkms hvmlink-dev; do
	ls "${p}"_*.deb >/dev/null 2>&1 || fail "$p was not built"
done
dpkg-deb -c hvmlink-guest_*.deb | grep -q './usr/sbin/hvmlink-agent$' || fail "no agent in hvmlink-guest"
