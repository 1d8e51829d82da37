/* SPDX-License-Identifier: MIT */
/*
 * device → xenstore: what the guest reported is published for the
 * administrator.  The device tells us from inside a bus handler, on the
 * device thread, while a guest vCPU waits for its IO to complete; a
 * xenstore round trip there would stall the vCPU.  So the change callback
 * only records what is dirty; once the request is answered the device
 * thread tells the main thread (devthread.c), which takes a snapshot of
 * the dirty items on the device thread and writes them from its own.
 *
 * Rate limit: at most HVMLINKD_PUBLISH_PER_SEC publications a second.  A
 * publication writes each item that changed since the last one once (one
 * xenstore transaction per item: guest info, caps, a facility, a display,
 * the heartbeat), so a guest that floods REPORT_GUEST_INFO or heartbeats
 * costs xenstored at most that many transactions a second, not one per
 * request.  The first change after a quiet spell is published at once;
 * changes within the interval are coalesced and published when it ends,
 * so the last value always lands (also at shutdown).
 */
#include <string.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "xenstore/hvmxs.h"

void hvmlinkd_device_changed(void *opaque, unsigned int what,
			     unsigned int index)
{
	struct hvmlinkd *d = opaque;
	bool all = what == HVMDEV_CHANGED_ALL;

	d->devt.changed = true;		/* the device thread looks after */
	if (what & (HVMDEV_CHANGED_FILTER | HVMDEV_CHANGED_PCI))
		log_debug("guest changed %s%s", what & HVMDEV_CHANGED_FILTER ?
			  "filter " : "", what & HVMDEV_CHANGED_PCI ? "pci" : "");
	what &= ~(HVMDEV_CHANGED_FILTER | HVMDEV_CHANGED_PCI);
	if (!what)
		return;		/* nothing to publish */
	d->dirty.what |= what;
	if ((what & HVMDEV_CHANGED_DISPLAY) && index < 32)
		d->dirty.displays |= 1u << index;
	if ((what & HVMDEV_CHANGED_FACILITY) && index < 32)
		d->dirty.facilities |= 1u << index;
	if (all) {
		/* After a restore every display and facility may differ. */
		d->dirty.displays = UINT32_MAX;
		d->dirty.facilities = UINT32_MAX;
	}
}

static void publish_failed(const char *what, int rc)
{
	if (rc < 0)
		log_warn("cannot publish %s in xenstore: %s", what,
			 strerror(-rc));
}

static void publish_guest_info(struct hvmlinkd *d)
{
	const struct hvmdev_guest_info *gi = &d->snap.guest_info;
	struct hvmxs_guest_info xi;

	if (!gi->reported) {
		/* The guest reset the device: what it told us is void. */
		publish_failed("guest reset", hvmxs_clear_guest(d->xs));
		return;
	}
	memset(&xi, 0, sizeof(xi));
	xi.driver_version = gi->driver_version;
	xi.os_type = gi->os_type;
	/* Both are HVMLINK_NAME_LEN + 1 and NUL-terminated by the device. */
	memcpy(xi.os_release, gi->os_release, sizeof(xi.os_release));
	memcpy(xi.name, gi->name, sizeof(xi.name));
	xi.os_release[sizeof(xi.os_release) - 1] = '\0';
	xi.name[sizeof(xi.name) - 1] = '\0';
	log_info("guest driver %u.%u.%u on %s (%s)", xi.driver_version >> 16,
		 (xi.driver_version >> 8) & 0xff, xi.driver_version & 0xff,
		 xi.name, xi.os_release);
	publish_failed("guest info", hvmxs_publish_guest_info(d->xs, &xi));
}

static void publish_display(struct hvmlinkd *d, unsigned int display)
{
	const struct hvmdev_display_state *st = &d->snap.display[display];

	if (!st->reported)
		return;
	if (st->result == 0)
		log_info("display %u: guest applied hint %llu (%ux%u)", display,
			 (unsigned long long)st->reported_seq, st->mode.width,
			 st->mode.height);
	else
		log_info("display %u: guest failed hint %llu: %s", display,
			 (unsigned long long)st->reported_seq, st->reason);
	publish_failed("display state",
		       hvmxs_publish_display(d->xs, display, st->result,
					     st->reported_seq, &st->mode,
					     st->result ? st->reason : NULL));
}

