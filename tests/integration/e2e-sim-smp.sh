#!/usr/bin/env bash
# End to end on the simulated host: sim-guest scenario "smp"
# (tests/integration/sim-guest*.c says what it checks).
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
e2e_sim_run smp --domid ${E2E_DOMID:-5} --vcpus 4 --seconds ${HVMLINK_SMP_SECONDS:-${HVMLINK_SOAK_SECONDS:-3}} -- --displays 2
