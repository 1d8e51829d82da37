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
		   const int *extra_fds, unsigned int n_extra, int *which)
{
	char path[SCHEMA_PATH_MAX];
	long long deadline = now_ms() + timeout_ms;
	int rc = -CTL_EXIT_TIMEOUT;

	if (n_extra > 4 || !schema_path(path, sizeof(path), domid, SCHEMA_STATE))
		return -CTL_EXIT_USAGE;
	/* Watch first, then read: a change between the two is not lost. */
	if (!xs_watch(xsh, path, WAIT_TOKEN)) {
		ctl_error("cannot watch %s: %s", path, strerror(errno));
		return -CTL_EXIT_FAIL;
	}
	if (is_ready(xsh, path)) {
		rc = 0;
		goto out;
	}
	for (;;) {
		struct pollfd pfd[5] = { { .fd = xs_fileno(xsh), .events = POLLIN } };
		long long left = deadline - now_ms();
		char **ev;
		int n;

		for (unsigned int i = 0; i < n_extra; i++)
			pfd[i + 1] = (struct pollfd){ .fd = extra_fds[i], .events = POLLIN };
		if (left < 0)
			left = 0;
		n = poll(pfd, 1 + n_extra, (int)left);
		if (n < 0 && errno != EINTR) {
			rc = -CTL_EXIT_FAIL;
			break;
		}
		for (unsigned int i = 0; n > 0 && i < n_extra; i++) {
			if (pfd[i + 1].revents & (POLLIN | POLLHUP)) {
				*which = (int)i;
				rc = 1;
				goto out;
			}
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
			rc = -CTL_EXIT_FAIL;
			break;
		}
		if (n == 0 && now_ms() >= deadline)
			break;
	}
out:
	xs_unwatch(xsh, path, WAIT_TOKEN);
	return rc;
}

#define WAIT_PARAMS "DOMAIN"

int ctl_cmd_wait_ready(int argc, char **argv)
{
	g_autofree char *timeout = NULL;
	const GOptionEntry entries[] = {
		{ "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout,
		  "Wait at most S seconds (default 30, fractions allowed, 0 checks once)",
		  "S" },
		G_OPTION_ENTRY_NULL
	};
	struct xs_handle *xsh;
	int timeout_ms = 30000, domid, rc;

	rc = ctl_parse_options("wait-ready", WAIT_PARAMS,
			       "Wait until the domain's hvmlinkd is ready (a xenstore watch, no polling).",
			       entries, false, &argc, &argv);
	if (rc >= 0)
		return rc;
	if (timeout && !ctl_parse_timeout(timeout, &timeout_ms)) {
		ctl_error("wait-ready: --timeout needs seconds (0..86400), not \"%s\"",
			  timeout);
		return CTL_EXIT_USAGE;
	}
	if (argc != 2)
		return ctl_usage_error("wait-ready", "[--timeout S] " WAIT_PARAMS);
	domid = ctl_open_domain(argv[1], &xsh);
	if (domid < 0)
		return -domid;
	rc = ctl_wait_ready(xsh, (unsigned int)domid, timeout_ms, NULL, 0, NULL);
	xs_close(xsh);
	if (rc == -CTL_EXIT_TIMEOUT)
		ctl_error("hvmlinkd for domain %d not ready after %.3g s", domid,
			  timeout_ms / 1000.0);
	return rc < 0 ? -rc : CTL_EXIT_OK;
}
