#!/usr/bin/env bash
# End to end on the simulated host: sim-guest scenario "latches"
# (tests/integration/sim-guest-latches.c says what it checks): two vCPUs
# racing requests above 4 GiB, protocol 1.1's per-vCPU REQUEST_HI/LAST_RC.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
e2e_sim_run latches --domid ${E2E_DOMID:-5} --vcpus 2 --seconds ${HVMLINK_LATCH_SECONDS:-2}
