#!/bin/sh
# Run the ioreq benchmark (tests/bench/ioreq-bench.c) from a build dir:
#   tests/bench/ioreq-bench.sh            (from the build directory)
#   IOREQ_BENCH_RUNS=7 IOREQ_BENCH_SECONDS=2 tests/bench/ioreq-bench.sh
# Builds what it needs, then prints the table.  Not a test.
set -e
top_builddir=${top_builddir:-$(pwd)}
export top_builddir
make -s tests/bench/ioreq-bench tests/bench/ioreq-bench-minimal \
	tests/integration/ioreq-toydm tests/xensim/libxensim.la \
	tests/xensim/xensim-run
XENSIM_RUN="$top_builddir/tests/xensim/xensim-run"
export XENSIM_RUN
exec "$top_builddir/tests/bench/ioreq-bench"
