/* SPDX-License-Identifier: MIT */
/*
 * Request processing: copy in, validate, handle, write back results.
 *
 * A request lives in guest memory the guest may change at any time, so it
 * is copied once into dev->req and never read again (header first, then
 * the body right after the header copy).  Only rc and the type's OUT
 * fields are written back; a failed request writes rc alone.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"

#define HDR_SIZE sizeof(struct hvmlink_req_header)

/* A byte range of the request the device writes back on success. */
struct out_span {
	uint16_t off;
	uint16_t len;
};

#define SPAN(type, first, last) \
	{ offsetof(type, first), \
	  offsetof(type, last) + sizeof(((type *)0)->last) - \
	  offsetof(type, first) }

struct req_type {
	const char *name;
	uint32_t size;
	int32_t (*handle)(struct hvmdev *dev, void *req);
	struct out_span out[2];
};

bool hvmdev_copy_guest_string(char *dst, const char *src, size_t field_len)
{
	size_t i;

	for (i = 0; i < field_len && src[i]; i++) {
		if (src[i] < 0x20 || src[i] > 0x7e)
			return false;
		dst[i] = src[i];
	}
	dst[i] = '\0';
	return true;
}

bool hvmdev_string_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* ---------------------------------------------------------------------- */

static int32_t req_host_version(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_host_version *r = p;

	r->protocol_version = HVMLINK_PROTOCOL_VERSION;
	r->major = dev->cfg.version_major;
	r->minor = dev->cfg.version_minor;
	r->build = dev->cfg.version_build;
	r->features = HVMDEV_HOST_FEATURES;
	return HVMLINK_OK;
}

/* Returns and clears what the guest can see (pending & filter); masked
 * events stay pending until unmasked, as VMMDev does. */
static int32_t req_ack_events(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_ack_events *r = p;

	r->events = dev->st.pending & dev->st.filter;
	dev->st.pending &= ~r->events;
	hvmdev_irq_update(dev);
	return HVMLINK_OK;
}

static int32_t req_filter_mask(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_filter_mask *r = p;
	uint32_t old = dev->st.filter;

	if ((r->or_mask | r->not_mask) & ~HVMLINK_EVENT_VALID_MASK)
		return HVMLINK_ERR_INVALID_PARAMETER;
	dev->st.filter = (old | r->or_mask) & ~r->not_mask;
	r->mask = dev->st.filter;
	hvmdev_irq_update(dev);
	if (dev->st.filter != old)
		hvmdev_notify(dev, HVMDEV_CHANGED_FILTER, 0);
	return HVMLINK_OK;
}

static int32_t req_guest_info(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_guest_info *r = p;
	struct hvmdev_guest_info info;

	/* memset, not an initializer: the padding lands in the state too,
	 * which hvmdev_state_dirty() compares byte for byte. */
	memset(&info, 0, sizeof(info));
	info.reported = true;
	if (!hvmdev_copy_guest_string(info.os_release, r->os_release,
				      sizeof(r->os_release)) ||
	    !hvmdev_copy_guest_string(info.name, r->name, sizeof(r->name)))
		return HVMLINK_ERR_INVALID_PARAMETER;
	info.driver_version = r->driver_version;
	info.os_type = r->os_type;
	dev->st.info = info;
	hvmdev_notify(dev, HVMDEV_CHANGED_GUEST_INFO, 0);
	return HVMLINK_OK;
}

static int32_t req_guest_caps(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_guest_caps *r = p;
	uint32_t old = dev->st.guest_caps;

	if ((r->or_mask | r->not_mask) & ~HVMLINK_GUEST_CAP_VALID_MASK)
		return HVMLINK_ERR_INVALID_PARAMETER;
	dev->st.guest_caps = (old | r->or_mask) & ~r->not_mask;
	r->caps = dev->st.guest_caps;
	if (dev->st.guest_caps != old)
		hvmdev_notify(dev, HVMDEV_CHANGED_CAPS, 0);
	return HVMLINK_OK;
}

