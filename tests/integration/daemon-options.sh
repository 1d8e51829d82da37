#!/usr/bin/env bash
# hvmlinkd's command line: --help and --version work, every bad option is
# refused with exit status 2 and one line on stderr naming the option,
# before anything is touched (no xenstored or Xen needed).
set -u
: "${top_builddir:=.}"
d=$top_builddir/src/daemon/hvmlinkd
fails=0

check() {	# check WANT_STATUS PATTERN ARGS...
	local want=$1 pat=$2 out rc=0
	shift 2
	out=$("$d" "$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: hvmlinkd $*: status $rc, wanted $want ($out)"
		fails=$((fails + 1))
	elif [ -n "$pat" ] && ! printf '%s' "$out" | grep -q -- "$pat"; then
		echo "FAIL: hvmlinkd $*: stderr '$out' lacks '$pat'"
		fails=$((fails + 1))
	elif [ "$want" -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ]; then
		echo "FAIL: hvmlinkd $*: wanted one error line, got: $out"
		fails=$((fails + 1))
	else
		echo "ok: hvmlinkd $* -> $rc${out:+ ($out)}"
	fi
}

help=$("$d" --help) || { echo "FAIL: --help"; exit 1; }
for o in --domid --bdf --pci-ids --displays --log-level --log-target \
	--pid-file --foreground --user --chroot; do
	printf '%s' "$help" | grep -q -- "$o" || { echo "FAIL: --help lacks $o"; fails=$((fails + 1)); }
done
"$d" --version | grep -q '^hvmlinkd ' || { echo "FAIL: --version"; fails=$((fails + 1)); }

check 2 "--domid is required"
check 2 "--domid" --domid 0
check 2 "--domid" --domid 32752
check 2 "--domid" --domid -3
check 2 "--domid" --domid 5x
check 2 "--bdf" --domid 5 --bdf 00:20.0
check 2 "--bdf" --domid 5 --bdf 00:1e.8
check 2 "--bdf" --domid 5 --bdf 0:1e.0
check 2 "--bdf" --domid 5 --bdf 0000:00:1e.0x
check 2 "--pci-ids" --domid 5 --pci-ids ffff:0001
check 2 "--pci-ids" --domid 5 --pci-ids 5853
check 2 "--pci-ids" --domid 5 --pci-ids 5853:c200:1
check 2 "--displays" --domid 5 --displays 0
check 2 "--displays" --domid 5 --displays 17
check 2 "--log-level" --domid 5 --log-level loud
check 2 "--log-target" --domid 5 --log-target file
check 2 "--chroot" --domid 5 --chroot relative/dir
check 2 "--pid-file" --domid 5 --pid-file x.pid
check 2 "unexpected argument" --domid 5 extra
check 2 "Unknown option" --domid 5 --frobnicate
# A user that does not exist is refused before anything is set up.
check 1 "no-such-user-hvmlink" --domid 5 --foreground --user no-such-user-hvmlink
check 1 "uid or gid 0" --domid 5 --foreground --user root

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all option checks passed"
