/* SPDX-License-Identifier: MIT */
/*
 * Device reset: the end of a guest driver's session (docs/protocol.md,
 * "Device reset").
 *
 * Clearing Bus Master Enable is what every OS does when a driver lets go
 * of a PCI function (Linux pci_disable_device() on unbind or module
 * unload, Windows on a driver stop, BSD on detach), and a driver cannot
 * submit a request without bus mastering anyway.  So that edge ends the
 * session: everything the guest set or reported is forgotten, and the
 * next driver starts from a clean device instead of inheriting a filter,
 * capabilities, half-done latches or a stale guest identity.  What the
 * host has to say that is still current (a hint, keys, a wanted
 * heartbeat) is raised again, so the next driver learns of it the moment
 * it sets its filter.
 *
 * Not touched: PCI configuration space (the OS owns it), the host's hints,
 * keys and heartbeat interval, counters, and the LOG rate-limit window (a
 * guest toggling bus mastering must not get a fresh burst).
 */
#include <string.h>

#include "common/log.h"
#include "device/device-internal.h"

/* The events a driver starting now should see. */
uint32_t hvmdev_host_news(const struct hvmdev *dev)
{
	const struct hvmdev_state *st = &dev->st;
	uint32_t news = 0;

	for (unsigned int i = 0; i < dev->cfg.nr_displays; i++)
		if (st->display[i].hint_set)
			news |= HVMLINK_EVENT_DISPLAY_CHANGE;
	if (st->kv_count)
		news |= HVMLINK_EVENT_KV_CHANGE;
	if (st->hb_interval_ns)
		news |= HVMLINK_EVENT_HEARTBEAT_REQUEST;
	return news;
}

/* Did the guest report anything the host may have published? */
static bool guest_reported_any(const struct hvmdev *dev)
{
	const struct hvmdev_state *st = &dev->st;
	unsigned int i;

	if (st->info.reported || st->guest_caps ||
	    st->hb_state != HVMDEV_HEARTBEAT_OFF)
		return true;
	for (i = 1; i < HVMLINK_FACILITY_COUNT; i++)
		if (st->facility[i] != HVMLINK_FACILITY_INACTIVE)
			return true;
	for (i = 0; i < dev->cfg.nr_displays; i++)
		if (st->display[i].reported)
			return true;
	return false;
}

void hvmdev_session_reset(struct hvmdev *dev)
{
	struct hvmdev_state *st = &dev->st;
	bool reported = guest_reported_any(dev);
	bool hb_was_on = st->hb_state != HVMDEV_HEARTBEAT_OFF;
	uint32_t old_caps = st->guest_caps, old_filter = st->filter;
	unsigned int what = 0, i;

	dev->stats.resets++;
	log_info("dom%u: hvmlink: bus mastering off: driver session ended, device reset",
		 dev->cfg.domid);

	memset(st->latch, 0, sizeof(st->latch));
	st->filter = 0;
	st->guest_caps = 0;
	memset(&st->info, 0, sizeof(st->info));
	st->hb_enabled = false;
	st->hb_state = HVMDEV_HEARTBEAT_OFF;
	/* Earlier events were for the driver that left; RESTORED among
	 * them (the next driver reads everything anyway). */
	st->pending = hvmdev_host_news(dev);
	hvmdev_irq_update(dev);

	/* Guest info now reads "not reported": the embedder's cue to clear
	 * everything it published about the guest. */
	if (reported)
		what |= HVMDEV_CHANGED_GUEST_INFO;
	if (old_caps)
		what |= HVMDEV_CHANGED_CAPS;
	if (old_filter)
		what |= HVMDEV_CHANGED_FILTER;
	if (hb_was_on)
		what |= HVMDEV_CHANGED_HEARTBEAT;
	if (what)
		hvmdev_notify(dev, what, 0);
	for (i = 1; i < HVMLINK_FACILITY_COUNT; i++) {
		if (st->facility[i] == HVMLINK_FACILITY_INACTIVE)
			continue;
		st->facility[i] = HVMLINK_FACILITY_INACTIVE;
		hvmdev_notify(dev, HVMDEV_CHANGED_FACILITY, i);
	}
	for (i = 0; i < dev->cfg.nr_displays; i++) {
		struct hvmdev_display_state *d = &st->display[i];

		if (!d->reported)
			continue;
		d->reported = false;
		d->result = 0;
		d->reported_seq = 0;
		memset(&d->mode, 0, sizeof(d->mode));
		d->reason[0] = '\0';
		hvmdev_notify(dev, HVMDEV_CHANGED_DISPLAY, i);
	}
}
