# src/guest: build fragment (owned by this directory)
#
# Guest side: the userspace library, the hvmlink CLI, hvmlink-agent, their
# unit tests (tests/unit/guest-*), and the kernel module (KMOD only).

noinst_HEADERS += src/guest/req_table.h
pkginclude_HEADERS += include/hvmlink/ioctl.h

# libc-only library shared by the CLI and the agent.
noinst_LTLIBRARIES += src/guest/lib/libhvmlink-guest.la
src_guest_lib_libhvmlink_guest_la_SOURCES = \
	src/guest/lib/hvmlink_guest.h \
	src/guest/lib/device.c \
	src/guest/lib/requests.c \
	src/guest/lib/util.c

# The CLI: no GLib, so a tiny guest root only needs libc.
bin_PROGRAMS += src/guest/cli/hvmlink
src_guest_cli_hvmlink_SOURCES = src/guest/cli/hvmlink.c
src_guest_cli_hvmlink_LDADD = src/guest/lib/libhvmlink-guest.la

# A fully static copy for the e2e guest's busybox root (no libc needed
# there).  Not with sanitizers: their runtimes cannot link statically.
if !SANITIZERS
noinst_PROGRAMS += src/guest/cli/hvmlink-static
src_guest_cli_hvmlink_static_SOURCES = $(src_guest_cli_hvmlink_SOURCES)
src_guest_cli_hvmlink_static_LDADD = $(src_guest_cli_hvmlink_LDADD)
src_guest_cli_hvmlink_static_LDFLAGS = $(AM_LDFLAGS) -all-static
endif

if !SANITIZERS
# The kernel module's behaviour, checked inside the e2e guest (static, for
# its busybox root; see docs/guest.md).
noinst_PROGRAMS += tests/kmod/hvmlink-kmod-check
tests_kmod_hvmlink_kmod_check_SOURCES = tests/kmod/hvmlink-kmod-check.c
tests_kmod_hvmlink_kmod_check_LDFLAGS = $(AM_LDFLAGS) -all-static
endif

# Agent logic as libraries so the unit tests link the same code: what
# both agents share (and the system agent), and the desktop backends
# only the session agent links (no X libraries in the root daemon).
noinst_LTLIBRARIES += src/guest/agent/libagent.la src/guest/agent/libsession.la
src_guest_agent_libagent_la_SOURCES = \
	src/guest/agent/agent.h \
	src/guest/agent/agent.c \
	src/guest/agent/backoff.c \
	src/guest/agent/config.c \
	src/guest/agent/devconn.c \
	src/guest/agent/devconn.h \
	src/guest/agent/display.c \
	src/guest/agent/hook.c \
	src/guest/agent/hook.h \
	src/guest/agent/kv.c \
	src/guest/agent/layout.c \
	src/guest/agent/layout.h \
	src/guest/agent/log.c \
	src/guest/agent/session-config.c \
	src/guest/agent/timesync.c
src_guest_agent_libagent_la_CFLAGS = $(AM_CFLAGS) $(GIO_CFLAGS)
src_guest_agent_libagent_la_LIBADD = src/guest/lib/libhvmlink-guest.la $(GIO_LIBS)

src_guest_agent_libsession_la_SOURCES = \
	src/guest/agent/session.c \
	src/guest/agent/mutter.c \
	src/guest/agent/mutter.h \
	src/guest/agent/x11.h \
	src/guest/agent/x11-randr.c \
	src/guest/agent/x11-watch.c
src_guest_agent_libsession_la_CFLAGS = $(AM_CFLAGS) $(GIO_CFLAGS) $(X11RANDR_CFLAGS)
src_guest_agent_libsession_la_LIBADD = src/guest/agent/libagent.la \
	$(GIO_LIBS) $(X11RANDR_LIBS) -lm

sbin_PROGRAMS += src/guest/agent/hvmlink-agent
src_guest_agent_hvmlink_agent_SOURCES = src/guest/agent/main.c
src_guest_agent_hvmlink_agent_CFLAGS = $(AM_CFLAGS) $(GIO_CFLAGS)
src_guest_agent_hvmlink_agent_LDADD = src/guest/agent/libagent.la $(GIO_LIBS)

bin_PROGRAMS += src/guest/agent/hvmlink-session-agent
src_guest_agent_hvmlink_session_agent_SOURCES = src/guest/agent/session-main.c
src_guest_agent_hvmlink_session_agent_CFLAGS = $(AM_CFLAGS) $(GIO_CFLAGS)
src_guest_agent_hvmlink_session_agent_LDADD = src/guest/agent/libsession.la $(GIO_LIBS)

# systemd unit, with the configured sbindir.
guestunitdir = $(systemdsystemunitdir)
guestunit_DATA = src/guest/agent/hvmlink-agent.service
CLEANFILES += src/guest/agent/hvmlink-agent.service
EXTRA_DIST += src/guest/agent/hvmlink-agent.service.in
src/guest/agent/hvmlink-agent.service: $(top_srcdir)/src/guest/agent/hvmlink-agent.service.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $< >$@.tmp && mv $@.tmp $@

# The session agent: a systemd user unit (graphical-session.target) and
# an XDG autostart entry for sessions without systemd.
guestuserunitdir = $(prefix)/lib/systemd/user
guestuserunit_DATA = src/guest/agent/hvmlink-session-agent.service
guestautostartdir = $(sysconfdir)/xdg/autostart
guestautostart_DATA = src/guest/agent/hvmlink-session-agent.desktop
CLEANFILES += src/guest/agent/hvmlink-session-agent.service \
	src/guest/agent/hvmlink-session-agent.desktop
