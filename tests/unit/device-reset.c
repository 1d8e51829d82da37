/* SPDX-License-Identifier: MIT */
/*
 * Device reset (protocol 1.1): clearing Bus Master Enable ends the guest
 * driver's session.  The next driver finds filter and caps 0, no guest
 * info, facilities or display reports, heartbeats off and clean latches,
 * while the host's hints, keys and heartbeat wish survive and are raised
 * again as pending events.  The embedder hears of everything forgotten.
 */
#include <string.h>

#include "device-test-util.h"

static void submit_ok(struct replay_env *env, void *req, size_t size)
{
	g_assert_cmpint(t_submit(env, req, size), ==, HVMLINK_OK);
}

static void set_filter(struct replay_env *env, uint32_t or_mask)
{
	struct hvmlink_req_filter_mask f;

	t_hdr(&f, sizeof(f), HVMLINK_REQ_CTL_FILTER_MASK);
	f.or_mask = or_mask;
	submit_ok(env, &f, sizeof(f));
}

static uint32_t ack(struct replay_env *env)
{
	struct hvmlink_req_ack_events a;

	t_hdr(&a, sizeof(a), HVMLINK_REQ_ACK_EVENTS);
	submit_ok(env, &a, sizeof(a));
	return a.events;
}

/* A driver session with something in every corner of the guest state. */
static void session(struct replay_env *env)
{
	struct hvmlink_req_guest_caps c;
	struct hvmlink_req_guest_info gi;
	struct hvmlink_req_facility fa;
	struct hvmlink_req_report_display rd;
	struct hvmlink_req_heartbeat_config hc;

	set_filter(env, HVMLINK_EVENT_VALID_MASK);
	(void)ack(env);
	t_hdr(&c, sizeof(c), HVMLINK_REQ_SET_GUEST_CAPS);
	c.or_mask = HVMLINK_GUEST_CAP_DISPLAY | HVMLINK_GUEST_CAP_HEARTBEAT;
	submit_ok(env, &c, sizeof(c));
	t_hdr(&gi, sizeof(gi), HVMLINK_REQ_REPORT_GUEST_INFO);
	gi.driver_version = 0x010000;
	gi.os_type = HVMLINK_OS_LINUX;
	strcpy(gi.name, "old-driver");
	submit_ok(env, &gi, sizeof(gi));
	t_hdr(&fa, sizeof(fa), HVMLINK_REQ_REPORT_FACILITY);
	fa.facility = HVMLINK_FACILITY_DRIVER;
	fa.status = HVMLINK_FACILITY_ACTIVE;
	submit_ok(env, &fa, sizeof(fa));
	fa.facility = HVMLINK_FACILITY_KV;
	fa.status = HVMLINK_FACILITY_FAILED;
	submit_ok(env, &fa, sizeof(fa));
	t_hdr(&rd, sizeof(rd), HVMLINK_REQ_REPORT_DISPLAY);
	rd.seq = 0;		/* a mode the guest chose itself */
	rd.mode = (struct hvmlink_display_mode){ 800, 600, 0, 0, 0, 1 };
	submit_ok(env, &rd, sizeof(rd));
	t_hdr(&hc, sizeof(hc), HVMLINK_REQ_HEARTBEAT_CONFIG);
	hc.enable = 1;
	submit_ok(env, &hc, sizeof(hc));
	/* vCPU 2 is between its REQUEST_HI and REQUEST writes. */
	env->tb.vcpu = 2;
	t_reg_write(env, HVMLINK_REG_REQUEST_HI, 5);
	env->tb.vcpu = 0;
}

static void bus_master(struct replay_env *env, bool on)
{
	testbus_cfg_write(&env->tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | (on ? PCI_COMMAND_MASTER : 0));
}

