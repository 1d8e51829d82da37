# shellcheck shell=bash
# shellcheck disable=SC2154 # the variables of dom0-autotest.sh, which sources this
# The lifecycle steps of the e2e scenario (issue 12, docs/lifecycle.md):
# sourced by dom0-autotest.sh once the guest runs its agent and the hints
# went through, with its helpers (step, wait_line, hint_display,
# daemon_pid, start_probe, stop_probe) and its variables (name, cfg,
# serial, domid, base, krel, boot_timeout).  Order: the cheap ones first,
# the guest reboot (a second boot) last.
#
#   second-daemon-refused  hvmlinkd for a served domain exits 3, the first
#                          one keeps serving
#   daemon-kill-restart    kill -9 hvmlinkd, start it again as the wrapper
#                          does; a new hint reaches the guest's agent
#                          within 10 s of the kill
#   save-restore           xl save + xl restore: the wrapper starts
#                          hvmlinkd --incoming, the agent hears RESTORED,
#                          a new hint reaches it, status shows the guest
#   migrate-local          xl migrate to this same host (xl migrate-receive
#                          run locally): the same checks as save-restore
#   guest-reboot           reboot -f inside the guest: xl builds a new
#                          domain, the wrapper a new daemon; the device is
#                          there, a new hint and the earlier kv hint arrive
#   daemon-start-failure   (called by the autotest once the VM is gone)
#                          a wrapper whose hvmlinkd cannot start: xl create
#                          fails, the daemon's error is in libxl's
#                          device-model log, no domain is left
# Every domain id the VM had is in $lc_domids, for the leftover check.

lc_domids=$domid

# Seconds between two uptime readings, one decimal.
lc_since() { awk -v a="$1" -v b="$(up)" 'BEGIN { printf "%.1f", b - a }'; }

# Wait until the process PID is gone (up to $2 s), in steps of 0.2 s:
# the daemon-kill-restart step counts the seconds.
lc_wait_gone() {
	local pid=$1 t=0
	while [ -d "/proc/$pid" ] && [ "$t" -lt $(($2 * 5)) ]; do sleep 0.2; t=$((t + 1)); done
	[ ! -d "/proc/$pid" ]
}

# Wait until the VM runs under an id other than $1 (up to $2 s); prints it.
lc_wait_new_domid() {
	local old=$1 end now
	end=$(( $(cut -d. -f1 /proc/uptime) + $2 ))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		now=$(xl domid "$name" 2>/dev/null)
		if [ -n "$now" ] && [ "$now" != "$old" ]; then echo "$now"; return 0; fi
		sleep 2
	done
	return 1
}

lc_second_daemon() {
	local first out rc after
	first=$(daemon_pid)
	out=$(timeout 60 hvmlinkd --domid "$domid" 2>&1); rc=$?
	after=$(daemon_pid)
	# The refusal is logged where the daemon logs (stderr before it
	# detaches, syslog after): look in both.
	out="$out $(grep -a 'already served' /var/log/messages 2>/dev/null | tail -n 1)"
	if [ "$rc" -eq 3 ] && [ -n "$first" ] && [ "$after" = "$first" ] &&
		[ "$(xenstore-read "$base/$domid/state" 2>/dev/null)" = ready ] &&
		echo "$out" | grep -q 'already served'; then
		step second-daemon-refused PASS "exit 3: $(echo "$out" | grep -o 'domain [0-9]* is already served by hvmlinkd (pid [0-9a-z ]*)' | head -n 1); pid $first still serves, state ready"
	else
		step second-daemon-refused FAIL "exit $rc (want 3), first pid ${first:-none}, after ${after:-none}: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
}

lc_kill_restart() {
	local old new t0 took rc
	old=$(daemon_pid)
	if [ -z "$old" ]; then
		step daemon-kill-restart FAIL "no hvmlinkd for domain $domid to kill"
		return
	fi
	t0=$(up)
	kill -9 "$old"
	lc_wait_gone "$old" 10 || { step daemon-kill-restart FAIL "pid $old survived kill -9"; return; }
	# What the unit's Restart=on-failure (or the administrator) does; the
	# same command line the wrapper uses on a Dom0 without systemd.
	hvmlinkd --domid "$domid" >/tmp/restart.log 2>&1; rc=$?
	new=$(daemon_pid)
	if [ "$rc" -ne 0 ] || [ -z "$new" ]; then
		step daemon-kill-restart FAIL "restarted hvmlinkd exit $rc: $(tail -n 1 /tmp/restart.log)"
		return
	fi
	if ! hint_display 0 800x600; then
		step daemon-kill-restart FAIL "after kill -9 of $old and restart as $new: $hint_err"
		return
	fi
	# From the kill to the guest's hook line (hint_display then also
	# waits for hvmlinkctl status, which is not the guest's side).
	took=$(awk -v a="$t0" -v b="$hint_seen" 'BEGIN { printf "%.1f", b - a }')
	if awk -v t="$took" 'BEGIN { exit !(t <= 10) }'; then
		step daemon-kill-restart PASS "killed $old, restarted as $new; a new hint reached the agent ${took} s after the kill: $hint_line"
	else
		step daemon-kill-restart FAIL "the hint after the restart reached the agent ${took} s after the kill (more than 10 s)"
	fi
}

