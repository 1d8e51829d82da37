/* SPDX-License-Identifier: MIT */
/*
 * PCI function behaviour: configuration space rules, BAR sizing and
 * relocation (ranges re-registered on the bus), decode enable, and BAR
 * collisions.
 */
#include <errno.h>
#include <string.h>

#include "device-test-util.h"

static void test_identity(void)
{
	struct replay_env env;

	t_env_init(&env);
	g_assert_true(env.tb.claimed);
	g_assert_cmpuint(env.tb.devfn, ==, 0x18);
	g_assert_cmphex(t_cfg32(&env, 0x00), ==,
			(uint32_t)HVMLINK_PCI_DEVICE_ID << 16 | HVMLINK_PCI_VENDOR_ID);
	/* Class 0x0880, prog-if 0, revision. */
	g_assert_cmphex(t_cfg32(&env, 0x08), ==,
			HVMLINK_PCI_CLASS << 8 | HVMLINK_PCI_REVISION);
	g_assert_cmphex(t_cfg32(&env, 0x2c), ==,
			(uint32_t)HVMLINK_PCI_SUBSYS_ID << 16 |
			HVMLINK_PCI_SUBSYS_VENDOR_ID);
	/* Status: capability list; command 0 after reset. */
	g_assert_cmphex(t_cfg32(&env, 0x04), ==, PCI_STATUS_CAP_LIST << 16);
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x34, 1), ==, 0x40);
	/* MSI capability: id 5, end of list, 64-bit, 1 vector, disabled. */
	g_assert_cmphex(t_cfg32(&env, 0x40), ==, 0x00800005);
	/* Interrupt pin A. */
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x3d, 1), ==, 1);
	/* Header type 0; unimplemented BARs, ROM and extended space read 0. */
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x0e, 1), ==, 0);
	for (unsigned int off = 0x18; off <= 0x24; off += 4)
		g_assert_cmphex(t_cfg32(&env, off), ==, 0);
	g_assert_cmphex(t_cfg32(&env, 0x30), ==, 0);
	g_assert_cmphex(t_cfg32(&env, 0x100), ==, 0);
	g_assert_cmphex(t_cfg32(&env, 0xffc), ==, 0);
	replay_env_fini(&env);
}

static void test_custom_ids(void)
{
	struct replay_env env;
	struct hvmdev_config cfg;

	hvmdev_config_init(&cfg);
	cfg.vendor_id = 0x1234;
	cfg.device_id = 0x5678;
	cfg.subsys_vendor_id = 0x9abc;
	cfg.subsys_id = 0xdef0;
	cfg.revision = 7;
	cfg.pci_bus = 3;
	cfg.pci_devfn = 0xf2;
	g_assert_cmpint(replay_env_init(&env, &cfg), ==, 0);
	g_assert_cmphex(t_cfg32(&env, 0x00), ==, 0x56781234);
	g_assert_cmphex(t_cfg32(&env, 0x2c), ==, 0xdef09abc);
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x08, 1), ==, 7);
	g_assert_cmpuint(env.tb.bus_nr, ==, 3);
	g_assert_cmpuint(env.tb.devfn, ==, 0xf2);
	replay_env_fini(&env);
}

static void test_create_errors(void)
{
	struct testbus tb;
	struct hvmdev_config cfg;
	struct hvmdev *dev = (void *)1;

	testbus_init(&tb);
	hvmdev_config_init(&cfg);
	cfg.nr_displays = 0;
	g_assert_cmpint(hvmdev_create(&cfg, &tb.bus, &replay_dev_ops, NULL,
				      &dev), ==, -EINVAL);
	g_assert_null(dev);
	cfg.nr_displays = HVMLINK_MAX_DISPLAYS + 1;
	g_assert_cmpint(hvmdev_create(&cfg, &tb.bus, &replay_dev_ops, NULL,
				      &dev), ==, -EINVAL);
	cfg.nr_displays = HVMLINK_MAX_DISPLAYS;
	tb.claim_error = -EBUSY;
	g_assert_cmpint(hvmdev_create(&cfg, &tb.bus, &replay_dev_ops, NULL,
				      &dev), ==, -EBUSY);
	g_assert_null(dev);
	testbus_fini(&tb);
}

