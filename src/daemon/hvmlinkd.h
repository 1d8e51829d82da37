/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkd's wiring: one struct that holds the three layers (ioreq server,
 * device, xenstore) and the poll loop that drives them (loop.c).
 * Internal to src/daemon/; no logic of its own beyond moving events
 * between layers.  Single-threaded.
 *
 *   evtchn fd readable  → ioreq_server_handle_pending → device handlers
 *   device changed()    → dirty bits → published via hvmxs (rate-limited)
 *   xenstore fd         → hvmxs_dispatch → hint callbacks → hvmdev_set_*
 *   SIGTERM/SIGINT      → stop;  @releaseDomain / ESRCH → stop
 */
#ifndef HVMLINK_DAEMON_HVMLINKD_H
#define HVMLINK_DAEMON_HVMLINKD_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/options.h"
#include "daemon/statefile.h"
#include "device/device.h"
#include "hvmlink/protocol.h"
#include "xenstore/schema.h"

struct hvmlinkd;
struct ioreq_server;
struct ioreq_options;
struct hvmxs;

/* How this start relates to the VM's earlier life (restart.c). */
enum hvmlinkd_start {
	HVMLINKD_START_FRESH,		/* create, reboot: a new device */
	HVMLINKD_START_INCOMING,	/* restore, migrate-receive */
	HVMLINKD_START_RESTART,		/* an earlier hvmlinkd served this domain */
};

/* Guest-reported state not yet published (see publish.c). */
struct hvmlinkd_dirty {
	unsigned int what;		/* HVMDEV_CHANGED_* */
	uint32_t displays;		/* bit n: display n */
	uint32_t facilities;		/* bit n: facility n */
};

/* The main loop's sources, in the order one iteration serves them
 * (loop.c). */
enum hvmlinkd_src {
	HVMLINKD_SRC_NEWS,	/* eventfd: the device thread has news */
	HVMLINKD_SRC_XENSTORE,	/* hvmxs_fd() */
	HVMLINKD_SRC_SIGNAL,	/* signalfd: SIGTERM, SIGINT, SIGHUP */
	HVMLINKD_SRC_XS_RETRY,	/* timerfd: xenstore reconnection */
	HVMLINKD_SRC_PUBLISH,	/* timerfd: publication rate limit */
	HVMLINKD_SRC_COUNT
};

/* The device thread's sources (devthread.c). */
enum hvmlinkd_dev_src {
	HVMLINKD_DEV_IOREQ,	/* the event channel fd (the ioreq server's) */
	HVMLINKD_DEV_CALL,	/* eventfd: the main thread's call */
	HVMLINKD_DEV_TICK,	/* timerfd: hvmdev_tick() */
	HVMLINKD_DEV_COUNT
};

typedef void hvmlinkd_dev_fn(struct hvmlinkd *d, void *arg);

/* The device thread and what passes between it and the main thread. */
struct hvmlinkd_devthread {
	pthread_t thread;
	bool started;			/* main thread's view */
	/* Device thread only (or main, while it does not run). */
	struct pollfd pfd[HVMLINKD_DEV_COUNT];
	uint64_t tick_deadline_ns;	/* armed; monotonic; UINT64_MAX = none */
	bool changed;			/* the device reported a change */
	bool news_sent;			/* news written, not yet collected */
	bool quit;
	/* Main → device thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	hvmlinkd_dev_fn *call_fn;
	void *call_arg;
	bool call_done;
	bool exited;			/* the thread no longer runs */
	/* Device thread → main, under lock: a stop it asks for. */
	bool stop_asked;
	int stop_status;
	char stop_why[128];
	int news_fd;			/* eventfd the main loop polls */
};

/* What a publication needs of the device, taken on the device thread
 * (publish.c). */
struct hvmlinkd_snapshot {
	struct hvmlinkd_dirty dirty;
	struct hvmdev_guest_info guest_info;
	uint32_t caps;
	int facility[HVMLINK_FACILITY_COUNT];
	struct hvmdev_display_state display[HVMLINK_MAX_DISPLAYS];
	struct hvmdev_heartbeat heartbeat;
};

/* A delivered/ node waiting to be written (delivered.c). */
struct hvmlinkd_delivery {
	char kind[8];			/* "display" or "kv" */
	char name[HVMLINK_KV_KEY_LEN];	/* the display's number or the key */
	uint64_t seq;			/* 0: remove the node */
};

#define HVMLINKD_DELIVERIES_MAX (HVMLINK_KV_MAX_KEYS + HVMLINK_MAX_DISPLAYS)

struct hvmlinkd_deliveries {
	unsigned int n;			/* oldest first */
	struct hvmlinkd_delivery e[HVMLINKD_DELIVERIES_MAX];
};

/* Publications of guest-reported state per second, at most (publish.c). */
#define HVMLINKD_PUBLISH_PER_SEC	10
#define HVMLINKD_PUBLISH_INTERVAL_NS	(1000000000ull / HVMLINKD_PUBLISH_PER_SEC)

struct hvmlinkd {
	const struct hvmlinkd_options *opts;

	/* The VM the domain runs (hints and device state are kept per VM),
	 * and when the toolstack built this domain for it. */
	char vm_uuid[SCHEMA_UUID_LEN + 1];
	char vm_name[SCHEMA_NAME_MAX];
	char vm_start_time[SCHEMA_START_TIME_MAX];

