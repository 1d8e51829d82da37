#!/bin/sh
# The hvmlink CLI's exit codes without a device: scripts depend on them
# (hvmlink(1)).  0 pass, 1 fail.
set -u
cli=${top_builddir:-.}/src/guest/cli/hvmlink
[ -x "$cli" ] || { echo "guest-cli-test: $cli not built"; exit 1; }
fails=0

expect() {
	want=$1
	shift
	"$cli" "$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		echo "ok: hvmlink $* -> $got"
	else
		echo "FAIL: hvmlink $* -> $got, expected $want"
		fails=$((fails + 1))
	fi
}

# --help and --version (D6), before and after the command: exit 0,
# print to stdout.
expect 0 --help
expect 0 --version
expect 0 key --help
expect 0 wait --version
"$cli" --help | grep -q '^usage: hvmlink ' || { echo "FAIL: --help prints no usage"; fails=$((fails + 1)); }
"$cli" --version | grep -Eq '^hvmlink [0-9.]+ \(interface [0-9]+\.[0-9]+, protocol [0-9]+\.[0-9]+\)$' ||
	{ echo "FAIL: --version: $("$cli" --version)"; fails=$((fails + 1)); }

# Usage errors are found before the device is opened.
expect 2
expect 2 frobnicate
expect 2 info extra
expect 2 hint display 16
expect 2 hint monitor
expect 2 key get 'a/b'
expect 2 key get ''
expect 2 key
expect 2 wait
expect 2 wait bogus
expect 2 wait display --timeout x
expect 2 wait --timeout
expect 2 --frob info
expect 2 info --frob
expect 2 --device
expect 2 bench-roundtrip 0
expect 2 bench-port 0x10000 10
expect 2 bench-port 0x80 10 3
# No device: a failure, never "not found" (4) or a timeout (3).
expect 1 --device /nonexistent/hvmlink info
expect 1 --device /nonexistent/hvmlink key get k
expect 1 --device /nonexistent/hvmlink wait display --timeout 1
expect 1 --device=/nonexistent/hvmlink wait --timeout 1 heartbeat
# Not an hvmlink device: the ioctl fails cleanly.
expect 1 --device /dev/null info
expect 1 --device /dev/null key list

[ "$fails" -eq 0 ] || { echo "guest-cli-test: $fails failed"; exit 1; }
echo "guest-cli-test: PASS"
