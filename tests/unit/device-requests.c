/* SPDX-License-Identifier: MIT */
/*
 * The request protocol: every request type's happy path and the
 * validation failures a hostile guest can provoke.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device-test-util.h"

#define SUBMIT(env, r) t_submit(env, &(r), sizeof(r))

static void test_host_version(void)
{
	struct replay_env env;
	struct hvmlink_req_host_version r;

	t_env_up(&env);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
	r.padding = 0xdeadbeef;	/* not an OUT field: left alone */
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpint(r.header.rc, ==, HVMLINK_OK);
	g_assert_cmphex(r.protocol_version, ==, HVMLINK_PROTOCOL_VERSION);
	g_assert_cmpuint(r.major, ==, 0);
	g_assert_cmpuint(r.minor, ==, 1);
	g_assert_cmphex(r.features, ==, HVMLINK_HOST_F_MSI |
			HVMLINK_HOST_F_REQUEST_HI | HVMLINK_HOST_F_KV |
			HVMLINK_HOST_F_HEARTBEAT |
			HVMLINK_HOST_F_VCPU_LATCHES);
	g_assert_cmphex(r.padding, ==, 0xdeadbeef);
	/* Header IN fields untouched. */
	g_assert_cmpuint(r.header.size, ==, sizeof(r));
	g_assert_cmpuint(r.header.type, ==, HVMLINK_REQ_GET_HOST_VERSION);
	replay_env_fini(&env);
}

static void test_request_above_4g(void)
{
	struct replay_env env;
	struct hvmlink_req_host_time r;

	t_env_up(&env);
	env.realtime_ns = 1234567890123ull;
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_HOST_TIME);
	g_assert_cmpint(t_submit_at(&env, T_RAM_HIGH + 0x100, &r, sizeof(r)),
			==, HVMLINK_OK);
	g_assert_cmpuint(r.realtime_ns, ==, 1234567890123ull);
	/* REQUEST_HI is reset after a submission. */
	g_assert_cmphex(t_reg(&env, HVMLINK_REG_REQUEST_HI), ==, 0);
	replay_env_fini(&env);
}

/* Crossing a page boundary within RAM is fine.  What the page's view
 * does not hold goes through copies: at 0x2ff0 the header already crosses
 * (two copies in), at 0x2fe0 only the body (the header from the view, the
 * body copied in). */
static void test_request_crossing_page(void)
{
	static const struct { uint64_t gpa; unsigned int reads; } at[] = {
		{ 0x2ff0, 2 }, { 0x2fe0, 1 },
	};
	struct replay_env env;
	struct hvmlink_req_host_version r;

	t_env_up(&env);
	for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
		t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
		env.tb.guest_views = env.tb.guest_reads = 0;
		g_assert_cmpint(t_submit_at(&env, at[i].gpa, &r, sizeof(r)), ==,
				HVMLINK_OK);
		g_assert_cmphex(r.header.rc, ==, HVMLINK_OK);
		g_assert_cmphex(r.features & HVMLINK_HOST_F_KV, !=, 0);
		g_assert_cmphex(r.protocol_version, ==,
				HVMLINK_PROTOCOL_VERSION);
		g_assert_cmpuint(env.tb.guest_views, ==, 1);
		g_assert_cmpuint(env.tb.guest_reads, ==, at[i].reads);
	}
	replay_env_fini(&env);
}

/* Within one page (the driver's buffer): one view serves the whole
 * request, no copy call; the answer is the same as through copies. */
static void test_request_one_view(void)
{
	struct replay_env env;
	struct hvmlink_req_host_version r;

	t_env_up(&env);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
	env.tb.guest_views = env.tb.guest_reads = 0;
	g_assert_cmpint(t_submit_at(&env, 0x2fd0, &r, sizeof(r)), ==,
			HVMLINK_OK);
	g_assert_cmphex(r.protocol_version, ==, HVMLINK_PROTOCOL_VERSION);
	g_assert_cmphex(r.features & HVMLINK_HOST_F_KV, !=, 0);
	g_assert_cmpuint(env.tb.guest_views, ==, 1);
	g_assert_cmpuint(env.tb.guest_reads, ==, 0);
	replay_env_fini(&env);
}

