#!/bin/bash
# hvmlinkctl launch with a stand-in xl (hvmlinkctl-fake-xl.sh) and the
# xenstore layer's driver as hvmlinkd (it publishes running/ready through
# the real hvmxs code): the order of the steps, the daemon's arguments and
# file descriptors, the clean-up of every failure, SIGINT/SIGTERM/SIGHUP
# at each stage leaving nothing behind, concurrent launches, and a config
# whose device_model_override starts hvmlinkd through the toolstack (D3).
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
. "$top_srcdir/tests/integration/ctl-lib.sh"
xs_require
xs_sim_init
xs_start || fail "xenstored did not start"

export HVMLINK_XL="$top_srcdir/tests/integration/hvmlinkctl-fake-xl.sh"
export FAKE_XL_LOG=$XS_TEST_DIR/xl.log
export HVMLINKD=$DRV_BIN
# The driver acts as hvmlinkd (publishes running, then ready) with --daemon.
D=--daemon
cfg=$XS_TEST_DIR/guest.cfg
printf 'name = "launched"\ntype = "hvm"\n' >"$cfg"
: >"$FAKE_XL_LOG"

daemon_pid_of() { xenstore-read "$(ROOT_OF "$1")/pid" 2>/dev/null; }
# my_daemons [ARGS-REGEX]: pids of driver daemons of this test (they talk
# to this test's xenstored), whatever else runs on the machine.
my_daemons() {
	local pid
	for pid in $(pgrep -f "^$DRV_BIN --domid ${1:-}"); do
		tr '\0' '\n' </proc/"$pid"/environ 2>/dev/null | grep -qxF "XENSTORED_PATH=$XENSTORED_PATH" &&
			echo "$pid"
	done
	return 0
}
kill_my_daemons() { local p; for p in $(my_daemons); do kill -9 "$p"; done; }
xs_atexit kill_my_daemons
# destroy_all: what a test leaves for the next one: no domain, no daemon.
destroy_all() {
	local d pid
	for d in $(xenstore-list /local/domain 2>/dev/null); do
		[ "$d" = 0 ] && continue
		pid=$(daemon_pid_of "$d") || pid=
		"$HVMLINK_XL" destroy "$d"
		[ -z "$pid" ] || while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
		wait_absent "$(ROOT_OF "$d")/state"
	done
	: >"$FAKE_XL_LOG"
}
# nothing_left: no domain, no daemon process, no daemon state.
nothing_left() {
	local what=$1
	[ -z "$(xenstore-list /local/domain 2>/dev/null | grep -vx 0)" ] ||
		fail "$what: domains left: $(xenstore-list /local/domain | tr '\n' ' ')"
	[ -z "$(my_daemons)" ] || fail "$what: a daemon is still running: $(my_daemons)"
	[ -z "$(xenstore-list "$(ROOT_OF 1)" 2>/dev/null | grep -v hints)" ] ||
		fail "$what: daemon state left: $(xenstore-ls "$(ROOT_OF 1)")"
	return 0
}
# launch_bg ARGS...: hvmlinkctl launch in the background ($LPID),
# stdout/stderr in $XS_TEST_DIR/out and err.
launch_bg() {
	"$CTL" launch "$@" >"$XS_TEST_DIR/out" 2>"$XS_TEST_DIR/err" &
	LPID=$!
}
# wait_file FILE: until it exists.
wait_file() {
	local i=0
	until [ -e "$1" ]; do
		i=$((i + 1)); [ $i -le $((XS_TIMEOUT * 20)) ] || fail "$1 never appeared"
		sleep 0.05
	done
}
# expect_launch_rc N: wait for $LPID, check its status.
expect_launch_rc() {
	local rc=0
	wait "$LPID" || rc=$?
	[ $rc -eq "$1" ] || fail "launch exited $rc, expected $1: $(cat "$XS_TEST_DIR/err")"
}

