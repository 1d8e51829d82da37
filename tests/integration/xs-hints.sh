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
H=$(VM_OF 5)

# A hint written before the daemon starts is delivered on start-up.
xenstore-write "$H/hints/display/0" 1024x768 || fail "pre-write"
drv_start --domid 5 --displays 2
drv_wait '^display 0 1024x768\+0\+0$' 1 || fail "hint written before start not delivered"
pass "hint present at start-up is delivered"

# As hvmlinkd starts: the hints present are read right after the open
# (hvmxs_sync_hints), and one written before the watch's registration
# event is handled is delivered once, not by that event's re-read and
# again by its own event (a guest acknowledging in between would apply it
# twice).  A later hint's delivery shows every earlier event was handled.
drv_quit
drv_start --domid 5 --displays 2 --sync-hints --write-hint display/0=1280x1024
drv_wait '^display 0 1024x768\+0\+0$' 1 || fail "sync: the hint present at start-up not delivered"
drv_wait '^display 0 1280x1024\+0\+0$' 1 || fail "the hint written after the start-up read not delivered"
xenstore-write "$H/hints/display/1" 800x600 || fail "write display/1"
drv_wait '^display 1 800x600\+0\+0$' 1 || fail "a later hint not delivered"
n0=$(drv_count '^display 0 1024x768\+0\+0$')
n1=$(drv_count '^display 0 1280x1024\+0\+0$')
[ "$n0" = 1 ] && [ "$n1" = 1 ] ||
	fail "start-up hint delivered $n0 times, the one written right after $n1 times (want 1 and 1)"
xenstore-rm "$H/hints/display/1" || fail "rm display/1"
xenstore-write "$H/hints/display/0" 1024x768 || fail "rewrite display/0"
drv_wait '^display 0 1024x768\+0\+0$' 2 || fail "display/0 back to 1024x768 not delivered"
pass "hints read at start-up, and one written before the first event, are each delivered once"

# Daemon state and permissions.
expect_read "$R/state" starting
expect_read "$R/displays" 2
[ "$(xenstore-read "$R/pid")" = "$DRV_PID" ] || fail "pid node is not the driver's pid"
for p in /local/domain/0/hvmlink "$R" "$H/hints" "$H/hints/display/0" "$R/state"; do
	perms=$(xenstore-ls -p "$p" >/dev/null 2>&1; xenstore-ls -p "$(dirname "$p")" | grep -E "^$(basename "$p") = " | sed 's/.*(\(.*\))$/\1/')
	[ "$perms" = n0 ] || fail "permissions of $p are '$perms', expected n0"
done
pass "permissions are dom0-only (n0)"

# A node someone opened up is made private again on start-up.
drv_quit
xenstore-chmod "$R" n0 r5 || fail chmod
xenstore-chmod "$H" n0 b5 || fail chmod
drv_start --domid 5 --displays 2
perms=$(xenstore-ls -p "$(dirname "$R")" | grep -E '^5 = ' | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "root permissions not repaired: $perms"
perms=$(xenstore-ls -p "$(dirname "$H")" | grep -E "^$(UUID_OF 5) = " | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "VM root permissions not repaired: $perms"
pass "opened-up roots are made private again"

# Every valid format.
n=0
for mode in 1920x1080 1920x1080@32 1920x1080@32+1920+0 800x600+-10+-20 off; do
	xenstore-write "$H/hints/display/1" "$mode" || fail "write $mode"
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
expect_absent "$H/errors/display/1"
pass "valid display hints delivered"

# Invalid hints never reach the guest; an error node says why; a later
# good write clears it.
xenstore-write "$H/hints/display/0" 1280x720 || fail write
drv_wait '^display 0 1280x720\+0\+0$' 1 || fail "1280x720 not delivered"
before=$(drv_count '^display ')
for bad in 1920x1080@33 0x100 16385x100 100x100+1 abc "" "1920x1080 " 01920x1080; do
	xenstore-write "$H/hints/display/0" "$bad" || fail "write '$bad'"
	i=0
	until xenstore-read "$H/errors/display/0" 2>/dev/null | grep -qF "\"$bad\":"; do
		i=$((i + 1)); [ $i -le $((XS_TIMEOUT * 20)) ] || fail "no error node for '$bad'"
		sleep 0.05
	done
done
drv_sync
[ "$(drv_count '^display ')" -eq "$before" ] || fail "an invalid hint reached the guest"
msg=$(xenstore-read "$H/errors/display/0")
case $msg in *"width"*) ;; *) fail "error text does not say what is wrong: $msg" ;; esac
xenstore-write "$H/hints/display/0" 1280x720@16 || fail write
drv_wait '^display 0 1280x720@16\+0\+0$' 1 || fail "good hint after bad ones not delivered"
wait_absent "$H/errors/display/0"
pass "invalid display hints refused with an error node, cleared by a good one"

