#!/bin/sh
# Obtain Debian's real C xenstored without installing xen-utils-4.17
# (installing it would pull udev and systemd into a build machine): the
# package is downloaded with apt-get and unpacked into a cache directory.
# Idempotent: when the binary is already there, nothing is downloaded.
# Prints the path of the xenstored binary.
#
# Usage: get-xenstored.sh [--force]
#   HVMLINK_CACHE  cache directory (default /var/cache/hvmlink as root,
#                  else ~/.cache/hvmlink); the package goes to
#                  $HVMLINK_CACHE/xen-utils
# The version downloaded is the one of the installed Xen libraries
# (libxenmisc4.17), so xenstored and libxenctrl match; if apt no longer
# offers that version, the candidate version is taken.
set -eu

pkg=xen-utils-4.17
rel=usr/lib/xen-4.17/bin/xenstored

if [ -n "${HVMLINK_CACHE:-}" ]; then
	cache=$HVMLINK_CACHE
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/hvmlink
else
	cache=${HOME:?HOME is not set}/.cache/hvmlink
fi
dest=$cache/xen-utils

if [ "${1:-}" = --force ]; then
	rm -rf "$dest"
elif [ $# -gt 0 ]; then
	echo "usage: get-xenstored.sh [--force]" >&2
	exit 2
fi

if [ -x "$dest/$rel" ]; then
	echo "$dest/$rel"
	exit 0
fi

for tool in apt-get dpkg-deb dpkg-query; do
	command -v "$tool" >/dev/null 2>&1 || { echo "get-xenstored: $tool not found (Debian only)" >&2; exit 1; }
done

mkdir -p "$cache"
work=$(mktemp -d "$cache/.get-xenstored.XXXXXX")
trap 'rm -rf "$work"' EXIT

libver=$(dpkg-query -W -f='${Version}' libxenmisc4.17 2>/dev/null || true)
# apt-get download writes into the current directory.  As root it warns
# that the download is unsandboxed; that is expected here.
(
	cd "$work"
	{ [ -n "$libver" ] && apt-get download -q "$pkg=$libver"; } ||
		apt-get download -q "$pkg"
) >&2 || { echo "get-xenstored: apt-get download $pkg failed" >&2; exit 1; }

deb=
for f in "$work/$pkg"_*.deb; do [ -f "$f" ] && deb=$f; done
[ -n "$deb" ] || { echo "get-xenstored: no $pkg package downloaded" >&2; exit 1; }
mkdir "$work/root"
dpkg-deb -x "$deb" "$work/root"
[ -x "$work/root/$rel" ] || { echo "get-xenstored: $deb has no $rel" >&2; exit 1; }

# Publish atomically: a concurrent run either sees the whole tree or none.
if ! mv -T "$work/root" "$dest" 2>/dev/null; then
	[ -x "$dest/$rel" ] || { echo "get-xenstored: cannot install into $dest" >&2; exit 1; }
fi
echo "$dest/$rel"
