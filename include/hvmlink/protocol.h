/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * hvmlink wire protocol: the contract between the emulated PCI device
 * (hvmlinkd, in Dom0) and every guest driver.
 *
 * This header is shared, unchanged, by the host daemon, the Linux guest
 * module (as uapi), the guest agent and the tests.  docs/protocol.md is the
 * prose version of it.
 *
 * Rules (never break them):
 *  - fixed-width fields only, explicit padding, no C enums, no bitfields;
 *  - every struct has its size asserted right after it;
 *  - request types, event bits, status codes and register offsets are
 *    never renumbered or reused: add new ones at the end;
 *  - all fields are little-endian (the device only exists on x86).
 *
 * IN  = written by the guest, read by the device.
 * OUT = written by the device, read by the guest.
 * The device copies a request out of guest memory before looking at it and
 * writes back only the header's rc and the OUT fields of the body.
 */
#ifndef HVMLINK_PROTOCOL_H
#define HVMLINK_PROTOCOL_H

#if defined(__KERNEL__)
#include <linux/types.h>
#include <linux/build_bug.h>
#define HVMLINK_ASSERT_SIZE(type, size) static_assert(sizeof(type) == (size))
#else
#include <stdint.h>
#define HVMLINK_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), "wire size of " #type)
#endif

/* ---------------------------------------------------------------------- */
/* PCI identity (defaults; the daemon's --pci-ids may override them).       */

/* 0x5853 is the vendor id the Xen project reserves for virtual devices of
 * Xen systems (xen.git docs/misc/pci-device-reservations.txt); vendors take
 * device ids from 0xc000 up.  0xc200 is the first id past the recorded
 * reservations and is what hvmlink uses until it has one of its own. */
#define HVMLINK_PCI_VENDOR_ID		0x5853
#define HVMLINK_PCI_DEVICE_ID		0xc200
#define HVMLINK_PCI_SUBSYS_VENDOR_ID	0x5853
#define HVMLINK_PCI_SUBSYS_ID		0xc200
#define HVMLINK_PCI_REVISION		0x01
/* Base class 0x08 (generic system peripheral), sub-class 0x80 (other). */
#define HVMLINK_PCI_CLASS		0x088000

/* ---------------------------------------------------------------------- */
/* BAR0: port IO, 32 bytes.  Only 32-bit accesses are defined; other widths
 * read all-ones and are ignored on write. */
#define HVMLINK_BAR0_SIZE		0x20
/* W: low 32 bits of the guest-physical address of a request.  The write
 * submits the request (address = REQUEST_HI << 32 | value) and completes
 * only once the device has written the result back: IO is synchronous.
 * REQUEST_HI is reset to 0 after every submission. */
#define HVMLINK_REG_REQUEST		0x00
/* RW: high 32 bits of the next request's guest-physical address. */
#define HVMLINK_REG_REQUEST_HI		0x04
/* R: pending events (not cleared by reading; use ACK_EVENTS). */
#define HVMLINK_REG_PENDING		0x08
/* R: HVMLINK_PROTOCOL_VERSION. */
#define HVMLINK_REG_VERSION		0x0c
/* R: status of the last request submitted through REQUEST, as written
 * into its header, or HVMLINK_ERR_NO_REQUEST when the header itself could
 * not be read or written (the only way the guest learns of that). */
#define HVMLINK_REG_LAST_RC		0x10

/* ---------------------------------------------------------------------- */
/* BAR1: 4 KiB MMIO status page, read-only, readable without a request.
 * Any naturally aligned 1/2/4/8-byte read works; writes are ignored. */
#define HVMLINK_BAR1_SIZE		0x1000

struct hvmlink_status_page {
	uint32_t size;			/* OUT: sizeof(struct hvmlink_status_page) */
	uint32_t version;		/* OUT: HVMLINK_PROTOCOL_VERSION */
	uint32_t have_events;		/* OUT: 1 while (pending & filter) != 0 */
	uint32_t pending_events;	/* OUT: HVMLINK_EVENT_* bits pending */
	uint32_t filter_mask;		/* OUT: events the guest asked for */
	uint32_t guest_caps;		/* OUT: HVMLINK_GUEST_CAP_* the guest set */
	uint64_t host_features;		/* OUT: HVMLINK_HOST_F_* */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_status_page, 32);

/* ---------------------------------------------------------------------- */
/* Versioning.  The major half changes only for an incompatible header
 * change; minor grows when request types or events are added. */
#define HVMLINK_PROTOCOL_VERSION_MAJOR	1
#define HVMLINK_PROTOCOL_VERSION_MINOR	0
#define HVMLINK_PROTOCOL_VERSION \
	((HVMLINK_PROTOCOL_VERSION_MAJOR << 16) | HVMLINK_PROTOCOL_VERSION_MINOR)
