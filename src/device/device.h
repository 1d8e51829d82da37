/* SPDX-License-Identifier: MIT */
/*
 * hvmdev: the emulated hvmlink PCI function, host-side API.
 *
 * The device is pure, deterministic C: it reaches the guest only through
 * the bus (src/device/bus.h), learns the time only from the embedder's
 * clock callbacks and tells the embedder about guest-reported state only
 * through one change callback.  It includes no Xen, xenstore or GLib
 * header, so unit tests and the fuzzer drive it with an in-memory bus.
 *
 * Threading: every call (host API, bus handlers, callbacks) happens on the
 * one thread that drives the bus.  Callbacks must not destroy the device.
 *
 * Errors are negative errno values.  docs/device.md explains the internals,
 * docs/protocol.md the guest-visible behaviour.
 */
#ifndef HVMLINK_DEVICE_H
#define HVMLINK_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvmlink/protocol.h"
#include "device/bus.h"

#define HVMDEV_MUST_CHECK __attribute__((warn_unused_result))

struct hvmdev;

/* ---------------------------------------------------------------------- */
/* Configuration (fixed for the device's life).                             */

struct hvmdev_config {
	/* PCI identity; hvmdev_config_init() puts protocol.h's defaults. */
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t subsys_vendor_id;
	uint16_t subsys_id;
	uint8_t revision;
	/* Where the function lives: segment, bus, devfn (slot << 3 | fn). */
	uint16_t pci_segment;
	uint8_t pci_bus;
	uint8_t pci_devfn;
	/* Displays the guest may drive: 1..HVMLINK_MAX_DISPLAYS. */
	unsigned int nr_displays;
	/* Daemon version returned by GET_HOST_VERSION. */
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t version_build;
	/* How often the host wants heartbeats; 0 = it does not want them.
	 * Changeable later with hvmdev_set_heartbeat_interval(). */
	uint64_t heartbeat_interval_ns;
	/* Only used to prefix log lines ("dom%u"); the device never acts on
	 * it. */
	uint32_t domid;
};

/* Defaults: protocol.h ids, 00:00.0 (set your own), 1 display, the
 * package version, heartbeats every 2 s. */
void hvmdev_config_init(struct hvmdev_config *cfg);

/* ---------------------------------------------------------------------- */
/* Embedder callbacks.                                                       */

/* What changed, for hvmdev_ops.changed (bits, several may be set). */
#define HVMDEV_CHANGED_GUEST_INFO	(1u << 0) /* hvmdev_get_guest_info */
#define HVMDEV_CHANGED_CAPS		(1u << 1) /* hvmdev_get_guest_caps */
#define HVMDEV_CHANGED_FACILITY		(1u << 2) /* index = facility */
#define HVMDEV_CHANGED_DISPLAY		(1u << 3) /* index = display */
#define HVMDEV_CHANGED_HEARTBEAT	(1u << 4) /* hvmdev_get_heartbeat */
#define HVMDEV_CHANGED_FILTER		(1u << 5) /* guest's event filter */
#define HVMDEV_CHANGED_PCI		(1u << 6) /* decode/BARs/interrupt mode */
#define HVMDEV_CHANGED_ALL		0x7fu     /* after hvmdev_restore() */

struct hvmdev_ops {
	/* Host wall-clock time, CLOCK_REALTIME in ns: GET_HOST_TIME and the
	 * published time of the last heartbeat.  Required. */
	uint64_t (*realtime_ns)(void *opaque);
	/* A monotonic clock in ns: heartbeat deadlines, log rate limit.
	 * Required. */
	uint64_t (*monotonic_ns)(void *opaque);
	/* Guest-visible state changed; index is the display or facility for
	 * those bits, else 0.  Called after the state is updated, from inside
	 * the bus handler that changed it.  A device reset (the guest
	 * cleared bus mastering) calls it for everything it forgot:
	 * GUEST_INFO (now not reported: clear all that was published about
	 * the guest) whenever the guest had reported anything, CAPS, FILTER,
	 * HEARTBEAT if they changed, and FACILITY / DISPLAY once for each
	 * facility and display report it cleared.  Optional (NULL). */
	void (*changed)(void *opaque, unsigned int what, unsigned int index);
};

/* ---------------------------------------------------------------------- */
/* Life cycle.                                                              */

/*
 * Create the device and claim its PCI function on bus (BARs start
 * unprogrammed, decode off, as after reset).  cfg and ops are copied;
 * opaque is passed to every ops callback.  The per-vCPU latches are sized
 * by bus_nr_vcpus(), which must be 1..HVMDEV_MAX_VCPUS.  -EINVAL for a
 * bad config or vCPU count, -ENOMEM, or the bus's error from claim_pci.
 */
