# tests/support: build fragment (owned by the device layer's tests)
#
# The in-memory bus and the replay interpreter, shared by the device's
# unit tests and the fuzzer (tests/fuzz/local.mk).  Test-only: never part
# of what ships.
check_LTLIBRARIES += tests/support/libdevicetest.la
tests_support_libdevicetest_la_SOURCES = \
	tests/support/testbus.h tests/support/testbus.c \
	tests/support/replay.h tests/support/replay.c
