// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * GNOME Wayland backend (see mutter.h): read the monitors, build a
 * logical-monitor configuration that puts each hinted display in its
 * mode and place, apply it temporarily, read the state back.
 *
 * Displays without a hint keep what they have.  Every monitor that is on
 * becomes a logical monitor of its own (a mirrored pair the host did not
 * hint is split: the host describes displays one by one).  The scale and
 * transform of a monitor that is already on are kept.
 */
#include <math.h>
#include <string.h>

#include "guest/agent/mutter.h"

struct m_mode {
	char *id;
	int w, h;
	double refresh;
	gboolean current, preferred;
};

struct m_monitor {
	char *connector;
	GPtrArray *modes;		/* struct m_mode */
	/* Its logical monitor now (on), or -1. */
	int x, y;
	double scale;
	guint transform;
	gboolean on, primary;
};

struct m_state {
	guint serial;
	GPtrArray *monitors;		/* struct m_monitor */
};

struct apply_job {
	GDBusConnection *bus;
	struct layout want;
	struct layout_result res[HVMLINK_MAX_DISPLAYS];
	int32_t ox, oy;
};

static void m_mode_free(gpointer p)
{
	struct m_mode *m = p;

	g_free(m->id);
	g_free(m);
}

static void m_monitor_free(gpointer p)
{
	struct m_monitor *m = p;

	g_free(m->connector);
	g_ptr_array_unref(m->modes);
	g_free(m);
}

static void m_state_free(struct m_state *s)
{
	if (!s)
		return;
	g_ptr_array_unref(s->monitors);
	g_free(s);
}
typedef struct m_state m_state;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(m_state, m_state_free)

static gboolean prop_bool(GVariant *props, const char *key)
{
	gboolean v = FALSE;

	g_variant_lookup(props, key, "b", &v);
	return v;
}

/* GetCurrentState's reply: (u a((ssss)a(siiddada{sv})a{sv})
 * a(iiduba(ssss)a{sv}) a{sv}). */
static struct m_state *parse_state(GVariant *reply)
{
	struct m_state *s = g_new0(struct m_state, 1);
	g_autoptr(GVariantIter) monitors = NULL, logicals = NULL;
	g_autoptr(GVariant) props = NULL;
	GVariant *mon, *lm;

	s->monitors = g_ptr_array_new_with_free_func(m_monitor_free);
	g_variant_get(reply, "(ua((ssss)a(siiddada{sv})a{sv})a(iiduba(ssss)a{sv})@a{sv})",
		      &s->serial, &monitors, &logicals, &props);
	while ((mon = g_variant_iter_next_value(monitors))) {
		struct m_monitor *m = g_new0(struct m_monitor, 1);
		g_autoptr(GVariantIter) modes = NULL;
		g_autoptr(GVariant) mprops = NULL;
		GVariant *mode;

		m->modes = g_ptr_array_new_with_free_func(m_mode_free);
		m->scale = 1.0;
		g_variant_get(mon, "((ssss)a(siiddada{sv})@a{sv})", &m->connector,
			      NULL, NULL, NULL, &modes, &mprops);
		while ((mode = g_variant_iter_next_value(modes))) {
			struct m_mode *md = g_new0(struct m_mode, 1);
			g_autoptr(GVariant) p = NULL;

			g_variant_get(mode, "(siidd@ad@a{sv})", &md->id, &md->w, &md->h,
				      &md->refresh, NULL, NULL, &p);
			md->current = prop_bool(p, "is-current");
			md->preferred = prop_bool(p, "is-preferred");
			g_ptr_array_add(m->modes, md);
			g_variant_unref(mode);
		}
		g_ptr_array_add(s->monitors, m);
		g_variant_unref(mon);
	}
	while ((lm = g_variant_iter_next_value(logicals))) {
		g_autoptr(GVariant) members = NULL, lprops = NULL;
		GVariantIter it;
		int x, y;
		double scale;
		guint transform;
		gboolean primary;
		const char *connector;

		g_variant_get(lm, "(iidub@a(ssss)@a{sv})", &x, &y, &scale, &transform,
			      &primary, &members, &lprops);
		g_variant_iter_init(&it, members);
		while (g_variant_iter_next(&it, "(&s&s&s&s)", &connector, NULL,
					   NULL, NULL)) {
			for (guint i = 0; i < s->monitors->len; i++) {
				struct m_monitor *m = g_ptr_array_index(s->monitors, i);

				if (strcmp(m->connector, connector))
					continue;
				m->on = TRUE;
				m->x = x;
				m->y = y;
				m->scale = scale;
				m->transform = transform;
				m->primary = primary;
			}
		}
		g_variant_unref(lm);
	}
	return s;
}

static const struct m_mode *current_mode(const struct m_monitor *m)
{
	for (guint i = 0; i < m->modes->len; i++) {
		const struct m_mode *md = g_ptr_array_index(m->modes, i);

		if (md->current)
			return md;
	}
	return NULL;
}

