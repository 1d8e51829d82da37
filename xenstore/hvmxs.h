/* SPDX-License-Identifier: MIT */
/*
 * hvmxs: everything hvmlinkd does with xenstore, behind one small API.
 *
 * This is the only place (with hvmlinkctl) that includes <xenstore.h>.
 * docs/xenstore.md is the schema: every path, its owner, permissions and
 * format.  In short, for guest domain D running the VM with UUID U
 * (both roots owner dom0, no access for others):
 *
 *     /local/domain/0/hvmlink/vm/U/       per VM: outlives the domain id
 *         name                            daemon: the VM's last name seen
 *         hints/display/<n>               admin → daemon  ("1920x1080@32+0+0", "off")
 *         hints/kv/<key>                  admin → daemon  (opaque bytes)
 *         errors/display/<n>              daemon: why hints/display/<n> was refused
 *         errors/kv/<key>                 daemon: why hints/kv/<key> was refused
 *     /local/domain/0/hvmlink/D/          per domain
 *         vm                              daemon: U
 *         state, pid, displays            daemon: starting|running|ready|stopping
 *         guest/...                       daemon: what the guest reported
 *
 * A hint is only read from a node whose own permissions are exactly "n0"
 * (checked before every read): a node a guest created or was let write is
 * refused, whatever happened to the directories above it.  If the
 * per-domain directory is removed while the daemon runs, it is made and
 * filled again.
 *
 * Threading: single-threaded, driven by the caller's main loop.  No call
 * sleeps (reconnecting is a timer the caller runs, see hvmxs_retry_ms()).
 *
 * Connection loss (xenstored restarted, socket closed): hvmxs notices it on
 * its fd or on a failing call, reports connection_lost, and from then on
 * every publish is kept in memory only.  The caller keeps calling
 * hvmxs_dispatch() when hvmxs_retry_ms() says so; once xenstored answers
 * again hvmxs re-creates its nodes and permissions, re-registers its
 * watches, re-publishes the last state of everything, re-reads every hint
 * (so a hint written while it was away is delivered) and reports
 * connection_restored.  The fd from hvmxs_fd() stays the same throughout.
 *
 * Build: link xenstore/libhvmxs.la, src/common/libcommon.la and
 * $(XENSTORE_LIBS).  Tests: docs/xenstore.md, "Tests".
 */
#ifndef HVMLINK_XENSTORE_HVMXS_H
#define HVMLINK_XENSTORE_HVMXS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvmlink/protocol.h"
#include "xenstore/schema.h"

struct hvmxs;

/*
 * Callbacks, all called from inside hvmxs_dispatch() (connection_lost may
 * also be called from a publish function that found the connection dead).
 * opaque is the pointer given to hvmxs_open().  Any of them may be NULL.
 * A callback must not call hvmxs_close().
 */
struct hvmxs_callbacks {
	/*
	 * A new, valid display hint for display (< nr_displays).  mode is
	 * fully validated (see hint-parse.h); mode->enabled == 0 means "off".
	 * Return 0 to accept it, or a negative errno to refuse it: hvmxs then
	 * writes errors/display/<n> with strerror(-ret) and logs it.
	 */
	int (*display_hint)(void *opaque, unsigned int display,
			    const struct hvmlink_display_mode *mode);
	/*
	 * Key/value hint set or changed.  key is 1..63 chars of
	 * [A-Za-z0-9_-] (NUL-terminated); value is len (<= HVMLINK_KV_VALUE_MAX)
	 * opaque bytes, followed by a NUL that is not part of it.  Return 0
	 * or a negative errno (error node errors/kv/<key>, as above).
	 */
	int (*kv_set)(void *opaque, const char *key, const void *value,
		      size_t len);
	/* Key/value hint removed by the administrator. */
	void (*kv_delete)(void *opaque, const char *key);
	/*
	 * @releaseDomain fired and the domain is gone: xenstored no longer
	 * knows it as introduced and /local/domain/D is gone.  The daemon
	 * should stop; hvmxs_close() will then also remove the hints.
	 */
	void (*domain_gone)(void *opaque);
	/* The xenstore connection died.  Hints are frozen at their last
	 * value; publishes are remembered and replayed on reconnection.
	 * Start calling hvmxs_dispatch() per hvmxs_retry_ms(). */
	void (*connection_lost)(void *opaque);
	/* Reconnected; everything re-registered, re-published, re-read. */
	void (*connection_restored)(void *opaque);
};

