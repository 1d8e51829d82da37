#!/bin/sh
# Inside a clean Debian 12 chroot (run by run-packages.sh): install
# hvmlink-host from /debs with apt (its dependencies from the mirror),
# check what the install did, then purge it and check what is left.
set -eu
. /tmp/chroot-common.sh

step "apt-get install /debs/hvmlink-host_*.deb"
apt-get install -y -q --no-install-recommends /debs/hvmlink-host_*.deb

step "every file of the package is there"
files_present hvmlink-host
for f in /usr/sbin/hvmlinkd /usr/sbin/hvmlinkctl /lib/systemd/system/hvmlinkd@.service \
	/usr/share/man/man8/hvmlinkd.8.gz /usr/share/man/man8/hvmlinkctl.8.gz \
	/usr/libexec/hvmlink/qemu-wrapper /etc/hvmlink/qemu-wrapper.conf \
	/usr/share/man/man8/hvmlink-qemu-wrapper.8.gz; do
	[ -e "$f" ] || fail "$f is not installed"
done

step "the device-model wrapper reads its shipped configuration"
[ -x /usr/libexec/hvmlink/qemu-wrapper ] || fail "qemu-wrapper is not executable"
grep -qx /etc/hvmlink/qemu-wrapper.conf /var/lib/dpkg/info/hvmlink-host.conffiles ||
	fail "/etc/hvmlink/qemu-wrapper.conf is not a conffile"
# No -xen-domid: refused with one line, nothing run.
if out=$(/usr/libexec/hvmlink/qemu-wrapper -m 256 2>&1); then fail "qemu-wrapper without -xen-domid succeeded"; fi
echo "$out"
echo "$out" | grep -q 'no -xen-domid' || fail "qemu-wrapper: $out"

step "the programs find their libraries"
libraries_resolve hvmlink-host

step "every installed program runs and names the package's version"
programs_run hvmlink-host

step "sysusers.d made the hvmlink system user"
entry=$(getent passwd hvmlink) || fail "no user hvmlink"
echo "$entry"
uid=$(echo "$entry" | cut -d: -f3)
[ "$uid" -lt 1000 ] || fail "hvmlink is not a system user (uid $uid)"
[ "$uid" -ne 0 ] || fail "hvmlink has uid 0"
getent group hvmlink || fail "no group hvmlink"

step "tmpfiles.d made the daemon's directories"
check_dir() {
	[ -d "$1" ] || fail "$1 is missing"
	got=$(stat -c '%U:%G %a' "$1")
	[ "$got" = "$2" ] || fail "$1 is $got, want $2"
	echo "$1 $got"
}
check_dir /run/hvmlink "root:root 755"
check_dir /var/lib/hvmlink "root:root 755"
check_dir /var/lib/hvmlink/empty "root:root 755"
check_dir /var/lib/hvmlink/vm "root:hvmlink 770"
[ -z "$(ls -A /var/lib/hvmlink/empty)" ] || fail "the chroot directory is not empty"

step "systemd accepts the unit"
systemd-analyze verify --man=no /lib/systemd/system/hvmlinkd@.service
systemd-analyze security --offline=yes --no-pager \
	/lib/systemd/system/hvmlinkd@.service | tail -n 1
if grep -q '^WantedBy=' /lib/systemd/system/hvmlinkd@.service; then
	fail "hvmlinkd@.service has an [Install] WantedBy (its instance is a domain id)"
fi

step "apt-get purge hvmlink-host"
purge_clean hvmlink-host
[ ! -e /var/lib/hvmlink ] || fail "/var/lib/hvmlink is still there after purge"
echo "purged cleanly"
