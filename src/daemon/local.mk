# src/daemon: hvmlinkd (options, main loop, deprivileging, life cycle),
# its systemd unit and man page, and its end-to-end tests on the
# simulated host (tests/integration/{daemon,e2e-sim,sim-guest}*).

sbin_PROGRAMS += src/daemon/hvmlinkd
src_daemon_hvmlinkd_SOURCES = \
	src/daemon/main.c \
	src/daemon/options.c src/daemon/options.h \
	src/daemon/logsink.c src/daemon/logsink.h \
	src/daemon/detach.c src/daemon/detach.h \
	src/daemon/domlock.c src/daemon/domlock.h \
	src/daemon/statefile.c src/daemon/statefile.h src/daemon/restart.c \
	src/daemon/notify.c src/daemon/notify.h \
	src/daemon/depriv.c src/daemon/depriv.h \
	src/daemon/hvmlinkd.c src/daemon/hvmlinkd.h \
	src/daemon/loop.c src/daemon/devthread.c \
	src/daemon/hints.c src/daemon/delivered.c \
	src/daemon/publish.c
src_daemon_hvmlinkd_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(XEN_CFLAGS) -pthread
src_daemon_hvmlinkd_LDADD = \
	src/ioreq/libioreq.la src/device/libdevice.la xenstore/libhvmxs.la \
	src/common/libcommon.la $(GLIB_LIBS) $(XEN_LIBS) -lpthread

dist_man_MANS += docs/man/hvmlinkd.8

# The README's first command runs this after the build.
dist_noinst_SCRIPTS += scripts/demo-sim.sh

# The scripted simulated guest (plays Xen, the toolstack, the guest driver
# and the administrator around the real daemon).
check_PROGRAMS += tests/integration/sim-guest
tests_integration_sim_guest_SOURCES = \
	tests/integration/sim-guest.c tests/integration/sim-guest.h \
	tests/integration/sim-guest-driver.c tests/integration/sim-guest-driver.h \
	tests/integration/sim-guest-hints.c \
	tests/integration/sim-guest-hostile.c \
	tests/integration/sim-guest-latches.c \
	tests/integration/sim-guest-frozen.c \
	tests/integration/sim-guest-lifecycle.c \
	tests/integration/sim-guest-devnode.c tests/integration/simdev.h \
	tests/integration/sim-guest-restart.c \
	tests/integration/sim-guest-vm.c \
	tests/integration/sim-guest-toolstack.c \
	src/daemon/statefile.c src/daemon/statefile.h
tests_integration_sim_guest_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS) $(GLIB_CFLAGS) \
	-pthread
tests_integration_sim_guest_LDADD = tests/xensim/libxensim-hv.la \
	src/common/libcommon.la $(GLIB_LIBS) -lpthread

# The stand-in's symbol check covers the daemon: a Xen call it makes that
# libxensim lacks would fall through to the real library.
XENSIM_CHECKED_BINARIES += src/daemon/hvmlinkd

DAEMON_TESTS = \
	tests/integration/daemon-options.sh \
	tests/integration/daemon-start-fail.sh \
	tests/integration/daemon-detach.sh \
	tests/integration/daemon-depriv.sh \
	tests/integration/e2e-sim-hint.sh \
	tests/integration/e2e-sim-bad-hint.sh \
	tests/integration/e2e-sim-kv.sh \
	tests/integration/e2e-sim-hostile.sh \
	tests/integration/e2e-sim-smp.sh \
	tests/integration/e2e-sim-latches.sh \
	tests/integration/e2e-sim-xenstored-frozen.sh \
	tests/integration/e2e-sim-destroy.sh \
	tests/integration/e2e-sim-sigterm.sh \
	tests/integration/daemon-second.sh \
	tests/integration/daemon-crash.sh \
	tests/integration/daemon-restart-depriv.sh \
	tests/integration/daemon-stale.sh \
	tests/integration/daemon-reboot.sh \
	tests/integration/daemon-restore.sh \
	tests/integration/daemon-migrate.sh
dist_check_SCRIPTS += $(DAEMON_TESTS)
dist_noinst_DATA += tests/integration/e2e-sim-lib.sh
TESTS += $(DAEMON_TESTS)
EXTRA_DIST += docs/admin.md docs/daemon-state.md
