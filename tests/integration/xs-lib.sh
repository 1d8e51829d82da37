# shellcheck shell=bash
# xs-lib.sh: helpers for the xenstore layer's shell tests (xs-*.sh,
# hvmlinkctl*.sh).  Source after tests/harness/xenstored.sh.
#
# The driver (tests/integration/xs-driver) runs in the background with its
# stdin on a fifo (fd 7 here) and its stdout in $DRV_OUT; it prints one
# line per hvmxs callback, and "ok CMD" / "err CMD ERRNO" per command.

DRV_BIN="$top_builddir/tests/integration/xs-driver"
# DRV_WRAPPER: a command to run the driver under, e.g.
# "valgrind --leak-check=full --error-exitcode=99" (drv_quit checks its exit).
CTL="$top_builddir/xenstore/hvmlinkctl"
DRV_PID=
: "${XS_TIMEOUT:=30}"

fail() { echo "FAIL: $*" >&2; [ -n "${DRV_OUT:-}" ] && { echo "--- driver output:" >&2; cat "$DRV_OUT" >&2; }; exit 1; }
pass() { echo "ok: $*"; }

# drv_start ARGS...: start the driver and wait for its "open".
drv_start() {
	local fifo
	DRV_OUT=$XS_TEST_DIR/driver.out
	fifo=$XS_TEST_DIR/driver.in
	rm -f "$fifo"; mkfifo "$fifo"
	: >"$DRV_OUT"
	${DRV_WRAPPER:-} "$DRV_BIN" "$@" <"$fifo" >"$DRV_OUT" 2>"$XS_TEST_DIR/driver.err" &
	DRV_PID=$!
	exec 7>"$fifo"
	xs_atexit drv_kill
	drv_wait '^open$' 1 || fail "driver did not start: $(cat "$XS_TEST_DIR/driver.err")"
}

drv_kill() {
	[ -n "$DRV_PID" ] || return 0
	kill "$DRV_PID" 2>/dev/null
	wait "$DRV_PID" 2>/dev/null
	DRV_PID=
}

# drv_count REGEX: how many output lines match.
drv_count() { grep -cE -- "$1" "$DRV_OUT" || true; }

# drv_wait REGEX N: wait until at least N lines match (a bound, not a
# speed check: it only turns a hang into a failure).
drv_wait() {
	local re=$1 want=${2:-1} i=0
	while [ "$(drv_count "$re")" -lt "$want" ]; do
		i=$((i + 1))
		if [ $i -gt $((XS_TIMEOUT * 20)) ]; then
			echo "timed out waiting for $want x /$re/" >&2
			return 1
		fi
		if [ -n "$DRV_PID" ] && ! kill -0 "$DRV_PID" 2>/dev/null; then
			echo "driver died waiting for /$re/" >&2
			return 1
		fi
		sleep 0.05
	done
}

# drv_cmd CMD...: send one command and wait for its answer; fails the
# test on "err" unless DRV_EXPECT_ERR is set.
drv_cmd() {
	local word=${1%% *} n e
	n=$(drv_count "^(ok|err) $word( |\$)")
	e=$(drv_count "^err $word( |\$)")
	echo "$*" >&7
	drv_wait "^(ok|err) $word( |\$)" $((n + 1)) || fail "no answer to '$*'"
	if [ -z "${DRV_EXPECT_ERR:-}" ] && [ "$(drv_count "^err $word( |\$)")" -gt "$e" ]; then
		fail "command '$*' failed"
	fi
}

# drv_sync: a round trip through the driver's loop: every watch event
# xenstored sent before this has been dispatched once it returns.
# (xenstored answers requests in order and queues watch events on the
# connection before later replies, but libxenstore delivers them on a
# separate pipe, so do one more round after the answer.)
drv_sync() { drv_cmd caps 0; drv_cmd caps 0; }

# drv_quit: stop the driver cleanly and check it exited 0.
drv_quit() {
	local rc=0
	echo quit >&7
	wait "$DRV_PID" || rc=$?
	DRV_PID=
	exec 7>&-
	[ $rc -eq 0 ] || fail "driver exited $rc: $(cat "$XS_TEST_DIR/driver.err")"
}

ROOT_OF() { echo "/local/domain/0/hvmlink/$1"; }
# The UUID make_domain gives domain D's VM (a reboot test may give one VM
# several domains: make_domain D NAME UUID).
UUID_OF() { printf '00000000-0000-4000-8000-%012d' "$1"; }
# The per-VM root (hints, errors) of the VM with UUID U.
VM_ROOT() { echo "/local/domain/0/hvmlink/vm/$1"; }
VM_OF() { VM_ROOT "$(UUID_OF "$1")"; }

# expect_read PATH VALUE: xenstore-read PATH must print VALUE.
expect_read() {
	local got
	got=$(xenstore-read "$1" 2>&1) || fail "xenstore-read $1: $got"
	[ "$got" = "$2" ] || fail "$1 is '$got', expected '$2'"
}

# expect_absent PATH
expect_absent() {
	if xenstore-read "$1" >/dev/null 2>&1; then
		fail "$1 exists: $(xenstore-read "$1")"
	fi
}

# wait_read PATH VALUE: wait until PATH reads VALUE.
wait_read() {
	local i=0
	while [ "$(xenstore-read "$1" 2>/dev/null)" != "$2" ]; do
		i=$((i + 1))
		[ $i -le $((XS_TIMEOUT * 20)) ] || fail "$1 never became '$2' (is '$(xenstore-read "$1" 2>&1)')"
		sleep 0.05
	done
}

# wait_absent PATH
wait_absent() {
	local i=0
	while xenstore-read "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le $((XS_TIMEOUT * 20)) ] || fail "$1 never went away"
		sleep 0.05
	done
}

# A guest domain as the toolstack makes it (libxl__domain_make: home with
# its vm link, /vm/UUID with uuid and name; then introduce).
make_domain() {
	local domid=$1
	xs_sim_domain_create "$domid" || fail "sim create $domid"
	xs_introduce "$domid" || fail "introduce $domid"
	write_domain_home "$@"
}

# write_domain_home D [NAME [UUID]]: the toolstack's nodes of a domain.
write_domain_home() {
	local domid=$1 name=${2:-guest$1} uuid=${3:-$(UUID_OF "$1")}
	xenstore-write "/local/domain/$domid/name" "$name" \
		"/local/domain/$domid/vm" "/vm/$uuid" \
		"/vm/$uuid/uuid" "$uuid" "/vm/$uuid/name" "$name" \
		"/vm/$uuid/start_time" "$(date +%s.%2N)" || fail "home of $domid"
}
