/* SPDX-License-Identifier: MIT */
/*
 * Save/restore: a round trip keeps everything the guest and the host can
 * observe (each vCPU's latches included), raises RESTORED, re-registers
 * the BARs; a format-1 blob of protocol 1.0 still restores; any
 * corrupted or foreign blob is refused and changes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device-test-util.h"

/* Build a device with state in every corner. */
static void populate(struct replay_env *env)
{
	struct hvmlink_display_mode m = { 1280, 1024, 24, 10, -20, 1 };
	struct hvmlink_req_guest_info gi;
	struct hvmlink_req_report_display rd;
	struct hvmlink_req_facility fa;
	struct hvmlink_req_heartbeat hb;
	struct hvmlink_req_filter_mask f;

	t_env_up(env);
	testbus_cfg_write(&env->tb, PCI_INTERRUPT_LINE, 1, 11);
	g_assert_cmpint(hvmdev_set_display_hint(env->dev, 0, &m), ==, 0);
	g_assert_cmpint(hvmdev_set_kv(env->dev, "alpha", "1", 1), ==, 0);
	g_assert_cmpint(hvmdev_set_kv(env->dev, "beta", "\0\1\2", 3), ==, 0);
	t_hdr(&f, sizeof(f), HVMLINK_REQ_CTL_FILTER_MASK);
	f.or_mask = HVMLINK_EVENT_DISPLAY_CHANGE;
	g_assert_cmpint(t_submit(env, &f, sizeof(f)), ==, HVMLINK_OK);
	t_hdr(&gi, sizeof(gi), HVMLINK_REQ_REPORT_GUEST_INFO);
	gi.driver_version = 0x10000;
	gi.os_type = HVMLINK_OS_LINUX;
	strcpy(gi.os_release, "6.1");
	strcpy(gi.name, "guest");
	g_assert_cmpint(t_submit(env, &gi, sizeof(gi)), ==, HVMLINK_OK);
	t_hdr(&rd, sizeof(rd), HVMLINK_REQ_REPORT_DISPLAY);
	rd.seq = 1;
	rd.result = -5;
	strcpy(rd.reason, "nope");
	g_assert_cmpint(t_submit(env, &rd, sizeof(rd)), ==, HVMLINK_OK);
	t_hdr(&fa, sizeof(fa), HVMLINK_REQ_REPORT_FACILITY);
	fa.facility = HVMLINK_FACILITY_DISPLAY;
	fa.status = HVMLINK_FACILITY_FAILED;
	g_assert_cmpint(t_submit(env, &fa, sizeof(fa)), ==, HVMLINK_OK);
	t_hdr(&hb, sizeof(hb), HVMLINK_REQ_HEARTBEAT);
	env->realtime_ns = 42;
	g_assert_cmpint(t_submit(env, &hb, sizeof(hb)), ==, HVMLINK_OK);
	/* Per-vCPU latches: vCPU 1 ends with a failed request, vCPUs 0 and
	 * 3 are between their REQUEST_HI and REQUEST writes. */
	env->tb.vcpu = 1;
	t_hdr(&hb, sizeof(hb), HVMLINK_REQ_HEARTBEAT);
	hb.header.version = 0x20000;
	g_assert_cmpint(t_submit(env, &hb, sizeof(hb)), ==, HVMLINK_ERR_VERSION);
	env->tb.vcpu = 3;
	t_reg_write(env, HVMLINK_REG_REQUEST_HI, 0x33);
	env->tb.vcpu = 0;
	t_reg_write(env, HVMLINK_REG_REQUEST_HI, 0x77);
}

/* vCPU's view of the latches. */
static uint32_t reg_of(struct replay_env *env, unsigned int vcpu,
		       unsigned int reg)
{
	unsigned int was = env->tb.vcpu;
	uint32_t v;

	env->tb.vcpu = vcpu;
	v = t_reg(env, reg);
	env->tb.vcpu = was;
	return v;
}