EXTRA_DIST += src/guest/agent/hvmlink-session-agent.service.in \
	src/guest/agent/hvmlink-session-agent.desktop.in
src/guest/agent/hvmlink-session-agent.service: $(top_srcdir)/src/guest/agent/hvmlink-session-agent.service.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@bindir[@]|$(bindir)|g' $< >$@.tmp && mv $@.tmp $@
src/guest/agent/hvmlink-session-agent.desktop: $(top_srcdir)/src/guest/agent/hvmlink-session-agent.desktop.in
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@bindir[@]|$(bindir)|g' $< >$@.tmp && mv $@.tmp $@

dist_man_MANS += docs/man/hvmlink.1 docs/man/hvmlink-agent.8 \
	docs/man/hvmlink-session-agent.1
EXTRA_DIST += docs/guest.md

# Unit tests (GLib g_test): pure library helpers and agent logic.
check_PROGRAMS += tests/unit/guest-lib-test tests/unit/guest-agent-test
TESTS += tests/unit/guest-lib-test tests/unit/guest-agent-test \
	tests/unit/guest-cli-test.sh
EXTRA_DIST += tests/unit/guest-cli-test.sh
tests_unit_guest_lib_test_SOURCES = tests/unit/guest-lib-test.c
tests_unit_guest_lib_test_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_guest_lib_test_LDADD = src/guest/lib/libhvmlink-guest.la $(GLIB_LIBS)
# Who may send what through /dev/hvmlink (the policy the module compiles).
check_PROGRAMS += tests/unit/guest-req-policy-test
TESTS += tests/unit/guest-req-policy-test
tests_unit_guest_req_policy_test_SOURCES = tests/unit/guest-req-policy-test.c
tests_unit_guest_req_policy_test_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_guest_req_policy_test_LDADD = $(GLIB_LIBS)

# The uapi headers compile alone as C11+ and C++11+ (gcc/g++, clang).
TESTS += tests/unit/uapi-headers-test.sh
EXTRA_DIST += tests/unit/uapi-headers-test.sh

tests_unit_guest_agent_test_SOURCES = tests/unit/guest-agent-test.c
tests_unit_guest_agent_test_CFLAGS = $(AM_CFLAGS) $(GIO_CFLAGS) $(X11RANDR_CFLAGS)
tests_unit_guest_agent_test_LDADD = src/guest/agent/libsession.la $(GIO_LIBS)

# Kernel module: Kbuild sources, copied into the build tree so the
# source tree stays read-only (distcheck) and parallel builds don't clash.
GUEST_KMOD_SRCS = \
	src/guest/linux/Kbuild \
	src/guest/linux/hvmlink_compat.h \
	src/guest/linux/hvmlink_core.c \
	src/guest/linux/hvmlink_core.h \
	src/guest/linux/hvmlink_linux.c
EXTRA_DIST += $(GUEST_KMOD_SRCS) src/guest/linux/Makefile \
	src/guest/linux/checkpatch.sh src/guest/linux/test-module-build.sh \
	src/guest/linux/dkms.conf src/guest/linux/dkms-source.sh \
	src/guest/linux/current-kernel-root.sh

# Device node modes and the system agent's start (decision D4).
dist_udevrules_DATA = src/guest/linux/60-hvmlink.rules

# The DKMS source tree hvmlink-dkms ships as $(prefix)/src/hvmlink-VERSION:
# laid out by dkms-source.sh, the very tree test-module-build.sh builds
# with dkms.conf's own MAKE line (a flat tree, dkms.conf at its top).
dkmsdir = $(prefix)/src/$(PACKAGE)-$(VERSION)
install-data-local: install-dkms-source
uninstall-local: uninstall-dkms-source
install-dkms-source:
	$(AM_V_GEN)$(SHELL) $(top_srcdir)/src/guest/linux/dkms-source.sh \
		'$(DESTDIR)$(dkmsdir)' '$(VERSION)'
uninstall-dkms-source:
	rm -rf '$(DESTDIR)$(dkmsdir)'
.PHONY: install-dkms-source uninstall-dkms-source

if KMOD
GUEST_KMOD_DIR = $(abs_top_builddir)/src/guest/linux-kbuild
AM_TESTS_ENVIRONMENT += LINUX_HEADERS='$(LINUX_HEADERS)'; export LINUX_HEADERS;
TESTS += src/guest/linux/test-module-build.sh

all-local: guest-module
module: guest-module
guest-module:
	$(AM_V_at)$(MKDIR_P) $(GUEST_KMOD_DIR)
	$(AM_V_at)for f in $(GUEST_KMOD_SRCS); do \
	  cmp -s $(abs_top_srcdir)/$$f $(GUEST_KMOD_DIR)/$${f##*/} || \
	    cp $(abs_top_srcdir)/$$f $(GUEST_KMOD_DIR)/ || exit 1; \
	done
	$(MAKE) -C $(LINUX_HEADERS) M=$(GUEST_KMOD_DIR) \
	  HVMLINK_TOP=$(abs_top_srcdir) KCFLAGS=-Werror modules

clean-local: guest-module-clean
guest-module-clean:
	-rm -rf $(GUEST_KMOD_DIR)
else
module:
	@echo "module: configure with --with-linux-headers=DIR to build hvmlink.ko" >&2; exit 1
endif
.PHONY: module guest-module guest-module-clean
