# systemd/: the daemon's unit, sysusers.d and tmpfiles.d entries, and the
# test that holds every installed unit to its sandbox.

# Guest: the group of /dev/hvmlink-user.
dist_sysusers_DATA = systemd/sysusers/hvmlink-guest.conf

if HOST
# The template unit (instance = domain id), with the configured paths.
systemdsystemunit_DATA = systemd/hvmlinkd@.service
EXTRA_DIST += systemd/hvmlinkd@.service.in
CLEANFILES += systemd/hvmlinkd@.service
systemd/hvmlinkd@.service: $(top_srcdir)/systemd/hvmlinkd@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
		$(top_srcdir)/systemd/hvmlinkd@.service.in >$@.tmp && mv $@.tmp $@

dist_sysusers_DATA += systemd/sysusers/hvmlinkd.conf
dist_tmpfiles_DATA = systemd/tmpfiles/hvmlinkd.conf
endif

# systemd-analyze security rates each unit this build installs.
AM_TESTS_ENVIRONMENT += HVMLINK_UNITS='$(systemdsystemunit_DATA) $(guestunit_DATA)'; export HVMLINK_UNITS;
dist_check_SCRIPTS += systemd/test-unit-security.sh
TESTS += systemd/test-unit-security.sh
