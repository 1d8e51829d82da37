# tests/bench: build fragment (owned by this directory)

# ---- hvmlink-bench (helper H): tests/bench/run-bench.sh runs it -------
# The figures hvmlink is judged by (docs/performance.md).  Built by
# "make check" so it keeps compiling; never part of TESTS (timings are
# not assertions).
check_PROGRAMS += tests/bench/hvmlink-bench tests/bench/hint-floor
tests_bench_hvmlink_bench_SOURCES = \
	tests/bench/bench.h tests/bench/bench-main.c \
	tests/bench/bench-host.c tests/bench/bench-stats.c \
	tests/bench/bench-proc.c tests/bench/bench-proc.h \
	tests/bench/bench-ioreq.c tests/bench/bench-callgrind.c \
	tests/bench/bench-floor.c tests/bench/bench-syscalls.c \
	tests/bench/bench-fair.c \
	tests/bench/bench-hint.c tests/bench/bench-idle.c \
	tests/bench/bench-density.c \
	tests/integration/sim-guest-driver.c \
	tests/integration/sim-guest-driver.h
tests_bench_hvmlink_bench_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS) \
	$(XENSTORE_CFLAGS) -pthread
tests_bench_hvmlink_bench_LDADD = tests/xensim/libxensim-hv.la \
	$(XENSTORE_LIBS) -lpthread -lm

# The hint-latency floor: a bare xenstore watch raising a line.
tests_bench_hint_floor_SOURCES = tests/bench/hint-floor.c tests/bench/bench.h
tests_bench_hint_floor_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS) $(XENSTORE_CFLAGS)
tests_bench_hint_floor_LDADD = $(XEN_LIBS) $(XENSTORE_LIBS)
XENSIM_CHECKED_BINARIES += tests/bench/hint-floor

dist_noinst_SCRIPTS += tests/bench/run-bench.sh
EXTRA_DIST += docs/performance.md

# ---- tests at the floor (issue 13) ------------------------------------
# floor-test: per isolated access, hvmlinkd makes no more system calls
# than the minimal loop and allocates nothing (generous-bound checks of
# what the "syscalls" and "callgrind" sections measure).
check_PROGRAMS += tests/bench/floor-test
tests_bench_floor_test_SOURCES = tests/bench/floor-test.c \
	tests/bench/bench.h tests/bench/bench-host.c \
	tests/bench/bench-stats.c tests/bench/bench-floor.c \
	tests/bench/bench-hint.c \
	tests/integration/sim-guest-driver.c \
	tests/integration/sim-guest-driver.h
tests_bench_floor_test_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS) \
	$(XENSTORE_CFLAGS) -pthread
tests_bench_floor_test_LDADD = tests/xensim/libxensim-hv.la \
	$(XENSTORE_LIBS) -lpthread -lm
# The allocation counter the test preloads into hvmlinkd.  Never
# sanitized: it is preloaded into the shell that starts the daemon too,
# and a sanitizer's allocator would take the calls it counts anyway.
check_LTLIBRARIES += tests/bench/libmalloc-count.la
tests_bench_libmalloc_count_la_SOURCES = tests/bench/malloc-count.c
tests_bench_libmalloc_count_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) \
	-fvisibility=hidden
tests_bench_libmalloc_count_la_LDFLAGS = -module -avoid-version -shared \
	-rpath /nowhere
TESTS += tests/bench/floor-test.sh
dist_noinst_SCRIPTS += tests/bench/floor-test.sh

# fair-test: one source's load does not hold the others (generous bounds
# on what the "fair" section measures).
check_PROGRAMS += tests/bench/fair-test
tests_bench_fair_test_SOURCES = tests/bench/fair-test.c \
	tests/bench/bench.h tests/bench/bench-host.c \
	tests/bench/bench-stats.c tests/bench/bench-fair.c \
	tests/bench/bench-hint.c \
	tests/integration/sim-guest-driver.c \
	tests/integration/sim-guest-driver.h
tests_bench_fair_test_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS) \
	$(XENSTORE_CFLAGS) -pthread
tests_bench_fair_test_LDADD = tests/xensim/libxensim-hv.la \
	$(XENSTORE_LIBS) -lpthread -lm
TESTS += tests/bench/fair-test.sh
dist_noinst_SCRIPTS += tests/bench/fair-test.sh

# The in-guest fair benchmark (the e2e guest's bench step; also by hand in
# any guest with the driver).  Static and never sanitized: the guest is a
# busybox initramfs with no libraries.
check_PROGRAMS += tests/bench/hvmlink-fair-bench
tests_bench_hvmlink_fair_bench_SOURCES = tests/bench/guest-fair-bench.c
tests_bench_hvmlink_fair_bench_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -O2
tests_bench_hvmlink_fair_bench_LDFLAGS = -all-static
