// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* hvmlink-session-agent: entry point.  Exit 0 on SIGTERM/SIGINT/SIGHUP,
 * when the session ended, for --help and --version; 1 when there is no
 * graphical session to serve; 2 on bad usage or configuration
 * (hvmlink-session-agent(1)). */
#include <stdio.h>

#include "guest/agent/agent.h"

int main(int argc, char **argv)
{
	struct session_config cfg;
	GError *error = NULL;
	gboolean version;
	int rc;

	session_config_init(&cfg);
	if (!session_config_parse_args(&cfg, &argc, &argv, &version, &error)) {
		fprintf(stderr, "hvmlink-session-agent: %s\n", error->message);
		g_error_free(error);
		session_config_clear(&cfg);
		return 2;
	}
	if (version) {
		agent_print_version("hvmlink-session-agent");
		session_config_clear(&cfg);
		return 0;
	}
	agent_log_init("hvmlink-session-agent", TRUE, cfg.verbose);
	rc = session_run(&cfg);
	session_config_clear(&cfg);
	return rc;
}