/* The value every request header's version field must carry. */
#define HVMLINK_REQUEST_VERSION		0x00010000

/* Largest request the device will copy; anything bigger is refused. */
#define HVMLINK_REQUEST_MAX_SIZE	4096

/* ---------------------------------------------------------------------- */
/* Events: bit numbers are fixed forever. */
#define HVMLINK_EVENT_DISPLAY_CHANGE	(1u << 0)  /* a display hint changed */
#define HVMLINK_EVENT_KV_CHANGE		(1u << 1)  /* a key/value hint changed */
#define HVMLINK_EVENT_HEARTBEAT_REQUEST	(1u << 2)  /* host wants heartbeats */
#define HVMLINK_EVENT_RESTORED		(1u << 3)  /* VM restored or migrated */
#define HVMLINK_EVENT_VALID_MASK	0x0000000fu

/* Host features (GET_HOST_VERSION, status page). */
#define HVMLINK_HOST_F_MSI		(1ull << 0)
#define HVMLINK_HOST_F_REQUEST_HI	(1ull << 1)  /* requests above 4 GiB */
#define HVMLINK_HOST_F_KV		(1ull << 2)
#define HVMLINK_HOST_F_HEARTBEAT	(1ull << 3)

/* Guest capabilities (SET_GUEST_CAPS). */
#define HVMLINK_GUEST_CAP_DISPLAY	(1u << 0)  /* applies display hints */
#define HVMLINK_GUEST_CAP_KV		(1u << 1)  /* consumes key/value hints */
#define HVMLINK_GUEST_CAP_HEARTBEAT	(1u << 2)
#define HVMLINK_GUEST_CAP_TIMESYNC	(1u << 3)
#define HVMLINK_GUEST_CAP_VALID_MASK	0x0000000fu

/* ---------------------------------------------------------------------- */
/* Device status codes, written to the request header's rc.  They are not
 * errno values: guest drivers convert them in one place. */
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
	uint32_t size;		/* IN: size of the whole request in bytes */
	uint32_t version;	/* IN: HVMLINK_REQUEST_VERSION */
	uint32_t type;		/* IN: HVMLINK_REQ_* */
	int32_t rc;		/* OUT: HVMLINK_OK or HVMLINK_ERR_* */
	uint32_t reserved1;	/* IN: must be 0 */
	uint32_t reserved2;	/* IN: must be 0 */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_header, 24);

/* HVMLINK_REQ_GET_HOST_VERSION */
struct hvmlink_req_host_version {
	struct hvmlink_req_header header;
	uint32_t protocol_version;	/* OUT: HVMLINK_PROTOCOL_VERSION */
	uint16_t major;			/* OUT: daemon version */
	uint16_t minor;			/* OUT */
	uint32_t build;			/* OUT */
	uint32_t padding;		/* reserved, 0 */
	uint64_t features;		/* OUT: HVMLINK_HOST_F_* */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_host_version, 48);

/* HVMLINK_REQ_ACK_EVENTS: returns and clears the pending events the
 * filter mask lets through (masked events stay pending until unmasked);
 * the interrupt is lowered when nothing unmasked is left pending. */
struct hvmlink_req_ack_events {
	struct hvmlink_req_header header;
	uint32_t events;		/* OUT: the events that were pending */
	uint32_t padding;
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_ack_events, 32);

/* HVMLINK_REQ_CTL_FILTER_MASK: mask = (mask | or_mask) & ~not_mask. */
struct hvmlink_req_filter_mask {
	struct hvmlink_req_header header;
	uint32_t or_mask;		/* IN */
	uint32_t not_mask;		/* IN */
	uint32_t mask;			/* OUT: the resulting mask */
	uint32_t padding;
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_filter_mask, 40);

/* OS types for REPORT_GUEST_INFO. */
#define HVMLINK_OS_UNKNOWN		0
#define HVMLINK_OS_LINUX		1
#define HVMLINK_OS_WINDOWS		2
#define HVMLINK_OS_BSD			3

#define HVMLINK_NAME_LEN		64

/* HVMLINK_REQ_REPORT_GUEST_INFO.  Strings are NUL-padded; the device
 * accepts printable ASCII only and stops at the first NUL. */
struct hvmlink_req_guest_info {
	struct hvmlink_req_header header;
	uint32_t driver_version;	/* IN: major << 16 | minor << 8 | patch */
	uint32_t os_type;		/* IN: HVMLINK_OS_* */
	char os_release[HVMLINK_NAME_LEN]; /* IN: e.g. uname -r */
	char name[HVMLINK_NAME_LEN];	/* IN: e.g. the host name */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_guest_info, 160);

