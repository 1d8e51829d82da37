# shellcheck shell=bash
# ctl-lib.sh: helpers for the hvmlinkctl tests (hvmlinkctl*.sh).  Source
# after tests/harness/xenstored.sh and tests/integration/xs-lib.sh.

CTL_SCHEMA="$top_srcdir/docs/hvmlinkctl.schema.json"

# expect_exit CODE STDERR-REGEX CMD...: run CMD with stdout in
# $XS_TEST_DIR/out and stderr in .../err; check the exit status and, if
# the regex is not empty, that stderr is one line matching it.
expect_exit() {
	local want=$1 re=$2 rc=0 err
	shift 2
	"$@" >"$XS_TEST_DIR/out" 2>"$XS_TEST_DIR/err" || rc=$?
	err=$(cat "$XS_TEST_DIR/err")
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want (stderr: $err)"
	if [ -n "$re" ]; then
		[ "$(wc -l <"$XS_TEST_DIR/err")" -eq 1 ] || fail "'$*': stderr is not one line: $err"
		echo "$err" | grep -qE -- "$re" || fail "'$*': stderr '$err' does not match /$re/"
	fi
}

# The Python that has Debian's python3-jsonschema (scripts/deps.d).
CTL_PY=
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import jsonschema' 2>/dev/null; then CTL_PY=$py; break; fi
done
ctl_require_jsonschema() {
	[ -n "$CTL_PY" ] && return 0
	if [ "${CI:-}" = true ]; then
		echo "FAIL (CI=true): python3-jsonschema is not installed" >&2
		exit 1
	fi
	echo "SKIP: python3-jsonschema is not installed (apt-get install python3-jsonschema)" >&2
	exit 77
}

# json_check DEF FILE [--lines]: FILE is valid UTF-8 and valid against
# the schema's DEF (status, list, event).
json_check() {
	"$CTL_PY" "$top_srcdir/tests/integration/json-validate.py" "$CTL_SCHEMA" "$@" >"$XS_TEST_DIR/schema.err" 2>&1 ||
		fail "$2 does not match the schema's $1: $(cat "$XS_TEST_DIR/schema.err") -- $(head -c 2000 "$2")"
}

# json_py FILE PYTHON-CODE: run code with s = the parsed JSON of FILE
# (a list of objects with --lines as FILE's second word).
json_py() {
	local file=$1 code=$2
	"$CTL_PY" - "$file" <<PY || fail "check on $file failed: $(head -c 2000 "$file")"
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
$code
PY
}

# text_is_clean FILE: only printable ASCII and newlines reach the
# terminal.
text_is_clean() {
	if LC_ALL=C grep -q '[^ -~]' "$1"; then
		fail "$1 has bytes outside printable ASCII: $(od -c "$1" | head -20)"
	fi
}

# The version every --version prints.
PACKAGE_VERSION=$(sed -n 's/^AC_INIT(\[hvmlink\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
