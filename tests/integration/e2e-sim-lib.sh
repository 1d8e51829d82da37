# shellcheck shell=bash
# e2e-sim-lib.sh: run one sim-guest scenario against the real hvmlinkd on
# the simulated host (real xenstored through tests/harness, the Xen
# stand-in through tests/xensim).  Sourced by the tests/integration/e2e-sim-*
# and daemon-* test scripts:
#
#   . "$top_srcdir/tests/integration/e2e-sim-lib.sh"
#   e2e_sim_run SCENARIO [sim-guest options] -- [extra hvmlinkd options]
#
# The daemon runs in the foreground (E2E_DETACH=1: it detaches) with its
# log on this test's stderr (so in the test's .log file), at level info.
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

. "$top_srcdir/tests/harness/xenstored.sh"

E2E_HVMLINKD=$top_builddir/src/daemon/hvmlinkd
E2E_SIM_GUEST=$top_builddir/tests/integration/sim-guest
export HVMLINKCTL=$top_builddir/xenstore/hvmlinkctl
export PATH="$top_builddir/xenstore:$PATH"
export XENSIM_RUN=$top_builddir/tests/xensim/xensim-run

e2e__require() {
	local f
	for f in "$E2E_HVMLINKD" "$E2E_SIM_GUEST" "$HVMLINKCTL" "$XENSIM_RUN"; do
		# Built by "make check" in this tree: missing means broken.
		[ -x "$f" ] || { echo "e2e: $f is missing (make check builds it)" >&2; exit 1; }
	done
	xs_require
}

# e2e_sim_start: xenstored that sees the stand-in's domains, and the
# daemon's run and state directories of this test (hvmlinkd's defaults,
# /run/hvmlink and /var/lib/hvmlink, are the host's).
e2e_sim_start() {
	e2e__require
	xs_sim_init || exit 1
	xs_start || exit 1
	# For scenarios that stop and continue it (xenstored-frozen).
	E2E_XENSTORED_PID=$(xs_pid)
	export E2E_XENSTORED_PID
	E2E_RUN_DIR=$(xs_test_dir)/run
	E2E_STATE_DIR=$(xs_test_dir)/state
	mkdir -p "$E2E_RUN_DIR" "$E2E_STATE_DIR" || exit 1
	export E2E_RUN_DIR E2E_STATE_DIR
}

# Under the valgrind stage (scripts/run-tests) the daemon runs under
# memcheck, and everything it does takes much longer.
E2E_WRAP=()
if [ -n "${HVMLINK_VALGRIND:-}" ]; then
	read -r -a E2E_WRAP <<<"$HVMLINK_VALGRIND"
	export XENSIM_TIMEOUT_MS=${XENSIM_TIMEOUT_MS:-60000}
fi

e2e_sim_run() {
	local scenario=$1 guest_opts=() mode=(--foreground) rc=0
	[ -z "${E2E_DETACH:-}" ] || mode=(--log-target stderr)
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do guest_opts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	[ -n "${XENSTORED_PATH:-}" ] || e2e_sim_start
	: "${E2E_RUN_DIR:=$(xs_test_dir)/run}" "${E2E_STATE_DIR:=$(xs_test_dir)/state}"
	mkdir -p "$E2E_RUN_DIR" "$E2E_STATE_DIR" || return 1
	export E2E_RUN_DIR E2E_STATE_DIR
	"$E2E_SIM_GUEST" --scenario "$scenario" "${guest_opts[@]}" -- \
		"${E2E_WRAP[@]}" "$E2E_HVMLINKD" --domid "${E2E_DOMID:-5}" \
		"${mode[@]}" \
		--run-dir "$E2E_RUN_DIR" --state-dir "$E2E_STATE_DIR" \
		--log-level "${E2E_LOG_LEVEL:-info}" "$@" || rc=$?
	return "$rc"
}