static int32_t check_display(const struct hvmdev *dev, uint32_t display)
{
	if (display >= HVMLINK_MAX_DISPLAYS)
		return HVMLINK_ERR_INVALID_PARAMETER;
	if (display >= dev->cfg.nr_displays)
		return HVMLINK_ERR_NOT_FOUND;
	return HVMLINK_OK;
}

static int32_t req_display_hint(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_display_hint *r = p;
	const struct hvmdev_display_state *d;
	int32_t rc = check_display(dev, r->display);

	if (rc)
		return rc;
	d = &dev->st.display[r->display];
	if (!d->hint_set)
		return HVMLINK_ERR_NO_DATA;
	r->mode = d->hint;
	r->seq = d->hint_seq;
	return HVMLINK_OK;
}

static int32_t req_report_display(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_report_display *r = p;
	struct hvmdev_display_state *d;
	char reason[HVMLINK_REASON_LEN + 1] = "";
	int32_t rc = check_display(dev, r->display);

	if (rc)
		return rc;
	d = &dev->st.display[r->display];
	/* seq 0 reports a mode the guest chose without a hint.  The reason
	 * is IN only for a failure: an applied report's is not looked at. */
	if (r->result > 0 || r->seq > d->hint_seq ||
	    !hvmdev_mode_valid_strict(&r->mode) ||
	    (r->result < 0 &&
	     !hvmdev_copy_guest_string(reason, r->reason, sizeof(r->reason))))
		return HVMLINK_ERR_INVALID_PARAMETER;
	d->reported = true;
	d->result = r->result;
	d->reported_seq = r->seq;
	d->mode = r->mode;
	memcpy(d->reason, reason, sizeof(d->reason));
	hvmdev_notify(dev, HVMDEV_CHANGED_DISPLAY, r->display);
	return HVMLINK_OK;
}

static int32_t req_host_time(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_host_time *r = p;

	r->realtime_ns = hvmdev_now_real(dev);
	return HVMLINK_OK;
}

static void heartbeat_state(struct hvmdev *dev, bool enabled)
{
	struct hvmdev_state *st = &dev->st;
	unsigned int old = st->hb_state;

	st->hb_enabled = enabled;
	st->hb_state = enabled ? HVMDEV_HEARTBEAT_ALIVE : HVMDEV_HEARTBEAT_OFF;
	dev->hb_last_monotonic_ns = hvmdev_now_mono(dev);
	if (old != st->hb_state)
		hvmdev_notify(dev, HVMDEV_CHANGED_HEARTBEAT, 0);
}

static int32_t req_heartbeat_config(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_heartbeat_config *r = p;

	if (r->enable > 1)
		return HVMLINK_ERR_INVALID_PARAMETER;
	/* The host not wanting beats wins over a guest offering them. */
	heartbeat_state(dev, r->enable && dev->st.hb_interval_ns);
	r->interval_ns = dev->st.hb_interval_ns;
	return HVMLINK_OK;
}

/* A beat also enables heartbeats: a guest that restarted its agent need
 * not configure again.  Beats the host does not want are accepted and
 * dropped. */
static int32_t req_heartbeat(struct hvmdev *dev, void *p)
{
	struct hvmdev_state *st = &dev->st;

	if (!st->hb_interval_ns)
		return HVMLINK_OK;
	st->hb_beats++;
	st->hb_last_realtime_ns = hvmdev_now_real(dev);
	st->hb_enabled = true;
	st->hb_state = HVMDEV_HEARTBEAT_ALIVE;
	dev->hb_last_monotonic_ns = hvmdev_now_mono(dev);
	hvmdev_notify(dev, HVMDEV_CHANGED_HEARTBEAT, 0);
	return HVMLINK_OK;
}

