// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* hvmlink-agent: entry point.  Exit 0 on SIGTERM/SIGINT, 2 on bad usage
 * or configuration. */
#include <stdio.h>

#include "guest/agent/agent.h"

int main(int argc, char **argv)
{
	struct agent_config cfg;
	GError *error = NULL;
	int rc;

	agent_config_init(&cfg);
	if (!agent_config_parse_args(&cfg, &argc, &argv, &error)) {
		fprintf(stderr, "hvmlink-agent: %s\n", error->message);
		g_error_free(error);
		agent_config_clear(&cfg);
		return 2;
	}
	agent_log_init(cfg.foreground, cfg.verbose);
	rc = agent_run(&cfg);
	agent_config_clear(&cfg);
	return rc;
}
