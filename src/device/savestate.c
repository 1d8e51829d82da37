/* SPDX-License-Identifier: MIT */
/*
 * Save/restore of the device state as a versioned, checksummed blob.
 *
 * Layout (all little-endian; docs/device.md has the field list):
 *   u32 magic "HVLD", u32 format version, u32 payload length,
 *   u32 CRC-32 of the payload, payload.
 * Version 2 (protocol 1.1) carries one REQUEST_HI/LAST_RC pair per vCPU
 * where version 1 had one shared pair.  Version 1 blobs still restore:
 * the shared pair becomes every vCPU's, which is exactly what each vCPU
 * saw of it before.
 * The blob may come from another host or a tampered file: restore parses
 * into a fresh state, checks every field as strictly as the guest paths
 * would, and only then swaps it in.  The CRC catches accidents; the field
 * checks are what make a malicious blob harmless.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"

#define SAVE_MAGIC	0x444c5648u	/* "HVLD" */
#define SAVE_VERSION	2u	/* written; 1 and 2 are read */
#define SAVE_HDR_SIZE	16u
/* Far above any real state (256 keys of 1 KiB); bounds the allocation. */
#define SAVE_MAX_SIZE	(1u << 20)

static uint32_t crc32_le(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* ---------------------------------------------------------------------- */

struct writer {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

static void w_bytes(struct writer *w, const void *p, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *nb;

		while (cap < w->len + n)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->failed = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void w_uint(struct writer *w, uint64_t v, unsigned int size)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	w_bytes(w, b, size);
}

#define w_u8(w, v)	w_uint(w, v, 1)
#define w_u16(w, v)	w_uint(w, v, 2)
#define w_u32(w, v)	w_uint(w, v, 4)
#define w_u64(w, v)	w_uint(w, v, 8)

static void w_str(struct writer *w, const char *s)
{
	size_t n = strlen(s);

	w_u16(w, n);
	w_bytes(w, s, n);
}

static void w_mode(struct writer *w, const struct hvmlink_display_mode *m)
{
	w_u32(w, m->width);
	w_u32(w, m->height);
	w_u32(w, m->bpp);
	w_u32(w, (uint32_t)m->x);
	w_u32(w, (uint32_t)m->y);
	w_u32(w, m->enabled);
}

int hvmdev_save(const struct hvmdev *dev, void **blob, size_t *len)
{
	const struct hvmdev_state *st = &dev->st;
	struct writer w = { 0 };
	unsigned int i;
	uint32_t crc;

	*blob = NULL;
	*len = 0;
	/* Header; length and CRC filled in at the end. */
	w_u32(&w, SAVE_MAGIC);
	w_u32(&w, SAVE_VERSION);
	w_u32(&w, 0);
	w_u32(&w, 0);

	w_u16(&w, dev->cfg.vendor_id);
	w_u16(&w, dev->cfg.device_id);
	w_u16(&w, dev->cfg.subsys_vendor_id);
	w_u16(&w, dev->cfg.subsys_id);
	w_u8(&w, dev->cfg.revision);
	w_u8(&w, dev->cfg.nr_displays);
	w_bytes(&w, st->config, PCI_CFG_SIZE);
	w_u32(&w, dev->nr_vcpus);
	for (i = 0; i < dev->nr_vcpus; i++) {
		w_u32(&w, st->latch[i].request_hi);
		w_u32(&w, (uint32_t)st->latch[i].last_rc);
	}
	w_u32(&w, st->pending);
	w_u32(&w, st->filter);
	w_u32(&w, st->guest_caps);
	w_u32(&w, st->msi_notified);

	w_u8(&w, st->info.reported);
	w_u32(&w, st->info.driver_version);
	w_u32(&w, st->info.os_type);
	w_str(&w, st->info.os_release);
	w_str(&w, st->info.name);
	for (i = 0; i < HVMLINK_FACILITY_COUNT; i++)
		w_u8(&w, st->facility[i]);

	w_u64(&w, st->hint_seq);
	for (i = 0; i < dev->cfg.nr_displays; i++) {
		const struct hvmdev_display_state *d = &st->display[i];

		w_u8(&w, d->hint_set);
		w_mode(&w, &d->hint);
		w_u64(&w, d->hint_seq);
		w_u8(&w, d->reported);
		w_u32(&w, (uint32_t)d->result);
		w_u64(&w, d->reported_seq);
		w_mode(&w, &d->mode);
		w_str(&w, d->reason);
	}

	w_u64(&w, st->hb_interval_ns);
	w_u8(&w, st->hb_enabled);
	w_u8(&w, st->hb_state);
	w_u64(&w, st->hb_beats);
	w_u64(&w, st->hb_last_realtime_ns);

	w_u64(&w, st->kv_generation);
	w_u32(&w, st->kv_count);
	for (i = 0; i < st->kv_count; i++) {
		w_str(&w, st->kv[i]->key);
		w_u16(&w, st->kv[i]->len);
		w_bytes(&w, st->kv[i]->value, st->kv[i]->len);
	}

	if (w.failed) {
		free(w.buf);
		return -ENOMEM;
	}
	crc = crc32_le(w.buf + SAVE_HDR_SIZE, w.len - SAVE_HDR_SIZE);
	for (i = 0; i < 4; i++) {
		w.buf[8 + i] = (uint8_t)((w.len - SAVE_HDR_SIZE) >> (8 * i));
		w.buf[12 + i] = (uint8_t)(crc >> (8 * i));
	}
	*blob = w.buf;
	*len = w.len;
	return 0;
}

/* ---------------------------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static void r_bytes(struct reader *r, void *dst, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
}

static uint64_t r_uint(struct reader *r, unsigned int size)
{
	uint8_t b[8];
	uint64_t v = 0;

	r_bytes(r, b, size);
	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

#define r_u8(r)		((uint8_t)r_uint(r, 1))
#define r_u16(r)	((uint16_t)r_uint(r, 2))
#define r_u32(r)	((uint32_t)r_uint(r, 4))
#define r_u64(r)	r_uint(r, 8)

static void check(struct reader *r, bool ok)
{
	if (!ok)
		r->bad = true;
}

/* A string of at most max bytes, printable ASCII. */
static void r_str(struct reader *r, char *dst, size_t max)
{
	uint16_t n = r_u16(r);

	if (n > max) {
		r->bad = true;
		dst[0] = '\0';
		return;
	}
	r_bytes(r, dst, n);
	dst[n] = '\0';
	check(r, strlen(dst) == n && hvmdev_string_printable(dst));
}

static void r_bool(struct reader *r, bool *b)
{
	uint8_t v = r_u8(r);

	check(r, v <= 1);
	*b = v;
}

static void r_mode(struct reader *r, struct hvmlink_display_mode *m)
{
	m->width = r_u32(r);
	m->height = r_u32(r);
	m->bpp = r_u32(r);
	m->x = (int32_t)r_u32(r);
	m->y = (int32_t)r_u32(r);
	m->enabled = r_u32(r);
	check(r, hvmdev_mode_valid_strict(m));
}

static void r_config(struct reader *r, const struct hvmdev *dev,
		     uint8_t *config)
{
	r_bytes(r, config, PCI_CFG_SIZE);
	/* Read-only bits must be exactly what this device exposes. */
	for (unsigned int i = 0; i < PCI_CFG_SIZE; i++)
		check(r, ((config[i] ^ dev->config_init[i]) &
			  ~dev->config_wmask[i]) == 0);
}

static void r_display(struct reader *r, const struct hvmdev_state *st,
		      struct hvmdev_display_state *d)
{
	static const struct hvmlink_display_mode off;

	r_bool(r, &d->hint_set);
	r_mode(r, &d->hint);
	d->hint_seq = r_u64(r);
	r_bool(r, &d->reported);
	d->result = (int32_t)r_u32(r);
	d->reported_seq = r_u64(r);
	r_mode(r, &d->mode);
	r_str(r, d->reason, HVMLINK_REASON_LEN);
	check(r, d->hint_seq <= st->hint_seq && d->reported_seq <= d->hint_seq &&
	      d->result <= 0 && (d->hint_set == (d->hint_seq != 0)) &&
	      (d->hint_set || !memcmp(&d->hint, &off, sizeof(off))) &&
	      (d->reported || (!d->result && !d->reported_seq &&
			       !d->reason[0] &&
			       !memcmp(&d->mode, &off, sizeof(off)))));
}

static void r_kv(struct reader *r, struct hvmdev_state *st)
{
	uint32_t count = r_u32(r);

	check(r, count <= HVMDEV_KV_MAX_KEYS);
	for (uint32_t i = 0; i < count && !r->bad; i++) {
		struct hvmdev_kv *kv = calloc(1, sizeof(*kv));

		if (!kv) {
			r->bad = true;
			break;
		}
		st->kv[st->kv_count++] = kv;
		r_str(r, kv->key, HVMLINK_KV_KEY_LEN - 1);
		kv->len = r_u16(r);
		check(r, kv->len <= HVMLINK_KV_VALUE_MAX);
		if (r->bad)
			break;
		r_bytes(r, kv->value, kv->len);
		/* Sorted and unique, as the lookup code assumes. */
		check(r, hvmdev_kv_key_valid(kv->key) &&
		      (i == 0 || strcmp(st->kv[i - 1]->key, kv->key) < 0));
	}
}

static bool last_rc_valid(int32_t rc)
{
	return rc <= 0 && rc >= HVMLINK_ERR_BUFFER_OVERFLOW;
}

/*
 * Version 2: u32 count, then count x (u32 request_hi, u32 last_rc).  A
 * count other than this device's (a blob from a differently sized guest)
 * is taken as far as it goes: latches of vCPUs this guest lacks are
 * dropped, missing ones start at 0 (a latch only matters between two
 * port writes of one vCPU).
 */
static void r_latches(struct reader *r, const struct hvmdev *dev,
		      struct hvmdev_state *st)
{
	uint32_t n = r_u32(r);

	check(r, n >= 1 && n <= HVMDEV_MAX_VCPUS);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct hvmdev_latch l;

		l.request_hi = r_u32(r);
		l.last_rc = (int32_t)r_u32(r);
		check(r, last_rc_valid(l.last_rc));
		if (i < dev->nr_vcpus)
			st->latch[i] = l;
	}
}

/* Version 1: one pair shared by every vCPU. */
static void r_latches_v1(struct reader *r, const struct hvmdev *dev,
			 struct hvmdev_state *st)
{
	struct hvmdev_latch l;

	l.request_hi = r_u32(r);
	l.last_rc = (int32_t)r_u32(r);
	check(r, last_rc_valid(l.last_rc));
	for (unsigned int i = 0; i < dev->nr_vcpus; i++)
		st->latch[i] = l;
}

static int parse(const struct hvmdev *dev, const uint8_t *p, size_t len,
		 struct hvmdev_state *st)
{
	struct reader r = { p, len, false };
	uint32_t payload_len, crc, version;
	unsigned int i;

	if (len < SAVE_HDR_SIZE || len > SAVE_MAX_SIZE)
		return -EINVAL;
	if (r_u32(&r) != SAVE_MAGIC)
		return -EINVAL;
	version = r_u32(&r);
	if (version != 1 && version != SAVE_VERSION)
		return -EINVAL;
	payload_len = r_u32(&r);
	crc = r_u32(&r);
	if (payload_len != len - SAVE_HDR_SIZE ||
	    crc != crc32_le(p + SAVE_HDR_SIZE, payload_len))
		return -EINVAL;

	check(&r, r_u16(&r) == dev->cfg.vendor_id);
	check(&r, r_u16(&r) == dev->cfg.device_id);
	check(&r, r_u16(&r) == dev->cfg.subsys_vendor_id);
	check(&r, r_u16(&r) == dev->cfg.subsys_id);
	check(&r, r_u8(&r) == dev->cfg.revision);
	check(&r, r_u8(&r) == dev->cfg.nr_displays);
	r_config(&r, dev, st->config);
	if (version == 1)
		r_latches_v1(&r, dev, st);
	else
		r_latches(&r, dev, st);
	st->pending = r_u32(&r);
	st->filter = r_u32(&r);
	st->guest_caps = r_u32(&r);
	st->msi_notified = r_u32(&r);
	check(&r, !(st->pending & ~HVMLINK_EVENT_VALID_MASK) &&
	      !(st->filter & ~HVMLINK_EVENT_VALID_MASK) &&
	      !(st->guest_caps & ~HVMLINK_GUEST_CAP_VALID_MASK) &&
	      !(st->msi_notified & ~(st->pending & st->filter)));

	r_bool(&r, &st->info.reported);
	st->info.driver_version = r_u32(&r);
	st->info.os_type = r_u32(&r);
	r_str(&r, st->info.os_release, HVMLINK_NAME_LEN);
	r_str(&r, st->info.name, HVMLINK_NAME_LEN);
	check(&r, st->info.reported || (!st->info.driver_version &&
		  !st->info.os_type && !st->info.os_release[0] &&
		  !st->info.name[0]));
	for (i = 0; i < HVMLINK_FACILITY_COUNT; i++) {
		st->facility[i] = r_u8(&r);
		check(&r, st->facility[i] < HVMLINK_FACILITY_STATUS_COUNT &&
		      (i > 0 || st->facility[i] == 0));
	}

	st->hint_seq = r_u64(&r);
	for (i = 0; i < dev->cfg.nr_displays && !r.bad; i++)
		r_display(&r, st, &st->display[i]);

	st->hb_interval_ns = r_u64(&r);
	r_bool(&r, &st->hb_enabled);
	st->hb_state = r_u8(&r);
	st->hb_beats = r_u64(&r);
	st->hb_last_realtime_ns = r_u64(&r);
	check(&r, st->hb_state <= HVMDEV_HEARTBEAT_OVERDUE &&
	      (st->hb_enabled || st->hb_state == HVMDEV_HEARTBEAT_OFF) &&
	      (!st->hb_enabled || (st->hb_interval_ns &&
				   st->hb_state != HVMDEV_HEARTBEAT_OFF)));

	st->kv_generation = r_u64(&r);
	r_kv(&r, st);
	check(&r, r.left == 0);
	return r.bad ? -EINVAL : 0;
}

int hvmdev_restore(struct hvmdev *dev, const void *blob, size_t len)
{
	return hvmdev_restore_flags(dev, blob, len, 0);
}

void hvmdev_raise_restored(struct hvmdev *dev)
{
	hvmdev_raise(dev, HVMLINK_EVENT_RESTORED);
}

/* The state is flat but for the key/value entries, whose every change
 * bumps kv_generation: comparing the struct sees every change. */
bool hvmdev_state_dirty(const struct hvmdev *dev)
{
	return memcmp(&dev->st, &dev->saved, sizeof(dev->st)) != 0;
}

void hvmdev_mark_saved(struct hvmdev *dev)
{
	memcpy(&dev->saved, &dev->st, sizeof(dev->st));
}

int hvmdev_restore_flags(struct hvmdev *dev, const void *blob, size_t len,
			 unsigned int flags)
{
	struct hvmdev_state *st;
	int rc;

	if (!blob || (flags & ~HVMDEV_RESTORE_QUIET))
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	rc = parse(dev, blob, len, st);
	if (rc < 0) {
		log_err("dom%u: hvmlink: device state blob refused (corrupt or not ours)",
			dev->cfg.domid);
		hvmdev_kv_free_all(st);
		free(st);
		return rc;
	}

	hvmdev_kv_free_all(&dev->st);
	dev->st = *st;
	free(st);
	/* Host-local clocks start afresh: a deadline from another host's
	 * monotonic clock means nothing here. */
	dev->hb_last_monotonic_ns = hvmdev_now_mono(dev);
	dev->log_window_start_ns = 0;
	dev->log_in_window = 0;
	hvmdev_update_bars(dev);
	if (flags & HVMDEV_RESTORE_QUIET)
		hvmdev_irq_update(dev);
	else
		hvmdev_raise(dev, HVMLINK_EVENT_RESTORED);
	hvmdev_notify(dev, HVMDEV_CHANGED_ALL, 0);
	return 0;
}