# Success: create -p, daemon started with --domid and the extra options,
# ready, then unpause.  The daemon holds none of hvmlinkctl's output: it
# runs in a session of its own with stdin/stdout on /dev/null.
launch_bg "$cfg" 'memory=512' -- $D --displays 2
expect_launch_rc 0
grep -qx 'domain launched (id 1) started, hvmlinkd ready' "$XS_TEST_DIR/out" || fail "launch output: $(cat "$XS_TEST_DIR/out")"
diff -u - "$FAKE_XL_LOG" <<X || fail "xl calls differ"
create -p $cfg memory=512
unpause 1
X
expect_read "$(ROOT_OF 1)/state" ready
expect_read "$(ROOT_OF 1)/displays" 2
pid=$(daemon_pid_of 1)
tr '\0' ' ' </proc/"$pid"/cmdline | grep -q -- "--domid 1 $D --displays 2" || fail "daemon arguments: $(tr '\0' ' ' </proc/"$pid"/cmdline)"
[ "$(readlink /proc/"$pid"/fd/0)" = /dev/null ] && [ "$(readlink /proc/"$pid"/fd/1)" = /dev/null ] ||
	fail "daemon stdin/stdout: $(ls -l /proc/"$pid"/fd/)"
case $(readlink /proc/"$pid"/fd/2) in pipe:*) ;; *) fail "daemon stderr: $(readlink /proc/"$pid"/fd/2)" ;; esac
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || fail "daemon is not in a session of its own"
pass "launch: create -p, daemon ready, unpause; daemon detached from our output"
# A foreground daemon does not keep a command substitution waiting.
destroy_all
out=$(timeout 60 "$CTL" launch "$cfg" -- $D --displays 1) || fail "launch in \$(...) failed or hung"
[ "$out" = 'domain launched (id 1) started, hvmlinkd ready' ] || fail "output: $out"
pass "launch inside \$(...) returns while the daemon runs"
destroy_all

# xl create fails: nothing to clean, exit 5.
rc=0; FAKE_XL_FAIL=create "$CTL" launch "$cfg" -- $D 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with failing create exited $rc"
grep -q 'create -p failed' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
[ "$(cat "$FAKE_XL_LOG")" = "create -p $cfg" ] || fail "xl calls: $(cat "$FAKE_XL_LOG")"
nothing_left "failing create"
pass "failing xl create"

# The daemon fails to start: its message relayed, domain destroyed, exit 5.
: >"$FAKE_XL_LOG"
rc=0; "$CTL" launch "$cfg" -- $D --fail-start 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with failing daemon exited $rc"
grep -q 'hvmlinkd exited with status 1 before it was ready; destroying domain launched (id 1)' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
printf 'create -p %s\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls"
nothing_left "failing daemon"
pass "failing daemon: domain destroyed"

# The daemon never gets ready: timeout, daemon stopped, domain destroyed.
: >"$FAKE_XL_LOG"
rc=0; "$CTL" launch --timeout 0.5 "$cfg" -- $D --never-ready 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with never-ready daemon exited $rc"
grep -q 'did not become ready in time' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
printf 'create -p %s\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls"
nothing_left "never ready"
pass "daemon not ready in time: stopped, domain destroyed"

# unpause fails: daemon stopped, domain destroyed.
: >"$FAKE_XL_LOG"
rc=0; FAKE_XL_FAIL=unpause "$CTL" launch "$cfg" -- $D 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 5 ] || fail "launch with failing unpause exited $rc"
grep -q 'xl unpause failed' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
printf 'create -p %s\nunpause 1\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls"
nothing_left "failing unpause"
pass "failing unpause: daemon stopped, domain destroyed"

