#!/usr/bin/env bash
# One daemon per domain: a second hvmlinkd for a served domain exits 3
# with "domain D is already served by hvmlinkd (pid P)", in the
# foreground, detaching, or with another --pid-file, and touches nothing;
# and the live daemon's xenstore directory, removed under it, is published
# again (sim-guest scenario "second-daemon").
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
E2E_DOMID=${E2E_DOMID:-7}
e2e_sim_run second-daemon --domid "$E2E_DOMID" --vcpus 2
