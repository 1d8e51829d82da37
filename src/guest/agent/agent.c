// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink-agent main loop: connect to /dev/hvmlink (retrying with
 * backoff), subscribe, and turn events into actions.  The device fd is a
 * GLib source: the driver's poll() says when the session has events.
 *
 * Log lines the e2e test greps (stable, see hvmlink-agent(8)):
 *   "connected to ...", "applied display N WxH", "failed display N ...",
 *   "kv synced N keys", "heartbeat every N ms", "device lost ...".
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <glib-unix.h>

#include "guest/agent/agent.h"
#include "guest/lib/hvmlink_guest.h"

struct agent {
	struct agent_config *cfg;
	GMainLoop *loop;
	int fd;				/* -1 while disconnected */
	guint fd_source;
	guint retry_source;
	unsigned int retry_ms;
	int last_open_error;		/* log a repeated error once */
	guint heartbeat_source;
	guint timesync_source;
	uint32_t events;		/* the session filter */
	gboolean seq_valid[HVMLINK_MAX_DISPLAYS];
	uint64_t seq_done[HVMLINK_MAX_DISPLAYS];	/* applied or failed */
	/* What each display shows as far as the agent knows: the last mode
	 * it applied, all zero (off/unknown) before that.  REPORT_DISPLAY
	 * carries it, also after a failure. */
	struct hvmlink_display_mode in_effect[HVMLINK_MAX_DISPLAYS];
};

static void agent_schedule_connect(struct agent *a);

/* Facilities this configuration runs, besides the agent itself. */
static void agent_report_facilities(struct agent *a, uint32_t status)
{
	const struct agent_config *c = a->cfg;
	uint32_t f[4];
	size_t n = 0;

	f[n++] = HVMLINK_FACILITY_AGENT;
	if (c->display)
		f[n++] = HVMLINK_FACILITY_DISPLAY;
	if (c->kv)
		f[n++] = HVMLINK_FACILITY_KV;
	if (c->timesync != AGENT_TIMESYNC_OFF)
		f[n++] = HVMLINK_FACILITY_TIMESYNC;
	for (size_t i = 0; i < n; i++) {
		int ret = hvmlink_report_facility(a->fd, f[i], status);

		if (ret)
			agent_log(LOG_WARNING, "report facility %u: %s", f[i], g_strerror(-ret));
	}
}

static void agent_disconnect(struct agent *a, const char *why)
{
	g_clear_handle_id(&a->fd_source, g_source_remove);
	g_clear_handle_id(&a->heartbeat_source, g_source_remove);
	g_clear_handle_id(&a->timesync_source, g_source_remove);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	agent_log(LOG_WARNING, "device lost (%s), reconnecting", why);
	agent_schedule_connect(a);
}

/* -ENODEV from any request: the module or the device went away. */
static gboolean agent_check_lost(struct agent *a, int ret)
{
	if (ret != -ENODEV)
		return FALSE;
	agent_disconnect(a, g_strerror(-ret));
	return TRUE;
}

/* ---- display hints ---- */

static gboolean hint_valid(const struct hvmlink_display_mode *m)
{
	if (m->enabled > 1)
		return FALSE;
	if (!m->enabled)
		return TRUE;
	return m->width >= 1 && m->width <= 16384 && m->height >= 1 &&
	       m->height <= 16384 && (m->bpp == 0 || m->bpp == 8 ||
	       m->bpp == 16 || m->bpp == 24 || m->bpp == 32);
}

static const char *x_display(const struct agent *a)
{
	const char *env = g_getenv("DISPLAY");

	if (a->cfg->xrandr_display)
		return a->cfg->xrandr_display;
	return env && *env ? env : NULL;
}

/* Name of the d-th connected output, from xrandr --query. */
static char *xrandr_output(const char *xdisp, uint32_t d, char **reason)
{
	const char *argv[] = { "xrandr", "--display", xdisp, "--query", NULL };
	g_autofree char *out = NULL, *err = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) outputs = NULL;
	int status;

	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
			  NULL, &out, &err, &status, &error)) {
		*reason = g_strdup_printf("cannot run xrandr: %s", error->message);
		return NULL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*reason = display_failure_reason(status, err);
		return NULL;
	}
	outputs = display_parse_xrandr_outputs(out);
	if (d >= outputs->len) {
		*reason = g_strdup_printf("no connected output for display %u", d);
		return NULL;
	}
	return g_strdup(g_ptr_array_index(outputs, d));
}

