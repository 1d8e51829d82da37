# src/toolstack: the device-model wrapper a guest's xl configuration names
# (device_model_override), its configuration file and man page.  Its test
# is tests/integration/qemu-wrapper.sh.

pkglibexec_SCRIPTS = src/toolstack/qemu-wrapper
EXTRA_DIST += src/toolstack/qemu-wrapper.in
CLEANFILES += src/toolstack/qemu-wrapper
src/toolstack/qemu-wrapper: $(top_srcdir)/src/toolstack/qemu-wrapper.in Makefile
	$(AM_V_GEN)$(MKDIR_P) src/toolstack && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' \
	    -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    -e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g' \
		$(top_srcdir)/src/toolstack/qemu-wrapper.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

hvmlinkconfdir = $(sysconfdir)/hvmlink
dist_hvmlinkconf_DATA = src/toolstack/qemu-wrapper.conf

dist_man_MANS += docs/man/hvmlink-qemu-wrapper.8
EXTRA_DIST += docs/lifecycle.md
