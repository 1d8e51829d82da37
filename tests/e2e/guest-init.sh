#!/bin/sh
# /init of the e2e HVM guest (busybox): the guest side of the scenario.
# Every result is one line on the serial console, which Dom0 reads from a
# file (xl serial="file:...").  Lines:
#   E2E-GUEST-HELLO krel=...        first output: the guest is up
#   E2E-G <step> PASS|FAIL <detail> one guest-side scenario step
#   E2E-BENCH ...  E2E-INFO ...  E2E-AGENT ...  E2E-HOOK ...  E2E-KV ...
#   E2E-GUEST-READY irq=N           guest side done; Dom0 drives the hints
#   E2E-REBOOTING                   the kv hint e2e-reboot came: reboot -f
# Kernel command line: e2e_mode=full|probe e2e_n=N e2e_bdf=BB:DD.F
#   e2e_port=P (Xen-internal port for bench-port) e2e_probe_port=P
# The same init runs again after the guest rebooted itself (on_reboot is
# "restart", so xl builds a new domain): it cannot tell, and it need not:
# every step is repeated, and Dom0 reads what it needs from the new boot.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
/bin/busybox mkdir -p /usr/sbin /sbin
/bin/busybox --install -s 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /run/hvmlink/kv /tmp
exec </dev/console >/dev/console 2>&1

arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
g() { echo "E2E-G $1 $2 ${3:-}"; }
up() { cut -d' ' -f1 /proc/uptime; }
# Sum of the hvmlink line(s) of /proc/interrupts over all CPUs.
irq_count() {
	awk '/hvmlink/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts
}

echo "E2E-GUEST-HELLO krel=$(uname -r) uptime=$(up)"
mode=$(arg e2e_mode); mode=${mode:-probe}
n=$(arg e2e_n); n=${n:-1000}
bdf=$(arg e2e_bdf); bdf=${bdf:-00:1e.0}
port=$(arg e2e_port); port=${port:-0x61}
probe_port=$(arg e2e_probe_port); probe_port=${probe_port:-0x1200}

# Port IO through /dev/port, one process per transfer: each byte is one
# access, so a read at the probe's port is one ioreq round trip.
inb() { dd if=/dev/port bs=1 skip=$(($1)) count=1 2>/dev/null | od -An -tx1 | tr -d ' \n'; }

# Dom0 starts tests/e2e/e2e-ioreq-probe once the domain exists; until
# it answers, the port reads 0xff.  Wait up to 120 s for its 0x42.
probe_v=
wait_probe() {
	local i=0
	while [ $i -lt 120 ]; do
		probe_v=$(inb "$probe_port")
		[ "$probe_v" = 42 ] && return 0
		i=$((i + 1)); sleep 1
	done
	return 1
}

# Smoke test of the ioreq path alone, against the probe: time 16 x 256
# one-byte writes, then tell it we are done with 0xEE.
ioreq_smoke() {
	local i=0 t0 t1
	if ! wait_probe; then
		g ioreq-smoke FAIL "port $probe_port reads '$probe_v', never 42"
		return
	fi
	t0=$(up)
	i=0
	while [ $i -lt 16 ]; do
		# bs=1: dd counts seek= in blocks of bs, and /dev/port offsets are ports.
		head -c 256 /dev/zero | dd of=/dev/port bs=1 seek=$((probe_port)) count=256 conv=notrunc 2>/dev/null
		i=$((i + 1))
	done
	t1=$(up)
	printf '\356' | dd of=/dev/port bs=1 seek=$((probe_port)) count=1 conv=notrunc 2>/dev/null
	g ioreq-smoke PASS "4096 port writes in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s (%.0f us each, incl. dd)", b - a, (b - a) * 1e6 / 4096 }')"
}

# First number after the word "median" / "p99" in a bench output.
stat_of() { tr 'A-Z' 'a-z' | sed -n "s/.*$1[^0-9]*\\([0-9][0-9.]*\\).*/\\1/p" | head -n 1; }

