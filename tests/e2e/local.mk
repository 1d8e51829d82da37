# tests/e2e: build fragment (owned by this directory).
# The end-to-end run on a real Xen nested in QEMU is not part of
# `make check`: scripts/run-tests calls tests/e2e/run-e2e.sh.  Only the
# placeholder ioreq server is compiled here (built by `make check`, or
# alone with `make tests/e2e/e2e-ioreq-probe`).

check_PROGRAMS += tests/e2e/e2e-ioreq-probe
tests_e2e_e2e_ioreq_probe_SOURCES = tests/e2e/e2e-ioreq-probe.c
tests_e2e_e2e_ioreq_probe_CFLAGS = $(AM_CFLAGS) $(XEN_CFLAGS)
tests_e2e_e2e_ioreq_probe_LDADD = $(XEN_LIBS)

EXTRA_DIST += \
	tests/e2e/e2e-lib.sh \
	tests/e2e/build-rootfs.sh \
	tests/e2e/build-images.sh \
	tests/e2e/run-e2e.sh \
	tests/e2e/run-vm.py \
	tests/e2e/dom0-init.sh \
	tests/e2e/dom0-autotest.sh \
	tests/e2e/dom0-lifecycle.sh \
	tests/e2e/guest-init.sh \
	tests/e2e/guest-display-hook.sh \
	tests/e2e/guest-hvm.cfg