/* Read-only registers ignore writes of every width. */
static void test_read_only(void)
{
	struct replay_env env;
	uint8_t before[256], after[256];
	static const unsigned int ro[] = {
		0x00, 0x02, 0x06, 0x08, 0x0a, 0x0e, 0x18, 0x2c, 0x2e, 0x30,
		0x34, 0x3d, 0x40, 0x41,
	};

	t_env_init(&env);
	for (unsigned int i = 0; i < 256; i++)
		before[i] = (uint8_t)testbus_cfg_read(&env.tb, i, 1);
	for (unsigned int i = 0; i < G_N_ELEMENTS(ro); i++) {
		testbus_cfg_write(&env.tb, ro[i], 1, 0xa5);
		testbus_cfg_write(&env.tb, ro[i] & ~1u, 2, 0xa5a5);
		testbus_cfg_write(&env.tb, ro[i] & ~3u, 4, 0xa5a5a5a5 &
				  ~0xffffu);	/* keep command 0 */
	}
	testbus_cfg_write(&env.tb, 0x80, 8, ~0ull);	/* reserved */
	for (unsigned int i = 0; i < 256; i++) {
		after[i] = (uint8_t)testbus_cfg_read(&env.tb, i, 1);
		if (i < 0x04 || (i >= 0x06 && i < 0x0c) || (i >= 0x0d &&
		    i < 0x10) || (i >= 0x18 && i < 0x3c) || i == 0x3d ||
		    (i >= 0x40 && i < 0x42) || i >= 0x50)
			g_assert_cmphex(after[i], ==, before[i]);
	}
	replay_env_fini(&env);
}

/* Any width at any offset is a byte-wise merge, as on real hardware. */
static void test_bytewise(void)
{
	struct replay_env env;

	t_env_init(&env);
	testbus_cfg_write(&env.tb, 0x3c, 1, 0x0b);	/* interrupt line */
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x3c, 1), ==, 0x0b);
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x3c, 2), ==, 0x010b);
	/* Unaligned 2-byte read across line and pin, 4-byte across 0x3e. */
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x3b, 2), ==, 0x0b00);
	/* Unaligned 4-byte write hitting cache line (RW) + latency (RO). */
	testbus_cfg_write(&env.tb, 0x0b, 4, 0xffff40ff);
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x0c, 1), ==, 0x40);
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x0b, 1), ==, 0x08);
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x0d, 1), ==, 0);
	/* 8-byte read of the ids. */
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0, 8), ==,
			(uint64_t)(PCI_STATUS_CAP_LIST << 16) << 32 |
			(uint32_t)HVMLINK_PCI_DEVICE_ID << 16 | HVMLINK_PCI_VENDOR_ID);
	/* Command: only the defined bits stick. */
	testbus_cfg_write(&env.tb, 0x04, 2, 0xffff);
	g_assert_cmphex(testbus_cfg_read(&env.tb, 0x04, 2), ==, 0x0547);
	replay_env_fini(&env);
}

static void test_bar_sizing(void)
{
	struct replay_env env;

	t_env_init(&env);
	g_assert_cmphex(t_cfg32(&env, 0x10), ==, 0x1);	/* IO BAR */
	g_assert_cmphex(t_cfg32(&env, 0x14), ==, 0x0);	/* 32-bit mem */
	testbus_cfg_write(&env.tb, 0x10, 4, 0xffffffff);
	testbus_cfg_write(&env.tb, 0x14, 4, 0xffffffff);
	g_assert_cmphex(t_cfg32(&env, 0x10), ==,
			~(uint32_t)(HVMLINK_BAR0_SIZE - 1) | 1);
	g_assert_cmphex(t_cfg32(&env, 0x14), ==,
			~(uint32_t)(HVMLINK_BAR1_SIZE - 1));
	/* Sizing with decode enabled maps nothing at the all-ones pattern. */
	testbus_cfg_write(&env.tb, 0x04, 2, 3);
	g_assert_cmpuint(env.tb.nr_ranges, ==, 0);
	/* Low bits of a programmed address are dropped. */
	testbus_cfg_write(&env.tb, 0x10, 4, 0xc01f);
	g_assert_cmphex(t_cfg32(&env, 0x10), ==, 0xc001);
	testbus_cfg_write(&env.tb, 0x14, 4, 0xfe000fff);
	g_assert_cmphex(t_cfg32(&env, 0x14), ==, 0xfe000000);
	g_assert_cmpuint(env.tb.nr_ranges, ==, 2);
	replay_env_fini(&env);
}

