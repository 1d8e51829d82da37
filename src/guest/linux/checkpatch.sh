#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's checkpatch.pl on the hvmlink module sources.
#
# checkpatch.pl is not shipped in linux-headers-*, so it is taken from
# Debian's linux-source-6.1 package: "apt-get download" fetches the .deb
# through the machine's own apt sources, and only the three files
# checkpatch needs are extracted from the source tarball inside it.  They
# are cached (HVMLINK_CHECKPATCH_CACHE, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/hvmlink/checkpatch) so later runs are
# offline.
#
# Usage: checkpatch.sh [--fetch-only] [FILE...]
#   with no FILE, checks every .c/.h file of the module directory.
# Exit: 0 clean, 1 checkpatch found something, 77 checkpatch unavailable
# (not under CI=true, where that is an error: 99).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
pkg=${HVMLINK_CHECKPATCH_PKG:-linux-source-6.1}
cache=${HVMLINK_CHECKPATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hvmlink/checkpatch}
fetch_only=no
[ "${1:-}" = --fetch-only ] && { fetch_only=yes; shift; }

unavailable() {
	echo "checkpatch.sh: $*" >&2
	[ "${CI:-}" = true ] && exit 99
	exit 77
}

fetch() {
	command -v apt-get >/dev/null 2>&1 || unavailable "apt-get not found, cannot fetch $pkg"
	tmp=$(mktemp -d)
	# apt drops root to _apt for the download: let it write here.
	chmod 755 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download "$pkg" >/dev/null) ||
		unavailable "apt-get download $pkg failed"
	deb=$(ls "$tmp"/*.deb)
	# The .deb carries /usr/src/linux-source-X.Y.tar.xz; pull just that
	# member out, then just the checkpatch files out of it.
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
	rm -f "$deb"
	src=$(ls "$tmp"/usr/src/linux-source-*.tar.xz)
	tar -x -J -C "$tmp" -f "$src" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	mkdir -p "$cache.new"
	for f in checkpatch.pl spelling.txt const_structs.checkpatch; do
		cp "$(ls "$tmp"/linux-source-*/scripts/$f)" "$cache.new/$f"
	done
	chmod +x "$cache.new/checkpatch.pl"
	# Atomic from a reader's point of view: the cache dir appears whole.
	rm -rf "$cache"
	mv "$cache.new" "$cache"
	rm -rf "$tmp"
	trap - EXIT
}

[ -x "$cache/checkpatch.pl" ] || fetch
[ "$fetch_only" = yes ] && exit 0

if [ $# -eq 0 ]; then
	# The module, the header it shares with userspace, and the uapi.
	set -- "$here"/*.c "$here"/*.h "$here"/../req_table.h \
		"$here"/../../../include/hvmlink/protocol.h \
		"$here"/../../../include/hvmlink/ioctl.h
fi

# include/hvmlink/*.h are uapi headers: checkpatch applies the kernel's
# uapi rules (C99 types and 1 << n allowed, BIT() not exported) only to
# paths under include/uapi/, so they are checked under such a name, from a
# scratch copy; reports name the real file again.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/include/uapi/hvmlink"
n=0
for f in "$@"; do
	case $f in
	*/include/hvmlink/*.h | include/hvmlink/*.h)
		n=$((n + 1))
		cp "$f" "$tmp/include/uapi/hvmlink/$(basename "$f")"
		echo "include/uapi/hvmlink/$(basename "$f") $f" >>"$tmp/map"
		;;
	*) cp "$f" "$tmp/$n.$(basename "$f")"
		echo "$n.$(basename "$f") $f" >>"$tmp/map"
		n=$((n + 1))
		;;
	esac
done

# --no-tree: not run from a kernel tree; spelling.txt and
# const_structs.checkpatch are found next to checkpatch.pl.
# FILE_PATH_CHANGES: not meaningful for files outside a kernel tree.
# shellcheck disable=SC2046 # the names have no spaces (mktemp, basenames)
# --root: where the CamelCase check looks for known identifiers (only
# these headers).
(cd "$tmp" && perl "$cache/checkpatch.pl" --no-tree --root "$tmp" --strict --quiet --terse --show-types \
	--ignore FILE_PATH_CHANGES \
	--max-line-length=100 -f $(cut -d' ' -f1 map)) >"$tmp/out" 2>&1 || true
# A clean file still prints its "total: 0 errors, 0 warnings, 0 checks".
out=$(grep -v '^total: 0 errors, 0 warnings, 0 checks, ' "$tmp/out" || true)
if [ -n "$out" ]; then
	printf '%s\n' "$out" | while IFS= read -r line; do
		name=${line%%:*}
		real=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/map")
		if [ -n "$real" ]; then printf '%s%s\n' "$real" "${line#"$name"}"; else printf '%s\n' "$line"; fi
	done
	exit 1
fi
echo "checkpatch.sh: clean: $*"
exit 0
