#!/bin/bash
# The Dom0 side of the e2e scenario (started by /init when the kernel
# command line has autotest=1).  Lines for the host driver (run-vm.py):
#   E2E-PLAN step...              steps this run will report
#   E2E-STAGE <stage> ok|FAIL ...  a stage boundary (domain-create, ...)
#   E2E-STEP <step> PASS|FAIL ...  one scenario step (counted)
#   E2E-RETRY ...                  a guest re-created after dying early
#   E2E-FILE-BEGIN <name> / E2E-FILE-END   an artifact, copied to results
#   E2E-RESULT passed=N failed=N
# Kernel command line: e2e_mode=full|probe e2e_retries=N e2e_n=N
#   e2e_bdf=BB:DD.F e2e_boot_timeout=S
# Dom0 stays quiet while the guest boots (one grep and one xl call every
# 2 s): a busy Dom0 makes QEMU's nested SVM triple-fault guests.
export PATH=/usr/lib/xen-4.17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
up() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "E2E-STAGE $1 $2 uptime=$(up) ${*:3}"; }
passed=0 failed=0
step() {
	local name=$1 res=$2; shift 2
	echo "E2E-STEP $name $res uptime=$(up) $*"
	if [ "$res" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
artifact() { # NAME FILE
	[ -f "$2" ] || return 0
	echo "E2E-FILE-BEGIN $1"; cat "$2"; echo; echo "E2E-FILE-END $1"
}

mode=$(arg e2e_mode); mode=${mode:-full}
retries=$(arg e2e_retries); retries=${retries:-3}
n=$(arg e2e_n); n=${n:-1000}
bdf=$(arg e2e_bdf); bdf=${bdf:-00:1e.0}
boot_timeout=$(arg e2e_boot_timeout); boot_timeout=${boot_timeout:-1500}
reset_after_fair=$(arg e2e_reset_after_fair)
name=e2e-guest
cfg=/e2e/guest-hvm.cfg
base=/local/domain/0/hvmlink

# The hvmlink-host package, when the run brought one (run-e2e.sh without
# --build-tree): Dom0 installs it as an administrator would, offline.
host_deb=$(ls /e2e/debs/hvmlink-host_*.deb 2>/dev/null | head -n 1)

if [ "$mode" = full ]; then
	echo "E2E-PLAN ${host_deb:+host-package }xl-create-plain guest-boot lspci module-bind cli-info agent bench-fair" \
		"bench ioreq-smoke status hint-display irq hint-display-2 hint-kv hint-bad-refused" \
		"hint-bad-error hint-bad-ignored second-daemon-refused daemon-kill-restart" \
		"save-restore migrate-local guest-reboot destroy daemon-exit no-leftovers" \
		"daemon-start-failure"
else
	echo "E2E-PLAN launch guest-boot ioreq-smoke destroy"
fi

# Syslog of everything in Dom0 (hvmlinkd logs there once daemonized).
busybox syslogd -O /var/log/messages 2>/dev/null

# dpkg -i, then what the rest of the run relies on from the package: the
# programs on PATH, the hvmlink user its sysusers entry makes, the
# toolstack hook and its configuration (docs/admin.md).
install_host_package() {
	local why='' f
	if ! dpkg -i "$host_deb" >/tmp/dpkg.log 2>&1; then
		cat /tmp/dpkg.log
		step host-package FAIL "dpkg -i $(basename "$host_deb"): $(tail -n 2 /tmp/dpkg.log | tr '\n' ' ')"
		return
	fi
	[ "$(dpkg-query -W -f='${Status}' hvmlink-host 2>/dev/null)" = "install ok installed" ] ||
		why="dpkg says '$(dpkg-query -W -f='${Status}' hvmlink-host 2>&1)'; "
	for f in hvmlinkd hvmlinkctl; do
		[ "$(command -v $f)" = /usr/sbin/$f ] || why="${why}$f is '$(command -v $f)', not /usr/sbin/$f; "
	done
	[ -x /usr/libexec/hvmlink/qemu-wrapper ] || why="${why}no /usr/libexec/hvmlink/qemu-wrapper; "
	[ -f /etc/hvmlink/qemu-wrapper.conf ] || why="${why}no /etc/hvmlink/qemu-wrapper.conf; "
	getent passwd hvmlink >/dev/null || why="${why}no user hvmlink; "
	if [ -z "$why" ]; then
		step host-package PASS "dpkg -i $(basename "$host_deb"): $(hvmlinkd --version | head -n 1), hvmlinkctl, the wrapper and its configuration, user hvmlink"
	else
		step host-package FAIL "$why"
	fi
}
[ -z "$host_deb" ] || [ "$mode" != full ] || install_host_package

domain_alive() { xl domid "$name" >/dev/null 2>&1; }

# Wait until FILE has a line matching REGEX; give up after TIMEOUT s or,
# with a domain name, once the domain is gone.  Prints the line.  Gone
# means gone for a minute: xl destroys a rebooting VM's domain before it
# builds the new one (a guest that triple-faulted, see docs/e2e.md).
wait_line() {
	local file=$1 re=$2 timeout=$3 dom=${4:-} end absent=0
	# A wall-clock deadline: one poll can take seconds on a loaded host.
	end=$(( $(cut -d. -f1 /proc/uptime) + timeout ))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		# The guest's tty writes CRLF: strip the CR before matching.
		tr -d '\r' <"$file" 2>/dev/null | grep -m1 -E "$re" && return 0
		if [ -n "$dom" ] && ! domain_alive; then
			tr -d '\r' <"$file" 2>/dev/null | grep -m1 -E "$re" && return 0
			absent=$((absent + 1))
			[ "$absent" -lt 30 ] || return 2
		else
			absent=0
		fi
		sleep 2
	done
	return 1
}

# Relay the guest's E2E-G lines (guest-side steps) as steps, once each.
relayed=0
relay_guest() {
	local line name res rest
	# A file, not a pipe: the loop must run in this shell to count steps.
	tail -n +$((relayed + 1)) "$serial" | tr -d '\r' >/tmp/relay.txt
	while IFS= read -r line; do
		case $line in
		E2E-G\ *)
			read -r _ name res rest <<<"$line"
			step "$name" "$res" "guest: $rest" ;;
		E2E-BENCH* | E2E-INFO* | E2E-LSPCI* | E2E-IRQ*) echo "$line" ;;
		esac
	done </tmp/relay.txt
	relayed=$((relayed + $(wc -l </tmp/relay.txt)))
}

