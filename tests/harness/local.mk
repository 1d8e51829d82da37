# tests/harness: build fragment (owned by this directory)
#
# The real xenstored for tests: a preloadable shim for its hypervisor
# calls, a shell library and a C API to run one instance per test, and
# helpers that play the Xen side of a domain's life.

# The shim is loaded into Debian's xenstored, which is not sanitized, so
# it is built without the sanitizer flags: an instrumented .so would need
# the ASan runtime preloaded into a foreign binary whose own leaks at exit
# would then be reported as ours.
check_LTLIBRARIES += tests/harness/shim-xenstored.la
tests_harness_shim_xenstored_la_SOURCES = tests/harness/shim-xenstored.c
tests_harness_shim_xenstored_la_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -fvisibility=default
tests_harness_shim_xenstored_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# C API for C tests that need their own xenstored (g_test or plain).
check_LTLIBRARIES += tests/harness/libxs-harness.la
tests_harness_libxs_harness_la_SOURCES = \
	tests/harness/xs-harness.c tests/harness/xs-harness.h
tests_harness_libxs_harness_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DXS_HARNESS_SRCDIR='"$(abs_top_srcdir)"' \
	-DXS_HARNESS_BUILDDIR='"$(abs_top_builddir)"'

# Xen-side helpers for shell tests.
check_PROGRAMS += tests/harness/xs-introduce tests/harness/xs-virq-kick
tests_harness_xs_introduce_SOURCES = tests/harness/xs-introduce.c
tests_harness_xs_introduce_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
tests_harness_xs_introduce_LDADD = $(XENSTORE_LIBS)
tests_harness_xs_virq_kick_SOURCES = tests/harness/xs-virq-kick.c

# Self-tests.
check_PROGRAMS += tests/harness/test-xs-client tests/harness/test-xs-harness
tests_harness_test_xs_client_SOURCES = tests/harness/test-xs-client.c
tests_harness_test_xs_client_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
tests_harness_test_xs_client_LDADD = $(XENSTORE_LIBS)
tests_harness_test_xs_harness_SOURCES = tests/harness/test-xs-harness.c
tests_harness_test_xs_harness_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(GLIB_CFLAGS)
tests_harness_test_xs_harness_LDADD = tests/harness/libxs-harness.la \
	$(XENSTORE_LIBS) $(GLIB_LIBS)

dist_check_SCRIPTS += tests/harness/test-xenstored.sh
TESTS += tests/harness/test-xenstored.sh tests/harness/test-xs-harness
dist_noinst_SCRIPTS += tests/harness/get-xenstored.sh tests/harness/xs-exec.sh
dist_noinst_DATA += tests/harness/xenstored.sh
EXTRA_DIST += docs/xenstored-harness.md
