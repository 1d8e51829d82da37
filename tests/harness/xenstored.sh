# shellcheck shell=bash
# xenstored.sh: run the real C xenstored (Xen 4.17) for a shell test.
# Source it from a bash test script:
#
#   . "$top_srcdir/tests/harness/xenstored.sh"
#   xs_require                 # skip (77), or fail under CI=true, if no xenstored
#   xs_start                   # exports XENSTORED_PATH; clients now talk to it
#   xenstore-write /foo bar
#   xs_restart                 # same socket path, empty database
#   xs_stop                    # or let the EXIT trap do it
#
# Every instance lives in its own directory under the test's directory
# ($XS_TEST_DIR, made on first use under the build tree, next to the
# test's log): socket, pid, trace.log (xenstored -T), xenstored.log
# (its stderr and the shim's).  The test directory is removed when the
# test exits 0 and kept, with its path printed, when it fails (or when
# XS_KEEP=1).
#
# The EXIT trap belongs to this library: register your own cleanup with
# xs_atexit "command" instead of trap ... EXIT.  Call xs_start/xs_stop from
# the test's main shell, not from $(...) or a pipeline: the instance's pid
# is remembered in shell variables.
#
# Domains (see docs/xenstored-harness.md): with $XENSIM_DIR set before
# xs_start, xenstored sees the domains the Xen stand-in keeps in
# $XENSIM_DIR/domains/; xs_sim_domain_create/_destroy play the stand-in's
# part for tests without it, xs_introduce plays the toolstack's.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

XS_HARNESS_SRC="$top_srcdir/tests/harness"
XS_HARNESS_BIN="$top_builddir/tests/harness"
# Upper bounds for waits that normally end in milliseconds; they only turn
# a hang into a clear failure, they never judge speed.
: "${XS_TIMEOUT:=30}"

declare -A XS__PID=() XS__DIR=() XS__ARGS=() XS__WATCH=()
XS__ATEXIT=()
XS_TEST_DIR=${XS_TEST_DIR:-}

xs__say() { printf 'xenstored.sh: %s\n' "$*" >&2; }