/* The monitor's mode of exactly w x h: the current one, else a preferred
 * one, else the refresh closest to 60 Hz. */
static const struct m_mode *find_mode(const struct m_monitor *m, int w, int h)
{
	const struct m_mode *best = NULL;
	double best_score = 0;

	for (guint i = 0; i < m->modes->len; i++) {
		const struct m_mode *md = g_ptr_array_index(m->modes, i);
		double score;

		if (md->w != w || md->h != h)
			continue;
		score = fabs(md->refresh - 60.0);
		if (md->preferred)
			score -= 1000;
		if (md->current)
			score -= 2000;
		if (!best || score < best_score) {
			best = md;
			best_score = score;
		}
	}
	return best;
}

/* "1024x768, 800x600" (each size once). */
static char *offered_sizes(const struct m_monitor *m)
{
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < m->modes->len; i++) {
		const struct m_mode *md = g_ptr_array_index(m->modes, i);
		char *size = g_strdup_printf("%dx%d", md->w, md->h);

		if (g_ptr_array_find_with_equal_func(seen, size, g_str_equal, NULL)) {
			g_free(size);
			continue;
		}
		g_string_append_printf(s, "%s%s", seen->len ? ", " : "", size);
		g_ptr_array_add(seen, size);
	}
	return g_string_free(s, FALSE);
}

/* Every hinted display failed for one reason; the task is done. */
static void finish_all(GTask *task, const char *why)
{
	struct apply_job *job = g_task_get_task_data(task);

	layout_fail_all(&job->want, job->res, "%s", why);
	g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

static void read_back(struct apply_job *job, const struct m_state *s)
{
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		struct hvmlink_display_mode *em = &job->res[d].in_effect;
		g_autofree char *have = NULL;

		memset(em, 0, sizeof(*em));
		if (d < s->monitors->len) {
			const struct m_monitor *m = g_ptr_array_index(s->monitors, d);
			const struct m_mode *md = current_mode(m);

			if (m->on && md) {
				em->enabled = 1;
				em->width = (uint32_t)md->w;
				em->height = (uint32_t)md->h;
				em->x = m->x + job->ox;
				em->y = m->y + job->oy;
			}
		}
		if (!job->want.d[d].present || job->res[d].done)
			continue;
		job->res[d].done = TRUE;
		job->res[d].ok = layout_mode_matches(&job->want.d[d].mode, em);
		if (!job->res[d].ok) {
			have = layout_mode_string(em);
			layout_result_fail(&job->res[d], "mutter shows %s after the change", have);
		}
	}
}

static void on_state_after(GObject *src, GAsyncResult *r, gpointer user)
{
	GTask *task = user;
	struct apply_job *job = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src),
								  r, &error);
	g_autoptr(m_state) s = NULL;

	if (!reply) {
		g_autofree char *why = NULL;

		g_dbus_error_strip_remote_error(error);
		why = g_strdup_printf("reading mutter's state back: %s", error->message);
		finish_all(task, why);
		return;
	}
	s = parse_state(reply);
	read_back(job, s);
	g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

static void get_state(struct apply_job *job, GTask *task, GAsyncReadyCallback cb)
{
	g_dbus_connection_call(job->bus, MUTTER_BUS_NAME, MUTTER_OBJECT_PATH,
			       MUTTER_INTERFACE, "GetCurrentState", NULL,
			       G_VARIANT_TYPE("(ua((ssss)a(siiddada{sv})a{sv})a(iiduba(ssss)a{sv})a{sv})"),
			       G_DBUS_CALL_FLAGS_NONE, MUTTER_CALL_TIMEOUT_MS,
			       g_task_get_cancellable(task), cb, task);
}

static void on_applied(GObject *src, GAsyncResult *r, gpointer user)
{
	GTask *task = user;
	struct apply_job *job = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src),
								  r, &error);

	if (!reply) {
		/* Mutter says why (e.g. "Logical monitors not adjacent"). */
		g_dbus_error_strip_remote_error(error);
		layout_fail_all(&job->want, job->res, "mutter refused the layout: %s",
				error->message);
	}
	get_state(job, task, on_state_after);
}

/* The planned state of each monitor. */
struct m_plan {
	gboolean on;
	const struct m_mode *mode;
	int x, y;
};

