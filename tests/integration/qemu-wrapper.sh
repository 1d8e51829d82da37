#!/usr/bin/env bash
# The toolstack hook src/toolstack/qemu-wrapper (hvmlink-qemu-wrapper(8)),
# run the way libxl spawns a device model: stdin /dev/null, stderr the
# qemu-dm log, the restore stream on fd 15.
#   direct: the real hvmlinkd under the Xen stand-in, for a domain the
#   sim-guest "toolstack" scenario made.  The stand-in QEMU checks, when it
#   runs, that the daemon is already ready and that its arguments are
#   byte for byte libxl's, with fd 15 intact; the daemon holds neither the
#   log nor the stream; -incoming gives --incoming (RESTORED pending in the
#   guest); a daemon that cannot start, a bad -xen-domid, a missing QEMU
#   and a bad configuration stop the wrapper with one line naming the
#   domain, QEMU not run; a second run for a served domain (status 3)
#   runs QEMU.
#   systemd: a stand-in systemctl: the env file written (--incoming,
#   0644) or removed, exactly "start hvmlinkd@D.service", failure, status
#   3, and a hanging start given up after TIMEOUT.
set -u
. "$(dirname "$0")/e2e-sim-lib.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
. "$top_srcdir/tests/integration/ctl-lib.sh"
WRAPPER=$top_builddir/src/toolstack/qemu-wrapper
[ -x "$WRAPPER" ] || fail "$WRAPPER is missing (make builds it)"
e2e_sim_start
T=$(xs_test_dir)
# Under valgrind a daemon start takes seconds; TIMEOUT only bounds hangs.
READY_TIMEOUT=120

