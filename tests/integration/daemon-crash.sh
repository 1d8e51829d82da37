#!/usr/bin/env bash
# Life cycle on the simulated host (sim-guest scenario "crash-restart"):
# kill -9 while two vCPUs wait (one READY, one INPROCESS): a new hvmlinkd re-attaches to the same ioreq server, answers both with the right data, and the guest goes on without re-programming anything; the dead daemon's lock is taken over.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
E2E_DOMID=${E2E_DOMID:-9}
e2e_sim_run crash-restart --domid "$E2E_DOMID" --vcpus 2