static void test_round_trip(void)
{
	struct replay_env a, b;
	struct hvmdev_guest_info gi;
	struct hvmdev_display_state d;
	struct hvmdev_heartbeat hb;
	void *blob, *blob2;
	size_t len, len2;

	populate(&a);
	g_assert_cmpint(hvmdev_save(a.dev, &blob, &len), ==, 0);

	/* A fresh device elsewhere (no BARs yet) takes the state. */
	t_env_init(&b);
	b.changed_bits = 0;
	g_assert_cmpint(hvmdev_restore(b.dev, blob, len), ==, 0);
	g_assert_cmphex(b.changed_bits, ==, HVMDEV_CHANGED_ALL);
	/* BARs re-registered from the restored config space. */
	g_assert_nonnull(testbus_find(&b.tb, BUS_SPACE_PIO, T_IO_BASE));
	g_assert_nonnull(testbus_find(&b.tb, BUS_SPACE_MMIO, T_MMIO_BASE));
	g_assert_cmphex(testbus_cfg_read(&b.tb, PCI_INTERRUPT_LINE, 1), ==, 11);
	g_assert_cmphex(reg_of(&b, 0, HVMLINK_REG_REQUEST_HI), ==, 0x77);
	g_assert_cmphex(reg_of(&b, 1, HVMLINK_REG_REQUEST_HI), ==, 0);
	g_assert_cmphex(reg_of(&b, 3, HVMLINK_REG_REQUEST_HI), ==, 0x33);
	g_assert_cmpint((int32_t)reg_of(&b, 1, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_VERSION);
	g_assert_cmpint((int32_t)reg_of(&b, 0, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_OK);
	/* RESTORED raised (masked here: the filter has DISPLAY only). */
	g_assert_cmphex(hvmdev_get_pending(b.dev), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST | HVMLINK_EVENT_RESTORED);
	g_assert_cmphex(hvmdev_get_filter(b.dev), ==, 1);
	g_assert_cmpuint(b.tb.intx, ==, 1);

	hvmdev_get_guest_info(b.dev, &gi);
	g_assert_true(gi.reported);
	g_assert_cmpstr(gi.name, ==, "guest");
	g_assert_cmpstr(gi.os_release, ==, "6.1");
	g_assert_cmpint(hvmdev_get_display(b.dev, 0, &d), ==, 0);
	g_assert_cmpuint(d.hint.width, ==, 1280);
	g_assert_cmpint(d.hint.y, ==, -20);
	g_assert_cmpint(d.result, ==, -5);
	g_assert_cmpstr(d.reason, ==, "nope");
	g_assert_cmpint(hvmdev_get_facility(b.dev, HVMLINK_FACILITY_DISPLAY),
			==, HVMLINK_FACILITY_FAILED);
	hvmdev_get_heartbeat(b.dev, &hb);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_ALIVE);
	g_assert_cmpuint(hb.beats, ==, 1);
	g_assert_cmpuint(hb.last_beat_realtime_ns, ==, 42);

	/* Key/values survive, byte for byte. */
	t_replay(&b,
		 "iow 0xc004 4 0\n"
		 "hdr 0x5000 1128 13\n"
		 "str 0x5018 beta\n"
		 "iow 0xc000 4 0x5000\n"
		 "r32 0x500c 0\n"
		 "r32 0x5058 3\n"
		 "peek 0x5068 000102\n"
		 "r64 0x5060 2\n");

	/* Saving the restored device gives the same state back (modulo
	 * the RESTORED bit the restore itself raised). */
	g_assert_cmpint(hvmdev_save(b.dev, &blob2, &len2), ==, 0);
	g_assert_cmpuint(len2, ==, len);
	free(blob2);
	free(blob);
	replay_env_fini(&a);
	replay_env_fini(&b);
}

static void test_restored_event_interrupts(void)
{
	struct replay_env env;
	void *blob;
	size_t len;

	t_env_up(&env);
	t_replay(&env,
		 "hdr 0x3000 40 3\n"
		 "w32 0x3018 8\n"		/* filter RESTORED */
		 "iow 0xc000 4 0x3000\n"
		 "intx 0\n");
	g_assert_cmpint(hvmdev_save(env.dev, &blob, &len), ==, 0);
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, 0);
	free(blob);
	t_replay(&env, "intx 1\npending 0xc\n");	/* + HEARTBEAT_REQUEST */
	replay_env_fini(&env);
}