# ---- the stand-ins ----
mkdir -p "$T/bin" "$T/qemu dir"
# QEMU: what it was given, and whether hvmlinkd was ready at that moment.
FAKE_QEMU="$T/qemu dir/fake qemu"
cat >"$FAKE_QEMU" <<'EOF'
#!/bin/bash
n=0; while [ -e "$CASE/argv.$n" ]; do n=$((n + 1)); done
printf '%s\0' "$@" >"$CASE/argv.$n"
# (find, not a loop: this shell's own redirections would show; and alone,
# not in a pipeline: the shell holds the pipeline's pipes while it forks)
find /proc/$$/fd -mindepth 1 -printf '%f %l\n' >"$CASE/fds.$n.raw"
grep -v '^255 ' "$CASE/fds.$n.raw" | sort >"$CASE/fds.$n"
[ ! -e /proc/$$/fd/15 ] || cat <&15 >"$CASE/fd15.$n"
d=; prev=
for a in "$@"; do [ "$prev" = -xen-domid ] && d=$a; prev=$a; done
state=$(xenstore-read "/local/domain/0/hvmlink/$d/state" 2>/dev/null)
pid=$(xenstore-read "/local/domain/0/hvmlink/$d/pid" 2>/dev/null)
lock=$(cat "$E2E_RUN_DIR/$d.pid" 2>/dev/null)
alive=no; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=yes
echo "state=$state alive=$alive lock=$([ -n "$pid" ] && [ "$lock" = "$pid" ] && echo same || echo "'$lock'")" >"$CASE/ready.$n"
[ -z "$pid" ] || for f in /proc/"$pid"/fd/*; do readlink "$f"; done >"$CASE/daemon-fds.$n" 2>/dev/null
echo qemu >>"$CASE/order"
exit 0
EOF
# hvmlinkd for the direct mode: the real one, under the stand-in (and
# valgrind in the valgrind stage), its arguments recorded.
cat >"$T/bin/hvmlinkd" <<'EOF'
#!/bin/bash
printf '%s\n' "$*" >>"$CASE/hvmlinkd.args"
exec "$XENSIM_RUN" ${HVMLINK_VALGRIND:-} "$E2E_HVMLINKD" "$@"
EOF
export E2E_HVMLINKD
# One that records the file descriptors it was given and says "ready".
cat >"$T/bin/hvmlinkd-fds" <<'EOF'
#!/bin/bash
printf '%s\n' "$*" >>"$CASE/hvmlinkd.args"
find /proc/$$/fd -mindepth 1 -printf '%f %l\n' >"$CASE/hvmlinkd.fds.raw"
grep -v '^255 ' "$CASE/hvmlinkd.fds.raw" | sort >"$CASE/hvmlinkd.fds"
echo hvmlinkd >>"$CASE/order"
exit 0
EOF
# One that never gets ready.
printf '#!/bin/sh\necho "$*" >>"$CASE/hvmlinkd.args"\nexec sleep 600\n' >"$T/bin/hvmlinkd-hang"
# systemctl: records its calls and the env file as "start" sees it.
cat >"$T/bin/systemctl" <<'EOF'
#!/bin/bash
echo "$*" >>"$CASE/systemctl.log"
case $1 in
start)
	echo systemctl >>"$CASE/order"
	env=$HVMLINK_RUN_DIR/${2#hvmlinkd@}; env=${env%.service}.env
	if [ -e "$env" ]; then { stat -c %a "$env"; cat "$env"; } >"$CASE/env"; else echo absent >"$CASE/env"; fi
	case ${FAKE_SYSTEMCTL:-ok} in
	ok) exit 0 ;;
	hang) exec sleep 600 ;;
	*) exit 1 ;;
	esac
	;;
show) [ "${FAKE_SYSTEMCTL:-ok}" = served ] && echo 3 || echo 1 ;;
esac
exit 0
EOF
chmod +x "$FAKE_QEMU" "$T/bin"/*
# libxl's part: stdin /dev/null, stderr appended to the qemu-dm log, the
# restore stream on fd 15.
printf 'restore stream\n' >"$T/stream"
# What libxl hands over is recorded, to compare with what QEMU gets.
cat >"$T/spawn" <<EOF
#!/bin/bash
exec </dev/null 2>>"\$CASE/qemu-dm.log" 15<"$T/stream"
# Alone, not in a pipeline, whose pipes this shell would hold meanwhile.
find /proc/\$\$/fd -mindepth 1 -printf '%f %l\\n' >"\$CASE/fds.libxl.raw"
grep -v '^255 ' "\$CASE/fds.libxl.raw" | sort >"\$CASE/fds.libxl"
exec "\$@"
EOF
# Two device-model spawns for one domain, one after the other.
cat >"$T/spawn-twice" <<EOF
#!/bin/bash
"$T/spawn" "\$@" || exit
exec "$T/spawn" "\$@"
EOF
chmod +x "$T/spawn" "$T/spawn-twice"

export HVMLINK_WRAPPER_CONF=$T/qemu-wrapper.conf HVMLINK_RUN_DIR=$T/wrapper-run
mkdir -p "$HVMLINK_RUN_DIR"
# conf KEY=VALUE...: the configuration, with comments and quoting as an
# administrator writes it.
conf() {
	{
		echo '# test configuration'
		echo "  QEMU = \"$FAKE_QEMU\"   "
		echo
		printf '%s\n' "$@"
	} >"$HVMLINK_WRAPPER_CONF"
}
DIRECT_CONF=(START=direct "TIMEOUT=$READY_TIMEOUT" "HVMLINKD='$T/bin/hvmlinkd'"
	"HVMLINKD_ARGS=--run-dir $E2E_RUN_DIR --state-dir $E2E_STATE_DIR --log-level info")
# new_case NAME: a directory for what the stand-ins record.
new_case() { CASE=$T/case-$1; mkdir -p "$CASE"; export CASE; }
# toolstack D SPAWN ARGS...: sim-guest makes domain D and runs SPAWN ARGS
# as libxl would; its output in $CASE/sim.out; sets WRAPPER_RC.
toolstack() {
	local d=$1 rc=0
	shift
	"$E2E_SIM_GUEST" --scenario toolstack --domid "$d" --vcpus 2 -- "$@" >"$CASE/sim.out" 2>&1 || rc=$?
	cat "$CASE/sim.out"
	[ "$rc" -eq 0 ] || fail "sim-guest failed ($rc)"
	WRAPPER_RC=$(sed -n 's/.*toolstack command exited with status \([0-9]*\).*/\1/p' "$CASE/sim.out")
	[ -n "$WRAPPER_RC" ] || fail "no exit status in the sim-guest output"
}
# argv_is N ARGS...: QEMU's run N got exactly ARGS.
argv_is() {
	local n=$1
	shift
	cmp -s "$CASE/argv.$n" <(printf '%s\0' "$@") ||
		fail "QEMU's arguments differ: $(tr '\0' '|' <"$CASE/argv.$n")"
}
qemu_not_run() { [ ! -e "$CASE/argv.0" ] || fail "QEMU ran: $(tr '\0' '|' <"$CASE/argv.0")"; }
# one_line RE: the qemu-dm log has exactly one line, matching RE.
one_line() {
	[ "$(wc -l <"$CASE/qemu-dm.log")" -eq 1 ] || fail "qemu-dm log is not one line: $(cat "$CASE/qemu-dm.log")"
	grep -qE -- "$1" "$CASE/qemu-dm.log" || fail "qemu-dm log '$(cat "$CASE/qemu-dm.log")' does not match /$1/"
}

