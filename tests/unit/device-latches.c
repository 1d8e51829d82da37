/* SPDX-License-Identifier: MIT */
/*
 * Protocol 1.1: REQUEST_HI and LAST_RC are latches of the vCPU that
 * accesses them.  Interleaved submissions of several vCPUs each land at
 * their own address and each vCPU reads its own status; a vCPU the bus
 * does not have owns no latch and can neither submit nor disturb the
 * others; the latch table is sized by the bus.
 */
#include <errno.h>
#include <string.h>

#include "device-test-util.h"

static uint32_t reg_on(struct replay_env *env, unsigned int vcpu,
		       unsigned int reg)
{
	env->tb.vcpu = vcpu;
	return t_reg(env, reg);
}

static void reg_write_on(struct replay_env *env, unsigned int vcpu,
			 unsigned int reg, uint32_t v)
{
	env->tb.vcpu = vcpu;
	t_reg_write(env, reg, v);
}

/* A GET_HOST_TIME request (rc preset GENERAL) at gpa, as a guest puts it
 * in RAM; version is the header version (a bad one fails with VERSION). */
static void put_time_req(struct replay_env *env, uint64_t gpa,
			 uint32_t version)
{
	struct hvmlink_req_host_time *r = testbus_ram(&env->tb, gpa,
						      sizeof(*r));

	g_assert_nonnull(r);
	t_hdr(r, sizeof(*r), HVMLINK_REQ_GET_HOST_TIME);
	r->header.version = version;
}

static struct hvmlink_req_host_time *time_req(struct replay_env *env,
					      uint64_t gpa)
{
	return testbus_ram(&env->tb, gpa, sizeof(struct hvmlink_req_host_time));
}

/*
 * The race the shared latch lost: vCPU 0 latches a high half, vCPU 1
 * submits a request below 4 GiB before vCPU 0 writes REQUEST, then vCPU
 * 0 submits.  With one shared latch vCPU 1's request went to 4 GiB + its
 * low half and vCPU 0's to its low half alone.
 */
