#!/bin/bash
# hvmlinkctl watch against the real xenstored with the xenstore layer's
# driver as the daemon: every kind of event in text and in JSON (each
# line validated against docs/hvmlinkctl.schema.json), a daemon killed
# with -9 reported dead at once (pidfd, nothing changes in xenstore), the
# end when the domain is destroyed, SIGINT, and no wake-ups while idle
# (watches, not polling).
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
. "$top_srcdir/tests/integration/ctl-lib.sh"
xs_require
ctl_require_jsonschema
xs_sim_init
xs_start || fail "xenstored did not start"
make_domain 4 alpha
R=$(ROOT_OF 4)
H=$(VM_OF 4)	# hints and errors belong to the VM

J=$XS_TEST_DIR/watch.json
T=$XS_TEST_DIR/watch.txt
WJ= WT=
stop_watchers() {
	[ -n "$WJ" ] && kill "$WJ" 2>/dev/null
	[ -n "$WT" ] && kill "$WT" 2>/dev/null
	return 0
}
xs_atexit stop_watchers

# wait_line FILE REGEX [N]: wait until N lines (default 1) match.
wait_line() {
	local file=$1 re=$2 want=${3:-1} i=0
	while [ "$(grep -cE -- "$re" "$file" 2>/dev/null || true)" -lt "$want" ]; do
		i=$((i + 1))
		[ $i -le $((XS_TIMEOUT * 20)) ] || fail "no $want line(s) /$re/ in $file: $(cat "$file")"
		sleep 0.05
	done
}
ev() { printf '"event":"%s"' "$1"; }

drv_start --domid 4 --displays 2
drv_cmd state ready
"$CTL" watch alpha --json >"$J" 2>"$XS_TEST_DIR/watch.err" &
WJ=$!
"$CTL" watch 4 >"$T" 2>&1 &
WT=$!
wait_line "$J" "$(ev watching).*\"state\":\"ready\",\"published-state\":\"ready\",\"pid\":$DRV_PID"
wait_line "$T" "^[-0-9]+ [:.0-9]+ dom4 watching name=\"alpha\" vm=\"$(UUID_OF 4)\" state=\"ready\""

# Hints: set, refused, accepted again, removed.
"$CTL" hint alpha display 1 1280x800 || fail "hint"
wait_line "$J" "$(ev hint-set),\"kind\":\"display\",\"name\":\"1\",\"value\":\"1280x800\""
xenstore-write "$H/hints/display/0" 1x1@7
wait_line "$J" "$(ev hint-refused),\"kind\":\"display\",\"name\":\"0\",\"reason\":\"\\\\\"1x1@7\\\\\": bits per pixel"
"$CTL" hint alpha display 0 640x480 || fail "hint"
wait_line "$J" "$(ev hint-accepted),\"kind\":\"display\",\"name\":\"0\",\"value\":\"640x480\""
"$CTL" hint alpha key motd hello || fail "key"
wait_line "$J" "$(ev hint-set),\"kind\":\"kv\",\"name\":\"motd\",\"value\":\"hello\""
"$CTL" hint alpha key motd --delete || fail "key delete"
wait_line "$J" "$(ev hint-removed),\"kind\":\"kv\",\"name\":\"motd\""
# What hvmxs publishes once the device took a hint (D3 follow-up):
# delivered/<kind>/<name> = SEQ under the domain's root.
xenstore-write "$R/delivered/display/1" 3
wait_line "$J" "$(ev hint-delivered),\"kind\":\"display\",\"name\":\"1\",\"seq\":3,\"value\":\"1280x800\""
pass "hint events"

# Guest reports, as the daemon publishes them.
drv_cmd info 0x010200 1 6.1 alpha-vm
wait_line "$J" "$(ev guest-info),\"driver-version\":\"1.2.0\",\"os\":\"linux\",\"os-release\":\"6.1\",\"name\":\"alpha-vm\""
drv_cmd display 1 0 7 1280x800
wait_line "$J" "$(ev guest-display),\"display\":\"1\",\"status\":\"applied\",\"mode\":\"1280x800\\+0\\+0\",\"seq\":7,\"reason\":null"
drv_cmd display 0 -22 8 640x480 'no such mode'
wait_line "$J" "$(ev guest-display),\"display\":\"0\",\"status\":\"failed\",.*\"reason\":\"no such mode\""
drv_cmd facility 2 1
wait_line "$J" "$(ev guest-facility),\"facility\":\"agent\",\"status\":\"active\""
drv_cmd caps 0x3
wait_line "$J" "$(ev guest-caps),\"caps\":3,\"caps-list\":\\[\"display\",\"kv\"\\]"
drv_cmd heartbeat ok 1700000000500000000 2000000000
wait_line "$J" "$(ev guest-heartbeat),\"state\":\"ok\",\"last-beat\":1700000000.5,\"interval-ms\":2000"
drv_cmd clear-guest
wait_line "$J" "$(ev guest-reset)"
pass "guest events"

# Idle: no wake-ups at all (no polling) across both watchers' threads.
switches() {
	local pid=$1 sum=0 n
	for f in /proc/"$pid"/task/*/status; do
		n=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$f")
		sum=$((sum + n))
	done
	echo "$sum"
}
a=$(switches "$WJ")
sleep 1
b=$(switches "$WJ")
[ $((b - a)) -le 2 ] || fail "watch woke up $((b - a)) times in 1 s while nothing happened"
pass "idle watch does not wake up"

# The daemon killed with -9: xenstore still says ready, watch says dead.
kill -9 "$DRV_PID"
dead=$DRV_PID
wait "$DRV_PID" 2>/dev/null
DRV_PID=
exec 7>&-
wait_line "$J" "$(ev daemon),\"state\":\"dead\",\"published-state\":\"ready\",\"pid\":$dead"
wait_line "$T" " dom4 daemon state=\"dead\" published-state=\"ready\" pid=$dead$"
expect_read "$R/state" ready
pass "a killed daemon is reported dead"

# A new daemon for the domain, then the domain is destroyed: the last
# event, and watch exits 0 by itself.
drv_start --domid 4 --displays 2
wait_line "$J" "$(ev daemon),\"state\":\"starting\",\"published-state\":\"starting\",\"pid\":$DRV_PID"
xenstore-rm /local/domain/4
xs_sim_domain_destroy 4
wait_line "$J" "$(ev domain-gone)"
rc=0; wait "$WJ" || rc=$?
WJ=
[ $rc -eq 0 ] || fail "watch --json exited $rc after the domain went: $(cat "$XS_TEST_DIR/watch.err")"
json_check event "$J" --lines
text_is_clean "$T"
pass "domain gone: last event, exit 0; every JSON line matches the schema"

# SIGINT ends a watch with status 0.
make_domain 6 beta
"$CTL" watch beta >"$XS_TEST_DIR/beta.txt" 2>&1 &
wb=$!
wait_line "$XS_TEST_DIR/beta.txt" " dom6 watching name=\"beta\" vm=\"$(UUID_OF 6)\" state=\"none\" published-state=- pid=-$"
kill -INT "$wb"
rc=0; wait "$wb" || rc=$?
[ $rc -eq 0 ] || fail "watch exited $rc on SIGINT"
pass "SIGINT: exit 0"
kill "$WT" 2>/dev/null; WT=
exit 0