static int32_t req_facility(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_facility *r = p;

	if (r->facility < 1 || r->facility >= HVMLINK_FACILITY_COUNT)
		return HVMLINK_ERR_NOT_FOUND;
	if (r->status >= HVMLINK_FACILITY_STATUS_COUNT)
		return HVMLINK_ERR_INVALID_PARAMETER;
	if (dev->st.facility[r->facility] != r->status) {
		dev->st.facility[r->facility] = (uint8_t)r->status;
		hvmdev_notify(dev, HVMDEV_CHANGED_FACILITY, r->facility);
	}
	return HVMLINK_OK;
}

static int32_t req_log(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_log *r = p;
	char line[4 * HVMLINK_LOG_LEN + 1];
	uint64_t now;
	size_t n = 0;
	uint32_t len;

	if (r->length > HVMLINK_LOG_LEN)
		return HVMLINK_ERR_INVALID_PARAMETER;
	now = hvmdev_now_mono(dev);
	if (now - dev->log_window_start_ns >= HVMDEV_LOG_WINDOW_NS ||
	    now < dev->log_window_start_ns) {
		dev->log_window_start_ns = now;
		dev->log_in_window = 0;
	}
	if (dev->log_in_window >= HVMDEV_LOG_BURST)
		return HVMLINK_ERR_RATE_LIMITED;
	dev->log_in_window++;

	len = r->length;
	while (len && (r->text[len - 1] == '\n' || r->text[len - 1] == '\r'))
		len--;
	/* Escape everything that is not printable: the log is the host's. */
	for (uint32_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)r->text[i];

		if (c >= 0x20 && c <= 0x7e && c != '\\')
			line[n++] = (char)c;
		else
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      "\\x%02x", c);
	}
	line[n] = '\0';
	log_info("dom%u: guest: %s", dev->cfg.domid, line);
	return HVMLINK_OK;
}

static bool copy_guest_key(char *dst, const char *src)
{
	size_t len = strnlen(src, HVMLINK_KV_KEY_LEN);

	if (len == HVMLINK_KV_KEY_LEN)
		return false;
	memcpy(dst, src, len + 1);
	return hvmdev_kv_key_valid(dst);
}

static int32_t req_get_kv(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_get_kv *r = p;
	char key[HVMLINK_KV_KEY_LEN];
	const struct hvmdev_kv *kv;
	int idx;

	if (!copy_guest_key(key, r->key))
		return HVMLINK_ERR_INVALID_PARAMETER;
	idx = hvmdev_kv_find(&dev->st, key);
	if (idx < 0)
		return HVMLINK_ERR_NOT_FOUND;
	kv = dev->st.kv[idx];
	r->value_len = kv->len;
	r->generation = dev->st.kv_generation;
	memset(r->value, 0, sizeof(r->value));
	memcpy(r->value, kv->value, kv->len);
	return HVMLINK_OK;
}

static int32_t req_list_kv(struct hvmdev *dev, void *p)
{
	struct hvmlink_req_list_kv *r = p;
	uint32_t count = 0;

	r->total = dev->st.kv_count;
	r->generation = dev->st.kv_generation;
	memset(r->keys, 0, sizeof(r->keys));
	for (uint32_t i = r->start; i < dev->st.kv_count &&
	     count < HVMLINK_KV_LIST_MAX; i++, count++)
		memcpy(r->keys[count], dev->st.kv[i]->key,
		       sizeof(r->keys[count]));
	r->count = count;
	return HVMLINK_OK;
}

