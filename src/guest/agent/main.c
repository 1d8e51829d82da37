// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* hvmlink-agent: entry point.  Exit 0 on SIGTERM/SIGINT and for --help
 * and --version, 2 on bad usage or configuration (hvmlink-agent(8)). */
#include <stdio.h>

#include "guest/agent/agent.h"

int main(int argc, char **argv)
{
	struct agent_config cfg;
	GError *error = NULL;
	gboolean version;
	int rc;

	agent_config_init(&cfg);
	if (!agent_config_parse_args(&cfg, &argc, &argv, &version, &error)) {
		fprintf(stderr, "hvmlink-agent: %s\n", error->message);
		g_error_free(error);
		agent_config_clear(&cfg);
		return 2;
	}
	if (version) {
		agent_print_version("hvmlink-agent");
		agent_config_clear(&cfg);
		return 0;
	}
	agent_log_init("hvmlink-agent", cfg.foreground, cfg.verbose);
	rc = agent_run(&cfg);
	agent_config_clear(&cfg);
	return rc;
}
