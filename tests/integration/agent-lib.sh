# shellcheck shell=bash
# agent-lib.sh: the guest agents against the real hvmlinkd on the
# simulated host.  The simulated guest driver serves the agents' device
# nodes (sim-guest --scenario devnode, see tests/integration/simdev.h);
# the agents are the binaries this tree ships, run through simdev-run.
# Sourced by tests/integration/agent-*.sh and session-agent-*.sh:
#
#   . "$(dirname "$0")/agent-lib.sh"
#   ag_host_start [sim-guest options] [-- hvmlinkd options]
#   ag_hint 0 1366x768            # hvmlinkctl hint DOMID display 0 ...
#   ag_wait_display 0 applied 1366x768+0+0
#   ag_host_stop                  # SIGTERM; the scenario checks a clean exit
#
# Everything lives in the harness's test directory ($XS_TEST_DIR), kept
# when the test fails.
. "$(dirname "${BASH_SOURCE[0]}")/e2e-sim-lib.sh"

AG_DOMID=${E2E_DOMID:-7}
AG_XS=/local/domain/0/hvmlink/$AG_DOMID
AG_TIMEOUT=${AG_TIMEOUT:-30}
[ -z "${HVMLINK_VALGRIND:-}" ] || AG_TIMEOUT=120
AG_SIMDEV_RUN=$top_builddir/tests/integration/simdev-run
AG_AGENT=$top_builddir/src/guest/agent/hvmlink-agent
AG_SESSION=$top_builddir/src/guest/agent/hvmlink-session-agent
AG_HOST_PID=
AG_SHORT=
export E2E_LOG_LEVEL=${E2E_LOG_LEVEL:-notice}

ag_say() { printf '[test  ] %s\n' "$*"; }
ag_fail() { printf '[FAILED] %s\n' "$*"; exit 1; }

# ag_require_pkg WHAT FILE...: the files a package provides, else skip
# (77) -- but never under CI=true, where scripts/deps.d installs them.
ag_require() {
	local what=$1 f
	shift
	for f in "$@"; do
		[ -e "$f" ] && continue
		if [ "${CI:-}" = true ]; then
			ag_fail "$what is missing ($f); scripts/deps.d/session.list installs it"
		fi
		echo "SKIP: $what is not installed ($f)"
		exit 77
	done
}

# ag_wait SECONDS CMD...: until CMD succeeds; 1 after SECONDS.
ag_wait() {
	local limit=$1 i=0
	shift
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -le $((limit * 10)) ] || return 1
		sleep 0.1
	done
}

ag_host_start() {
	local opts=() sock
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	[ -n "${XENSTORED_PATH:-}" ] || e2e_sim_start
	# This test's lock and state directories (the daemon's defaults are
	# the host's /run/hvmlink and /var/lib/hvmlink).
	: "${E2E_RUN_DIR:=$(xs_test_dir)/run}" "${E2E_STATE_DIR:=$(xs_test_dir)/state}"
	mkdir -p "$E2E_RUN_DIR" "$E2E_STATE_DIR" || ag_fail "mkdir"
	# Sockets live in a short directory: a build tree as deep as
	# distcheck's would overflow sun_path.
	if [ -z "$AG_SHORT" ]; then
		AG_SHORT=$(mktemp -d /tmp/hvmlink-ag.XXXXXX) || ag_fail "mktemp failed"
		xs_atexit 'rm -rf "$AG_SHORT"'
	fi
	sock=$AG_SHORT/devnode.sock
	export SIMDEV_SOCKET=$sock
	"$E2E_SIM_GUEST" --scenario devnode --domid "$AG_DOMID" --vcpus 2 \
		--socket "$sock" "${opts[@]}" -- \
		"${E2E_WRAP[@]}" "$E2E_HVMLINKD" --domid "$AG_DOMID" --foreground \
		--run-dir "$E2E_RUN_DIR" --state-dir "$E2E_STATE_DIR" \
		--log-level "$E2E_LOG_LEVEL" "$@" >"$XS_TEST_DIR/host.log" 2>&1 &
	AG_HOST_PID=$!
	xs_atexit ag_host_kill
	ag_wait "$AG_TIMEOUT" test -S "$sock" ||
		{ cat "$XS_TEST_DIR/host.log"; ag_fail "the simulated device node never came up"; }
	ag_say "simulated host up: hvmlinkd for domain $AG_DOMID, device nodes on $sock"
}