/* HVMLINK_REQ_SET_GUEST_CAPS: caps = (caps | or_mask) & ~not_mask. */
struct hvmlink_req_guest_caps {
	struct hvmlink_req_header header;
	uint32_t or_mask;		/* IN */
	uint32_t not_mask;		/* IN */
	uint32_t caps;			/* OUT: the resulting capabilities */
	uint32_t padding;
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_guest_caps, 40);

#define HVMLINK_MAX_DISPLAYS		16

/* A display mode, as hinted by the host and as reported by the guest. */
struct hvmlink_display_mode {
	uint32_t width;		/* pixels, 1..16384 when enabled */
	uint32_t height;	/* pixels, 1..16384 when enabled */
	uint32_t bpp;		/* 0 = guest's choice, else 8/16/24/32 */
	int32_t x;		/* position of the display's top-left corner */
	int32_t y;
	uint32_t enabled;	/* 0 = display off (other fields 0), 1 = on */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_display_mode, 24);

/* HVMLINK_REQ_GET_DISPLAY_HINT */
struct hvmlink_req_display_hint {
	struct hvmlink_req_header header;
	uint32_t display;		/* IN: 0..HVMLINK_MAX_DISPLAYS-1 */
	uint32_t padding;
	struct hvmlink_display_mode mode; /* OUT */
	uint64_t seq;			/* OUT: grows with every new hint */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_display_hint, 64);

#define HVMLINK_REASON_LEN		128

/* HVMLINK_REQ_REPORT_DISPLAY: the guest applied hint seq (result
 * HVMLINK_OK) or failed (result < 0, reason says why). */
struct hvmlink_req_report_display {
	struct hvmlink_req_header header;
	uint32_t display;		/* IN */
	int32_t result;			/* IN: 0 = applied, < 0 = failed */
	uint64_t seq;			/* IN: the hint's seq */
	struct hvmlink_display_mode mode; /* IN: the mode now in effect */
	char reason[HVMLINK_REASON_LEN]; /* IN: NUL-padded, when failed */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_report_display, 192);

/* HVMLINK_REQ_GET_HOST_TIME */
struct hvmlink_req_host_time {
	struct hvmlink_req_header header;
	uint64_t realtime_ns;		/* OUT: host CLOCK_REALTIME */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_host_time, 32);

/* HVMLINK_REQ_HEARTBEAT_CONFIG: the guest asks whether the host wants
 * heartbeats and how often. */
struct hvmlink_req_heartbeat_config {
	struct hvmlink_req_header header;
	uint32_t enable;		/* IN: 1 = guest will beat, 0 = stop */
	uint32_t padding;
	uint64_t interval_ns;		/* OUT: beat at least this often */
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
	uint32_t facility;		/* IN: HVMLINK_FACILITY_* */
	uint32_t status;		/* IN: HVMLINK_FACILITY_<status> */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_facility, 32);

#define HVMLINK_LOG_LEN			256

/* HVMLINK_REQ_LOG: one line for the host's log (rate-limited there). */
struct hvmlink_req_log {
	struct hvmlink_req_header header;
	uint32_t length;		/* IN: bytes used in text, <= LOG_LEN */
	uint32_t padding;
	char text[HVMLINK_LOG_LEN];	/* IN: not NUL-terminated */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_log, 288);

/* Key/value hints. Keys: 1..63 bytes of [A-Za-z0-9_.-]. */
#define HVMLINK_KV_KEY_LEN		64	/* including the NUL */
#define HVMLINK_KV_VALUE_MAX		1024

/* HVMLINK_REQ_GET_KV */
struct hvmlink_req_get_kv {
	struct hvmlink_req_header header;
	char key[HVMLINK_KV_KEY_LEN];	/* IN: NUL-terminated */
	uint32_t value_len;		/* OUT: bytes used in value */
	uint32_t padding;
	uint64_t generation;		/* OUT: key/value set generation */
	char value[HVMLINK_KV_VALUE_MAX]; /* OUT: not NUL-terminated */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_get_kv, 1128);

#define HVMLINK_KV_LIST_MAX		16

/* HVMLINK_REQ_LIST_KV: keys in byte order, HVMLINK_KV_LIST_MAX at a
 * time from index start.  If generation changes between pages, start
 * over. */
struct hvmlink_req_list_kv {
	struct hvmlink_req_header header;
	uint32_t start;			/* IN: index of the first key wanted */
	uint32_t total;			/* OUT: number of keys */
	uint32_t count;			/* OUT: keys returned in this page */
	uint32_t padding;
	uint64_t generation;		/* OUT */
	char keys[HVMLINK_KV_LIST_MAX][HVMLINK_KV_KEY_LEN]; /* OUT */
};
HVMLINK_ASSERT_SIZE(struct hvmlink_req_list_kv, 1072);

#endif /* HVMLINK_PROTOCOL_H */
