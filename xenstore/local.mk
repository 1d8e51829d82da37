# xenstore: build fragment (owned by this directory)
#
# libhvmxs.la: what hvmlinkd links for everything xenstore (hvmxs.h) and
# the pure hint parser (hint-parse.h).  Users also link
# src/common/libcommon.la (logging) and $(XENSTORE_LIBS).
noinst_LTLIBRARIES += xenstore/libhvmxs.la
xenstore_libhvmxs_la_SOURCES = \
	xenstore/hvmxs.h xenstore/hvmxs-internal.h \
	xenstore/hvmxs.c xenstore/hvmxs-hints.c xenstore/hvmxs-publish.c \
	xenstore/schema.h xenstore/schema.c \
	xenstore/hint-parse.h xenstore/hint-parse.c
xenstore_libhvmxs_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
xenstore_libhvmxs_la_LIBADD = $(XENSTORE_LIBS)

# hvmlinkctl: the administrator's tool (hvmlinkctl(8)).
sbin_PROGRAMS += xenstore/hvmlinkctl
xenstore_hvmlinkctl_SOURCES = \
	xenstore/hvmlinkctl.h xenstore/hvmlinkctl.c \
	xenstore/hvmlinkctl-domain.c xenstore/hvmlinkctl-hint.c \
	xenstore/hvmlinkctl-status.c xenstore/hvmlinkctl-wait.c \
	xenstore/hvmlinkctl-launch.c xenstore/hvmlinkctl-vm.c
xenstore_hvmlinkctl_CPPFLAGS = $(AM_CPPFLAGS) \
	-DHVMLINKD_PATH='"$(sbindir)/hvmlinkd"'
xenstore_hvmlinkctl_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
xenstore_hvmlinkctl_LDADD = xenstore/libhvmxs.la src/common/libcommon.la \
	$(XENSTORE_LIBS)

# ---- tests of this layer (real xenstored through tests/harness) ----

# Parser unit tests (GLib g_test).
check_PROGRAMS += tests/unit/xs-hint-parse
tests_unit_xs_hint_parse_SOURCES = tests/unit/xs-hint-parse.c \
	xenstore/hint-parse.c xenstore/hint-parse.h
tests_unit_xs_hint_parse_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_xs_hint_parse_LDADD = $(GLIB_LIBS)
TESTS += tests/unit/xs-hint-parse

# The hvmxs driver the shell tests steer.
check_PROGRAMS += tests/integration/xs-driver
tests_integration_xs_driver_SOURCES = tests/integration/xs-driver.c
tests_integration_xs_driver_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
tests_integration_xs_driver_LDADD = xenstore/libhvmxs.la \
	src/common/libcommon.la $(XENSTORE_LIBS)

# Shell tests with the real xenstored and xenstore-* tools.
dist_check_SCRIPTS += \
	tests/integration/xs-hints.sh \
	tests/integration/xs-publish.sh \
	tests/integration/xs-reconnect.sh \
	tests/integration/hvmlinkctl.sh \
	tests/integration/hvmlinkctl-launch.sh \
	tests/integration/hvmlinkctl-vm.sh
dist_noinst_SCRIPTS += tests/integration/hvmlinkctl-fake-xl.sh
dist_noinst_DATA += tests/integration/xs-lib.sh
TESTS += \
	tests/integration/xs-hints.sh \
	tests/integration/xs-publish.sh \
	tests/integration/xs-reconnect.sh \
	tests/integration/hvmlinkctl.sh \
	tests/integration/hvmlinkctl-launch.sh \
	tests/integration/hvmlinkctl-vm.sh

dist_man_MANS += docs/man/hvmlinkctl.8
EXTRA_DIST += docs/xenstore.md