static void test_decode_and_relocation(void)
{
	struct replay_env env;
	const struct testbus_range *r;
	uint64_t v;

	t_env_init(&env);
	testbus_cfg_write(&env.tb, 0x10, 4, 0xc000);
	testbus_cfg_write(&env.tb, 0x14, 4, 0xfe000000);
	/* Decode off: nothing registered. */
	g_assert_cmpuint(env.tb.nr_ranges, ==, 0);
	g_assert_false(testbus_io_read(&env.tb, BUS_SPACE_PIO, 0xc00c, 4, &v));

	testbus_cfg_write(&env.tb, 0x04, 2, PCI_COMMAND_IO);
	r = testbus_find(&env.tb, BUS_SPACE_PIO, 0xc000);
	g_assert_nonnull(r);
	g_assert_cmphex(r->base, ==, 0xc000);
	g_assert_cmphex(r->size, ==, HVMLINK_BAR0_SIZE);
	g_assert_null(testbus_find(&env.tb, BUS_SPACE_MMIO, 0xfe000000));
	g_assert_true(testbus_io_read(&env.tb, BUS_SPACE_PIO, 0xc00c, 4, &v));
	g_assert_cmphex(v, ==, HVMLINK_PROTOCOL_VERSION);

	testbus_cfg_write(&env.tb, 0x04, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	r = testbus_find(&env.tb, BUS_SPACE_MMIO, 0xfe000000);
	g_assert_nonnull(r);
	g_assert_cmphex(r->size, ==, HVMLINK_BAR1_SIZE);
	g_assert_true(testbus_io_read(&env.tb, BUS_SPACE_MMIO, 0xfe000004, 4,
				      &v));
	g_assert_cmphex(v, ==, HVMLINK_PROTOCOL_VERSION);

	/* Move both: old ranges gone, new ones registered. */
	testbus_cfg_write(&env.tb, 0x10, 4, 0xd040);
	testbus_cfg_write(&env.tb, 0x14, 2, 0x1000);	/* low half only */
	g_assert_null(testbus_find(&env.tb, BUS_SPACE_PIO, 0xc000));
	g_assert_nonnull(testbus_find(&env.tb, BUS_SPACE_PIO, 0xd040));
	g_assert_null(testbus_find(&env.tb, BUS_SPACE_MMIO, 0xfe000000));
	g_assert_nonnull(testbus_find(&env.tb, BUS_SPACE_MMIO, 0xfe001000));
	g_assert_cmpuint(env.tb.nr_ranges, ==, 2);

	/* IO decode off: only BAR0 goes. */
	testbus_cfg_write(&env.tb, 0x04, 2, PCI_COMMAND_MEMORY);
	g_assert_null(testbus_find(&env.tb, BUS_SPACE_PIO, 0xd040));
	g_assert_cmpuint(env.tb.nr_ranges, ==, 1);
	/* IO BAR beyond the 64 KiB port space never decodes. */
	testbus_cfg_write(&env.tb, 0x10, 4, 0x10000);
	testbus_cfg_write(&env.tb, 0x04, 2, 3);
	g_assert_cmpuint(env.tb.nr_ranges, ==, 1);
	replay_env_fini(&env);
	/* destroy unmapped everything */
	g_assert_cmpuint(env.tb.nr_ranges, ==, 0);
}

/* Something else already sits where the guest puts a BAR: the map fails,
 * the device keeps working and maps once the BAR moves somewhere free. */
static void test_bar_collision(void)
{
	static const struct bus_io_ops dummy;
	struct replay_env env;
	struct hvmdev_stats stats;

	t_env_up(&env);
	/* Another device at 0xe000 (port) */
	g_assert_cmpint(bus_map_range(&env.tb.bus, BUS_SPACE_PIO, 0xe000, 0x100,
				      &dummy, NULL), ==, 0);
	testbus_cfg_write(&env.tb, 0x10, 4, 0xe020);
	g_assert_null(testbus_find(&env.tb, BUS_SPACE_PIO, T_IO_BASE));
	g_assert_true(testbus_find(&env.tb, BUS_SPACE_PIO, 0xe020)->ops ==
		      &dummy);
	hvmdev_get_stats(env.dev, &stats);
	g_assert_cmpuint(stats.map_failures, ==, 1);
	g_assert_cmphex(t_cfg32(&env, 0x10), ==, 0xe021);
	/* Move it to a free place: mapped again. */
	testbus_cfg_write(&env.tb, 0x10, 4, T_IO_BASE);
	g_assert_cmphex(t_reg(&env, HVMLINK_REG_VERSION), ==,
			HVMLINK_PROTOCOL_VERSION);
	replay_env_fini(&env);
}

/* Two BARs of one device moved over each other: MMIO and PIO are
 * separate spaces, so put BAR1 over a foreign MMIO range, then swap. */
static void test_bar_swap_no_stale(void)
{
	struct replay_env env;

	t_env_up(&env);
	t_replay(&env,
		 "cfgw 0x14 4 0xfe001000\n"
		 "mapped 1 0xfe000000 0\n"
		 "mapped 1 0xfe001000 1\n"
		 "cfgw 0x14 4 0xfe000000\n"
		 "mapped 1 0xfe001000 0\n"
		 "mapped 1 0xfe000000 1\n"
		 "cfgw 0x04 2 0\n"
		 "mapped 1 0xfe000000 0\n"
		 "mapped 0 0xc000 0\n"
		 "cfgw 0x04 2 3\n"
		 "mapped 1 0xfe000000 1\n"
		 "mapped 0 0xc000 1\n");
	g_assert_cmpuint(env.tb.nr_ranges, ==, 2);
	replay_env_fini(&env);
}

/* Registers: only aligned 32-bit accesses; others read all-ones. */
static void test_register_widths(void)
{
	struct replay_env env;

	t_env_up(&env);
	t_replay(&env,
		 "ior 0xc00c 4 0x00010001\n"
		 "ior 0xc00c 2 0xffff\n"
		 "ior 0xc00d 1 0xff\n"
		 "ior 0xc00e 4 0xffffffff\n"
		 "iow 0xc004 4 0x12345678\n"
		 "ior 0xc004 4 0x12345678\n"
		 "iow 0xc004 2 0\n"
		 "ior 0xc004 4 0x12345678\n"
		 "iow 0xc00c 4 0\n"		/* VERSION is read-only */
		 "ior 0xc00c 4 0x00010001\n"
		 "ior 0xc014 4 0\n"		/* reserved */
		 "ior 0xc01c 4 0\n"
		 "ior 0xc000 4 0\n");		/* REQUEST write-only */
	replay_env_fini(&env);
}

static void test_status_page(void)
{
	struct replay_env env;

	t_env_up(&env);
	t_replay(&env,
		 "mmr 0xfe000000 4 32\n"
		 "mmr 0xfe000004 4 0x00010001\n"
		 "mmr 0xfe000000 8 0x0001000100000020\n"
		 "mmr 0xfe000018 8 0x1f\n"	/* host features */
		 "mmr 0xfe000005 1 0\n"
		 "mmr 0xfe000006 1 1\n"
		 "mmr 0xfe000006 2 1\n"
		 "mmr 0xfe000002 4 0xffffffff\n"	/* misaligned */
		 "mmr 0xfe000ff8 8 0\n"		/* past the struct */
		 "mmw 0xfe000000 4 0\n"		/* ignored */
		 "mmr 0xfe000000 4 32\n");
	replay_env_fini(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/device/pci/identity", test_identity);
	g_test_add_func("/device/pci/custom-ids", test_custom_ids);
	g_test_add_func("/device/pci/create-errors", test_create_errors);
	g_test_add_func("/device/pci/read-only", test_read_only);
	g_test_add_func("/device/pci/bytewise", test_bytewise);
	g_test_add_func("/device/pci/bar-sizing", test_bar_sizing);
	g_test_add_func("/device/pci/decode-relocation",
			test_decode_and_relocation);
	g_test_add_func("/device/pci/bar-collision", test_bar_collision);
	g_test_add_func("/device/pci/bar-swap", test_bar_swap_no_stale);
	g_test_add_func("/device/regs/widths", test_register_widths);
	g_test_add_func("/device/regs/status-page", test_status_page);
	return g_test_run();
}