# libxl's arguments, with an argument with spaces and an empty one.
qemu_args() {
	QARGS=(-xen-domid "$1" -no-shutdown -chardev
		"socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-$1,server=on,wait=off"
		-name 'guest with  spaces' '' -machine xenfv,suppress-vmdesc=on -m 256)
}

# ---- direct: a fresh start ----
new_case fresh
conf "${DIRECT_CONF[@]}"
qemu_args 11
toolstack 11 "$T/spawn" "$WRAPPER" "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC: $(cat "$CASE/qemu-dm.log")"
argv_is 0 "${QARGS[@]}"
[ "$(cat "$CASE/ready.0")" = "state=ready alive=yes lock=same" ] ||
	fail "when QEMU ran, hvmlinkd was: $(cat "$CASE/ready.0")"
[ "$(cat "$CASE/hvmlinkd.args")" = "--domid 11 --run-dir $E2E_RUN_DIR --state-dir $E2E_STATE_DIR --log-level info" ] ||
	fail "hvmlinkd arguments: $(cat "$CASE/hvmlinkd.args")"
[ "$(cat "$CASE/fd15.0")" = "restore stream" ] || fail "fd 15 at QEMU: $(cat "$CASE/fd15.0")"
grep -qx "0 /dev/null" "$CASE/fds.0" && grep -qx "2 $CASE/qemu-dm.log" "$CASE/fds.0" &&
	grep -qx "15 $T/stream" "$CASE/fds.0" || fail "QEMU's fds: $(cat "$CASE/fds.0")"
cmp -s "$CASE/fds.libxl" "$CASE/fds.0" || fail "QEMU's fds $(cat "$CASE/fds.0") are not libxl's $(cat "$CASE/fds.libxl")"
grep -qxF -e "$CASE/qemu-dm.log" -e "$T/stream" "$CASE/daemon-fds.0" &&
	fail "hvmlinkd holds the qemu-dm log or the stream: $(cat "$CASE/daemon-fds.0")"
one_line '^hvmlink qemu-wrapper: domain 11: hvmlinkd ready \(direct\); starting .*/fake qemu$'
grep -q 'RESTORED not pending' "$CASE/sim.out" || fail "a fresh start has RESTORED pending"
pass "direct: hvmlinkd ready before QEMU, QEMU's argv and fds untouched, the daemon holds none of them"

# ---- direct: restore (-incoming) ----
new_case incoming
qemu_args 12
QARGS+=(-incoming fd:15)
toolstack 12 "$T/spawn" "$WRAPPER" "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC: $(cat "$CASE/qemu-dm.log")"
argv_is 0 "${QARGS[@]}"
[ "$(cat "$CASE/ready.0")" = "state=ready alive=yes lock=same" ] || fail "hvmlinkd was: $(cat "$CASE/ready.0")"
grep -q -- '^--domid 12 --incoming ' "$CASE/hvmlinkd.args" || fail "hvmlinkd arguments: $(cat "$CASE/hvmlinkd.args")"
grep -q 'RESTORED pending' "$CASE/sim.out" || fail "no RESTORED after -incoming"
one_line 'domain 12: hvmlinkd ready \(direct, incoming\)'
pass "direct: -incoming starts hvmlinkd --incoming (RESTORED), stream on fd 15 intact"

# ---- direct: a second device-model spawn for a served domain ----
new_case second
qemu_args 13
toolstack 13 "$T/spawn-twice" "$WRAPPER" "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC: $(cat "$CASE/qemu-dm.log")"
argv_is 1 "${QARGS[@]}"
[ "$(cat "$CASE/ready.1")" = "state=ready alive=yes lock=same" ] || fail "hvmlinkd was: $(cat "$CASE/ready.1")"
grep -q 'domain 13: another hvmlinkd already serves the domain; going on (hvmlinkd\[dom13\]: error: domain 13 is already served by hvmlinkd (pid [0-9]*))' "$CASE/qemu-dm.log" ||
	fail "qemu-dm log: $(cat "$CASE/qemu-dm.log")"
