#!/bin/bash
# hvmlinkctl status/list against hostile xenstore content (issue 15): a
# guest name and hint values with terminal escape sequences, control
# characters, invalid UTF-8 and NUL bytes, values of xenstored's maximum
# size, and nodes of the wrong type or shape (pid "abc", a leaf where a
# directory belongs, nesting deeper than the schema).  Text output must
# stay printable ASCII with every byte recoverable; JSON must be valid
# UTF-8 that validates against docs/hvmlinkctl.schema.json, with the
# promised types (null where a number is promised but junk was found).
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
. "$top_srcdir/tests/integration/ctl-lib.sh"
xs_require
ctl_require_jsonschema
xs_sim_init
xs_start || fail "xenstored did not start"

make_domain 5 evil
R=$(ROOT_OF 5)
H=$(VM_OF 5)	# hints and errors belong to the VM
# xenstore-write turns \xNN into that byte (\x00 too).
w() { xenstore-write -- "$1" "$2" || fail "xenstore-write $1"; }
w /local/domain/5/name '\x1b]0;owned\x07\x1b[2Jev\xffil'
w "$R/state" '\x1b[31mready'
w "$R/pid" abc
w "$R/displays" 999
w "$H/hints/display/0" '1920x1080\x1b[A\x00\xc3\x28'
w "$H/hints/kv/motd" 'caf\xc3\xa9 \xc2\x9b2J \xf0\x9f\x98\x80 tab\there nl\nend'
big=$(head -c 4000 /dev/zero | tr '\0' 'Z')
w "$H/hints/kv/huge" "$big"'\xff'
w "$H/errors/kv/motd" 'refused \x07\x07'
w "$R/guest/name" '\x1b]52;c;ZXZpbA==\x07'
w "$R/guest/caps" 0xzz
w "$R/guest/caps-list" '\x1b[5m  display   kv'
w "$R/guest/facility/agent" 'active\r\x1b[K'
w "$R/guest/display/0/seq" -1
w "$R/guest/display/0/mode" '640x480\x00'
w "$R/guest/display/junk" 'leaf where a directory belongs'
w "$R/guest/heartbeat/last-beat" soon
w "$R/guest/heartbeat/interval-ms" 99999999999999999999999
w "$R/guest/a/b/c/d/e/f/g/h/i" deep
# A directory where a leaf belongs: its value is still a string.
w "$R/guest/os" linux
w "$R/guest/os/sub" x

# Text: only printable ASCII, and the escapes say which bytes were there.
# A junk state with a junk pid is no daemon hvmlinkctl can call alive:
# exit 6.
expect_exit 6 '' "$CTL" status 5
text_is_clean "$XS_TEST_DIR/out"
out=$(cat "$XS_TEST_DIR/out")
for want in 'domain: 5 (\x1b]0;owned\x07\x1b[2Jev\xffil)' \
	'daemon: unknown (published "\x1b[31mready")' \
	'hints/display/0 = "1920x1080\x1b[A\x00\xc3("' \
	'hints/kv/motd = "caf\xc3\xa9 \xc2\x9b2J \xf0\x9f\x98\x80 tab\x09here nl\x0aend"' \
	'guest/name = "\x1b]52;c;ZXZpbA==\x07"' \
	'guest/facility/agent = "active\x0d\x1b[K"'; do
	echo "$out" | grep -qxF -- "$want" || fail "status text lacks '$want': $(echo "$out" | cut -c1-200)"
done
# 4000 Z and one \xff: nothing cut.
echo "$out" | grep -qxF "hints/kv/huge = \"${big}\\xff\"" || fail "huge value not shown whole"
pass "text: control characters and invalid UTF-8 escaped, every byte shown"

# JSON: valid UTF-8, the schema's types, junk as null.
expect_exit 6 '' "$CTL" status 5 --json
json_check status "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "
R = '\ufffd'
assert s['name'] == '\x1b]0;owned\x07\x1b[2Jev' + R + 'il', repr(s['name'])
assert s['state'] == 'unknown' and s['published-state'] == '\x1b[31mready', s
assert s['pid'] is None and s['displays'] is None, s
assert s['hints']['display']['0'] == '1920x1080\x1b[A' + R + R + '(', repr(s['hints'])
assert s['hints']['kv']['motd'] == 'caf\u00e9 \u009b2J \U0001f600 tab\there nl\nend', repr(s['hints'])
assert s['hints']['kv']['huge'] == 'Z' * 4000 + R
assert s['errors']['kv']['motd'] == 'refused \x07\x07'
g = s['guest']
assert g['caps'] is None and g['caps-list'] == ['\x1b[5m', 'display', 'kv'], g
assert g['display']['0'] == {'status': None, 'mode': '640x480' + R, 'seq': None, 'reason': None}, g
assert g['display']['junk'] == {'status': None, 'mode': None, 'seq': None, 'reason': None}, g
assert g['heartbeat'] == {'state': None, 'last-beat': None, 'interval-ms': None}, g
assert g['os'] == 'linux' and g['facility'] == {'agent': 'active\r\x1b[K'}, g
"
# The raw output carries no control character (C0, DEL, C1): all are
# written \u00NN.
if LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n' <"$XS_TEST_DIR/out") ||
	LC_ALL=C grep -qP '\xc2[\x80-\x9f]' "$XS_TEST_DIR/out"; then
	fail "JSON output holds raw control characters"
fi
grep -qF ' \u009b2J' "$XS_TEST_DIR/out" || fail "U+009B not escaped"
pass "JSON: valid UTF-8, schema types, junk reported as null"

# list sees the same domain; the same rules hold.
expect_exit 0 '' "$CTL" list
text_is_clean "$XS_TEST_DIR/out"
grep -qF '5      \x1b]0;owned\x07\x1b[2Jev\xffil unknown' "$XS_TEST_DIR/out" || fail "list text: $(cat "$XS_TEST_DIR/out")"
grep -qF 'agent=active\x0d\x1b[K' "$XS_TEST_DIR/out" || fail "list facilities: $(cat "$XS_TEST_DIR/out")"
expect_exit 0 '' "$CTL" list --json
json_check list "$XS_TEST_DIR/out"
json_py "$XS_TEST_DIR/out" "assert [d['domid'] for d in s['domains']] == [5] and s['vms'] == [], s"
pass "list: escaped text, valid JSON"

# The pid of a process that is gone is "dead" whatever the state says;
# a pid that is not a pid is null.
sleep 0.1 & gone=$!; wait $gone
w "$R/pid" "$gone"
expect_exit 6 '' "$CTL" status 5 --json
json_py "$XS_TEST_DIR/out" "assert s['state'] == 'dead' and s['pid'] == $gone, s"
for bad in 0 1 -5 ' 7' 07 99999999999 0x10; do
	w "$R/pid" "$bad"
	expect_exit 6 '' "$CTL" status 5 --json
	json_check status "$XS_TEST_DIR/out"
	json_py "$XS_TEST_DIR/out" "assert s['pid'] is None, s"
done
pass "pid: junk is null, a gone process is dead"
exit 0