static void test_header_unreadable(void)
{
	struct replay_env env;
	struct hvmdev_stats stats;

	t_env_up(&env);
	/* In the hole between the RAM regions. */
	t_reg_write(&env, HVMLINK_REG_REQUEST_HI, 0);
	t_reg_write(&env, HVMLINK_REG_REQUEST, 0x80000000u);
	g_assert_cmpint((int32_t)t_reg(&env, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_NO_REQUEST);
	/* Header straddling the end of RAM. */
	t_reg_write(&env, HVMLINK_REG_REQUEST, T_RAM_LOW_SIZE - 8);
	g_assert_cmpint((int32_t)t_reg(&env, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_NO_REQUEST);
	/* Address that would wrap. */
	t_reg_write(&env, HVMLINK_REG_REQUEST_HI, 0xffffffffu);
	t_reg_write(&env, HVMLINK_REG_REQUEST, 0xfffffff0u);
	g_assert_cmpint((int32_t)t_reg(&env, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_NO_REQUEST);
	hvmdev_get_stats(env.dev, &stats);
	g_assert_cmpuint(stats.no_request, ==, 3);
	replay_env_fini(&env);
}

/* Header readable, body runs into unpopulated memory: nothing written. */
static void test_body_unreadable(void)
{
	struct replay_env env;
	struct hvmlink_req_get_kv r;
	uint64_t gpa = T_RAM_LOW_SIZE - sizeof(struct hvmlink_req_header) - 8;
	struct hvmlink_req_header *h;

	t_env_up(&env);
	h = testbus_ram(&env.tb, gpa, sizeof(*h));
	g_assert_nonnull(h);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_KV);
	memcpy(h, &r, sizeof(*h));
	t_reg_write(&env, HVMLINK_REG_REQUEST, (uint32_t)gpa);
	g_assert_cmpint((int32_t)t_reg(&env, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_NO_REQUEST);
	g_assert_cmpint(h->rc, ==, HVMLINK_ERR_GENERAL);
	replay_env_fini(&env);
}

static void check_header_error(struct replay_env *env, uint32_t size,
			       uint32_t version, uint32_t type,
			       uint32_t reserved, int32_t want)
{
	uint8_t buf[HVMLINK_REQUEST_MAX_SIZE + 64];
	struct hvmlink_req_header *h = (void *)buf;
	size_t len = size < sizeof(*h) ? sizeof(*h) :
		     size > sizeof(buf) ? sizeof(buf) : size;

	t_hdr(buf, (uint32_t)len, type);
	h->size = size;
	h->version = version;
	h->reserved2 = reserved;
	g_assert_cmpint(t_submit(env, buf, len), ==, want);
	g_assert_cmpint(h->rc, ==, want);
}

static void test_header_validation(void)
{
	struct replay_env env;
	const uint32_t v = HVMLINK_REQUEST_VERSION;
	const uint32_t hv = sizeof(struct hvmlink_req_host_version);

	t_env_up(&env);
	/* short, oversized, not the type's size, misaligned */
	check_header_error(&env, 8, v, HVMLINK_REQ_GET_HOST_VERSION, 0,
			   HVMLINK_ERR_BAD_SIZE);
	check_header_error(&env, 0, v, HVMLINK_REQ_GET_HOST_VERSION, 0,
			   HVMLINK_ERR_BAD_SIZE);
	check_header_error(&env, hv - 1, v, HVMLINK_REQ_GET_HOST_VERSION, 0,
			   HVMLINK_ERR_BAD_SIZE);
	check_header_error(&env, hv + 8, v, HVMLINK_REQ_GET_HOST_VERSION, 0,
			   HVMLINK_ERR_BAD_SIZE);
	check_header_error(&env, hv + 3, v, HVMLINK_REQ_GET_HOST_VERSION, 0,
			   HVMLINK_ERR_BAD_SIZE);
	/* header claims more than the cap (never read beyond the header) */
	check_header_error(&env, HVMLINK_REQUEST_MAX_SIZE + 1, v,
			   HVMLINK_REQ_GET_KV, 0, HVMLINK_ERR_BAD_SIZE);
	check_header_error(&env, 0xffffffffu, v, HVMLINK_REQ_GET_KV, 0,
			   HVMLINK_ERR_BAD_SIZE);
	/* wrong version */
	check_header_error(&env, hv, 0x00020000, HVMLINK_REQ_GET_HOST_VERSION,
			   0, HVMLINK_ERR_VERSION);
	check_header_error(&env, hv, 0, HVMLINK_REQ_GET_HOST_VERSION, 0,
			   HVMLINK_ERR_VERSION);
	/* unknown type */
	check_header_error(&env, hv, v, 0, 0, HVMLINK_ERR_NOT_SUPPORTED);
	check_header_error(&env, hv, v, HVMLINK_REQ_TYPE_COUNT, 0,
			   HVMLINK_ERR_NOT_SUPPORTED);
	check_header_error(&env, hv, v, 0x80000001u, 0,
			   HVMLINK_ERR_NOT_SUPPORTED);
	/* reserved header field */
	check_header_error(&env, hv, v, HVMLINK_REQ_GET_HOST_VERSION, 1,
			   HVMLINK_ERR_INVALID_PARAMETER);
	replay_env_fini(&env);
}

/* Without bus mastering the device does no DMA: the write is dropped. */
static void test_no_bus_master(void)
{
	struct replay_env env;
	struct hvmlink_req_host_version r;
	struct hvmdev_stats stats;

	t_env_up(&env);
	testbus_cfg_write(&env.tb, PCI_COMMAND, 2, PCI_COMMAND_IO);
	t_reg_write(&env, HVMLINK_REG_REQUEST_HI, 0);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
	t_reg_write(&env, HVMLINK_REG_REQUEST, 0x80000000u);
	g_assert_cmpint((int32_t)t_reg(&env, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_OK);
	g_assert_cmpint(t_submit(&env, &r, sizeof(r)), ==, HVMLINK_OK);
	g_assert_cmpint(r.header.rc, ==, HVMLINK_ERR_GENERAL);
	g_assert_cmpuint(r.protocol_version, ==, 0);
	/* REQUEST_HI stays latched too. */
	t_reg_write(&env, HVMLINK_REG_REQUEST_HI, 5);
	t_reg_write(&env, HVMLINK_REG_REQUEST, 0x2000);
	g_assert_cmphex(t_reg(&env, HVMLINK_REG_REQUEST_HI), ==, 5);
	hvmdev_get_stats(env.dev, &stats);
	g_assert_cmpuint(stats.requests, ==, 0);
	replay_env_fini(&env);
}

static void test_ack_and_filter(void)
{
	struct replay_env env;
	struct hvmlink_req_filter_mask f;
	struct hvmlink_req_ack_events a;
	struct hvmlink_display_mode m = { 800, 600, 32, 0, 0, 1 };

	t_env_up(&env);
	/* From power on: the host wants heartbeats (2 s by default). */
	g_assert_cmphex(t_reg(&env, HVMLINK_REG_PENDING), ==,
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, 0);
	g_assert_cmphex(t_reg(&env, HVMLINK_REG_PENDING), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	/* Filter 0: ack returns nothing and leaves the events pending. */
	t_hdr(&a, sizeof(a), HVMLINK_REQ_ACK_EVENTS);
	g_assert_cmpint(SUBMIT(&env, a), ==, HVMLINK_OK);
	g_assert_cmphex(a.events, ==, 0);
	g_assert_cmphex(t_reg(&env, HVMLINK_REG_PENDING), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST);

	t_hdr(&f, sizeof(f), HVMLINK_REQ_CTL_FILTER_MASK);
	f.or_mask = HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE;
	g_assert_cmpint(SUBMIT(&env, f), ==, HVMLINK_OK);
	g_assert_cmphex(f.mask, ==, 3);
	t_hdr(&f, sizeof(f), HVMLINK_REQ_CTL_FILTER_MASK);
	f.or_mask = HVMLINK_EVENT_RESTORED;
	f.not_mask = HVMLINK_EVENT_KV_CHANGE;
	g_assert_cmpint(SUBMIT(&env, f), ==, HVMLINK_OK);
	g_assert_cmphex(f.mask, ==, HVMLINK_EVENT_DISPLAY_CHANGE |
			HVMLINK_EVENT_RESTORED);
	g_assert_cmphex(hvmdev_get_filter(env.dev), ==, 9);
	/* Unknown event bits are refused, mask unchanged. */
	t_hdr(&f, sizeof(f), HVMLINK_REQ_CTL_FILTER_MASK);
	f.or_mask = 0x100;
	g_assert_cmpint(SUBMIT(&env, f), ==, HVMLINK_ERR_INVALID_PARAMETER);
	g_assert_cmphex(f.mask, ==, 0);		/* OUT not written */
	g_assert_cmphex(hvmdev_get_filter(env.dev), ==, 9);

	t_hdr(&a, sizeof(a), HVMLINK_REQ_ACK_EVENTS);
	g_assert_cmpint(SUBMIT(&env, a), ==, HVMLINK_OK);
	g_assert_cmphex(a.events, ==, HVMLINK_EVENT_DISPLAY_CHANGE);
	/* The masked one stays. */
	g_assert_cmphex(t_reg(&env, HVMLINK_REG_PENDING), ==,
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	t_hdr(&a, sizeof(a), HVMLINK_REQ_ACK_EVENTS);
	g_assert_cmpint(SUBMIT(&env, a), ==, HVMLINK_OK);
	g_assert_cmphex(a.events, ==, 0);
	replay_env_fini(&env);
}

static void test_guest_info(void)
{
	struct replay_env env;
	struct hvmlink_req_guest_info r;
	struct hvmdev_guest_info info;

	t_env_up(&env);
	hvmdev_get_guest_info(env.dev, &info);
	g_assert_false(info.reported);

	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_GUEST_INFO);
	r.driver_version = 0x010203;
	r.os_type = HVMLINK_OS_LINUX;
	strcpy(r.os_release, "6.1.0-13-amd64");
	/* Full-width name without a NUL is accepted. */
	memset(r.name, 'n', sizeof(r.name));
	env.changed_bits = 0;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmphex(env.changed_bits, ==, HVMDEV_CHANGED_GUEST_INFO);
	hvmdev_get_guest_info(env.dev, &info);
	g_assert_true(info.reported);
	g_assert_cmphex(info.driver_version, ==, 0x010203);
	g_assert_cmpuint(info.os_type, ==, HVMLINK_OS_LINUX);
	g_assert_cmpstr(info.os_release, ==, "6.1.0-13-amd64");
	g_assert_cmpuint(strlen(info.name), ==, HVMLINK_NAME_LEN);

	/* Bytes after the first NUL are ignored. */
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_GUEST_INFO);
	strcpy(r.os_release, "5.10");
	r.os_release[10] = '\x01';
	strcpy(r.name, "vm1");
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	hvmdev_get_guest_info(env.dev, &info);
	g_assert_cmpstr(info.os_release, ==, "5.10");

	/* Control characters or high bytes before the NUL: refused, the
	 * previous report stays. */
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_GUEST_INFO);
	strcpy(r.os_release, "evil\n");
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_GUEST_INFO);
	strcpy(r.name, "caf\xc3\xa9");
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	hvmdev_get_guest_info(env.dev, &info);
	g_assert_cmpstr(info.name, ==, "vm1");
	replay_env_fini(&env);
}

static void test_guest_caps(void)
{
	struct replay_env env;
	struct hvmlink_req_guest_caps r;

	t_env_up(&env);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_SET_GUEST_CAPS);
	r.or_mask = HVMLINK_GUEST_CAP_DISPLAY | HVMLINK_GUEST_CAP_KV;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmphex(r.caps, ==, 3);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_SET_GUEST_CAPS);
	r.not_mask = HVMLINK_GUEST_CAP_DISPLAY;
	r.or_mask = HVMLINK_GUEST_CAP_TIMESYNC;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmphex(r.caps, ==, 0xa);
	g_assert_cmphex(hvmdev_get_guest_caps(env.dev), ==, 0xa);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_SET_GUEST_CAPS);
	r.or_mask = 0x10;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	g_assert_cmphex(hvmdev_get_guest_caps(env.dev), ==, 0xa);
	/* The status page mirrors it. */
	t_replay(&env, "mmr 0xfe000014 4 0xa\n");
	replay_env_fini(&env);
}

