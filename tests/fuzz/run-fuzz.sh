#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run the device fuzzer for a bounded time; builds nothing.
#
#   tests/fuzz/run-fuzz.sh [SECONDS]        (default 60)
#
# Looks for the fuzz-device binary in $FUZZ_BUILDDIR (a build directory
# configured with CC=clang --enable-fuzzing), else $top_builddir, else the
# current directory.  The seed corpus is copied into a scratch working
# corpus so the committed one stays small.  Exit status: 0 when the time ran
# out without a finding, non-zero on any crash, leak, timeout or sanitizer
# report (the reproducer is left in the artifact directory it prints), 77 if
# the fuzzer was not built.
set -eu

seconds=${1:-60}
case $seconds in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
bin=
for dir in "${FUZZ_BUILDDIR:-}" "${top_builddir:-}" .; do
	[ -n "$dir" ] || continue
	if [ -x "$dir/tests/fuzz/fuzz-device" ]; then
		bin=$dir/tests/fuzz/fuzz-device
		break
	fi
done
if [ -z "$bin" ]; then
	echo "run-fuzz: tests/fuzz/fuzz-device not built (configure CC=clang --enable-fuzzing; make tests/fuzz/fuzz-device)" >&2
	exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hvmlink-fuzz.XXXXXX")
trap 'rm -rf "$work/corpus"' EXIT INT TERM
mkdir -p "$work/corpus" "$work/artifacts"
cp "$srcdir/tests/fuzz/corpus/device/"* "$work/corpus/"

echo "run-fuzz: $bin for ${seconds}s, artifacts in $work/artifacts"
status=0
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-max_len=8192 -print_final_stats=1 \
	-dict="$here/device.dict" \
	-artifact_prefix="$work/artifacts/" "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
	echo "run-fuzz: FAILED (status $status); reproducers:" >&2
	ls -l "$work/artifacts" >&2
	exit 1
fi
rm -rf "$work"
echo "run-fuzz: no crash in ${seconds}s"
