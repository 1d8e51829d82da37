#!/bin/sh
# docs/protocol.md against include/hvmlink/protocol.h: every constant,
# struct size and field offset the doc states must be the header's, and
# everything the header defines must be in the doc.  protocol-facts is
# built from the header (tests/unit/protocol-doc.py gen-c); the check
# itself is tests/unit/protocol-doc.py check.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PYTHON3:=python3}"
facts=$(mktemp)
trap 'rm -f "$facts"' EXIT
"$top_builddir/tests/unit/protocol-facts" >"$facts"
"$PYTHON3" "$top_srcdir/tests/unit/protocol-doc.py" check \
	"$top_srcdir/docs/protocol.md" \
	"$top_srcdir/include/hvmlink/protocol.h" "$facts"