static void test_display_hint(void)
{
	struct replay_env env;
	struct hvmdev_config cfg;
	struct hvmlink_req_display_hint r;
	struct hvmlink_display_mode m = { 1920, 1080, 32, -1920, 0, 1 };

	hvmdev_config_init(&cfg);
	cfg.nr_displays = 2;
	g_assert_cmpint(replay_env_init(&env, &cfg), ==, 0);
	g_assert_cmpint(testbus_add_ram(&env.tb, 0, T_RAM_LOW_SIZE), ==, 0);
	t_env_enable(&env);

	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = 1;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_NO_DATA);

	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 1, &m), ==, 0);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = 1;
	r.padding = 0x77;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpuint(r.mode.width, ==, 1920);
	g_assert_cmpuint(r.mode.height, ==, 1080);
	g_assert_cmpuint(r.mode.bpp, ==, 32);
	g_assert_cmpint(r.mode.x, ==, -1920);
	g_assert_cmpuint(r.mode.enabled, ==, 1);
	g_assert_cmpuint(r.seq, ==, 1);
	g_assert_cmpuint(r.padding, ==, 0x77);

	/* The administrator writes the same hint again: it is issued again
	 * (new seq, DISPLAY_CHANGE); a re-read of it (sync) is not. */
	t_replay(&env, "pending 5\n");	/* with HEARTBEAT_REQUEST */
	env.dev->st.pending = 0;	/* as if acknowledged */
	g_assert_cmpint(hvmdev_sync_display_hint(env.dev, 1, &m), ==, 0);
	t_replay(&env, "pending 0\n");
	t_replay(&env, "hint 1 1920 1080 32 -1920 0 1 0\npending 1\n");
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = 1;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpuint(r.seq, ==, 2);
	g_assert_cmpuint(r.mode.width, ==, 1920);
	/* A new hint on another display: seqs are shared by all displays;
	 * sync of a hint that differs is a new hint. */
	g_assert_cmpint(hvmdev_sync_display_hint(env.dev, 0, &m), ==, 0);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = 0;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpuint(r.seq, ==, 3);

	/* Display off: other fields read 0. */
	m.enabled = 0;
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, 0);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpuint(r.mode.width, ==, 0);
	g_assert_cmpuint(r.mode.enabled, ==, 0);
	g_assert_cmpuint(r.seq, ==, 4);

	/* Not configured / beyond the protocol's range. */
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = 2;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_NOT_FOUND);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = 0xffffffffu;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);

	/* Host-side validation. */
	m = (struct hvmlink_display_mode){ 0, 600, 32, 0, 0, 1 };
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, -EINVAL);
	m = (struct hvmlink_display_mode){ 16385, 600, 32, 0, 0, 1 };
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, -EINVAL);
	m = (struct hvmlink_display_mode){ 800, 600, 12, 0, 0, 1 };
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, -EINVAL);
	m = (struct hvmlink_display_mode){ 800, 600, 0, 0, 0, 2 };
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, -EINVAL);
	m = (struct hvmlink_display_mode){ 800, 600, 0, HVMDEV_POS_MAX + 1, 0,
					   1 };
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, -EINVAL);
	m = (struct hvmlink_display_mode){ 800, 600, 0, 0, 0, 1 };
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 2, &m), ==, -ERANGE);
	replay_env_fini(&env);
}

