#!/usr/bin/env bash
# Life cycle on the simulated host (sim-guest scenario "reboot"):
# hints follow the VM: after a reboot (new domain id, same UUID) the display and key hints apply again, and hints by the VM's name reach the new domain.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
E2E_DOMID=${E2E_DOMID:-9}
e2e_sim_run reboot --domid "$E2E_DOMID" --vcpus 2
