#!/bin/bash
# The xenstore layer's hint path against the real xenstored: every hint
# kind, refusals with error nodes that appear and clear, coalesced rapid
# writes ending in the latest value, deletions, permissions.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
xs_require
xs_sim_init
xs_start || fail "xenstored did not start"
make_domain 5
R=$(ROOT_OF 5)

# A hint written before the daemon starts is delivered on start-up.
xenstore-write "$R/hints/display/0" 1024x768 || fail "pre-write"
drv_start --domid 5 --displays 2
drv_wait '^display 0 1024x768\+0\+0$' 1 || fail "hint written before start not delivered"
pass "hint present at start-up is delivered"

# Daemon state and permissions.
expect_read "$R/state" starting
expect_read "$R/displays" 2
[ "$(xenstore-read "$R/pid")" = "$DRV_PID" ] || fail "pid node is not the driver's pid"
for p in /local/domain/0/hvmlink "$R" "$R/hints" "$R/hints/display/0" "$R/state"; do
	perms=$(xenstore-ls -p "$p" >/dev/null 2>&1; xenstore-ls -p "$(dirname "$p")" | grep -E "^$(basename "$p") = " | sed 's/.*(\(.*\))$/\1/')
	[ "$perms" = n0 ] || fail "permissions of $p are '$perms', expected n0"
done
pass "permissions are dom0-only (n0)"

# A node someone opened up is made private again on start-up.
drv_quit
xenstore-chmod "$R" n0 r5 || fail chmod
drv_start --domid 5 --displays 2
perms=$(xenstore-ls -p "$(dirname "$R")" | grep -E '^5 = ' | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "root permissions not repaired: $perms"
pass "opened-up root is made private again"

# Every valid format.
n=0
for mode in 1920x1080 1920x1080@32 1920x1080@32+1920+0 800x600+-10+-20 off; do
	xenstore-write "$R/hints/display/1" "$mode" || fail "write $mode"
	n=$((n + 1))
	drv_wait "^display 1 " "$n" || fail "hint $mode not delivered"
done
drv_sync
tail -n 20 "$DRV_OUT" | grep '^display 1' >"$XS_TEST_DIR/d1"
diff -u - "$XS_TEST_DIR/d1" <<'X' || fail "display 1 hints differ"
display 1 1920x1080+0+0
display 1 1920x1080@32+0+0
display 1 1920x1080@32+1920+0
display 1 800x600+-10+-20
display 1 off
X
expect_absent "$R/errors/display/1"
pass "valid display hints delivered"

# Invalid hints never reach the guest; an error node says why; a later
# good write clears it.
xenstore-write "$R/hints/display/0" 1280x720 || fail write
drv_wait '^display 0 1280x720\+0\+0$' 1 || fail "1280x720 not delivered"
before=$(drv_count '^display ')
for bad in 1920x1080@33 0x100 16385x100 100x100+1 abc "" "1920x1080 " 01920x1080; do
	xenstore-write "$R/hints/display/0" "$bad" || fail "write '$bad'"
	i=0
	until xenstore-read "$R/errors/display/0" 2>/dev/null | grep -qF "\"$bad\":"; do
		i=$((i + 1)); [ $i -le $((XS_TIMEOUT * 20)) ] || fail "no error node for '$bad'"
		sleep 0.05
	done
done
drv_sync
[ "$(drv_count '^display ')" -eq "$before" ] || fail "an invalid hint reached the guest"
msg=$(xenstore-read "$R/errors/display/0")
case $msg in *"width"*) ;; *) fail "error text does not say what is wrong: $msg" ;; esac
xenstore-write "$R/hints/display/0" 1280x720@16 || fail write
drv_wait '^display 0 1280x720@16\+0\+0$' 1 || fail "good hint after bad ones not delivered"
wait_absent "$R/errors/display/0"
pass "invalid display hints refused with an error node, cleared by a good one"

