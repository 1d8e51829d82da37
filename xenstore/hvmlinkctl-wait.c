/* SPDX-License-Identifier: MIT */
/* hvmlinkctl wait-ready: a watch on the daemon's state node, no polling. */
#include "xenstore/hvmlinkctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

#include "xenstore/schema.h"

#define WAIT_TOKEN	"hvmlinkctl-wait"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_ready(struct xs_handle *xsh, const char *path)
{
	unsigned int len;
	char *v = xs_read(xsh, XBT_NULL, path, &len);
	bool ready = v && len == 5 && memcmp(v, "ready", 5) == 0;

	free(v);
	return ready;
}

int ctl_wait_ready(struct xs_handle *xsh, unsigned int domid, int timeout_ms,
		   int extra_fd)
{
	char path[SCHEMA_PATH_MAX];
	long long deadline = now_ms() + timeout_ms;
	int rc = -CTL_EXIT_TIMEOUT;

	if (!schema_path(path, sizeof(path), domid, SCHEMA_STATE))
		return -CTL_EXIT_USAGE;
	/* Watch first, then read: a change between the two is not lost. */
	if (!xs_watch(xsh, path, WAIT_TOKEN)) {
		ctl_error("cannot watch %s: %s", path, strerror(errno));
		return -CTL_EXIT_XENSTORE;
	}
	if (is_ready(xsh, path)) {
		rc = 0;
		goto out;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = xs_fileno(xsh), .events = POLLIN },
			{ .fd = extra_fd, .events = POLLIN },
		};
		long long left = deadline - now_ms();
		char **ev;
		int n;

		if (left < 0)
			left = 0;
		n = poll(pfd, extra_fd >= 0 ? 2 : 1, (int)left);
		if (n < 0 && errno != EINTR) {
			rc = -CTL_EXIT_XENSTORE;
			break;
		}
		if (extra_fd >= 0 && (pfd[1].revents & (POLLIN | POLLHUP))) {
			rc = 1;
			break;
		}
		while ((ev = xs_check_watch(xsh))) {
			free(ev);
			if (is_ready(xsh, path)) {
				rc = 0;
				goto out;
			}
		}
		if (errno != EAGAIN) {
			ctl_error("lost the xenstore connection while waiting");
			rc = -CTL_EXIT_XENSTORE;
			break;
		}
		if (n == 0 && now_ms() >= deadline)
			break;
	}
out:
	xs_unwatch(xsh, path, WAIT_TOKEN);
	return rc;
}

int ctl_cmd_wait_ready(int argc, char **argv)
{
	struct xs_handle *xsh;
	const char *dom = NULL;
	int timeout_ms = 30000, domid, rc;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout")) {
			if (i + 1 >= argc ||
			    !ctl_parse_timeout(argv[i + 1], &timeout_ms)) {
				ctl_error("--timeout needs seconds (0..86400)");
				return CTL_EXIT_USAGE;
			}
			i++;
		} else if (!dom && argv[i][0] != '-') {
			dom = argv[i];
		} else {
			ctl_error("usage: hvmlinkctl wait-ready DOMAIN [--timeout S]");
			return CTL_EXIT_USAGE;
		}
	}
	if (!dom) {
		ctl_error("usage: hvmlinkctl wait-ready DOMAIN [--timeout S]");
		return CTL_EXIT_USAGE;
	}
	domid = ctl_open_domain(dom, &xsh);
	if (domid < 0)
		return -domid;
	rc = ctl_wait_ready(xsh, (unsigned int)domid, timeout_ms, -1);
	xs_close(xsh);
	if (rc == -CTL_EXIT_TIMEOUT)
		ctl_error("hvmlinkd for domain %d not ready after %.3g s", domid,
			  timeout_ms / 1000.0);
	return rc < 0 ? -rc : CTL_EXIT_OK;
}