/*
 * Crash re-attach (HVMDEV_RESTORE_QUIET): the same guest goes on, so no
 * RESTORED; the interrupt is driven again on the new bus all the same.
 * A VM arriving without a blob gets RESTORED by hvmdev_raise_restored().
 */
static void test_quiet_restore(void)
{
	struct replay_env a, b;
	void *blob;
	size_t len;

	populate(&a);
	g_assert_cmpuint(a.tb.intx, ==, 1);	/* DISPLAY_CHANGE pending */
	g_assert_cmpint(hvmdev_save(a.dev, &blob, &len), ==, 0);
	t_env_init(&b);
	b.changed_bits = 0;
	g_assert_cmpint(hvmdev_restore_flags(b.dev, blob, len, 0x2), ==, -EINVAL);
	g_assert_cmpint(hvmdev_restore_flags(b.dev, blob, len,
					     HVMDEV_RESTORE_QUIET), ==, 0);
	g_assert_cmphex(b.changed_bits, ==, HVMDEV_CHANGED_ALL);
	g_assert_cmphex(hvmdev_get_pending(b.dev), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST);
	g_assert_cmpuint(b.tb.intx, ==, 1);
	g_assert_cmphex(reg_of(&b, 3, HVMLINK_REG_REQUEST_HI), ==, 0x33);
	free(blob);
	replay_env_fini(&b);
	replay_env_fini(&a);

	t_env_up(&a);
	hvmdev_raise_restored(a.dev);
	g_assert_cmphex(hvmdev_get_pending(a.dev) & HVMLINK_EVENT_RESTORED, ==,
			HVMLINK_EVENT_RESTORED);
	replay_env_fini(&a);
}

/* hvmdev_state_dirty(): every change the blob would carry, and only
 * those. */
static void test_state_dirty(void)
{
	struct replay_env env;
	struct hvmlink_req_host_version hv;
	struct hvmlink_display_mode m = { 640, 480, 0, 0, 0, 1 };

	t_env_up(&env);
	g_assert_true(hvmdev_state_dirty(env.dev));	/* never saved */
	hvmdev_mark_saved(env.dev);
	g_assert_false(hvmdev_state_dirty(env.dev));
	/* Reads change nothing; neither does a request with no effect. */
	(void)t_reg(&env, HVMLINK_REG_PENDING);
	t_replay(&env, "mmr 0xfe000000 8\ncfgr 0x00 4\n");
	t_hdr(&hv, sizeof(hv), HVMLINK_REQ_GET_HOST_VERSION);
	g_assert_cmpint(t_submit(&env, &hv, sizeof(hv)), ==, HVMLINK_OK);
	g_assert_false(hvmdev_state_dirty(env.dev));
	/* A vCPU's REQUEST_HI. */
	env.tb.vcpu = 1;
	t_reg_write(&env, HVMLINK_REG_REQUEST_HI, 0);
	g_assert_false(hvmdev_state_dirty(env.dev));
	t_reg_write(&env, HVMLINK_REG_REQUEST_HI, 9);
	g_assert_true(hvmdev_state_dirty(env.dev));
	hvmdev_mark_saved(env.dev);
	/* Configuration space. */
	testbus_cfg_write(&env.tb, PCI_INTERRUPT_LINE, 1, 3);
	g_assert_true(hvmdev_state_dirty(env.dev));
	hvmdev_mark_saved(env.dev);
	/* The host's side: a hint, a key. */
	g_assert_cmpint(hvmdev_set_display_hint(env.dev, 0, &m), ==, 0);
	g_assert_true(hvmdev_state_dirty(env.dev));
	hvmdev_mark_saved(env.dev);
	g_assert_cmpint(hvmdev_set_kv(env.dev, "a", "1", 1), ==, 0);
	g_assert_true(hvmdev_state_dirty(env.dev));
	hvmdev_mark_saved(env.dev);
	g_assert_cmpint(hvmdev_set_kv(env.dev, "a", "2", 1), ==, 0);
	g_assert_true(hvmdev_state_dirty(env.dev));
	hvmdev_mark_saved(env.dev);
	/* Guest info: reported once it is dirty; the same report again is
	 * no change (its padding is copied into the state too). */
	{
		struct hvmlink_req_guest_info gi;

		t_hdr(&gi, sizeof(gi), HVMLINK_REQ_REPORT_GUEST_INFO);
		strcpy(gi.name, "g");
		g_assert_cmpint(t_submit(&env, &gi, sizeof(gi)), ==, HVMLINK_OK);
		g_assert_true(hvmdev_state_dirty(env.dev));
		hvmdev_mark_saved(env.dev);
		t_hdr(&gi, sizeof(gi), HVMLINK_REQ_REPORT_GUEST_INFO);
		strcpy(gi.name, "g");
		g_assert_cmpint(t_submit(&env, &gi, sizeof(gi)), ==, HVMLINK_OK);
		g_assert_false(hvmdev_state_dirty(env.dev));
	}
	replay_env_fini(&env);
}

