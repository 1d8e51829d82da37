# src/ioreq: build fragment (owned by this directory)
# The Xen ioreq server (the Xen-facing half of hvmlinkd).  Link
# src/ioreq/libioreq.la; it brings libcommon and the Xen libraries.
noinst_LTLIBRARIES += src/ioreq/libioreq.la
src_ioreq_libioreq_la_SOURCES = \
	src/ioreq/ioreq.h \
	src/ioreq/ioreq-internal.h \
	src/ioreq/server.c \
	src/ioreq/pages.c \
	src/ioreq/dispatch.c \
	src/ioreq/execute.c \
	src/ioreq/bus-xen.c \
	src/ioreq/guest.c \
	src/ioreq/range.h \
	src/ioreq/range.c \
	src/ioreq/bufring.h \
	src/ioreq/bufring.c \
	src/ioreq/guestmem.h \
	src/ioreq/guestmem.c
src_ioreq_libioreq_la_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
src_ioreq_libioreq_la_LIBADD = src/common/libcommon.la $(XEN_LIBS)

# Unit tests of the pure helpers (no Xen calls).
IOREQ_UNIT_TESTS = \
	tests/unit/ioreq-range-test \
	tests/unit/ioreq-bufring-test \
	tests/unit/ioreq-guestmem-test \
	tests/unit/ioreq-execute-test
check_PROGRAMS += $(IOREQ_UNIT_TESTS)
TESTS += $(IOREQ_UNIT_TESTS)

tests_unit_ioreq_range_test_SOURCES = tests/unit/ioreq-range-test.c
tests_unit_ioreq_range_test_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_ioreq_range_test_LDADD = src/ioreq/libioreq.la $(GLIB_LIBS)

tests_unit_ioreq_bufring_test_SOURCES = tests/unit/ioreq-bufring-test.c
tests_unit_ioreq_bufring_test_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(XEN_CFLAGS) -pthread
tests_unit_ioreq_bufring_test_LDADD = src/ioreq/libioreq.la $(GLIB_LIBS) -lpthread

tests_unit_ioreq_guestmem_test_SOURCES = tests/unit/ioreq-guestmem-test.c
tests_unit_ioreq_guestmem_test_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_ioreq_guestmem_test_LDADD = src/ioreq/libioreq.la $(GLIB_LIBS)

tests_unit_ioreq_execute_test_SOURCES = tests/unit/ioreq-execute-test.c
tests_unit_ioreq_execute_test_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(XEN_CFLAGS)
tests_unit_ioreq_execute_test_LDADD = src/ioreq/libioreq.la $(GLIB_LIBS)

# Integration: the layer with a toy device (ioreq-toydm) under the Xen
# stand-in, driven by a test playing hypervisor and guest (xensim.h).
check_PROGRAMS += tests/integration/ioreq-toydm tests/integration/ioreq-sim-test
TESTS += tests/integration/ioreq-sim-test \
	tests/integration/ioreq-sim-valgrind.sh
dist_check_SCRIPTS += tests/integration/ioreq-sim-valgrind.sh
XENSIM_CHECKED_BINARIES += tests/integration/ioreq-toydm

tests_integration_ioreq_toydm_SOURCES = \
	tests/integration/ioreq-toydm.c tests/integration/ioreq-toydm.h
tests_integration_ioreq_toydm_LDADD = src/ioreq/libioreq.la

tests_integration_ioreq_sim_test_SOURCES = \
	tests/integration/ioreq-sim-test.c tests/integration/ioreq-toydm.h
tests_integration_ioreq_sim_test_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) -pthread
tests_integration_ioreq_sim_test_LDADD = tests/xensim/libxensim-hv.la \
	$(GLIB_LIBS) -lpthread

# Benchmark (not a test): tests/bench/ioreq-bench.sh from the build dir.
check_PROGRAMS += tests/bench/ioreq-bench tests/bench/ioreq-bench-minimal
XENSIM_CHECKED_BINARIES += tests/bench/ioreq-bench-minimal
dist_noinst_SCRIPTS += tests/bench/ioreq-bench.sh
EXTRA_DIST += docs/ioreq.md
tests_bench_ioreq_bench_SOURCES = tests/bench/ioreq-bench.c
tests_bench_ioreq_bench_CFLAGS = $(AM_CFLAGS) -pthread
tests_bench_ioreq_bench_LDADD = tests/xensim/libxensim-hv.la -lpthread
tests_bench_ioreq_bench_minimal_SOURCES = tests/bench/ioreq-bench-minimal.c
tests_bench_ioreq_bench_minimal_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_bench_ioreq_bench_minimal_LDADD = $(XEN_LIBS) -lpthread
