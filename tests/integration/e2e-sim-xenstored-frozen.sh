#!/usr/bin/env bash
# End to end on the simulated host: sim-guest scenario "xenstored-frozen"
# (tests/integration/sim-guest-frozen.c says what it checks).
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
e2e_sim_run xenstored-frozen --domid ${E2E_DOMID:-5}
