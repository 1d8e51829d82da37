#!/bin/sh
# Inside a clean Debian 12 chroot (run by run-packages.sh): install
# hvmlink-guest from /debs with apt, check it, purge it.
set -eu
. /tmp/chroot-common.sh

step "apt-get install /debs/hvmlink-guest_*.deb"
apt-get install -y -q --no-install-recommends /debs/hvmlink-guest_*.deb

step "every file of the package is there"
files_present hvmlink-guest
for f in /usr/bin/hvmlink /usr/sbin/hvmlink-agent /lib/systemd/system/hvmlink-agent.service \
	/usr/share/man/man1/hvmlink.1.gz /usr/share/man/man8/hvmlink-agent.8.gz; do
	[ -e "$f" ] || fail "$f is not installed"
done

step "the programs find their libraries"
libraries_resolve hvmlink-guest

step "every installed program runs and names the package's version"
programs_run hvmlink-guest

step "sysusers.d made the hvmlink group (for /dev/hvmlink-user)"
getent group hvmlink || fail "no group hvmlink"

step "systemd accepts the agent unit, bound to /dev/hvmlink"
systemd-analyze verify --man=no /lib/systemd/system/hvmlink-agent.service
grep -qx 'BindsTo=dev-hvmlink.device' /lib/systemd/system/hvmlink-agent.service ||
	fail "hvmlink-agent.service is not bound to dev-hvmlink.device"
systemd-analyze security --offline=yes --no-pager \
	/lib/systemd/system/hvmlink-agent.service | tail -n 1

step "apt-get purge hvmlink-guest"
purge_clean hvmlink-guest
echo "purged cleanly"
