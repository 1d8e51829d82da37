/* SPDX-License-Identifier: MIT */
/*
 * The delivered/ nodes ("the device took this hint", for "hvmlinkctl
 * watch") are written one per main loop iteration, not from inside the
 * watch event that delivered the hint.  A watch event already costs two
 * xenstored round trips (the hint's value, its permissions); the write
 * would be a third, and while an administrator floods xenstored each
 * round trip is slow.  Queued, the loop does one of the two per
 * iteration, so the next hint, a publication or a signal waits for at
 * most one of them (loop.c; the guest's events do not wait for any: the
 * device thread serves them).
 *
 * A node queued again before it was written is updated in place, so a
 * burst of hints to one key costs one write, and the last value always
 * lands.  The queue holds every display and every key the device can
 * hold; should deletes and new keys ever overflow it, the oldest entry
 * is written at once instead.
 */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "xenstore/hvmxs.h"

static void write_entry(struct hvmlinkd *d, const struct hvmlinkd_delivery *e)
{
	int rc = hvmxs_publish_delivered(d->xs, e->kind, e->name, e->seq);

	if (rc < 0)
		log_info("cannot %s delivered/%s/%s: %s",
			 e->seq ? "publish" : "withdraw", e->kind, e->name,
			 strerror(-rc));
}

static void pop_oldest(struct hvmlinkd_deliveries *q)
{
	q->n--;
	memmove(&q->e[0], &q->e[1], q->n * sizeof(q->e[0]));
}

void hvmlinkd_delivered_queue(struct hvmlinkd *d, const char *kind,
			      const char *name, uint64_t seq)
{
	struct hvmlinkd_deliveries *q = &d->deliveries;
	struct hvmlinkd_delivery *e;

	for (unsigned int i = 0; i < q->n; i++) {
		e = &q->e[i];
		if (strcmp(e->kind, kind) == 0 && strcmp(e->name, name) == 0) {
			e->seq = seq;
			return;
		}
	}
	if (q->n == HVMLINKD_DELIVERIES_MAX) {
		write_entry(d, &q->e[0]);
		pop_oldest(q);
	}
	e = &q->e[q->n];
	if (snprintf(e->kind, sizeof(e->kind), "%s", kind) >= (int)sizeof(e->kind) ||
	    snprintf(e->name, sizeof(e->name), "%s", name) >= (int)sizeof(e->name)) {
		log_warn("delivered/%s/%s: name too long, not published", kind,
			 name);
		return;
	}
	e->seq = seq;
	q->n++;
}

bool hvmlinkd_delivered_pending(const struct hvmlinkd *d)
{
	return d->deliveries.n != 0;
}

void hvmlinkd_delivered_write_one(struct hvmlinkd *d)
{
	struct hvmlinkd_deliveries *q = &d->deliveries;

	if (!q->n)
		return;
	write_entry(d, &q->e[0]);
	pop_oldest(q);
}
