/* SPDX-License-Identifier: MIT */
/*
 * Replay: a tiny text format of bus operations, run against one hvmdev on
 * the in-memory bus.  Unit tests use it for scenarios, the fuzzer feeds
 * it arbitrary bytes, and a failing fuzz input is a readable script.
 * The format is described in docs/device.md ("Replay scripts").
 */
#ifndef HVMLINK_TESTS_REPLAY_H
#define HVMLINK_TESTS_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/device.h"
#include "tests/support/testbus.h"

struct replay_env {
	struct testbus tb;
	struct hvmdev *dev;
	uint64_t realtime_ns;
	uint64_t monotonic_ns;
	unsigned int changed_bits;	/* OR of every changed() what */
	uint64_t changed_calls;
	/* Check expectations (unit tests) or only run (fuzzer). */
	bool check;
	unsigned int line;		/* of the failure */
	char error[256];
};

/* Bus, device with cfg (NULL: defaults, devfn 0x18), clocks at 1 s;
 * the bus has TESTBUS_NR_VCPUS vCPUs, or nr_vcpus. */
int replay_env_init(struct replay_env *env, const struct hvmdev_config *cfg)
	__attribute__((warn_unused_result));
int replay_env_init_vcpus(struct replay_env *env,
			  const struct hvmdev_config *cfg,
			  unsigned int nr_vcpus)
	__attribute__((warn_unused_result));
void replay_env_fini(struct replay_env *env);

/* The hvmdev_ops the environment gives the device (also for tests that
 * build their own device). */
extern const struct hvmdev_ops replay_dev_ops;

/*
 * Run text (len bytes, need not be NUL-terminated; at most
 * REPLAY_MAX_LINES lines).  Returns 0, or -1 with env->line and
 * env->error set at the first line that does not parse or whose
 * expectation fails (with check off, only a parse error stops it).
 */
#define REPLAY_MAX_LINES	4096
int replay_run(struct replay_env *env, const char *text, size_t len);

#endif /* HVMLINK_TESTS_REPLAY_H */