/* Every single-byte corruption is refused and the device unchanged. */
static void test_corruption_refused(void)
{
	struct replay_env env;
	void *blob, *before, *after;
	size_t len, blen, alen;
	uint8_t *p;

	populate(&env);
	g_assert_cmpint(hvmdev_save(env.dev, &blob, &len), ==, 0);
	g_assert_cmpint(hvmdev_save(env.dev, &before, &blen), ==, 0);
	p = blob;
	for (size_t i = 0; i < len; i++) {
		p[i] ^= 0x01;
		g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
		p[i] ^= 0x01;
	}
	/* Truncated and extended. */
	for (size_t n = 0; n < len; n += 7)
		g_assert_cmpint(hvmdev_restore(env.dev, blob, n), ==, -EINVAL);
	p = realloc(blob, len + 1);
	g_assert_nonnull(p);
	blob = p;
	p[len] = 0;
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len + 1), ==, -EINVAL);
	g_assert_cmpint(hvmdev_restore(env.dev, NULL, 0), ==, -EINVAL);

	g_assert_cmpint(hvmdev_save(env.dev, &after, &alen), ==, 0);
	g_assert_cmpuint(alen, ==, blen);
	g_assert_cmpmem(before, blen, after, alen);
	free(blob);
	free(before);
	free(after);
	replay_env_fini(&env);
}

/* Valid checksum, hostile content: field checks catch it. */
static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t crc32_ref(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static void test_hostile_content(void)
{
	struct replay_env env;
	uint8_t *blob;
	void *raw;
	size_t len;
	/* payload offsets: 10 bytes of ids, then config space, the latch
	 * count and TESTBUS_NR_VCPUS latches, then pending */
	const size_t cfg = 16 + 10, lat = cfg + 256;
	const size_t pending = lat + 4 + 8 * TESTBUS_NR_VCPUS;

	t_env_up(&env);
	g_assert_cmpint(hvmdev_save(env.dev, &raw, &len), ==, 0);
	blob = raw;
	/* Read-only config bit changed (vendor id), checksum fixed. */
	blob[cfg + 0] ^= 0xff;
	put32(blob + 12, crc32_ref(blob + 16, len - 16));
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
	blob[cfg + 0] ^= 0xff;
	/* Unknown event bit pending. */
	put32(blob + pending, 0x100);
	put32(blob + 12, crc32_ref(blob + 16, len - 16));
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
	put32(blob + pending, 0);
	/* No latches, more latches than any guest has vCPUs. */
	put32(blob + lat, 0);
	put32(blob + 12, crc32_ref(blob + 16, len - 16));
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
	put32(blob + lat, HVMDEV_MAX_VCPUS + 1);
	put32(blob + 12, crc32_ref(blob + 16, len - 16));
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
	put32(blob + lat, TESTBUS_NR_VCPUS);
	/* A status no request can end with, in vCPU 2's LAST_RC. */
	put32(blob + lat + 4 + 8 * 2 + 4, 5);
	put32(blob + 12, crc32_ref(blob + 16, len - 16));
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
	put32(blob + lat + 4 + 8 * 2 + 4, (uint32_t)HVMLINK_ERR_NO_REQUEST);
	put32(blob + 12, crc32_ref(blob + 16, len - 16));
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, 0);
	g_assert_cmpint(env.dev->st.latch[2].last_rc, ==,
			HVMLINK_ERR_NO_REQUEST);
	/* Unknown versions: 0, and the next one. */
	put32(blob + 4, 0);
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
	put32(blob + 4, 3);
	g_assert_cmpint(hvmdev_restore(env.dev, blob, len), ==, -EINVAL);
	free(raw);
	replay_env_fini(&env);
}