lc_save_restore() {
	local old=$domid opid t0 t_save t_restore new why=''
	opid=$(daemon_pid)
	t0=$(up)
	if ! timeout 300 xl save "$name" /tmp/e2e-guest.save >/tmp/save.log 2>&1; then
		step save-restore FAIL "xl save: $(tail -n 1 /tmp/save.log)"
		return
	fi
	t_save=$(lc_since "$t0")
	[ -z "$opid" ] || lc_wait_gone "$opid" 30 || why="hvmlinkd $opid outlived the saved domain; "
	t0=$(up)
	if ! timeout 300 xl restore /tmp/e2e-guest.save >/tmp/restore.log 2>&1; then
		cat /tmp/restore.log /var/log/xen/qemu-dm-"$name".log 2>/dev/null | tail -n 20
		step save-restore FAIL "xl restore: $(tail -n 1 /tmp/restore.log)"
		return
	fi
	t_restore=$(lc_since "$t0")
	rm -f /tmp/e2e-guest.save
	new=$(xl domid "$name" 2>/dev/null)
	[ -n "$new" ] || { step save-restore FAIL "no domain $name after xl restore"; return; }
	domid=$new lc_domids="$lc_domids $new"
	[ -n "$(daemon_pid)" ] || why="${why}no hvmlinkd for the restored domain $new; "
	# The agent logs the device's RESTORED event ("restored").
	wait_line "$serial" '^E2E-AGENT.*restored' 120 "$name" >/dev/null ||
		why="${why}the agent never logged RESTORED; "
	if hint_display 0 1600x900; then
		hvmlinkctl status "$domid" >/tmp/status.txt 2>&1
		grep -q -F "$krel" /tmp/status.txt || why="${why}status lacks the guest kernel $krel; "
	else
		why="${why}$hint_err; "
	fi
	if [ -z "$why" ]; then
		step save-restore PASS "save ${t_save} s, restore ${t_restore} s, domain $old -> $new, RESTORED seen, a new hint applied, status shows kernel $krel"
	else
		step save-restore FAIL "domain $old -> ${new:-?}: $why"
	fi
}

# Count the agent's RESTORED lines in the guest's serial log.
lc_restored_count() { tr -d '\r' <"$serial" 2>/dev/null | grep -c '^E2E-AGENT.*restored'; }

# Wait up to $2 s for a RESTORED line newer than the $1 counted before.
# The incoming QEMU reopens the serial file and truncates it: then any
# RESTORED line is new (the boot's HELLO line is gone with the old text).
lc_wait_restored() {
	local before=$1 end n
	end=$(( $(cut -d. -f1 /proc/uptime) + $2 ))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		n=$(lc_restored_count)
		[ "$n" -gt "$before" ] && return 0
		if [ "$n" -gt 0 ] && ! tr -d '\r' <"$serial" | grep -q '^E2E-GUEST-HELLO'; then
			return 0
		fi
		sleep 2
	done
	return 1
}

