#!/usr/bin/env bash
# End-to-end test of hvmlink on a real Xen 4.17 nested in QEMU (TCG).
#
# Usage: tests/e2e/run-e2e.sh [--build-dir DIR] [options]
#   --build-dir DIR   configured build tree with the project's artifacts
#                     (default: _build/plain, else the source tree)
#   --mode full|probe full: hvmlinkctl launch + hvmlinkd + hvmlink.ko,
#                     agent and CLI in the guest (default);
#                     probe: only the ioreq path, with e2e-ioreq-probe
#   --results DIR     where logs and artifacts go
#                     (default tests/e2e/results/<UTC timestamp>)
#   --retries N       re-create a guest that dies before its first output,
#                     and follow one that dies during its steps, at most
#                     N times (default 3)
#   --reset-after-fair  reboot the guest once, after its fair bench (the
#                     e2e-reboot key its agent obeys): exercises the
#                     following of a guest that died during its steps, as
#                     a triple fault there does; one more guest boot
#   --n N             round trips / port reads of the bench step (default 1000)
#   --pin             Dom0 on one pinned vCPU (slower, steadier under load)
#   --shell           interactive: QEMU on this terminal, Dom0 shell after
#                     the autotest (add --no-autotest to skip it)
#   --timeout S       whole boot and run (default 4500: a loaded host and two guest boots)
#   --build-tree      give Dom0 and the guest the build dir's binaries (a
#                     quick edit loop) instead of the Debian packages
# In full mode Dom0 installs the hvmlink-host package with dpkg -i (the
# step host-package), the guest gets hvmlink-guest's agent and CLI and
# the module DKMS builds from hvmlink-dkms; scripts/build-debs and
# tests/packages/dkms-module.sh build them, or reuse their last build of
# an unchanged tree (the CI's packages stage has just made them).
# Artifacts can also be named one by one (they default to the build dir):
#   --host-deb F --guest-deb F --hvmlinkd F --hvmlinkctl F --probe F
#   --wrapper F --module F --agent F --cli F --fair-bench F
# Environment: HVMLINK_CACHE (default /var/cache/hvmlink): cached images.
# Prints stage timings and ends with "e2e: N passed, N failed"; exit 0
# only if every stage and every scenario step passed.
set -euo pipefail
. "$(dirname "$0")/e2e-lib.sh"

build=
mode=full
results=
retries=3
n=1000
pin= reset_after_fair=
shell=
autotest=1
timeout=4500
from_tree=
declare -A art=()
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) build=$2; shift ;;
	--mode) mode=$2; shift ;;
	--results) results=$2; shift ;;
	--retries) retries=$2; shift ;;
	--reset-after-fair) reset_after_fair=1 ;;
	--n) n=$2; shift ;;
	--pin) pin=1 ;;
	--shell) shell=1 ;;
	--no-autotest) autotest=0 ;;
	--timeout) timeout=$2; shift ;;
	--build-tree) from_tree=1 ;;
	--host-deb | --guest-deb | --hvmlinkd | --hvmlinkctl | --probe | --wrapper | --module | --agent | --cli | --fair-bench)
		art[${1#--}]=$2; shift ;;
	-h | --help) sed -n '2,32p' "$0"; exit 0 ;;
	*) e2e_die "unknown option: $1 (see --help)" ;;
	esac
	shift
done
case $mode in full | probe) ;; *) e2e_die "--mode must be full or probe" ;; esac
[[ $retries =~ ^[0-9]+$ && $n =~ ^[1-9][0-9]*$ ]] || e2e_die "--retries and --n take numbers"
if [ -z "$build" ]; then
	if [ -d "$e2e_top/_build/plain" ]; then build=$e2e_top/_build/plain; else build=$e2e_top; fi
