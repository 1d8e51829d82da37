#!/bin/bash
# hvmlinkctl hint / status / wait-ready against the real xenstored, with
# the xenstore layer's driver as the daemon: good input, bad input, bad
# domains, exit codes, and that nothing is written for refused input.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
xs_require
xs_sim_init

# expect_exit CODE STDERR-REGEX CMD...: run CMD, check exit code and
# that stderr is one line matching the regex.
expect_exit() {
	local want=$1 re=$2 rc=0 err
	shift 2
	"$@" >"$XS_TEST_DIR/out" 2>"$XS_TEST_DIR/err" || rc=$?
	err=$(cat "$XS_TEST_DIR/err")
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want (stderr: $err)"
	if [ -n "$re" ]; then
		[ "$(wc -l <"$XS_TEST_DIR/err")" -eq 1 ] || fail "'$*': stderr is not one line: $err"
		echo "$err" | grep -qE -- "$re" || fail "'$*': stderr '$err' does not match /$re/"
	fi
}

# No xenstored at all: exit 3 with a clear message.
XENSTORED_PATH=$XS_TEST_DIR/nowhere expect_exit 3 '^hvmlinkctl: cannot connect to xenstore' "$CTL" status 1

xs_start || fail "xenstored did not start"
make_domain 4 alpha
make_domain 6 twin
make_domain 11 twin
make_domain 12 123
R=$(ROOT_OF 4)
H=$(VM_OF 4)

# Usage.
expect_exit 0 '' "$CTL" --help
grep -q '^usage: hvmlinkctl' "$XS_TEST_DIR/out" || fail "--help prints no usage"
expect_exit 1 '' "$CTL"
expect_exit 1 'unknown command "frob"' "$CTL" frob
expect_exit 1 'usage' "$CTL" hint alpha
expect_exit 1 'unknown hint kind "color"' "$CTL" hint alpha color red
expect_exit 1 'usage' "$CTL" status
expect_exit 1 'usage' "$CTL" status alpha --xml
expect_exit 1 'timeout' "$CTL" wait-ready alpha --timeout -1
expect_exit 1 'timeout' "$CTL" wait-ready alpha --timeout abc
pass "usage errors exit 1 with one line"

# Domains: by id, by name, missing, ambiguous, dom0, out of range; a
# numeric name resolves when no domain has that id.
expect_exit 0 '' "$CTL" hint 4 display 800x600
expect_read "$H/hints/display/0" 800x600
expect_exit 0 '' "$CTL" hint alpha display 0 1024x768@32+0+0
expect_read "$H/hints/display/0" 1024x768@32+0+0
expect_exit 2 '^hvmlinkctl: no domain or VM "nosuch"' "$CTL" hint nosuch display 800x600
expect_exit 2 '^hvmlinkctl: no domain or VM "99"' "$CTL" hint 99 display 800x600
expect_exit 2 'ambiguous' "$CTL" hint twin display 800x600
expect_exit 2 'dom0' "$CTL" hint 0 display 800x600
expect_exit 0 '' "$CTL" hint 123 display 640x480
expect_read "$(VM_OF 12)/hints/display/0" 640x480
expect_absent "$(ROOT_OF 99)"
pass "domain resolution like xl"

# Refused input is never written.
before=$(xenstore-read "$H/hints/display/0")
for bad in 1920x1080@33 0x0 junk "" "800x600 " 99999x1; do
	expect_exit 1 'bad mode' "$CTL" hint alpha display "$bad"
done
expect_exit 1 'no display 16' "$CTL" hint alpha display 16 800x600
expect_exit 1 'bad display number' "$CTL" hint alpha display -1 800x600
expect_read "$H/hints/display/0" "$before"
expect_exit 1 "'\\.' is not allowed" "$CTL" hint alpha key a.b x
expect_exit 1 'longer than 63' "$CTL" hint alpha key "$(head -c 64 /dev/zero | tr '\0' k)" x
expect_exit 1 'value is 1025 bytes' "$CTL" hint alpha key big "$(head -c 1025 /dev/zero | tr '\0' v)"
expect_absent "$H/hints/kv/big"
pass "invalid hints refused before anything is written"

# The VM's root is created dom0-only by hvmlinkctl too.
perms=$(xenstore-ls -p /local/domain/0/hvmlink/vm | grep -E "^$(UUID_OF 4) = " | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "root made by hvmlinkctl has permissions $perms"
pass "hvmlinkctl creates the root dom0-only"

# With a daemon: its display count limits the display index, hints reach
# it, keys set and delete.
drv_start --domid 4 --displays 2
expect_exit 1 'no display 2 \(displays are 0\.\.1\)' "$CTL" hint alpha display 2 800x600
expect_exit 0 '' "$CTL" hint alpha display 1 1280x800
drv_wait '^display 1 1280x800\+0\+0$' 1 || fail "hvmlinkctl hint not delivered"
expect_exit 0 '' "$CTL" hint alpha key motd "hello there"
drv_wait '^kv-set motd 11 hello there$' 1 || fail "key not delivered"
expect_exit 0 '' "$CTL" hint alpha key motd --delete
drv_wait '^kv-delete motd$' 1 || fail "key delete not delivered"
expect_exit 1 'has no key "motd"' "$CTL" hint alpha key motd --delete
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

# status, text and JSON.
drv_cmd info 0x010200 1 6.1 alpha-vm
drv_cmd display 1 0 1 1280x800
xenstore-write "$H/hints/display/0" 1x1@7
wait_read "$H/errors/display/0" '"1x1@7": bits per pixel must be 8, 16, 24 or 32'
expect_exit 0 '' "$CTL" status alpha
out=$(cat "$XS_TEST_DIR/out")
for want in "domain: 4 (alpha)" "daemon: ready, pid $DRV_PID" 'hints/display/1 = "1280x800"' \
	'errors/display/0 = ""1x1@7": bits per pixel must be 8, 16, 24 or 32"' \
	'guest/name = "alpha-vm"' 'guest/display/1/status = "applied"' 'guest/driver-version = "1.2.0"'; do
	echo "$out" | grep -qxF -- "$want" || fail "status lacks '$want': $out"
done
expect_exit 0 '' "$CTL" status alpha --json
python3 - "$XS_TEST_DIR/out" "$DRV_PID" <<'PY' || fail "bad JSON status: $(cat "$XS_TEST_DIR/out")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["domid"] == 4 and s["name"] == "alpha", s
assert s["state"] == "ready" and s["pid"] == int(sys.argv[2]), s
assert s["hints"]["display"]["1"] == "1280x800", s
assert "bits per pixel" in s["errors"]["display"]["0"], s
assert s["guest"]["display"]["1"]["mode"] == "1280x800+0+0", s
assert s["guest"]["os"] == "linux", s
PY
drv_quit
expect_exit 0 '' "$CTL" status 4 --json
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["state"]=="none" and s["pid"] is None, s' "$XS_TEST_DIR/out" || fail "status without daemon"
expect_exit 2 'no domain' "$CTL" status nosuch
pass "status text and JSON"
exit 0
