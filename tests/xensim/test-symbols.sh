#!/bin/sh
# Every xen* function the project's binaries import must be provided by
# the stand-in; anything else would silently fall through to the real
# library (which fails with ENOENT on a machine without Xen, or worse,
# talks to a real hypervisor).  Binaries come from XENSIM_CHECKED_BINARIES
# (relative to the build dir; tests/xensim/local.mk documents it).
set -u
top_builddir=${top_builddir:-.}
lib="$top_builddir/tests/xensim/.libs/libxensim.so"
# Families the stand-in replaces.  libxenstore and libxentoollog stay real.
families='xendevicemodel_|xenevtchn_|xenforeignmemory_|xentoolcore_restrict_all'

if ! command -v nm >/dev/null 2>&1; then
	echo "test-symbols: nm not found (binutils)" >&2
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
[ -f "$lib" ] || { echo "test-symbols: $lib missing" >&2; exit 1; }

provided=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
status=0
checked=0
for bin in ${XENSIM_CHECKED_BINARIES:-tests/xensim/xensim-toydm}; do
	path="$top_builddir/$bin"
	# libtool may leave a wrapper script; the real binary is in .libs.
	if [ -f "$(dirname "$path")/.libs/$(basename "$path")" ]; then
		path="$(dirname "$path")/.libs/$(basename "$path")"
	fi
	if [ ! -f "$path" ]; then
		echo "test-symbols: FAIL $bin: not built" >&2
		status=1
		continue
	fi
	imported=$(nm -D --undefined-only "$path" | awk '{print $2}' | sed 's/@.*//' |
		grep -E "^($families)" | sort -u)
	missing=$(printf '%s\n' "$imported" | grep -v '^$' | while read -r sym; do
		printf '%s\n' "$provided" | grep -qx "$sym" || echo "$sym"
	done)
	n=$(printf '%s\n' "$imported" | grep -c .)
	checked=$((checked + 1))
	if [ -n "$missing" ]; then
		echo "test-symbols: FAIL $bin imports xen functions the stand-in lacks:" >&2
		printf '  %s\n' $missing >&2
		status=1
	else
		echo "test-symbols: ok $bin ($n xen functions, all simulated)"
	fi
done
[ "$checked" -gt 0 ] || { echo "test-symbols: no binaries checked" >&2; exit 1; }
exit $status