static void test_report_display(void)
{
	struct replay_env env;
	struct hvmlink_req_report_display r;
	struct hvmdev_display_state d;
	struct hvmlink_display_mode m = { 1024, 768, 0, 0, 0, 1 };

	t_env_up(&env);
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, 0);

	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.seq = 1;
	r.mode = (struct hvmlink_display_mode){ 1024, 768, 32, 0, 0, 1 };
	strcpy(r.reason, "ignored on success");
	env.changed_bits = 0;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmphex(env.changed_bits, ==, HVMDEV_CHANGED_DISPLAY);
	g_assert_cmpint(hvmdev_get_display(env.dev, 0, &d), ==, 0);
	g_assert_true(d.reported);
	g_assert_cmpint(d.result, ==, 0);
	g_assert_cmpuint(d.reported_seq, ==, 1);
	g_assert_cmpuint(d.mode.bpp, ==, 32);
	g_assert_cmpstr(d.reason, ==, "");
	g_assert_cmpuint(d.hint_seq, ==, 1);
	/* Ignored means not even checked: an applied report may leave
	 * anything in reason (protocol.h: it is IN "when failed"). */
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.seq = 1;
	r.mode = (struct hvmlink_display_mode){ 1024, 768, 32, 0, 0, 1 };
	memset(r.reason, 0x01, sizeof(r.reason));
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpint(hvmdev_get_display(env.dev, 0, &d), ==, 0);
	g_assert_cmpint(d.result, ==, 0);
	g_assert_cmpstr(d.reason, ==, "");

	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.seq = 1;
	r.result = -22;
	r.mode = (struct hvmlink_display_mode){ 800, 600, 32, 0, 0, 1 };
	strcpy(r.reason, "mode not supported by the monitor");
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpint(hvmdev_get_display(env.dev, 0, &d), ==, 0);
	g_assert_cmpint(d.result, ==, -22);
	g_assert_cmpstr(d.reason, ==, "mode not supported by the monitor");

	/* Invalid: future seq, positive result, bad mode, bad reason,
	 * display out of range.  None changes the recorded report. */
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.seq = 2;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.result = 1;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.mode = (struct hvmlink_display_mode){ 800, 0, 32, 0, 0, 1 };
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.mode = (struct hvmlink_display_mode){ 800, 0, 0, 0, 0, 0 };
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.result = -1;
	r.reason[0] = 0x7f;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	r.display = 1;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_NOT_FOUND);
	g_assert_cmpint(hvmdev_get_display(env.dev, 0, &d), ==, 0);
	g_assert_cmpint(d.result, ==, -22);
	g_assert_cmpint(hvmdev_get_display(env.dev, 1, &d), ==, -ERANGE);

	/* seq 0 = a mode chosen without a hint; display off is valid. */
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_DISPLAY);
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	replay_env_fini(&env);
}