#define HVMDEV_MAX_VCPUS	128	/* one Xen ioreq page's slots */
HVMDEV_MUST_CHECK int hvmdev_create(const struct hvmdev_config *cfg,
				    struct bus *bus,
				    const struct hvmdev_ops *ops, void *opaque,
				    struct hvmdev **out);

/* Unmap the BARs, lower INTx and free everything.  NULL is a no-op.  (The
 * bus has no "unclaim": the embedder tears the bus down after this.) */
void hvmdev_destroy(struct hvmdev *dev);

/* ---------------------------------------------------------------------- */
/* Host → guest: hints.                                                     */

/*
 * The administrator set the hint for display (0..nr_displays-1): issue it
 * with a new seq and raise DISPLAY_CHANGE, even when it equals the
 * current hint (writing the same hint again asks the guest to apply it
 * again, e.g. after the user changed the mode inside the guest).  A
 * disabled mode has its other fields zeroed.  Enabled modes need width
 * and height 1..HVMDEV_DIM_MAX, bpp 0/8/16/24/32, |x| and |y| <=
 * HVMDEV_POS_MAX.  -EINVAL, -ERANGE (display index).
 */
#define HVMDEV_DIM_MAX		HVMLINK_DISPLAY_DIM_MAX
#define HVMDEV_POS_MAX		HVMLINK_DISPLAY_POS_MAX
HVMDEV_MUST_CHECK int hvmdev_set_display_hint(struct hvmdev *dev,
					      unsigned int display,
					      const struct hvmlink_display_mode *mode);
/*
 * The same for a hint the host already had and only read again (after a
 * xenstore reconnection, or a daemon restart that restored the device
 * state): a no-op (0, no event) when it equals the current hint,
 * otherwise exactly hvmdev_set_display_hint().
 */
HVMDEV_MUST_CHECK int hvmdev_sync_display_hint(struct hvmdev *dev,
					       unsigned int display,
					       const struct hvmlink_display_mode *mode);

/* Validation only (shared with callers that want to check first). */
bool hvmdev_display_mode_valid(const struct hvmlink_display_mode *mode);

/*
 * Set key to value (len <= HVMLINK_KV_VALUE_MAX opaque bytes) and raise
 * KV_CHANGE; bumps the key/value generation.  Setting a key to the value
 * it has is a no-op (0, generation kept, no event): key/values are state,
 * not commands.  Keys: 1..63 bytes of [A-Za-z0-9_.-].  -EINVAL (bad key
 * or length), -ENOSPC (more than HVMDEV_KV_MAX_KEYS keys), -ENOMEM.
 */
#define HVMDEV_KV_MAX_KEYS	HVMLINK_KV_MAX_KEYS
HVMDEV_MUST_CHECK int hvmdev_set_kv(struct hvmdev *dev, const char *key,
				    const void *value, size_t len);
/* Delete key and raise KV_CHANGE.  -ENOENT if absent, -EINVAL bad key. */
HVMDEV_MUST_CHECK int hvmdev_delete_kv(struct hvmdev *dev, const char *key);
bool hvmdev_kv_key_valid(const char *key);

/* Change the heartbeat interval the guest is told (0 = stop wanting
 * beats) and raise HEARTBEAT_REQUEST. */
void hvmdev_set_heartbeat_interval(struct hvmdev *dev, uint64_t interval_ns);

/*
 * Re-evaluate time-dependent state (heartbeat overdue).  Returns the
 * monotonic time in ns at which it should be called again, or UINT64_MAX
 * when nothing is due.  The embedder arms a timer with it.
 */
uint64_t hvmdev_tick(struct hvmdev *dev);

/* ---------------------------------------------------------------------- */
/* Guest → host: what the guest reported (read after a changed callback). */

struct hvmdev_guest_info {
	bool reported;			/* false until REPORT_GUEST_INFO */
	uint32_t driver_version;	/* major << 16 | minor << 8 | patch */
	uint32_t os_type;		/* HVMLINK_OS_*, may be unknown */
	char os_release[HVMLINK_NAME_LEN + 1];	/* printable ASCII, NUL'd */
	char name[HVMLINK_NAME_LEN + 1];
};
void hvmdev_get_guest_info(const struct hvmdev *dev,
			   struct hvmdev_guest_info *out);

uint32_t hvmdev_get_guest_caps(const struct hvmdev *dev);

/* HVMLINK_FACILITY_INACTIVE.. for facility 1..HVMLINK_FACILITY_COUNT-1;
 * -EINVAL for another facility number. */
int hvmdev_get_facility(const struct hvmdev *dev, unsigned int facility);

