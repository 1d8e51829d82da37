/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * libhvmlink-guest: the small userspace library the agent and the CLI
 * share.  It opens /dev/hvmlink, wraps its ioctls and builds requests.
 * libc only (no GLib), so the CLI links statically into a tiny guest.
 *
 * Every function returning int returns 0 or a negative errno.  A request
 * the device answered with a status code (protocol.h) is converted by
 * hvmlink_status_to_errno() (src/guest/req_table.h), the single mapping
 * shared with the kernel module.
 */
#ifndef HVMLINK_GUEST_H
#define HVMLINK_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <hvmlink/protocol.h>
#include <hvmlink/ioctl.h>

/* The user node (decision D4); ioctl.h names it from interface 1.1 on. */
#ifndef HVMLINK_USER_DEVICE_PATH
#define HVMLINK_USER_DEVICE_PATH	"/dev/hvmlink-user"
#endif

/* open(2) the device (path NULL: HVMLINK_DEVICE_PATH); fd or -errno. */
int hvmlink_open(const char *path);

int hvmlink_get_version(int fd, struct hvmlink_ioctl_version *out);
/* events: the events taken (0 on error).  timeout_ms: see ioctl.h. */
int hvmlink_wait_events(int fd, uint32_t mask, uint32_t timeout_ms,
			uint32_t *events);
int hvmlink_cancel_waits(int fd);
/* session_mask / device_mask may be NULL. */
int hvmlink_set_filter(int fd, uint32_t or_mask, uint32_t not_mask,
		       uint32_t *session_mask, uint32_t *device_mask);
int hvmlink_set_caps(int fd, uint32_t or_mask, uint32_t not_mask,
		     uint32_t *session_mask, uint32_t *device_mask);

/* Zero @req and fill its header for @type; -EINVAL for an unknown type. */
int hvmlink_req_init(void *req, uint32_t type);
/* Pass a request initialised by hvmlink_req_init() through; converts the
 * device's rc.  -errno of the ioctl itself when it failed. */
int hvmlink_request(int fd, void *req);

int hvmlink_get_display_hint(int fd, uint32_t display,
			     struct hvmlink_display_mode *mode, uint64_t *seq);
/* reason may be NULL (applied); it is cut to HVMLINK_REASON_LEN - 1. */
int hvmlink_report_display(int fd, uint32_t display, int32_t result,
			   uint64_t seq, const struct hvmlink_display_mode *mode,
			   const char *reason);
int hvmlink_report_facility(int fd, uint32_t facility, uint32_t status);
int hvmlink_heartbeat_config(int fd, int enable, uint64_t *interval_ns);
int hvmlink_heartbeat(int fd);
int hvmlink_get_host_time(int fd, uint64_t *realtime_ns);
int hvmlink_log(int fd, const char *text);

/* value gets value_len bytes (not NUL-terminated unless room is left:
 * it always is, value_size must be > HVMLINK_KV_VALUE_MAX). */
int hvmlink_get_kv(int fd, const char *key, char *value, size_t value_size,
		   size_t *value_len, uint64_t *generation);

/* All keys, consistent with one generation (restarts when it changes).
 * *keys is a malloc'd array of *count malloc'd strings; free with
 * hvmlink_free_keys(). */
int hvmlink_list_kv(int fd, char ***keys, size_t *count, uint64_t *generation);
void hvmlink_free_keys(char **keys, size_t count);

/* ---- pure helpers (unit-tested) ---- */

/* 1..63 bytes of [A-Za-z0-9_.-]. */
int hvmlink_key_valid(const char *key);

/* "display", "kv", "heartbeat", "restored" <-> HVMLINK_EVENT_* bit;
 * 0 for an unknown name. */
uint32_t hvmlink_event_from_name(const char *name);
const char *hvmlink_event_name(uint32_t bit);

/* Latency summary of n samples (sorted in place): median and p99 using
 * the nearest-rank method.  n > 0. */
void hvmlink_percentiles(uint64_t *samples, size_t n, uint64_t *median,
			 uint64_t *p99);

#endif /* HVMLINK_GUEST_H */
