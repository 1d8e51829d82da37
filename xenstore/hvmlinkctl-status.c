/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkctl status: one consistent snapshot of the domain's hvmlink
 * state, as text or JSON, and whether its daemon is alive.  A daemon
 * that published "ready" but whose process is gone is reported "dead",
 * never "ready" (issue 12), and the exit status says so.
 */
#include "xenstore/hvmlinkctl.h"

#include <string.h>
#include <xenstore.h>

#include "xenstore/hvmlinkctl-model.h"

#define STATUS_PARAMS "DOMAIN"

int ctl_cmd_status(int argc, char **argv)
{
	gboolean json = FALSE;
	const GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json,
		  "One JSON object (docs/hvmlinkctl.schema.json)", NULL },
		G_OPTION_ENTRY_NULL
	};
	struct ctl_domain d = { .pid = -1 };
	struct xs_handle *xsh;
	int domid, rc;

	rc = ctl_parse_options("status", STATUS_PARAMS,
			       "Show the daemon's state, the hints, the refused hints and what the\n"
			       "guest reported.  Exit status 6 if no live daemon serves DOMAIN.",
			       entries, false, &argc, &argv);
	if (rc >= 0)
		return rc;
	if (argc != 2)
		return ctl_usage_error("status", "[--json] " STATUS_PARAMS);
	domid = ctl_open_domain(argv[1], &xsh);
	if (domid < 0)
		return -domid;
	rc = ctl_domain_snapshot(xsh, (unsigned int)domid, &d);
	xs_close(xsh);
	if (rc) {
		ctl_error("cannot read the state of domain %d: %s", domid,
			  strerror(-rc));
		ctl_domain_clear(&d);
		return CTL_EXIT_FAIL;
	}
	if (json) {
		g_autoptr(JsonNode) node = ctl_domain_json(&d);

		ctl_json_print(node);
	} else {
		ctl_domain_text(&d, stdout);
	}
	rc = ctl_domain_daemon_alive(&d) ? CTL_EXIT_OK : CTL_EXIT_NOT_RUNNING;
	ctl_domain_clear(&d);
	return rc;
}
