# tests/xensim: the Xen stand-in (docs/xensim.md).
#
# libxensim.la      preloaded into a device model in place of
#                   libxendevicemodel/libxenevtchn/libxenforeignmemory
#                   (tests/xensim/.libs/libxensim.so, via xensim-run)
# libxensim-hv.la   the hypervisor + guest side, linked into tests
#                   (API: tests/xensim/xensim.h)
#
# Other directories add binaries that link libxen* to the symbol check:
#   XENSIM_CHECKED_BINARIES += src/daemon/hvmlinkd
XENSIM_CHECKED_BINARIES = tests/xensim/xensim-toydm \
	tests/xensim/xensim-shape-probe

check_LTLIBRARIES += tests/xensim/libxensim.la tests/xensim/libxensim-hv.la

tests_xensim_libxensim_la_SOURCES = \
	tests/xensim/lib-conn.c tests/xensim/lib-conn.h \
	tests/xensim/lib-devicemodel.c tests/xensim/lib-evtchn.c \
	tests/xensim/lib-foreignmemory.c tests/xensim/lib-toolcore.c \
	tests/xensim/proto.c tests/xensim/proto.h
tests_xensim_libxensim_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden $(XEN_CFLAGS)
# -rpath makes libtool build a real shared object in a check library.
tests_xensim_libxensim_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -rpath /nowhere
tests_xensim_libxensim_la_LIBADD = -lpthread -ldl

tests_xensim_libxensim_hv_la_SOURCES = \
	tests/xensim/xensim.h tests/xensim/hv-internal.h \
	tests/xensim/hv.c tests/xensim/hv-domain.c tests/xensim/hv-evtchn.c \
	tests/xensim/hv-ioserver.c tests/xensim/hv-fmem.c \
	tests/xensim/hv-guest.c tests/xensim/hv-spawn.c \
	tests/xensim/proto.c tests/xensim/proto.h
tests_xensim_libxensim_hv_la_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_xensim_libxensim_hv_la_LIBADD = -lpthread

check_PROGRAMS += tests/xensim/xensim-toydm tests/xensim/xensim-selftest \
	tests/xensim/xensim-demo
tests_xensim_xensim_toydm_SOURCES = tests/xensim/toydm.c
tests_xensim_xensim_toydm_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_xensim_xensim_toydm_LDADD = $(XEN_LIBS)

tests_xensim_xensim_selftest_SOURCES = tests/xensim/selftest.c \
	tests/xensim/selftest.h tests/xensim/selftest-lifecycle.c
tests_xensim_xensim_selftest_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_xensim_xensim_selftest_LDADD = tests/xensim/libxensim-hv.la $(XEN_LIBS)

# The stand-in's system call shape against the real libraries' (strace).
check_PROGRAMS += tests/xensim/xensim-shape-probe tests/xensim/xensim-syscall-shape
tests_xensim_xensim_shape_probe_SOURCES = tests/xensim/shape-probe.c
tests_xensim_xensim_shape_probe_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_xensim_xensim_shape_probe_LDADD = $(XEN_LIBS)
tests_xensim_xensim_syscall_shape_SOURCES = tests/xensim/syscall-shape.c
tests_xensim_xensim_syscall_shape_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_xensim_xensim_syscall_shape_LDADD = tests/xensim/libxensim-hv.la
TESTS += tests/xensim/xensim-syscall-shape

tests_xensim_xensim_demo_SOURCES = tests/xensim/demo.c
tests_xensim_xensim_demo_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_xensim_xensim_demo_LDADD = tests/xensim/libxensim-hv.la

# xensim-run puts the ASan runtime first in LD_PRELOAD in sanitizer builds.
if SANITIZERS
XENSIM_SANITIZERS = yes
else
XENSIM_SANITIZERS = no
endif
check_SCRIPTS += tests/xensim/xensim-run
CLEANFILES += tests/xensim/xensim-run
EXTRA_DIST += tests/xensim/xensim-run.in tests/xensim/test-symbols.sh

tests/xensim/xensim-run: $(top_srcdir)/tests/xensim/xensim-run.in Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/xensim && \
	libasan=`$(CC) -print-file-name=libasan.so` && \
	sed -e 's|@SANITIZERS@|$(XENSIM_SANITIZERS)|' \
	    -e "s|@LIBASAN@|$$libasan|" \
	    $(top_srcdir)/tests/xensim/xensim-run.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

TESTS += tests/xensim/xensim-selftest tests/xensim/test-symbols.sh

AM_TESTS_ENVIRONMENT += \
	XENSIM_RUN='$(abs_top_builddir)/tests/xensim/xensim-run'; export XENSIM_RUN; \
	XENSIM_CHECKED_BINARIES='$(XENSIM_CHECKED_BINARIES)'; export XENSIM_CHECKED_BINARIES;
EXTRA_DIST += docs/xensim.md