/* Apply one hint; TRUE when applied, else *reason. */
static gboolean apply_display(struct agent *a, uint32_t d,
			      const struct hvmlink_display_mode *m,
			      uint64_t seq, char **reason)
{
	g_auto(GStrv) argv = NULL, env = NULL, base = NULL;
	g_autofree char *output = NULL;
	const char *xdisp = x_display(a);
	g_autofree char *xrandr = NULL;

	if (!hint_valid(m)) {
		*reason = g_strdup("invalid hint");
		return FALSE;
	}
	if (a->cfg->display_hook) {
		argv = display_hook_argv(a->cfg->display_hook, d, m, seq);
		base = g_get_environ();
		env = display_hook_env(base, d, m, seq);
		return display_run(argv, env, reason);
	}
	xrandr = g_find_program_in_path("xrandr");
	if (!xdisp || !xrandr) {
		*reason = g_strdup("no X display and no display-hook configured");
		return FALSE;
	}
	output = xrandr_output(xdisp, d, reason);
	if (!output)
		return FALSE;
	argv = display_xrandr_argv(xdisp, output, m);
	return display_run(argv, NULL, reason);
}

static void sync_displays(struct agent *a, gboolean force)
{
	for (uint32_t d = 0; d < HVMLINK_MAX_DISPLAYS && a->fd >= 0; d++) {
		struct hvmlink_display_mode m;
		g_autofree char *reason = NULL;
		uint64_t seq;
		gboolean ok;
		int ret;

		ret = hvmlink_get_display_hint(a->fd, d, &m, &seq);
		if (agent_check_lost(a, ret))
			return;
		if (ret == -ENODATA || ret == -ENOENT)
			continue;	/* no hint for this display */
		if (ret) {
			agent_log(LOG_WARNING, "display %u: get hint: %s", d, g_strerror(-ret));
			continue;
		}
		if (!force && a->seq_valid[d] && a->seq_done[d] == seq)
			continue;

		ok = apply_display(a, d, &m, seq, &reason);
		if (ok && m.enabled)
			agent_log(LOG_INFO, "applied display %u %ux%u", d, m.width, m.height);
		else if (ok)
			agent_log(LOG_INFO, "applied display %u off", d);
		else
			agent_log(LOG_WARNING, "failed display %u %ux%u: %s", d,
				  m.width, m.height, reason);
		/* A failing hint is not retried: the host sends a new seq. */
		a->seq_valid[d] = TRUE;
		a->seq_done[d] = seq;
		if (ok) {
			a->in_effect[d] = m;
			if (!m.enabled)
				memset(&a->in_effect[d], 0, sizeof(a->in_effect[d]));
		}
		ret = hvmlink_report_display(a->fd, d, ok ? 0 : -1, seq,
					     &a->in_effect[d], reason);
		if (agent_check_lost(a, ret))
			return;
		if (ret)
			agent_log(LOG_WARNING, "display %u: report: %s", d, g_strerror(-ret));
	}
}

/* ---- key/value hints ---- */

static void run_kv_hook(struct agent *a)
{
	const char *argv[] = { a->cfg->kv_hook, a->cfg->kv_dir, NULL };
	g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "HVMLINK_KV_DIR",
					     a->cfg->kv_dir, TRUE);
	g_autofree char *reason = NULL;

	if (display_run((GStrv)argv, env, &reason))
		agent_log(LOG_INFO, "kv hook ok");
	else
		agent_log(LOG_WARNING, "kv hook failed: %s", reason);
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

	ret = hvmlink_list_kv(a->fd, &keys, &count, NULL);
	if (agent_check_lost(a, ret))
		return;
	if (ret) {
		agent_log(LOG_WARNING, "kv: list: %s", g_strerror(-ret));
		return;
	}
	kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, gstring_free);
	for (size_t i = 0; i < count; i++) {
		ret = hvmlink_get_kv(a->fd, keys[i], value, sizeof(value), &len, NULL);
		if (ret == -ENOENT)
			continue;	/* deleted since the list */
		if (ret)
			break;
		g_hash_table_insert(kv, g_strdup(keys[i]), g_string_new_len(value, len));
	}
	hvmlink_free_keys(keys, count);
	if (agent_check_lost(a, ret))
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

static gboolean on_heartbeat(gpointer data)
{
	struct agent *a = data;
	int ret = hvmlink_heartbeat(a->fd);

	if (ret == -ENODEV) {
		a->heartbeat_source = 0;
		agent_disconnect(a, g_strerror(-ret));
		return G_SOURCE_REMOVE;
	}
	if (ret)
		agent_log(LOG_WARNING, "heartbeat: %s", g_strerror(-ret));
	return G_SOURCE_CONTINUE;
}

