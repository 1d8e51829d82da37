#!/bin/sh
# Inside a clean Debian 12 chroot (run by run-packages.sh): install
# hvmlink-guest from /debs with apt, check it, purge it.
set -eu
step() { printf '\n--- %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

step "apt-get install /debs/hvmlink-guest_*.deb"
apt-get install -y -q --no-install-recommends /debs/hvmlink-guest_*.deb

step "every file of the package is there"
dpkg -L hvmlink-guest | while read -r f; do
	[ -e "$f" ] || fail "$f is listed by dpkg but missing"
done
for f in /usr/bin/hvmlink /usr/sbin/hvmlink-agent /lib/systemd/system/hvmlink-agent.service \
	/usr/share/man/man1/hvmlink.1.gz /usr/share/man/man8/hvmlink-agent.8.gz; do
	[ -e "$f" ] || fail "$f is not installed"
done

step "the programs find their libraries"
for f in $(dpkg -L hvmlink-guest | grep -E '^/usr/s?bin/|^/usr/libexec/'); do
	[ -f "$f" ] || continue
	if head -c 4 "$f" | grep -q ELF; then
		! ldd "$f" | grep 'not found' || fail "$f: unresolved libraries"
	fi
done

step "sysusers.d made the hvmlink group (for /dev/hvmlink-user)"
getent group hvmlink || fail "no group hvmlink"

step "systemd accepts the agent unit, bound to /dev/hvmlink"
systemd-analyze verify --man=no /lib/systemd/system/hvmlink-agent.service
grep -qx 'BindsTo=dev-hvmlink.device' /lib/systemd/system/hvmlink-agent.service ||
	fail "hvmlink-agent.service is not bound to dev-hvmlink.device"

step "apt-get purge hvmlink-guest"
files=$(dpkg -L hvmlink-guest | grep -v '^/\.$')
apt-get purge -y -q hvmlink-guest
for f in $files; do
	[ -d "$f" ] && continue
	[ ! -e "$f" ] || fail "$f is still there after purge"
done
echo "purged cleanly"
