#!/bin/bash
# hvmlinkctl hint / status / wait-ready against the real xenstored, with
# the xenstore layer's driver as the daemon: good input, bad input, bad
# domains, exit codes, and that nothing is written for refused input.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
. "$top_srcdir/tests/integration/ctl-lib.sh"
xs_require
ctl_require_jsonschema
xs_sim_init

# No xenstored at all: exit 1 (a runtime error) with a clear message.
XENSTORED_PATH=$XS_TEST_DIR/nowhere expect_exit 1 '^hvmlinkctl: cannot connect to xenstore' "$CTL" status 1

xs_start || fail "xenstored did not start"
make_domain 4 alpha
make_domain 6 twin
make_domain 11 twin
make_domain 12 123
R=$(ROOT_OF 4)
H=$(VM_OF 4)

# Usage (D6): --help and --version exit 0 for the tool and every command,
# usage errors exit 2 with one line.
expect_exit 0 '' "$CTL" --help
grep -q '^usage: hvmlinkctl' "$XS_TEST_DIR/out" || fail "--help prints no usage"
expect_exit 0 '' "$CTL" --version
grep -qx "hvmlinkctl $PACKAGE_VERSION" "$XS_TEST_DIR/out" || fail "--version: $(cat "$XS_TEST_DIR/out")"
for cmd in hint hints forget status list watch wait-ready launch; do
	expect_exit 0 '' "$CTL" "$cmd" --help
	grep -q "hvmlinkctl $cmd" "$XS_TEST_DIR/out" || fail "$cmd --help: $(cat "$XS_TEST_DIR/out")"
	expect_exit 0 '' "$CTL" "$cmd" --version
	grep -qx "hvmlinkctl $PACKAGE_VERSION" "$XS_TEST_DIR/out" || fail "$cmd --version"
done
expect_exit 2 '' "$CTL"
expect_exit 2 'unknown command "frob"' "$CTL" frob
expect_exit 2 'Unknown option' "$CTL" --frob
expect_exit 2 'usage' "$CTL" hint alpha
expect_exit 2 'unknown hint kind "color"' "$CTL" hint alpha color red
expect_exit 2 'usage' "$CTL" status
expect_exit 2 'usage' "$CTL" status alpha beta
expect_exit 2 'Unknown option --xml' "$CTL" status alpha --xml
expect_exit 2 'usage' "$CTL" list extra
expect_exit 2 'usage' "$CTL" watch
expect_exit 2 'timeout' "$CTL" wait-ready alpha --timeout -1
expect_exit 2 'timeout' "$CTL" wait-ready alpha --timeout abc
expect_exit 2 'Missing argument for --timeout' "$CTL" wait-ready alpha --timeout
pass "usage errors exit 2 with one line; --help and --version everywhere"

# Domains: by id, by name, missing, ambiguous, dom0, out of range; a
# numeric name resolves when no domain has that id.
expect_exit 0 '' "$CTL" hint 4 display 800x600
expect_read "$H/hints/display/0" 800x600
expect_exit 0 '' "$CTL" hint alpha display 0 1024x768@32+0+0
expect_read "$H/hints/display/0" 1024x768@32+0+0
expect_exit 3 '^hvmlinkctl: no domain or VM "nosuch"' "$CTL" hint nosuch display 800x600
expect_exit 3 '^hvmlinkctl: no domain or VM "99"' "$CTL" hint 99 display 800x600
expect_exit 3 'ambiguous' "$CTL" hint twin display 800x600
expect_exit 3 'dom0' "$CTL" hint 0 display 800x600
expect_exit 3 'no domain' "$CTL" status nosuch
expect_exit 3 'no domain' "$CTL" watch nosuch
expect_exit 3 'no domain' "$CTL" wait-ready nosuch
expect_exit 0 '' "$CTL" hint 123 display 640x480
expect_read "$(VM_OF 12)/hints/display/0" 640x480
expect_absent "$(ROOT_OF 99)"
pass "domain resolution like xl"

# Refused input is never written.
before=$(xenstore-read "$H/hints/display/0")
for bad in 1920x1080@33 0x0 junk "" "800x600 " 99999x1; do
	expect_exit 2 'bad mode' "$CTL" hint alpha display "$bad"
