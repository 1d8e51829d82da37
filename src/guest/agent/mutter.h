/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The GNOME Wayland backend: org.gnome.Mutter.DisplayConfig on the
 * session bus (GetCurrentState, ApplyMonitorsConfig).  A compositor only
 * shows modes its monitors offer (Wayland has no xrandr --newmode), so a
 * hint for any other size fails with a reason naming what is offered.
 * Asynchronous: the session agent's main loop never waits for mutter.
 */
#ifndef HVMLINK_AGENT_MUTTER_H
#define HVMLINK_AGENT_MUTTER_H

#include <gio/gio.h>

#include "guest/agent/layout.h"

#define MUTTER_BUS_NAME		"org.gnome.Mutter.DisplayConfig"
#define MUTTER_OBJECT_PATH	"/org/gnome/Mutter/DisplayConfig"
#define MUTTER_INTERFACE	"org.gnome.Mutter.DisplayConfig"
/* ApplyMonitorsConfig methods: 0 verify, 1 temporary, 2 persistent.
 * Persistent makes gnome-shell ask "keep these settings?" and revert
 * after 20 s without an answer: a host hint is applied temporarily,
 * as VirtualBox's and VMware's agents do. */
#define MUTTER_METHOD_TEMPORARY	1u
#define MUTTER_CALL_TIMEOUT_MS	10000

/* Display N is the N-th monitor of GetCurrentState. */
void mutter_apply_layout_async(GDBusConnection *bus, const struct layout *want,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback, gpointer user_data);
/* Copies the per-display results into @res (always filled). */
void mutter_apply_layout_finish(GAsyncResult *result,
				struct layout_result res[HVMLINK_MAX_DISPLAYS]);

#endif /* HVMLINK_AGENT_MUTTER_H */
