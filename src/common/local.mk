# src/common: small helpers every host-side layer may use (no Xen, no GLib).
noinst_LTLIBRARIES += src/common/libcommon.la
src_common_libcommon_la_SOURCES = src/common/log.c src/common/log.h \
	src/common/pidlock.c src/common/pidlock.h src/common/paths.h
