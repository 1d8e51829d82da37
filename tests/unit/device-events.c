/* SPDX-License-Identifier: MIT */
/*
 * Events and interrupts: level-triggered INTx follows (pending & filter),
 * INTx disable, MSI messages per newly pending unmasked event set, bus
 * mastering gating MSI, and the status-register Interrupt bit.
 */
#include <string.h>

#include "device-test-util.h"

static void set_filter(struct replay_env *env, uint32_t or_mask,
		       uint32_t not_mask)
{
	struct hvmlink_req_filter_mask f;

	t_hdr(&f, sizeof(f), HVMLINK_REQ_CTL_FILTER_MASK);
	f.or_mask = or_mask;
	f.not_mask = not_mask;
	g_assert_cmpint(t_submit(env, &f, sizeof(f)), ==, HVMLINK_OK);
}

static uint32_t ack(struct replay_env *env)
{
	struct hvmlink_req_ack_events a;

	t_hdr(&a, sizeof(a), HVMLINK_REQ_ACK_EVENTS);
	g_assert_cmpint(t_submit(env, &a, sizeof(a)), ==, HVMLINK_OK);
	return a.events;
}

static void hint(struct replay_env *env, uint32_t width)
{
	struct hvmlink_display_mode m = { width, 600, 0, 0, 0, 1 };

	g_assert_cmpint(hvmdev_set_display_hint(env->dev, 0, &m), ==, 0);
}

static void test_intx_level(void)
{
	struct replay_env env;

	t_env_up(&env);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	/* Masked event: pending but no interrupt. */
	hint(&env, 800);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	t_replay(&env, "mmr 0xfe000008 4 0\n");	/* have_events */
	/* Unmasking an already pending event raises the line. */
	set_filter(&env, HVMLINK_EVENT_DISPLAY_CHANGE, 0);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	t_replay(&env, "mmr 0xfe000008 4 1\n"
		       "cfgr 0x06 2 0x18\n");	/* status: Interrupt + caps */
	/* Masking it again lowers it; the event stays pending. */
	set_filter(&env, 0, HVMLINK_EVENT_DISPLAY_CHANGE);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST);	/* since power on */
	set_filter(&env, HVMLINK_EVENT_DISPLAY_CHANGE |
		   HVMLINK_EVENT_KV_CHANGE, 0);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	/* A second event while asserted: still one level. */
	g_assert_cmpint(hvmdev_set_kv(env.dev, "k", "v", 1), ==, 0);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	/* Ack lowers it only when nothing unmasked is left. */
	g_assert_cmphex(ack(&env), ==, 3);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	t_replay(&env, "cfgr 0x06 2 0x10\n");
	/* A masked event pending does not keep the line up. */
	hvmdev_set_heartbeat_interval(env.dev, 1000);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	replay_env_fini(&env);
}

static void test_intx_disable(void)
{
	struct replay_env env;

	t_env_up(&env);
	set_filter(&env, HVMLINK_EVENT_VALID_MASK, 0);
	hint(&env, 800);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			  PCI_COMMAND_INTX_DISABLE);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	/* PCI 2.3: INTx disable masks the pin, not Status.Interrupt, so a
	 * driver that masked INTx can still see the interrupt pending (what
	 * Linux's pci_check_and_unmask_intx() relies on). */
	t_replay(&env, "cfgr 0x06 2 0x18\n");
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	/* With MSI on there is no INTx interrupt, pending or not. */
	testbus_cfg_write(&env.tb, HVMDEV_MSI_CAP + PCI_MSI_FLAGS, 2,
			  PCI_MSI_FLAGS_ENABLE);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	t_replay(&env, "cfgr 0x06 2 0x10\n");
	testbus_cfg_write(&env.tb, HVMDEV_MSI_CAP + PCI_MSI_FLAGS, 2, 0);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	/* Destroy leaves the line low. */
	replay_env_fini(&env);
	g_assert_cmpuint(env.tb.intx, ==, 0);
}

static void enable_msi(struct replay_env *env)
{
	testbus_cfg_write(&env->tb, HVMDEV_MSI_CAP + PCI_MSI_ADDRESS_LO, 4,
			  0xfee01003);	/* low 2 bits read-only 0 */
	testbus_cfg_write(&env->tb, HVMDEV_MSI_CAP + PCI_MSI_ADDRESS_HI, 4, 0);
	testbus_cfg_write(&env->tb, HVMDEV_MSI_CAP + PCI_MSI_DATA_64, 2, 0x4041);
	testbus_cfg_write(&env->tb, HVMDEV_MSI_CAP + PCI_MSI_FLAGS, 2, 0xffff);
}

