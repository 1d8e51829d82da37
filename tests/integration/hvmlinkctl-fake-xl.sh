#!/bin/bash
# A stand-in for xl in hvmlinkctl launch tests (the real xl needs Xen; the
# real run is the e2e test).  It does the toolstack's xenstore part
# honestly: create -p makes the domain exist (stand-in domain file,
# /local/domain/D with name and domid, XS_INTRODUCE), destroy undoes it
# (home removed, domain dying then gone, so @releaseDomain fires), and
# every call is appended to $FAKE_XL_LOG.  $FAKE_XL_FAIL=create|unpause
# makes that verb fail (exit 1) as xl would.
set -u
log=${FAKE_XL_LOG:?FAKE_XL_LOG not set}
hb=$top_builddir/tests/harness
echo "$*" >>"$log"

sim_set() {
	[ -n "${XENSIM_DIR:-}" ] || return 0
	mkdir -p "$XENSIM_DIR/domains"
	if [ "$2" = absent ]; then rm -f "$XENSIM_DIR/domains/$1"
	else printf '%s\n' "$2" >"$XENSIM_DIR/domains/$1.new" && mv -f "$XENSIM_DIR/domains/$1.new" "$XENSIM_DIR/domains/$1"
	fi
	"$hb/xs-virq-kick"
}

verb=${1:-}
[ "${FAKE_XL_FAIL:-}" != "$verb" ] || { echo "libxl: error: fake failure of $verb" >&2; exit 1; }
case $verb in
create)
	shift
	[ "${1:-}" = -p ] || { echo "fake xl: only create -p is supported" >&2; exit 1; }
	cfg=${2:?config}
	[ -r "$cfg" ] || { echo "fake xl: cannot read $cfg" >&2; exit 1; }
	name=$(sed -n 's/^[[:space:]]*name[[:space:]]*=[[:space:]]*["'\'']\([^"'\'']*\)["'\''].*/\1/p' "$cfg" | head -n 1)
	[ -n "$name" ] || { echo "fake xl: no name in $cfg" >&2; exit 1; }
	d=1
	while xenstore-read "/local/domain/$d/domid" >/dev/null 2>&1; do d=$((d + 1)); done
	sim_set "$d" running
	# libxl__domain_make: the VM's UUID (from the config, else a new
	# one) linked from the domain's home.
	uuid=$(sed -n 's/^[[:space:]]*uuid[[:space:]]*=[[:space:]]*["'\'']\([^"'\'']*\)["'\''].*/\1/p' "$cfg" | head -n 1)
	[ -n "$uuid" ] || uuid=$(cat /proc/sys/kernel/random/uuid)
	xenstore-write "/local/domain/$d/domid" "$d" "/local/domain/$d/name" "$name" \
		"/local/domain/$d/vm" "/vm/$uuid" "/vm/$uuid/uuid" "$uuid" \
		"/vm/$uuid/name" "$name" &&
		xenstore-chmod "/local/domain/$d" n0 "r$d" &&
		"$hb/xs-introduce" "$d" || exit 1
	echo "Parsing config from $cfg"
	;;
unpause)
	xenstore-read "/local/domain/${2:?domid}/domid" >/dev/null 2>&1 || { echo "fake xl: no domain $2" >&2; exit 1; }
	;;
destroy)
	d=${2:?domid}
	xenstore-rm "/local/domain/$d" 2>/dev/null
	sim_set "$d" dying
	sim_set "$d" absent
	;;
*)
	echo "fake xl: unsupported: $*" >&2
	exit 1
	;;
esac
exit 0
