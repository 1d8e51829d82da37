#!/usr/bin/env bash
# hvmlink-session-agent in an X11 session: the real agent, the real
# hvmlinkd on the simulated host (the simulated guest driver serves
# /dev/hvmlink-user, see simdev.h), and a real X server (Xorg, dummy
# driver).  Every hint ends with the X server in that mode, read back
# through RandR by the test (xrandr-state), and with the host showing the
# guest's report (hvmlinkctl's xenstore nodes):
#   1366x768, 3440x1440, 1920x1080 (modes X does not have: made from CVT
#   timings, and removed again once unused); a two-display layout; a
#   display turned off; a mode too big for the X server (failed, with the
#   reason); an X server restart (the hint is applied again); a session
#   agent that starts after the hint (applies it at start); a second agent
#   for the same display; displays mapped to named outputs (--outputs).
set -u
. "$(dirname "$0")/agent-lib.sh"
. "$(dirname "$0")/x11-lib.sh"
x11_require

ag_host_start -- --displays 2
x11_start
log=$XS_TEST_DIR/session-agent.log

ag_run_agent "$log" "$AG_SESSION" --x-display "$X11_DISPLAY" --x-wait 20 --verbose
agent=$AG_PID
xs_atexit "kill $agent 2>/dev/null"
ag_log_wait "$log" "connected to /dev/hvmlink-user"

for mode in 1366x768 3440x1440 1920x1080; do
	ag_hint 0 "$mode"
	ag_wait_display 0 applied "$mode+0+0"
	x11_expect "screen $mode" "DUMMY0 $mode+0+0"
done
# The modes the agent made for 1366x768 and 3440x1440 are gone: only the
# one in use is left.
x11_expect "modes hvmlink-1920x1080"
ag_wait_node guest/facility/display active

# Two displays: side by side, the screen covering both.
ag_hint 1 1366x768+1920+0
ag_wait_display 1 applied 1366x768+1920+0
x11_expect "screen 3286x1080" "DUMMY0 1920x1080+0+0" "DUMMY1 1366x768+1920+0"
# Display 1 above display 0: both move, the screen follows.
ag_hint 0 1920x1080+0+768
ag_wait_display 0 applied 1920x1080+0+768
ag_hint 1 1366x768+0+0
ag_wait_display 1 applied 1366x768+0+0
x11_expect "screen 1920x1848" "DUMMY1 1366x768+0+0" "DUMMY0 1920x1080+0+768"
ag_hint 0 1920x1080+0+0
ag_hint 1 1366x768+1920+0
ag_wait_display 0 applied 1920x1080+0+0
ag_wait_display 1 applied 1366x768+1920+0
x11_expect "screen 3286x1080" "DUMMY0 1920x1080+0+0" "DUMMY1 1366x768+1920+0"
# Off again.
ag_hint 1 off
ag_wait_display 1 applied off
x11_expect "screen 1920x1080" "DUMMY0 1920x1080+0+0" "DUMMY1 off"

# Too big for this X server's video memory: failed, with X's reason, and
# the display stays as it was.
ag_hint 0 16384x16384
ag_wait_display 0 failed 1920x1080+0+0 "*16384x16384*"
ag_say "host shows: failed, reason '$(ag_node guest/display/0/reason)'"
x11_expect "screen 1920x1080" "DUMMY0 1920x1080+0+0"
"$HVMLINKCTL" status "$AG_DOMID" | grep -i "display 0" || true

# An X server restart: the agent notices, reconnects and applies the
# current hint again.
ag_hint 0 1366x768
ag_wait_display 0 applied 1366x768+0+0
display=$X11_DISPLAY
x11_stop
ag_log_wait "$log" "X display $display went away"
x11_start "$display"
x11_expect "DUMMY0 1366x768+0+0"
ag_log_wait "$log" "is back: applying the hints again"

# A session that starts later: the agent stops (the host sees the display
# facility terminated), the host changes the hint, a new agent applies it
# at start.
ag_stop_agent "$agent"
ag_wait_node guest/facility/display terminated
ag_hint 0 3440x1440
sleep 0.5
x11_has "DUMMY0 1366x768+0+0" || ag_fail "the X server changed with no agent running"
ag_run_agent "$log.2" "$AG_SESSION" --x-display "$X11_DISPLAY"
agent=$AG_PID
ag_wait_display 0 applied 3440x1440+0+0
x11_expect "screen 3440x1440" "DUMMY0 3440x1440+0+0"

# A second agent for the same display (autostart and the user unit both
# started one) steps aside.
"$AG_SIMDEV_RUN" "$AG_SESSION" --x-display "$X11_DISPLAY" >"$log.3" 2>&1 ||
	ag_fail "the second agent exited with status $?"
grep -q "another hvmlink-session-agent serves $X11_DISPLAY" "$log.3" ||
	ag_fail "the second agent did not step aside: $(cat "$log.3")"

# Displays mapped to named outputs: display 0 is DUMMY3 now.
ag_stop_agent "$agent"
ag_run_agent "$log.4" "$AG_SESSION" --x-display "$X11_DISPLAY" --outputs DUMMY3,DUMMY2
agent=$AG_PID
ag_log_wait "$log.4" "applied display 0 3440x1440"
x11_expect "DUMMY3 3440x1440+0+0"

ag_stop_agent "$agent"
x11_stop
ag_host_stop
sed 's/^/    agent| /' "$log" "$log.2" "$log.4"
echo "PASS: session agent on X11"
