// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink-agent, the system agent (root, /dev/hvmlink): key/value hints,
 * heartbeats, time sync, the guest's capabilities, and display hints
 * through the display hook for guests without a desktop session agent.
 * Desktop sessions apply display hints themselves (session.c).
 *
 * Nothing here waits for a child: hooks run asynchronously (hook.c), so
 * a slow display change never delays a heartbeat.
 *
 * Log lines the e2e test greps (stable, see hvmlink-agent(8)):
 *   "connected to ...", "applied display N WxH", "failed display N ...",
 *   "kv synced N keys", "heartbeat every N ms", "device lost ...".
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <glib-unix.h>

#include "guest/agent/agent.h"
#include "guest/agent/devconn.h"
#include "guest/agent/hook.h"
#include "guest/agent/layout.h"
#include "guest/lib/hvmlink_guest.h"

struct agent {
	struct agent_config *cfg;
	GMainLoop *loop;
	struct devconn *dc;
	uint32_t caps;
	/* heartbeat */
	guint heartbeat_source;
	guint hb_retry_source;		/* HEARTBEAT_CONFIG failed: again */
	unsigned int hb_retry_ms;
	gboolean hb_enabled;		/* the host was told we beat */
	/* time sync */
	guint timesync_source;
	/* display hook */
	gboolean display_busy;		/* a hook layout is running */
	gboolean display_again;		/* hints changed meanwhile */
	gboolean display_force;		/* ... and re-apply everything */
	gboolean seq_valid[HVMLINK_MAX_DISPLAYS];
	uint64_t seq_done[HVMLINK_MAX_DISPLAYS];	/* applied or failed */
	/* What each display shows as far as the agent knows: the last mode
	 * the hook applied, all zero (off/unknown) before that. */
	struct hvmlink_display_mode in_effect[HVMLINK_MAX_DISPLAYS];
	struct layout applying;
	GCancellable *stopping;
	/* kv hook */
	struct hook_run *kv_hook;
	gboolean kv_hook_again;
};

static int fd_of(const struct agent *a)
{
	return devconn_fd(a->dc);
}

static gboolean display_hook_active(const struct agent *a)
{
	return a->cfg->display && a->cfg->display_hook;
}

/* Facilities this agent runs.  The display facility is the session
 * agent's, unless the display hook runs here. */
static void report_facilities(struct agent *a, uint32_t status)
{
	const struct agent_config *c = a->cfg;
	uint32_t f[4];
	size_t n = 0;

	f[n++] = HVMLINK_FACILITY_AGENT;
	if (display_hook_active(a))
		f[n++] = HVMLINK_FACILITY_DISPLAY;
	if (c->kv)
		f[n++] = HVMLINK_FACILITY_KV;
	if (c->timesync != AGENT_TIMESYNC_OFF)
		f[n++] = HVMLINK_FACILITY_TIMESYNC;
	for (size_t i = 0; i < n && fd_of(a) >= 0; i++) {
		int ret = hvmlink_report_facility(fd_of(a), f[i], status);

		if (devconn_lost_if(a->dc, ret))
			return;
		if (ret)
			agent_log(LOG_WARNING, "report facility %u: %s", f[i], g_strerror(-ret));
	}
}

/* ---- display hints through the hook ---- */

static void sync_displays(struct agent *a, gboolean force);

