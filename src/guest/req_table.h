/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Per request type facts both the kernel module and guest userspace need:
 * the exact wire size and who may send it through /dev/hvmlink.
 * Plain C with no includes of its own, so it builds in the kernel and in
 * userspace; include <hvmlink/protocol.h> and the errno constants
 * (<linux/errno.h> or <errno.h>) first.
 */
#ifndef HVMLINK_GUEST_REQ_TABLE_H
#define HVMLINK_GUEST_REQ_TABLE_H

/* Exact size of a request of this type, 0 for an unknown type. */
static inline unsigned int hvmlink_req_size(unsigned int type)
{
	switch (type) {
	case HVMLINK_REQ_GET_HOST_VERSION:
		return sizeof(struct hvmlink_req_host_version);
	case HVMLINK_REQ_ACK_EVENTS:
		return sizeof(struct hvmlink_req_ack_events);
	case HVMLINK_REQ_CTL_FILTER_MASK:
		return sizeof(struct hvmlink_req_filter_mask);
	case HVMLINK_REQ_REPORT_GUEST_INFO:
		return sizeof(struct hvmlink_req_guest_info);
	case HVMLINK_REQ_SET_GUEST_CAPS:
		return sizeof(struct hvmlink_req_guest_caps);
	case HVMLINK_REQ_GET_DISPLAY_HINT:
		return sizeof(struct hvmlink_req_display_hint);
	case HVMLINK_REQ_REPORT_DISPLAY:
		return sizeof(struct hvmlink_req_report_display);
	case HVMLINK_REQ_GET_HOST_TIME:
		return sizeof(struct hvmlink_req_host_time);
	case HVMLINK_REQ_HEARTBEAT_CONFIG:
		return sizeof(struct hvmlink_req_heartbeat_config);
	case HVMLINK_REQ_HEARTBEAT:
		return sizeof(struct hvmlink_req_heartbeat);
	case HVMLINK_REQ_REPORT_FACILITY:
		return sizeof(struct hvmlink_req_facility);
	case HVMLINK_REQ_LOG:
		return sizeof(struct hvmlink_req_log);
	case HVMLINK_REQ_GET_KV:
		return sizeof(struct hvmlink_req_get_kv);
	case HVMLINK_REQ_LIST_KV:
		return sizeof(struct hvmlink_req_list_kv);
	default:
		return 0;
	}
}

/*
 * Who may pass a request type through HVMLINK_IOCTL_REQUEST.  A session is
 * "admin" when it was opened on the admin node (/dev/hvmlink) by a process
 * with CAP_SYS_ADMIN, "user" otherwise (docs/guest.md, decision D4).
 */
#define HVMLINK_REQ_ACCESS_NONE		0	/* unknown type */
#define HVMLINK_REQ_ACCESS_DRIVER	1	/* driver-owned: session ioctls */
#define HVMLINK_REQ_ACCESS_ADMIN	2	/* admin sessions only */
#define HVMLINK_REQ_ACCESS_ANY		3	/* admin and user sessions */
#define HVMLINK_REQ_ACCESS_KERNEL	4	/* sent by the driver alone */

static inline unsigned int hvmlink_req_access(unsigned int type)
{
	switch (type) {
	case HVMLINK_REQ_ACK_EVENTS:
	case HVMLINK_REQ_CTL_FILTER_MASK:
	case HVMLINK_REQ_SET_GUEST_CAPS:
		return HVMLINK_REQ_ACCESS_DRIVER;
	case HVMLINK_REQ_REPORT_GUEST_INFO:
		return HVMLINK_REQ_ACCESS_KERNEL;
	case HVMLINK_REQ_HEARTBEAT_CONFIG:
	case HVMLINK_REQ_HEARTBEAT:
	case HVMLINK_REQ_LOG:
		return HVMLINK_REQ_ACCESS_ADMIN;
	case HVMLINK_REQ_GET_HOST_VERSION:
	case HVMLINK_REQ_GET_DISPLAY_HINT:
	case HVMLINK_REQ_REPORT_DISPLAY:
	case HVMLINK_REQ_GET_HOST_TIME:
	case HVMLINK_REQ_GET_KV:
	case HVMLINK_REQ_LIST_KV:
	/* Further restricted by facility in hvmlink_req_allowed(). */
	case HVMLINK_REQ_REPORT_FACILITY:
		return HVMLINK_REQ_ACCESS_ANY;
	default:
		return HVMLINK_REQ_ACCESS_NONE;
	}
}

/* Events a user session may ask for (HVMLINK_IOCTL_SET_FILTER). */
#define HVMLINK_USER_EVENTS \
	(HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_KV_CHANGE | \
	 HVMLINK_EVENT_RESTORED)

/*
 * May a session pass this request (already copied in, size checked
 * against the type) through HVMLINK_IOCTL_REQUEST?  0 yes, -EINVAL for
 * unknown and driver-owned types, -EPERM when the session lacks the
 * right.  The one place that decides it, for the driver and the tests.
 */
static inline int hvmlink_req_allowed(const struct hvmlink_req_header *hdr,
				      int admin)
{
	const struct hvmlink_req_facility *fac;

	switch (hvmlink_req_access(hdr->type)) {
	case HVMLINK_REQ_ACCESS_ANY:
		break;
	case HVMLINK_REQ_ACCESS_ADMIN:
		return admin ? 0 : -EPERM;
	case HVMLINK_REQ_ACCESS_KERNEL:
		return -EPERM;
	default:
		return -EINVAL;
	}
	if (hdr->type != HVMLINK_REQ_REPORT_FACILITY)
		return 0;
	/* The driver reports itself; a user session only the display. */
	fac = (const struct hvmlink_req_facility *)hdr;
	if (fac->facility == HVMLINK_FACILITY_DRIVER)
		return -EPERM;
	if (!admin && fac->facility != HVMLINK_FACILITY_DISPLAY)
		return -EPERM;
	return 0;
}

/*
 * Device status code (protocol.h) to a negative errno.  Status codes are
 * not errno values; this is the one place that decides the mapping, for
 * the driver and for userspace.  Needs the errno constants in scope.
 */
static inline int hvmlink_status_to_errno(int rc)
{
	switch (rc) {
	case HVMLINK_OK:
		return 0;
	case HVMLINK_ERR_INVALID_PARAMETER:
		return -EINVAL;
	case HVMLINK_ERR_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case HVMLINK_ERR_VERSION:
		return -EPROTO;
	case HVMLINK_ERR_BAD_SIZE:
		return -EMSGSIZE;
	case HVMLINK_ERR_NOT_FOUND:
		return -ENOENT;
	case HVMLINK_ERR_RATE_LIMITED:
		return -EAGAIN;
	case HVMLINK_ERR_NO_DATA:
		return -ENODATA;
	case HVMLINK_ERR_BUFFER_OVERFLOW:
		return -EOVERFLOW;
	case HVMLINK_ERR_NO_REQUEST:
	case HVMLINK_ERR_GENERAL:
	default:
		/* Includes rc still at its preset: the device never answered. */
		return -EIO;
	}
}

#endif /* HVMLINK_GUEST_REQ_TABLE_H */