static void test_host_time(void)
{
	struct replay_env env;
	struct hvmlink_req_host_time r;

	t_env_up(&env);
	env.realtime_ns = 1700000000000000000ull;
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_HOST_TIME);
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmpuint(r.realtime_ns, ==, 1700000000000000000ull);
	replay_env_fini(&env);
}

static void test_heartbeat(void)
{
	struct replay_env env;
	struct hvmlink_req_heartbeat_config c;
	struct hvmlink_req_heartbeat b;
	struct hvmdev_heartbeat hb;
	const uint64_t s = 1000000000ull;
	uint64_t next;

	t_env_up(&env);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_OFF);
	g_assert_cmpuint(hvmdev_tick(env.dev), ==, UINT64_MAX);

	t_hdr(&c, sizeof(c), HVMLINK_REQ_HEARTBEAT_CONFIG);
	c.enable = 1;
	g_assert_cmpint(SUBMIT(&env, c), ==, HVMLINK_OK);
	g_assert_cmpuint(c.interval_ns, ==, 2 * s);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_ALIVE);
	g_assert_cmpuint(hb.beats, ==, 0);
	/* Deadline: two intervals after enabling. */
	g_assert_cmpuint(hvmdev_tick(env.dev), ==, env.monotonic_ns + 4 * s);

	env.monotonic_ns += 3 * s;
	env.realtime_ns = 5555;
	t_hdr(&b, sizeof(b), HVMLINK_REQ_HEARTBEAT);
	g_assert_cmpint(SUBMIT(&env, b), ==, HVMLINK_OK);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.beats, ==, 1);
	g_assert_cmpuint(hb.last_beat_realtime_ns, ==, 5555);
	next = hvmdev_tick(env.dev);
	g_assert_cmpuint(next, ==, env.monotonic_ns + 4 * s);

	env.monotonic_ns = next;
	env.changed_bits = 0;
	g_assert_cmpuint(hvmdev_tick(env.dev), ==, UINT64_MAX);
	g_assert_cmphex(env.changed_bits, ==, HVMDEV_CHANGED_HEARTBEAT);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_OVERDUE);

	/* A late beat revives it. */
	g_assert_cmpint(SUBMIT(&env, b), ==, HVMLINK_OK);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_ALIVE);

	/* Guest stops; bad enable value. */
	t_hdr(&c, sizeof(c), HVMLINK_REQ_HEARTBEAT_CONFIG);
	g_assert_cmpint(SUBMIT(&env, c), ==, HVMLINK_OK);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_OFF);
	t_hdr(&c, sizeof(c), HVMLINK_REQ_HEARTBEAT_CONFIG);
	c.enable = 2;
	g_assert_cmpint(SUBMIT(&env, c), ==, HVMLINK_ERR_INVALID_PARAMETER);

	/* Host no longer wants beats: event raised, guest told 0, beats
	 * dropped. */
	hvmdev_set_heartbeat_interval(env.dev, 0);
	g_assert_cmphex(hvmdev_get_pending(env.dev) &
			HVMLINK_EVENT_HEARTBEAT_REQUEST, !=, 0);
	t_hdr(&c, sizeof(c), HVMLINK_REQ_HEARTBEAT_CONFIG);
	c.enable = 1;
	g_assert_cmpint(SUBMIT(&env, c), ==, HVMLINK_OK);
	g_assert_cmpuint(c.interval_ns, ==, 0);
	g_assert_cmpint(SUBMIT(&env, b), ==, HVMLINK_OK);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_OFF);
	g_assert_cmpuint(hb.beats, ==, 2);
	replay_env_fini(&env);
}

