// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Agent logging.  Every line starts with the program's name ("hvmlink-agent: ")
 * on stderr (--foreground, and always for the session agent, whose stderr
 * goes to the user's journal or ~/.xsession-errors) so tests can grep
 * stable prefixes; otherwise syslog with that ident.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "guest/agent/agent.h"

static gboolean log_foreground = TRUE;
static gboolean log_verbose;
static const char *log_ident = "hvmlink-agent";

void agent_log_init(const char *ident, gboolean foreground, gboolean verbose)
{
	log_ident = ident;
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void agent_log(int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority == LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	if (log_foreground) {
		/* One write per line: the X thread logs too. */
		g_autofree char *msg = g_strdup_vprintf(fmt, ap);

		fprintf(stderr, "%s: %s\n", log_ident, msg);
		fflush(stderr);
	} else {
		vsyslog(priority, fmt, ap);
	}
	va_end(ap);
}