# A signal at each stage: during xl create (xl finishes, then the domain
# is destroyed), while waiting for the daemon, during xl unpause.
export FAKE_XL_MARK=$XS_TEST_DIR/mark
for sig in INT TERM HUP; do
	rm -f "$FAKE_XL_MARK"; : >"$FAKE_XL_LOG"
	FAKE_XL_SLOW_CREATE=1 launch_bg "$cfg" -- $D
	wait_file "$FAKE_XL_MARK"
	kill -"$sig" "$LPID"
	expect_launch_rc 5
	grep -qx "hvmlinkctl: launch: interrupted by SIG$sig; destroying domain launched (id 1)" "$XS_TEST_DIR/err" ||
		fail "SIG$sig during create: $(cat "$XS_TEST_DIR/err")"
	printf 'create -p %s\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls (SIG$sig during create)"
	nothing_left "SIG$sig during create"

	: >"$FAKE_XL_LOG"
	launch_bg "$cfg" -- $D --never-ready
	wait_read "$(ROOT_OF 1)/state" running
	kill -"$sig" "$LPID"
	expect_launch_rc 5
	grep -qx "hvmlinkctl: launch: interrupted by SIG$sig; destroying domain launched (id 1)" "$XS_TEST_DIR/err" ||
		fail "SIG$sig while waiting: $(cat "$XS_TEST_DIR/err")"
	printf 'create -p %s\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls (SIG$sig while waiting)"
	nothing_left "SIG$sig while waiting"

	rm -f "$FAKE_XL_MARK"; : >"$FAKE_XL_LOG"
	FAKE_XL_SLOW_UNPAUSE=1 launch_bg "$cfg" -- $D
	wait_file "$FAKE_XL_MARK"
	kill -"$sig" "$LPID"
	expect_launch_rc 5
	grep -qx "hvmlinkctl: launch: interrupted by SIG$sig; destroying domain launched (id 1)" "$XS_TEST_DIR/err" ||
		fail "SIG$sig during unpause: $(cat "$XS_TEST_DIR/err")"
	printf 'create -p %s\nunpause 1\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls (SIG$sig during unpause)"
	nothing_left "SIG$sig during unpause"
done
unset FAKE_XL_MARK
pass "SIGINT, SIGTERM, SIGHUP at every stage: domain destroyed and named, daemon stopped"

# Two launches at once, each slow to create so they overlap: each finds
# its own domain by name and both succeed.
cfg2=$XS_TEST_DIR/other.cfg
printf "name = 'other'\n" >"$cfg2"
: >"$FAKE_XL_LOG"
FAKE_XL_SLOW_CREATE=0.5 "$CTL" launch "$cfg" -- $D >"$XS_TEST_DIR/out1" 2>&1 &
l1=$!
FAKE_XL_SLOW_CREATE=0.5 "$CTL" launch "$cfg2" -- $D >"$XS_TEST_DIR/out2" 2>&1 &
l2=$!
wait $l1 || fail "first concurrent launch failed: $(cat "$XS_TEST_DIR/out1")"
wait $l2 || fail "second concurrent launch failed: $(cat "$XS_TEST_DIR/out2")"
for n in launched other; do
	d=$("$CTL" status --json "$n" | "${CTL_PY:-python3}" -c 'import json,sys; print(json.load(sys.stdin)["domid"])')
	grep -qx "domain $n (id $d) started, hvmlinkd ready" "$XS_TEST_DIR/out1" "$XS_TEST_DIR/out2" -h ||
		fail "launch of $n did not report id $d: $(cat "$XS_TEST_DIR/out1" "$XS_TEST_DIR/out2")"
	pid=$(daemon_pid_of "$d")
	tr '\0' ' ' </proc/"$pid"/cmdline | grep -q -- "--domid $d" || fail "daemon of $n serves the wrong domain"
done
destroy_all
# The same name twice at once: xl refuses one of them (whichever comes
# second); the loser destroys nothing, the winner's domain runs.
FAKE_XL_SLOW_CREATE=0.5 "$CTL" launch "$cfg" -- $D >"$XS_TEST_DIR/out1" 2>&1 &
l1=$!
FAKE_XL_SLOW_CREATE=0.5 "$CTL" launch "$cfg" -- $D >"$XS_TEST_DIR/out2" 2>&1 &
l2=$!
rc1=0; wait $l1 || rc1=$?
rc2=0; wait $l2 || rc2=$?
[ "$rc1,$rc2" = "0,5" ] || [ "$rc1,$rc2" = "5,0" ] ||
	fail "same name twice: exits $rc1 and $rc2: $(cat "$XS_TEST_DIR/out1" "$XS_TEST_DIR/out2")"
grep -q 'already exists' "$XS_TEST_DIR/out1" "$XS_TEST_DIR/out2" || fail "no 'already exists' message"
expect_read "$(ROOT_OF 1)/state" ready
[ "$(grep -c '^destroy' "$FAKE_XL_LOG")" -eq 0 ] || fail "a domain was destroyed: $(cat "$FAKE_XL_LOG")"
pass "concurrent launches do not break each other"
destroy_all

