#!/usr/bin/env bash
# hvmlink-session-agent in a GNOME Wayland session: mutter run headless
# with two virtual monitors (1024x768 and 800x600, one mode each) on a
# private session bus, the real agent, the real hvmlinkd on the simulated
# host.  Read back through mutter's own D-Bus API (mutter-state):
#   a two-display layout the compositor offers (display 1 moved below
#   display 0) is applied; a display turned off is off; a mode mutter
#   does not offer (1366x768) fails with a reason naming what it offers,
#   and the monitor keeps its mode.
set -u
if [ -z "${AG_PRIVATE_BUS:-}" ]; then
	command -v dbus-run-session >/dev/null || {
		[ "${CI:-}" != true ] || { echo "[FAILED] dbus-run-session missing (scripts/deps.d/session.list)"; exit 1; }
		echo "SKIP: dbus-run-session is not installed"; exit 77; }
	AG_PRIVATE_BUS=1 exec dbus-run-session -- "$0" "$@"
fi
. "$(dirname "$0")/agent-lib.sh"
ag_require "mutter" /usr/bin/mutter
MUTTER_STATE=$top_builddir/tests/integration/mutter-state

ag_host_start -- --displays 2
export XDG_RUNTIME_DIR=$AG_SHORT/runtime
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
unset DISPLAY
mutter --headless --no-x11 --wayland-display hvmlink-test-0 \
	--virtual-monitor 1024x768 --virtual-monitor 800x600 \
	>"$XS_TEST_DIR/mutter.log" 2>&1 &
mutter=$!
xs_atexit "kill $mutter 2>/dev/null; wait $mutter 2>/dev/null"
ag_wait "$AG_TIMEOUT" "$MUTTER_STATE" >/dev/null 2>&1 ||
	{ tail "$XS_TEST_DIR/mutter.log"; ag_fail "mutter does not answer on the session bus"; }
ag_say "mutter (headless) up: $("$MUTTER_STATE" | tr '\n' ';')"

m_has() {
	local state line
	state=$("$MUTTER_STATE") || return 1
	for line in "$@"; do grep -qxF -- "$line" <<<"$state" || return 1; done
}
m_expect() {
	ag_wait "$AG_TIMEOUT" m_has "$@" ||
		ag_fail "mutter shows '$("$MUTTER_STATE" | tr '\n' ';')', wanted: $*"
	ag_say "mutter reads back: $("$MUTTER_STATE" | tr '\n' ';')"
}

log=$XS_TEST_DIR/session-agent.log
WAYLAND_DISPLAY=hvmlink-test-0 ag_run_agent "$log" "$AG_SESSION" --verbose
agent=$AG_PID
xs_atexit "kill $agent 2>/dev/null"
ag_log_wait "$log" "mutter backend"
ag_log_wait "$log" "connected to /dev/hvmlink-user"

ag_hint 0 1024x768+0+0
ag_wait_display 0 applied 1024x768+0+0
ag_hint 1 800x600+0+768
ag_wait_display 1 applied 800x600+0+768
m_expect "Meta-0 1024x768+0+0" "Meta-1 800x600+0+768"

ag_hint 1 off
ag_wait_display 1 applied off
m_expect "Meta-0 1024x768+0+0" "Meta-1 off"

ag_hint 0 1366x768
ag_wait_display 0 failed 1024x768+0+0 "*mutter offers no 1366x768 mode on Meta-0 (it offers 1024x768)*"
ag_say "host shows: failed, reason '$(ag_node guest/display/0/reason)'"
m_expect "Meta-0 1024x768+0+0"

ag_stop_agent "$agent"
ag_host_stop
sed 's/^/    agent| /' "$log"
echo "PASS: session agent on GNOME Wayland (mutter)"
