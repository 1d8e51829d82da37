#!/bin/sh
# Inside the build chroot (it has a compiler and pkg-config): install
# hvmlink-dev from /debs and build a program against its headers, found
# through pkg-config.
set -eu
. /tmp/chroot-common.sh

step "apt-get install /debs/hvmlink-dev_*.deb"
apt-get install -y -q --no-install-recommends /debs/hvmlink-dev_*.deb

step "pkg-config hvmlink"
pkg-config --modversion hvmlink
cflags=$(pkg-config --cflags hvmlink)
echo "cflags: $cflags"

step "a program using both headers compiles"
cat >/tmp/use-hvmlink.c <<'C'
#include <hvmlink/protocol.h>
#include <hvmlink/ioctl.h>
int main(void) { return HVMLINK_PROTOCOL_VERSION_MAJOR == 0; }
C
# shellcheck disable=SC2086 # cflags is a word list
cc -std=c11 -Wall -Wextra -Werror $cflags -o /tmp/use-hvmlink /tmp/use-hvmlink.c
/tmp/use-hvmlink || fail "HVMLINK_PROTOCOL_VERSION_MAJOR is 0"
echo "built and ran"
