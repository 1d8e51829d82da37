#!/usr/bin/env bash
# hvmlinkd stays fair under load: hints during a request flood, guest
# requests during a burst of hints, publication under a REPORT flood
# (tests/bench/fair-test.c says how; generous bounds, timings are the
# bench's).  Starts the real xenstored on the simulated host.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/harness/xenstored.sh"

xs_require
xs_sim_init || exit 1
xs_start -T /dev/null || exit 1
export XENSIM_RUN=$top_builddir/tests/xensim/xensim-run
"$top_builddir/tests/bench/fair-test" \
	--hvmlinkd "$top_builddir/src/daemon/hvmlinkd"
