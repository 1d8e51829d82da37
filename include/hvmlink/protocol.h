/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * hvmlink wire protocol: the contract between the emulated PCI device
 * (hvmlinkd, in Dom0) and every guest driver.
 *
 * This header is shared, unchanged, by the host daemon, the Linux guest
 * module (as uapi), the guest agent and the tests.  docs/protocol.md is the
 * prose version of it; a test compares the two (tests/unit/protocol-doc).
 *
 * Rules (never break them):
 *  - fixed-width fields only (__u32 and friends from <linux/types.h>, so
 *    the header is self-contained for the kernel and for userspace C and
 *    C++), explicit padding, no C enums, no bitfields;
 *  - every struct has its size asserted right after it;
 *  - request types, event bits, status codes, feature bits and register
 *    offsets are never renumbered or reused: add new ones at the end;
 *  - all fields are little-endian (the device only exists on x86).
 *
 * IN  = written by the guest, read by the device.
 * OUT = written by the device, read by the guest.
 * The device copies a request out of guest memory before looking at it and
 * writes back only the header's rc and the OUT fields of the body.
 */
#ifndef HVMLINK_PROTOCOL_H
#define HVMLINK_PROTOCOL_H

#include <linux/types.h>

/*
 * static_assert: C++11 has it built in, C11 has it in <assert.h>, the
 * kernel in <linux/build_bug.h>.
 */