lc_migrate() {
	local old=$domid opid t0 took new why='' before
	opid=$(daemon_pid)
	before=$(lc_restored_count)
	t0=$(up)
	# With -s "" xl runs its "host" argument as the receiving side's
	# command instead of "ssh HOST xl migrate-receive": a migration to
	# this very host.  The incoming domain is NAME--incoming until done.
	if ! timeout 300 xl migrate -s "" "$name" "xl migrate-receive" >/tmp/migrate.log 2>&1; then
		cat /tmp/migrate.log /var/log/xen/qemu-dm-"$name"--incoming.log 2>/dev/null | tail -n 20
		step migrate-local FAIL "xl migrate: $(tail -n 1 /tmp/migrate.log)"
		return
	fi
	took=$(lc_since "$t0")
	new=$(xl domid "$name" 2>/dev/null)
	if [ -z "$new" ] || [ "$new" = "$old" ]; then
		step migrate-local FAIL "after xl migrate the VM's domain is '${new:-none}' (was $old)"
		return
	fi
	domid=$new lc_domids="$lc_domids $new"
	[ -z "$opid" ] || lc_wait_gone "$opid" 30 || why="hvmlinkd $opid outlived the migrated-away domain $old; "
	[ -n "$(daemon_pid)" ] || why="${why}no hvmlinkd for the incoming domain $new; "
	lc_wait_restored "$before" 120 || why="${why}the agent never logged RESTORED after the migration; "
	if hint_display 0 1440x900; then
		hvmlinkctl status "$domid" >/tmp/status.txt 2>&1
		grep -q -F "$krel" /tmp/status.txt || why="${why}status lacks the guest kernel $krel; "
	else
		why="${why}$hint_err; "
	fi
	if [ -z "$why" ]; then
		step migrate-local PASS "xl migrate to this host ${took} s, domain $old -> $new, RESTORED seen, a new hint applied, status shows kernel $krel"
	else
		step migrate-local FAIL "domain $old -> $new: $why"
	fi
}

lc_reboot() {
	local old=$domid opid t0 new now why='' took
	opid=$(daemon_pid)
	t0=$(up)
	# The guest's kv watcher runs "reboot -f" when this key arrives.
	if ! hvmlinkctl hint "$domid" key e2e-reboot now >/tmp/hint.log 2>&1; then
		step guest-reboot FAIL "hvmlinkctl hint: $(tail -n 1 /tmp/hint.log)"
		return
	fi
	if ! new=$(lc_wait_new_domid "$old" 300); then
		step guest-reboot FAIL "the VM did not come back under a new domain id within 300 s"
		return
	fi
	# Hints follow the VM: clear the trigger before the new boot's agent
	# starts, or it would reboot again; e2e-boot tells the guest to skip
	# what the first boot measured (guest-init.sh).
	hvmlinkctl hint --clear "$new" key e2e-reboot >/tmp/hint.log 2>&1 ||
		echo "e2e: clearing e2e-reboot: $(tail -n 1 /tmp/hint.log)"
	hvmlinkctl hint "$new" key e2e-boot again >/tmp/hint.log 2>&1 ||
		echo "e2e: setting e2e-boot: $(tail -n 1 /tmp/hint.log)"
	domid=$new lc_domids="$lc_domids $new"
	[ -z "$opid" ] || lc_wait_gone "$opid" 30 || why="hvmlinkd $opid outlived domain $old; "
	if ! wait_line "$serial" '^E2E-GUEST-READY' "$boot_timeout" "$name" >/dev/null; then
		step guest-reboot FAIL "${why}no E2E-GUEST-READY from the rebooted guest (domain $new)"
		return
	fi
	# The new boot may have died on the way (the TCG triple fault of
	# docs/e2e.md) and been built again by xl: the guest that said ready
	# runs under the VM's current id.
	now=$(xl domid "$name" 2>/dev/null)
	if [ -n "$now" ] && [ "$now" != "$new" ]; then
		echo "E2E-RETRY the rebooted guest (domain $new) died and xl built it again as domain $now; following it"
		new=$now domid=$now lc_domids="$lc_domids $now"
	fi
	# Only now: libxl creates the domain before it spawns the device
	# model (and with it the wrapper's hvmlinkd), so the new id can be
	# seen a moment before its daemon; a running guest implies both.
	[ -n "$(daemon_pid)" ] || why="${why}no hvmlinkd for domain $new; "
	took=$(lc_since "$t0")
	tr -d '\r' <"$serial" | grep -q '^E2E-G module-bind PASS' || why="${why}the driver did not bind after the reboot; "
	wait_line "$serial" '^E2E-KV e2e-colour=blue$' 60 "$name" >/dev/null ||
		why="${why}the earlier kv hint e2e-colour=blue did not come back; "
	hint_display 0 1280x1024 || why="${why}$hint_err; "
	if [ -z "$why" ]; then
		step guest-reboot PASS "reboot -f in the guest: domain $old -> $new in ${took} s, device bound, e2e-colour=blue back, a new hint applied"
	else
		step guest-reboot FAIL "domain $old -> $new: $why"
	fi
}