pass "direct: a served domain (status 3) still gets its QEMU"

# ---- direct: hvmlinkd cannot start (no such domain) ----
new_case nodomain
qemu_args 15
toolstack 14 "$T/spawn" "$WRAPPER" "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 1 ] || fail "wrapper exited $WRAPPER_RC"
qemu_not_run
one_line '^hvmlink qemu-wrapper: domain 15: hvmlinkd \(direct\) failed with status 1; not starting QEMU: hvmlinkd\[dom15\]: error: '
grep -q 'no hvmlinkd serves domain 14' "$CASE/sim.out" || fail "a daemon serves domain 14"
pass "direct: hvmlinkd that cannot start: no QEMU, its error in the qemu-dm log"

# The direct-mode tests below need no simulated domain.
# libxl_spawn ARGS...: the wrapper as libxl runs it; sets WRAPPER_RC.
libxl_spawn() { WRAPPER_RC=0; "$T/spawn" "$WRAPPER" "$@" >"$CASE/out" || WRAPPER_RC=$?; }

# ---- direct: the daemon gets none of libxl's file descriptors ----
new_case fds
conf START=direct "HVMLINKD=$T/bin/hvmlinkd-fds" 'HVMLINKD_ARGS= --displays  2 '
qemu_args 21
libxl_spawn "${QARGS[@]}" 3<"$T/stream" 7>"$CASE/fd7"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC: $(cat "$CASE/qemu-dm.log")"
[ "$(cat "$CASE/hvmlinkd.args")" = "--domid 21 --displays 2" ] || fail "hvmlinkd arguments: $(cat "$CASE/hvmlinkd.args")"
grep -qx '0 /dev/null' "$CASE/hvmlinkd.fds" && grep -qx '1 /dev/null' "$CASE/hvmlinkd.fds" ||
	fail "hvmlinkd's stdin/stdout: $(cat "$CASE/hvmlinkd.fds")"
! grep -q "qemu-dm.log" "$CASE/hvmlinkd.fds" || fail "hvmlinkd got the qemu-dm log: $(cat "$CASE/hvmlinkd.fds")"
[ -z "$(grep -vE '^(0|1|2) ' "$CASE/hvmlinkd.fds")" ] || fail "hvmlinkd got extra fds: $(cat "$CASE/hvmlinkd.fds")"
grep -qx "3 $T/stream" "$CASE/fds.0" && grep -qx "7 $CASE/fd7" "$CASE/fds.0" && grep -qx "15 $T/stream" "$CASE/fds.0" &&
	cmp -s "$CASE/fds.libxl" "$CASE/fds.0" || fail "QEMU did not get every fd: $(cat "$CASE/fds.0")"
[ "$(cat "$CASE/order")" = "$(printf 'hvmlinkd\nqemu')" ] || fail "order: $(cat "$CASE/order")"
argv_is 0 "${QARGS[@]}"
pass "direct: hvmlinkd gets /dev/null and a private stderr, no fd above 2; QEMU gets them all"

# ---- direct: a daemon that never gets ready ----
new_case hang
conf START=direct "HVMLINKD=$T/bin/hvmlinkd-hang" TIMEOUT=2
qemu_args 22
start=$(date +%s)
libxl_spawn "${QARGS[@]}"
took=$(($(date +%s) - start))
[ "$WRAPPER_RC" -eq 1 ] || fail "wrapper exited $WRAPPER_RC"
[ "$took" -lt 60 ] || fail "wrapper took ${took}s with TIMEOUT=2"
qemu_not_run
one_line '^hvmlink qemu-wrapper: domain 22: hvmlinkd \(direct\) did not become ready within 2s; not starting QEMU$'
pass "direct: TIMEOUT bounds the wait (${took}s), QEMU not run"

# ---- bad -xen-domid: one line, no daemon, no QEMU ----
new_case domid
conf START=direct "HVMLINKD=$T/bin/hvmlinkd-fds"
for bad in 0 32752 99999 007 -3 abc '' '1 2' 0x10; do
	: >"$CASE/qemu-dm.log"
	libxl_spawn -xen-domid "$bad" -m 256
	[ "$WRAPPER_RC" -eq 1 ] || fail "-xen-domid '$bad': exit $WRAPPER_RC"
	one_line "^hvmlink qemu-wrapper: .*-xen-domid '?$bad'?"
