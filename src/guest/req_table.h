/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Per request type facts both the kernel module and guest userspace need:
 * the exact wire size and who may send it through /dev/hvmlink.
 * Plain C with no includes of its own, so it builds in the kernel and in
 * userspace; include <hvmlink/protocol.h> first.
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

/* Who may pass a request type through HVMLINK_IOCTL_REQUEST. */
#define HVMLINK_REQ_ACCESS_NONE		0	/* unknown type */
#define HVMLINK_REQ_ACCESS_DRIVER	1	/* driver-owned: session ioctls */
#define HVMLINK_REQ_ACCESS_ADMIN	2	/* changes host state: CAP_SYS_ADMIN */
#define HVMLINK_REQ_ACCESS_ANY		3	/* read-only */

static inline unsigned int hvmlink_req_access(unsigned int type)
{
	switch (type) {
	case HVMLINK_REQ_ACK_EVENTS:
	case HVMLINK_REQ_CTL_FILTER_MASK:
	case HVMLINK_REQ_SET_GUEST_CAPS:
		return HVMLINK_REQ_ACCESS_DRIVER;
	case HVMLINK_REQ_REPORT_GUEST_INFO:
	case HVMLINK_REQ_REPORT_DISPLAY:
	case HVMLINK_REQ_HEARTBEAT_CONFIG:
	case HVMLINK_REQ_HEARTBEAT:
	case HVMLINK_REQ_REPORT_FACILITY:
	case HVMLINK_REQ_LOG:
		return HVMLINK_REQ_ACCESS_ADMIN;
	case HVMLINK_REQ_GET_HOST_VERSION:
	case HVMLINK_REQ_GET_DISPLAY_HINT:
	case HVMLINK_REQ_GET_HOST_TIME:
	case HVMLINK_REQ_GET_KV:
	case HVMLINK_REQ_LIST_KV:
		return HVMLINK_REQ_ACCESS_ANY;
	default:
		return HVMLINK_REQ_ACCESS_NONE;
	}
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