static void test_msi(void)
{
	struct replay_env env;

	t_env_up(&env);
	enable_msi(&env);
	/* Only Enable is writable in the control word. */
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x42, 2), ==, 0x81);
	g_assert_cmphex(t_cfg32(&env, 0x44), ==, 0xfee01000);
	/* The heartbeat request pending since power on: one message. */
	set_filter(&env, HVMLINK_EVENT_VALID_MASK, 0);
	g_assert_cmpuint(env.tb.msi_count, ==, 1);
	g_assert_cmphex(ack(&env), ==, HVMLINK_EVENT_HEARTBEAT_REQUEST);
	env.tb.msi_count = 0;

	hint(&env, 800);
	g_assert_cmpuint(env.tb.msi_count, ==, 1);
	g_assert_cmphex(env.tb.msi_addr, ==, 0xfee01000);
	g_assert_cmphex(env.tb.msi_data, ==, 0x4041);
	g_assert_cmpuint(env.tb.intx, ==, 0);	/* never INTx with MSI */
	/* Same event again before the ack: nothing new. */
	hint(&env, 801);
	g_assert_cmpuint(env.tb.msi_count, ==, 1);
	/* A new bit: one more message. */
	g_assert_cmpint(hvmdev_set_kv(env.dev, "k", "v", 1), ==, 0);
	g_assert_cmpuint(env.tb.msi_count, ==, 2);
	g_assert_cmphex(ack(&env), ==, 3);
	/* After the ack the same event raises a new message. */
	hint(&env, 802);
	g_assert_cmpuint(env.tb.msi_count, ==, 3);
	g_assert_cmphex(ack(&env), ==, 1);
	g_assert_cmpuint(env.tb.msi_count, ==, 3);

	/* 64-bit address. */
	testbus_cfg_write(&env.tb, HVMDEV_MSI_CAP + PCI_MSI_ADDRESS_HI, 4, 1);
	hint(&env, 803);
	g_assert_cmphex(env.tb.msi_addr, ==, 0x1fee01000ull);
	replay_env_fini(&env);
}

/*
 * MSI is a memory write: none while bus mastering is off.  Turning it
 * off also ends the driver's session (filter 0), so an event raised
 * meanwhile is signalled once the next driver has set its filter.
 */
static void test_msi_needs_bus_master(void)
{
	struct replay_env env;

	t_env_up(&env);
	enable_msi(&env);
	set_filter(&env, HVMLINK_EVENT_VALID_MASK, 0);
	g_assert_cmphex(ack(&env), ==, HVMLINK_EVENT_HEARTBEAT_REQUEST);
	env.tb.msi_count = 0;
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY);
	hint(&env, 800);
	g_assert_cmpuint(env.tb.msi_count, ==, 0);
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	g_assert_cmpuint(env.tb.msi_count, ==, 0);
	g_assert_cmphex(hvmdev_get_filter(env.dev), ==, 0);
	set_filter(&env, HVMLINK_EVENT_DISPLAY_CHANGE, 0);
	g_assert_cmpuint(env.tb.msi_count, ==, 1);
	g_assert_cmphex(ack(&env), ==, HVMLINK_EVENT_DISPLAY_CHANGE);
	replay_env_fini(&env);
}

/* Switching between INTx and MSI with an event active. */
static void test_intx_msi_switch(void)
{
	struct replay_env env;

	t_env_up(&env);
	set_filter(&env, HVMLINK_EVENT_VALID_MASK, 0);
	hint(&env, 800);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	enable_msi(&env);
	/* INTx dropped, one message for what is already active. */
	g_assert_cmpuint(env.tb.intx, ==, 0);
	g_assert_cmpuint(env.tb.msi_count, ==, 1);
	testbus_cfg_write(&env.tb, HVMDEV_MSI_CAP + PCI_MSI_FLAGS, 2, 0);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	g_assert_cmpuint(env.tb.msi_count, ==, 1);
	replay_env_fini(&env);
}

/* The same rules as a replay script (what the fuzzer corpus uses). */
static void test_replay_interrupts(void)
{
	struct replay_env env;

	t_env_up(&env);
	t_replay(&env,
		 "# filter DISPLAY|KV via CTL_FILTER_MASK at 0x3000\n"
		 "hdr 0x3000 40 3\n"
		 "w32 0x3018 3\n"
		 "iow 0xc000 4 0x3000\n"
		 "r32 0x300c 0\n"
		 "r32 0x3020 3\n"
		 "intx 0\n"
		 "kv greeting hello 0\n"
		 "intx 1\n"
		 "pending 6\n"		/* + HEARTBEAT_REQUEST, masked */
		 "# ACK_EVENTS\n"
		 "hdr 0x3100 32 2\n"
		 "iow 0xc000 4 0x3100\n"
		 "r32 0x3118 2\n"
		 "intx 0\n"
		 "pending 4\n"
		 "ior 0xc010 4 0\n");
	replay_env_fini(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/device/irq/intx-level", test_intx_level);
	g_test_add_func("/device/irq/intx-disable", test_intx_disable);
	g_test_add_func("/device/irq/msi", test_msi);
	g_test_add_func("/device/irq/msi-bus-master", test_msi_needs_bus_master);
	g_test_add_func("/device/irq/intx-msi-switch", test_intx_msi_switch);
	g_test_add_func("/device/irq/replay", test_replay_interrupts);
	return g_test_run();
}