# Once the VM is gone (the autotest calls it after no-leftovers): an
# administrator's mistake that keeps hvmlinkd from starting (a --user that
# does not exist) must fail "xl create" with the daemon's own error in
# libxl's device-model log, and leave no domain behind
# (docs/lifecycle.md, "The wrapper").
lc_start_failure() {
	local conf rc t0 took line left log=/var/log/xen/qemu-dm-$name.log why=''
	conf=$(sed -n 's/^conf=\${HVMLINK_WRAPPER_CONF:-\(.*\)}$/\1/p' /usr/libexec/hvmlink/qemu-wrapper 2>/dev/null)
	if [ ! -f "$conf" ]; then
		step daemon-start-failure FAIL "no wrapper configuration at '$conf'"
		return
	fi
	cp "$conf" /tmp/qemu-wrapper.conf.good
	printf '%s\n' "$(cat /tmp/qemu-wrapper.conf.good)" 'HVMLINKD_ARGS=--user no-such-user' >"$conf"
	t0=$(up)
	timeout 300 xl create "$cfg" 'serial="file:/tmp/start-failure-serial.log"' >/tmp/start-failure.log 2>&1
	rc=$?
	took=$(lc_since "$t0")
	cp /tmp/qemu-wrapper.conf.good "$conf"
	line=$(grep -a -m1 '^hvmlink qemu-wrapper: domain [0-9]*: hvmlinkd (direct) failed' "$log" 2>/dev/null)
	[ "$rc" -ne 0 ] || why="xl create exit 0; "
	[ "$rc" -ne 124 ] || why="xl create hung for 300 s; "
	echo "$line" | grep -q -- '--user no-such-user' || why="${why}no wrapper line with the daemon's error in $log; "
	if [ -n "$(xl domid "$name" 2>/dev/null)" ]; then
		why="${why}a domain $name was left behind; "
		xl destroy "$name" 2>/dev/null
	fi
	# Per-domain state only: $base/vm holds the VMs' hints, which stay.
	left=$(xenstore-list "$base" 2>/dev/null | grep -v '^vm$' | tr '\n' ' ')
	[ -z "$left" ] || why="${why}domain state left under $base: $left; "
	if [ -z "$why" ]; then
		step daemon-start-failure PASS "xl create exit $rc after ${took} s, no domain left; $log: ${line#hvmlink qemu-wrapper: }"
	else
		tail -n 5 /tmp/start-failure.log "$log" 2>/dev/null
		step daemon-start-failure FAIL "$why"
	fi
}

# Run one of the steps above.  If it failed and the VM no longer runs
# under the id the step worked with, the guest died meanwhile (the TCG
# triple fault of docs/e2e.md, seen after a restore and in a reboot) and
# xl built it again: nothing to do with hvmlink.  Follow the rebuilt
# guest once it says ready (the e2e-boot key spares it the first boot's
# benches) and run the step again, at most $retries times in all; the
# step's new line replaces its first (run-vm.py keeps the last).
lc_followed=0
lc_run() {
	local fn=$1 before=$failed now t
	"$fn"
	while [ "$failed" -gt "$before" ] && [ "$lc_followed" -lt "$retries" ]; do
		now= t=0
		# xl destroys a rebooting VM's domain before it builds the new one.
		while [ -z "$now" ] && [ "$t" -lt 60 ]; do
			now=$(xl domid "$name" 2>/dev/null) || { sleep 2; t=$((t + 2)); }
		done
		[ -n "$now" ] && [ "$now" != "$domid" ] || return 0
		lc_followed=$((lc_followed + 1))
		echo "E2E-RETRY the guest (domain $domid) died during $fn and xl built it again as domain $now; following it, then $fn again ($lc_followed of $retries)"
		xl dmesg | grep 'Triple fault' | tail -n 1
		hvmlinkctl hint "$now" key e2e-boot again >/tmp/hint.log 2>&1 ||
			echo "e2e: setting e2e-boot: $(tail -n 1 /tmp/hint.log)"
		hvmlinkctl hint --clear "$now" key e2e-reboot >/dev/null 2>&1
		domid=$now lc_domids="$lc_domids $now"
		# The rebuilt domain's QEMU starts the serial file afresh: wait
		# for the old boot's ready line to go (at most a minute), so
		# that the one waited for below is the new boot's.
		t=0
		while tr -d '\r' <"$serial" 2>/dev/null | grep -q '^E2E-GUEST-READY' &&
		      [ "$t" -lt 60 ]; do
			sleep 2; t=$((t + 2))
		done
		if ! wait_line "$serial" '^E2E-GUEST-READY' "$boot_timeout" "$name" >/dev/null; then
			echo "e2e: the rebuilt guest (domain $now) never said ready"
			return 0
		fi
		failed=$before
		"$fn"
	done
}

lc_run lc_second_daemon
lc_run lc_kill_restart
lc_run lc_save_restore
lc_run lc_migrate
lc_run lc_reboot