static void test_facility(void)
{
	struct replay_env env;
	struct hvmlink_req_facility r;

	t_env_up(&env);
	g_assert_cmpint(hvmdev_get_facility(env.dev, HVMLINK_FACILITY_AGENT),
			==, HVMLINK_FACILITY_INACTIVE);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_FACILITY);
	r.facility = HVMLINK_FACILITY_AGENT;
	r.status = HVMLINK_FACILITY_ACTIVE;
	env.changed_bits = 0;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	g_assert_cmphex(env.changed_bits, ==, HVMDEV_CHANGED_FACILITY);
	g_assert_cmpint(hvmdev_get_facility(env.dev, HVMLINK_FACILITY_AGENT),
			==, HVMLINK_FACILITY_ACTIVE);
	r.facility = 0;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_NOT_FOUND);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_FACILITY);
	r.facility = HVMLINK_FACILITY_COUNT;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_NOT_FOUND);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_REPORT_FACILITY);
	r.facility = HVMLINK_FACILITY_KV;
	r.status = HVMLINK_FACILITY_STATUS_COUNT;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);
	g_assert_cmpint(hvmdev_get_facility(env.dev, 0), ==, -EINVAL);
	replay_env_fini(&env);
}

static void test_log(void)
{
	struct replay_env env;
	struct hvmlink_req_log r;
	int ok = 0, limited = 0;

	t_env_up(&env);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_LOG);
	r.length = HVMLINK_LOG_LEN + 1;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_ERR_INVALID_PARAMETER);

	for (int i = 0; i < HVMDEV_LOG_BURST + 5; i++) {
		t_hdr(&r, sizeof(r), HVMLINK_REQ_LOG);
		memcpy(r.text, "hello\x1b[31m\n", 11);
		r.length = 11;
		int32_t rc = SUBMIT(&env, r);

		if (rc == HVMLINK_OK)
			ok++;
		else if (rc == HVMLINK_ERR_RATE_LIMITED)
			limited++;
	}
	g_assert_cmpint(ok, ==, HVMDEV_LOG_BURST);
	g_assert_cmpint(limited, ==, 5);
	/* A new window lets lines through again. */
	env.monotonic_ns += HVMDEV_LOG_WINDOW_NS;
	t_hdr(&r, sizeof(r), HVMLINK_REQ_LOG);
	r.length = HVMLINK_LOG_LEN;
	memset(r.text, 0xff, sizeof(r.text));
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	replay_env_fini(&env);
}

