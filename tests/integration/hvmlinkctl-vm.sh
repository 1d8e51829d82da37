#!/bin/bash
# Hints belong to the VM, not to the domain id: hvmlinkctl resolves a
# domain id or name, a VM UUID or a gone VM's recorded name to the VM; a
# new domain of the same VM (reboot, restore) gets the hints again; hint
# --clear, hints export / import (all-or-nothing) and forget.  Real
# xenstored, the xenstore layer's driver as the daemon.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
xs_require
xs_sim_init
xs_start || fail "xenstored did not start"

expect_exit() {	# CODE STDERR-REGEX CMD...
	local want=$1 re=$2 rc=0 err
	shift 2
	"$@" >"$XS_TEST_DIR/out" 2>"$XS_TEST_DIR/err" || rc=$?
	err=$(cat "$XS_TEST_DIR/err")
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want (stderr: $err)"
	if [ -n "$re" ]; then
		echo "$err" | grep -qE -- "$re" || fail "'$*': stderr '$err' does not match /$re/"
	fi
}

U=$(UUID_OF 3)
H=$(VM_ROOT "$U")
make_domain 3 web "$U"

# By domain name, by id, by UUID (upper case too): all the same VM.
expect_exit 0 '' "$CTL" hint web display 1024x768
expect_read "$H/hints/display/0" 1024x768
expect_exit 0 '' "$CTL" hint 3 key motd "hello"
expect_read "$H/hints/kv/motd" hello
expect_exit 0 '' "$CTL" hint "$(echo "$U" | tr a-f A-F)" key other x
expect_read "$H/hints/kv/other" x
expect_read "$H/name" web
expect_absent "$(ROOT_OF 3)/hints"
pass "hints are written under the VM's UUID, whatever names the domain"

# A daemon for the domain gets them; the domain is destroyed (libxl
# removes its home and /vm/UUID) and the VM comes back as domain 8 (a
# reboot): the hints apply again, by the VM's name.
drv_start --domid 3
drv_wait '^display 0 1024x768\+0\+0$' 1 || fail "hint not delivered to domain 3"
drv_wait '^kv-set motd 5 hello$' 1 || fail "kv not delivered to domain 3"
xenstore-rm "/vm/$U" /local/domain/3
xs_sim_domain_destroy 3
drv_wait '^domain-gone$' 1 || fail "domain 3 not gone"
wait "$DRV_PID" || fail "driver of domain 3 exited non-zero"
DRV_PID=
expect_absent "$(ROOT_OF 3)"
expect_read "$H/hints/display/0" 1024x768
make_domain 8 web "$U"
drv_start --domid 8 --displays 2
drv_wait '^display 0 1024x768\+0\+0$' 1 || fail "hint not delivered to the VM's new domain"
drv_wait '^kv-set motd 5 hello$' 1 || fail "kv not delivered to the VM's new domain"
expect_read "$(ROOT_OF 8)/vm" "$U"
expect_exit 0 '' "$CTL" hint web display 800x600
drv_wait '^display 0 800x600\+0\+0$' 1 || fail "new hint not delivered to domain 8"
pass "a new domain of the VM (new id) gets its hints again"

# hint --clear: one key, one display, everything.
expect_exit 0 '' "$CTL" hint --clear web key other
drv_wait '^kv-delete other$' 1 || fail "cleared key not deleted in the guest"
expect_exit 2 'has no key "other"' "$CTL" hint --clear web key other
expect_exit 0 '' "$CTL" hint --clear web display 0
expect_absent "$H/hints/display/0"
expect_exit 0 '' "$CTL" hint web display 1 640x480
expect_exit 0 '' "$CTL" hint --clear web
drv_wait '^kv-delete motd$' 1 || fail "clear-all did not delete motd"
expect_absent "$H/hints/display/1"
expect_absent "$H/hints/kv/motd"
expect_exit 0 '' "$CTL" hint web key back again
drv_wait '^kv-set back 5 again$' 1 || fail "hint after clear-all not delivered"
pass "hint --clear"