# What lspci -nn prints, from sysfs (lspci's own source; pciutils is not in
# this guest, see build-images.sh): "BB:DD.F Class [cccc]: Device [vvvv:dddd]".
pci_list() {
	local d c v i
	for d in /sys/bus/pci/devices/*; do
		c=$(cat "$d/class"); v=$(cat "$d/vendor"); i=$(cat "$d/device")
		echo "${d##*/0000:} Class [$(echo "$c" | cut -c3-6)]: Device [${v#0x}:${i#0x}]"
	done
}

full_scenario() {
	local out dev drv i help opts rt pt rm pm rc line

	out=$(pci_list)
	echo "$out" | sed 's/^/E2E-LSPCI /'
	if echo "$out" | grep -q "^${bdf} .*\\[5853:c200\\]"; then
		g lspci PASS "$(echo "$out" | grep "^${bdf} ")"
	else
		g lspci FAIL "no [5853:c200] at $bdf"
	fi

	dev=/sys/bus/pci/devices/0000:$bdf
	if [ ! -f /e2e/hvmlink.ko ]; then
		g module-bind FAIL "no hvmlink.ko in the guest image"
	elif ! insmod /e2e/hvmlink.ko; then
		g module-bind FAIL "insmod failed: $(dmesg | tail -n 3 | tr '\n' ' ')"
	else
		i=0
		while [ $i -lt 20 ] && { [ ! -e "$dev/driver" ] || [ ! -e /dev/hvmlink ]; }; do
			sleep 0.5; i=$((i + 1))
		done
		drv=$(basename "$(readlink "$dev/driver" 2>/dev/null)" 2>/dev/null)
		if [ -e /dev/hvmlink ] && [ -n "$drv" ]; then
			g module-bind PASS "driver=$drv /dev/hvmlink present"
		else
			g module-bind FAIL "driver='$drv' dev=$(ls /dev/hvmlink 2>&1): $(dmesg | grep -i hvmlink | tail -n 3 | tr '\n' ' ')"
		fi
	fi
	dmesg | grep -i hvmlink | sed 's/^/E2E-DMESG /'
	grep hvmlink /proc/interrupts | sed 's/^/E2E-IRQ /'

	if out=$(hvmlink info 2>&1); then
		echo "$out" | sed 's/^/E2E-INFO /'
		g cli-info PASS
	else
		echo "$out" | sed 's/^/E2E-INFO /'
		g cli-info FAIL "hvmlink info failed"
	fi

	# The agent, with the display hook that prints what it applies.  Its
	# option names come from its own --help (see docs/e2e.md).
	opts=--foreground
	help=$(hvmlink-agent --help 2>&1)
	case $help in *--display-hook*) opts="$opts --display-hook /e2e/display-hook.sh" ;; esac
	case $help in *--kv-dir*) opts="$opts --kv-dir /run/hvmlink/kv" ;; esac
	if command -v hvmlink-agent >/dev/null; then
		hvmlink-agent $opts >/tmp/agent.log 2>&1 &
		agent=$!
		tail -f /tmp/agent.log | sed 's/^/E2E-AGENT /' &
		i=0
		while [ $i -lt 30 ] && [ ! -s /tmp/agent.log ] && kill -0 $agent 2>/dev/null; do
			sleep 1; i=$((i + 1))
		done
		sleep 2
		if kill -0 $agent 2>/dev/null; then
			g agent PASS "running with: $opts"
		else
			wait $agent; g agent FAIL "exited with status $? ($(tail -n 1 /tmp/agent.log))"
		fi
	else
		g agent FAIL "no hvmlink-agent in the guest image"
	fi

	# A boot that Dom0's guest-reboot step caused: Dom0 set the kv hint
	# e2e-boot before it, so it is among the first keys the agent syncs.
	# The benches and the probe's smoke test ran on the first boot; this
	# one only shows the device, the driver and the agent are back.
	i=0
	while [ $i -lt 30 ] && ! grep -q 'kv synced' /tmp/agent.log 2>/dev/null; do
		sleep 1; i=$((i + 1))
	done
	[ ! -f /run/hvmlink/kv/e2e-boot ] || again=1

	# Key/value hints land as files in the agent's kv dir; report changes.
	(
		while :; do
			for f in /run/hvmlink/kv/*; do
				[ -f "$f" ] || continue
				v=$(cat "$f")
				k=$(basename "$f") old=""
				eval "old=\${seen_$(echo "$k" | tr -c 'A-Za-z0-9\n' _)-}"
				[ "$old" = "$v" ] && continue
				eval "seen_$(echo "$k" | tr -c 'A-Za-z0-9\n' _)=\$v"
				echo "E2E-KV $k=$v"
				# Dom0's guest-reboot step: a reboot from inside, as
				# a user would do it (the kernel's, not xl reboot).
				if [ "$k" = e2e-reboot ]; then
					echo "E2E-REBOOTING"
					sync
					reboot -f
				fi
			done
			sleep 2
		done
	) &

	[ -z "$again" ] || return 0

	# The fair comparison (issue 13, tests/bench/guest-fair-bench.c): in
	# one process, interleaved, one clock: a request, a port QEMU serves
	# (i8042 status 0x64), the probe's port (the floor of any Dom0 device
	# model), a null ioctl, an hvmlink register, and port 0x61, which Xen
	# emulates itself (never reaches Dom0: for scale only).
	# What a guest system call costs here depends on the kernel's
	# speculation mitigations (some write an MSR on every entry, which
	# the nested Xen has to emulate): said beside the figures.
	for v in /sys/devices/system/cpu/vulnerabilities/*; do
		[ -r "$v" ] && echo "E2E-INFO guest mitigation ${v##*/}: $(cat "$v")"
	done
	# So does a clock read, which the bench makes twice per sample.
	echo "E2E-INFO guest clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>&1) (available: $(cat /sys/devices/system/clocksource/clocksource0/available_clocksource 2>&1))"
	if [ ! -x /usr/bin/hvmlink-fair-bench ]; then
		g bench-fair FAIL "no hvmlink-fair-bench in the guest image"
	elif ! wait_probe; then
		g bench-fair FAIL "probe port $probe_port reads '$probe_v', never 42: no floor to compare with"
	else
		hvmlink-fair-bench -n "$n" --bdf "$bdf" --probe-port "$probe_port" >/tmp/fair.log 2>&1
		rc=$?
		cat /tmp/fair.log
		if [ $rc -eq 0 ] && line=$(grep '^E2E-BENCH fair n=' /tmp/fair.log); then
			g bench-fair PASS "${line#E2E-BENCH fair }"
		else
			g bench-fair FAIL "exit $rc: $(grep -m1 'FAIL' /tmp/fair.log || tail -n 1 /tmp/fair.log)"
		fi
	fi

	# The driver's own bench commands (hvmlink(1)); port 0x61 is
	# Xen-internal, so their ratio is not a Dom0 comparison.
	rt=$(hvmlink bench-roundtrip "$n" 2>&1); echo "$rt" | sed 's/^/E2E-BENCH roundtrip: /'
	pt=$(hvmlink bench-port "$port" "$n" 2>&1); echo "$pt" | sed 's/^/E2E-BENCH xen-internal port: /'
	rm=$(echo "$rt" | stat_of median); pm=$(echo "$pt" | stat_of median)
	if [ -n "$rm" ] && [ -n "$pm" ]; then
		g bench PASS "n=$n request median=$rm p99=$(echo "$rt" | stat_of p99) xen-internal port($port) median=$pm p99=$(echo "$pt" | stat_of p99)"
	else
		g bench FAIL "no median in the bench output"
	fi
}

again=
[ "$mode" = full ] && full_scenario
[ -n "$again" ] || ioreq_smoke
echo "E2E-GUEST-READY irq=$(irq_count) uptime=$(up)"
while :; do sleep 3600; done