static void configure_heartbeat(struct agent *a)
{
	uint64_t interval_ns = 0;
	unsigned int period;
	int ret;

	g_clear_handle_id(&a->heartbeat_source, g_source_remove);
	ret = hvmlink_heartbeat_config(a->fd, 1, &interval_ns);
	if (agent_check_lost(a, ret))
		return;
	if (ret) {
		agent_log(LOG_WARNING, "heartbeat config: %s", g_strerror(-ret));
		return;
	}
	period = heartbeat_period_ms(interval_ns);
	if (!period) {
		agent_log(LOG_INFO, "heartbeat not wanted by host");
		return;
	}
	agent_log(LOG_INFO, "heartbeat every %u ms", period);
	a->heartbeat_source = g_timeout_add(period, on_heartbeat, a);
	hvmlink_heartbeat(a->fd);
}

/* ---- time sync ---- */

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gboolean on_timesync(gpointer data)
{
	struct agent *a = data;
	int64_t before, after, drift;
	uint64_t host;
	int ret;

	before = realtime_ns();
	ret = hvmlink_get_host_time(a->fd, &host);
	after = realtime_ns();
	if (ret == -ENODEV) {
		a->timesync_source = 0;
		agent_disconnect(a, g_strerror(-ret));
		return G_SOURCE_REMOVE;
	}
	if (ret) {
		agent_log(LOG_WARNING, "timesync: %s", g_strerror(-ret));
		return G_SOURCE_CONTINUE;
	}
	/* The host read its clock somewhere in [before, after]. */
	drift = (int64_t)host - (before + (after - before) / 2);
	agent_log(LOG_INFO, "timesync drift %" G_GINT64_FORMAT " ns", drift);

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
	return G_SOURCE_CONTINUE;
}

/* ---- events ---- */

static void handle_events(struct agent *a, uint32_t events)
{
	agent_log(LOG_DEBUG, "events 0x%x", events);
	if (events & HVMLINK_EVENT_RESTORED) {
		/* Possibly a new device model: tell it everything again and
		 * do not trust sequence numbers from the old one. */
		agent_log(LOG_INFO, "restored");
		agent_report_facilities(a, HVMLINK_FACILITY_ACTIVE);
		if (a->cfg->display)
			sync_displays(a, TRUE);
		if (a->fd >= 0 && a->cfg->kv)
			sync_kv(a);
		if (a->fd >= 0 && a->cfg->heartbeat)
			configure_heartbeat(a);
		return;
	}
	if (a->fd >= 0 && (events & HVMLINK_EVENT_DISPLAY_CHANGE))
		sync_displays(a, FALSE);
	if (a->fd >= 0 && (events & HVMLINK_EVENT_KV_CHANGE))
		sync_kv(a);
	if (a->fd >= 0 && (events & HVMLINK_EVENT_HEARTBEAT_REQUEST))
		configure_heartbeat(a);
}