ag_host_kill() {
	[ -n "$AG_HOST_PID" ] || return 0
	kill -TERM "$AG_HOST_PID" 2>/dev/null
	wait "$AG_HOST_PID" 2>/dev/null
	AG_HOST_PID=
}

# The scenario ends with the daemon stopped and nothing left behind.
ag_host_stop() {
	local rc=0
	kill -TERM "$AG_HOST_PID"
	wait "$AG_HOST_PID" || rc=$?
	AG_HOST_PID=
	sed 's/^/    host| /' "$XS_TEST_DIR/host.log"
	[ "$rc" -eq 0 ] || ag_fail "the simulated host ended with status $rc"
}

ag_hint() {
	"$HVMLINKCTL" hint "$AG_DOMID" display "$1" "$2" >/dev/null ||
		ag_fail "hvmlinkctl hint $AG_DOMID display $1 $2 failed"
}

ag_node() { xenstore-read "$AG_XS/$1" 2>/dev/null; }

# ag_wait_node NODE VALUE: the host's NODE (under the domain's root)
# comes to read VALUE.  Always wait, never read once: hvmlinkd publishes
# at most HVMLINKD_PUBLISH_PER_SEC times a second, so a report the guest
# made just after another reaches xenstore up to one interval later, even
# when the agent has already exited.
ag_node_is() { [ "$(ag_node "$1")" = "$2" ]; }
ag_wait_node() {
	ag_wait "$AG_TIMEOUT" ag_node_is "$1" "$2" && return 0
	ag_fail "$1 is '$(ag_node "$1")', wanted '$2'"
}

# ag_wait_display N STATUS MODE [REASON-PATTERN]: the host's view of
# display N (what the guest reported) becomes STATUS with MODE (the mode
# in effect, hvmlinkctl's form without the @BPP the guest chose); with
# REASON-PATTERN the reason matches.
ag_mode() { ag_node "guest/display/$1/mode" | sed "s/@[0-9]*//"; }
ag_display_is() {
	[ "$(ag_node "guest/display/$1/status")" = "$2" ] &&
		[ "$(ag_mode "$1")" = "$3" ] &&
		{ [ -z "${4:-}" ] || [[ "$(ag_node "guest/display/$1/reason")" == $4 ]]; }
}
ag_wait_display() {
	ag_wait "$AG_TIMEOUT" ag_display_is "$@" && return 0
	ag_fail "display $1: wanted $2 $3${4:+ ($4)}, host shows $(ag_node "guest/display/$1/status") $(ag_mode "$1") reason '$(ag_node "guest/display/$1/reason")'"
}

# ag_hint_seq: a hint's report is recognised by its seq growing.
ag_seq() { ag_node "guest/display/$1/seq" || echo none; }

# ag_run_agent LOG PROGRAM [ARGS...]: start an agent on the simulated
# device nodes (under valgrind in the valgrind stage); sets AG_PID.
ag_run_agent() {
	local log=$1
	shift
	"$AG_SIMDEV_RUN" "${E2E_WRAP[@]}" "$@" >"$log" 2>&1 &
	AG_PID=$!
}

# ag_stop_agent PID: SIGTERM; the agent must exit 0.
ag_stop_agent() {
	local rc=0
	kill -TERM "$1" 2>/dev/null
	wait "$1" || rc=$?
	[ "$rc" -eq 0 ] || ag_fail "agent (pid $1) exited with status $rc"
}

# ag_log_wait LOG PATTERN: a line matching PATTERN (grep -E) appears.
ag_log_wait() {
	ag_wait "$AG_TIMEOUT" grep -qsE "$2" "$1" && return 0
	sed 's/^/    log| /' "$1"
	ag_fail "no line matching '$2' in $1"
}
