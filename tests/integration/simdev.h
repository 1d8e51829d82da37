/* SPDX-License-Identifier: MIT */
/*
 * The simulated device node: the guest agents' /dev/hvmlink and
 * /dev/hvmlink-user, for tests that run the real agents against the real
 * hvmlinkd on the simulated host (no guest kernel can run here).
 *
 * sim-guest's "devnode" scenario (sim-guest-devnode.c) plays the guest
 * kernel module: it boots the simulated guest driver, then serves the
 * uapi (include/hvmlink/ioctl.h) on a SOCK_SEQPACKET socket, one
 * connection per open(), with the driver's session semantics (per
 * session filter, capabilities and pending events; the device programmed
 * with their union; the request policy of src/guest/req_table.h).
 * libsimdev-preload.so (simdev-preload.c, started through
 * tests/integration/simdev-run) makes open("/dev/hvmlink[-user]") in the
 * agent connect to it, and ioctl()/close() on that fd talk to it; poll()
 * works unchanged, because the server sends a NOTIFY message whenever the
 * session has pending events.  Only the transport is simulated: every
 * request reaches the real device model.
 */
#ifndef HVMLINK_SIMDEV_H
#define HVMLINK_SIMDEV_H

#include <stdint.h>

#include "hvmlink/protocol.h"

#define SIMDEV_OP_OPEN		1	/* cmd: 1 admin node, 0 user node */
#define SIMDEV_OP_IOCTL		2	/* cmd: the ioctl number */
#define SIMDEV_OP_REPLY		3	/* ret: 0 or -errno; data: OUT copy */
#define SIMDEV_OP_NOTIFY	4	/* the session has pending events */

/* HVMLINK_IOCTL_REQUEST carries the request itself, not the pointer. */
#define SIMDEV_MAX_DATA		HVMLINK_REQUEST_MAX_SIZE

struct simdev_msg {
	uint32_t op;
	uint32_t cmd;
	int32_t ret;
	uint32_t len;			/* bytes of data used */
	uint8_t data[SIMDEV_MAX_DATA];
};

#define SIMDEV_HDR_LEN		16u

#endif /* HVMLINK_SIMDEV_H */
