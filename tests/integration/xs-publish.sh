#!/bin/bash
# Publishing: daemon state, guest info, caps, facilities, display results,
# heartbeat; each publication atomic; @releaseDomain handling.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
xs_require
xs_sim_init
xs_start || fail "xenstored did not start"
make_domain 7 web
R=$(ROOT_OF 7)
drv_start --domid 7 --displays 2

drv_cmd state ready
expect_read "$R/state" ready
drv_cmd info 0x010203 1 6.1.0-13-amd64 web-vm
expect_read "$R/guest/driver-version" 1.2.3
expect_read "$R/guest/os" linux
expect_read "$R/guest/os-release" 6.1.0-13-amd64
expect_read "$R/guest/name" web-vm
drv_cmd info 0 9 x y
expect_read "$R/guest/os" unknown
drv_cmd caps 0x5
expect_read "$R/guest/caps" 0x5
expect_read "$R/guest/caps-list" "display heartbeat"
drv_cmd facility 2 1
expect_read "$R/guest/facility/agent" active
drv_cmd facility 2 3
expect_read "$R/guest/facility/agent" failed
DRV_EXPECT_ERR=1 drv_cmd facility 9 1
DRV_EXPECT_ERR=1 drv_cmd facility 0 1
[ "$(drv_count '^err facility 22$')" -eq 2 ] || fail "bad facility accepted"
drv_cmd display 1 0 42 1920x1080@32+1920+0
expect_read "$R/guest/display/1/status" applied
expect_read "$R/guest/display/1/mode" 1920x1080@32+1920+0
expect_read "$R/guest/display/1/seq" 42
expect_absent "$R/guest/display/1/reason"
drv_cmd display 1 -2 43 1920x1080@32+1920+0 mode too big for VRAM
expect_read "$R/guest/display/1/status" failed
expect_read "$R/guest/display/1/reason" "mode too big for VRAM"
drv_cmd display 1 0 44 off
expect_read "$R/guest/display/1/mode" off
expect_absent "$R/guest/display/1/reason"
DRV_EXPECT_ERR=1 drv_cmd display 2 0 1 800x600
[ "$(drv_count '^err display 22$')" -eq 1 ] || fail "display 2 of 2 accepted"
drv_cmd heartbeat ok 1700000000123456789 2000000000
expect_read "$R/guest/heartbeat/state" ok
expect_read "$R/guest/heartbeat/last-beat" 1700000000.123
expect_read "$R/guest/heartbeat/interval-ms" 2000
drv_cmd heartbeat off 0 0
expect_read "$R/guest/heartbeat/last-beat" never
pass "guest state published in the documented format"

# Guest-controlled strings are sanitised.
drv_cmd info 0 1 "$(printf 'a\tb')" name
expect_read "$R/guest/os-release" "a?b"
pass "non-printable guest bytes are replaced"

# Atomicity: a reader taking one snapshot (xenstore-read of several
# paths runs in one transaction) never sees the mode of one publication
# with the seq of another, while 3000 publications go by.
echo "burst 3000" >&7
torn=0 reads=0
while [ "$(drv_count '^(ok|err) burst')" -eq 0 ]; do
	out=$(xenstore-read "$R/guest/display/0/seq" "$R/guest/display/0/mode" 2>/dev/null) || continue
	seq=$(echo "$out" | sed -n 1p); mode=$(echo "$out" | sed -n 2p)
	reads=$((reads + 1))
	want="$((1000 + seq))x$((1000 + seq))+0+0"
	[ "$mode" = "$want" ] || { torn=$((torn + 1)); echo "torn: seq $seq mode $mode" >&2; }
done
[ "$(drv_count '^ok burst')" -eq 1 ] || fail "burst failed"
[ $torn -eq 0 ] || fail "$torn torn reads"
expect_read "$R/guest/display/0/seq" 3000
expect_read "$R/guest/display/0/mode" 4000x4000+0+0
echo "atomicity: $reads consistent snapshots during 3000 publications"
pass "publication is atomic"

drv_cmd clear-guest
expect_absent "$R/guest"
expect_read "$R/state" ready
pass "clear-guest removes guest state only"

# @releaseDomain for another domain, or a domain that only shut down,
# must not stop us.
make_domain 8
xenstore-rm /local/domain/8
xs_sim_domain_destroy 8
drv_sync
[ "$(drv_count '^domain-gone$')" -eq 0 ] || fail "domain-gone for another domain"
pass "another domain's release is ignored"

# Our domain destroyed (toolstack removes its home, Xen destroys it).
drv_cmd info 0x010000 1 r n
xenstore-write "$(VM_OF 7)/hints/display/0" 1024x768 || fail write
drv_wait '^display 0 1024x768\+0\+0$' 1 || fail "hint not delivered"
xenstore-rm /local/domain/7
xs_sim_domain_destroy 7
drv_wait '^domain-gone$' 1 || fail "no domain-gone"
wait "$DRV_PID" || fail "driver exited non-zero after domain-gone"
DRV_PID=
# Gone domain: everything under its root goes (domids are reused; the
# next domain must not inherit the guest's state).  The VM's hints stay:
# they apply again to the VM's next domain.
expect_absent "$R"
expect_read "$(VM_OF 7)/hints/display/0" 1024x768
pass "domain gone: callback, whole domain root removed, the VM's hints kept"
exit 0
