#!/bin/bash
# A stand-in for xl in hvmlinkctl launch tests (the real xl needs Xen; the
# real run is the e2e test).  It does the toolstack's xenstore part
# honestly: create -p makes the domain exist (stand-in domain file,
# /local/domain/D with name and domid, XS_INTRODUCE), destroy undoes it
# (home removed, domain dying then gone, so @releaseDomain fires), and
# every call is appended to $FAKE_XL_LOG.
#
# Like xl, create picks the lowest free domain id and refuses a name
# that a domain already has, atomically (a lock), so concurrent creates
# behave as with libxl.  With device_model_override in the config it
# plays libxl's part of D3: it runs $HVMLINKD --domid D --daemon (the
# wrapper's hvmlinkd) and waits until it is ready before returning.
#
# $FAKE_XL_START_DM=1 starts that daemon even without the config line;
# =never starts it with --never-ready and does not wait.
# $FAKE_XL_FAIL=create|unpause makes that verb fail (exit 1) as xl would;
# $FAKE_XL_SLOW_CREATE / $FAKE_XL_SLOW_UNPAUSE=SECONDS make create take
# that long after the domain exists (libxl building devices) and unpause
# that long before it acts, so a test can interrupt hvmlinkctl there;
# $FAKE_XL_MARK: a file touched when the slow part starts.
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

slow() {
	[ -n "${1:-}" ] || return 0
	[ -z "${FAKE_XL_MARK:-}" ] || : >"$FAKE_XL_MARK"
	sleep "$1"
}

# config_name FILE [KEY=VALUE...]: name= from the file, overridden by
# later settings (xl's rule).
setting() {
	local key=$1 cfg=$2 v a
	shift 2
	v=$(sed -n "s/^[[:space:]]*$key[[:space:]]*=[[:space:]]*[\"']\\([^\"']*\\)[\"'].*/\\1/p" "$cfg" | tail -n 1)
	for a in "$@"; do
		case $a in "$key="*) v=${a#"$key="}; v=${v//\"/}; v=${v//\'/} ;; esac
	done
	echo "$v"
}

verb=${1:-}
[ "${FAKE_XL_FAIL:-}" != "$verb" ] || { echo "libxl: error: fake failure of $verb" >&2; exit 1; }
case $verb in
create)
	shift
	[ "${1:-}" = -p ] || { echo "fake xl: only create -p is supported" >&2; exit 1; }
	cfg=${2:?config}
	shift 2
	[ -r "$cfg" ] || { echo "fake xl: cannot read $cfg" >&2; exit 1; }
	name=$(setting name "$cfg" "$@")
	[ -n "$name" ] || { echo "fake xl: no name in $cfg" >&2; exit 1; }
	exec 9>>"$log.lock"
	flock 9
	for d in $(xenstore-list /local/domain 2>/dev/null); do
		if [ "$(xenstore-read "/local/domain/$d/name" 2>/dev/null)" = "$name" ]; then
			echo "libxl: error: domain with name \"$name\" already exists." >&2
			exit 3
		fi
	done
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
	flock -u 9
	echo "Parsing config from $cfg" >&2	# xl says this on stderr
	if [ -n "$(setting device_model_override "$cfg" "$@")" ] || [ -n "${FAKE_XL_START_DM:-}" ]; then
		# The wrapper starts hvmlinkd and waits until it is ready.
		if [ "${FAKE_XL_START_DM:-}" = never ]; then
			setsid "${HVMLINKD:?}" --domid "$d" --daemon --never-ready </dev/null >/dev/null 2>&1 &
		else
			setsid "${HVMLINKD:?}" --domid "$d" --daemon </dev/null >/dev/null 2>&1 &
		fi
		i=0
		until [ "${FAKE_XL_START_DM:-}" = never ] ||
			[ "$(xenstore-read "/local/domain/0/hvmlink/$d/state" 2>/dev/null)" = ready ]; do
			i=$((i + 1)); [ $i -lt 600 ] || { echo "fake xl: device model not ready" >&2; exit 1; }
			sleep 0.05
		done
	fi
	slow "${FAKE_XL_SLOW_CREATE:-}"
	;;
unpause)
	slow "${FAKE_XL_SLOW_UNPAUSE:-}"
	xenstore-read "/local/domain/${2:?domid}/domid" >/dev/null 2>&1 || { echo "fake xl: no domain $2" >&2; exit 1; }
	;;
destroy)
	d=${2:?domid}
	vm=$(xenstore-read "/local/domain/$d/vm" 2>/dev/null)
	xenstore-rm "/local/domain/$d" 2>/dev/null
	[ -z "$vm" ] || xenstore-rm "$vm" 2>/dev/null
	sim_set "$d" dying
	sim_set "$d" absent
	;;
*)
	echo "fake xl: unsupported: $*" >&2
	exit 1
	;;
esac
exit 0