static const struct req_type req_types[HVMLINK_REQ_TYPE_COUNT] = {
	[HVMLINK_REQ_GET_HOST_VERSION] = {
		"GET_HOST_VERSION", sizeof(struct hvmlink_req_host_version),
		req_host_version,
		{ SPAN(struct hvmlink_req_host_version, protocol_version, build),
		  SPAN(struct hvmlink_req_host_version, features, features) } },
	[HVMLINK_REQ_ACK_EVENTS] = {
		"ACK_EVENTS", sizeof(struct hvmlink_req_ack_events),
		req_ack_events,
		{ SPAN(struct hvmlink_req_ack_events, events, events) } },
	[HVMLINK_REQ_CTL_FILTER_MASK] = {
		"CTL_FILTER_MASK", sizeof(struct hvmlink_req_filter_mask),
		req_filter_mask,
		{ SPAN(struct hvmlink_req_filter_mask, mask, mask) } },
	[HVMLINK_REQ_REPORT_GUEST_INFO] = {
		"REPORT_GUEST_INFO", sizeof(struct hvmlink_req_guest_info),
		req_guest_info, { { 0, 0 } } },
	[HVMLINK_REQ_SET_GUEST_CAPS] = {
		"SET_GUEST_CAPS", sizeof(struct hvmlink_req_guest_caps),
		req_guest_caps,
		{ SPAN(struct hvmlink_req_guest_caps, caps, caps) } },
	[HVMLINK_REQ_GET_DISPLAY_HINT] = {
		"GET_DISPLAY_HINT", sizeof(struct hvmlink_req_display_hint),
		req_display_hint,
		{ SPAN(struct hvmlink_req_display_hint, mode, seq) } },
	[HVMLINK_REQ_REPORT_DISPLAY] = {
		"REPORT_DISPLAY", sizeof(struct hvmlink_req_report_display),
		req_report_display, { { 0, 0 } } },
	[HVMLINK_REQ_GET_HOST_TIME] = {
		"GET_HOST_TIME", sizeof(struct hvmlink_req_host_time),
		req_host_time,
		{ SPAN(struct hvmlink_req_host_time, realtime_ns, realtime_ns) } },
	[HVMLINK_REQ_HEARTBEAT_CONFIG] = {
		"HEARTBEAT_CONFIG", sizeof(struct hvmlink_req_heartbeat_config),
		req_heartbeat_config,
		{ SPAN(struct hvmlink_req_heartbeat_config, interval_ns,
		       interval_ns) } },
	[HVMLINK_REQ_HEARTBEAT] = {
		"HEARTBEAT", sizeof(struct hvmlink_req_heartbeat),
		req_heartbeat, { { 0, 0 } } },
	[HVMLINK_REQ_REPORT_FACILITY] = {
		"REPORT_FACILITY", sizeof(struct hvmlink_req_facility),
		req_facility, { { 0, 0 } } },
	[HVMLINK_REQ_LOG] = {
		"LOG", sizeof(struct hvmlink_req_log), req_log, { { 0, 0 } } },
	[HVMLINK_REQ_GET_KV] = {
		"GET_KV", sizeof(struct hvmlink_req_get_kv), req_get_kv,
		{ SPAN(struct hvmlink_req_get_kv, value_len, value_len),
		  SPAN(struct hvmlink_req_get_kv, generation, value) } },
	[HVMLINK_REQ_LIST_KV] = {
		"LIST_KV", sizeof(struct hvmlink_req_list_kv), req_list_kv,
		{ SPAN(struct hvmlink_req_list_kv, total, count),
		  SPAN(struct hvmlink_req_list_kv, generation, keys) } },
};

/* Header checks, in the order docs/protocol.md gives. */
static int32_t check_header(const struct hvmlink_req_header *h)
{
	if (h->version != HVMLINK_REQUEST_VERSION)
		return HVMLINK_ERR_VERSION;
	if (h->size < HDR_SIZE || h->size > HVMLINK_REQUEST_MAX_SIZE)
		return HVMLINK_ERR_BAD_SIZE;
	if (h->type == 0 || h->type >= HVMLINK_REQ_TYPE_COUNT)
		return HVMLINK_ERR_NOT_SUPPORTED;
	if (h->size != req_types[h->type].size)
		return HVMLINK_ERR_BAD_SIZE;
	if (h->reserved1 || h->reserved2)
		return HVMLINK_ERR_INVALID_PARAMETER;
	return HVMLINK_OK;
}

/*
 * Where a request is read from and answered: through a view of guest
 * memory as far as the bus gives one (the driver's buffer lies in one
 * page: one lookup for the whole request), else through the bus's copies.
 * Either way each byte is read once, into dev->req, before anything looks
 * at it.  A copy may map and unmap pages, so the view ends at the first.
 */
