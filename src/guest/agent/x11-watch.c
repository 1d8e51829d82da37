// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Notice when the X server goes away (it crashed, was restarted, the
 * session ended): a small XCB connection whose socket sits in the GLib
 * main loop.  XCB rather than Xlib because Xlib exits the process on a
 * lost connection unless told otherwise, and because the applying thread
 * owns Xlib (x11-randr.c).  The session agent reconnects with backoff and
 * re-applies the current hints once a server answers again.
 */
#include <glib-unix.h>
#include <xcb/xcb.h>

#include "guest/agent/x11.h"

struct x11_watch {
	xcb_connection_t *conn;
	guint source;
	x11_watch_lost_fn lost;
	void *data;
};

static gboolean on_x_socket(gint fd, GIOCondition cond, gpointer user)
{
	struct x11_watch *w = user;
	xcb_generic_event_t *ev;

	/* We select no events; drain whatever arrives anyway. */
	while ((ev = xcb_poll_for_event(w->conn)))
		free(ev);
	if (!xcb_connection_has_error(w->conn) && !(cond & (G_IO_HUP | G_IO_ERR)))
		return G_SOURCE_CONTINUE;
	w->source = 0;
	w->lost(w->data);	/* may free w */
	return G_SOURCE_REMOVE;
}

struct x11_watch *x11_watch_new(const char *display_name,
				x11_watch_lost_fn lost, void *data,
				char **error)
{
	struct x11_watch *w;
	xcb_connection_t *conn = xcb_connect(display_name, NULL);
	int err = xcb_connection_has_error(conn);

	if (err) {
		xcb_disconnect(conn);
		*error = g_strdup_printf("cannot connect to X display %s (xcb error %d)",
					 display_name ? display_name : "$DISPLAY", err);
		return NULL;
	}
	w = g_new0(struct x11_watch, 1);
	w->conn = conn;
	w->lost = lost;
	w->data = data;
	w->source = g_unix_fd_add(xcb_get_file_descriptor(conn),
				  G_IO_IN | G_IO_HUP | G_IO_ERR, on_x_socket, w);
	return w;
}

void x11_watch_free(struct x11_watch *w)
{
	if (!w)
		return;
	g_clear_handle_id(&w->source, g_source_remove);
	xcb_disconnect(w->conn);
	g_free(w);
}