/* The blob of a guest with another vCPU count: latches as far as they
 * go, the rest 0. */
static void test_other_vcpu_count(void)
{
	struct replay_env a, b;
	void *blob;
	size_t len;

	populate(&a);
	g_assert_cmpint(hvmdev_save(a.dev, &blob, &len), ==, 0);

	g_assert_cmpint(replay_env_init_vcpus(&b, NULL, 2), ==, 0);
	g_assert_cmpint(hvmdev_restore(b.dev, blob, len), ==, 0);
	g_assert_cmphex(reg_of(&b, 0, HVMLINK_REG_REQUEST_HI), ==, 0x77);
	g_assert_cmpint((int32_t)reg_of(&b, 1, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_ERR_VERSION);
	/* vCPU 3 does not exist here: its latch stayed in the blob. */
	g_assert_cmphex(reg_of(&b, 3, HVMLINK_REG_REQUEST_HI), ==, 0xffffffffu);
	replay_env_fini(&b);

	g_assert_cmpint(replay_env_init_vcpus(&b, NULL, 8), ==, 0);
	g_assert_cmpint(hvmdev_restore(b.dev, blob, len), ==, 0);
	g_assert_cmphex(reg_of(&b, 3, HVMLINK_REG_REQUEST_HI), ==, 0x33);
	g_assert_cmphex(reg_of(&b, 7, HVMLINK_REG_REQUEST_HI), ==, 0);
	g_assert_cmpint((int32_t)reg_of(&b, 7, HVMLINK_REG_LAST_RC), ==,
			HVMLINK_OK);
	replay_env_fini(&b);
	free(blob);
	replay_env_fini(&a);
}

/* tests/unit/device-state-v1.hex: protocol 1.0's format-1 blob. */
static GByteArray *load_v1_blob(void)
{
	const char *srcdir = g_getenv("top_srcdir");
	g_autofree char *path = g_build_filename(srcdir ? srcdir : ".",
						 "tests", "unit",
						 "device-state-v1.hex", NULL);
	g_autofree char *text = NULL;
	GByteArray *blob = g_byte_array_new();
	g_auto(GStrv) lines = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (**l == '#')
			continue;
		for (const char *c = *l; c[0] && c[1]; c += 2) {
			guint8 b = (guint8)(g_ascii_xdigit_value(c[0]) << 4 |
					    g_ascii_xdigit_value(c[1]));

			g_assert_true(g_ascii_isxdigit(c[0]) &&
				      g_ascii_isxdigit(c[1]));
			g_byte_array_append(blob, &b, 1);
		}
	}
	return blob;
}