struct hvmdev_display_state {
	/* The host's current hint. */
	bool hint_set;
	struct hvmlink_display_mode hint;
	uint64_t hint_seq;		/* seq of the hint, 0 if none */
	/* The guest's last REPORT_DISPLAY for this display. */
	bool reported;
	int32_t result;			/* 0 applied, < 0 failed */
	uint64_t reported_seq;		/* the hint seq the guest answered */
	struct hvmlink_display_mode mode; /* mode in effect per the guest */
	char reason[HVMLINK_REASON_LEN + 1]; /* failure text, "" if none */
};
/* -ERANGE for display >= nr_displays. */
int hvmdev_get_display(const struct hvmdev *dev, unsigned int display,
		       struct hvmdev_display_state *out);

#define HVMDEV_HEARTBEAT_OFF		0 /* guest is not beating / not wanted */
#define HVMDEV_HEARTBEAT_ALIVE		1 /* last beat within 2 intervals */
#define HVMDEV_HEARTBEAT_OVERDUE	2 /* enabled, but beats stopped */

struct hvmdev_heartbeat {
	unsigned int state;		/* HVMDEV_HEARTBEAT_* */
	uint64_t interval_ns;		/* what the host asks for */
	uint64_t beats;			/* beats received since create */
	uint64_t last_beat_realtime_ns;	/* 0 = never */
};
void hvmdev_get_heartbeat(const struct hvmdev *dev,
			  struct hvmdev_heartbeat *out);

/* Counters for logs and benchmarks. */
struct hvmdev_stats {
	uint64_t requests;		/* REQUEST register writes handled */
	uint64_t request_errors;	/* of those, rc != HVMLINK_OK */
	uint64_t no_request;		/* of those, header unreadable */
	uint64_t msi_sent;
	uint64_t intx_changes;
	uint64_t map_failures;		/* BAR map refused by the bus */
	uint64_t bad_vcpu;		/* BAR0 latch accesses from no vCPU of
					 * the bus: dropped */
	uint64_t resets;		/* sessions ended by bus master off */
};
void hvmdev_get_stats(const struct hvmdev *dev, struct hvmdev_stats *out);

/* The events pending and the guest's filter (also in the status page). */
uint32_t hvmdev_get_pending(const struct hvmdev *dev);
uint32_t hvmdev_get_filter(const struct hvmdev *dev);

/* ---------------------------------------------------------------------- */
/* Save / restore (migration, live update).                                 */

/*
 * Serialise the whole device state (config space, BARs, MSI, each vCPU's
 * latches, events, guest-reported state, hints, key/values, heartbeat)
 * into a versioned, checksummed blob (format 2) allocated with malloc;
 * the caller frees *blob.  -ENOMEM.
 */
HVMDEV_MUST_CHECK int hvmdev_save(const struct hvmdev *dev, void **blob,
				  size_t *len);

/*
 * Replace the device state with a blob from hvmdev_save().  The blob is
 * checked completely before anything changes: a blob that is truncated,
 * corrupted, of an unknown format, or from a device with other PCI ids or
 * another number of displays is refused with -EINVAL and the device is
 * left as it was.  Formats 1 (protocol 1.0: one latch pair, given to every
 * vCPU) and 2 are read; a blob of a guest with another vCPU count keeps
 * the latches of the vCPUs both have.  On success the BARs are
 * re-registered on the bus, the interrupt re-evaluated, RESTORED raised
 * for the guest, and changed() called with HVMDEV_CHANGED_ALL.
 */
HVMDEV_MUST_CHECK int hvmdev_restore(struct hvmdev *dev, const void *blob,
				     size_t len);

/*
 * hvmdev_restore() with flags.  HVMDEV_RESTORE_QUIET: do not raise
 * RESTORED, for an embedder that re-attaches to the same running guest
 * after its own crash (the guest never noticed; the interrupt state is
 * re-driven all the same).  Everything else as hvmdev_restore().
 */
#define HVMDEV_RESTORE_QUIET	(1u << 0)
HVMDEV_MUST_CHECK int hvmdev_restore_flags(struct hvmdev *dev,
					   const void *blob, size_t len,
					   unsigned int flags);

/* Raise RESTORED on a device that has no state to restore (a VM that
 * arrives without a blob, e.g. migrated from a host without one). */
void hvmdev_raise_restored(struct hvmdev *dev);

/*
 * Has anything hvmdev_save() would write changed since the last
 * hvmdev_mark_saved()?  A new device is dirty until its first
 * hvmdev_mark_saved().  A compare of the flat state,
 * no allocation: an embedder that keeps the state in a file calls it
 * after an access, before answering it, to know whether to save.  Every
 * guest-visible change counts, including a LAST_RC that changed value, a
 * REQUEST_HI write and a heartbeat.
 */
bool hvmdev_state_dirty(const struct hvmdev *dev);
void hvmdev_mark_saved(struct hvmdev *dev);

#endif /* HVMLINK_DEVICE_H */
