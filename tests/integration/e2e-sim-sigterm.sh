#!/usr/bin/env bash
# End to end on the simulated host: sim-guest scenario "sigterm"
# (tests/integration/sim-guest*.c says what it checks), and the
# statistics line the daemon logs on the scenario's SIGHUP.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
e2e_sim_start
log=$(xs_test_dir)/sigterm.log
rc=0
e2e_sim_run sigterm --domid ${E2E_DOMID:-5} --vcpus 4  -- --displays 2 2>"$log" || rc=$?
cat "$log" >&2
[ "$rc" -eq 0 ] || exit "$rc"
# The counters come from the device (read on its thread); the guest's
# boot made requests, so the count is not zero.
if ! grep -Eq 'notice: SIGHUP: pending 0x[0-9a-f]+ filter 0x[0-9a-f]+, [1-9][0-9]* requests .*xenstore connected' "$log"; then
	echo "FAIL: no statistics line with the guest's requests after SIGHUP" >&2
	exit 1
fi
echo "PASS: SIGHUP logged the device's statistics: $(grep -o 'SIGHUP: .*' "$log")" >&2