static void on_layout_applied(GObject *src, GAsyncResult *r, gpointer user)
{
	struct agent *a = user;
	struct layout_result res[HVMLINK_MAX_DISPLAYS];

	hook_apply_layout_finish(r, res);
	a->display_busy = FALSE;
	if (g_cancellable_is_cancelled(a->stopping))
		return;
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS && fd_of(a) >= 0; d++) {
		const struct layout_hint *h = &a->applying.d[d];
		int ret;

		if (!h->present)
			continue;
		if (res[d].ok && h->mode.enabled)
			agent_log(LOG_INFO, "applied display %u %ux%u", d, h->mode.width,
				  h->mode.height);
		else if (res[d].ok)
			agent_log(LOG_INFO, "applied display %u off", d);
		else
			agent_log(LOG_WARNING, "failed display %u %ux%u: %s", d,
				  h->mode.width, h->mode.height, res[d].reason);
		if (res[d].ok)
			a->in_effect[d] = res[d].in_effect;
		/* A failing hint is not retried: the host sends a new seq. */
		a->seq_valid[d] = TRUE;
		a->seq_done[d] = h->seq;
		ret = hvmlink_report_display(fd_of(a), d, res[d].ok ? 0 : -1, h->seq,
					     &a->in_effect[d],
					     res[d].ok ? NULL : res[d].reason);
		if (devconn_lost_if(a->dc, ret))
			break;
		if (ret)
			agent_log(LOG_WARNING, "display %u: report: %s", d, g_strerror(-ret));
	}
	if (a->display_again && fd_of(a) >= 0) {
		gboolean force = a->display_force;

		a->display_again = a->display_force = FALSE;
		sync_displays(a, force);
	}
}

/* Fetch every hint; the new ones (all when @force) go to the hook. */
static void sync_displays(struct agent *a, gboolean force)
{
	struct layout want = { 0 };
	gboolean any = FALSE;

	if (a->display_busy) {
		a->display_again = TRUE;
		a->display_force |= force;
		return;
	}
	for (uint32_t d = 0; d < HVMLINK_MAX_DISPLAYS && fd_of(a) >= 0; d++) {
		struct layout_hint *h = &want.d[d];
		int ret = hvmlink_get_display_hint(fd_of(a), d, &h->mode, &h->seq);

		if (devconn_lost_if(a->dc, ret))
			return;
		if (ret == -ENODATA || ret == -ENOENT)
			continue;	/* no hint for this display */
		if (ret) {
			agent_log(LOG_WARNING, "display %u: get hint: %s", d, g_strerror(-ret));
			continue;
		}
		if (!force && a->seq_valid[d] && a->seq_done[d] == h->seq)
			continue;
		h->present = TRUE;
		any = TRUE;
	}
	if (!any)
		return;
	a->applying = want;
	a->display_busy = TRUE;
	hook_apply_layout_async(a->cfg->display_hook, &want, a->cfg->hook_timeout_s,
				a->stopping, on_layout_applied, a);
}

/* ---- key/value hints ---- */

static void run_kv_hook(struct agent *a);

static void on_kv_hook_done(gboolean ok, const char *reason, void *user)
{
	struct agent *a = user;

	a->kv_hook = NULL;
	if (ok)
		agent_log(LOG_INFO, "kv hook ok");
	else
		agent_log(LOG_WARNING, "kv hook failed: %s", reason);
	if (a->kv_hook_again) {
		a->kv_hook_again = FALSE;
		run_kv_hook(a);
	}
}

static void run_kv_hook(struct agent *a)
{
	char *argv[] = { a->cfg->kv_hook, a->cfg->kv_dir, NULL };
	g_auto(GStrv) env = NULL;

	if (a->kv_hook) {
		a->kv_hook_again = TRUE;	/* once more when it is done */
		return;
	}
	env = g_environ_setenv(g_get_environ(), "HVMLINK_KV_DIR", a->cfg->kv_dir, TRUE);
	a->kv_hook = hook_start(argv, env, a->cfg->hook_timeout_s, on_kv_hook_done, a);
}

static void gstring_free(gpointer s)
{
	g_string_free(s, TRUE);
}

