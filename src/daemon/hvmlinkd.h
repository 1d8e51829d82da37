/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkd's wiring: one struct that holds the three layers (ioreq server,
 * device, xenstore) and the GLib sources that drive them.  Internal to
 * src/daemon/; no logic of its own beyond moving events between layers.
 *
 *   evtchn fd readable  → ioreq_server_handle_pending → device handlers
 *   device changed()    → dirty bits → published via hvmxs after the batch
 *   xenstore fd         → hvmxs_dispatch → hint callbacks → hvmdev_set_*
 *   SIGTERM/SIGINT      → stop;  @releaseDomain / ESRCH → stop
 */
#ifndef HVMLINK_DAEMON_HVMLINKD_H
#define HVMLINK_DAEMON_HVMLINKD_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "daemon/options.h"
#include "device/device.h"
#include "hvmlink/protocol.h"

struct ioreq_server;
struct hvmxs;

/* Guest-reported state not yet published (see publish.c). */
struct hvmlinkd_dirty {
	unsigned int what;		/* HVMDEV_CHANGED_* */
	uint32_t displays;		/* bit n: display n */
	uint32_t facilities;		/* bit n: facility n */
};

struct hvmlinkd {
	const struct hvmlinkd_options *opts;

	struct ioreq_server *ioreq;
	struct hvmdev *dev;
	struct hvmxs *xs;

	GMainLoop *loop;
	guint ioreq_src;
	guint xs_src;
	guint xs_retry_src;
	guint tick_src;
	uint64_t tick_deadline_ns;	/* monotonic; UINT64_MAX = none */
	guint signal_src[3];

	struct hvmlinkd_dirty dirty;

	bool stopping;
	int exit_status;
};

/* Start-up, in the order main() calls them.  Each returns 0 or -1 after
 * logging one line; hvmlinkd_teardown() undoes whatever was done. */
int hvmlinkd_setup_device(struct hvmlinkd *d,
			  const struct hvmlinkd_options *opts)
	__attribute__((warn_unused_result));
int hvmlinkd_setup_xenstore(struct hvmlinkd *d)
	__attribute__((warn_unused_result));
/* Event sources; call after deprivileging (GLib may start a thread). */
int hvmlinkd_setup_loop(struct hvmlinkd *d)
	__attribute__((warn_unused_result));
int hvmlinkd_publish_ready(struct hvmlinkd *d)
	__attribute__((warn_unused_result));
/* Runs until told to stop; returns the exit status. */
int hvmlinkd_run(struct hvmlinkd *d);
void hvmlinkd_teardown(struct hvmlinkd *d);

/* Leave the main loop with status, saying why (once). */
void hvmlinkd_stop(struct hvmlinkd *d, int status, const char *why, ...)
	__attribute__((format(printf, 3, 4)));

/* hints.c: hvmxs callbacks that feed the device. */
extern const struct hvmxs_callbacks hvmlinkd_hint_callbacks;

/* publish.c: device → xenstore. */
void hvmlinkd_device_changed(void *opaque, unsigned int what,
			     unsigned int index);
void hvmlinkd_publish_flush(struct hvmlinkd *d);

/* loop.c */
void hvmlinkd_rearm_tick(struct hvmlinkd *d);
void hvmlinkd_rearm_xs_retry(struct hvmlinkd *d);
void hvmlinkd_teardown_loop(struct hvmlinkd *d);

#endif /* HVMLINK_DAEMON_HVMLINKD_H */