done
: >"$CASE/qemu-dm.log"; libxl_spawn -m 256 -machine xenfv
[ "$WRAPPER_RC" -eq 1 ] || fail "no -xen-domid: exit $WRAPPER_RC"
one_line '^hvmlink qemu-wrapper: no -xen-domid in the arguments'
: >"$CASE/qemu-dm.log"; libxl_spawn -m 256 -xen-domid
[ "$WRAPPER_RC" -eq 1 ] || fail "-xen-domid without value: exit $WRAPPER_RC"
one_line '^hvmlink qemu-wrapper: -xen-domid without a value'
: >"$CASE/qemu-dm.log"; libxl_spawn -xen-domid 4 -xen-domid 5
[ "$WRAPPER_RC" -eq 1 ] || fail "two -xen-domid: exit $WRAPPER_RC"
qemu_not_run
[ ! -e "$CASE/hvmlinkd.args" ] || fail "hvmlinkd ran: $(cat "$CASE/hvmlinkd.args")"
libxl_spawn -xen-domid 32751 -m 256
[ "$WRAPPER_RC" -eq 0 ] && [ "$(cat "$CASE/hvmlinkd.args")" = "--domid 32751" ] ||
	fail "-xen-domid 32751: exit $WRAPPER_RC"
pass "bad or missing -xen-domid: one line, exit 1, neither hvmlinkd nor QEMU run; 32751 accepted"

# ---- configuration errors: one line naming the key, nothing run ----
new_case conf
qemu_args 23
conf START=direct "HVMLINKD=$T/bin/hvmlinkd-fds" "QEMU=$T/no such qemu"
: >"$CASE/qemu-dm.log"; libxl_spawn "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 1 ] || fail "missing QEMU: exit $WRAPPER_RC"
one_line "^hvmlink qemu-wrapper: domain 23: QEMU=$T/no such qemu \\(in $HVMLINK_WRAPPER_CONF\\) is not an executable file$"
if [ ! -e /usr/libexec/xen-qemu-system-i386 ]; then
	printf 'START=direct\nHVMLINKD=%s\n' "$T/bin/hvmlinkd-fds" >"$HVMLINK_WRAPPER_CONF"
	: >"$CASE/qemu-dm.log"; libxl_spawn "${QARGS[@]}"
	[ "$WRAPPER_RC" -eq 1 ] || fail "default QEMU missing: exit $WRAPPER_RC"
	one_line "^hvmlink qemu-wrapper: domain 23: the real QEMU /usr/libexec/xen-qemu-system-i386 is missing: set QEMU= in $HVMLINK_WRAPPER_CONF$"
fi
for bad in START=sometimes TIMEOUT=0 TIMEOUT=abc TIMEOUT=-1 COLOUR=blue 'not a setting' \
	"HVMLINKD=$T/bin/none"; do
	conf "$bad"
	[[ $bad == HVMLINKD=* ]] && echo START=direct >>"$HVMLINK_WRAPPER_CONF"
	: >"$CASE/qemu-dm.log"; libxl_spawn "${QARGS[@]}"
	[ "$WRAPPER_RC" -eq 1 ] || fail "'$bad': exit $WRAPPER_RC"
	one_line "^hvmlink qemu-wrapper: domain 23: .*${bad%%[= ]*}"
done
# A configuration file named by HVMLINK_WRAPPER_CONF must exist.
: >"$CASE/qemu-dm.log"
HVMLINK_WRAPPER_CONF=$T/missing.conf libxl_spawn "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 1 ] || fail "missing configuration: exit $WRAPPER_RC"
one_line "cannot read the configuration $T/missing.conf"
qemu_not_run
[ ! -e "$CASE/hvmlinkd.args" ] || fail "hvmlinkd ran: $(cat "$CASE/hvmlinkd.args")"
pass "missing QEMU, bad START/TIMEOUT/HVMLINKD, unknown keys, a missing file: one line naming the key, nothing run"