static void sync_kv(struct agent *a)
{
	static char value[HVMLINK_KV_VALUE_MAX + 1];
	g_autoptr(GHashTable) kv = NULL;
	g_autoptr(GError) error = NULL;
	gboolean changed;
	char **keys;
	size_t count, len;
	int ret;

	ret = hvmlink_list_kv(fd_of(a), &keys, &count, NULL);
	if (devconn_lost_if(a->dc, ret))
		return;
	if (ret) {
		agent_log(LOG_WARNING, "kv: list: %s", g_strerror(-ret));
		return;
	}
	kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, gstring_free);
	for (size_t i = 0; i < count; i++) {
		ret = hvmlink_get_kv(fd_of(a), keys[i], value, sizeof(value), &len, NULL);
		if (ret == -ENOENT)
			continue;	/* deleted since the list */
		if (ret)
			break;
		g_hash_table_insert(kv, g_strdup(keys[i]), g_string_new_len(value, len));
	}
	hvmlink_free_keys(keys, count);
	if (devconn_lost_if(a->dc, ret))
		return;
	if (ret && ret != -ENOENT) {
		/* A partial set would delete keys that still exist. */
		agent_log(LOG_WARNING, "kv: get: %s", g_strerror(-ret));
		return;
	}
	if (!kv_dir_sync(a->cfg->kv_dir, kv, &changed, &error)) {
		agent_log(LOG_ERR, "kv: %s", error->message);
		return;
	}
	agent_log(LOG_INFO, "kv synced %u keys%s", g_hash_table_size(kv),
		  changed ? "" : " (unchanged)");
	if (changed && a->cfg->kv_hook)
		run_kv_hook(a);
}

/* ---- heartbeat ---- */

static void configure_heartbeat(struct agent *a);

/* One beat; FALSE when the device is gone (everything is torn down). */
static gboolean beat(struct agent *a)
{
	int ret = hvmlink_heartbeat(fd_of(a));

	if (devconn_lost_if(a->dc, ret))
		return FALSE;
	if (ret)
		agent_log(LOG_WARNING, "heartbeat: %s", g_strerror(-ret));
	return TRUE;
}

