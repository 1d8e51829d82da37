#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Lay out the DKMS source tree of hvmlink.ko in DEST: what a package
# installs as /usr/src/hvmlink-VERSION.  The module builds from it with
# nothing else of the project: dkms.conf, Kbuild, the module sources, the
# request table they share with userspace (req_table.h) and the uapi
# headers under include/hvmlink/.
#
# Usage: dkms-source.sh DEST VERSION
# Exit: 0 done, 2 usage error, 1 anything else.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)

[ $# -eq 2 ] || { echo "usage: dkms-source.sh DEST VERSION" >&2; exit 2; }
dest=$1 version=$2
# dkms.conf is shell, and the version names a directory.
case $version in
'' | *[!A-Za-z0-9.+~_-]*)
	echo "dkms-source.sh: bad VERSION '$version' (letters, digits, . + ~ _ -)" >&2
	exit 2 ;;
esac

mkdir -p "$dest/include/hvmlink"
for f in Kbuild hvmlink_compat.h hvmlink_core.c hvmlink_core.h hvmlink_linux.c; do
	install -m 644 "$here/$f" "$dest/$f"
done
install -m 644 "$top/src/guest/req_table.h" "$dest/req_table.h"
install -m 644 "$top/include/hvmlink/protocol.h" "$top/include/hvmlink/ioctl.h" \
	"$dest/include/hvmlink/"
sed "s/#MODULE_VERSION#/$version/g" "$here/dkms.conf" >"$dest/dkms.conf"
chmod 644 "$dest/dkms.conf"