/* Daemon life-cycle, published as <root>/state. */
enum hvmxs_state {
	HVMXS_STATE_STARTING,	/* "starting": setting up, not serving yet */
	HVMXS_STATE_RUNNING,	/* "running": device live, guest driver not seen */
	HVMXS_STATE_READY,	/* "ready": what hvmlinkctl wait-ready waits for */
	HVMXS_STATE_STOPPING,	/* "stopping": tearing down */
};

/* What REPORT_GUEST_INFO carried; strings are NUL-terminated here. */
struct hvmxs_guest_info {
	uint32_t driver_version;	/* major << 16 | minor << 8 | patch */
	uint32_t os_type;		/* HVMLINK_OS_* */
	char os_release[HVMLINK_NAME_LEN + 1];
	char name[HVMLINK_NAME_LEN + 1];
};

/* Heartbeat health, published under <root>/guest/heartbeat/. */
enum hvmxs_heartbeat {
	HVMXS_HEARTBEAT_OFF,	/* "off": guest does not beat (or stopped) */
	HVMXS_HEARTBEAT_OK,	/* "ok": last beat within the interval */
	HVMXS_HEARTBEAT_LATE,	/* "late": a beat is overdue */
};

#define HVMXS_DISPLAYS_DEFAULT	1	/* nr_displays when not configured */

/* What the toolstack recorded about the VM a domain runs. */
struct hvmxs_vm {
	char uuid[SCHEMA_UUID_LEN + 1];		/* canonical */
	char name[SCHEMA_NAME_MAX];		/* "" if none */
	/*
	 * /vm/UUID/start_time: libxl writes it each time it builds a domain
	 * for the VM (create, reboot, restore, migrate-receive), in
	 * centiseconds, before the device model starts; so with the domain
	 * id it names one domain instance even where domain ids are reused
	 * (xl.conf domid_policy="random").  "" if absent.
	 */
	char start_time[SCHEMA_START_TIME_MAX];
};

/*
 * Which VM domid runs, from what the toolstack recorded in xenstore
 * (schema_domain_vm()).  Uses a connection of its own, closed before it
 * returns, so it may run before Xen handles are restricted (a libxenstore
 * handle open during xentoolcore_restrict_all() would be disabled).
 * Returns 0 or a negative errno (-ENOENT: no such domain or no
 * /local/domain/D/vm, -EINVAL: malformed).
 */
int hvmxs_lookup_vm(unsigned int domid, struct hvmxs_vm *vm)
	__attribute__((warn_unused_result));

/* 1 if domain domid exists and runs the VM uuid, 0 if not, -errno. */
int hvmxs_domain_runs_vm(unsigned int domid, const char *uuid);

struct hvmxs_config {
	unsigned int domid;		/* 1..0x7fef */
	const char *vm_uuid;		/* the VM's UUID (schema_domain_vm()) */
	const char *vm_name;		/* its name, recorded for humans; NULL/"" */
	unsigned int nr_displays;	/* 1..HVMLINK_MAX_DISPLAYS */
};

/*
 * Connect to xenstore for the domain and VM in cfg: create both roots and
 * their subtrees with dom0-only permissions (and check them), register the
 * watches, publish state "starting", our pid and the domain's vm link.  No
 * callback is called from here: the current hints are delivered by the
 * first hvmxs_dispatch() calls (the fd is readable right away).  Returns
 * NULL with errno set on failure, having undone everything.
 */
struct hvmxs *hvmxs_open(const struct hvmxs_config *cfg,
			 const struct hvmxs_callbacks *cb, void *opaque)
	__attribute__((warn_unused_result));

/*
 * Remove the daemon's state (state, pid, displays, vm, guest/), and if the
 * domain is gone its whole per-domain root, then disconnect and free.
 * The VM's hints (and the errors about them) are never removed: they
 * belong to the administrator and apply again to the VM's next domain.
 * NULL is a no-op.
 */
void hvmxs_close(struct hvmxs *xs);

/*
 * Deliver the current hints now (the callbacks are called from here),
 * instead of on the watch's first event, which is then dropped: call it
 * once, right after hvmxs_open(), before the guest runs.  Every hint
 * written after this has its own event and is delivered once.
 */
