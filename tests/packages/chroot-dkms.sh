#!/bin/sh
# Inside the build chroot (dkms and the headers of kernel KREL installed):
# install hvmlink-dkms from /debs, check DKMS built and installed the
# module for KREL, copy it to /out, then purge and check it is gone.
# Usage: chroot-dkms.sh KREL
set -eu
krel=$1
step() { printf '\n--- %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

[ -d "/lib/modules/$krel/build" ] || fail "no headers for $krel in this chroot"

step "apt-get install /debs/hvmlink-dkms_*.deb"
apt-get install -y -q --no-install-recommends /debs/hvmlink-dkms_*.deb

step "dkms status"
status=$(dkms status -m hvmlink -k "$krel")
echo "$status"
echo "$status" | grep -q "^hvmlink/.*, $krel, .*: installed" ||
	fail "DKMS did not install hvmlink for $krel"

step "the module is built for $krel"
ko=$(find "/lib/modules/$krel/updates" -name 'hvmlink.ko*' | head -n 1)
[ -n "$ko" ] || fail "no hvmlink.ko under /lib/modules/$krel/updates"
echo "$ko"
vermagic=$(modinfo -F vermagic "$ko")
echo "vermagic: $vermagic"
[ "${vermagic%% *}" = "$krel" ] || fail "vermagic $vermagic is not for $krel"
modinfo -F alias "$ko" | grep -q '^pci:v' || fail "the module has no PCI alias (udev would not load it)"
modinfo -k "$krel" hvmlink >/dev/null || fail "depmod does not know hvmlink for $krel"
cp "$ko" /out/

step "apt-get purge hvmlink-dkms"
apt-get purge -y -q hvmlink-dkms
[ ! -e "$ko" ] || fail "$ko is still there after purge"
[ -z "$(dkms status -m hvmlink)" ] || fail "dkms still lists hvmlink"
echo "removed cleanly"