static void assert_clean_session(struct replay_env *env)
{
	struct hvmdev_guest_info gi;
	struct hvmdev_display_state d;
	struct hvmdev_heartbeat hb;

	g_assert_cmphex(hvmdev_get_filter(env->dev), ==, 0);
	g_assert_cmphex(hvmdev_get_guest_caps(env->dev), ==, 0);
	hvmdev_get_guest_info(env->dev, &gi);
	g_assert_false(gi.reported);
	g_assert_cmpstr(gi.name, ==, "");
	for (unsigned int f = 1; f < HVMLINK_FACILITY_COUNT; f++)
		g_assert_cmpint(hvmdev_get_facility(env->dev, f), ==,
				HVMLINK_FACILITY_INACTIVE);
	g_assert_cmpint(hvmdev_get_display(env->dev, 0, &d), ==, 0);
	g_assert_false(d.reported);
	g_assert_cmpuint(d.mode.width, ==, 0);
	hvmdev_get_heartbeat(env->dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_OFF);
	for (unsigned int v = 0; v < TESTBUS_NR_VCPUS; v++) {
		env->tb.vcpu = v;
		g_assert_cmphex(t_reg(env, HVMLINK_REG_REQUEST_HI), ==, 0);
		g_assert_cmphex(t_reg(env, HVMLINK_REG_LAST_RC), ==, 0);
	}
	env->tb.vcpu = 0;
}

static void test_reset_forgets_session(void)
{
	struct replay_env env;
	struct hvmdev_display_state d;
	struct hvmdev_heartbeat hb;
	struct hvmdev_stats st;
	struct hvmlink_display_mode m = { 1280, 720, 0, 0, 0, 1 };
	uint64_t beats;

	t_env_up(&env);
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, 0);
	g_assert_cmpint(hvmdev_set_kv(env.dev, "k", "v", 1), ==, 0);
	session(&env);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_ALIVE);
	beats = hb.beats;
	/* An event the old driver never acknowledged, and RESTORED. */
	g_assert_cmpint(hvmdev_set_kv(env.dev, "k", "w", 1), ==, 0);
	env.dev->st.pending |= HVMLINK_EVENT_RESTORED;
	g_assert_cmpuint(env.tb.intx, ==, 1);

	env.changed_bits = 0;
	bus_master(&env, false);
	assert_clean_session(&env);
	/* The embedder is told to clear what it published. */
	g_assert_cmphex(env.changed_bits, ==, HVMDEV_CHANGED_GUEST_INFO |
			HVMDEV_CHANGED_CAPS | HVMDEV_CHANGED_FILTER |
			HVMDEV_CHANGED_HEARTBEAT | HVMDEV_CHANGED_FACILITY |
			HVMDEV_CHANGED_DISPLAY | HVMDEV_CHANGED_PCI);
	/* Host news still current is pending again; RESTORED is not. */
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	g_assert_cmpuint(env.tb.intx, ==, 0);	/* filter 0 */
	/* The host's side is untouched: hint, seq, keys, beats counted. */
	g_assert_cmpint(hvmdev_get_display(env.dev, 0, &d), ==, 0);
	g_assert_true(d.hint_set);
	g_assert_cmpuint(d.hint.width, ==, 1280);
	g_assert_cmpuint(d.hint_seq, ==, 1);
	g_assert_cmpuint(env.dev->st.kv_generation, ==, 2);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.interval_ns, ==, 2000000000ull);
	g_assert_cmpuint(hb.beats, ==, beats);
	/* Decode stays: the OS owns configuration space. */
	g_assert_nonnull(testbus_find(&env.tb, BUS_SPACE_PIO, T_IO_BASE));
	g_assert_cmphex(t_cfg32(&env, PCI_BASE_ADDRESS_0), ==, T_IO_BASE | 1);
	hvmdev_get_stats(env.dev, &st);
	g_assert_cmpuint(st.resets, ==, 1);
	t_replay(&env, "mmr 0xfe000010 4 0\n"	/* status page: filter */
		       "mmr 0xfe000014 4 0\n");	/* caps */

	/* The next driver: bus master on, filter set, and the news arrive. */
	bus_master(&env, true);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	set_filter(&env, HVMLINK_EVENT_VALID_MASK);
	g_assert_cmpuint(env.tb.intx, ==, 1);
	g_assert_cmphex(ack(&env), ==, HVMLINK_EVENT_DISPLAY_CHANGE |
			HVMLINK_EVENT_KV_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	g_assert_cmpuint(env.tb.intx, ==, 0);
	replay_env_fini(&env);
}