void hvmxs_sync_hints(struct hvmxs *xs);

/* One fd for the caller's main loop: poll it for reading and call
 * hvmxs_dispatch() when it is readable.  Constant for the handle's life. */
int hvmxs_fd(const struct hvmxs *xs);

/* Watch events handled per hvmxs_dispatch() call, at most: each costs a
 * xenstored round trip or two (slow while an administrator floods
 * xenstored), and the caller's other sources (a guest waiting for its
 * request) get their turn between two calls. */
#define HVMXS_EVENTS_PER_DISPATCH 1

/*
 * Handle what is pending: up to HVMXS_EVENTS_PER_DISPATCH watch event(s)
 * (re-read the changed nodes, validate, call back) -- hvmxs_fd() stays
 * readable while more are queued --, connection loss, and, while
 * disconnected, one reconnection attempt if its time has come.  Never
 * blocks.  Returns 0, or a negative errno for a failure the caller cannot
 * fix (the handle stays usable; the daemon may decide to exit).
 */
int hvmxs_dispatch(struct hvmxs *xs) __attribute__((warn_unused_result));

/*
 * -1 while connected.  While disconnected: milliseconds (>= 0) after
 * which hvmxs_dispatch() must be called again even if the fd stays quiet
 * (backoff: 50 ms doubling to 5 s).  Ask again after each dispatch.
 */
int hvmxs_retry_ms(const struct hvmxs *xs);

bool hvmxs_connected(const struct hvmxs *xs);

/*
 * Publishing.  Each call writes its nodes atomically (one transaction,
 * retried on EAGAIN a bounded number of times), and is remembered so it
 * can be replayed after a reconnection.  Returns 0 (also while
 * disconnected: then it is only remembered), -EINVAL for a bad argument,
 * or another negative errno if xenstore refused the write.
 * Guest-supplied strings are sanitised (non-printable bytes become '?').
 */
int hvmxs_publish_state(struct hvmxs *xs, enum hvmxs_state state)
	__attribute__((warn_unused_result));
int hvmxs_publish_guest_info(struct hvmxs *xs,
			     const struct hvmxs_guest_info *info)
	__attribute__((warn_unused_result));
/* caps: HVMLINK_GUEST_CAP_* bits the guest has set. */
int hvmxs_publish_caps(struct hvmxs *xs, uint32_t caps)
	__attribute__((warn_unused_result));
/* facility: HVMLINK_FACILITY_* (1..COUNT-1); status: HVMLINK_FACILITY_<x>. */
int hvmxs_publish_facility(struct hvmxs *xs, uint32_t facility,
			   uint32_t status)
	__attribute__((warn_unused_result));
/*
 * What the guest reported for display: result 0 = hint seq applied and
 * mode is in effect; result < 0 = failed, reason says why (may be NULL).
 */
int hvmxs_publish_display(struct hvmxs *xs, unsigned int display,
			  int32_t result, uint64_t seq,
			  const struct hvmlink_display_mode *mode,
			  const char *reason)
	__attribute__((warn_unused_result));
/*
 * Heartbeat health; last_beat_ns is CLOCK_REALTIME of the last beat
 * (0 = never), interval_ns the interval the guest was given.
 */
int hvmxs_publish_heartbeat(struct hvmxs *xs, enum hvmxs_heartbeat health,
			    uint64_t last_beat_ns, uint64_t interval_ns)
	__attribute__((warn_unused_result));
/*
 * A hint the device accepted: <root>/delivered/<kind>/<name> = seq (kind
 * "display" with name the display's number and seq the hint's seq as the
 * guest sees it; kind "kv" with name the key and seq a count of
 * deliveries).  seq 0 removes the node (the key was deleted).  So
 * "hvmlinkctl watch" can tell a delivered hint from one merely written.
 */
int hvmxs_publish_delivered(struct hvmxs *xs, const char *kind,
			    const char *name, uint64_t seq)
	__attribute__((warn_unused_result));
/* Forget everything published about the guest (driver unloaded/reset):
 * removes <root>/guest. */
int hvmxs_clear_guest(struct hvmxs *xs) __attribute__((warn_unused_result));

#endif /* HVMLINK_XENSTORE_HVMXS_H */