# Unknown display (only 0 and 1 exist) and a bad display name.
xenstore-write "$H/hints/display/2" 800x600 || fail write
wait_read "$H/errors/display/2" "\"800x600\": no display 2 (displays are 0..1)"
xenstore-write "$H/hints/display/x" 800x600 || fail write
i=0; until xenstore-read "$H/errors/display/x" >/dev/null 2>&1; do i=$((i+1)); [ $i -le 600 ] || fail "no error for display x"; sleep 0.05; done
xenstore-rm "$H/hints/display/2" "$H/hints/display/x" || fail rm
wait_absent "$H/errors/display/2"
wait_absent "$H/errors/display/x"
drv_sync
[ "$(drv_count '^display 2 ')" -eq 0 ] || fail "unknown display reached the guest"
pass "unknown displays refused; removing the hint removes the error"

# Rapid successive writes: whatever coalescing happens, the last value
# is the last one delivered, and nothing invalid is.
for i in $(seq 1 50); do
	xenstore-write "$H/hints/display/0" "$((600 + i))x$((400 + i))" || fail write
done
drv_wait '^display 0 650x450\+0\+0$' 1 || fail "latest of rapid writes not delivered"
drv_sync
last=$(grep '^display 0 ' "$DRV_OUT" | tail -n 1)
[ "$last" = "display 0 650x450+0+0" ] || fail "last delivered is '$last'"
got=$(grep -cE '^display 0 6[0-9][0-9]x' "$DRV_OUT")
echo "rapid writes: 50 written, $got delivered (coalesced), last = latest"
pass "rapid writes end in the latest value"

# Key/value hints.
xenstore-write "$H/hints/kv/greeting" "hello world" || fail write
drv_wait '^kv-set greeting 11 hello world$' 1 || fail "kv not delivered"
xenstore-write "$H/hints/kv/empty" "" || fail write
drv_wait '^kv-set empty 0 $' 1 || fail "empty kv not delivered"
long=$(head -c 1024 /dev/zero | tr '\0' v)
xenstore-write "$H/hints/kv/big" "$long" || fail write
drv_wait '^kv-set big 1024 v+$' 1 || fail "1024-byte value not delivered"
xenstore-write "$H/hints/kv/big" "${long}v" || fail write
i=0
until xenstore-read "$H/errors/kv/big" 2>/dev/null | grep -qE '^"v+\.\.\.": value is 1025 bytes, the limit is 1024$'; do
	i=$((i + 1)); [ $i -le $((XS_TIMEOUT * 20)) ] || fail "no error node for an oversize value"
	sleep 0.05
done
drv_sync
[ "$(drv_count '^kv-set big ')" -eq 1 ] || fail "oversize value reached the guest"
xenstore-write "$H/hints/kv/big" small || fail write
drv_wait '^kv-set big 5 small$' 1 || fail "good value after oversize not delivered"
wait_absent "$H/errors/kv/big"
k64=$(head -c 64 /dev/zero | tr '\0' k)
xenstore-write "$H/hints/kv/$k64" x || fail write
wait_read "$H/errors/kv/$k64" "key longer than 63 characters"
xenstore-write "$H/hints/kv/a@b" x || fail write
wait_read "$H/errors/kv/a@b" "key may only contain A-Z a-z 0-9 _ -"
drv_sync
[ "$(drv_count "^kv-set ($k64|a@b) ")" -eq 0 ] || fail "bad key reached the guest"
xenstore-rm "$H/hints/kv/greeting" || fail rm
drv_wait '^kv-delete greeting$' 1 || fail "kv delete not delivered"
# Removing the whole kv directory deletes every key the guest has.
xenstore-rm "$H/hints/kv" || fail rm
drv_wait '^kv-delete empty$' 1 || fail "rm -r: empty not deleted"
drv_wait '^kv-delete big$' 1 || fail "rm -r: big not deleted"
wait_absent "$H/errors/kv/$k64"
pass "key/value hints: set, empty, limit, bad keys, delete, subtree delete"

