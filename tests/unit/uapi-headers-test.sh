#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
#
# The guest uapi headers (include/hvmlink/protocol.h and ioctl.h) are what
# userspace C and C++ programs include: each must compile alone, first in
# its translation unit, with nothing but the kernel's uapi <linux/...>
# headers, under every C standard from C11 and every C++ standard from
# C++11, with -Wall -Wextra -Werror -pedantic.  The test program also
# expands every ioctl number and uses every struct, so a layout that only
# fails when used (a size assert, an _IOR on an incomplete type) is caught.
#
# Compilers: gcc and g++ always; clang and clang++ too when installed.
# Exit 0 pass, 1 fail, 77 skip (no g++, never under CI=true).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
inc=$top/include

skip() {
	echo "uapi-headers-test: SKIP: $*"
	[ "${CI:-}" = true ] && { echo "uapi-headers-test: CI=true: that is a failure"; exit 1; }
	exit 77
}
command -v gcc >/dev/null 2>&1 || skip "gcc not installed"
command -v g++ >/dev/null 2>&1 || skip "g++ not installed"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# protocol.h alone: every request struct and a few constants in use.
cat >"$work/protocol.c" <<'EOF'
#include <hvmlink/protocol.h>

int main(void)
{
	static struct hvmlink_status_page sp;
	static struct hvmlink_req_host_version hv;
	static struct hvmlink_req_ack_events ack;
	static struct hvmlink_req_filter_mask fm;
	static struct hvmlink_req_guest_info gi;
	static struct hvmlink_req_guest_caps gc;
	static struct hvmlink_req_display_hint dh;
	static struct hvmlink_req_report_display rd;
	static struct hvmlink_req_host_time ht;
	static struct hvmlink_req_heartbeat_config hc;
	static struct hvmlink_req_heartbeat hb;
	static struct hvmlink_req_facility fa;
	static struct hvmlink_req_log lg;
	static struct hvmlink_req_get_kv kv;
	static struct hvmlink_req_list_kv lk;
	unsigned long total = sizeof(sp) + sizeof(hv) + sizeof(ack) +
		sizeof(fm) + sizeof(gi) + sizeof(gc) + sizeof(dh) +
		sizeof(rd) + sizeof(ht) + sizeof(hc) + sizeof(hb) +
		sizeof(fa) + sizeof(lg) + sizeof(kv) + sizeof(lk);

	hv.header.type = HVMLINK_REQ_GET_HOST_VERSION;
	hv.header.version = HVMLINK_REQUEST_VERSION;
	return total > HVMLINK_REQUEST_MAX_SIZE * 2 || hv.features ||
	       HVMLINK_PROTOCOL_VERSION_MAJOR != 1 ||
	       (HVMLINK_EVENT_VALID_MASK & HVMLINK_EVENT_RESTORED) == 0;
}
EOF

# ioctl.h alone: every ioctl number (their _IOC size is the struct's).
# Statics, not initializers: C++ and clang warn of missing fields.
cat >"$work/ioctl.c" <<'EOF'
#include <hvmlink/ioctl.h>

int main(void)
{
	static const unsigned long cmds[] = {
		HVMLINK_IOCTL_VERSION,
		HVMLINK_IOCTL_WAIT_EVENTS,
		HVMLINK_IOCTL_CANCEL_WAITS,
		HVMLINK_IOCTL_SET_FILTER,
		HVMLINK_IOCTL_SET_CAPS,
		HVMLINK_IOCTL_REQUEST,
	};
	static struct hvmlink_ioctl_version v;
	static struct hvmlink_ioctl_wait_events w;
	static struct hvmlink_ioctl_mask m;
	static struct hvmlink_ioctl_request r;
	const char *paths[] = { HVMLINK_DEVICE_PATH, HVMLINK_USER_DEVICE_PATH };
	unsigned long i, sum = 0;

	w.timeout_ms = HVMLINK_WAIT_FOREVER;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		sum += cmds[i];
	return !sum || !paths[1][0] || v.irq_type != HVMLINK_IRQ_INTX ||
	       m.or_mask || r.size || w.timeout_ms != 0xffffffffu ||
	       HVMLINK_IOCTL_INTERFACE_VERSION >> 16 != 1;
}
EOF

fails=0
runs=0
flags="-Wall -Wextra -Werror -pedantic -I$inc"
try() { # COMPILER STD SRC
	runs=$((runs + 1))
	if ! "$1" $flags -std="$2" -x "$3" -o "$work/a.out" "$work/$4" >"$work/log" 2>&1; then
		echo "uapi-headers-test: FAIL: $1 -std=$2 $4"
		sed 's/^/  /' "$work/log"
		fails=$((fails + 1))
	fi
}

ccs=gcc cxxs=g++
command -v clang >/dev/null 2>&1 && ccs="$ccs clang"
command -v clang++ >/dev/null 2>&1 && cxxs="$cxxs clang++"
for cc in $ccs; do
	for std in c11 c17 gnu11 gnu17; do
		try "$cc" "$std" c protocol.c
		try "$cc" "$std" c ioctl.c
	done
done
for cxx in $cxxs; do
	for std in c++11 c++14 c++17 c++20 gnu++11; do
		try "$cxx" "$std" c++ protocol.c
		try "$cxx" "$std" c++ ioctl.c
	done
done

if [ "$fails" -ne 0 ]; then
	echo "uapi-headers-test: $fails of $runs compilations failed"
	exit 1
fi
echo "uapi-headers-test: PASS: $runs compilations ($ccs; $cxxs)"
exit 0
