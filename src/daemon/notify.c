/* SPDX-License-Identifier: MIT */
#include "daemon/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

static int notify_fd = -1;

void hvmlinkd_notify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	socklen_t salen;

	if (!path || !path[0])
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		log_warn("NOTIFY_SOCKET '%s' not usable; not notifying systemd",
			 path);
		return;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract namespace */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);

	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0 ||
	    connect(notify_fd, (struct sockaddr *)&sa, salen) < 0) {
		log_warn("NOTIFY_SOCKET %s: %s; not notifying systemd", path,
			 strerror(errno));
		hvmlinkd_notify_close();
	}
	/* Children (there are none) must not notify in our name. */
	unsetenv("NOTIFY_SOCKET");
}

void hvmlinkd_notify(const char *state)
{
	if (notify_fd < 0)
		return;
	if (send(notify_fd, state, strlen(state), MSG_NOSIGNAL) < 0)
		log_warn("systemd notification '%s': %s", state,
			 strerror(errno));
}

void hvmlinkd_notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