#if defined(__KERNEL__)
#include <linux/build_bug.h>
#elif !defined(__cplusplus)
#include <assert.h>
#endif
#define HVMLINK_ASSERT_SIZE(type, size) \
	static_assert(sizeof(type) == (size), "wire size of " #type)

/* ---------------------------------------------------------------------- */
/* PCI identity (defaults; the daemon's --pci-ids may override them).       */

/*
 * 0x5853 is the vendor id the Xen project reserves for virtual devices of
 * Xen systems (xen.git docs/misc/pci-device-reservations.txt); vendors take
 * device ids from 0xc000 up.  0xc200 is the first id past the recorded
 * reservations and is what hvmlink uses until it has one of its own.
 */
#define HVMLINK_PCI_VENDOR_ID		0x5853
#define HVMLINK_PCI_DEVICE_ID		0xc200
#define HVMLINK_PCI_SUBSYS_VENDOR_ID	0x5853
#define HVMLINK_PCI_SUBSYS_ID		0xc200
#define HVMLINK_PCI_REVISION		0x01
/* Base class 0x08 (generic system peripheral), sub-class 0x80 (other). */
#define HVMLINK_PCI_CLASS		0x088000

/* ---------------------------------------------------------------------- */
/*
 * BAR0: port IO, 32 bytes.  Only 32-bit accesses are defined; other widths
 * read all-ones and are ignored on write.
 *
 * REQUEST_HI and LAST_RC are latches of the vCPU that accesses them
 * (HVMLINK_HOST_F_VCPU_LATCHES): a driver writes REQUEST_HI, writes
 * REQUEST and reads LAST_RC for one submission on one vCPU, without
 * migrating in between.  Requests below 4 GiB never need REQUEST_HI.
 */
#define HVMLINK_BAR0_SIZE		0x20
/*
 * W: low 32 bits of the guest-physical address of a request.  The write
 * submits the request (address = this vCPU's REQUEST_HI << 32 | value)
 * and completes only once the device has written the result back: IO is
 * synchronous.  This vCPU's REQUEST_HI is reset to 0 by every submission.
 */
#define HVMLINK_REG_REQUEST		0x00
/* RW: high 32 bits of this vCPU's next request address. */
#define HVMLINK_REG_REQUEST_HI		0x04
/* R: pending events (not cleared by reading; use ACK_EVENTS). */
#define HVMLINK_REG_PENDING		0x08
/* R: HVMLINK_PROTOCOL_VERSION. */
#define HVMLINK_REG_VERSION		0x0c
/*
 * R: status of the last request this vCPU submitted through REQUEST, as
 * written into its header, or HVMLINK_ERR_NO_REQUEST when the request
 * itself could not be read or written (the only way the guest learns of
 * that).
 */
#define HVMLINK_REG_LAST_RC		0x10

/* ---------------------------------------------------------------------- */
/*
 * BAR1: 4 KiB MMIO status page, read-only, readable without a request.
 * Any naturally aligned 1/2/4/8-byte read works; writes are ignored.
 */
#define HVMLINK_BAR1_SIZE		0x1000

struct hvmlink_status_page {
	__u32 size;		/* OUT: sizeof(struct hvmlink_status_page) */
	__u32 version;		/* OUT: HVMLINK_PROTOCOL_VERSION */
	__u32 have_events;	/* OUT: 1 while (pending & filter) != 0 */
	__u32 pending_events;	/* OUT: HVMLINK_EVENT_* bits pending */
	__u32 filter_mask;	/* OUT: events the guest asked for */
	__u32 guest_caps;	/* OUT: HVMLINK_GUEST_CAP_* the guest set */
	__u64 host_features;	/* OUT: HVMLINK_HOST_F_* */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_status_page, 32);

/* ---------------------------------------------------------------------- */
/*
 * Versioning.  The major half changes only for an incompatible change;
 * minor grows when request types, events, features or status page fields
 * are added.  1.1: per-vCPU REQUEST_HI/LAST_RC, device reset on bus
 * master off.
 */
#define HVMLINK_PROTOCOL_VERSION_MAJOR	1
#define HVMLINK_PROTOCOL_VERSION_MINOR	1
#define HVMLINK_PROTOCOL_VERSION \
	((HVMLINK_PROTOCOL_VERSION_MAJOR << 16) | HVMLINK_PROTOCOL_VERSION_MINOR)
/* The value every request header's version field must carry. */
#define HVMLINK_REQUEST_VERSION		0x00010000

/* Largest request the device will copy; anything bigger is refused. */
#define HVMLINK_REQUEST_MAX_SIZE	4096

/* ---------------------------------------------------------------------- */
/* Events: bit numbers are fixed forever. */
#define HVMLINK_EVENT_DISPLAY_CHANGE	0x00000001u /* a display hint changed */
#define HVMLINK_EVENT_KV_CHANGE		0x00000002u /* a key/value hint changed */
#define HVMLINK_EVENT_HEARTBEAT_REQUEST	0x00000004u /* ask HEARTBEAT_CONFIG */
#define HVMLINK_EVENT_RESTORED		0x00000008u /* VM restored or migrated */
#define HVMLINK_EVENT_VALID_MASK	0x0000000fu

/* Host features (GET_HOST_VERSION, status page). */
#define HVMLINK_HOST_F_MSI		0x0000000000000001ull
#define HVMLINK_HOST_F_REQUEST_HI	0x0000000000000002ull /* requests above 4 GiB */
#define HVMLINK_HOST_F_KV		0x0000000000000004ull
#define HVMLINK_HOST_F_HEARTBEAT	0x0000000000000008ull
#define HVMLINK_HOST_F_VCPU_LATCHES	0x0000000000000010ull /* per-vCPU REQUEST_HI/LAST_RC */

/* Guest capabilities (SET_GUEST_CAPS). */
#define HVMLINK_GUEST_CAP_DISPLAY	0x00000001u /* applies display hints */
#define HVMLINK_GUEST_CAP_KV		0x00000002u /* consumes key/value hints */
#define HVMLINK_GUEST_CAP_HEARTBEAT	0x00000004u /* sends heartbeats */
#define HVMLINK_GUEST_CAP_TIMESYNC	0x00000008u /* syncs its clock to the host */
#define HVMLINK_GUEST_CAP_VALID_MASK	0x0000000fu

/* ---------------------------------------------------------------------- */
/*
 * Device status codes, written to the request header's rc.  They are not
 * errno values: guest drivers convert them in one place.
 */
#define HVMLINK_OK			0
#define HVMLINK_ERR_GENERAL		(-1)   /* preset by guests before submit */
#define HVMLINK_ERR_INVALID_PARAMETER	(-2)   /* a body field is out of range */
#define HVMLINK_ERR_NOT_SUPPORTED	(-3)   /* unknown request type */
#define HVMLINK_ERR_VERSION		(-4)   /* header version not supported */
#define HVMLINK_ERR_BAD_SIZE		(-5)   /* size is not the type's size */
#define HVMLINK_ERR_NOT_FOUND		(-6)   /* no such display, key, facility */
#define HVMLINK_ERR_RATE_LIMITED	(-7)   /* too many requests of this kind */
#define HVMLINK_ERR_NO_REQUEST		(-8)   /* LAST_RC only: header unreadable */
#define HVMLINK_ERR_NO_DATA		(-9)   /* nothing set (no hint yet) */
#define HVMLINK_ERR_BUFFER_OVERFLOW	(-10)  /* result does not fit */

/* ---------------------------------------------------------------------- */
/* Request types: numbers are fixed forever; 0 is never valid. */
#define HVMLINK_REQ_GET_HOST_VERSION	1
#define HVMLINK_REQ_ACK_EVENTS		2
#define HVMLINK_REQ_CTL_FILTER_MASK	3
#define HVMLINK_REQ_REPORT_GUEST_INFO	4
#define HVMLINK_REQ_SET_GUEST_CAPS	5
#define HVMLINK_REQ_GET_DISPLAY_HINT	6
#define HVMLINK_REQ_REPORT_DISPLAY	7
#define HVMLINK_REQ_GET_HOST_TIME	8
#define HVMLINK_REQ_HEARTBEAT_CONFIG	9
#define HVMLINK_REQ_HEARTBEAT		10
#define HVMLINK_REQ_REPORT_FACILITY	11
#define HVMLINK_REQ_LOG			12
#define HVMLINK_REQ_GET_KV		13
#define HVMLINK_REQ_LIST_KV		14
#define HVMLINK_REQ_TYPE_COUNT		15	/* one past the last type */

/* Every request starts with this header. */
struct hvmlink_req_header {
	__u32 size;		/* IN: size of the whole request in bytes */
	__u32 version;		/* IN: HVMLINK_REQUEST_VERSION */
	__u32 type;		/* IN: HVMLINK_REQ_* */
	__s32 rc;		/* OUT: HVMLINK_OK or HVMLINK_ERR_* */
	__u32 reserved1;	/* IN: must be 0 */
	__u32 reserved2;	/* IN: must be 0 */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_header, 24);

/*
 * HVMLINK_REQ_GET_HOST_VERSION.  major.minor.build is the host daemon's
 * version (hvmlinkd --version), for logs and bug reports only: drivers
 * decide on protocol_version and features, never on these.
 */
struct hvmlink_req_host_version {
	struct hvmlink_req_header header;
	__u32 protocol_version;		/* OUT: HVMLINK_PROTOCOL_VERSION */
	__u16 major;			/* OUT: daemon version */
	__u16 minor;			/* OUT */
	__u32 build;			/* OUT */
	__u32 padding;			/* reserved, 0 */
	__u64 features;			/* OUT: HVMLINK_HOST_F_* */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_host_version, 48);

/*
 * HVMLINK_REQ_ACK_EVENTS: returns and clears the pending events the
 * filter mask lets through (masked events stay pending until unmasked);
 * the interrupt is lowered when nothing unmasked is left pending.
 */
struct hvmlink_req_ack_events {
	struct hvmlink_req_header header;
	__u32 events;			/* OUT: the events that were pending */
	__u32 padding;
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_ack_events, 32);

/* HVMLINK_REQ_CTL_FILTER_MASK: mask = (mask | or_mask) & ~not_mask. */
struct hvmlink_req_filter_mask {
	struct hvmlink_req_header header;
	__u32 or_mask;			/* IN */
	__u32 not_mask;			/* IN */
	__u32 mask;			/* OUT: the resulting mask */
	__u32 padding;
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_filter_mask, 40);

/* OS types for REPORT_GUEST_INFO; other values are accepted as is. */
#define HVMLINK_OS_UNKNOWN		0
#define HVMLINK_OS_LINUX		1
#define HVMLINK_OS_WINDOWS		2
#define HVMLINK_OS_BSD			3

#define HVMLINK_NAME_LEN		64

/*
 * HVMLINK_REQ_REPORT_GUEST_INFO.  Strings are NUL-padded; the device
 * accepts printable ASCII only and stops at the first NUL.
 */
struct hvmlink_req_guest_info {
	struct hvmlink_req_header header;
	__u32 driver_version;		/* IN: major << 16 | minor << 8 | patch */
	__u32 os_type;			/* IN: HVMLINK_OS_* */
	char os_release[HVMLINK_NAME_LEN]; /* IN: e.g. uname -r */
	char name[HVMLINK_NAME_LEN];	/* IN: e.g. the host name */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_guest_info, 160);

/* HVMLINK_REQ_SET_GUEST_CAPS: caps = (caps | or_mask) & ~not_mask. */
struct hvmlink_req_guest_caps {
	struct hvmlink_req_header header;
	__u32 or_mask;			/* IN */
	__u32 not_mask;			/* IN */
	__u32 caps;			/* OUT: the resulting capabilities */
	__u32 padding;
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_guest_caps, 40);

#define HVMLINK_MAX_DISPLAYS		16
/* Limits of an enabled mode: width/height 1..DIM_MAX, |x|, |y| <= POS_MAX. */
#define HVMLINK_DISPLAY_DIM_MAX		16384
#define HVMLINK_DISPLAY_POS_MAX		0x100000

/* A display mode, as hinted by the host and as reported by the guest. */
struct hvmlink_display_mode {
	__u32 width;		/* pixels, 1..16384 when enabled */
	__u32 height;		/* pixels, 1..16384 when enabled */
	__u32 bpp;		/* 0 = guest's choice, else 8/16/24/32 */
	__s32 x;		/* position of the display's top-left corner */
	__s32 y;
	__u32 enabled;		/* 0 = display off (other fields 0), 1 = on */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_display_mode, 24);

/* HVMLINK_REQ_GET_DISPLAY_HINT */
struct hvmlink_req_display_hint {
	struct hvmlink_req_header header;
	__u32 display;			/* IN: 0..HVMLINK_MAX_DISPLAYS-1 */
	__u32 padding;
	struct hvmlink_display_mode mode; /* OUT */
	__u64 seq;			/* OUT: grows with every hint issued */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_display_hint, 64);

#define HVMLINK_REASON_LEN		128

/*
 * HVMLINK_REQ_REPORT_DISPLAY: the guest applied hint seq (result
 * HVMLINK_OK) or failed (result < 0, reason says why).
 */
struct hvmlink_req_report_display {
	struct hvmlink_req_header header;
	__u32 display;			/* IN */
	__s32 result;			/* IN: 0 = applied, < 0 = failed */
	__u64 seq;			/* IN: the hint's seq */
	struct hvmlink_display_mode mode; /* IN: the mode now in effect */
	char reason[HVMLINK_REASON_LEN]; /* IN: NUL-padded, when failed */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_report_display, 192);

/* HVMLINK_REQ_GET_HOST_TIME */
struct hvmlink_req_host_time {
	struct hvmlink_req_header header;
	__u64 realtime_ns;		/* OUT: host CLOCK_REALTIME */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_host_time, 32);

/*
 * HVMLINK_REQ_HEARTBEAT_CONFIG: the guest asks whether the host wants
 * heartbeats and how often.
 */
struct hvmlink_req_heartbeat_config {
	struct hvmlink_req_header header;
	__u32 enable;			/* IN: 1 = guest will beat, 0 = stop */
	__u32 padding;
	__u64 interval_ns;		/* OUT: beat at least this often */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_heartbeat_config, 40);

/* HVMLINK_REQ_HEARTBEAT: header only. */
struct hvmlink_req_heartbeat {
	struct hvmlink_req_header header;
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_heartbeat, 24);

/* Facilities for REPORT_FACILITY. */
#define HVMLINK_FACILITY_DRIVER		1
#define HVMLINK_FACILITY_AGENT		2
#define HVMLINK_FACILITY_DISPLAY	3
#define HVMLINK_FACILITY_KV		4
#define HVMLINK_FACILITY_TIMESYNC	5
#define HVMLINK_FACILITY_COUNT		6	/* one past the last */

#define HVMLINK_FACILITY_INACTIVE	0
#define HVMLINK_FACILITY_ACTIVE		1
#define HVMLINK_FACILITY_TERMINATED	2
#define HVMLINK_FACILITY_FAILED		3
#define HVMLINK_FACILITY_STATUS_COUNT	4

/* HVMLINK_REQ_REPORT_FACILITY */
struct hvmlink_req_facility {
	struct hvmlink_req_header header;
	__u32 facility;			/* IN: HVMLINK_FACILITY_* */
	__u32 status;			/* IN: HVMLINK_FACILITY_<status> */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_facility, 32);

#define HVMLINK_LOG_LEN			256
/* LOG rate limit: lines per window of HVMLINK_LOG_WINDOW_MS, per device. */
#define HVMLINK_LOG_BURST		20
#define HVMLINK_LOG_WINDOW_MS		1000

/* HVMLINK_REQ_LOG: one line for the host's log (rate-limited there). */
struct hvmlink_req_log {
	struct hvmlink_req_header header;
	__u32 length;			/* IN: bytes used in text, <= LOG_LEN */
	__u32 padding;
	char text[HVMLINK_LOG_LEN];	/* IN: not NUL-terminated */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_log, 288);

/* Key/value hints. Keys: 1..63 bytes of [A-Za-z0-9_.-]. */
#define HVMLINK_KV_KEY_LEN		64	/* including the NUL */
#define HVMLINK_KV_VALUE_MAX		1024
#define HVMLINK_KV_MAX_KEYS		256

/* HVMLINK_REQ_GET_KV */
struct hvmlink_req_get_kv {
	struct hvmlink_req_header header;
	char key[HVMLINK_KV_KEY_LEN];	/* IN: NUL-terminated */
	__u32 value_len;		/* OUT: bytes used in value */
	__u32 padding;
	__u64 generation;		/* OUT: key/value set generation */
	char value[HVMLINK_KV_VALUE_MAX]; /* OUT: not NUL-terminated */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_get_kv, 1128);

#define HVMLINK_KV_LIST_MAX		16

/*
 * HVMLINK_REQ_LIST_KV: keys in byte order, HVMLINK_KV_LIST_MAX at a
 * time from index start.  If generation changes between pages, start
 * over.
 */
struct hvmlink_req_list_kv {
	struct hvmlink_req_header header;
	__u32 start;			/* IN: index of the first key wanted */
	__u32 total;			/* OUT: number of keys */
	__u32 count;			/* OUT: keys returned in this page */
	__u32 padding;
	__u64 generation;		/* OUT */
	char keys[HVMLINK_KV_LIST_MAX][HVMLINK_KV_KEY_LEN]; /* OUT */
};

HVMLINK_ASSERT_SIZE(struct hvmlink_req_list_kv, 1072);

#endif /* HVMLINK_PROTOCOL_H */
