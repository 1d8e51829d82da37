# tests/integration: build fragment (owned by this directory)

# The simulated device nodes for the guest agents' tests (simdev.h): the
# server is sim-guest's devnode scenario (src/daemon/local.mk builds
# sim-guest), the client side is preloaded into the agent.
check_LTLIBRARIES += tests/integration/libsimdev-preload.la
tests_integration_libsimdev_preload_la_SOURCES = \
	tests/integration/simdev-preload.c tests/integration/simdev.h
tests_integration_libsimdev_preload_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
# -rpath makes libtool build a real shared object in a check library.
tests_integration_libsimdev_preload_la_LDFLAGS = $(AM_LDFLAGS) -module \
	-avoid-version -shared -rpath /nowhere
tests_integration_libsimdev_preload_la_LIBADD = -ldl

check_SCRIPTS += tests/integration/simdev-run
CLEANFILES += tests/integration/simdev-run
EXTRA_DIST += tests/integration/simdev-run.in
tests/integration/simdev-run: $(top_srcdir)/tests/integration/simdev-run.in Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/integration && \
	libasan=`$(CC) -print-file-name=libasan.so` && \
	sed -e 's|@SANITIZERS@|$(XENSIM_SANITIZERS)|' \
	    -e "s|@LIBASAN@|$$libasan|" \
	    $(top_srcdir)/tests/integration/simdev-run.in > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

# The tests' own view of an X server (RandR), independent of the agent.
check_PROGRAMS += tests/integration/xrandr-state
tests_integration_xrandr_state_SOURCES = tests/integration/xrandr-state.c
tests_integration_xrandr_state_CFLAGS = $(AM_CFLAGS) $(X11RANDR_CFLAGS)
tests_integration_xrandr_state_LDADD = $(X11RANDR_LIBS)

# The tests' own view of mutter (its D-Bus API), independent of the agent.
check_PROGRAMS += tests/integration/mutter-state
tests_integration_mutter_state_SOURCES = tests/integration/mutter-state.c
tests_integration_mutter_state_CFLAGS = $(AM_CFLAGS) $(GIO_CFLAGS)
tests_integration_mutter_state_LDADD = $(GIO_LIBS)

# The agents against the real hvmlinkd on the simulated host.
AGENT_TESTS = \
	tests/integration/agent-system.sh \
	tests/integration/session-agent-x11.sh \
	tests/integration/session-agent-mutter.sh
TESTS += $(AGENT_TESTS)
EXTRA_DIST += $(AGENT_TESTS) tests/integration/agent-lib.sh \
	tests/integration/x11-lib.sh

# The device-model wrapper (src/toolstack) as libxl runs it: the real
# hvmlinkd on the simulated host, a stand-in QEMU and systemctl.
TESTS += tests/integration/qemu-wrapper.sh
EXTRA_DIST += tests/integration/qemu-wrapper.sh