# ---- systemd ----
export PATH="$T/bin:$PATH"
new_case systemd-fresh
conf START=systemd TIMEOUT=20
qemu_args 31
printf 'HVMLINKD_OPTS=--incoming\n' >"$HVMLINK_RUN_DIR/31.env"
libxl_spawn "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC: $(cat "$CASE/qemu-dm.log")"
[ "$(cat "$CASE/systemctl.log")" = "start hvmlinkd@31.service" ] || fail "systemctl calls: $(cat "$CASE/systemctl.log")"
[ "$(cat "$CASE/env")" = absent ] || fail "a fresh start left the env file: $(cat "$CASE/env")"
[ ! -e "$HVMLINK_RUN_DIR/31.env" ] || fail "env file still there"
[ "$(cat "$CASE/order")" = "$(printf 'systemctl\nqemu')" ] || fail "order: $(cat "$CASE/order")"
argv_is 0 "${QARGS[@]}"
one_line '^hvmlink qemu-wrapper: domain 31: hvmlinkd ready \(systemd\); starting '
pass "systemd: fresh start removes an old env file, then exactly 'start hvmlinkd@31.service', then QEMU"

new_case systemd-incoming
qemu_args 32
QARGS+=(-incoming fd:15)
libxl_spawn "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC: $(cat "$CASE/qemu-dm.log")"
[ "$(cat "$CASE/env")" = "$(printf '644\nHVMLINKD_OPTS=--incoming')" ] || fail "env file at start: $(cat "$CASE/env")"
[ "$(cat "$CASE/systemctl.log")" = "start hvmlinkd@32.service" ] || fail "systemctl calls: $(cat "$CASE/systemctl.log")"
[ -z "$(find "$HVMLINK_RUN_DIR" -name '.*')" ] || fail "temporary files left: $(ls -a "$HVMLINK_RUN_DIR")"
argv_is 0 "${QARGS[@]}"
grep -qx "15 $T/stream" "$CASE/fds.0" || fail "QEMU's fds: $(cat "$CASE/fds.0")"
pass "systemd: -incoming writes HVMLINKD_OPTS=--incoming (0644) before the start"

new_case systemd-fail
qemu_args 33
FAKE_SYSTEMCTL=fail libxl_spawn "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 1 ] || fail "wrapper exited $WRAPPER_RC"
qemu_not_run
one_line '^hvmlink qemu-wrapper: domain 33: systemctl start hvmlinkd@33.service failed \(status 1\); not starting QEMU; see journalctl -u hvmlinkd@33.service$'
pass "systemd: a failed start: one line with the journalctl hint, no QEMU"

new_case systemd-served
qemu_args 34
FAKE_SYSTEMCTL=served libxl_spawn "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC"
argv_is 0 "${QARGS[@]}"
grep -q 'domain 34: hvmlinkd (systemd) says another hvmlinkd already serves the domain; going on' "$CASE/qemu-dm.log" ||
	fail "qemu-dm log: $(cat "$CASE/qemu-dm.log")"
pass "systemd: status 3 (already served) still runs QEMU"

new_case systemd-hang
conf START=systemd TIMEOUT=2
qemu_args 35
start=$(date +%s)
FAKE_SYSTEMCTL=hang libxl_spawn "${QARGS[@]}"
took=$(($(date +%s) - start))
[ "$WRAPPER_RC" -eq 1 ] || fail "wrapper exited $WRAPPER_RC"
[ "$took" -lt 60 ] || fail "wrapper took ${took}s with TIMEOUT=2"
qemu_not_run
[ "$(cat "$CASE/systemctl.log")" = "$(printf 'start hvmlinkd@35.service\n--no-block stop hvmlinkd@35.service')" ] ||
	fail "systemctl calls: $(cat "$CASE/systemctl.log")"
one_line '^hvmlink qemu-wrapper: domain 35: hvmlinkd \(systemd\) did not become ready within 2s; not starting QEMU; see journalctl -u hvmlinkd@35.service$'
pass "systemd: a start that hangs is given up after TIMEOUT (${took}s) and its job stopped"

# ---- auto: systemd exactly when it is PID 1 ----
new_case auto
conf START=auto "HVMLINKD=$T/bin/hvmlinkd-fds"
qemu_args 36
libxl_spawn "${QARGS[@]}"
[ "$WRAPPER_RC" -eq 0 ] || fail "wrapper exited $WRAPPER_RC"
if [ -d /run/systemd/system ]; then want=systemctl; else want=hvmlinkd; fi
[ "$(head -n 1 "$CASE/order")" = "$want" ] || fail "auto chose $(head -n 1 "$CASE/order"), expected $want"
pass "auto: $want here (systemd is$([ -d /run/systemd/system ] || echo ' not') PID 1)"
exit 0
