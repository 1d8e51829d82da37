#!/usr/bin/env bash
# Crash restart as hvmlinkd@.service runs the daemon (sim-guest scenario
# "restart-depriv"): root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH
# (the unit's CapabilityBoundingSet), umask 077, --user and --chroot, the
# state directory 0770 root:GROUP as tmpfiles.d makes it.  The state file
# the deprivileged daemon wrote is read by the next daemon; one it cannot
# read stops it with status 1 and leaves the crashed daemon's server alone.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
if [ "$(id -u)" != 0 ]; then
	# Dropping capabilities, changing uid and chrooting need root.
	echo "SKIP: deprivileged restarts can only be tested as root" >&2
	exit 77
fi
command -v setpriv >/dev/null || { echo "setpriv (util-linux) is missing" >&2; exit 1; }
user=${HVMLINK_TEST_USER:-nobody}
id "$user" >/dev/null 2>&1 || { echo "no user $user" >&2; exit 1; }
e2e_sim_start
jail=$(xs_test_dir)/empty
mkdir -m 0755 "$jail" || exit 1
# tmpfiles.d/hvmlink.conf's layout: the state directory root's, vm/ 0770
# with the daemon user's group.
chmod 0755 "$E2E_STATE_DIR" || exit 1
install -d -m 0770 -o root -g "$(id -gn "$user")" "$E2E_STATE_DIR/vm" || exit 1
# LeakSanitizer needs /proc/PID/task at exit, which the chroot hides (see
# daemon-depriv.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
E2E_WRAP=(setpriv --bounding-set=-dac_override,-dac_read_search -- "${E2E_WRAP[@]}")
umask 077
E2E_DOMID=${E2E_DOMID:-6}
e2e_sim_run restart-depriv --domid "$E2E_DOMID" --vcpus 2 --user "$user" -- \
	--user "$user" --chroot "$jail"
