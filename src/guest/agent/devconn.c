// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* The agents' device connection: see devconn.h. */
#include <errno.h>
#include <syslog.h>
#include <unistd.h>
#include <glib-unix.h>

#include "guest/agent/agent.h"
#include "guest/agent/devconn.h"
#include "guest/lib/hvmlink_guest.h"

struct devconn {
	char *path;
	unsigned int retry_min_ms, retry_max_ms;
	const struct devconn_ops *ops;
	void *data;
	int fd;
	uint32_t events;		/* what setup() subscribed to */
	guint fd_source;
	guint retry_source;
	unsigned int retry_ms;
	int last_error;			/* log a repeated error once */
};

static void schedule_connect(struct devconn *dc);

static void disconnect(struct devconn *dc, const char *why)
{
	g_clear_handle_id(&dc->fd_source, g_source_remove);
	if (dc->fd >= 0)
		close(dc->fd);
	dc->fd = -1;
	agent_log(LOG_WARNING, "device lost (%s), reconnecting", why);
	dc->ops->lost(dc->data);
	schedule_connect(dc);
}

gboolean devconn_lost_if(struct devconn *dc, int ret)
{
	if (ret != -ENODEV || dc->fd < 0)
		return ret == -ENODEV;
	disconnect(dc, g_strerror(-ret));
	return TRUE;
}

int devconn_fd(const struct devconn *dc)
{
	return dc->fd;
}

static gboolean on_device(gint fd, GIOCondition cond, gpointer user)
{
	struct devconn *dc = user;
	uint32_t events;
	int ret;

	if (cond & (G_IO_HUP | G_IO_ERR)) {
		dc->fd_source = 0;
		disconnect(dc, "hang-up");
		return G_SOURCE_REMOVE;
	}
	ret = hvmlink_wait_events(fd, dc->events, 0, &events);
	if (ret == -ENODEV) {
		dc->fd_source = 0;
		disconnect(dc, g_strerror(-ret));
		return G_SOURCE_REMOVE;
	}
	if (ret == -ETIMEDOUT || ret == -EINTR)
		return G_SOURCE_CONTINUE;
	if (ret) {
		agent_log(LOG_WARNING, "wait events: %s", g_strerror(-ret));
		return G_SOURCE_CONTINUE;
	}
	agent_log(LOG_DEBUG, "events 0x%x", events);
	dc->ops->events(dc->data, fd, events);
	/* The handler may have lost the device (and removed this source). */
	return dc->fd == fd ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean try_connect(struct devconn *dc)
{
	struct hvmlink_ioctl_version v;
	int fd, ret, err = 0;

	fd = hvmlink_open(dc->path);
	if (fd < 0) {
		if (fd != dc->last_error)
			agent_log(LOG_WARNING, "waiting for %s: %s", dc->path,
				  g_strerror(-fd));
		dc->last_error = fd;
		return FALSE;
	}
	ret = hvmlink_get_version(fd, &v);
	if (!ret && (v.interface_version >> 16) != HVMLINK_IOCTL_VERSION_MAJOR)
		ret = -EPROTO;
	if (!ret) {
		dc->events = dc->ops->setup(dc->data, fd, &err);
		ret = dc->events ? 0 : (err ? err : -EINVAL);
	}
	if (ret) {
		if (ret != dc->last_error)
			agent_log(LOG_ERR, "%s: setup: %s", dc->path, g_strerror(-ret));
		close(fd);
		dc->last_error = ret;
		return FALSE;
	}
	dc->fd = fd;
	dc->last_error = 0;
	dc->retry_ms = 0;
	agent_log(LOG_INFO, "connected to %s (protocol %u.%u, driver %u.%u.%u, host %u.%u)",
		  dc->path, v.protocol_version >> 16, v.protocol_version & 0xffff,
		  v.driver_version >> 16, (v.driver_version >> 8) & 0xff,
		  v.driver_version & 0xff, v.host_major, v.host_minor);
	dc->fd_source = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_device, dc);
	dc->ops->connected(dc->data, fd, &v);
	return TRUE;
}

static gboolean on_retry(gpointer user)
{
	struct devconn *dc = user;

	dc->retry_source = 0;
	if (!try_connect(dc))
		schedule_connect(dc);
	return G_SOURCE_REMOVE;
}

static void schedule_connect(struct devconn *dc)
{
	if (dc->retry_source)
		return;
	dc->retry_ms = backoff_next(dc->retry_ms, dc->retry_min_ms, dc->retry_max_ms);
	agent_log(LOG_DEBUG, "retry in %u ms", dc->retry_ms);
	dc->retry_source = g_timeout_add(dc->retry_ms, on_retry, dc);
}

void devconn_start(struct devconn *dc)
{
	if (!try_connect(dc))
		schedule_connect(dc);
}

struct devconn *devconn_new(const char *path, unsigned int retry_min_ms,
			    unsigned int retry_max_ms,
			    const struct devconn_ops *ops, void *data)
{
	struct devconn *dc = g_new0(struct devconn, 1);

	dc->path = g_strdup(path);
	dc->retry_min_ms = retry_min_ms;
	dc->retry_max_ms = retry_max_ms;
	dc->ops = ops;
	dc->data = data;
	dc->fd = -1;
	return dc;
}

void devconn_free(struct devconn *dc)
{
	if (!dc)
		return;
	g_clear_handle_id(&dc->fd_source, g_source_remove);
	g_clear_handle_id(&dc->retry_source, g_source_remove);
	if (dc->fd >= 0)
		close(dc->fd);
	g_free(dc->path);
	g_free(dc);
}
