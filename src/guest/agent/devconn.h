/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The device connection both agents share: open the node (retrying with
 * exponential backoff while it is missing), check the ioctl interface
 * version, let the owner subscribe, then turn the fd's readiness into
 * events.  -ENODEV from any request, or a hang-up, closes it and starts
 * the retries again.
 */
#ifndef HVMLINK_AGENT_DEVCONN_H
#define HVMLINK_AGENT_DEVCONN_H

#include <stdint.h>
#include <glib.h>

#include <hvmlink/ioctl.h>

struct devconn;

struct devconn_ops {
	/* Just opened: subscribe (SET_FILTER, SET_CAPS).  Returns the
	 * events to wait for, or 0 with *err set (the fd is closed and the
	 * open retried). */
	uint32_t (*setup)(void *data, int fd, int *err);
	/* Set up: sync from the host's current state.  May lose the
	 * device (devconn_lost_if) before returning. */
	void (*connected)(void *data, int fd,
			  const struct hvmlink_ioctl_version *v);
	void (*events)(void *data, int fd, uint32_t events);
	/* The fd is closed: drop everything that used it. */
	void (*lost)(void *data);
};

struct devconn *devconn_new(const char *path, unsigned int retry_min_ms,
			    unsigned int retry_max_ms,
			    const struct devconn_ops *ops, void *data);
/* Try to connect now; on failure retry in the background. */
void devconn_start(struct devconn *dc);
/* -1 while disconnected. */
int devconn_fd(const struct devconn *dc);
/* TRUE (and the device is closed, ops->lost called) when @ret says the
 * device is gone. */
gboolean devconn_lost_if(struct devconn *dc, int ret);
/* Close without reconnecting (orderly stop); the owner said goodbye. */
void devconn_free(struct devconn *dc);

#endif /* HVMLINK_AGENT_DEVCONN_H */