static void test_kv(void)
{
	struct replay_env env;
	static struct hvmlink_req_get_kv g;
	static struct hvmlink_req_list_kv l;
	char value[HVMLINK_KV_VALUE_MAX];
	char key[HVMLINK_KV_KEY_LEN];
	uint64_t gen;

	t_env_up(&env);
	t_hdr(&g, sizeof(g), HVMLINK_REQ_GET_KV);
	strcpy(g.key, "missing");
	g_assert_cmpint(SUBMIT(&env, g), ==, HVMLINK_ERR_NOT_FOUND);

	g_assert_cmpint(hvmdev_set_kv(env.dev, "b.key", "two", 3), ==, 0);
	g_assert_cmpint(hvmdev_set_kv(env.dev, "a_key", "one", 3), ==, 0);
	memset(value, 'v', sizeof(value));
	g_assert_cmpint(hvmdev_set_kv(env.dev, "c-key", value, sizeof(value)),
			==, 0);
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_KV_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST);	/* since power on */

	t_hdr(&g, sizeof(g), HVMLINK_REQ_GET_KV);
	strcpy(g.key, "b.key");
	memset(g.value, 'x', sizeof(g.value));
	g_assert_cmpint(SUBMIT(&env, g), ==, HVMLINK_OK);
	g_assert_cmpuint(g.value_len, ==, 3);
	g_assert_cmpmem(g.value, 4, "two\0", 4);	/* rest zeroed */
	g_assert_cmpuint(g.generation, ==, 3);
	t_hdr(&g, sizeof(g), HVMLINK_REQ_GET_KV);
	strcpy(g.key, "c-key");
	g_assert_cmpint(SUBMIT(&env, g), ==, HVMLINK_OK);
	g_assert_cmpuint(g.value_len, ==, HVMLINK_KV_VALUE_MAX);

	/* Bad keys from the guest. */
	t_hdr(&g, sizeof(g), HVMLINK_REQ_GET_KV);
	memset(g.key, 'a', sizeof(g.key));	/* no NUL */
	g_assert_cmpint(SUBMIT(&env, g), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&g, sizeof(g), HVMLINK_REQ_GET_KV);
	strcpy(g.key, "a/b");
	g_assert_cmpint(SUBMIT(&env, g), ==, HVMLINK_ERR_INVALID_PARAMETER);
	t_hdr(&g, sizeof(g), HVMLINK_REQ_GET_KV);
	g_assert_cmpint(SUBMIT(&env, g), ==, HVMLINK_ERR_INVALID_PARAMETER);

	/* Listing in byte order, paging. */
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LIST_KV);
	g_assert_cmpint(SUBMIT(&env, l), ==, HVMLINK_OK);
	g_assert_cmpuint(l.total, ==, 3);
	g_assert_cmpuint(l.count, ==, 3);
	g_assert_cmpstr(l.keys[0], ==, "a_key");
	g_assert_cmpstr(l.keys[1], ==, "b.key");
	g_assert_cmpstr(l.keys[2], ==, "c-key");
	g_assert_cmpuint(l.generation, ==, 3);
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		g_assert_cmpint(hvmdev_set_kv(env.dev, key, "", 0), ==, 0);
	}
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LIST_KV);
	l.start = 16;
	g_assert_cmpint(SUBMIT(&env, l), ==, HVMLINK_OK);
	g_assert_cmpuint(l.total, ==, 23);
	g_assert_cmpuint(l.count, ==, 7);
	g_assert_cmpstr(l.keys[0], ==, "k13");
	g_assert_cmpstr(l.keys[6], ==, "k19");
	g_assert_cmpstr(l.keys[7], ==, "");
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LIST_KV);
	l.start = 0xffffffffu;
	g_assert_cmpint(SUBMIT(&env, l), ==, HVMLINK_OK);
	g_assert_cmpuint(l.count, ==, 0);

	/* Host API: same value is a no-op, delete, bad input, limits. */
	g_assert_cmpint(hvmdev_set_kv(env.dev, "a_key", "one", 3), ==, 0);
	g_assert_cmpint(hvmdev_delete_kv(env.dev, "a_key"), ==, 0);
	g_assert_cmpint(hvmdev_delete_kv(env.dev, "a_key"), ==, -ENOENT);
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LIST_KV);
	g_assert_cmpint(SUBMIT(&env, l), ==, HVMLINK_OK);
	g_assert_cmpuint(l.generation, ==, 24);
	g_assert_cmpstr(l.keys[0], ==, "b.key");
	g_assert_cmpint(hvmdev_set_kv(env.dev, "", "x", 1), ==, -EINVAL);
	g_assert_cmpint(hvmdev_set_kv(env.dev, "sp ace", "x", 1), ==, -EINVAL);
	memset(key, 'k', sizeof(key));
	key[sizeof(key) - 1] = 0;
	g_assert_cmpint(hvmdev_set_kv(env.dev, key, "x", 1), ==, 0);
	g_assert_cmpint(hvmdev_set_kv(env.dev, "big", value,
				      HVMLINK_KV_VALUE_MAX + 1), ==, -EINVAL);
	/* An empty value may come without a buffer (device.h), also when it
	 * repeats the current one: a no-op, no event, generation kept. */
	g_assert_cmpint(hvmdev_set_kv(env.dev, "empty", NULL, 0), ==, 0);
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LIST_KV);
	g_assert_cmpint(SUBMIT(&env, l), ==, HVMLINK_OK);
	gen = l.generation;
	g_assert_cmpint(hvmdev_set_kv(env.dev, "empty", NULL, 0), ==, 0);
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LIST_KV);
	g_assert_cmpint(SUBMIT(&env, l), ==, HVMLINK_OK);
	g_assert_cmpuint(l.generation, ==, gen);
	g_assert_cmpint(hvmdev_delete_kv(env.dev, "empty"), ==, 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "fill%d", i);
		int rc = hvmdev_set_kv(env.dev, key, "f", 1);

		if (rc == -ENOSPC)
			break;
		g_assert_cmpint(rc, ==, 0);
	}
	t_hdr(&l, sizeof(l), HVMLINK_REQ_LIST_KV);
	g_assert_cmpint(SUBMIT(&env, l), ==, HVMLINK_OK);
	g_assert_cmpuint(l.total, ==, HVMDEV_KV_MAX_KEYS);
	replay_env_fini(&env);
}

