#!/bin/bash
# hvmlinkctl list against the real xenstored: nothing to list, then a live
# daemon with guest facilities and a heartbeat, a daemon killed with -9
# (dead), a domain with hints and no daemon (none), state left for a
# domain that is gone, and a VM whose hints are kept while it has no
# domain (D3 layout).  Text and JSON (validated against the schema).
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
. "$top_srcdir/tests/integration/ctl-lib.sh"
xs_require
ctl_require_jsonschema
xs_sim_init
xs_start || fail "xenstored did not start"

expect_exit 0 '' "$CTL" list --json
json_check list "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "assert s == {'domains': [], 'vms': []}, s"
expect_exit 0 '' "$CTL" list
[ "$(wc -l <"$XS_TEST_DIR/out")" -eq 1 ] || fail "empty list prints more than its header: $(cat "$XS_TEST_DIR/out")"
pass "nothing to list"

U1=1b4e28ba-2fa1-11d2-883f-0016d3cca427	# a VM with a domain (7)
U2=6ba7b810-9dad-11d1-80b4-00c04fd430c8	# a VM without one
make_domain 4 alpha
make_domain 7 beta
make_domain 9 gamma
xenstore-write /local/domain/7/vm "/vm/$U1"

# 4: a live daemon and a guest that reported.
drv_start --domid 4 --displays 1
drv_cmd state ready
drv_cmd facility 1 1
drv_cmd facility 2 1
now_ns=$(($(date +%s) * 1000000000))
drv_cmd heartbeat ok "$now_ns" 2000000000
live=$DRV_PID
# 7: a daemon that published ready and was killed; its hints by VM.
xenstore-write "$(ROOT_OF 7)/state" ready "$(ROOT_OF 7)/pid" 999999999
sleep 0.1 & gone=$!; wait $gone
xenstore-write "$(ROOT_OF 7)/pid" "$gone"
xenstore-write "/local/domain/0/hvmlink/vm/$U1/hints/kv/role" web
# 9: hints, no daemon.
"$CTL" hint gamma display 1024x768 || fail "hint"
# 12: state left behind for a domain that no longer exists.
xenstore-write "$(ROOT_OF 12)/guest/os" linux
# A VM that has no domain now keeps its hints.
xenstore-write "/local/domain/0/hvmlink/vm/$U2/hints/display/0" 1920x1080 \
	"/local/domain/0/hvmlink/vm/$U2/hints/kv/motd" hi \
	"/local/domain/0/hvmlink/vm/$U2/name" old-web
# Not a UUID: not a VM of ours, ignored.
xenstore-write /local/domain/0/hvmlink/vm/junk/hints/kv/x y

expect_exit 0 '' "$CTL" list --json
json_check list "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "
d = {x['domid']: x for x in s['domains']}
assert sorted(d) == [4, 7, 9, 12], d.keys()
assert d[4]['state'] == 'ready' and d[4]['pid'] == $live and d[4]['name'] == 'alpha', d[4]
assert d[4]['guest']['facility'] == {'driver': 'active', 'agent': 'active'}, d[4]
assert d[4]['guest']['heartbeat']['state'] == 'ok', d[4]
assert d[4]['guest']['heartbeat']['last-beat'] == $((now_ns / 1000000000)), d[4]
assert d[7]['state'] == 'dead' and d[7]['pid'] == $gone and d[7]['vm'] == '$U1', d[7]
assert d[7]['hints']['kv'] == {'role': 'web'} and d[7]['hints']['display'] == {}, d[7]
assert d[9]['state'] == 'none' and d[9]['hints']['display'] == {'0': '1024x768'}, d[9]
assert d[12]['exists'] is False and d[12]['name'] is None and d[12]['state'] == 'none', d[12]
assert s['vms'] == [{'vm': '$U2', 'name': 'old-web', 'hints': {'display': {'0': '1920x1080'}, 'kv': {'motd': 'hi'}},
                     'errors': {'display': {}, 'kv': {}}}], s['vms']
"
pass "list --json: alive, dead, none, gone, VMs without a domain"

expect_exit 0 '' "$CTL" list
text_is_clean "$XS_TEST_DIR/out"
out=$(cat "$XS_TEST_DIR/out")
echo "$out" | grep -qE "^4 +alpha +ready +$live +ok, [0-9]+ s ago +agent=active,driver=active$" || fail "list row 4: $out"
echo "$out" | grep -qE "^7 +beta +dead +$gone +- +-$" || fail "list row 7: $out"
echo "$out" | grep -qE "^9 +gamma +none +- +- +-$" || fail "list row 9: $out"
echo "$out" | grep -qE "^12 +- +none +- +- +- \[domain gone\]$" || fail "list row 12: $out"
echo "$out" | grep -qxF "vm $U2 (old-web): no domain, 2 hint(s) kept" || fail "list vm: $out"
pass "list text"
drv_quit
exit 0