static void test_v1_blob(void)
{
	struct replay_env env;
	struct hvmdev_guest_info gi;
	struct hvmdev_display_state d;
	struct hvmdev_heartbeat hb;
	GByteArray *blob = load_v1_blob();
	void *again;
	size_t len;

	g_assert_cmpuint(blob->len, >, 16);
	g_assert_cmpuint(blob->data[4], ==, 1);	/* really format 1 */
	t_env_init(&env);
	env.changed_bits = 0;
	g_assert_cmpint(hvmdev_restore(env.dev, blob->data, blob->len), ==, 0);
	g_assert_cmphex(env.changed_bits, ==, HVMDEV_CHANGED_ALL);
	g_assert_nonnull(testbus_find(&env.tb, BUS_SPACE_PIO, T_IO_BASE));
	g_assert_cmphex(testbus_cfg_read(&env.tb, PCI_INTERRUPT_LINE, 1), ==, 11);
	/* The one shared latch pair became every vCPU's. */
	for (unsigned int v = 0; v < TESTBUS_NR_VCPUS; v++) {
		g_assert_cmphex(reg_of(&env, v, HVMLINK_REG_REQUEST_HI), ==, 1);
		g_assert_cmpint((int32_t)reg_of(&env, v, HVMLINK_REG_LAST_RC),
				==, HVMLINK_ERR_VERSION);
	}
	g_assert_cmphex(hvmdev_get_pending(env.dev), ==,
			HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE |
			HVMLINK_EVENT_HEARTBEAT_REQUEST | HVMLINK_EVENT_RESTORED);
	g_assert_cmphex(hvmdev_get_filter(env.dev), ==, 7);
	g_assert_cmphex(hvmdev_get_guest_caps(env.dev), ==, 3);
	hvmdev_get_guest_info(env.dev, &gi);
	g_assert_true(gi.reported);
	g_assert_cmphex(gi.driver_version, ==, 0x010203);
	g_assert_cmpstr(gi.os_release, ==, "6.1.0-test");
	g_assert_cmpstr(gi.name, ==, "guest-v1");
	g_assert_cmpint(hvmdev_get_facility(env.dev, HVMLINK_FACILITY_DRIVER),
			==, HVMLINK_FACILITY_ACTIVE);
	g_assert_cmpint(hvmdev_get_display(env.dev, 0, &d), ==, 0);
	g_assert_true(d.hint_set && d.reported);
	g_assert_cmpuint(d.hint.width, ==, 1024);
	g_assert_cmpuint(d.mode.height, ==, 768);
	g_assert_cmpuint(d.reported_seq, ==, 1);
	hvmdev_get_heartbeat(env.dev, &hb);
	g_assert_cmpuint(hb.interval_ns, ==, 3000000000ull);
	g_assert_cmpuint(hb.state, ==, HVMDEV_HEARTBEAT_ALIVE);
	t_replay(&env,
		 "vcpu 2\n"
		 "iow 0xc004 4 0\n"
		 "hdr 0x5000 1128 13\n"
		 "str 0x5018 beta\n"
		 "iow 0xc000 4 0x5000\n"
		 "ior 0xc010 4 0\n"
		 "r32 0x5058 3\n"
		 "peek 0x5068 74776f\n");
	/* Saved again, it is a format-2 blob. */
	g_assert_cmpint(hvmdev_save(env.dev, &again, &len), ==, 0);
	g_assert_cmpuint(((uint8_t *)again)[4], ==, 2);
	free(again);
	g_byte_array_unref(blob);
	replay_env_fini(&env);
}

static void test_foreign_device(void)
{
	struct replay_env a, b;
	struct hvmdev_config cfg;
	void *blob;
	size_t len;

	t_env_up(&a);
	g_assert_cmpint(hvmdev_save(a.dev, &blob, &len), ==, 0);
	hvmdev_config_init(&cfg);
	cfg.nr_displays = 2;
	g_assert_cmpint(replay_env_init(&b, &cfg), ==, 0);
	g_assert_cmpint(hvmdev_restore(b.dev, blob, len), ==, -EINVAL);
	replay_env_fini(&b);
	hvmdev_config_init(&cfg);
	cfg.device_id = 0x1111;
	g_assert_cmpint(replay_env_init(&b, &cfg), ==, 0);
	g_assert_cmpint(hvmdev_restore(b.dev, blob, len), ==, -EINVAL);
	replay_env_fini(&b);
	free(blob);
	replay_env_fini(&a);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/device/state/round-trip", test_round_trip);
	g_test_add_func("/device/state/restored-event",
			test_restored_event_interrupts);
	g_test_add_func("/device/state/corruption", test_corruption_refused);
	g_test_add_func("/device/state/hostile-content", test_hostile_content);
	g_test_add_func("/device/state/foreign", test_foreign_device);
	g_test_add_func("/device/state/other-vcpu-count", test_other_vcpu_count);
	g_test_add_func("/device/state/format-1", test_v1_blob);
	g_test_add_func("/device/state/quiet", test_quiet_restore);
	g_test_add_func("/device/state/dirty", test_state_dirty);
	return g_test_run();
}
