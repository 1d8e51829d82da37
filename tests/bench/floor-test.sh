#!/usr/bin/env bash
# hvmlinkd at the floor: per isolated guest access no more system calls
# than the minimal device model loop, and no allocation
# (tests/bench/floor-test.c says how).  Starts the real xenstored on the
# simulated host and runs tests/bench/floor-test against the daemon of
# this build.  Needs strace (scripts/deps.d/bench.list).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
. "$top_srcdir/tests/harness/xenstored.sh"

if ! command -v strace >/dev/null 2>&1 || ! strace -qq -o /dev/null true 2>/dev/null; then
	echo "floor-test: strace missing or ptrace not permitted here" >&2
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
xs_require
xs_sim_init || exit 1
xs_start || exit 1
export XENSIM_RUN=$top_builddir/tests/xensim/xensim-run
"$top_builddir/tests/bench/floor-test" \
	--hvmlinkd "$top_builddir/src/daemon/hvmlinkd" \
	--ioreq-floor "$top_builddir/tests/bench/ioreq-bench-minimal" \
	--malloc-count "$top_builddir/tests/bench/.libs/libmalloc-count.so"