static gboolean on_device(gint fd, GIOCondition cond, gpointer data)
{
	struct agent *a = data;
	uint32_t events;
	int ret;

	if (cond & (G_IO_HUP | G_IO_ERR)) {
		a->fd_source = 0;
		agent_disconnect(a, "hang-up");
		return G_SOURCE_REMOVE;
	}
	ret = hvmlink_wait_events(fd, a->events, 0, &events);
	if (ret == -ENODEV) {
		a->fd_source = 0;
		agent_disconnect(a, g_strerror(-ret));
		return G_SOURCE_REMOVE;
	}
	if (ret == -ETIMEDOUT || ret == -EINTR)
		return G_SOURCE_CONTINUE;
	if (ret) {
		agent_log(LOG_WARNING, "wait events: %s", g_strerror(-ret));
		return G_SOURCE_CONTINUE;
	}
	handle_events(a, events);
	/* handle_events() may have disconnected (and removed this source). */
	return a->fd == fd ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- connection ---- */

static int agent_subscribe(struct agent *a)
{
	const struct agent_config *c = a->cfg;
	uint32_t caps = 0;
	int ret;

	a->events = HVMLINK_EVENT_RESTORED;
	if (c->display) {
		a->events |= HVMLINK_EVENT_DISPLAY_CHANGE;
		caps |= HVMLINK_GUEST_CAP_DISPLAY;
	}
	if (c->kv) {
		a->events |= HVMLINK_EVENT_KV_CHANGE;
		caps |= HVMLINK_GUEST_CAP_KV;
	}
	if (c->heartbeat) {
		a->events |= HVMLINK_EVENT_HEARTBEAT_REQUEST;
		caps |= HVMLINK_GUEST_CAP_HEARTBEAT;
	}
	if (c->timesync != AGENT_TIMESYNC_OFF)
		caps |= HVMLINK_GUEST_CAP_TIMESYNC;
	ret = hvmlink_set_filter(a->fd, a->events, 0, NULL, NULL);
	if (!ret)
		ret = hvmlink_set_caps(a->fd, caps, 0, NULL, NULL);
	return ret;
}

static gboolean agent_try_connect(struct agent *a)
{
	struct hvmlink_ioctl_version v;
	int fd, ret;

	fd = hvmlink_open(a->cfg->device);
	if (fd < 0) {
		if (fd != a->last_open_error)
			agent_log(LOG_WARNING, "waiting for %s: %s", a->cfg->device,
				  g_strerror(-fd));
		a->last_open_error = fd;
		return FALSE;
	}
	ret = hvmlink_get_version(fd, &v);
	if (!ret && (v.interface_version >> 16) != HVMLINK_IOCTL_VERSION_MAJOR)
		ret = -EPROTO;
	a->fd = fd;
	if (!ret)
		ret = agent_subscribe(a);
	if (ret) {
		agent_log(LOG_ERR, "%s: setup: %s", a->cfg->device, g_strerror(-ret));
		close(fd);
		a->fd = -1;
		a->last_open_error = ret;
		return FALSE;
	}
	a->last_open_error = 0;
	a->retry_ms = 0;
	agent_log(LOG_INFO, "connected to %s (protocol %u.%u, driver %u.%u.%u, host %u.%u)",
		  a->cfg->device, v.protocol_version >> 16, v.protocol_version & 0xffff,
		  v.driver_version >> 16, (v.driver_version >> 8) & 0xff,
		  v.driver_version & 0xff, v.host_major, v.host_minor);
	agent_report_facilities(a, HVMLINK_FACILITY_ACTIVE);
	a->fd_source = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_device, a);

	/* Events from before we subscribed may be gone: start from the
	 * host's current state rather than from events. */
	memset(a->seq_valid, 0, sizeof(a->seq_valid));
	if (a->cfg->display)
		sync_displays(a, TRUE);
	if (a->fd >= 0 && a->cfg->kv)
		sync_kv(a);
	if (a->fd >= 0 && a->cfg->heartbeat)
		configure_heartbeat(a);
	if (a->fd >= 0 && a->cfg->timesync != AGENT_TIMESYNC_OFF) {
		a->timesync_source = g_timeout_add_seconds(a->cfg->timesync_interval_s,
							   on_timesync, a);
		on_timesync(a);
	}
	return TRUE;
}

static gboolean on_retry(gpointer data)
{
	struct agent *a = data;

	a->retry_source = 0;
	if (!agent_try_connect(a))
		agent_schedule_connect(a);
	return G_SOURCE_REMOVE;
}

static void agent_schedule_connect(struct agent *a)
{
	if (a->retry_source)
		return;
	a->retry_ms = backoff_next(a->retry_ms, a->cfg->retry_min_ms, a->cfg->retry_max_ms);
	agent_log(LOG_DEBUG, "retry in %u ms", a->retry_ms);
	a->retry_source = g_timeout_add(a->retry_ms, on_retry, a);
}

static gboolean on_signal(gpointer data)
{
	struct agent *a = data;

	agent_log(LOG_INFO, "stopping");
	g_main_loop_quit(a->loop);
	return G_SOURCE_CONTINUE;
}

int agent_run(struct agent_config *cfg)
{
	struct agent a = { .cfg = cfg, .fd = -1 };
	guint sigterm, sigint;

	a.loop = g_main_loop_new(NULL, FALSE);
	sigterm = g_unix_signal_add(SIGTERM, on_signal, &a);
	sigint = g_unix_signal_add(SIGINT, on_signal, &a);
	agent_log(LOG_INFO, "starting (device %s, kv-dir %s)", cfg->device, cfg->kv_dir);
	if (!agent_try_connect(&a))
		agent_schedule_connect(&a);
	g_main_loop_run(a.loop);

	if (a.fd >= 0) {
		agent_report_facilities(&a, HVMLINK_FACILITY_TERMINATED);
		close(a.fd);
	}
	g_clear_handle_id(&a.fd_source, g_source_remove);
	g_clear_handle_id(&a.retry_source, g_source_remove);
	g_clear_handle_id(&a.heartbeat_source, g_source_remove);
	g_clear_handle_id(&a.timesync_source, g_source_remove);
	g_source_remove(sigterm);
	g_source_remove(sigint);
	g_main_loop_unref(a.loop);
	return 0;
}
