# src/device: build fragment (owned by this directory)
#
# libdevice.la: the emulated hvmlink PCI function (pure C, no Xen, xenstore
# or GLib).  Programs link it together with src/common/libcommon.la.
noinst_LTLIBRARIES += src/device/libdevice.la
src_device_libdevice_la_SOURCES = \
	src/device/bus.h \
	src/device/device.h \
	src/device/device-internal.h \
	src/device/device.c \
	src/device/pci-config.c \
	src/device/registers.c \
	src/device/requests.c \
	src/device/reset.c \
	src/device/kv.c \
	src/device/savestate.c

# The in-memory bus and the replay interpreter (tests/support/local.mk)
# come first: they use libdevice.
DEVICE_TEST_LIBS = tests/support/libdevicetest.la src/device/libdevice.la \
	src/common/libcommon.la

# Unit tests (GLib g_test).
DEVICE_UNIT_TESTS = \
	tests/unit/device-pci \
	tests/unit/device-requests \
	tests/unit/device-events \
	tests/unit/device-latches \
	tests/unit/device-reset \
	tests/unit/device-savestate
check_PROGRAMS += $(DEVICE_UNIT_TESTS)
TESTS += $(DEVICE_UNIT_TESTS)
DEVICE_UNIT_UTIL = tests/unit/device-test-util.h tests/unit/device-test-util.c

tests_unit_device_pci_SOURCES = tests/unit/device-pci.c $(DEVICE_UNIT_UTIL)
tests_unit_device_pci_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_device_pci_LDADD = $(DEVICE_TEST_LIBS) $(GLIB_LIBS)

tests_unit_device_requests_SOURCES = tests/unit/device-requests.c \
	$(DEVICE_UNIT_UTIL)
tests_unit_device_requests_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_device_requests_LDADD = $(DEVICE_TEST_LIBS) $(GLIB_LIBS)

tests_unit_device_events_SOURCES = tests/unit/device-events.c \
	$(DEVICE_UNIT_UTIL)
tests_unit_device_events_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_device_events_LDADD = $(DEVICE_TEST_LIBS) $(GLIB_LIBS)

tests_unit_device_latches_SOURCES = tests/unit/device-latches.c \
	$(DEVICE_UNIT_UTIL)
tests_unit_device_latches_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_device_latches_LDADD = $(DEVICE_TEST_LIBS) $(GLIB_LIBS)

tests_unit_device_reset_SOURCES = tests/unit/device-reset.c \
	$(DEVICE_UNIT_UTIL)
tests_unit_device_reset_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_device_reset_LDADD = $(DEVICE_TEST_LIBS) $(GLIB_LIBS)

tests_unit_device_savestate_SOURCES = tests/unit/device-savestate.c \
	$(DEVICE_UNIT_UTIL)
tests_unit_device_savestate_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_device_savestate_LDADD = $(DEVICE_TEST_LIBS) $(GLIB_LIBS)

# docs/protocol.md is machine-checked against include/hvmlink/protocol.h:
# protocol-facts prints what the compiler knows of the header, generated
# from it so a new constant or field cannot be missed.
check_PROGRAMS += tests/unit/protocol-facts
nodist_tests_unit_protocol_facts_SOURCES = tests/unit/protocol-facts.c
CLEANFILES += tests/unit/protocol-facts.c
tests/unit/protocol-facts.c: $(top_srcdir)/include/hvmlink/protocol.h \
		$(top_srcdir)/tests/unit/protocol-doc.py
	$(AM_V_GEN)$(MKDIR_P) tests/unit && \
	$(PYTHON3) $(top_srcdir)/tests/unit/protocol-doc.py gen-c \
		$(top_srcdir)/include/hvmlink/protocol.h >$@.tmp && mv $@.tmp $@
dist_check_SCRIPTS += tests/unit/protocol-doc.sh
TESTS += tests/unit/protocol-doc.sh
AM_TESTS_ENVIRONMENT += PYTHON3='$(PYTHON3)'; export PYTHON3;

EXTRA_DIST += docs/protocol.md docs/device.md tests/unit/device-state-v1.hex \
	tests/unit/protocol-doc.py
