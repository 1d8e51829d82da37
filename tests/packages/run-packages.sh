#!/usr/bin/env bash
# The packages stage of scripts/run-tests: are the Debian packages
# complete, clean and installable?
#   build    scripts/build-debs: dpkg-buildpackage -us -uc -b of the tree
#   dist     every file of debian/ goes into the release tarball
#   lintian  every package: no error, no warning (overrides carry a reason)
#   host     hvmlink-host installed into a clean Debian 12 chroot with apt,
#            checked (files, libraries, user, directories, unit), purged
#   guest    the same for hvmlink-guest
#   nohost   in a chroot without libxen-dev: the guest packages built with
#            configure --disable-host (build profile pkg.hvmlink.nohost),
#            their test suite included
#   dev      hvmlink-dev: a program built against its headers via pkg-config
#   dkms     hvmlink-dkms installed where dkms and one kernel's headers are:
#            the module is built and installed for that kernel, then purged;
#            the module is kept in _build/debs/dkms/KREL/ for the e2e
# Chroots are cached in $HVMLINK_CACHE/packages (tests/packages/chroot-lib.sh).
# Ends with "packages: N passed, N failed".  Root only (debootstrap, chroot).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib.sh"
. "$here/chroot-lib.sh"

[ "$(id -u)" = 0 ] || die "the packages stage needs root (debootstrap, chroot, mounts)"
out=$top/_build/debs
logdir=$top/_build/logs
mkdir -p "$logdir"
# The kernel the e2e guest boots: the newest linux-headers-*-amd64 here.
krel=$(e2e_kernel_release "") || die "no linux-headers-*-amd64 under /usr/src"

passed=0
failed=0
check() {
	local name=$1 log=$logdir/packages-$1.log start=$SECONDS; shift
	say "packages: $name"
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "packages: $name: passed ($((SECONDS - start)) s)"
	else
		failed=$((failed + 1))
		echo "packages: $name: FAILED ($((SECONDS - start)) s); last lines of $log:"
		tail -n 25 "$log"
	fi
}

build() { "$top/scripts/build-debs" --out "$out"; }

# Every file of debian/ is in the release tarball (tests/packages/local.mk
# lists them), or a tarball would not build the packages.
dist() {
	local listed known
	listed=$(sed -n 's|^[[:space:]]*\(debian/[^ \\]*\).*|\1|p' "$here/local.mk" | sort)
	known=$(cd "$top" && tree_files | tr '\0' '\n' | grep '^debian/' | sort)
	diff <(echo "$listed") <(echo "$known") && echo "all $(echo "$known" | wc -l) files of debian/ are distributed"
}

lint() {
	lintian --fail-on error,warning --display-info --pedantic "$out"/*.changes
}

# SCRIPT runs inside a session of CHROOT with the .debs in /debs.
in_chroot() {
	local chroot=$1 script=$2; shift 2
	PKG_DEBS=$out pkg_session "$chroot" '
		cp "$pkg_lib/$1" "$root/tmp/"
		shift
		pkg_chroot "$root" env CI="${CI:-}" sh "/tmp/'"$script"'" "$@"' "$script" "$@"
}

host() { local base; base=$(pkg_base_chroot) && in_chroot "$base" chroot-host.sh; }
guest() { local base; base=$(pkg_base_chroot) && in_chroot "$base" chroot-guest.sh; }
dev() { local b; b=$(pkg_build_chroot "$krel") && in_chroot "$b" chroot-dev.sh; }

nohost() {
	local b
	b=$(pkg_build_chroot "$krel") || return 1
	pkg_session "$b" '
		mkdir -p "$root/root/src"
		(cd "$pkg_top" && . scripts/lib.sh && tree_files | tar --null --ignore-failed-read -T - -cf -) |
			tar -xf - -C "$root/root/src"
		cp "$pkg_lib/chroot-nohost.sh" "$root/tmp/"
		pkg_chroot "$root" env CI="${CI:-}" sh /tmp/chroot-nohost.sh'
}

dkms() { "$here/dkms-module.sh" --force "$krel"; }

check build build
if [ "$failed" -gt 0 ]; then
	echo "packages: $passed passed, $failed failed"
	exit 1
fi
check dist dist
check lintian lint
check host host
check guest guest
check nohost nohost
check dev dev
check dkms dkms

echo "packages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