done
expect_exit 2 'no display 16' "$CTL" hint alpha display 16 800x600
expect_exit 2 'bad display number' "$CTL" hint alpha display -1 800x600
expect_read "$H/hints/display/0" "$before"
expect_exit 2 "'\\.' is not allowed" "$CTL" hint alpha key a.b x
expect_exit 2 'longer than 63' "$CTL" hint alpha key "$(head -c 64 /dev/zero | tr '\0' k)" x
expect_exit 2 'value is 1025 bytes' "$CTL" hint alpha key big "$(head -c 1025 /dev/zero | tr '\0' v)"
expect_absent "$H/hints/kv/big"
pass "invalid hints refused before anything is written"

# The VM's root is created dom0-only by hvmlinkctl too.
perms=$(xenstore-ls -p /local/domain/0/hvmlink/vm | grep -E "^$(UUID_OF 4) = " | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "root made by hvmlinkctl has permissions $perms"
pass "hvmlinkctl creates the root dom0-only"

# With a daemon: its display count limits the display index, hints reach
# it, keys set and delete.
drv_start --domid 4 --displays 2
expect_exit 2 'no display 2 \(displays are 0\.\.1\)' "$CTL" hint alpha display 2 800x600
expect_exit 0 '' "$CTL" hint alpha display 1 1280x800
drv_wait '^display 1 1280x800\+0\+0$' 1 || fail "hvmlinkctl hint not delivered"
expect_exit 0 '' "$CTL" hint alpha key motd "hello there"
drv_wait '^kv-set motd 11 hello there$' 1 || fail "key not delivered"
expect_exit 0 '' "$CTL" hint alpha key motd --delete
drv_wait '^kv-delete motd$' 1 || fail "key delete not delivered"
expect_exit 2 'has no key "motd"' "$CTL" hint alpha key motd --delete
pass "hints through hvmlinkctl reach the daemon"

# wait-ready: times out while starting (exit 4), returns once ready,
# also when it becomes ready during the wait.
expect_exit 4 'not ready after' "$CTL" wait-ready alpha --timeout 0.2
( sleep 0.3; echo "state ready" >&7 ) &
later=$!
expect_exit 0 '' "$CTL" wait-ready alpha --timeout 30
wait "$later"
expect_exit 0 '' "$CTL" wait-ready 4 --timeout 0
pass "wait-ready"

# status, text and JSON (checked against docs/hvmlinkctl.schema.json).
drv_cmd info 0x010200 1 6.1 alpha-vm
drv_cmd display 1 0 1 1280x800
drv_cmd caps 0x5
drv_cmd facility 1 1
drv_cmd heartbeat ok 1700000000123000000 2000000000
xenstore-write "$H/hints/display/0" 1x1@7
wait_read "$H/errors/display/0" '"1x1@7": bits per pixel must be 8, 16, 24 or 32'
expect_exit 0 '' "$CTL" status alpha
out=$(cat "$XS_TEST_DIR/out")
for want in "domain: 4 (alpha)" "daemon: ready, pid $DRV_PID" 'hints/display/1 = "1280x800"' \
	'errors/display/0 = "\"1x1@7\": bits per pixel must be 8, 16, 24 or 32"' \
	'guest/name = "alpha-vm"' 'guest/display/1/status = "applied"' 'guest/driver-version = "1.2.0"'; do
	echo "$out" | grep -qxF -- "$want" || fail "status lacks '$want': $out"
done
text_is_clean "$XS_TEST_DIR/out"
expect_exit 0 '' "$CTL" status alpha --json
json_check status "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "
assert s['domid'] == 4 and s['name'] == 'alpha' and s['exists'] is True, s
assert s['state'] == 'ready' and s['published-state'] == 'ready' and s['pid'] == $DRV_PID, s
assert s['displays'] == 2, s
assert s['hints']['display']['1'] == '1280x800' and s['hints']['kv'] == {}, s
assert 'bits per pixel' in s['errors']['display']['0'] and s['errors']['kv'] == {}, s
g = s['guest']
assert g['display']['1'] == {'status': 'applied', 'mode': '1280x800+0+0', 'seq': 1, 'reason': None}, g
assert g['os'] == 'linux' and g['caps'] == 5 and g['caps-list'] == ['display', 'heartbeat'], g
assert g['heartbeat']['state'] == 'ok' and abs(g['heartbeat']['last-beat'] - 1700000000.123) < 0.0005, g
assert g['heartbeat']['interval-ms'] == 2000, g
"
pass "status text and JSON"

# A daemon that dies without cleaning up (kill -9) left "ready" and its
# pid behind: status says dead, in text and JSON, and exits 6.
kill -9 "$DRV_PID"
wait "$DRV_PID" 2>/dev/null
dead=$DRV_PID
DRV_PID=
exec 7>&-
expect_read "$R/state" ready
expect_exit 6 '' "$CTL" status alpha
grep -qxF "daemon: dead (pid $dead is gone; it had published \"ready\")" "$XS_TEST_DIR/out" ||
	fail "status of a dead daemon: $(cat "$XS_TEST_DIR/out")"
expect_exit 6 '' "$CTL" status alpha --json
json_check status "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "assert s['state'] == 'dead' and s['pid'] == $dead and s['published-state'] == 'ready', s"
pass "a killed daemon is reported dead, exit 6"

# A clean exit removes the daemon's state: "none", exit 6, pid null,
# every section still there with its type.
drv_start --domid 4 --displays 2
drv_cmd state ready
expect_exit 0 '' "$CTL" status 4
drv_quit
expect_exit 6 '' "$CTL" status 4 --json
json_check status "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "
assert s['state'] == 'none' and s['pid'] is None and s['published-state'] is None, s
assert s['displays'] is None and s['guest']['facility'] == {} and s['guest']['display'] == {}, s
assert s['guest']['caps'] is None and s['guest']['caps-list'] == [], s
assert s['hints']['display']['1'] == '1280x800', s
"
grep -qx 'daemon: none (no hvmlinkd state)' <("$CTL" status 4) || fail "text for no daemon"
pass "status without a daemon: none, exit 6"
# The daemon's lock file (hvmlinkd(8): RUN_DIR/DOMID.pid, flock'ed by the
# daemon for its whole life), probed without taking it.  A live holder
# is a live daemon even while its xenstore directory is missing (hvmlinkd
# publishes it again): never "none".  A lock left by a dead daemon whose
# pid now belongs to another process (pid reuse) is "dead".
run=$XS_TEST_DIR/run
mkdir -p "$run"
python3 -c '
import fcntl, os, sys, time
f = open(sys.argv[1], "w")
fcntl.flock(f, fcntl.LOCK_EX)
f.write("%d\n" % os.getpid()); f.flush()
open(sys.argv[2], "w").close()
time.sleep(60)' "$run/4.pid" "$XS_TEST_DIR/locked" &
holder=$!
xs_atexit 'kill $holder ${reused:-} 2>/dev/null'
i=0; until [ -e "$XS_TEST_DIR/locked" ]; do i=$((i + 1)); [ $i -lt 200 ] || fail "no lock"; sleep 0.05; done
xenstore-rm "$R" 2>/dev/null
expect_exit 0 '' "$CTL" --run-dir "$run" status 4
grep -qxF "daemon: unknown (nothing published; pid $holder holds the domain's lock)" "$XS_TEST_DIR/out" ||
	fail "status of a locked daemon without its directory: $(cat "$XS_TEST_DIR/out")"
expect_exit 0 '' "$CTL" --run-dir "$run" status 4 --json
json_check status "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "assert s['state'] == 'unknown' and s['pid'] == $holder and s['published-state'] is None, s"
expect_exit 6 '' "$CTL" --run-dir "$XS_TEST_DIR/no-run" status 4
kill "$holder"; wait "$holder" 2>/dev/null
sleep 60 & reused=$!
echo "$reused" >"$run/4.pid"
xenstore-write "$R/state" ready "$R/pid" "$reused"
expect_exit 0 '' "$CTL" --run-dir "$XS_TEST_DIR/no-run" status 4
expect_exit 6 '' "$CTL" --run-dir "$run" status 4
grep -qxF "daemon: dead (pid $reused no longer holds the domain's lock; it had published \"ready\")" "$XS_TEST_DIR/out" ||
	fail "status of a stale lock naming a live pid: $(cat "$XS_TEST_DIR/out")"
expect_exit 0 '' "$CTL" --run-dir "$run" list --json
json_check list "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "assert [d['state'] for d in s['domains'] if d['domid'] == 4] == ['dead'], s"
kill "$reused"; wait "$reused" 2>/dev/null
pass "the daemon's lock file: held is alive without a directory, stale is dead despite pid reuse"
exit 0
