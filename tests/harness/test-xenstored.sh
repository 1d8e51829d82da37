#!/usr/bin/env bash
# Self-test of the xenstored harness: the real xenstored (Xen 4.17) with
# the shim, driven by the real xenstore-* tools and a libxenstore program.
# Checks what the other tests build on: the tools work, watches fire,
# @introduceDomain/@releaseDomain follow a domain's life as the Xen
# stand-in reports it, restart keeps the socket path and loses the
# database, two instances are independent, and nothing outlives the test.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=tests/harness/xenstored.sh
. "$top_srcdir/tests/harness/xenstored.sh"

step=0
ok() { step=$((step + 1)); echo "ok $step - $*"; }
fail() { echo "not ok - $*" >&2; exit 1; }
# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

# A missing xenstored is a skip (77) here and a failure under CI=true.
rc=0; HVMLINK_XENSTORED=/nonexistent CI='' bash -c ". '$XS_HARNESS_SRC/xenstored.sh'; xs_require" 2>/dev/null || rc=$?
expect_eq "no xenstored, CI unset" "$rc" 77
rc=0; HVMLINK_XENSTORED=/nonexistent CI=true bash -c ". '$XS_HARNESS_SRC/xenstored.sh'; xs_require" 2>/dev/null || rc=$?
expect_eq "no xenstored, CI=true" "$rc" 1
ok "missing xenstored: skip, or failure under CI"

xs_require

# Every Xen function xenstored imports must come from the shim: one it
# lacked would fall through to the real library and fail without Xen.
need=$(nm -D --undefined-only "$XS_XENSTORED_BIN" | awk '{print $2}' | sed 's/@.*//' |
	grep -E '^(xc_|xengnttab_|xenevtchn_|xenforeignmemory_|xencall_|xendevicemodel_)' | sort)
have=$(nm -D --defined-only "$XS_SHIM" | awk '{print $3}' | sort)
[ -n "$need" ] || fail "no Xen imports found in $XS_XENSTORED_BIN"
missing=$(comm -23 <(echo "$need") <(echo "$have"))
[ -z "$missing" ] || fail "the shim lacks: $missing"
ok "the shim defines all $(echo "$need" | wc -l) Xen functions xenstored imports"

xs_sim_init
xs_start || fail "xs_start"
[ -S "$XENSTORED_PATH" ] || fail "no socket at $XENSTORED_PATH"
ok "xenstored $(xs_pid) serves $XENSTORED_PATH"

# ---- the real tools ----------------------------------------------------------
xenstore-write /hvmlink/a/b 1 /hvmlink/a/c 2 || fail "xenstore-write"
expect_eq "xenstore-read" "$(xenstore-read /hvmlink/a/b)" 1
expect_eq "xenstore-list" "$(xenstore-list /hvmlink/a | sort | tr '\n' ' ')" "b c "
xs_sim_domain_create 5 || fail "create domain 5"
xenstore-chmod /hvmlink/a n0 r5 || fail "xenstore-chmod"
xenstore-ls -p /hvmlink | grep -Eq '^a = "" .*\(n0,r5\)$' ||
	fail "xenstore-ls -p does not show (n0,r5): $(xenstore-ls -p /hvmlink)"
xenstore-rm /hvmlink/a/c || fail "xenstore-rm"
xenstore-read /hvmlink/a/c 2>/dev/null && fail "/hvmlink/a/c still there"
ok "xenstore-write/-read/-list/-chmod/-ls -p/-rm"

xs_watch_start hint /hvmlink/hint || fail "xenstore-watch did not start"
xenstore-write /hvmlink/hint/vm5 on || fail "write hint"
xs_watch_wait hint 2 || fail "no watch event for the hint"
expect_eq "watch event" "$(xs_watch_events hint | sed -n 2p)" /hvmlink/hint/vm5
xenstore-rm /hvmlink/hint/vm5
xs_watch_wait hint 3 || fail "no watch event for the removal"
xs_watch_stop hint
ok "xenstore-watch sees writes and removals"

# shellcheck disable=SC2086
${HVMLINK_VALGRIND:-} "$XS_HARNESS_BIN/test-xs-client" || fail "test-xs-client"
ok "libxenstore: domain path, transactions, watch + xs_read_watch"

# ---- a domain's life -------------------------------------------------------------
xs_watch_start intro @introduceDomain || fail "watch @introduceDomain"
xs_watch_start rel @releaseDomain || fail "watch @releaseDomain"

"$XS_HARNESS_BIN/xs-introduce" 9 2>/dev/null && fail "introduced domain 9, which does not exist"
"$XS_HARNESS_BIN/xs-introduce" --check 9 && fail "domain 9 is introduced"

xs_sim_domain_create 7 || fail "create domain 7"
xs_introduce 7 || fail "introduce domain 7"
xs_watch_wait intro 2 || fail "@introduceDomain did not fire"
"$XS_HARNESS_BIN/xs-introduce" --check 7 || fail "domain 7 not introduced"
expect_eq "home of domain 7" "$(xenstore-read /local/domain/7/domid)" 7
# A node the domain owns: xenstored 4.17 deletes it with the domain.
xenstore-write /local/domain/7/data x || fail "write /local/domain/7/data"
xenstore-chmod /local/domain/7/data n7 || fail "give /local/domain/7/data to domain 7"
ok "XS_INTRODUCE of a running domain fires @introduceDomain"