# Another hvmlinkd already serves the new domain (the toolstack started
# one): the daemon launch starts exits 3 (D3).  If the other one is ready,
# launch unpauses; if it is not, launch waits for it, and on timeout
# destroys the domain (which ends the other daemon) without signalling it.
served=$XS_TEST_DIR/served-daemon
printf '#!/bin/sh\necho "hvmlinkd[dom$2]: error: domain $2 is already served by hvmlinkd" >&2\nexit 3\n' >"$served"
chmod +x "$served"
FAKE_XL_START_DM=1 launch_bg --hvmlinkd "$served" "$cfg"
expect_launch_rc 0
[ "$(my_daemons '1 --daemon$' | wc -l)" -eq 1 ] || fail "the toolstack's daemon is gone"
printf 'create -p %s\nunpause 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls (already served)"
destroy_all
FAKE_XL_START_DM=never launch_bg --timeout 1 --hvmlinkd "$served" "$cfg"
expect_launch_rc 5
grep -q 'already served by another hvmlinkd; waiting for it' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
grep -q 'hvmlinkd did not become ready in time; destroying domain launched (id 1)' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
printf 'create -p %s\ndestroy 1\n' "$cfg" | diff -u - "$FAKE_XL_LOG" || fail "xl calls (already served, not ready)"
nothing_left "already served, not ready"
: >"$FAKE_XL_LOG"
pass "a daemon already serving the domain is used, not stopped"

# device_model_override names the hvmlink wrapper: the toolstack starts
# the daemon, launch starts none (and refuses DAEMON-ARGS).
cfg3=$XS_TEST_DIR/wrapped.cfg
printf 'name = "wrapped"\ndevice_model_override = "/usr/libexec/hvmlink/qemu-wrapper"\n' >"$cfg3"
rc=0; "$CTL" launch "$cfg3" -- --displays 2 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 2 ] || fail "DAEMON-ARGS with the wrapper: exit $rc"
grep -q 'DAEMON-ARGS belong in the wrapper' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
launch_bg "$cfg3"
expect_launch_rc 0
[ "$(my_daemons '1 --daemon$' | wc -l)" -eq 1 ] || fail "not exactly one daemon: $(my_daemons)"
printf 'create -p %s\nunpause 1\n' "$cfg3" | diff -u - "$FAKE_XL_LOG" || fail "xl calls (wrapper)"
pass "device_model_override: the toolstack's daemon, none from launch"
destroy_all

# A name= among the XL-ARGS wins over the file's, as in xl.
launch_bg "$cfg" 'name="renamed"' -- $D
expect_launch_rc 0
grep -qx 'domain renamed (id 1) started, hvmlinkd ready' "$XS_TEST_DIR/out" || fail "launch with name=: $(cat "$XS_TEST_DIR/out")"
expect_read /local/domain/1/name renamed
destroy_all
pass "name= in XL-ARGS names the domain launch looks for"

# Bad invocations are refused before xl runs (exit 2).
rc=0; "$CTL" launch 2>/dev/null || rc=$?; [ $rc -eq 2 ] || fail "no config: $rc"
rc=0; "$CTL" launch "$XS_TEST_DIR/missing.cfg" 2>/dev/null || rc=$?; [ $rc -eq 2 ] || fail "missing config: $rc"
rc=0; "$CTL" launch --timeout x "$cfg" 2>/dev/null || rc=$?; [ $rc -eq 2 ] || fail "bad timeout: $rc"
printf 'type = "hvm"\n' >"$XS_TEST_DIR/noname.cfg"
rc=0; "$CTL" launch "$XS_TEST_DIR/noname.cfg" 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 2 ] || fail "config without name: $rc"
grep -q 'sets no name' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
rc=0; HVMLINKD=/nonexistent "$CTL" launch "$cfg" 2>"$XS_TEST_DIR/err" || rc=$?
[ $rc -eq 2 ] || fail "missing hvmlinkd: $rc"
grep -q 'cannot execute hvmlinkd at /nonexistent' "$XS_TEST_DIR/err" || fail "message: $(cat "$XS_TEST_DIR/err")"
[ ! -s "$FAKE_XL_LOG" ] || fail "xl ran for a bad invocation: $(cat "$FAKE_XL_LOG")"
pass "bad launch invocations"
exit 0
