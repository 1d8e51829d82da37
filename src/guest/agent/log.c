// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink-agent logging.  Every line starts "hvmlink-agent: " on stderr
 * (--foreground) so tests can grep stable prefixes; otherwise syslog with
 * the ident hvmlink-agent (the journal picks it up).
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "guest/agent/agent.h"

static gboolean log_foreground = TRUE;
static gboolean log_verbose;

void agent_log_init(gboolean foreground, gboolean verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("hvmlink-agent", LOG_PID, LOG_DAEMON);
}

void agent_log(int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	if (log_foreground) {
		fputs("hvmlink-agent: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else {
		vsyslog(priority, fmt, ap);
	}
	va_end(ap);
}
