# tests/fuzz: build fragment (owned by this directory)
#
# fuzz-device-replay: the fuzz entry point without libFuzzer; runs the seed
# corpus in every `make check` (and under ASan/UBSan with
# --enable-sanitizers).
check_PROGRAMS += tests/fuzz/fuzz-device-replay
TESTS += tests/fuzz/fuzz-device-replay
tests_fuzz_fuzz_device_replay_SOURCES = tests/fuzz/fuzz-device.c
tests_fuzz_fuzz_device_replay_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_REPLAY_MAIN
tests_fuzz_fuzz_device_replay_LDADD = $(DEVICE_TEST_LIBS)

EXTRA_DIST += tests/fuzz/corpus/device tests/fuzz/device.dict
dist_noinst_SCRIPTS += tests/fuzz/run-fuzz.sh

if FUZZING
# libFuzzer target (configure CC=clang --enable-fuzzing).  The device
# sources are compiled into it directly so they carry the fuzzer's
# coverage instrumentation.
noinst_PROGRAMS += tests/fuzz/fuzz-device
tests_fuzz_fuzz_device_SOURCES = tests/fuzz/fuzz-device.c \
	$(src_device_libdevice_la_SOURCES) \
	$(tests_support_libdevicetest_la_SOURCES) \
	src/common/log.c src/common/log.h
tests_fuzz_fuzz_device_CFLAGS = $(AM_CFLAGS) -g \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
tests_fuzz_fuzz_device_LDFLAGS = $(AM_LDFLAGS) \
	-fsanitize=fuzzer,address,undefined
endif
