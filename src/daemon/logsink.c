/* SPDX-License-Identifier: MIT */
#include "daemon/logsink.h"

#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

#include "common/log.h"

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static char ident[32];
/*
 * Until the daemon has detached, its start-up errors also go to the
 * terminal that started it, whatever the target: "one clear line".
 */
static bool errors_to_stderr = true;

static void stderr_sink(int level, const char *msg, void *opaque)
{
	const char *name = "log";

	if (level >= LOG_LVL_ERR && level <= LOG_LVL_DEBUG)
		name = level_names[level];
	/* One write per line, so lines of concurrent daemons never mix. */
	fprintf(stderr, "%s: %s: %s\n", ident, name, msg);
}

static void syslog_sink(int level, const char *msg, void *opaque)
{
	/* log.h levels are syslog priorities by construction. */
	syslog(level, "%s", msg);
	if (errors_to_stderr && level <= LOG_LVL_ERR)
		stderr_sink(level, msg, opaque);
}

void hvmlinkd_logsink_detached(void)
{
	errors_to_stderr = false;
}

void hvmlinkd_logsink_init(enum hvmlinkd_log_target target, uint16_t domid)
{
	snprintf(ident, sizeof(ident), "hvmlinkd[dom%u]", domid);
	if (target == HVMLINKD_LOG_SYSLOG) {
		/* LOG_NDELAY: connect now, before a chroot hides /dev/log. */
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_set_sink(syslog_sink, NULL);
	} else {
		log_set_sink(stderr_sink, NULL);
	}
}

void hvmlinkd_logsink_fini(void)
{
	log_set_sink(NULL, NULL);
	closelog();
}
