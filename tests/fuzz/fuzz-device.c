/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the hvmlink device: the input is a replay script
 * (docs/device.md, "Replay scripts") of config-space, port IO, MMIO and
 * guest-memory operations, run against a fresh device on the in-memory
 * bus with expectations ignored.  After each input the device's
 * invariants are checked and any violation aborts:
 *  - INTx is asserted, and Status.Interrupt set, exactly when the
 *    interrupt rules say;
 *  - every range on the bus is one of our BARs, at its current address,
 *    with decode enabled (no stale mapping);
 *  - while bus mastering is off there is no guest session (the reset
 *    forgot it and nothing can start one): filter, caps, guest info,
 *    facilities, display reports and heartbeats are all clear;
 *  - latches of vCPUs the bus does not have stay 0;
 *  - the state saves, and the blob restores into a fresh device.
 *
 * Built twice: with libFuzzer (fuzz-device, --enable-fuzzing) and, with
 * FUZZ_REPLAY_MAIN, as fuzz-device-replay, a normal program that runs the
 * seed corpus (or the files/directories named on its command line) in
 * `make check`.  Files ending in .replay must also pass with their
 * expectations checked.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"
#include "tests/support/replay.h"

#define RAM_LOW_SIZE	0x40000ull
#define RAM_HIGH	0x100000000ull
#define RAM_HIGH_SIZE	0x10000ull

static void die(const char *what)
{
	fprintf(stderr, "fuzz-device: invariant violated: %s\n", what);
	abort();
}

static void env_setup(struct replay_env *env, bool check, bool ram)
{
	if (replay_env_init(env, NULL) < 0 ||
	    (ram && (testbus_add_ram(&env->tb, 0, RAM_LOW_SIZE) < 0 ||
		     testbus_add_ram(&env->tb, RAM_HIGH, RAM_HIGH_SIZE) < 0)))
		die("environment set-up");
	env->check = check;
}

static void check_invariants(struct replay_env *env)
{
	struct testbus *tb = &env->tb;
	uint16_t command = (uint16_t)testbus_cfg_read(tb, PCI_COMMAND, 2);
	uint16_t msi = (uint16_t)testbus_cfg_read(tb, HVMDEV_MSI_CAP +
						   PCI_MSI_FLAGS, 2);
	uint32_t active = hvmdev_get_pending(env->dev) &
			  hvmdev_get_filter(env->dev);
	bool want = active && !(msi & PCI_MSI_FLAGS_ENABLE) &&
		    !(command & PCI_COMMAND_INTX_DISABLE);
	struct replay_env other;
	void *blob;
	size_t len;

	if (tb->intx != want)
		die("INTx level");
	/* Status.Interrupt: the condition, whatever INTx disable says. */
	if (!!(testbus_cfg_read(tb, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT) !=
	    (active && !(msi & PCI_MSI_FLAGS_ENABLE)))
		die("Status.Interrupt");
	if (tb->nr_ranges > HVMDEV_NR_BARS)
		die("more ranges than BARs");
	for (unsigned int i = 0; i < tb->nr_ranges; i++) {
		const struct testbus_range *r = &tb->range[i];
		unsigned int bar = r->space == BUS_SPACE_PIO ? 0 : 1;
		uint32_t reg = (uint32_t)testbus_cfg_read(tb,
				PCI_BASE_ADDRESS_0 + 4 * bar, 4);
		uint16_t decode = bar ? PCI_COMMAND_MEMORY : PCI_COMMAND_IO;

		if (r->opaque != env->dev || !(command & decode) ||
		    r->base != (reg & ~(uint32_t)(r->size - 1)))
			die("stale or foreign BAR mapping");
	}

	if (!(command & PCI_COMMAND_MASTER)) {
		const struct hvmdev_state *st = &env->dev->st;

		if (st->filter || st->guest_caps || st->info.reported ||
		    st->hb_state != HVMDEV_HEARTBEAT_OFF)
			die("guest session state without bus mastering");
		for (unsigned int f = 0; f < HVMLINK_FACILITY_COUNT; f++)
			if (st->facility[f])
				die("facility reported without bus mastering");
		for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++)
			if (st->display[d].reported)
				die("display report without bus mastering");
	}
	for (unsigned int v = env->dev->nr_vcpus; v < HVMDEV_MAX_VCPUS; v++)
		if (env->dev->st.latch[v].request_hi ||
		    env->dev->st.latch[v].last_rc)
			die("latch of a vCPU the bus does not have");

	if (hvmdev_save(env->dev, &blob, &len) < 0)
		die("save");
	env_setup(&other, false, false);
	if (hvmdev_restore(other.dev, blob, len) < 0)
		die("restore of a saved blob refused");
	free(blob);
	replay_env_fini(&other);
}

static int run_one(const uint8_t *data, size_t size, bool check)
{
	struct replay_env env;
	int rc;

	env_setup(&env, check, true);
	rc = replay_run(&env, (const char *)data, size);
	if (rc < 0 && check)
		fprintf(stderr, "line %u: %s\n", env.line, env.error);
	check_invariants(&env);
	replay_env_fini(&env);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;

	if (!quiet) {
		/* Guest-triggered warnings are expected by the thousand. */
		log_set_level(LOG_LVL_ERR - 1);
		quiet = true;
	}
	(void)run_one(data, size, false);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;
	int failed = 0;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return 1;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	if (strlen(path) > 7 && !strcmp(path + strlen(path) - 7, ".replay") &&
	    run_one(buf, (size_t)n, true) < 0) {
		fprintf(stderr, "FAIL %s\n", path);
		failed = 1;
	} else {
		printf("ok %s\n", path);
	}
	free(buf);
	return failed;
}

static int replay_dir(const char *dir, unsigned int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int failed = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		failed |= replay_file(path);
		(*count)++;
	}
	closedir(d);
	return failed;
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char def[4096];
	unsigned int count = 0;
	int failed = 0;

	if (argc < 2) {
		snprintf(def, sizeof(def), "%s/tests/fuzz/corpus/device",
			 top ? top : ".");
		failed = replay_dir(def, &count);
		if (failed < 0 || count == 0) {
			fprintf(stderr, "no seed corpus at %s\n", def);
			return 1;
		}
	}
	for (int i = 1; i < argc; i++) {
		int rc = replay_dir(argv[i], &count);

		if (rc < 0) {
			rc = replay_file(argv[i]);
			count++;
		}
		failed |= rc;
	}
	printf("%u inputs, %s\n", count, failed ? "FAILED" : "all passed");
	return failed ? 1 : 0;
}
#endif
