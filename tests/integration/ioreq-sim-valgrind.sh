#!/bin/sh
# ioreq-sim-test with the device model (ioreq-toydm: the real src/ioreq)
# under valgrind: any invalid access or definite/indirect leak makes the
# device model exit 99 and the test's exit-status checks fail.
# Skips (77) in sanitizer builds (ASan and valgrind exclude each other)
# and when valgrind is missing, except under CI=true.
test_bin="${top_builddir:-.}/tests/integration/ioreq-sim-test"
# HVMLINK_SANITIZERS is the configure choice; the ldd check also catches
# a sanitizer build where it is not passed on.
if [ "$HVMLINK_SANITIZERS" = yes ] ||
   ldd "$test_bin" 2>/dev/null | grep -q libasan; then
	echo "ioreq-sim-valgrind: sanitizer build, valgrind cannot run" >&2
	exit 77
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "ioreq-sim-valgrind: valgrind not installed" >&2
	[ "$CI" = true ] && exit 1
	exit 77
fi
IOREQ_TOYDM_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
# valgrind slows the device model down a lot: give the guest more time
# per access, and soak for less (the soak runs without valgrind already).
XENSIM_TIMEOUT_MS=${XENSIM_TIMEOUT_MS:-60000}
IOREQ_SOAK_SECONDS=${IOREQ_VALGRIND_SOAK_SECONDS:-2}
export IOREQ_TOYDM_WRAPPER XENSIM_TIMEOUT_MS IOREQ_SOAK_SECONDS
exec "$test_bin"
