#!/usr/bin/env bash
# hvmlinkd deprivileged as the systemd unit runs it: --user and --chroot.
# After start-up it must have the target uid, no capabilities, NoNewPrivs,
# its Xen handles restricted to its domain, and still do its job.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
if [ "$(id -u)" != 0 ]; then
	# Changing uid and chrooting need root; nothing else can stand in.
	echo "SKIP: deprivileging can only be tested as root" >&2
	exit 77
fi
user=${HVMLINK_TEST_USER:-nobody}
id "$user" >/dev/null 2>&1 || { echo "no user $user" >&2; exit 1; }
e2e_sim_start
jail=$(xs_test_dir)/empty
mkdir -m 0755 "$jail" || exit 1
# LeakSanitizer needs /proc/PID/task at exit, which the chroot hides: leak
# checking cannot run in this test (the other tests run the same code
# paths with it, unchrooted).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
e2e_sim_run depriv --domid 5 --vcpus 2 --user "$user" -- \
	--user "$user" --chroot "$jail"