struct req_mem {
	struct bus *bus;
	uint64_t gpa;
	uint8_t *view;
	size_t view_len;	/* bytes from gpa on behind view; 0: none */
};

static inline __attribute__((always_inline)) int
req_read(struct req_mem *m, size_t off, void *dst, size_t len)
{
	if (off + len <= m->view_len) {
		memcpy(dst, m->view + off, len);
		return 0;
	}
	m->view_len = 0;
	return bus_read_guest(m->bus, m->gpa + off, dst, len);
}

static inline __attribute__((always_inline)) int
req_write(struct req_mem *m, size_t off, const void *src, size_t len)
{
	if (off + len <= m->view_len) {
		memcpy(m->view + off, src, len);
		return 0;
	}
	m->view_len = 0;
	return bus_write_guest(m->bus, m->gpa + off, src, len);
}

/* Returns the status for LAST_RC. */
static int32_t process(struct hvmdev *dev, uint64_t gpa, const char **name)
{
	struct hvmlink_req_header *h = &dev->req.header;
	struct req_mem m = { dev->bus, gpa, NULL, 0 };
	const struct req_type *t;
	int32_t rc;

	if (gpa > UINT64_MAX - HVMLINK_REQUEST_MAX_SIZE)
		return HVMLINK_ERR_NO_REQUEST;
	m.view_len = bus_guest_view(dev->bus, gpa, &m.view);
	if (req_read(&m, 0, h, HDR_SIZE) < 0)
		return HVMLINK_ERR_NO_REQUEST;

	rc = check_header(h);
	if (rc == HVMLINK_OK) {
		t = &req_types[h->type];
		*name = t->name;
		/* Body only: the header we checked is the one we use. */
		if (t->size > HDR_SIZE &&
		    req_read(&m, HDR_SIZE, dev->req.bytes + HDR_SIZE,
			     t->size - HDR_SIZE) < 0)
			return HVMLINK_ERR_NO_REQUEST;
		rc = t->handle(dev, dev->req.bytes);
		for (unsigned int i = 0; rc == HVMLINK_OK && i < 2; i++) {
			const struct out_span *s = &t->out[i];

			if (s->len && req_write(&m, s->off,
						dev->req.bytes + s->off,
						s->len) < 0)
				return HVMLINK_ERR_NO_REQUEST;
		}
	}
	h->rc = rc;
	if (req_write(&m, offsetof(struct hvmlink_req_header, rc), &h->rc,
		      sizeof(h->rc)) < 0)
		return HVMLINK_ERR_NO_REQUEST;
	return rc;
}

void hvmdev_submit(struct hvmdev *dev, struct hvmdev_latch *latch,
		   uint32_t addr_lo)
{
	uint64_t gpa;
	const char *name = "?";
	int32_t rc;

	/* Reading guest memory is DMA: not without bus mastering.  The write
	 * is dropped whole (the vCPU's REQUEST_HI and LAST_RC stay as they
	 * were). */
	if (!(hvmdev_command(dev) & PCI_COMMAND_MASTER)) {
		log_guest_warn("dom%u: hvmlink: request while bus mastering is off, ignored",
			       dev->cfg.domid);
		return;
	}
	gpa = (uint64_t)latch->request_hi << 32 | addr_lo;
	latch->request_hi = 0;
	dev->stats.requests++;

	rc = process(dev, gpa, &name);
	latch->last_rc = rc;
	if (rc != HVMLINK_OK) {
		dev->stats.request_errors++;
		if (rc == HVMLINK_ERR_NO_REQUEST)
			dev->stats.no_request++;
		log_guest_warn("dom%u: hvmlink: request %s at 0x%llx failed: %d",
			       dev->cfg.domid, name, (unsigned long long)gpa,
			       rc);
	}
	log_debug("dom%u: hvmlink: req %s gpa 0x%llx rc %d", dev->cfg.domid,
		  name, (unsigned long long)gpa, rc);
}
