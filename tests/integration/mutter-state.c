/* SPDX-License-Identifier: MIT */
/*
 * mutter-state: what mutter shows, read through its own D-Bus API
 * (org.gnome.Mutter.DisplayConfig.GetCurrentState) -- the tests' view,
 * independent of the agent.  One line per monitor in mutter's order:
 *   CONNECTOR WxH+X+Y     (its current mode, its logical monitor's place)
 *   CONNECTOR off
 * Exit 1 when mutter does not answer on the session bus.
 */
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>

int main(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
	g_autoptr(GVariant) reply = NULL, monitors = NULL, logicals = NULL;
	GVariantIter mi;
	GVariant *mon;

	if (bus)
		reply = g_dbus_connection_call_sync(bus, "org.gnome.Mutter.DisplayConfig",
			"/org/gnome/Mutter/DisplayConfig", "org.gnome.Mutter.DisplayConfig",
			"GetCurrentState", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
			&error);
	if (!reply) {
		fprintf(stderr, "mutter-state: %s\n", error->message);
		return 1;
	}
	monitors = g_variant_get_child_value(reply, 1);
	logicals = g_variant_get_child_value(reply, 2);
	g_variant_iter_init(&mi, monitors);
	while ((mon = g_variant_iter_next_value(&mi))) {
		const char *conn, *lconn;
		int w = 0, h = 0, x = 0, y = 0, found = 0;
		g_autoptr(GVariant) modes = g_variant_get_child_value(mon, 1);
		GVariantIter it, li, members;
		GVariant *mode, *lm;

		g_variant_get_child(mon, 0, "(&s&s&s&s)", &conn, NULL, NULL, NULL);
		g_variant_iter_init(&it, modes);
		while ((mode = g_variant_iter_next_value(&it))) {
			g_autoptr(GVariant) props = g_variant_get_child_value(mode, 6);
			gboolean cur = FALSE;

			g_variant_lookup(props, "is-current", "b", &cur);
			if (cur)
				g_variant_get_child(mode, 1, "i", &w), g_variant_get_child(mode, 2, "i", &h);
			g_variant_unref(mode);
		}
		g_variant_iter_init(&li, logicals);
		while ((lm = g_variant_iter_next_value(&li))) {
			g_autoptr(GVariant) mem = g_variant_get_child_value(lm, 5);

			g_variant_iter_init(&members, mem);
			while (g_variant_iter_next(&members, "(&s&s&s&s)", &lconn, NULL, NULL, NULL))
				if (!strcmp(lconn, conn)) {
					g_variant_get_child(lm, 0, "i", &x);
					g_variant_get_child(lm, 1, "i", &y);
					found = 1;
				}
			g_variant_unref(lm);
		}
		if (found && w)
			printf("%s %dx%d%+d%+d\n", conn, w, h, x, y);
		else
			printf("%s off\n", conn);
		g_variant_unref(mon);
	}
	return 0;
}
