#!/bin/bash
# hvmlinkctl launch with a stand-in xl (hvmlinkctl-fake-xl.sh) and the
# xenstore layer's driver as hvmlinkd (it publishes running/ready through
# the real hvmxs code): the order of the steps, the daemon's arguments,
# and the clean-up of every failure.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
xs_require
xs_sim_init
xs_start || fail "xenstored did not start"

export HVMLINK_XL="$top_srcdir/tests/integration/hvmlinkctl-fake-xl.sh"
export FAKE_XL_LOG=$XS_TEST_DIR/xl.log
export HVMLINKD=$DRV_BIN
cfg=$XS_TEST_DIR/guest.cfg
printf 'name = "launched"\ntype = "hvm"\n' >"$cfg"
: >"$FAKE_XL_LOG"

daemon_pid_of() { xenstore-read "$(ROOT_OF "$1")/pid" 2>/dev/null; }
# my_daemon_running DOMID: a daemon of this test for DOMID still runs.
# Only ours: other runs of this test (other build trees, parallel stages)
# run the same driver with the same arguments, but each talks to its own
# xenstored, which its environment names.
my_daemon_running() {
	local pid
	for pid in $(pgrep -f "^$DRV_BIN --domid $1 "); do
		tr '\0' '\n' </proc/"$pid"/environ 2>/dev/null |
			grep -qxF "XENSTORED_PATH=$XENSTORED_PATH" && return 0
	done
	return 1
}
stop_daemon() {
	local pid
	pid=$(daemon_pid_of "$1") || return 0
	kill "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

# Success: create -p, daemon started with --domid and the extra options,
# ready, then unpause.
"$CTL" launch "$cfg" 'memory=512' -- --daemon --displays 2 >"$XS_TEST_DIR/out" 2>"$XS_TEST_DIR/err" &
lpid=$!
wait "$lpid" || fail "launch failed: $(cat "$XS_TEST_DIR/err")"
grep -qx 'domain 1 started, hvmlinkd ready' "$XS_TEST_DIR/out" || fail "launch output: $(cat "$XS_TEST_DIR/out")"
diff -u - "$FAKE_XL_LOG" <<X || fail "xl calls differ"
create -p $cfg memory=512
unpause 1
X
expect_read "$(ROOT_OF 1)/state" ready
expect_read "$(ROOT_OF 1)/displays" 2
pid=$(daemon_pid_of 1)
tr '\0' ' ' </proc/"$pid"/cmdline | grep -q -- "--domid 1 --daemon --displays 2" || fail "daemon arguments: $(tr '\0' ' ' </proc/"$pid"/cmdline)"
# The "left running" checks below see this daemon (they can fail).
my_daemon_running 1 || fail "my_daemon_running does not see daemon $pid"
pass "launch: create -p, daemon ready, unpause"
# Destroying the domain stops the daemon (domain-gone) and clears its root.
"$HVMLINK_XL" destroy 1
while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
wait_absent "$(ROOT_OF 1)"
pass "destroyed domain: daemon exits, state removed"

# xl create fails: nothing to clean, exit 5.
: >"$FAKE_XL_LOG"
rc=0; FAKE_XL_FAIL=create "$CTL" launch "$cfg" 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with failing create exited $rc"
grep -q 'create -p failed' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
[ "$(cat "$FAKE_XL_LOG")" = "create -p $cfg" ] || fail "xl calls: $(cat "$FAKE_XL_LOG")"
pass "failing xl create"

# The daemon fails to start: domain destroyed, exit 5.
: >"$FAKE_XL_LOG"
rc=0; "$CTL" launch "$cfg" -- --daemon --fail-start 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with failing daemon exited $rc"
grep -q 'hvmlinkd exited with status 1 before it was ready' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
printf 'create -p %s\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls"
expect_absent /local/domain/1
pass "failing daemon: domain destroyed"

# The daemon never gets ready: timeout, daemon stopped, domain destroyed.
: >"$FAKE_XL_LOG"
rc=0; "$CTL" launch --timeout 0.5 "$cfg" -- --daemon --never-ready 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with never-ready daemon exited $rc"
grep -q 'did not become ready in time' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
printf 'create -p %s\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls"
my_daemon_running 1 && fail "daemon left running"
expect_absent "$(ROOT_OF 1)/state"
pass "daemon not ready in time: stopped, domain destroyed"

# unpause fails: daemon stopped, domain destroyed.
: >"$FAKE_XL_LOG"
rc=0; FAKE_XL_FAIL=unpause "$CTL" launch "$cfg" -- --daemon 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with failing unpause exited $rc"
grep -q 'xl unpause failed' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
printf 'create -p %s\nunpause 1\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls"
my_daemon_running 1 && fail "daemon left running"
pass "failing unpause: daemon stopped, domain destroyed"

# Bad invocations are refused before xl runs.
: >"$FAKE_XL_LOG"
rc=0; "$CTL" launch 2>/dev/null || rc=$?; [ $rc -eq 1 ] || fail "no config: $rc"
rc=0; "$CTL" launch "$XS_TEST_DIR/missing.cfg" 2>/dev/null || rc=$?; [ $rc -eq 1 ] || fail "missing config: $rc"
rc=0; HVMLINKD=/nonexistent "$CTL" launch "$cfg" 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 1 ] || fail "missing hvmlinkd: $rc"
grep -q 'cannot execute hvmlinkd at /nonexistent' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
[ ! -s "$FAKE_XL_LOG" ] || fail "xl ran for a bad invocation: $(cat "$FAKE_XL_LOG")"
pass "bad launch invocations"
exit 0
