#!/usr/bin/env bash
# Life cycle on the simulated host (sim-guest scenario "restart-stale"):
# a cleanly stopped daemon's device state comes back when it starts again for the same domain; a record from another boot, or a damaged one, gives a fresh device.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
E2E_DOMID=${E2E_DOMID:-9}
e2e_sim_run restart-stale --domid "$E2E_DOMID" --vcpus 2