static void test_interleaved_high_low(void)
{
	struct replay_env env;
	const uint64_t hi = T_RAM_HIGH + 0x100, lo = 0x100;

	t_env_up(&env);
	env.realtime_ns = 0x1122334455667788ull;
	put_time_req(&env, hi, HVMLINK_REQUEST_VERSION);
	put_time_req(&env, lo, 0x20000);	/* fails: VERSION */

	reg_write_on(&env, 0, HVMLINK_REG_REQUEST_HI, (uint32_t)(hi >> 32));
	reg_write_on(&env, 1, HVMLINK_REG_REQUEST, (uint32_t)lo);
	g_assert_cmphex(reg_on(&env, 0, HVMLINK_REG_REQUEST_HI), ==, 1);
	reg_write_on(&env, 0, HVMLINK_REG_REQUEST, (uint32_t)hi);

	g_assert_cmpint(time_req(&env, hi)->header.rc, ==, HVMLINK_OK);
	g_assert_cmphex(time_req(&env, hi)->realtime_ns, ==,
			0x1122334455667788ull);
	g_assert_cmpint(time_req(&env, lo)->header.rc, ==, HVMLINK_ERR_VERSION);
	g_assert_cmphex(time_req(&env, lo)->realtime_ns, ==, 0);
	/* Each vCPU reads the status of its own request. */
	g_assert_cmpint((int32_t)reg_on(&env, 0, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_OK);
	g_assert_cmpint((int32_t)reg_on(&env, 1, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_VERSION);
	/* Both latches consumed by their own submission. */
	g_assert_cmphex(reg_on(&env, 0, HVMLINK_REG_REQUEST_HI), ==, 0);
	g_assert_cmphex(reg_on(&env, 1, HVMLINK_REG_REQUEST_HI), ==, 0);
	replay_env_fini(&env);
}

/* Every vCPU latches its own high half, all before any submits. */
static void test_all_vcpus_latched(void)
{
	struct replay_env env;
	unsigned int v;

	t_env_up(&env);
	for (v = 0; v < TESTBUS_NR_VCPUS; v++)
		reg_write_on(&env, v, HVMLINK_REG_REQUEST_HI, 0x100 + v);
	for (v = 0; v < TESTBUS_NR_VCPUS; v++)
		g_assert_cmphex(reg_on(&env, v, HVMLINK_REG_REQUEST_HI), ==,
				0x100 + v);
	/* Nothing is RAM up there: each fails alone, with its own status,
	 * and leaves the others' latches alone. */
	reg_write_on(&env, 2, HVMLINK_REG_REQUEST, 0x1000);
	g_assert_cmpint((int32_t)reg_on(&env, 2, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_NO_REQUEST);
	g_assert_cmphex(reg_on(&env, 2, HVMLINK_REG_REQUEST_HI), ==, 0);
	for (v = 0; v < TESTBUS_NR_VCPUS; v++) {
		if (v == 2)
			continue;
		g_assert_cmphex(reg_on(&env, v, HVMLINK_REG_REQUEST_HI), ==,
				0x100 + v);
		g_assert_cmpint((int32_t)reg_on(&env, v, HVMLINK_REG_LAST_RC),
				==, HVMLINK_OK);
	}
	replay_env_fini(&env);
}

/* A vCPU the bus does not have (or none at all) owns no latch. */
static void test_foreign_vcpu(void)
{
	static const unsigned int bad[] = {
		TESTBUS_NR_VCPUS, HVMDEV_MAX_VCPUS - 1, HVMDEV_MAX_VCPUS,
		BUS_VCPU_NONE,
	};
	struct replay_env env;
	struct hvmdev_stats st;

	t_env_up(&env);
	put_time_req(&env, T_REQ_GPA, HVMLINK_REQUEST_VERSION);
	reg_write_on(&env, 0, HVMLINK_REG_REQUEST_HI, 7);
	for (unsigned int i = 0; i < G_N_ELEMENTS(bad); i++) {
		reg_write_on(&env, bad[i], HVMLINK_REG_REQUEST_HI, 1);
		reg_write_on(&env, bad[i], HVMLINK_REG_REQUEST,
			     (uint32_t)T_REQ_GPA);
		g_assert_cmphex(reg_on(&env, bad[i], HVMLINK_REG_REQUEST_HI),
				==, 0xffffffffu);
		g_assert_cmphex(reg_on(&env, bad[i], HVMLINK_REG_LAST_RC), ==,
				0xffffffffu);
		/* What is not per vCPU still reads normally. */
		g_assert_cmphex(reg_on(&env, bad[i], HVMLINK_REG_VERSION), ==,
				HVMLINK_PROTOCOL_VERSION);
	}
	/* The request was never processed, vCPU 0's latch is untouched. */
	g_assert_cmpint(time_req(&env, T_REQ_GPA)->header.rc, ==,
			HVMLINK_ERR_GENERAL);
	g_assert_cmphex(reg_on(&env, 0, HVMLINK_REG_REQUEST_HI), ==, 7);
	hvmdev_get_stats(env.dev, &st);
	g_assert_cmpuint(st.requests, ==, 0);
	/* Per bad vCPU: two writes and two latch reads. */
	g_assert_cmpuint(st.bad_vcpu, ==, 4 * G_N_ELEMENTS(bad));
	replay_env_fini(&env);
}

/* The latch table is the bus's size, within what one ioreq page serves. */
static void test_sized_by_bus(void)
{
	struct replay_env env;

	g_assert_cmpint(replay_env_init_vcpus(&env, NULL, 0), ==, -EINVAL);
	g_assert_null(env.dev);
	replay_env_fini(&env);
	g_assert_cmpint(replay_env_init_vcpus(&env, NULL, HVMDEV_MAX_VCPUS + 1),
			==, -EINVAL);
	replay_env_fini(&env);

	g_assert_cmpint(replay_env_init_vcpus(&env, NULL, HVMDEV_MAX_VCPUS),
			==, 0);
	g_assert_cmpint(testbus_add_ram(&env.tb, 0, T_RAM_LOW_SIZE), ==, 0);
	t_env_enable(&env);
	put_time_req(&env, T_REQ_GPA, HVMLINK_REQUEST_VERSION);
	reg_write_on(&env, HVMDEV_MAX_VCPUS - 1, HVMLINK_REG_REQUEST,
		     (uint32_t)T_REQ_GPA);
	g_assert_cmpint(time_req(&env, T_REQ_GPA)->header.rc, ==, HVMLINK_OK);
	g_assert_cmpint((int32_t)reg_on(&env, HVMDEV_MAX_VCPUS - 1,
					HVMLINK_REG_LAST_RC), ==, HVMLINK_OK);
	replay_env_fini(&env);

	/* One vCPU: vCPU 1 is already foreign. */
	g_assert_cmpint(replay_env_init_vcpus(&env, NULL, 1), ==, 0);
	t_env_enable(&env);
	g_assert_cmphex(reg_on(&env, 1, HVMLINK_REG_LAST_RC), ==, 0xffffffffu);
	g_assert_cmphex(reg_on(&env, 0, HVMLINK_REG_LAST_RC), ==, 0);
	replay_env_fini(&env);
}

/* Without bus mastering a REQUEST write is dropped whole: the vCPU's
 * latch keeps its high half for when the driver enables it. */
static void test_no_bus_master_keeps_latch(void)
{
	struct replay_env env;

	t_env_up(&env);
	reg_write_on(&env, 3, HVMLINK_REG_REQUEST_HI, 1);
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO);
	/* That was a reset (bus master off): latches 0; set it again. */
	g_assert_cmphex(reg_on(&env, 3, HVMLINK_REG_REQUEST_HI), ==, 0);
	reg_write_on(&env, 3, HVMLINK_REG_REQUEST_HI, 1);
	reg_write_on(&env, 3, HVMLINK_REG_REQUEST, 0x100);
	g_assert_cmphex(reg_on(&env, 3, HVMLINK_REG_REQUEST_HI), ==, 1);
	g_assert_cmpint((int32_t)reg_on(&env, 3, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_OK);
	replay_env_fini(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/device/latches/interleaved", test_interleaved_high_low);
	g_test_add_func("/device/latches/all-vcpus", test_all_vcpus_latched);
	g_test_add_func("/device/latches/foreign-vcpu", test_foreign_vcpu);
	g_test_add_func("/device/latches/sized-by-bus", test_sized_by_bus);
	g_test_add_func("/device/latches/no-bus-master",
			test_no_bus_master_keeps_latch);
	return g_test_run();
}
