# shellcheck shell=bash
# Debian 12 chroots for the packages stage (sourced, never run).
#
# Two cached chroots, each in $HVMLINK_CACHE/packages/NAME-<hash> where
# the hash covers what went into it (this file, the mirrors, the package
# lists), so a second run costs nothing:
#   base   debootstrap --variant=minbase bookworm, upgraded, apt lists
#          fetched: the "clean Debian 12" the host and guest packages are
#          installed in
#   build  base + the guest-only build dependencies of debian/control
#          (profile pkg.hvmlink.nohost: no libxen-dev), dkms and the
#          headers of one kernel
# Tests never change a cached chroot: each runs in an overlay of one
# (pkg_session), thrown away afterwards.

# shellcheck source=../e2e/e2e-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/e2e-lib.sh"   # e2e_mirror, e2e_hash

pkg_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pkg_top=$(cd "$pkg_lib/../.." && pwd)
pkg_cache=$HVMLINK_CACHE/packages

pkg_say() { printf 'packages: %s\n' "$*" >&2; }
pkg_die() { printf 'packages: error: %s\n' "$*" >&2; exit 1; }

# Run a command in chroot DIR with a sane environment.
pkg_chroot() {
	local dir=$1; shift
	chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# Mount what apt, dpkg and DKMS need in DIR; called inside a private
# mount namespace (pkg_session), so nothing outlives the session.
pkg_mounts() {
	local dir=$1
	mount -t proc proc "$dir/proc"
	mkdir -p "$dir/dev/pts"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$dir/dev/pts"
	mount -t tmpfs tmpfs "$dir/tmp"
	mount -t tmpfs tmpfs "$dir/run"
	mkdir -p "$pkg_cache/apt-archives/partial" "$dir/var/cache/apt/archives"
	# Downloaded .debs are kept between runs.
	mount --bind "$pkg_cache/apt-archives" "$dir/var/cache/apt/archives"
}

# Finish a chroot under construction in TMP, then move it to DEST.
pkg_commit() {
	local tmp=$1 dest=$2
	touch "$tmp/.pkg-complete"
	rm -rf "$dest"
	mv "$tmp" "$dest"
}

# Chroots of older inputs are dead weight.
pkg_prune() {
	local name=$1 keep=$2
	find "$pkg_cache" -maxdepth 1 -name "$name-*" ! -name "$(basename "$keep")" \
		! -name '*.tmp.*' -exec rm -rf {} +
}

# pkg_base_chroot: print the path of the clean bookworm chroot.
pkg_base_chroot() {
	local mirror security key dest tmp
	mirror=$(e2e_mirror bookworm) || pkg_die "no bookworm mirror in the apt sources"
	security=$(e2e_mirror bookworm-security || true)
	key=$( { sed -n '/^# BASE-BEGIN/,/^# BASE-END/p' "$pkg_lib/chroot-lib.sh"
		echo "$mirror" "$security"; } | e2e_hash)
	dest=$pkg_cache/base-$key
	if [ -f "$dest/.pkg-complete" ]; then echo "$dest"; return 0; fi
	mkdir -p "$pkg_cache"
	tmp=$dest.tmp.$$
	rm -rf "$tmp"
# BASE-BEGIN (the part of this file the base chroot's hash covers)
	# A current Debian 12: the point release plus updates and security.
	pkg_say "debootstrap bookworm (minbase) from $mirror"
	debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
		{ tail -n 20 "$tmp.log" >&2; rm -rf "$tmp"; pkg_die "debootstrap failed (log: $tmp.log)"; }
	{
		echo "deb $mirror bookworm main"
		echo "deb $mirror bookworm-updates main"
		[ -z "$security" ] || echo "deb $security bookworm-security main"
	} >"$tmp/etc/apt/sources.list"
	# Services never start in a chroot.
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	(
		unshare --mount --propagation private bash -c '
			. "$1"; pkg_mounts "$2"
			pkg_chroot "$2" apt-get update -q &&
			pkg_chroot "$2" apt-get upgrade -y -q' _ "$pkg_lib/chroot-lib.sh" "$tmp"
	) >>"$tmp.log" 2>&1 || { tail -n 20 "$tmp.log" >&2; rm -rf "$tmp"; pkg_die "apt-get update in the chroot failed"; }
# BASE-END
	pkg_commit "$tmp" "$dest"
	mv "$tmp.log" "$dest.log"
	pkg_prune base "$dest"
	echo "$dest"
}

# pkg_build_chroot KREL: print the path of the chroot that can build the
# guest packages (no libxen-dev) and DKMS modules for kernel KREL.
pkg_build_chroot() {
	local krel=$1 base key dest tmp kver kpkg
	base=$(pkg_base_chroot)
	# The same headers package version as this machine's, when installed.
	kver=$(dpkg-query -W -f='${Version}' "linux-headers-$krel" 2>/dev/null || true)
	kpkg="linux-headers-$krel${kver:+=$kver}"
	key=$( { sed -n '/^# BUILD-BEGIN/,/^# BUILD-END/p' "$pkg_lib/chroot-lib.sh"
		cat "$pkg_top/debian/control"; echo "$base $kpkg"; } | e2e_hash)
	dest=$pkg_cache/build-$key
	if [ -f "$dest/.pkg-complete" ]; then echo "$dest"; return 0; fi
	tmp=$dest.tmp.$$
	rm -rf "$tmp"
# BUILD-BEGIN
	pkg_say "build chroot: guest build dependencies, dkms, $kpkg"
	cp -a "$base" "$tmp"
	rm -f "$tmp/.pkg-complete"
	mkdir -p "$tmp/root/control/debian"
	cp "$pkg_top/debian/control" "$tmp/root/control/debian/control"
	printf 'hvmlink (0) unstable; urgency=medium\n\n  * build-dep\n\n -- x <x@x>  Thu, 01 Jan 1970 00:00:00 +0000\n' \
		>"$tmp/root/control/debian/changelog"
	(
		unshare --mount --propagation private bash -c '
			. "$1"; pkg_mounts "$2"
			pkg_chroot "$2" apt-get build-dep -y -q --no-install-recommends \
				-P pkg.hvmlink.nohost /root/control &&
			pkg_chroot "$2" apt-get install -y -q --no-install-recommends \
				dkms "$3"' _ "$pkg_lib/chroot-lib.sh" "$tmp" "$kpkg"
	) >"$tmp.log" 2>&1 || { tail -n 20 "$tmp.log" >&2; rm -rf "$tmp"; pkg_die "setting up the build chroot failed (log: $tmp.log)"; }
	rm -rf "$tmp/root/control"
# BUILD-END
	pkg_commit "$tmp" "$dest"
	mv "$tmp.log" "$dest.log"
	pkg_prune build "$dest"
	echo "$dest"
}

# pkg_session CHROOT SCRIPT [ARGS...]: run the bash SCRIPT (a string) in a
# private mount namespace where $root is a throw-away overlay of CHROOT
# with proc, tmpfs /tmp and /run mounted, and this file sourced (and
# chroot-common.sh in $root/tmp for the checks run inside).  The
# .debs are in $root/debs when PKG_DEBS names their directory; PKG_OUT, a
# directory that the session may write results to, is $root/out.
pkg_session() {
	local base=$1 script=$2 work rc; shift 2
	work=$(mktemp -d "$pkg_cache/session.XXXXXX")
	unshare --mount --propagation private bash -c '
		set -euo pipefail
		. "$1"; base=$2 work=$3 script=$4; shift 4
		mkdir -p "$work/upper" "$work/work" "$work/root"
		mount -t overlay overlay \
			-o "lowerdir=$base,upperdir=$work/upper,workdir=$work/work" "$work/root"
		root=$work/root
		pkg_mounts "$root"
		cp "$pkg_lib/chroot-common.sh" "$root/tmp/"
		if [ -n "${PKG_DEBS:-}" ]; then
			mkdir -p "$root/debs"
			mount --bind "$PKG_DEBS" "$root/debs"
		fi
		if [ -n "${PKG_OUT:-}" ]; then
			mkdir -p "$root/out"
			mount --bind "$PKG_OUT" "$root/out"
		fi
		eval "$script"' _ "$pkg_lib/chroot-lib.sh" "$base" "$work" "$script" "$@" &&
		rc=0 || rc=$?
	rm -rf "$work"
	return $rc
}