fi
build=$(cd "$build" && pwd) || e2e_die "no build dir $build"
results=${results:-$e2e_dir/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$results"
results=$(cd "$results" && pwd)

# Whatever happens, the last line counts the scenario steps.
final=
finish() {
	[ -n "$final" ] || final="e2e: 0 passed, 1 failed"
	echo "$final"
}
trap finish EXIT

t_start=$(date +%s)
timing=()
lap() { local t; t=$(date +%s); timing+=("$(printf '  %-14s %5d s' "$1" $((t - t_lap)))"); t_lap=$t; }
t_lap=$t_start

# ------------------------------------------------------------ artifacts
# First existing file among the candidates (build dir, then source tree).
pick() {
	local f
	for f in "$@"; do [ -f "$f" ] && { echo "$f"; return 0; }; done
	return 0
}
find_module() {
	pick "$build/src/guest/linux-kbuild/hvmlink.ko" "$build/src/guest/linux/hvmlink.ko" "$e2e_top/src/guest/linux/hvmlink.ko" \
		"$(find "$build" "$e2e_top/src/guest" -name hvmlink.ko -print -quit 2>/dev/null)"
}
export E2E_HVMLINKD=${art[hvmlinkd]:-$(pick "$build/src/daemon/hvmlinkd" "$build/hvmlinkd")}
export E2E_HVMLINKCTL=${art[hvmlinkctl]:-$(pick "$build/xenstore/hvmlinkctl" "$build/hvmlinkctl")}
export E2E_PROBE=${art[probe]:-}
export E2E_WRAPPER=${art[wrapper]:-$(pick "$build/src/toolstack/qemu-wrapper")}
export E2E_FAIR_BENCH=${art[fair-bench]:-}
export E2E_MODULE=${art[module]:-$(find_module)}
export E2E_AGENT=${art[agent]:-$(pick "$build/src/guest/agent/hvmlink-agent" "$build/hvmlink-agent")}
export E2E_CLI=${art[cli]:-$(pick "$build/src/guest/cli/hvmlink" "$build/hvmlink")}
if [ -z "$E2E_PROBE" ]; then
	if [ -f "$build/Makefile" ]; then
		make -C "$build" tests/e2e/e2e-ioreq-probe >"$results/build-probe.log" 2>&1 ||
			e2e_say "could not build the e2e-ioreq-probe (see $results/build-probe.log)"
	fi
	E2E_PROBE=$(pick "$build/tests/e2e/e2e-ioreq-probe")
fi
# The in-guest fair benchmark is a check program: built only on demand.
if [ -z "$E2E_FAIR_BENCH" ]; then
	if [ -f "$build/Makefile" ]; then
		make -C "$build" tests/bench/hvmlink-fair-bench >"$results/build-fair-bench.log" 2>&1 ||
			e2e_say "could not build hvmlink-fair-bench (see $results/build-fair-bench.log)"
	fi
	E2E_FAIR_BENCH=$(pick "$build/tests/bench/hvmlink-fair-bench")
fi
# The packages: what an administrator installs is what runs.
export E2E_HOST_DEB=${art[host-deb]:-} E2E_GUEST_DEB=${art[guest-deb]:-}
pieces="HVMLINKD HVMLINKCTL WRAPPER MODULE AGENT CLI FAIR_BENCH"
if [ "$mode" = full ] && [ -z "$from_tree" ]; then
	if [ -z "$E2E_HOST_DEB" ] || [ -z "$E2E_GUEST_DEB" ]; then
		e2e_say "the Debian packages: scripts/build-debs (reused if the tree did not change)"
		debs=$("$e2e_top/scripts/build-debs" 2>"$results/build-debs.log") ||
			e2e_die "scripts/build-debs failed (see $results/build-debs.log)"
		E2E_HOST_DEB=${E2E_HOST_DEB:-$(pick "$debs"/hvmlink-host_*.deb)}
		E2E_GUEST_DEB=${E2E_GUEST_DEB:-$(pick "$debs"/hvmlink-guest_*.deb)}
	fi
	# The module as a guest gets it from hvmlink-dkms: DKMS's build for
	# the guest kernel (tests/packages/dkms-module.sh; the packages stage
	# has just made it, a run by hand makes it once per tree).
	if [ -z "${art[module]:-}" ]; then
		krel=$(e2e_kernel_release "") || e2e_die "no linux-headers-*-amd64 to build the module for"
		e2e_say "the module: hvmlink-dkms built by DKMS for $krel"
		E2E_MODULE=$("$e2e_top/tests/packages/dkms-module.sh" "$krel" 2>"$results/dkms-module.log") ||
			e2e_die "the DKMS build of the module failed (see $results/dkms-module.log)"
	fi
	pieces="HOST_DEB GUEST_DEB MODULE FAIR_BENCH"
fi
{
	echo "build dir: $build"
	for v in $pieces PROBE; do
		var=E2E_$v
		printf '%-11s %s\n' "$v" "${!var:-(missing)}"
	done
} | tee "$results/artifacts.txt" | sed 's/^/e2e: /'
if [ "$mode" = full ]; then
	for v in $pieces; do
		var=E2E_$v
		[ -n "${!var}" ] || e2e_say "warning: $v is missing: the steps that need it will fail"
	done
fi

# ------------------------------------------------------------ images
krel=$(e2e_kernel_release "$E2E_MODULE") || e2e_die "cannot tell the guest kernel release"
e2e_say "guest and Dom0 kernel: $krel"
rootfs=$("$e2e_dir/build-rootfs.sh" "$krel") || e2e_die "stage image-build failed (rootfs)"
images=$("$e2e_dir/build-images.sh" base "$rootfs" "$krel") || e2e_die "stage image-build failed (base images)"
lap rootfs+images
"$e2e_dir/build-images.sh" run "$images" "$results" || e2e_die "stage image-build failed (initramfs)"
lap initramfs
ls -l "$results/dom0.cpio" "$results/guest.cpio" | awk '{print "e2e: " $5 " bytes " $9}'

# ------------------------------------------------------------ boot + run
xen_append="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot console_timestamps=boot"
[ -z "$pin" ] || xen_append="$xen_append dom0_max_vcpus=1 dom0_vcpus_pin"
dom0_append="console=hvc0 earlyprintk=xen autotest=$autotest e2e_mode=$mode e2e_retries=$retries e2e_n=$n${reset_after_fair:+ e2e_reset_after_fair=1}"
[ -z "$shell" ] || dom0_append="$dom0_append shell=1"
rc=0
set +o pipefail
/usr/bin/python3 "$e2e_dir/run-vm.py" --xen "$images/xen.elf" --dom0-kernel "$images/dom0-vmlinuz" \
	--initrd "$results/dom0.cpio" --xen-append "$xen_append" --dom0-append "$dom0_append" \
	--results "$results" --timeout "$timeout" ${shell:+--shell} 2>&1 |
	tee "$results/run.log"
rc=${PIPESTATUS[0]}
set -o pipefail
lap boot+run
final=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$results/run.log" | tail -n 1)
# The big images are cached; a results dir keeps only logs.
rm -rf "$results/dom0.cpio" "$results/dom0-overlay" "$results/guest-root"

echo "e2e: host-side timings"
printf '%s\n' "${timing[@]}"
printf '  %-14s %5d s\n' total $(($(date +%s) - t_start))
[ -z "$shell" ] || final="e2e: 0 passed, 0 failed (interactive run)"
[ -n "$final" ] || rc=1
exit "$rc"