xs_sim_domain_destroy 7 || fail "destroy domain 7"
xs_watch_wait rel 2 || fail "@releaseDomain did not fire on destruction"
"$XS_HARNESS_BIN/xs-introduce" --check 7 && fail "domain 7 still introduced"
xenstore-read /local/domain/7/data 2>/dev/null && fail "node owned by dead domain 7 kept"
ok "destroying the domain fires @releaseDomain and drops what it owned"

# The stand-in may also just remove the file of a destroyed domain.
xs_sim_domain_create 11 || fail "create domain 11"
xs_introduce 11 || fail "introduce domain 11"
xs_watch_wait intro 3 || fail "@introduceDomain for domain 11"
xs__sim_set 11 absent || fail "remove domain 11"
xs_watch_wait rel 3 || fail "@releaseDomain did not fire when the domain vanished"
"$XS_HARNESS_BIN/xs-introduce" --check 11 && fail "domain 11 still introduced"
ok "a domain that vanishes without dying fires @releaseDomain"

xs_sim_domain_create 8 || fail "create domain 8"
xs_introduce 8 || fail "introduce domain 8"
xs_watch_wait intro 4 || fail "@introduceDomain for domain 8"
xs__sim_set 8 shutdown || fail "shut down domain 8"
xs_watch_wait rel 4 || fail "@releaseDomain did not fire on shutdown"
"$XS_HARNESS_BIN/xs-introduce" --check 8 || fail "a shut-down domain stays introduced"
"$XS_HARNESS_BIN/xs-introduce" --release 8 || fail "XS_RELEASE"
xs_watch_wait rel 5 || fail "@releaseDomain did not fire on XS_RELEASE"
"$XS_HARNESS_BIN/xs-introduce" --check 8 && fail "domain 8 still introduced"
ok "shutdown and XS_RELEASE fire @releaseDomain"
xs_watch_stop intro
xs_watch_stop rel

# ---- restart ------------------------------------------------------------------------
old_pid=$(xs_pid); old_path=$XENSTORED_PATH
xenstore-write /hvmlink/persist 1
xs_restart xs || fail "xs_restart"
expect_eq "socket path after restart" "$XENSTORED_PATH" "$old_path"
[ "$(xs_pid)" != "$old_pid" ] || fail "same pid after restart"
kill -0 "$old_pid" 2>/dev/null && fail "old xenstored $old_pid survived the restart"
xenstore-read /hvmlink/persist 2>/dev/null && fail "database survived the restart"
xenstore-write /hvmlink/persist 2 && expect_eq "after restart" "$(xenstore-read /hvmlink/persist)" 2
ok "xs_restart: same socket, new daemon, empty database"

# ---- two instances ----------------------------------------------------------------
# The second one without XENSIM_DIR: only one xenstored may own its socket.
sim=$XENSIM_DIR; unset XENSIM_DIR
xs_start second || fail "second instance"
export XENSIM_DIR=$sim
second_path=$XENSTORED_PATH
[ "$second_path" != "$old_path" ] || fail "both instances on one socket"
xenstore-write /hvmlink/who second
xs_env xs
xenstore-read /hvmlink/who 2>/dev/null && fail "instance xs sees the second one's node"
xenstore-write /hvmlink/who first
expect_eq "instance xs" "$(xenstore-read /hvmlink/who)" first
expect_eq "instance second" "$(XENSTORED_PATH=$second_path xenstore-read /hvmlink/who)" second
ok "two instances side by side are independent"

# ---- teardown -------------------------------------------------------------------------
pids="$(xs_pid xs) $(xs_pid second)"
xs_stop second
xs_stop
for p in $pids; do kill -0 "$p" 2>/dev/null && fail "xenstored $p still running"; done
xenstore-read /hvmlink/who 2>/dev/null && fail "xenstored answers after xs_stop"
ok "xs_stop leaves nothing running"

# The EXIT trap stops what a test left running, and keeps the logs of a
# failed test.
child_dir=$(mktemp -d "$XS_TEST_DIR/child.XXXXXX")
for want in 0 3; do
	out=$(XS_TEST_DIR='' bash -c "
		. '$XS_HARNESS_SRC/xenstored.sh'
		cd '$child_dir'
		xs_start >/dev/null || exit 9
		echo \"\$(xs_pid) \$XS_TEST_DIR\"
		exit $want" 2>/dev/null)
	rc=$?
	expect_eq "child exit status" "$rc" "$want"
	read -r cpid cdir <<<"$out"
	[ -n "$cpid" ] || fail "child did not start xenstored"
	kill -0 "$cpid" 2>/dev/null && fail "xenstored $cpid outlived its test"
	if [ "$want" -eq 0 ]; then
		[ -d "$cdir" ] && fail "test dir $cdir kept after success"
	else
		[ -f "$cdir/xs/trace.log" ] || fail "logs of failed test not kept in $cdir"
	fi
done
ok "EXIT trap stops xenstored; logs kept only on failure"

echo "test-xenstored: $step checks passed"
exit 0
