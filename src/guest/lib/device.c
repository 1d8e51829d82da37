// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* libhvmlink-guest: /dev/hvmlink and its ioctls. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest/lib/hvmlink_guest.h"
#include "guest/req_table.h"

int hvmlink_open(const char *path)
{
	int fd = open(path ? path : HVMLINK_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* ioctl(2) with EINTR from a signal left to the caller (waits are
 * interruptible on purpose). */
static int do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int hvmlink_get_version(int fd, struct hvmlink_ioctl_version *out)
{
	memset(out, 0, sizeof(*out));
	return do_ioctl(fd, HVMLINK_IOCTL_VERSION, out);
}

int hvmlink_wait_events(int fd, uint32_t mask, uint32_t timeout_ms,
			uint32_t *events)
{
	struct hvmlink_ioctl_wait_events w = {
		.mask = mask,
		.timeout_ms = timeout_ms,
	};
	int ret = do_ioctl(fd, HVMLINK_IOCTL_WAIT_EVENTS, &w);

	*events = ret ? 0 : w.events;
	return ret;
}

int hvmlink_cancel_waits(int fd)
{
	return ioctl(fd, HVMLINK_IOCTL_CANCEL_WAITS) < 0 ? -errno : 0;
}

static int set_mask(int fd, unsigned long cmd, uint32_t or_mask,
		    uint32_t not_mask, uint32_t *session_mask,
		    uint32_t *device_mask)
{
	struct hvmlink_ioctl_mask m = {
		.or_mask = or_mask,
		.not_mask = not_mask,
	};
	int ret = do_ioctl(fd, cmd, &m);

	if (!ret && session_mask)
		*session_mask = m.session_mask;
	if (!ret && device_mask)
		*device_mask = m.device_mask;
	return ret;
}

int hvmlink_set_filter(int fd, uint32_t or_mask, uint32_t not_mask,
		       uint32_t *session_mask, uint32_t *device_mask)
{
	return set_mask(fd, HVMLINK_IOCTL_SET_FILTER, or_mask, not_mask,
			session_mask, device_mask);
}

int hvmlink_set_caps(int fd, uint32_t or_mask, uint32_t not_mask,
		     uint32_t *session_mask, uint32_t *device_mask)
{
	return set_mask(fd, HVMLINK_IOCTL_SET_CAPS, or_mask, not_mask,
			session_mask, device_mask);
}

int hvmlink_req_init(void *req, uint32_t type)
{
	struct hvmlink_req_header *hdr = req;
	unsigned int size = hvmlink_req_size(type);

	if (!size)
		return -EINVAL;
	memset(req, 0, size);
	hdr->size = size;
	hdr->version = HVMLINK_REQUEST_VERSION;
	hdr->type = type;
	hdr->rc = HVMLINK_ERR_GENERAL;
	return 0;
}

int hvmlink_request(int fd, void *req)
{
	struct hvmlink_req_header *hdr = req;
	struct hvmlink_ioctl_request r = {
		.buf = (uint64_t)(uintptr_t)req,
		.size = hdr->size,
	};
	int ret;

	hdr->rc = HVMLINK_ERR_GENERAL;
	ret = do_ioctl(fd, HVMLINK_IOCTL_REQUEST, &r);
	return ret ? ret : hvmlink_status_to_errno(hdr->rc);
}