# xs__ensure_test_dir: make the directory this test keeps its instances
# and logs in, once, in the calling shell (never call it from $(...)).
xs__ensure_test_dir() {
	[ -z "$XS_TEST_DIR" ] || return 0
	local name base sdir srcp
	name=$(basename "$0"); name=${name%.sh}
	# Under automake the test's .log is in the build tree at the path the
	# script has in the source tree: keep the directory beside it.
	sdir=$(cd "$(dirname "$0")" 2>/dev/null && pwd -P)
	srcp=$(cd "$top_srcdir" && pwd -P)
	case $sdir in
	"$srcp"/*) base="$top_builddir/${sdir#"$srcp"/}" ;;
	*) base=$PWD ;;
	esac
	mkdir -p "$base" 2>/dev/null || base=${TMPDIR:-/tmp}
	# A unix socket path holds 108 bytes (107 and the NUL): the longest
	# this test makes is $XS_TEST_DIR/xensim/xenstored-virq.sock (the
	# shim's, under xs_sim_init's XENSIM_DIR).  Use a short directory
	# when that would not fit (deep build trees, long test names).
	local tail=/.tmp.XXXXXX/xensim/xenstored-virq.sock
	[ $((${#base} + ${#name} + ${#tail})) -le 107 ] || base=${TMPDIR:-/tmp}
	XS_TEST_DIR=$(mktemp -d "$base/$name.tmp.XXXXXX") || {
		xs__say "cannot create a test directory under $base"
		return 1
	}
}

# xs_test_dir: print the test's directory (after xs_start or xs_sim_init).
xs_test_dir() { echo "$XS_TEST_DIR"; }

# xs_require: make sure a xenstored binary and the shim exist.  Without a
# xenstored the test is skipped (exit 77), except under CI=true, where a
# missing xenstored is a failure: CI must test, not skip.
xs_require() {
	local out rc=0
	out=$("$XS_HARNESS_SRC/xs-exec.sh" --which 2>&1) || rc=$?
	if [ "$rc" -eq 77 ]; then
		if [ "${CI:-}" = true ]; then
			xs__say "FAIL (CI=true): $out"
			exit 1
		fi
		xs__say "SKIP: $out"
		exit 77
	elif [ "$rc" -ne 0 ]; then
		xs__say "$out"
		exit 1
	fi
	# For the test's own messages: which binary and shim it runs.
	export XS_XENSTORED_BIN XS_SHIM
	XS_XENSTORED_BIN=$(echo "$out" | sed -n 1p)
	XS_SHIM=$(echo "$out" | sed -n 2p)
}

# Export the client variables of instance NAME (default "xs").
xs_env() {
	local name=${1:-xs} dir
	dir=${XS__DIR[$name]:-}
	[ -n "$dir" ] || { xs__say "no instance $name"; return 1; }
	# XS_DIR: the instance's directory (logs), for the test's use.
	export XENSTORED_PATH="$dir/socket" XENSTORED_RUNDIR="$dir" XENSTORED_ROOTDIR="$dir" XS_DIR="$dir"
}

xs__wait_ready() {
	local name=$1 dir=$2 pid=$3 i=0 rc=0
	local max=$((XS_TIMEOUT * 20))
	# Ready means answering: xenstored binds its socket a moment before
	# it listens, so the socket file alone is not enough.
	while ! { [ -S "$dir/socket" ] &&
		XENSTORED_PATH="$dir/socket" xenstore-exists / >/dev/null 2>&1; }; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || rc=$?
			unset "XS__PID[$name]"
			xs__say "xenstored $name exited ($rc) during start-up; $dir/xenstored.log:"
			cat "$dir/xenstored.log" >&2 2>/dev/null
			[ "$rc" -ne 77 ] || xs_require
			return 1
		fi
		i=$((i + 1))
		if [ "$i" -gt "$max" ]; then
			xs__say "xenstored $name not ready after ${XS_TIMEOUT}s; see $dir"
			return 1
		fi
		sleep 0.05
	done
}

# xs_start [NAME] [xenstored options...]: start instance NAME (default
# "xs") in $XS_TEST_DIR/NAME and export XENSTORED_PATH and friends for it.
# Options go to xenstored as they are (e.g. quotas: -E 100).
xs_start() {
	local name=xs dir pid
	if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then name=$1; shift; fi
	[ -z "${XS__PID[$name]:-}" ] || { xs__say "instance $name already running"; return 1; }
	xs__ensure_test_dir || return 1
	dir=$XS_TEST_DIR/$name
	mkdir -p "$dir" || return 1
	rm -f "$dir/socket" "$dir/pid"
	"$XS_HARNESS_SRC/xs-exec.sh" "$dir" "$@" </dev/null &
	pid=$!
	XS__PID[$name]=$pid
	XS__DIR[$name]=$dir
	XS__ARGS[$name]="$*"
	xs__wait_ready "$name" "$dir" "$pid" || return 1
	xs_env "$name"
}

# xs_pid [NAME]: the pid of instance NAME's xenstored.
xs_pid() { echo "${XS__PID[${1:-xs}]:-}"; }

# xs_stop [NAME]: stop instance NAME and wait until it is gone.
xs_stop() {
	local name=${1:-xs} pid i=0
	pid=${XS__PID[$name]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt $((XS_TIMEOUT * 20)) ]; then
			xs__say "xenstored $name ignores SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
	unset "XS__PID[$name]"
	# A dead daemon's socket would make clients fail with ECONNREFUSED
	# instead of ENOENT; remove it so "not running" looks like it.
	rm -f "${XS__DIR[$name]}/socket" "${XS__DIR[$name]}/pid"
}

# xs_restart [NAME]: stop and start NAME again on the same socket path,
# with the same options.  xenstored keeps its database in memory, so the
# new instance starts empty: only dom0's default nodes exist.
xs_restart() {
	local name=${1:-xs} args
	args=${XS__ARGS[$name]:-}
	xs_stop "$name"
	# shellcheck disable=SC2086
	xs_start "$name" $args
}

# ---- watches with the real xenstore-watch -------------------------------

# xs_watch_start NAME PATH: run xenstore-watch PATH in the background,
# printing into $XS_TEST_DIR/watch-NAME.out; return once xenstored has
# registered the watch (its first event, for PATH itself, has arrived).
xs_watch_start() {
	local name=$1 path=$2 out
	xs__ensure_test_dir || return 1
	out=$XS_TEST_DIR/watch-$name.out
	: >"$out"
	xenstore-watch "$path" >"$out" 2>&1 </dev/null &
	XS__WATCH[$name]=$!
	xs_watch_wait "$name" 1
}

# xs_watch_count NAME: how many events the watch has printed so far.
xs_watch_count() { wc -l <"$XS_TEST_DIR/watch-$1.out"; }

# xs_watch_events NAME: the events printed so far, one path a line.
xs_watch_events() { cat "$XS_TEST_DIR/watch-$1.out"; }

# xs_watch_wait NAME N: wait until the watch has printed N events in all.
xs_watch_wait() {
	local name=$1 want=$2 i=0
	while [ "$(xs_watch_count "$name")" -lt "$want" ]; do
		i=$((i + 1))
		if [ "$i" -gt $((XS_TIMEOUT * 20)) ] || ! kill -0 "${XS__WATCH[$name]}" 2>/dev/null; then
			xs__say "watch $name: wanted $want events, got:"
			xs_watch_events "$name" >&2
			return 1
		fi
		sleep 0.05
	done
}

xs_watch_stop() {
	local pid=${XS__WATCH[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "XS__WATCH[$1]"
}

# ---- a domain's life -----------------------------------------------------

# xs_sim_init: give this test a private $XENSIM_DIR unless it already has
# one (the Xen stand-in's).  Call it before xs_start.
xs_sim_init() {
	if [ -z "${XENSIM_DIR:-}" ]; then
		xs__ensure_test_dir || return 1
		XENSIM_DIR=$XS_TEST_DIR/xensim
		export XENSIM_DIR
	fi
	mkdir -p "$XENSIM_DIR/domains"
}

xs__sim_set() {
	local domid=$1 state=$2 f="$XENSIM_DIR/domains/$1"
	[ -n "${XENSIM_DIR:-}" ] || { xs__say "XENSIM_DIR is not set (xs_sim_init)"; return 1; }
	if [ "$state" = absent ]; then
		rm -f "$f"
	else
		# Write then rename: xenstored never reads half a state.
		printf '%s\n' "$state" >"$f.new" && mv -f "$f.new" "$f"
	fi || return 1
	"$XS_HARNESS_BIN/xs-virq-kick"
}

# xs_sim_domain_create DOMID: the Xen stand-in's part of creating a domain.
xs_sim_domain_create() { xs__sim_set "$1" running; }

# xs_sim_domain_destroy DOMID: the stand-in's part of destroying it: the
# domain is dying (VIRQ_DOM_EXC), then gone.  xenstored releases it at the
# first step and fires @releaseDomain.
xs_sim_domain_destroy() { xs__sim_set "$1" dying && xs__sim_set "$1" absent; }

# xs_introduce DOMID: the toolstack's part, as libxl does after building a
# domain: its home /local/domain/DOMID (dom0's, readable by the domain),
# then XS_INTRODUCE, which fires @introduceDomain.
xs_introduce() {
	local domid=$1
	xenstore-write "/local/domain/$domid/domid" "$domid" &&
		xenstore-chmod "/local/domain/$domid" n0 "r$domid" &&
		"$XS_HARNESS_BIN/xs-introduce" "$domid"
}

# ---- teardown -------------------------------------------------------------

# xs_atexit CMD: run CMD (eval'd) when the test exits, before xenstored stops.
xs_atexit() { XS__ATEXIT+=("$1"); }

xs__exit() {
	local rc=$? cmd name
	for cmd in "${XS__ATEXIT[@]}"; do eval "$cmd" || true; done
	for name in "${!XS__WATCH[@]}"; do xs_watch_stop "$name"; done
	for name in "${!XS__PID[@]}"; do xs_stop "$name"; done
	if [ -n "$XS_TEST_DIR" ] && [ -d "$XS_TEST_DIR" ]; then
		if [ "$rc" -eq 0 ] && [ "${XS_KEEP:-0}" != 1 ]; then
			rm -rf "$XS_TEST_DIR"
		else
			xs__say "logs kept in $XS_TEST_DIR"
		fi
	fi
	exit "$rc"
}
trap xs__exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