/* The device writes back rc and OUT fields only, never IN fields or
 * padding. */
static void test_writes_only_out_fields(void)
{
	struct replay_env env;
	struct hvmlink_req_filter_mask r;
	struct hvmlink_req_filter_mask *mem;

	t_env_up(&env);
	t_hdr(&r, sizeof(r), HVMLINK_REQ_CTL_FILTER_MASK);
	r.or_mask = 1;
	r.padding = 0xabcdef;
	g_assert_cmpint(SUBMIT(&env, r), ==, HVMLINK_OK);
	mem = testbus_ram(&env.tb, T_REQ_GPA, sizeof(*mem));
	g_assert_cmpuint(mem->or_mask, ==, 1);
	g_assert_cmpuint(mem->padding, ==, 0xabcdef);
	g_assert_cmpuint(mem->mask, ==, 1);
	g_assert_cmpuint(mem->header.reserved1, ==, 0);
	replay_env_fini(&env);
}

/* A racing vCPU rewrites the request right after each device read: the
 * device must act on its first copy and never read the header again. */
static void rewrite_request(struct testbus *tb, uint64_t gpa, size_t len,
			    void *opaque)
{
	struct hvmlink_req_header *h = testbus_ram(tb, T_REQ_GPA, sizeof(*h));

	h->size = sizeof(struct hvmlink_req_get_kv);
	h->type = HVMLINK_REQ_GET_KV;
	h->version = 0;
}

static void test_guest_races_device(void)
{
	struct replay_env env;
	struct hvmlink_req_host_version r;
	struct hvmlink_req_host_version *mem;

	t_env_up(&env);
	env.tb.after_read = rewrite_request;
	env.tb.guest_reads = 0;
	t_hdr(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
	mem = testbus_ram(&env.tb, T_REQ_GPA, sizeof(*mem));
	memcpy(mem, &r, sizeof(r));
	t_reg_write(&env, HVMLINK_REG_REQUEST_HI, 0);
	t_reg_write(&env, HVMLINK_REG_REQUEST, T_REQ_GPA);
	g_assert_cmpint((int32_t)t_reg(&env, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_OK);
	/* Header, then body: two reads, never more. */
	g_assert_cmpuint(env.tb.guest_reads, ==, 2);
	g_assert_cmpint(mem->header.rc, ==, HVMLINK_OK);
	g_assert_cmphex(mem->protocol_version, ==, HVMLINK_PROTOCOL_VERSION);
	/* Nothing written beyond the 48-byte request. */
	g_assert_cmpuint(((uint8_t *)mem)[sizeof(*mem)], ==, 0);
	/* The guest's (rewritten) IN fields are left as the guest left them. */
	g_assert_cmpuint(mem->header.type, ==, HVMLINK_REQ_GET_KV);
	replay_env_fini(&env);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/device/req/host-version", test_host_version);
	g_test_add_func("/device/req/above-4g", test_request_above_4g);
	g_test_add_func("/device/req/crossing-page", test_request_crossing_page);
	g_test_add_func("/device/req/one-view", test_request_one_view);
	g_test_add_func("/device/req/header-unreadable", test_header_unreadable);
	g_test_add_func("/device/req/body-unreadable", test_body_unreadable);
	g_test_add_func("/device/req/header-validation", test_header_validation);
	g_test_add_func("/device/req/no-bus-master", test_no_bus_master);
	g_test_add_func("/device/req/ack-filter", test_ack_and_filter);
	g_test_add_func("/device/req/guest-info", test_guest_info);
	g_test_add_func("/device/req/guest-caps", test_guest_caps);
	g_test_add_func("/device/req/display-hint", test_display_hint);
	g_test_add_func("/device/req/report-display", test_report_display);
	g_test_add_func("/device/req/host-time", test_host_time);
	g_test_add_func("/device/req/heartbeat", test_heartbeat);
	g_test_add_func("/device/req/facility", test_facility);
	g_test_add_func("/device/req/log", test_log);
	g_test_add_func("/device/req/kv", test_kv);
	g_test_add_func("/device/req/out-fields-only",
			test_writes_only_out_fields);
	g_test_add_func("/device/req/guest-races", test_guest_races_device);
	return g_test_run();
}
