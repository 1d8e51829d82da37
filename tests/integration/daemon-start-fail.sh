#!/usr/bin/env bash
# hvmlinkd start-up failures: one error line, exit status 1, nothing left
# behind in Xen, whether nothing was built yet (no such domain) or the
# ioreq server and device already existed (xenstore unreachable).
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
e2e_sim_run start-fail --domid 5 --vcpus 2
