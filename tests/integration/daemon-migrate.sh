#!/usr/bin/env bash
# Life cycle on the simulated host (sim-guest scenario "migrate"): a
# same-host migration gives the VM two domains at once; the arriving one
# (--incoming) loads the state and owns the VM's record; the leaving
# one's daemon never overwrites it, not after a crash and restart, not
# when it exits.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
E2E_DOMID=${E2E_DOMID:-9}
e2e_sim_run migrate --domid "$E2E_DOMID" --vcpus 2