static void on_state_before(GObject *src, GAsyncResult *r, gpointer user)
{
	GTask *task = user;
	struct apply_job *job = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src),
								  r, &error);
	g_autoptr(m_state) s = NULL;
	g_autofree struct m_plan *plan = NULL;
	struct layout valid;
	GVariantBuilder lms;
	int primary = -1, first_on = -1;
	guint n;

	if (!reply) {
		g_autofree char *why = NULL;

		if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
		    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)) {
			finish_all(task, "the Wayland compositor offers no display "
				   "configuration API known to hvmlink (only GNOME's "
				   MUTTER_BUS_NAME ")");
			return;
		}
		g_dbus_error_strip_remote_error(error);
		why = g_strdup_printf("asking mutter for its monitors: %s", error->message);
		finish_all(task, why);
		return;
	}
	s = parse_state(reply);
	n = s->monitors->len;
	plan = g_new0(struct m_plan, n);
	for (guint i = 0; i < n; i++) {
		const struct m_monitor *m = g_ptr_array_index(s->monitors, i);

		plan[i].on = m->on && current_mode(m);
		plan[i].mode = current_mode(m);
		plan[i].x = m->x;
		plan[i].y = m->y;
	}

	valid = job->want;
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		const char *bad;

		if (!valid.d[d].present)
			continue;
		bad = layout_mode_invalid(&valid.d[d].mode);
		if (bad)
			layout_result_fail(&job->res[d], "invalid hint: %s", bad);
		else if (d >= n)
			layout_result_fail(&job->res[d], "no monitor for display %u (mutter has %u)",
					   d, n);
		if (bad || d >= n)
			valid.d[d].present = FALSE;
	}
	layout_origin(&valid, &job->ox, &job->oy);
	for (unsigned int d = 0; d < n && d < HVMLINK_MAX_DISPLAYS; d++) {
		const struct hvmlink_display_mode *hm = &valid.d[d].mode;
		const struct m_monitor *m = g_ptr_array_index(s->monitors, d);
		const struct m_mode *md;
		g_autofree char *offers = NULL;

		if (!valid.d[d].present)
			continue;
		if (!hm->enabled) {
			plan[d].on = FALSE;
			continue;
		}
		md = find_mode(m, (int)hm->width, (int)hm->height);
		if (!md) {
			offers = offered_sizes(m);
			layout_result_fail(&job->res[d],
					   "mutter offers no %ux%u mode on %s (it offers %s)",
					   hm->width, hm->height, m->connector, offers);
			continue;	/* keeps its current state */
		}
		plan[d].on = TRUE;
		plan[d].mode = md;
		plan[d].x = hm->x - job->ox;
		plan[d].y = hm->y - job->oy;
	}

	g_variant_builder_init(&lms, G_VARIANT_TYPE("a(iiduba(ssa{sv}))"));
	for (guint i = 0; i < n; i++) {
		const struct m_monitor *m = g_ptr_array_index(s->monitors, i);

		if (!plan[i].on)
			continue;
		if (first_on < 0)
			first_on = (int)i;
		if (m->primary && m->on)
			primary = (int)i;
	}
	if (first_on < 0) {
		finish_all(task, "refusing to turn off every monitor");
		return;
	}
	if (primary < 0)
		primary = first_on;
	for (guint i = 0; i < n; i++) {
		const struct m_monitor *m = g_ptr_array_index(s->monitors, i);
		GVariantBuilder members;

		if (!plan[i].on)
			continue;
		g_variant_builder_init(&members, G_VARIANT_TYPE("a(ssa{sv})"));
		g_variant_builder_add(&members, "(ss@a{sv})", m->connector,
				      plan[i].mode->id,
				      g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
		g_variant_builder_add(&lms, "(iidub@a(ssa{sv}))", plan[i].x, plan[i].y,
				      m->on ? m->scale : 1.0, m->on ? m->transform : 0u,
				      (int)i == primary, g_variant_builder_end(&members));
	}
	g_dbus_connection_call(job->bus, MUTTER_BUS_NAME, MUTTER_OBJECT_PATH,
			       MUTTER_INTERFACE, "ApplyMonitorsConfig",
			       g_variant_new("(uu@a(iiduba(ssa{sv}))@a{sv})", s->serial,
					     MUTTER_METHOD_TEMPORARY,
					     g_variant_builder_end(&lms),
					     g_variant_new_array(G_VARIANT_TYPE("{sv}"),
								 NULL, 0)),
			       NULL, G_DBUS_CALL_FLAGS_NONE, MUTTER_CALL_TIMEOUT_MS,
			       g_task_get_cancellable(task), on_applied, task);
}

static void apply_job_free(gpointer p)
{
	struct apply_job *job = p;

	g_object_unref(job->bus);
	g_free(job);
}

void mutter_apply_layout_async(GDBusConnection *bus, const struct layout *want,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	struct apply_job *job = g_new0(struct apply_job, 1);

	job->bus = g_object_ref(bus);
	job->want = *want;
	g_task_set_task_data(task, job, apply_job_free);
	get_state(job, task, on_state_before);
}

void mutter_apply_layout_finish(GAsyncResult *result,
				struct layout_result res[HVMLINK_MAX_DISPLAYS])
{
	GTask *task = G_TASK(result);
	struct apply_job *job = g_task_get_task_data(task);

	memcpy(res, job->res, sizeof(job->res));
	g_task_propagate_boolean(task, NULL);
}
