#!/bin/sh
# Run the real C xenstored in the foreground for one test, in DIR:
#   DIR/socket       the socket clients use (XENSTORED_PATH)
#   DIR/pid          written by xenstored once it is set up
#   DIR/trace.log    xenstored's own trace of every request (-T)
#   DIR/xenstored.log its stdout and stderr, and the shim's messages
# Usage: xs-exec.sh DIR [extra xenstored options...]
#        xs-exec.sh --which   print the xenstored binary and the shim used
# Exit 77 when no xenstored binary can be found (the caller decides whether
# that is a skip or, under CI, a failure); 1 on any other setup problem.
# Both the shell library (xenstored.sh) and the C API (xs-harness.c) start
# xenstored through this script, so there is one place that knows how.
#
# Where things come from:
#   xenstored: $HVMLINK_XENSTORED, else the cache filled by get-xenstored.sh
#              ($HVMLINK_CACHE/xen-utils/...), else an installed xen-utils-4.17.
#   shim:      $HVMLINK_XS_SHIM, else $top_builddir/tests/harness/.libs/shim-xenstored.so.
set -eu

xs_cache_dir() {
	if [ -n "${HVMLINK_CACHE:-}" ]; then
		echo "$HVMLINK_CACHE"
	elif [ "$(id -u)" = 0 ]; then
		echo /var/cache/hvmlink
	else
		echo "${HOME:-/tmp}/.cache/hvmlink"
	fi
}

xs_find_xenstored() {
	if [ -n "${HVMLINK_XENSTORED:-}" ]; then
		[ -x "$HVMLINK_XENSTORED" ] || return 1
		echo "$HVMLINK_XENSTORED"
		return 0
	fi
	for x in "$(xs_cache_dir)/xen-utils/usr/lib/xen-4.17/bin/xenstored" \
		/usr/lib/xen-4.17/bin/xenstored; do
		if [ -x "$x" ]; then
			echo "$x"
			return 0
		fi
	done
	return 1
}

xs_find_shim() {
	if [ -n "${HVMLINK_XS_SHIM:-}" ]; then
		shim=$HVMLINK_XS_SHIM
	else
		shim=${top_builddir:-.}/tests/harness/.libs/shim-xenstored.so
	fi
	[ -f "$shim" ] || return 1
	# LD_PRELOAD wants an absolute path: the daemon may chdir.
	(cd "$(dirname "$shim")" && echo "$(pwd)/$(basename "$shim")")
}

if ! xenstored=$(xs_find_xenstored); then
	echo "xs-exec: no xenstored binary (run tests/harness/get-xenstored.sh, or set HVMLINK_XENSTORED)" >&2
	exit 77
fi
if ! shim=$(xs_find_shim); then
	echo "xs-exec: no shim-xenstored.so (build it: make check, or set HVMLINK_XS_SHIM; top_builddir=${top_builddir:-unset})" >&2
	exit 1
fi

if [ "${1:-}" = --which ]; then
	echo "$xenstored"
	echo "$shim"
	exit 0
fi

[ $# -ge 1 ] || { echo "usage: xs-exec.sh DIR [xenstored options...]" >&2; exit 1; }
dir=$1; shift
[ -d "$dir" ] || { echo "xs-exec: no directory $dir" >&2; exit 1; }
dir=$(cd "$dir" && pwd)
# sun_path holds 108 bytes; xenstored would only say "socket string too long".
if [ ${#dir} -gt 100 ]; then
	echo "xs-exec: $dir is too long for a unix socket path" >&2
	exit 1
fi

exec >>"$dir/xenstored.log" 2>&1
echo "xs-exec: $xenstored with $shim in $dir (XENSIM_DIR=${XENSIM_DIR:-unset})"
# Only the shim is preloaded: whatever the test preloads for itself (the
# Xen stand-in, the ASan runtime) must not reach xenstored.
exec env LD_PRELOAD="$shim" \
	XENSTORED_RUNDIR="$dir" XENSTORED_ROOTDIR="$dir" XENSTORED_PATH="$dir/socket" \
	"$xenstored" -N -F "$dir/pid" -T "$dir/trace.log" "$@"
