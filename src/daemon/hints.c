/* SPDX-License-Identifier: MIT */
/*
 * xenstore → device: the hints hvmxs has parsed and validated are handed
 * to the device, whose own checks have the last word (its refusal becomes
 * the error node next to the hint).  Also the xenstore events that end or
 * pause the daemon's xenstore service.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "xenstore/hvmxs.h"

/*
 * One hint for the device, handed to the device thread
 * (hvmlinkd_on_device): the xenstore reads that validated it were done on
 * the main thread, so the device thread is held only for the device's
 * own work, and the guest's requests go on meanwhile.
 */
struct hint_call {
	unsigned int display;
	const struct hvmlink_display_mode *mode;	/* display hint */
	const char *key;				/* kv set/delete */
	const void *value;				/* kv set */
	size_t len;
	int rc;
	uint64_t seq;		/* the display's hint seq, once taken */
};

static void display_hint_fn(struct hvmlinkd *d, void *arg)
{
	struct hint_call *c = arg;
	struct hvmdev_display_state st;

	c->rc = hvmdev_set_display_hint(d->dev, c->display, c->mode);
	if (c->rc == 0 && hvmdev_get_display(d->dev, c->display, &st) == 0)
		c->seq = st.hint_seq;
}

static void kv_set_fn(struct hvmlinkd *d, void *arg)
{
	struct hint_call *c = arg;

	c->rc = hvmdev_set_kv(d->dev, c->key, c->value, c->len);
}

static void kv_delete_fn(struct hvmlinkd *d, void *arg)
{
	struct hint_call *c = arg;

	c->rc = hvmdev_delete_kv(d->dev, c->key);
}

/*
 * Say in xenstore that the device took a hint (for "hvmlinkctl watch"):
 * the display hint's seq, as the guest will see it; for a key, a count of
 * deliveries.  Queued, written by a later loop iteration (delivered.c).
 */
static int on_display_hint(void *opaque, unsigned int display,
			   const struct hvmlink_display_mode *mode)
{
	struct hvmlinkd *d = opaque;
	struct hint_call c = { .display = display, .mode = mode };
	char name[16];

	hvmlinkd_on_device(d, display_hint_fn, &c);
	if (c.rc < 0) {
		log_warn("display %u: hint refused by the device: %s", display,
			 strerror(-c.rc));
		return c.rc;
	}
	if (mode->enabled)
		log_info("display %u: hint %ux%u bpp %u at %d,%d", display,
			 mode->width, mode->height, mode->bpp, mode->x, mode->y);
	else
		log_info("display %u: hint off", display);
	if (c.seq) {
		snprintf(name, sizeof(name), "%u", display);
		hvmlinkd_delivered_queue(d, "display", name, c.seq);
	}
	return 0;
}

static int on_kv_set(void *opaque, const char *key, const void *value,
		     size_t len)
{
	static uint64_t kv_deliveries;
	struct hvmlinkd *d = opaque;
	struct hint_call c = { .key = key, .value = value, .len = len };

	hvmlinkd_on_device(d, kv_set_fn, &c);
	if (c.rc < 0) {
		log_warn("key %s: hint refused by the device: %s", key,
			 strerror(-c.rc));
		return c.rc;
	}
	log_info("key %s: hint set (%zu bytes)", key, len);
	hvmlinkd_delivered_queue(d, "kv", key, ++kv_deliveries);
	return 0;
}

static void on_kv_delete(void *opaque, const char *key)
{
	struct hvmlinkd *d = opaque;
	struct hint_call c = { .key = key };

	hvmlinkd_on_device(d, kv_delete_fn, &c);
	/* Deleting a key the device never accepted is no news for the guest. */
	if (c.rc < 0 && c.rc != -ENOENT)
		log_warn("key %s: delete refused by the device: %s", key,
			 strerror(-c.rc));
	else if (c.rc == 0)
		log_info("key %s: hint deleted", key);
	hvmlinkd_delivered_queue(d, "kv", key, 0);
}

static void on_domain_gone(void *opaque)
{
	hvmlinkd_stop(opaque, 0, "domain destroyed (@releaseDomain)");
}

static void on_connection_lost(void *opaque)
{
	struct hvmlinkd *d = opaque;

	log_warn("xenstore connection lost; the device keeps serving the guest, hints are frozen until it is back");
	hvmlinkd_rearm_xs_retry(d);
}

static void on_connection_restored(void *opaque)
{
	log_notice("xenstore connection restored");
}

const struct hvmxs_callbacks hvmlinkd_hint_callbacks = {
	.display_hint = on_display_hint,
	.kv_set = on_kv_set,
	.kv_delete = on_kv_delete,
	.domain_gone = on_domain_gone,
	.connection_lost = on_connection_lost,
	.connection_restored = on_connection_restored,
};