# Permissions are checked on every read, not only at start-up.  A hint
# directory made guest-writable: a node written there inherits that, and
# is refused; the directory is made private again.  (While the daemon
# runs it repairs the directory as soon as the change fires its watch,
# so the window is made deterministic by writing while it is stopped.)
drv_quit
xenstore-chmod "$H/hints/kv" n0 b5 || fail chmod
xenstore-write "$H/hints/kv/planted" evil || fail write
drv_start --domid 5 --displays 2
wait_read "$H/errors/kv/planted" "\"evil\": refused: the node's permissions are not dom0-only (n0), so a guest may have written it"
perms=$(xenstore-ls -p "$H/hints" | grep -E '^kv = ' | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "hints/kv not made private again: $perms"
# A node a guest owns (xenstored makes the creator the owner), and one a
# guest was allowed to write, are refused even under a private directory.
xenstore-write "$H/hints/kv/owned" one || fail write
drv_wait '^kv-set owned 3 one$' 1 || fail "kv owned not delivered"
xenstore-chmod "$H/hints/kv/owned" n5 || fail chmod
xenstore-write "$H/hints/kv/owned" two || fail write
wait_read "$H/errors/kv/owned" "\"two\": refused: the node's permissions are not dom0-only (n0), so a guest may have written it"
xenstore-write "$H/hints/display/1" 640x480 || fail write
drv_wait '^display 1 640x480\+0\+0$' 1 || fail "640x480 not delivered"
xenstore-chmod "$H/hints/display/1" n0 w5 || fail chmod
xenstore-write "$H/hints/display/1" 320x200 || fail write
wait_read "$H/errors/display/1" "\"320x200\": refused: the node's permissions are not dom0-only (n0), so a guest may have written it"
drv_sync
[ "$(drv_count '^kv-set (planted|owned 3 two)')" -eq 0 ] &&
[ "$(drv_count '^display 1 320x200')" -eq 0 ] || fail "a hint from a guest-writable node reached the guest"
xenstore-rm "$H/hints/kv/planted" "$H/hints/kv/owned" "$H/hints/display/1" || fail rm
wait_absent "$H/errors/kv/planted"
pass "hints from nodes that are not dom0-only are refused, checked on every change"

# The daemon's own directory removed under it: published again, so a live
# daemon never looks dead.
xenstore-rm "$R" || fail rm
wait_read "$R/pid" "$DRV_PID"
wait_read "$R/vm" "$(UUID_OF 5)"
expect_read "$R/displays" 2
expect_read "$R/state" starting
perms=$(xenstore-ls -p "$(dirname "$R")" | grep -E '^5 = ' | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "re-made root permissions: $perms"
pass "a removed daemon directory is published again"

# A hint the device refuses (callback error) gets an error node too.
drv_quit
drv_start --domid 5 --displays 2 --refuse-display 16
xenstore-write "$H/hints/display/0" 1024x768 || fail write
wait_read "$H/errors/display/0" "\"1024x768\": Device or resource busy"
pass "a hint the device refuses gets an error node"
drv_quit

# On exit the daemon state goes; the administrator's hints stay, and so
# does what is wrong with them (they belong to the VM).
expect_absent "$R/state"
expect_absent "$R/pid"
expect_absent "$R/vm"
expect_read "$H/hints/display/0" 1024x768
expect_read "$H/errors/display/0" "\"1024x768\": Device or resource busy"
pass "clean exit removes daemon state, keeps the VM's hints"

# The daemon removes a good hint's error node only while error nodes may
# exist (it skips the xenstored round trip once it has seen there are
# none): one left by an earlier daemon of the VM goes at start-up, and one
# anybody writes while it runs goes when its hint turns good.
drv_start --domid 5 --displays 2
wait_absent "$H/errors/display/0"
pass "an earlier daemon's error node for a now good hint goes at start-up"
drv_sync
xenstore-write "$H/errors/display/1" 'planted after start' || fail write
xenstore-write "$H/errors/kv/colour" 'planted after start' || fail write
xenstore-write "$H/hints/display/1" 640x480 || fail write
xenstore-write "$H/hints/kv/colour" blue || fail write
drv_wait '^display 1 640x480\+0\+0$' 1 || fail "640x480 not delivered"
drv_wait '^kv-set colour 4 blue$' 1 || fail "colour not delivered"
wait_absent "$H/errors/display/1"
wait_absent "$H/errors/kv/colour"
pass "error nodes written while the daemon runs go when their hints are good"
drv_quit
exit 0
