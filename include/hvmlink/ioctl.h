/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * hvmlink guest uapi: the ioctls of /dev/hvmlink and /dev/hvmlink-user.
 *
 * Shared by the Linux module (src/guest/linux) and guest userspace
 * (src/guest/lib, the agent, the CLI).  Same rules as protocol.h: fixed
 * width fields, explicit padding, a size assert after every struct, and
 * ioctl numbers are never renumbered or reused -- add new ones at the end.
 *
 * IN  = written by userspace, read by the driver.
 * OUT = written by the driver, read by userspace.
 *
 * Each open() of a node is one session.  A session has its own event
 * filter, capability set and pending events; the driver programs the device
 * with the union over all sessions (plus what it needs itself) and keeps
 * that union right when a session closes.
 *
 * Privilege is fixed when the node is opened, from the opener's
 * credentials: a session opened on the admin node (HVMLINK_DEVICE_PATH,
 * root 0600) by a process with CAP_SYS_ADMIN is an admin session; every
 * other session (the user node HVMLINK_USER_DEVICE_PATH, which udev opens
 * to the active seat's user and group hvmlink) is a user session.  A
 * descriptor handed to another process keeps the rights of its opener.
 * User sessions may read hints, the host version and time, report the
 * display (and the display facility) and wait for DISPLAY_CHANGE,
 * KV_CHANGE and RESTORED; the rest needs an admin session (EPERM).
 */
#ifndef HVMLINK_IOCTL_H
#define HVMLINK_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <hvmlink/protocol.h>

#define HVMLINK_DEVICE_PATH		"/dev/hvmlink"
#define HVMLINK_USER_DEVICE_PATH	"/dev/hvmlink-user"

/* Version of this ioctl interface: major << 16 | minor. */
#define HVMLINK_IOCTL_VERSION_MAJOR	1
#define HVMLINK_IOCTL_VERSION_MINOR	1
#define HVMLINK_IOCTL_INTERFACE_VERSION \
	((HVMLINK_IOCTL_VERSION_MAJOR << 16) | HVMLINK_IOCTL_VERSION_MINOR)

/*
 * 0xE7 is not in the kernel's Documentation/userspace-api/
 * ioctl/ioctl-number.rst list; sequence numbers below are fixed forever.
 */
#define HVMLINK_IOCTL_MAGIC		0xE7

/* HVMLINK_IOCTL_VERSION: what the driver and the device speak. */
struct hvmlink_ioctl_version {
	__u32 interface_version;	/* OUT: HVMLINK_IOCTL_INTERFACE_VERSION */
	__u32 driver_version;		/* OUT: major << 16 | minor << 8 | patch */
	__u32 protocol_version;		/* OUT: the device's protocol version */
	__u16 host_major;		/* OUT: daemon version (GET_HOST_VERSION) */
	__u16 host_minor;		/* OUT */
	__u32 host_build;		/* OUT */
	__u32 irq_type;			/* OUT: HVMLINK_IRQ_* in use */
	__u64 host_features;		/* OUT: HVMLINK_HOST_F_* */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_ioctl_version, 32);

#define HVMLINK_IRQ_INTX		0
#define HVMLINK_IRQ_MSI			1

/*
 * HVMLINK_IOCTL_WAIT_EVENTS: sleep until one of the events in mask is
 * pending for this session, then return and clear those (and only those)
 * events.  Errors: ETIMEDOUT (nothing within timeout_ms), ECANCELED
 * (HVMLINK_IOCTL_CANCEL_WAITS on this session), ENODEV (device removed),
 * EINVAL (mask has no valid bit or unknown bits, padding != 0), EINTR (a
 * signal whose handler lacks SA_RESTART).  A wait interrupted by a signal
 * is restarted by the kernel when the handler has SA_RESTART, after a
 * stop signal and when the task was frozen for suspend or migration; the
 * driver then has written the time still left into timeout_ms (as
 * select(2) does), so the restarted wait does not start over.
 * Only events in the session's filter are ever pending for it.
 */
struct hvmlink_ioctl_wait_events {
	__u32 mask;			/* IN: HVMLINK_EVENT_* to wait for */
	__u32 timeout_ms;		/* IN: 0 = poll, HVMLINK_WAIT_FOREVER; OUT: left */
	__u32 events;			/* OUT: the events returned */
	__u32 padding;			/* IN: must be 0 */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_ioctl_wait_events, 16);

#define HVMLINK_WAIT_FOREVER		0xffffffffu

/*
 * HVMLINK_IOCTL_SET_FILTER / HVMLINK_IOCTL_SET_CAPS:
 * session value = (value | or_mask) & ~not_mask; the device gets the
 * union over all sessions.  Unknown bits are EINVAL.  A user session may
 * only add DISPLAY_CHANGE, KV_CHANGE and RESTORED to its filter, and
 * capabilities, host-visible state, only change in admin sessions: other
 * or_mask bits, and a SET_CAPS with or_mask or not_mask != 0, are EPERM.
 */
struct hvmlink_ioctl_mask {
	__u32 or_mask;			/* IN */
	__u32 not_mask;			/* IN */
	__u32 session_mask;		/* OUT: this session's value now */
	__u32 device_mask;		/* OUT: what the device has now */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_ioctl_mask, 16);

/*
 * HVMLINK_IOCTL_REQUEST: pass one device request through.
 *
 * The request (header + body, protocol.h) is copied in once; size must be
 * the exact size of header.type, header.size must equal size, version must
 * be HVMLINK_REQUEST_VERSION and reserved fields 0 (else EINVAL).  The
 * driver presets rc to HVMLINK_ERR_GENERAL, submits, and copies the whole
 * request back.  The ioctl returns 0 once the device has processed it:
 * the device's verdict is header.rc (protocol.h status codes).  EIO: the
 * device could not read the request at all.
 *
 * Types the driver owns (ACK_EVENTS, CTL_FILTER_MASK, SET_GUEST_CAPS) are
 * EINVAL here: use the session ioctls.  What the driver reports about
 * itself (REPORT_GUEST_INFO, REPORT_FACILITY for the DRIVER facility) is
 * EPERM for every session.  HEARTBEAT_CONFIG, HEARTBEAT, LOG and
 * REPORT_FACILITY for facilities other than DISPLAY need an admin session
 * (else EPERM).  GET_HOST_VERSION, GET_DISPLAY_HINT, REPORT_DISPLAY,
 * GET_HOST_TIME, GET_KV, LIST_KV and REPORT_FACILITY(DISPLAY) are open
 * to every session.
 */
struct hvmlink_ioctl_request {
	__u64 buf;			/* IN: user address of the request */
	__u32 size;			/* IN: its size in bytes */
	__u32 padding;			/* IN: must be 0 */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_ioctl_request, 16);

#define HVMLINK_IOCTL_VERSION \
	_IOR(HVMLINK_IOCTL_MAGIC, 0x01, struct hvmlink_ioctl_version)
#define HVMLINK_IOCTL_WAIT_EVENTS \
	_IOWR(HVMLINK_IOCTL_MAGIC, 0x02, struct hvmlink_ioctl_wait_events)
/* Wake every WAIT_EVENTS of this session with ECANCELED. */
#define HVMLINK_IOCTL_CANCEL_WAITS	_IO(HVMLINK_IOCTL_MAGIC, 0x03)
#define HVMLINK_IOCTL_SET_FILTER \
	_IOWR(HVMLINK_IOCTL_MAGIC, 0x04, struct hvmlink_ioctl_mask)
#define HVMLINK_IOCTL_SET_CAPS \
	_IOWR(HVMLINK_IOCTL_MAGIC, 0x05, struct hvmlink_ioctl_mask)
#define HVMLINK_IOCTL_REQUEST \
	_IOW(HVMLINK_IOCTL_MAGIC, 0x06, struct hvmlink_ioctl_request)

/*
 * poll()/select() on the fd reports EPOLLIN while the session has pending
 * events; fetch them with WAIT_EVENTS and timeout_ms 0.
 */

#endif /* HVMLINK_IOCTL_H */
