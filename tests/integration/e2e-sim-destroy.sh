#!/usr/bin/env bash
# End to end on the simulated host: sim-guest scenario "destroy"
# (tests/integration/sim-guest*.c says what it checks).
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
e2e_sim_run destroy --domid ${E2E_DOMID:-5} --vcpus 4  -- --displays 2