# Unknown display (only 0 and 1 exist) and a bad display name.
xenstore-write "$R/hints/display/2" 800x600 || fail write
wait_read "$R/errors/display/2" "\"800x600\": no display 2 (displays are 0..1)"
xenstore-write "$R/hints/display/x" 800x600 || fail write
i=0; until xenstore-read "$R/errors/display/x" >/dev/null 2>&1; do i=$((i+1)); [ $i -le 600 ] || fail "no error for display x"; sleep 0.05; done
xenstore-rm "$R/hints/display/2" "$R/hints/display/x" || fail rm
wait_absent "$R/errors/display/2"
wait_absent "$R/errors/display/x"
drv_sync
[ "$(drv_count '^display 2 ')" -eq 0 ] || fail "unknown display reached the guest"
pass "unknown displays refused; removing the hint removes the error"

# Rapid successive writes: whatever coalescing happens, the last value
# is the last one delivered, and nothing invalid is.
for i in $(seq 1 50); do
	xenstore-write "$R/hints/display/0" "$((600 + i))x$((400 + i))" || fail write
done
drv_wait '^display 0 650x450\+0\+0$' 1 || fail "latest of rapid writes not delivered"
drv_sync
last=$(grep '^display 0 ' "$DRV_OUT" | tail -n 1)
[ "$last" = "display 0 650x450+0+0" ] || fail "last delivered is '$last'"
got=$(grep -cE '^display 0 6[0-9][0-9]x' "$DRV_OUT")
echo "rapid writes: 50 written, $got delivered (coalesced), last = latest"
pass "rapid writes end in the latest value"

# Key/value hints.
xenstore-write "$R/hints/kv/greeting" "hello world" || fail write
drv_wait '^kv-set greeting 11 hello world$' 1 || fail "kv not delivered"
xenstore-write "$R/hints/kv/empty" "" || fail write
drv_wait '^kv-set empty 0 $' 1 || fail "empty kv not delivered"
long=$(head -c 1024 /dev/zero | tr '\0' v)
xenstore-write "$R/hints/kv/big" "$long" || fail write
drv_wait '^kv-set big 1024 v+$' 1 || fail "1024-byte value not delivered"
xenstore-write "$R/hints/kv/big" "${long}v" || fail write
i=0
until xenstore-read "$R/errors/kv/big" 2>/dev/null | grep -qE '^"v+\.\.\.": value is 1025 bytes, the limit is 1024$'; do
	i=$((i + 1)); [ $i -le $((XS_TIMEOUT * 20)) ] || fail "no error node for an oversize value"
	sleep 0.05
done
drv_sync
[ "$(drv_count '^kv-set big ')" -eq 1 ] || fail "oversize value reached the guest"
xenstore-write "$R/hints/kv/big" small || fail write
drv_wait '^kv-set big 5 small$' 1 || fail "good value after oversize not delivered"
wait_absent "$R/errors/kv/big"
k64=$(head -c 64 /dev/zero | tr '\0' k)
xenstore-write "$R/hints/kv/$k64" x || fail write
wait_read "$R/errors/kv/$k64" "key longer than 63 characters"
xenstore-write "$R/hints/kv/a@b" x || fail write
wait_read "$R/errors/kv/a@b" "key may only contain A-Z a-z 0-9 _ -"
drv_sync
[ "$(drv_count "^kv-set ($k64|a@b) ")" -eq 0 ] || fail "bad key reached the guest"
xenstore-rm "$R/hints/kv/greeting" || fail rm
drv_wait '^kv-delete greeting$' 1 || fail "kv delete not delivered"
# Removing the whole kv directory deletes every key the guest has.
xenstore-rm "$R/hints/kv" || fail rm
drv_wait '^kv-delete empty$' 1 || fail "rm -r: empty not deleted"
drv_wait '^kv-delete big$' 1 || fail "rm -r: big not deleted"
wait_absent "$R/errors/kv/$k64"
pass "key/value hints: set, empty, limit, bad keys, delete, subtree delete"

# A hint the device refuses (callback error) gets an error node too.
drv_quit
drv_start --domid 5 --displays 2 --refuse-display 16
xenstore-write "$R/hints/display/0" 1024x768 || fail write
wait_read "$R/errors/display/0" "\"1024x768\": Device or resource busy"
pass "a hint the device refuses gets an error node"
drv_quit

# On exit the daemon state goes; the administrator's hints stay.
expect_absent "$R/state"
expect_absent "$R/pid"
expect_absent "$R/errors"
expect_read "$R/hints/display/0" 1024x768
pass "clean exit removes daemon state, keeps hints"
exit 0