static gboolean on_heartbeat(gpointer data)
{
	struct agent *a = data;

	beat(a);
	/* A lost device removed this source already (agent_lost). */
	return a->heartbeat_source ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean on_heartbeat_retry(gpointer data)
{
	struct agent *a = data;

	a->hb_retry_source = 0;
	configure_heartbeat(a);
	return G_SOURCE_REMOVE;
}

/* Ask the host for its interval and beat at half of it.  A failed
 * request is retried with backoff: the host must not see a guest that
 * stopped beating because one request failed. */
static void configure_heartbeat(struct agent *a)
{
	uint64_t interval_ns = 0;
	unsigned int period;
	int ret;

	g_clear_handle_id(&a->heartbeat_source, g_source_remove);
	g_clear_handle_id(&a->hb_retry_source, g_source_remove);
	ret = hvmlink_heartbeat_config(fd_of(a), 1, &interval_ns);
	if (devconn_lost_if(a->dc, ret))
		return;
	if (ret) {
		a->hb_retry_ms = backoff_next(a->hb_retry_ms, a->cfg->retry_min_ms,
					      a->cfg->retry_max_ms);
		agent_log(LOG_WARNING, "heartbeat config: %s (retry in %u ms)",
			  g_strerror(-ret), a->hb_retry_ms);
		a->hb_retry_source = g_timeout_add(a->hb_retry_ms, on_heartbeat_retry, a);
		return;
	}
	a->hb_retry_ms = 0;
	a->hb_enabled = TRUE;
	period = heartbeat_period_ms(interval_ns);
	if (!period) {
		agent_log(LOG_INFO, "heartbeat not wanted by host");
		return;
	}
	agent_log(LOG_INFO, "heartbeat every %u ms", period);
	a->heartbeat_source = g_timeout_add(period, on_heartbeat, a);
	beat(a);
}

/* Orderly stop: tell the host the beats end on purpose, so it shows the
 * heartbeat off rather than late. */
static void stop_heartbeat(struct agent *a)
{
	int ret;

	g_clear_handle_id(&a->heartbeat_source, g_source_remove);
	g_clear_handle_id(&a->hb_retry_source, g_source_remove);
	if (!a->hb_enabled || fd_of(a) < 0)
		return;
	a->hb_enabled = FALSE;
	ret = hvmlink_heartbeat_config(fd_of(a), 0, NULL);
	if (ret)
		agent_log(LOG_WARNING, "heartbeat off: %s", g_strerror(-ret));
	else
		agent_log(LOG_INFO, "heartbeat off");
}

/* ---- time sync ---- */

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void timesync_apply(struct agent *a, int64_t drift)
{
	switch (timesync_decide(drift, a->cfg->timesync,
				(uint64_t)a->cfg->timesync_threshold_ms * 1000000u)) {
	case TIMESYNC_STEP: {
		int64_t now = realtime_ns() + drift;
		struct timespec ts = { now / 1000000000, now % 1000000000 };

		if (clock_settime(CLOCK_REALTIME, &ts))
			agent_log(LOG_WARNING, "timesync: step: %s", g_strerror(errno));
		else
			agent_log(LOG_INFO, "timesync stepped %" G_GINT64_FORMAT " ns", drift);
		break;
	}
	case TIMESYNC_SLEW: {
		struct timeval tv = { drift / 1000000000, (drift % 1000000000) / 1000 };

		if (adjtime(&tv, NULL))
			agent_log(LOG_WARNING, "timesync: slew: %s", g_strerror(errno));
		else
			agent_log(LOG_INFO, "timesync slewing %" G_GINT64_FORMAT " ns", drift);
		break;
	}
	default:
		break;
	}
}

/* One measurement.  Called by the timer and once at connect; never
 * touches the timer's id itself (agent_lost removes the timer when the
 * device goes away, whoever called). */
static void timesync_once(struct agent *a)
{
	int64_t before, after, drift;
	uint64_t host;
	int ret;

	before = realtime_ns();
	ret = hvmlink_get_host_time(fd_of(a), &host);
	after = realtime_ns();
	if (devconn_lost_if(a->dc, ret))
		return;
	if (ret) {
		agent_log(LOG_WARNING, "timesync: %s", g_strerror(-ret));
		return;
	}
	/* The host read its clock somewhere in [before, after]. */
	drift = (int64_t)host - (before + (after - before) / 2);
	agent_log(LOG_INFO, "timesync drift %" G_GINT64_FORMAT " ns", drift);
	timesync_apply(a, drift);
}

static gboolean on_timesync(gpointer data)
{
	struct agent *a = data;

	timesync_once(a);
	return a->timesync_source ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- the device connection ---- */

static uint32_t agent_setup(void *data, int fd, int *err)
{
	struct agent *a = data;
	const struct agent_config *c = a->cfg;
	uint32_t events = HVMLINK_EVENT_RESTORED, caps = 0;

	if (c->display)
		caps |= HVMLINK_GUEST_CAP_DISPLAY;
	if (display_hook_active(a))
		events |= HVMLINK_EVENT_DISPLAY_CHANGE;
	if (c->kv) {
		events |= HVMLINK_EVENT_KV_CHANGE;
		caps |= HVMLINK_GUEST_CAP_KV;
	}
	if (c->heartbeat) {
		events |= HVMLINK_EVENT_HEARTBEAT_REQUEST;
		caps |= HVMLINK_GUEST_CAP_HEARTBEAT;
	}
	if (c->timesync != AGENT_TIMESYNC_OFF)
		caps |= HVMLINK_GUEST_CAP_TIMESYNC;
	*err = hvmlink_set_filter(fd, events, 0, NULL, NULL);
	if (!*err)
		*err = hvmlink_set_caps(fd, caps, 0, NULL, NULL);
	a->caps = caps;
	return *err ? 0 : events;
}

/* Start from the host's current state: events from before we
 * subscribed may already be gone. */
static void agent_connected(void *data, int fd,
			    const struct hvmlink_ioctl_version *v)
{
	struct agent *a = data;

	report_facilities(a, HVMLINK_FACILITY_ACTIVE);
	memset(a->seq_valid, 0, sizeof(a->seq_valid));
	if (fd_of(a) >= 0 && display_hook_active(a))
		sync_displays(a, TRUE);
	if (fd_of(a) >= 0 && a->cfg->kv)
		sync_kv(a);
	if (fd_of(a) >= 0 && a->cfg->heartbeat)
		configure_heartbeat(a);
	if (fd_of(a) >= 0 && a->cfg->timesync != AGENT_TIMESYNC_OFF) {
		a->timesync_source = g_timeout_add_seconds(a->cfg->timesync_interval_s,
							   on_timesync, a);
		timesync_once(a);
	}
}

static void agent_events(void *data, int fd, uint32_t events)
{
	struct agent *a = data;

	if (events & HVMLINK_EVENT_RESTORED) {
		/* Possibly a new device model: tell it everything again and
		 * do not trust sequence numbers from the old one. */
		agent_log(LOG_INFO, "restored");
		report_facilities(a, HVMLINK_FACILITY_ACTIVE);
		if (fd_of(a) >= 0 && display_hook_active(a))
			sync_displays(a, TRUE);
		if (fd_of(a) >= 0 && a->cfg->kv)
			sync_kv(a);
		if (fd_of(a) >= 0 && a->cfg->heartbeat)
			configure_heartbeat(a);
		return;
	}
	if (fd_of(a) >= 0 && (events & HVMLINK_EVENT_DISPLAY_CHANGE))
		sync_displays(a, FALSE);
	if (fd_of(a) >= 0 && (events & HVMLINK_EVENT_KV_CHANGE))
		sync_kv(a);
	if (fd_of(a) >= 0 && (events & HVMLINK_EVENT_HEARTBEAT_REQUEST))
		configure_heartbeat(a);
}

/* Every timer that uses the fd goes with it. */
static void agent_lost(void *data)
{
	struct agent *a = data;

	g_clear_handle_id(&a->heartbeat_source, g_source_remove);
	g_clear_handle_id(&a->hb_retry_source, g_source_remove);
	g_clear_handle_id(&a->timesync_source, g_source_remove);
	a->hb_enabled = FALSE;
	a->hb_retry_ms = 0;
}

static const struct devconn_ops agent_ops = {
	.setup = agent_setup,
	.connected = agent_connected,
	.events = agent_events,
	.lost = agent_lost,
};

static gboolean on_signal(gpointer data)
{
	struct agent *a = data;

	agent_log(LOG_INFO, "stopping");
	g_main_loop_quit(a->loop);
	return G_SOURCE_CONTINUE;
}

int agent_run(struct agent_config *cfg)
{
	struct agent a = { .cfg = cfg };
	guint sigterm, sigint;

	a.loop = g_main_loop_new(NULL, FALSE);
	a.stopping = g_cancellable_new();
	sigterm = g_unix_signal_add(SIGTERM, on_signal, &a);
	sigint = g_unix_signal_add(SIGINT, on_signal, &a);
	agent_log(LOG_INFO, "starting (device %s, kv-dir %s)", cfg->device, cfg->kv_dir);
	a.dc = devconn_new(cfg->device, cfg->retry_min_ms, cfg->retry_max_ms,
			   &agent_ops, &a);
	devconn_start(a.dc);
	g_main_loop_run(a.loop);

	/* Orderly stop: beats off, facilities terminated, hooks killed. */
	g_cancellable_cancel(a.stopping);
	stop_heartbeat(&a);
	if (fd_of(&a) >= 0)
		report_facilities(&a, HVMLINK_FACILITY_TERMINATED);
	hook_cancel(a.kv_hook);
	a.kv_hook = NULL;
	/* A display hook still running is killed; wait for its task. */
	while (a.display_busy)
		g_main_context_iteration(NULL, TRUE);
	agent_lost(&a);
	devconn_free(a.dc);
	g_source_remove(sigterm);
	g_source_remove(sigint);
	g_main_loop_unref(a.loop);
	g_object_unref(a.stopping);
	return 0;
}