static void publish_heartbeat(struct hvmlinkd *d)
{
	const struct hvmdev_heartbeat *hb = &d->snap.heartbeat;
	enum hvmxs_heartbeat health;

	switch (hb->state) {
	case HVMDEV_HEARTBEAT_ALIVE:
		health = HVMXS_HEARTBEAT_OK;
		break;
	case HVMDEV_HEARTBEAT_OVERDUE:
		health = HVMXS_HEARTBEAT_LATE;
		log_notice("guest heartbeat overdue");
		break;
	default:
		health = HVMXS_HEARTBEAT_OFF;
		break;
	}
	publish_failed("heartbeat",
		       hvmxs_publish_heartbeat(d->xs, health,
					       hb->last_beat_realtime_ns,
					       hb->interval_ns));
}

/* Changes are dirty: publish now, or when the interval since the last
 * publication has passed (the publish timer). */
void hvmlinkd_publish_changed(struct hvmlinkd *d)
{
	uint64_t now, due;

	if (d->publish_armed)
		return;		/* coalesced into the pending publication */
	now = hvmlinkd_monotonic_ns();
	due = d->publish_last_ns + HVMLINKD_PUBLISH_INTERVAL_NS;
	if (d->publish_last_ns == 0 || now >= due) {
		d->publish_last_ns = now;
		hvmlinkd_publish_flush(d);
		return;
	}
	d->publish_armed = true;
	hvmlinkd_timer_set(d->pfd[HVMLINKD_SRC_PUBLISH].fd, due);
}

/* The publish timer fired. */
void hvmlinkd_publish_due(struct hvmlinkd *d)
{
	d->publish_armed = false;
	d->publish_last_ns = hvmlinkd_monotonic_ns();
	hvmlinkd_publish_flush(d);
}

/* On the device thread: take what is dirty, and its current values. */
static void snapshot_fn(struct hvmlinkd *d, void *arg)
{
	struct hvmlinkd_snapshot *s = arg;
	const struct hvmlinkd_dirty *dirty = &d->dirty;

	s->dirty = *dirty;
	if (dirty->what & HVMDEV_CHANGED_GUEST_INFO)
		hvmdev_get_guest_info(d->dev, &s->guest_info);
	if (dirty->what & HVMDEV_CHANGED_CAPS)
		s->caps = hvmdev_get_guest_caps(d->dev);
	if (dirty->what & HVMDEV_CHANGED_FACILITY)
		for (unsigned int f = 1; f < HVMLINK_FACILITY_COUNT; f++)
			if (dirty->facilities & (1u << f))
				s->facility[f] = hvmdev_get_facility(d->dev, f);
	if (dirty->what & HVMDEV_CHANGED_DISPLAY)
		for (unsigned int n = 0; n < d->opts->displays; n++)
			if ((dirty->displays & (1u << n)) &&
			    hvmdev_get_display(d->dev, n, &s->display[n]) < 0)
				s->display[n].reported = false;
	if (dirty->what & HVMDEV_CHANGED_HEARTBEAT)
		hvmdev_get_heartbeat(d->dev, &s->heartbeat);
	memset(&d->dirty, 0, sizeof(d->dirty));
	/* Collected: the next change is news again. */
	d->devt.news_sent = false;
}

void hvmlinkd_publish_flush(struct hvmlinkd *d)
{
	const struct hvmlinkd_dirty *dirty = &d->snap.dirty;

	if (!d->xs || !d->dev)
		return;
	hvmlinkd_on_device(d, snapshot_fn, &d->snap);
	if (!dirty->what)
		return;

	if (dirty->what & HVMDEV_CHANGED_GUEST_INFO)
		publish_guest_info(d);
	if (dirty->what & HVMDEV_CHANGED_CAPS)
		publish_failed("capabilities",
			       hvmxs_publish_caps(d->xs, d->snap.caps));
	if (dirty->what & HVMDEV_CHANGED_FACILITY) {
		for (unsigned int f = 1; f < HVMLINK_FACILITY_COUNT; f++) {
			int st = d->snap.facility[f];

			if (!(dirty->facilities & (1u << f)) || st < 0)
				continue;
			publish_failed("facility",
				       hvmxs_publish_facility(d->xs, f,
							      (uint32_t)st));
		}
	}
	if (dirty->what & HVMDEV_CHANGED_DISPLAY) {
		for (unsigned int n = 0; n < d->opts->displays; n++)
			if (dirty->displays & (1u << n))
				publish_display(d, n);
	}
	if (dirty->what & HVMDEV_CHANGED_HEARTBEAT)
		publish_heartbeat(d);
}
