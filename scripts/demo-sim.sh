#!/usr/bin/env bash
# The whole host side of hvmlink on the simulated host, step by step:
#   - a real xenstored (tests/harness), seeing the stand-in's domains;
#   - the Xen stand-in (tests/xensim) playing the hypervisor;
#   - the real hvmlinkd binary, run under tests/xensim/xensim-run;
#   - a scripted simulated guest (tests/integration/sim-guest) that does
#     what the guest kernel driver does: finds the device by PCI config
#     reads, programs its BARs, enables decode and bus mastering, reads the
#     status page, sets its event filter, reports guest info, waits for its
#     interrupt, acknowledges events, fetches the hint and reports it applied;
#   - the administrator, writing a display hint with hvmlinkctl and reading
#     the result back with hvmlinkctl status.
# Exit status 0 only if every step worked (and nothing was left behind).
#
# Usage: scripts/demo-sim.sh [--build-dir DIR] [--domid D] [--mode WxH[@B]]
#                            [--log-level LEVEL]
# No "set -e": the harness's EXIT trap runs commands whose failure is
# normal (waiting for the xenstored it just stopped).
set -uo pipefail

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$top_srcdir/_build/demo
domid=5
mode=1920x1080
level=info
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) top_builddir=$(cd "$2" && pwd); shift 2 ;;
	--domid) domid=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	--log-level) level=$2; shift 2 ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo-sim.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
export top_srcdir top_builddir

hvmlinkd=$top_builddir/src/daemon/hvmlinkd
hvmlinkctl=$top_builddir/xenstore/hvmlinkctl
sim_guest=$top_builddir/tests/integration/sim-guest
export XENSIM_RUN=$top_builddir/tests/xensim/xensim-run
for f in "$hvmlinkd" "$hvmlinkctl" "$sim_guest" "$XENSIM_RUN"; do
	[ -x "$f" ] || { echo "demo-sim.sh: $f not built (make && make check TESTS=)" >&2; exit 1; }
done
export PATH="$top_builddir/xenstore:$PATH"

# The harness owns the EXIT trap: it stops xenstored and cleans up.
# shellcheck source=../tests/harness/xenstored.sh
. "$top_srcdir/tests/harness/xenstored.sh"
# A demo has no "skip": without xenstored it cannot show anything.
CI=true xs_require

banner() { printf '\n=== %s\n' "$*"; }

banner "starting a real xenstored (tests/harness) and the Xen stand-in"
xs_sim_init || exit 1
xs_start || exit 1
echo "xenstored: $XS_XENSTORED_BIN, socket $XENSTORED_PATH"
echo "stand-in state: $XENSIM_DIR"

banner "guest domain $domid boots; hvmlinkd serves it; the administrator hints $mode"
echo "(lines from the daemon start with hvmlinkd[dom$domid], the guest's with [guest])"
rc=0
"$sim_guest" --scenario demo --domid "$domid" --vcpus 2 \
	--expect "$mode" \
	--hint-cmd "hvmlinkctl hint $domid display $mode" \
	--status-cmd "hvmlinkctl status $domid" \
	-- "$hvmlinkd" --domid "$domid" --foreground --log-level "$level" \
	--run-dir "$(xs_test_dir)/run" --state-dir "$(xs_test_dir)/state" 2>&1 || rc=$?

if [ "$rc" -eq 0 ]; then
	banner "demo passed: every step worked and nothing was left behind"
else
	banner "demo FAILED (status $rc); logs kept in $(xs_test_dir)"
	XS_KEEP=1
fi
exit "$rc"