/* With nothing to say, the next driver finds nothing pending. */
static void test_reset_without_news(void)
{
	struct replay_env env;
	struct hvmlink_display_mode m = { 1280, 720, 0, 0, 0, 1 };

	t_env_up(&env);
	hvmdev_set_heartbeat_interval(env.dev, 0);
	session(&env);
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, 0);
	bus_master(&env, false);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE);
	/* Keys that were deleted are no news for a new driver. */
	g_assert_cmpint(hvmdev_set_kv(env.dev, "gone", "x", 1), ==, 0);
	g_assert_cmpint(hvmdev_delete_kv(env.dev, "gone"), ==, 0);
	bus_master(&env, true);
	set_filter(&env, HVMLINK_EVENT_VALID_MASK);
	(void)ack(&env);
	env.changed_bits = 0;
	bus_master(&env, false);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE);
	/* Only the filter was set in that session: nothing else to clear. */
	g_assert_cmphex(env.changed_bits, ==, HVMDEV_CHANGED_FILTER |
			HVMDEV_CHANGED_PCI);
	replay_env_fini(&env);

	/* A device nobody ever drove: nothing at all. */
	t_env_up(&env);
	hvmdev_set_heartbeat_interval(env.dev, 0);
	(void)ack(&env);
	bus_master(&env, false);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==, 0);
	replay_env_fini(&env);
}

/* Power on is the reset state: the first driver hears the host's news
 * exactly as a later one does. */
static void test_power_on_is_reset(void)
{
	struct replay_env env;
	struct hvmdev_config cfg;

	t_env_up(&env);
	assert_clean_session(&env);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	replay_env_fini(&env);

	hvmdev_config_init(&cfg);
	cfg.heartbeat_interval_ns = 0;
	g_assert_cmpint(replay_env_init(&env, &cfg), ==, 0);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==, 0);
	replay_env_fini(&env);
}

/* Only the 1 -> 0 edge of Bus Master Enable resets. */
static void test_reset_edge_only(void)
{
	struct replay_env env;
	struct hvmdev_stats st;

	t_env_up(&env);
	session(&env);
	/* Other command bits, other registers, bus master kept: no reset. */
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			  PCI_COMMAND_INTX_DISABLE);
	testbus_cfg_write(&env.tb, PCI_INTERRUPT_LINE, 1, 5);
	testbus_cfg_write(&env.tb, PCI_COMMAND, 1, 0x07);
	g_assert_cmphex(hvmdev_get_guest_caps(env.dev), !=, 0);
	hvmdev_get_stats(env.dev, &st);
	g_assert_cmpuint(st.resets, ==, 0);
	/* A byte write that clears it counts. */
	testbus_cfg_write(&env.tb, PCI_COMMAND, 1, 0x03);
	assert_clean_session(&env);
	/* Clearing it again, or anything while it is off: no second reset. */
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, 0);
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO);
	hvmdev_get_stats(env.dev, &st);
	g_assert_cmpuint(st.resets, ==, 1);
	/* A whole 8-byte write over the header that drops it. */
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	session(&env);
	testbus_cfg_write(&env.tb, 0, 8,
			  (uint64_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY) << 32);
	assert_clean_session(&env);
	hvmdev_get_stats(env.dev, &st);
	g_assert_cmpuint(st.resets, ==, 2);
	replay_env_fini(&env);
}

/* Toggling bus mastering must not buy a guest a fresh LOG burst. */
static void test_reset_keeps_log_limit(void)
{
	struct replay_env env;
	struct hvmlink_req_log l;
	int i;

	t_env_up(&env);
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LOG);
	l.length = 2;
	memcpy(l.text, "hi", 2);
	for (i = 0; i < HVMLINK_LOG_BURST; i++)
		submit_ok(&env, &l, sizeof(l));
	g_assert_cmpint(t_submit(&env, &l, sizeof(l)), ==,
			HVMLINK_ERR_RATE_LIMITED);
	bus_master(&env, false);
	bus_master(&env, true);
	g_assert_cmpint(t_submit(&env, &l, sizeof(l)), ==,
			HVMLINK_ERR_RATE_LIMITED);
	/* The window, not the reset, ends the limit. */
	env.monotonic_ns += (uint64_t)HVMLINK_LOG_WINDOW_MS * 1000000;
	submit_ok(&env, &l, sizeof(l));
	replay_env_fini(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/device/reset/forgets-session",
			test_reset_forgets_session);
	g_test_add_func("/device/reset/without-news", test_reset_without_news);
	g_test_add_func("/device/reset/power-on", test_power_on_is_reset);
	g_test_add_func("/device/reset/edge-only", test_reset_edge_only);
	g_test_add_func("/device/reset/log-limit", test_reset_keeps_log_limit);
	return g_test_run();
}