# hvmlinkd's pid for $domid.  One grep over all command lines: forking per
# process would keep Dom0 busy while the guest boots.
daemon_pid() {
	local f
	for f in $(grep -l -a hvmlinkd /proc/[0-9]*/cmdline 2>/dev/null); do
		tr '\0' ' ' <"$f" 2>/dev/null | grep -q -- "--domid[= ]$domid\b" &&
			{ f=${f#/proc/}; echo "${f%/cmdline}"; return 0; }
	done
	return 1
}

stop_probe() {
	[ -n "${probe_pid:-}" ] || return 0
	kill "$probe_pid" 2>/dev/null; wait "$probe_pid" 2>/dev/null; probe_pid=
}

# Start the e2e-ioreq-probe for DOMID; it must say "ready" within 30 s.
start_probe() {
	[ -x /usr/local/sbin/e2e-ioreq-probe ] || { echo "e2e: no e2e-ioreq-probe in Dom0"; return 1; }
	e2e-ioreq-probe --domid "$1" --timeout 1500 >/tmp/probe.log 2>&1 &
	probe_pid=$!
	wait_line /tmp/probe.log '^probe: ready' 30 >/dev/null
}

# Before a retry: a triple fault is a reboot to Xen, so with the config's
# on_reboot="restart" xl builds the VM again under a new id by itself,
# and the next "xl create" would collide with it on the name.  Destroy
# whatever runs under the name until none has for 5 s in a row (xl's
# monitor restarts within a second or two of the fault).
retire_vm() {
	local i quiet=0
	for i in $(seq 1 60); do
		if xl domid "$name" >/dev/null 2>&1; then
			xl destroy "$name" >/dev/null 2>&1
			quiet=0
		else
			quiet=$((quiet + 1))
			[ $quiet -ge 5 ] && return 0
		fi
		sleep 1
	done
	return 1
}

# The line number of the serial log's last E2E-GUEST-HELLO (0: none).
last_hello_line() {
	local n
	n=$(tr -d '\r' <"$serial" 2>/dev/null | grep -n '^E2E-GUEST-HELLO' | tail -n 1 | cut -d: -f1)
	echo "${n:-0}"
}

# Has a boot said hello since the serial log had N lines?  (QEMU may start
# the file afresh for the rebuilt domain: then any hello is new.)
hello_since() {
	local lines h
	lines=$(tr -d '\r' <"$serial" 2>/dev/null | wc -l)
	h=$(last_hello_line)
	if [ "$lines" -lt "$1" ]; then [ "$h" -gt 0 ]; else [ "$h" -gt "$1" ]; fi
}

# Wait for the guest side's E2E-GUEST-READY into $ready ("" if it never
# came).  The guest may die during its steps as it may before its first
# output (the TCG nested-SVM weakness of the research note, seen as
# "Triple fault" right after the fair bench), and xl builds the VM again
# under a new id (on_reboot="restart"): follow the new domain, at most
# $retries times.  The probe is started again for it once it says hello,
# and its boot runs every guest-side step again.  Not in a $(...): the
# domain id and the probe are this shell's.
followed=0
wait_guest_ready() {
	local end now from absent=0
	ready=
	end=$(( $(cut -d. -f1 /proc/uptime) + 900 ))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
		# Up to the blank after irq=N: the guest may still be writing
		# the line when it is polled, and a cut "irq=" would read as
		# no count.  Only after the last boot's hello.
		from=$(last_hello_line)
		ready=$(tr -d '\r' <"$serial" 2>/dev/null | tail -n +"$((from > 0 ? from : 1))" |
			grep -m1 -E '^E2E-GUEST-READY irq=[0-9]+ ') && return 0
		ready=
		if ! now=$(xl domid "$name" 2>/dev/null); then
			# xl destroys a rebooting VM's domain before it builds
			# the new one: gone for good only after a while.
			absent=$((absent + 1))
			[ "$absent" -le 30 ] || return 1
			sleep 2
			continue
		fi
		absent=0
		if [ "$reset_after_fair" = 1 ] && [ "$followed" -eq 0 ] &&
		   tr -d '\r' <"$serial" | grep -q '^E2E-G bench-fair '; then
			# --reset-after-fair: what a triple fault there does (a
			# reset xl answers with a new domain).  The agent's kv
			# watcher runs "reboot -f" for this key.
			echo "e2e: --reset-after-fair: the guest reboots itself now (key e2e-reboot)"
			hvmlinkctl hint "$domid" key e2e-reboot now >/tmp/hint.log 2>&1 ||
				echo "e2e: hvmlinkctl hint: $(tail -n 1 /tmp/hint.log)"
			reset_after_fair=injected
		fi
		if [ "$now" != "$domid" ]; then
			[ "$followed" -lt "$retries" ] || return 1
			followed=$((followed + 1))
			echo "E2E-RETRY the guest (domain $domid) died during its steps and xl built it again as domain $now; following it, $followed of $retries; xl dmesg tail:"
			xl dmesg | tail -n 5
			domid=$now
			stop_probe
			# Hints follow the VM: the injected reset's key goes, or the
			# new boot's agent would reboot it again.
			[ "$reset_after_fair" != injected ] ||
				hvmlinkctl hint --clear "$domid" key e2e-reboot >/tmp/hint.log 2>&1 ||
				echo "e2e: clearing e2e-reboot: $(tail -n 1 /tmp/hint.log)"
			from=$(tr -d '\r' <"$serial" 2>/dev/null | wc -l)
			until hello_since "$from" ||
			      [ "$(cut -d. -f1 /proc/uptime)" -ge "$end" ] || ! domain_alive; do
				sleep 2
			done
			start_probe "$domid" || echo "e2e: probe did not start: $(cat /tmp/probe.log)"
		fi
		sleep 2
	done
	return 1
}

# ---------------------------------------------------------------- launch
attempt=0 hello='' domid='' launched=''
# xen_nopv: a guest without PV suspend, so that xl save takes the
# device-state path of docs/lifecycle.md (this busybox guest has no
# suspend handler; a PV suspend request would go unanswered).
extra="console=ttyS0 quiet xen_nopv e2e_mode=$mode e2e_n=$n e2e_bdf=$bdf"
while [ $attempt -le "$retries" ]; do
	attempt=$((attempt + 1))
	serial=/tmp/guest-serial.$attempt.log
	: >"$serial"
	t0=$(up)
	if [ "$mode" = full ]; then
		# Plain xl create: the guest's config names the wrapper
		# (device_model_override, docs/admin.md), which starts hvmlinkd
		# for the new domain and waits for it to be ready before it runs
		# QEMU; libxl unpauses the domain only after QEMU is up.
		timeout 300 xl create "$cfg" "serial=\"file:$serial\"" "extra=\"$extra\"" \
			>/tmp/launch.$attempt.log 2>&1
		rc=$?
		t_launch=$(awk -v a="$t0" -v b="$(up)" 'BEGIN{print b-a}')
		domid=$(xl domid "$name" 2>/dev/null)
		if [ $rc -ne 0 ] || [ -z "$domid" ]; then
			cat /tmp/launch.$attempt.log /var/log/xen/qemu-dm-$name.log 2>/dev/null
			mark domain-create FAIL "xl create exit $rc"
			step xl-create-plain FAIL "xl create exit $rc: $(grep -h -m1 -i 'hvmlink' /var/log/xen/qemu-dm-$name.log 2>/dev/null || tail -n 1 /tmp/launch.$attempt.log)"
			break
		fi
		mark domain-create ok "domid=$domid xl create took $t_launch s"
		dpid=$(daemon_pid)
		dstate=$(xenstore-read "$base/$domid/state" 2>/dev/null)
		if [ -z "$dpid" ]; then
			mark daemon-ready FAIL "no hvmlinkd for domain $domid after xl create"
			step xl-create-plain FAIL "xl create did not start hvmlinkd (see qemu-dm-$name.log)"
			xl destroy "$domid"
			break
		fi
		mark daemon-ready ok "hvmlinkd pid=$dpid state=$dstate"
		start_probe "$domid" || echo "e2e: probe did not start: $(cat /tmp/probe.log)"
	else
		# The probe alone: the same guest without the hvmlink wrapper.
		grep -v '^device_model_override' "$cfg" >/tmp/probe-guest.cfg
		if ! xl create -p /tmp/probe-guest.cfg "serial=\"file:$serial\"" "extra=\"$extra\"" >/tmp/launch.$attempt.log 2>&1; then
			cat /tmp/launch.$attempt.log
			mark domain-create FAIL "xl create failed"
			step launch FAIL "xl create: $(tail -n 1 /tmp/launch.$attempt.log)"
			break
		fi
		domid=$(xl domid "$name")
		mark domain-create ok "domid=$domid (paused)"
		if ! start_probe "$domid"; then
			cat /tmp/probe.log
			mark daemon-ready FAIL "e2e-ioreq-probe not ready"
			step launch FAIL "probe not ready"
			xl destroy "$domid"
			break
		fi
		mark daemon-ready ok "e2e-ioreq-probe ready"
		xl unpause "$domid"
	fi
	if [ -z "$launched" ] && [ "$mode" != full ]; then step launch PASS "domid=$domid"; fi
	launched=1

	hello=$(wait_line "$serial" '^E2E-GUEST-HELLO' "$boot_timeout" "$name"); rc=$?
	[ $rc -eq 0 ] && break
	if [ $rc -eq 2 ] && [ ! -s "$serial" ] && [ $attempt -le "$retries" ]; then
		# Died before its first output: the TCG nested-SVM weakness of
		# the research note, not a property of hvmlink.  Re-create.
		echo "E2E-RETRY guest (domid $domid) died before its first output," \
			"attempt $attempt of $((retries + 1)); xl dmesg tail:"
		xl dmesg | tail -n 5
		stop_probe
		retire_vm || echo "e2e: the VM would not go away: $(xl list 2>&1 | tail -n +2)"
		continue
	fi
	break
done
# A guest that triple-faulted early and was built again by xl itself
# (on_reboot="restart") may be the one that said hello: follow it.
if [ -n "$hello" ] && now=$(xl domid "$name" 2>/dev/null) && [ "$now" != "$domid" ]; then
	echo "e2e: the guest rebooted before its first output (domain $domid -> $now); following it"
	domid=$now
	if [ -n "${probe_pid:-}" ]; then
		stop_probe
		start_probe "$domid" || echo "e2e: probe did not start: $(cat /tmp/probe.log)"
	fi
fi

if [ -z "$hello" ]; then
	if [ -n "$launched" ]; then
		if domain_alive; then
			mark guest-boot FAIL "no E2E-GUEST-HELLO within ${boot_timeout}s"
		else
			mark guest-boot FAIL "the guest died (attempt $attempt)"
		fi
		step guest-boot FAIL "see guest-serial.$attempt.log and xl dmesg"
		xl dmesg | tail -n 20
	fi
else
	mark guest-boot ok "$hello after $(awk -v a="$t0" -v b="$(up)" 'BEGIN{print b-a}') s (attempt $attempt)"
	step guest-boot PASS "$hello"
	krel=$(echo "$hello" | sed -n 's/.*krel=\([^ ]*\).*/\1/p')
	# A guest that reset itself before its first output was rebuilt by
	# xl (on_reboot="restart") under a new id: follow it.
	now=$(xl domid "$name" 2>/dev/null)
	if [ -n "$now" ] && [ "$now" != "$domid" ]; then
		echo "e2e: the guest restarted early: domain $domid -> $now"
		domid=$now
		stop_probe; start_probe "$domid" || echo "e2e: probe did not start: $(cat /tmp/probe.log)"
	fi
	# From here on the guest's console is copied live to Dom0's (and so
	# to the host's serial.log): a sleeping tail, not a busy loop.
	# Own session, so that the whole pipeline goes with one kill.
	# (sed -u, not tr: tr would hold the lines in its pipe buffer.)
	setsid bash -c 'tail -n +1 -F "$1" 2>/dev/null | sed -u "s/\r\$//; s/^/guest| /"' _ "$serial" &
	guest_tail=$!

	wait_guest_ready
	if [ "$followed" -gt 0 ]; then
		# Only the boot that finished counts: its steps ran whole.
		relayed=$(( $(last_hello_line) - 1 ))
		[ "$relayed" -ge 0 ] || relayed=0
	fi
	relay_guest
	if [ "$mode" = full ]; then
		# The domain came from plain xl create, its daemon was there
		# before QEMU (the wrapper), and the guest sees the device.
		if tr -d '\r' <"$serial" | grep -q '^E2E-G lspci PASS'; then
			step xl-create-plain PASS "xl create $cfg: hvmlinkd pid $dpid ($dstate) before QEMU; the guest sees the device"
		else
			step xl-create-plain FAIL "hvmlinkd pid $dpid ($dstate) ran, but the guest's lspci did not show the device"
		fi
	fi
	if [ -z "$ready" ]; then
		mark guest-side FAIL "no E2E-GUEST-READY (guest side did not finish)"
	fi
	irq0=$(echo "$ready" | sed -n 's/.*irq=\([0-9]*\).*/\1/p')
	if [ -n "${probe_pid:-}" ]; then
		wait "$probe_pid"; prc=$?; probe_pid=
		echo "e2e: probe exit $prc: $(tail -n 1 /tmp/probe.log)"
	fi

	if [ "$mode" = full ] && [ -n "$ready" ]; then
		# ------------------------------------------------ status
		hvmlinkctl status "$domid" >/tmp/status.txt 2>&1; rc=$?
		hvmlinkctl status "$domid" --json >/tmp/status.json 2>&1
		sed 's/^/E2E-STATUS /' /tmp/status.txt
		if [ $rc -eq 0 ] && grep -q -F "$krel" /tmp/status.txt && grep -qi 'facilit' /tmp/status.txt; then
			step status PASS "shows kernel $krel and facilities"
		else
			step status FAIL "exit $rc; expected the guest kernel $krel and facilities in the output"
		fi

		# ------------------------------------------------ hints
		# hint MODE [DISPLAY]: send it, wait for the guest's hook, then
		# for hvmlinkctl status to show it applied.
		# hint_display DISPLAY MODE: send it, wait for the guest's hook,
		# then for hvmlinkctl status to show it applied.  Sets hint_line
		# (the hook's line) or hint_err; the caller records the step.
		hint_display() {
			local disp=$1 mode=$2 t=0
			hint_line='' hint_err=''
			if ! hvmlinkctl hint "$domid" display "$disp" "$mode" >/tmp/hint.log 2>&1; then
				hint_err="hvmlinkctl hint exit $?: $(tail -n 1 /tmp/hint.log)"
				return 1
			fi
			# Up to " args=": a line still being written must not match.
			hint_line=$(wait_line "$serial" "^E2E-HOOK display $disp $mode .*irq=[0-9]+ args=" 120 "$name")
			hint_seen=$(up)
			if [ -z "$hint_line" ]; then
				hint_err="the guest's display hook never saw $mode"
				return 1
			fi
			while [ $t -lt 60 ]; do
				hvmlinkctl status "$domid" >/tmp/status.txt 2>&1 && grep -q -F "$mode" /tmp/status.txt && return 0
				sleep 2; t=$((t + 2))
			done
			sed 's/^/E2E-STATUS /' /tmp/status.txt
			hint_err="guest applied $mode but hvmlinkctl status does not show it"
			return 1
		}
		if hint_display 0 1280x720; then
			step hint-display PASS "$hint_line"
			irq1=$(echo "$hint_line" | sed -n 's/.*irq=\([0-9]*\).*/\1/p')
			if [ -n "$irq1" ] && [ -n "$irq0" ] && [ "$irq1" -gt "$irq0" ]; then
				step irq PASS "hvmlink interrupts $irq0 -> $irq1"
			else
				step irq FAIL "hvmlink interrupts did not grow (${irq0:-?} -> ${irq1:-?})"
			fi
		else
			step hint-display FAIL "$hint_err"
			step irq FAIL "no display hint applied, nothing to count"
		fi
		if hint_display 0 1920x1080; then
			step hint-display-2 PASS "$hint_line"
		else
			step hint-display-2 FAIL "$hint_err"
		fi

		if hvmlinkctl hint "$domid" key e2e-colour blue >/tmp/hint.log 2>&1 &&
			line=$(wait_line "$serial" '^E2E-KV e2e-colour=blue$' 120 "$name"); then
			step hint-kv PASS "$line"
		else
			step hint-kv FAIL "key e2e-colour=blue never reached the guest's kv dir: $(tail -n 1 /tmp/hint.log)"
		fi

		# A bad hint: hvmlinkctl refuses it, and written raw into xenstore
		# it gives an error node and never reaches the guest.
		if hvmlinkctl hint "$domid" display 0 0x0 >/tmp/hint.log 2>&1; then
			step hint-bad-refused FAIL "hvmlinkctl accepted display mode 0x0"
		else
			step hint-bad-refused PASS "$(tail -n 1 /tmp/hint.log)"
		fi
		hooks_before=$(tr -d '\r' <"$serial" | grep -c '^E2E-HOOK')
		# docs/xenstore.md: hints and their errors are kept per VM, under
		# $base/vm/UUID (the UUID the domain's /local/domain/D/vm names).
		vmroot=$base/vm/$(xenstore-read "/local/domain/$domid/vm" 2>/dev/null | sed 's|^/vm/||')
		node=$(xenstore-ls -f "$vmroot" 2>/dev/null | grep -E 'display/?0? *= *"1920x1080"' | head -n 1 | sed 's/ *=.*//')
		if [ -z "$node" ]; then
			step hint-bad-error FAIL "no display hint node holding 1920x1080 under $vmroot"
			step hint-bad-ignored FAIL "not reached"
		else
			xenstore-write "$node" banana
			t=0 err=
			while [ $t -lt 60 ]; do
				# docs/xenstore.md: errors/display/N says why hints/display/N
				# was refused.
				err=$(xenstore-read "$vmroot/errors/display/0" 2>/dev/null)
				[ -n "$err" ] && err="errors/display/0 = $err" && break
				err=$(xenstore-ls -f "$vmroot" 2>/dev/null | grep -i 'error' | grep -v '= ""' | head -n 1)
				[ -n "$err" ] && break
				sleep 2; t=$((t + 2))
			done
			if [ -n "$err" ]; then step hint-bad-error PASS "$err"; else step hint-bad-error FAIL "no error node after writing banana to $node"; fi
			# The next good hint is applied, and it is the only hook run
			# since the bad one: nothing of "banana" reached the guest.
			if hint_display 0 1024x768; then
				after=$(tr -d '\r' <"$serial" | grep -c '^E2E-HOOK')
				if [ $((after - hooks_before)) -eq 1 ] && ! grep -q 'E2E-HOOK.*banana' "$serial"; then
					step hint-bad-ignored PASS "only the next good hint (1024x768) reached the guest"
				else
					step hint-bad-ignored FAIL "$((after - hooks_before)) hook runs after the bad hint"
				fi
			else
				step hint-bad-ignored FAIL "the good hint after the bad one: $hint_err"
			fi
		fi
		relay_guest

		# ------------------------------------------------ lifecycle
		. /e2e/lifecycle.sh
	fi
fi

# ---------------------------------------------------------------- destroy
if [ -n "$domid" ]; then
	dpid=$(daemon_pid)
	xl destroy "$domid" 2>/dev/null
	if domain_alive; then step destroy FAIL "domain $domid still there"; else step destroy PASS "domain $domid gone"; fi
	if [ "$mode" = full ]; then
		t=0
		while [ -n "$dpid" ] && [ -d "/proc/$dpid" ] && [ $t -lt 30 ]; do sleep 1; t=$((t + 1)); done
		if [ -z "$dpid" ]; then
			step daemon-exit FAIL "no hvmlinkd was running for domain $domid"
		elif [ -d "/proc/$dpid" ]; then
			step daemon-exit FAIL "hvmlinkd (pid $dpid) still running 30 s after the domain died"
		else
			step daemon-exit PASS "hvmlinkd (pid $dpid) exited"
		fi
		# Every domain the VM had (save/restore and reboot make new ones).
		left=
		for d in ${lc_domids:-$domid}; do
			left="$left$(xenstore-ls -f "$base/$d" 2>/dev/null; xenstore-ls -f /local/domain/0/device-model/"$d" 2>/dev/null | grep -i hvmlink)"
		done
		if [ -z "$left" ]; then step no-leftovers PASS "nothing under $base/{${lc_domids:-$domid}}"; else step no-leftovers FAIL "left behind: $(echo "$left" | head -n 3 | tr '\n' ' ')"; fi
		# Defined by lifecycle.sh, sourced once the guest ran: otherwise the
		# plan reports the step as not run.
		! declare -F lc_start_failure >/dev/null || lc_start_failure
	fi
fi
stop_probe
[ -z "${guest_tail:-}" ] || kill -- "-$guest_tail" 2>/dev/null

# ---------------------------------------------------------------- artifacts
for f in /tmp/guest-serial.*.log /tmp/launch.*.log; do artifact "$(basename "$f")" "$f"; done
artifact probe.log /tmp/probe.log
for f in restart save restore migrate start-failure; do artifact "$f.log" "/tmp/$f.log"; done
artifact status.txt /tmp/status.txt
artifact status.json /tmp/status.json
artifact messages.log /var/log/messages
xl dmesg >/tmp/xl-dmesg.log 2>&1; artifact xl-dmesg.log /tmp/xl-dmesg.log
for f in /var/log/xen/*.log; do artifact "xen-$(basename "$f")" "$f"; done
echo "E2E-RESULT passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
