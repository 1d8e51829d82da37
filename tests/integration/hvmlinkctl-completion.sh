#!/bin/bash
# The bash completion for hvmlinkctl (xenstore/completion/hvmlinkctl), run
# the way bash runs it: the file sourced, COMP_WORDS/COMP_CWORD set,
# the function complete -p names called, COMPREPLY checked.  Domain names,
# ids, hint keys and display numbers come from the real xenstored.
set -u
. "$top_srcdir/tests/harness/xenstored.sh"
. "$top_srcdir/tests/integration/xs-lib.sh"
xs_require
xs_sim_init
xs_start || fail "xenstored did not start"
make_domain 3 web1
make_domain 4 db
xenstore-write "$(ROOT_OF 3)/displays" 2
"$CTL" hint web1 key motd hi && "$CTL" hint web1 key role web || fail "hint"
U=6ba7b810-9dad-11d1-80b4-00c04fd430c8
xenstore-write /local/domain/4/vm "/vm/$U" "/local/domain/0/hvmlink/vm/$U/hints/kv/colour" blue
# A VM with hints and no domain (what forget takes).
G=0f3a1b2c-1d2e-4f50-8a6b-7c8d9e0f1a2b
xenstore-write "/local/domain/0/hvmlink/vm/$G/name" old "/local/domain/0/hvmlink/vm/$G/hints/kv/k" v

# shellcheck source=/dev/null
. "$top_srcdir/xenstore/completion/hvmlinkctl"
func=$(complete -p hvmlinkctl | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
[ -n "$func" ] || fail "the file registers no completion function for hvmlinkctl"

# complete_is "EXPECTED WORDS" WORD...: complete the last WORD (may be '').
complete_is() {
	local want=$1 got
	shift
	COMP_WORDS=(hvmlinkctl "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$func" hvmlinkctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	want=$(printf '%s\n' $want | sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] || fail "completing 'hvmlinkctl $*': got '$got', expected '$want'"
}

complete_is "hint hints forget status list watch wait-ready launch" ''
complete_is "status" st
complete_is "wait-ready watch" w
complete_is "--run-dir --help --version" --
complete_is "status" --run-dir /tmp st
pass "commands and global options"

complete_is "3 4 web1 db" status ''
complete_is "web1" hint w
complete_is "db" wait-ready d
complete_is "--json --help --version" status --
complete_is "--json --help --version" list --
complete_is "--timeout --help --version" wait-ready --
complete_is "--timeout --hvmlinkd --help --version" launch --
pass "domains by id and name, per-command options"

complete_is "display key" hint web1 ''
complete_is "motd role" hint web1 key ''
complete_is "role" hint 3 key r
complete_is "colour" hint db key ''
complete_is "--delete" hint web1 key motd ''
complete_is "0 1 off" hint web1 display ''
complete_is "--clear --help --version" hint --
complete_is "0 1" hint --clear web1 display ''
complete_is "motd role" hint --clear web1 key ''
complete_is "" hint --clear web1 key motd ''
pass "hint kinds, keys (by domain and by VM), display numbers"

# hints and forget: VMs too; forget only those without a domain.
complete_is "export import" hints ''
complete_is "old" hints export o
complete_is "db" hints import d
complete_is "$G" hints import "${G:0:4}"
complete_is "old $G" forget ''
complete_is "old" hint ol
complete_is "--state-dir --help --version" forget --
mkdir -p "$XS_TEST_DIR/statedir"
complete_is "$XS_TEST_DIR/statedir" forget --state-dir "$XS_TEST_DIR/stat"
pass "hints export|import, forget: VMs without a domain"

cfgdir=$XS_TEST_DIR/cfgs
mkdir -p "$cfgdir" && : >"$cfgdir/guest.cfg"
complete_is "$cfgdir/guest.cfg" launch "$cfgdir/gu"
complete_is "$cfgdir/guest.cfg" launch --timeout 5 "$cfgdir/gu"
pass "launch completes CONFIG files"
exit 0