# export / import: round trip with awkward values, all-or-nothing.
expect_exit 0 '' "$CTL" hint web display 0 1920x1080@32+0+0
xenstore-write "$H/hints/kv/spaces" "a b%c" || fail write
xenstore-write "$H/hints/kv/empty" "" || fail write
drv_wait '^kv-set empty 0 $' 1 || fail "empty not delivered"
expect_exit 0 '' "$CTL" hints export web
cp "$XS_TEST_DIR/out" "$XS_TEST_DIR/exported"
grep -qx 'display 0 1920x1080@32+0+0' "$XS_TEST_DIR/exported" || fail "export: $(cat "$XS_TEST_DIR/exported")"
grep -qx 'key spaces =a%20b%25c' "$XS_TEST_DIR/exported" || fail "export: $(cat "$XS_TEST_DIR/exported")"
grep -qx 'key empty =' "$XS_TEST_DIR/exported" || fail "export: $(cat "$XS_TEST_DIR/exported")"
# Into another VM that has no domain (by UUID), then read back.
U2=00000000-0000-4000-8000-0000000000aa
expect_exit 0 '' "$CTL" hints import "$U2" <"$XS_TEST_DIR/exported"
grep -q "imported 4 hints into VM $U2" "$XS_TEST_DIR/out" || fail "import said: $(cat "$XS_TEST_DIR/out")"
expect_read "$(VM_ROOT "$U2")/hints/kv/spaces" "a b%c"
expect_read "$(VM_ROOT "$U2")/hints/kv/back" again
expect_read "$(VM_ROOT "$U2")/hints/display/0" 1920x1080@32+0+0
expect_exit 0 '' "$CTL" hints export "$U2"
diff <(grep -v '^#' "$XS_TEST_DIR/exported" | sort) <(grep -v '^#' "$XS_TEST_DIR/out" | sort) ||
	fail "export of the imported VM differs"
# A bad line anywhere: nothing is written, the old hints stay.
printf 'display 0 800x600\nkey ok =1\nkey bad =a b\n' >"$XS_TEST_DIR/bad"
expect_exit 2 '^hvmlinkctl: line 3: expected' "$CTL" hints import "$U2" <"$XS_TEST_DIR/bad"
expect_read "$(VM_ROOT "$U2")/hints/display/0" 1920x1080@32+0+0
expect_absent "$(VM_ROOT "$U2")/hints/kv/ok"
for bad in 'display 0 1920x1080@33' 'display 16 800x600' 'key a.b =x' 'key k =%4' \
	'key k =%4g' 'frob x y' 'display 0' 'key k v'; do
	printf '%s\n' "$bad" >"$XS_TEST_DIR/bad"
	expect_exit 2 '^hvmlinkctl: line 1: ' "$CTL" hints import "$U2" <"$XS_TEST_DIR/bad"
done
printf 'key k =1\nkey k =2\n' >"$XS_TEST_DIR/bad"
expect_exit 2 'given twice' "$CTL" hints import "$U2" <"$XS_TEST_DIR/bad"
# Import into the running VM replaces its hints: keys not in the file go.
printf '# only this\nkey solo =yes\n' >"$XS_TEST_DIR/solo"
expect_exit 0 '' "$CTL" hints import web <"$XS_TEST_DIR/solo"
drv_wait '^kv-set solo 3 yes$' 1 || fail "imported key not delivered"
drv_wait '^kv-delete back$' 1 || fail "key not in the import not deleted"
expect_absent "$H/hints/display/0"
pass "hints export / import"

# forget: refused while the VM runs; afterwards by its recorded name, and
# the VM's device state file goes too.
expect_exit 2 'is running as domain 8' "$CTL" forget web
drv_quit
xenstore-rm "/vm/$U" /local/domain/8
xs_sim_domain_destroy 8
mkdir -p "$XS_TEST_DIR/state/vm"
echo x >"$XS_TEST_DIR/state/vm/$U.state"
expect_exit 0 '' "$CTL" hint web key later 1
expect_read "$H/hints/kv/later" 1
expect_exit 0 '' "$CTL" forget web --state-dir "$XS_TEST_DIR/state"
grep -q "forgot VM $U: hints, device state" "$XS_TEST_DIR/out" || fail "forget said: $(cat "$XS_TEST_DIR/out")"
expect_absent "$H"
[ ! -e "$XS_TEST_DIR/state/vm/$U.state" ] || fail "state file not removed"
expect_exit 3 'no domain or VM "web"' "$CTL" forget web
expect_exit 3 "keeps nothing for VM $U" "$CTL" forget "$U" --state-dir "$XS_TEST_DIR/state"
pass "forget"
exit 0
