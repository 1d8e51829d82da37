#!/bin/bash
# xenstored restarts (its database is lost): the layer notices, reconnects
# with backoff, re-creates its tree with the right permissions, re-publishes
# everything, re-registers its watches and applies a hint written while
# it was disconnected.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
xs_require
xs_sim_init
xs_start || fail "xenstored did not start"
make_domain 9
R=$(ROOT_OF 9)
H=$(VM_OF 9)
drv_start --domid 9
drv_cmd state ready
drv_cmd info 0x010000 1 6.1 vm9
drv_cmd display 0 0 3 1024x768
xenstore-write "$H/hints/kv/a" 1 || fail write
drv_wait '^kv-set a 1 1$' 1 || fail "kv a"

# xenstored goes away.
xs_stop
drv_wait '^lost$' 1 || fail "connection loss not noticed"
pass "connection loss noticed"
# Publishing while disconnected is remembered, not an error.
drv_cmd state running
drv_cmd display 0 0 4 1280x1024

# A fresh, empty xenstored; the domain's home is written again (the
# toolstack's part), then a hint.  The driver is held stopped meanwhile,
# so both happen while it is certainly still disconnected.
kill -STOP "$DRV_PID"
xs_start || fail "xenstored did not restart"
xs_sim_domain_create 9
write_domain_home 9 vm9
xenstore-write "$H/hints/display/0" 1600x900 || fail write
kill -CONT "$DRV_PID"
drv_wait '^restored$' 1 || fail "no reconnection"
drv_wait '^display 0 1600x900\+0\+0$' 1 || fail "hint written during the outage not applied"
pass "reconnected; hint written meanwhile applied"

# Everything published is back, including what changed while down.
expect_read "$R/state" running
[ "$(xenstore-read "$R/pid")" = "$DRV_PID" ] || fail "pid not re-published"
expect_read "$R/guest/name" vm9
expect_read "$R/guest/display/0/mode" 1280x1024+0+0
expect_read "$R/guest/display/0/seq" 4
perms=$(xenstore-ls -p /local/domain/0/hvmlink | grep -E '^9 = ' | sed 's/.*(\(.*\))$/\1/')
[ "$perms" = n0 ] || fail "root permissions after reconnect: $perms"
pass "state re-published with permissions"

# The kv hint vanished with the old database: the guest is told.
drv_wait '^kv-delete a$' 1 || fail "key lost with the old database not deleted"
pass "hints gone with the database are withdrawn"

# The new watches work.
xenstore-write "$H/hints/display/0" 800x600 || fail write
drv_wait '^display 0 800x600\+0\+0$' 1 || fail "watch not re-registered"
xenstore-write "$H/hints/kv/b" 2 || fail write
drv_wait '^kv-set b 1 2$' 1 || fail "kv watch not re-registered"
pass "watches re-registered"

# A second outage works the same way (backoff state reset).
kill -STOP "$DRV_PID"
xs_restart || fail "restart"
xs_sim_domain_create 9
write_domain_home 9 vm9
kill -CONT "$DRV_PID"
drv_wait '^restored$' 2 || fail "no second reconnection"
expect_read "$R/state" running
pass "second restart"
drv_quit
expect_absent "$R/state"
exit 0
