#!/bin/sh
# Inside the build chroot (dkms and the headers of kernel KREL installed):
# install hvmlink-dkms from /debs, check DKMS built and installed the
# module for KREL, copy it to /out, then purge and check it is gone.
# Usage: chroot-dkms.sh KREL
set -eu
krel=$1
. /tmp/chroot-common.sh

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

# What modprobe needs to load it on $krel: every symbol the module takes
# is exported by that kernel (its Module.symvers: vmlinux or a module),
# and the modules among the exporters are exactly its "depends".
step "everything hvmlink.ko needs is exported by $krel"
symvers=/lib/modules/$krel/build/Module.symvers
[ -f "$symvers" ] || fail "no $symvers"
case $ko in
*.ko) plain=$ko ;;
*.ko.xz) plain=/tmp/hvmlink.ko; xz -dc "$ko" >"$plain" ;;
*.ko.zst) plain=/tmp/hvmlink.ko; zstd -qdc "$ko" >"$plain" ;;
*) fail "$ko: unknown compression" ;;
esac
resolved=$(nm -u "$plain" | awk '{ print $NF }' |
	awk 'NR == FNR { need[$1] = 1; next }
	     ($2 in need) && !($2 in from) { from[$2] = $3 }
	     END { for (s in need) print (s in from ? from[s] : "MISSING"), s }' - "$symvers")
[ -n "$resolved" ] || fail "nm found no undefined symbol in $ko"
missing=$(echo "$resolved" | awk '$1 == "MISSING" { print $2 }')
[ -z "$missing" ] || fail "not exported by $krel: $(echo $missing)"
echo "$(echo "$resolved" | wc -l) symbols, from: $(echo "$resolved" | awk '{ print $1 }' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
want=$(echo "$resolved" | awk '$1 != "vmlinux" { n = $1; sub(/.*\//, "", n); print n }' | sort -u | tr '\n' ' ')
have=$(modinfo -F depends "$ko" | tr ',' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
[ "$want" = "$have" ] || fail "depends '$have', but the symbols come from '$want'"
echo "depends: ${have:-(none: all from vmlinux)}"
cp "$ko" /out/

step "apt-get purge hvmlink-dkms"
apt-get purge -y -q hvmlink-dkms
[ ! -e "$ko" ] || fail "$ko is still there after purge"
[ -z "$(dkms status -m hvmlink)" ] || fail "dkms still lists hvmlink"
echo "removed cleanly"
