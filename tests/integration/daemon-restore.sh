#!/usr/bin/env bash
# Life cycle on the simulated host (sim-guest scenario "incoming"):
# --incoming (xl save + xl restore): the restored domain's device has its BARs, MSI and filter, raises RESTORED and republishes the guest's state; without saved state, a fresh device with RESTORED.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
E2E_DOMID=${E2E_DOMID:-9}
e2e_sim_run incoming --domid "$E2E_DOMID" --vcpus 2
