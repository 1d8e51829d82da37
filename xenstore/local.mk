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
	xenstore/hvmlinkctl-escape.h xenstore/hvmlinkctl-escape.c \
	xenstore/hvmlinkctl-tree.h xenstore/hvmlinkctl-tree.c \
	xenstore/hvmlinkctl-model.h xenstore/hvmlinkctl-model.c \
	xenstore/hvmlinkctl-domain.c xenstore/hvmlinkctl-hint.c \
	xenstore/hvmlinkctl-status.c xenstore/hvmlinkctl-list.c \
	xenstore/hvmlinkctl-watch.c xenstore/hvmlinkctl-wait.c \
	xenstore/hvmlinkctl-launch.c xenstore/hvmlinkctl-vm.c
xenstore_hvmlinkctl_CPPFLAGS = $(AM_CPPFLAGS) \
	-DHVMLINKD_PATH='"$(sbindir)/hvmlinkd"'
xenstore_hvmlinkctl_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) \
	$(JSON_GLIB_CFLAGS) $(GLIB_CFLAGS)
xenstore_hvmlinkctl_LDADD = xenstore/libhvmxs.la src/common/libcommon.la \
	$(XENSTORE_LIBS) $(JSON_GLIB_LIBS) $(GLIB_LIBS)

# bash completion (commands, options, domains, hint keys).
dist_bashcompletion_DATA = xenstore/completion/hvmlinkctl

# ---- tests of this layer (real xenstored through tests/harness) ----

# hvmlinkctl's escaping of foreign bytes (GLib g_test).
check_PROGRAMS += tests/unit/ctl-escape
tests_unit_ctl_escape_SOURCES = tests/unit/ctl-escape.c \
	xenstore/hvmlinkctl-escape.c xenstore/hvmlinkctl-escape.h
tests_unit_ctl_escape_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_ctl_escape_LDADD = $(GLIB_LIBS)
TESTS += tests/unit/ctl-escape

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
	tests/integration/hvmlinkctl-hostile.sh \
	tests/integration/hvmlinkctl-list.sh \
	tests/integration/hvmlinkctl-watch.sh \
	tests/integration/hvmlinkctl-completion.sh \
	tests/integration/hvmlinkctl-launch.sh \
	tests/integration/hvmlinkctl-vm.sh
dist_noinst_SCRIPTS += tests/integration/hvmlinkctl-fake-xl.sh \
	tests/integration/json-validate.py
dist_noinst_DATA += tests/integration/xs-lib.sh tests/integration/ctl-lib.sh
TESTS += \
	tests/integration/xs-hints.sh \
	tests/integration/xs-publish.sh \
	tests/integration/xs-reconnect.sh \
	tests/integration/hvmlinkctl.sh \
	tests/integration/hvmlinkctl-hostile.sh \
	tests/integration/hvmlinkctl-list.sh \
	tests/integration/hvmlinkctl-watch.sh \
	tests/integration/hvmlinkctl-completion.sh \
	tests/integration/hvmlinkctl-launch.sh \
	tests/integration/hvmlinkctl-vm.sh

dist_man_MANS += docs/man/hvmlinkctl.8
EXTRA_DIST += docs/xenstore.md
# The JSON schema of hvmlinkctl --json (hvmlinkctl(8) names it): data a
# script may read, so not under doc/ (which minimal systems drop).
dist_pkgdata_DATA = docs/hvmlinkctl.schema.json
