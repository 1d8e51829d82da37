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
 * Say in xenstore that the device took a hint (for "hvmlinkctl watch"):
 * the display hint's seq, as the guest will see it; for a key, a count of
 * deliveries.  Queued, written by a later loop iteration (delivered.c):
 * the guest's interrupt, and the guest's next request, do not wait for
 * this round trip.
 */
static void delivered(struct hvmlinkd *d, const char *kind,
		      unsigned int display, const char *key)
{
	static uint64_t kv_deliveries;
	struct hvmdev_display_state st;
	char name[16];
	uint64_t seq;

	if (key) {
		seq = ++kv_deliveries;
	} else {
		if (hvmdev_get_display(d->dev, display, &st) < 0 ||
		    !st.hint_seq)
			return;
		seq = st.hint_seq;
		snprintf(name, sizeof(name), "%u", display);
		key = name;
	}
	hvmlinkd_delivered_queue(d, kind, key, seq);
}

static int on_display_hint(void *opaque, unsigned int display,
			   const struct hvmlink_display_mode *mode)
{
	struct hvmlinkd *d = opaque;
	int rc = hvmdev_set_display_hint(d->dev, display, mode);

	if (rc < 0) {
		log_warn("display %u: hint refused by the device: %s", display,
			 strerror(-rc));
		return rc;
	}
	if (mode->enabled)
		log_info("display %u: hint %ux%u bpp %u at %d,%d", display,
			 mode->width, mode->height, mode->bpp, mode->x, mode->y);
	else
		log_info("display %u: hint off", display);
	delivered(d, "display", display, NULL);
	return 0;
}

static int on_kv_set(void *opaque, const char *key, const void *value,
		     size_t len)
{
	struct hvmlinkd *d = opaque;
	int rc = hvmdev_set_kv(d->dev, key, value, len);

	if (rc < 0) {
		log_warn("key %s: hint refused by the device: %s", key,
			 strerror(-rc));
		return rc;
	}
	log_info("key %s: hint set (%zu bytes)", key, len);
	delivered(d, "kv", 0, key);
	return 0;
}

static void on_kv_delete(void *opaque, const char *key)
{
	struct hvmlinkd *d = opaque;
	int rc = hvmdev_delete_kv(d->dev, key);

	/* Deleting a key the device never accepted is no news for the guest. */
	if (rc < 0 && rc != -ENOENT)
		log_warn("key %s: delete refused by the device: %s", key,
			 strerror(-rc));
	else if (rc == 0)
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
