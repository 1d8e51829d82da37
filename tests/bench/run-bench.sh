#!/usr/bin/env bash
# run-bench.sh: measure hvmlink on the simulated host (docs/performance.md).
#
#   tests/bench/run-bench.sh --build-dir DIR [--out FILE] [--quick]
#                            [--no-build] [-- hvmlink-bench options/sections]
#
# Builds what it needs in DIR (a configured build tree; use one without
# --enable-sanitizers for figures worth quoting), starts one real
# xenstored (tests/harness) that follows the Xen stand-in's domains, and
# runs tests/bench/hvmlink-bench, which plays Xen, the guests and the
# administrator around the real hvmlinkd.  Prints the tables and writes
# the figures, with the machine they came from, as JSON to FILE (default
# DIR/bench-results.json).  Not a test: it asserts nothing about time.
#
#   --quick     shorter runs (smoke check of the bench itself)
#   after --    passed to hvmlink-bench, e.g. "-- hint idle" to run only
#               those sections, or "-- --domains 20"
# BENCH_WRAP="valgrind --leak-check=full" runs hvmlink-bench itself under
# a wrapper (checking the bench, not measuring).  BENCH_XS_TRACE=1 keeps
# xenstored's request trace (slows xenstored down with many domains).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
build_dir='' out='' quick='' build=1
usage() {
	sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) build_dir=${2:-}; shift 2 || usage ;;
	--build-dir=*) build_dir=${1#*=}; shift ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--out=*) out=${1#*=}; shift ;;
	--quick) quick=1; shift ;;
	--no-build) build=; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) usage ;;
	esac
done
[ -n "$build_dir" ] || usage
[ -f "$build_dir/config.status" ] || { echo "run-bench: $build_dir is not a configured build tree" >&2; exit 2; }
top_builddir=$(cd "$build_dir" && pwd)
export top_srcdir top_builddir
: "${out:=$top_builddir/bench-results.json}"

if [ -n "$build" ]; then
	echo "run-bench: building in $top_builddir" >&2
	make -s -C "$top_builddir" -j2 src/daemon/hvmlinkd \
		tests/bench/hvmlink-bench tests/bench/hint-floor \
		tests/bench/ioreq-bench-minimal tests/xensim/libxensim.la \
		tests/xensim/xensim-run tests/harness/shim-xenstored.la \
		tests/harness/xs-virq-kick >&2 || exit 1
fi
sanitized=
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$top_builddir/Makefile" 2>/dev/null; then
	echo "run-bench: WARNING: $top_builddir is a sanitizer build; its figures are not hvmlinkd's" >&2
	sanitized=1
fi

# shellcheck source=../harness/xenstored.sh
. "$top_srcdir/tests/harness/xenstored.sh"
xs_require
xs_sim_init || exit 1
# The harness traces every request to a file (-T).  xenstored 4.17 then
# writes a few trace lines per known domain on every request (its write
# rate limiter's bookkeeping), which with 100 domains costs more than the
# request: send the trace to /dev/null (the last -T wins) unless
# BENCH_XS_TRACE=1 asks for the file.
xs_opts=(-T /dev/null)
[ "${BENCH_XS_TRACE:-0}" != 1 ] || xs_opts=()
xs_start "${xs_opts[@]}" || exit 1
export XENSIM_RUN=$top_builddir/tests/xensim/xensim-run
# Only turns a hang into an error (valgrind makes the daemon slow).
export XENSIM_TIMEOUT_MS=${XENSIM_TIMEOUT_MS:-300000}

args=()
[ -z "$quick" ] || args=(--seconds 0.3 --rounds 3 --hints 200 --idle-seconds 2
	--domains 10 --density-hints 100 --callgrind-n "200,600")
sections=()
vg=$(command -v valgrind || true)
st=$(command -v strace || true)
all=(ioreq syscalls callgrind hint fair idle density)
if [ -z "$vg" ]; then
	echo "run-bench: valgrind not found: no callgrind section" >&2
	all=("${all[@]/callgrind}")
elif [ -n "$sanitized" ]; then
	# An ASan daemon cannot run under valgrind.
	echo "run-bench: sanitizer build: no callgrind section" >&2
	all=("${all[@]/callgrind}")
fi
if [ -z "$st" ]; then
	echo "run-bench: strace not found: no syscalls section" >&2
	all=("${all[@]/syscalls}")
fi
[ -n "$vg" ] && [ -n "$st" ] && [ -z "$sanitized" ] || read -r -a sections <<<"${all[*]}"
# Sections named after -- replace the default choice.
for a in "$@"; do
	case $a in ioreq|syscalls|callgrind|hint|fair|idle|density) sections=() ;; esac
done

raw=$XS_TEST_DIR/results.raw.json
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "run-bench: $(nproc) CPUs, load average $load_before" >&2
wrap=()
[ -z "${BENCH_WRAP:-}" ] || read -r -a wrap <<<"$BENCH_WRAP"
"${wrap[@]}" "$top_builddir/tests/bench/hvmlink-bench" \
	--hvmlinkd "$top_builddir/src/daemon/hvmlinkd" \
	--hint-floor "$top_builddir/tests/bench/hint-floor" \
	--ioreq-floor "$top_builddir/tests/bench/ioreq-bench-minimal" \
	--valgrind "${vg:-valgrind}" --strace "${st:-strace}" \
	--workdir "$XS_TEST_DIR" \
	--json "$raw" "${args[@]}" "${sections[@]}" "$@"
rc=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
if command -v jq >/dev/null 2>&1 && jq -e . "$raw" >/dev/null 2>&1; then
	jq --arg cpu "$cpu" --arg nproc "$(nproc)" --arg kernel "$(uname -r)" \
		--arg date "$started" --arg lb "$load_before" --arg la "$load_after" \
		--arg quick "${quick:+yes}" \
		'{machine: {cpu: $cpu, nproc: ($nproc | tonumber), kernel: $kernel,
		   date: $date, loadavg_before: $lb, loadavg_after: $la},
		  quick: ($quick == "yes"), results: .}' "$raw" >"$out.tmp" &&
		mv "$out.tmp" "$out"
else
	echo "run-bench: jq missing or results unreadable; raw results copied" >&2
	cp "$raw" "$out" 2>/dev/null
fi
echo
echo "machine: $(nproc) x $cpu, $(uname -r), $started; load average $load_before -> $load_after"
echo "figures written to $out"
if [ "$rc" -ne 0 ]; then
	echo "run-bench: hvmlink-bench failed ($rc); logs in $XS_TEST_DIR" >&2
	export XS_KEEP=1	# read by the harness's EXIT trap
fi
exit "$rc"