	/* The VM's state file (restart.c). */
	struct statefile *sf;
	char boot_id[STATEFILE_BOOT_ID_LEN + 1];
	struct statefile_rec prev;	/* what it held at start-up */
	bool have_prev;
	enum hvmlinkd_start start;
	bool attached;			/* re-attached to the earlier server */
	bool replaced;			/* the earlier server was unusable */
	bool sf_owned;			/* we keep the record current */
	bool defer_record;		/* a newer domain of the VM owns it */
	bool persist_dirty;		/* guest-programmed state changed */

	struct ioreq_server *ioreq;
	struct hvmdev *dev;
	struct hvmxs *xs;

	/* loop.c: one poll() over these; the loop owns the fds from
	 * HVMLINKD_SRC_SIGNAL on. */
	struct pollfd pfd[HVMLINKD_SRC_COUNT];
	bool loop_ready;
	bool xs_retry_armed;

	struct hvmlinkd_devthread devt;

	/* Device thread: what changed since the last publication. */
	struct hvmlinkd_dirty dirty;
	struct hvmlinkd_snapshot snap;	/* main: the one being published */
	uint64_t publish_last_ns;	/* monotonic; 0 = never */
	bool publish_armed;		/* a coalesced publication is due */
	struct hvmlinkd_deliveries deliveries;

	bool stopping;
	int exit_status;
};

/* Start-up, in the order main() calls them.  Each returns 0 or -1 after
 * logging one line; hvmlinkd_teardown() undoes whatever was done. */
int hvmlinkd_identify_vm(struct hvmlinkd *d,
			 const struct hvmlinkd_options *opts)
	__attribute__((warn_unused_result));
/* Open the VM's state file and decide the start mode (before Xen). */
int hvmlinkd_open_state(struct hvmlinkd *d, uid_t uid, gid_t gid)
	__attribute__((warn_unused_result));
int hvmlinkd_setup_device(struct hvmlinkd *d,
			  const struct hvmlinkd_options *opts)
	__attribute__((warn_unused_result));
int hvmlinkd_setup_xenstore(struct hvmlinkd *d)
	__attribute__((warn_unused_result));
/* The loop's sources (signalfd, timers); call after deprivileging. */
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

/* restart.c, used by hvmlinkd_setup_device()/_teardown(). */
const char *hvmlinkd_start_name(enum hvmlinkd_start start);
/* Create the ioreq server, or on a restart re-attach to the earlier one
 * (or replace it).  0 or -errno (logged). */
int hvmlinkd_open_server(struct hvmlinkd *d, const struct ioreq_options *io);
/* With the device made: load the saved state as the start mode says,
 * take the VM's record over, serve what was left in flight.  0 or -1. */
int hvmlinkd_resume_state(struct hvmlinkd *d);
/* The device's changed() callback: notes persistent changes, then
 * hvmlinkd_device_changed(). */
void hvmlinkd_state_changed(void *opaque, unsigned int what,
			    unsigned int index);
/* The last record, durably, once the ioreq server is gone. */
void hvmlinkd_final_save(struct hvmlinkd *d, void *blob, size_t len);

/* publish.c: device → xenstore. */
/* The device's changed() callback, on the device thread. */
void hvmlinkd_device_changed(void *opaque, unsigned int what,
			     unsigned int index);
/* Something is dirty: publish now or when the rate limit allows. */
void hvmlinkd_publish_changed(struct hvmlinkd *d);
/* The publish timer fired. */
void hvmlinkd_publish_due(struct hvmlinkd *d);
/* Publish what is dirty now, whatever the rate. */
void hvmlinkd_publish_flush(struct hvmlinkd *d);

/* delivered.c: delivered/ nodes, written one per loop iteration. */
void hvmlinkd_delivered_queue(struct hvmlinkd *d, const char *kind,
			      const char *name, uint64_t seq);
bool hvmlinkd_delivered_pending(const struct hvmlinkd *d);
void hvmlinkd_delivered_write_one(struct hvmlinkd *d);

/* loop.c */
uint64_t hvmlinkd_monotonic_ns(void);
/* Arm timerfd fd for a CLOCK_MONOTONIC time (UINT64_MAX: off). */
void hvmlinkd_timer_set(int fd, uint64_t deadline_ns);
int hvmlinkd_timer_new(void);
void hvmlinkd_timer_ack(int fd);
void hvmlinkd_rearm_xs_retry(struct hvmlinkd *d);
void hvmlinkd_teardown_loop(struct hvmlinkd *d);

/* devthread.c: the device thread. */
/* Its fds (before deprivileging drops the right to make them). */
int hvmlinkd_devthread_init(struct hvmlinkd *d)
	__attribute__((warn_unused_result));
int hvmlinkd_devthread_start(struct hvmlinkd *d)
	__attribute__((warn_unused_result));
/* Stop and join it; from then on the main thread owns the device. */
void hvmlinkd_devthread_stop(struct hvmlinkd *d);
void hvmlinkd_devthread_fini(struct hvmlinkd *d);
/*
 * Run fn(d, arg) where the device lives: on the device thread while it
 * runs (waiting until it is done: a few microseconds, the device thread
 * never blocks on anything slow), else right here.
 */
void hvmlinkd_on_device(struct hvmlinkd *d, hvmlinkd_dev_fn *fn, void *arg);
/* Main thread, the news fd was readable: consume it; true (and status,
 * why) if the device thread asks the daemon to stop. */
bool hvmlinkd_devthread_news(struct hvmlinkd *d, int *status, char *why,
			     size_t whylen);
/* Device thread: keep the tick timer armed for hvmdev_tick()'s time. */
void hvmlinkd_rearm_tick(struct hvmlinkd *d);
/* The device thread's serving loop (named for profilers). */
void hvmlinkd_device_loop(struct hvmlinkd *d);

#endif /* HVMLINK_DAEMON_HVMLINKD_H */
