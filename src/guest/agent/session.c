// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * hvmlink-session-agent: display hints applied inside the user's desktop
 * session, as VirtualBox's VBoxClient and open-vm-tools' user vmtoolsd
 * do.  It runs as the session's user (XDG autostart or the systemd user
 * unit), opens /dev/hvmlink-user (udev's uaccess ACL gives the active
 * seat's user access), waits for DISPLAY_CHANGE and applies the host's
 * layout with the session's own credentials: X11 through RandR, GNOME on
 * Wayland through mutter's D-Bus API, or a hook.  Each hint is reported
 * back (REPORT_DISPLAY) applied or failed with a reason.
 *
 * The change itself never blocks the main loop: X11 runs in a worker
 * thread, mutter and the hook are asynchronous; a change that takes
 * longer than apply-timeout is reported failed.  At start, on RESTORED
 * and whenever the X server comes back, the current hints are applied
 * again, so a session that starts later, or an X server restart, ends up
 * in the hinted layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <syslog.h>
#include <unistd.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "guest/agent/agent.h"
#include "guest/agent/devconn.h"
#include "guest/agent/hook.h"
#include "guest/agent/layout.h"
#include "guest/agent/mutter.h"
#include "guest/agent/x11.h"
#include "guest/lib/hvmlink_guest.h"

#define X_RETRY_MIN_MS	200u
#define X_RETRY_MAX_MS	2000u
/* How long an orderly stop waits for a change in progress. */
#define STOP_WAIT_US	(5 * G_USEC_PER_SEC)

struct session {
	struct session_config *cfg;
	GMainLoop *loop;
	int exit_code;
	struct devconn *dc;
	int backend;			/* SESSION_BACKEND_*, never AUTO */
	char *target;			/* ":0", "wayland-0": what we serve */
	int lock_fd;
	/* X11 */
	struct x11_watch *xwatch;
	gboolean x_up;
	gboolean x_ever_up;
	gint64 x_lost_at;		/* monotonic, while down */
	guint x_retry_source;
	unsigned int x_retry_ms;
	/* Wayland */
	GDBusConnection *bus;
	/* the change in progress */
	gboolean busy;
	gboolean again, again_force;	/* hints changed meanwhile */
	guint timeout_source;
	gboolean timed_out;		/* already reported as failed */
	struct layout applying;
	gboolean report[HVMLINK_MAX_DISPLAYS];	/* new seqs of this change */
	gboolean seq_valid[HVMLINK_MAX_DISPLAYS];
	uint64_t seq_done[HVMLINK_MAX_DISPLAYS];
	struct hvmlink_display_mode in_effect[HVMLINK_MAX_DISPLAYS];
};

static const char *const backend_names[] = { "auto", "x11", "mutter", "hook" };

static int fd_of(const struct session *s)
{
	return devconn_fd(s->dc);
}

static void sync_hints(struct session *s, gboolean force);

/* ---- reporting ---- */

static void report(struct session *s, const struct layout_result *res)
{
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++) {
		const struct layout_hint *h = &s->applying.d[d];
		const struct layout_result *r = &res[d];
		int ret;

		if (!h->present || !s->report[d])
			continue;
		s->report[d] = FALSE;
		if (r->ok && h->mode.enabled)
			agent_log(LOG_INFO, "applied display %u %ux%u%+d%+d", d,
				  h->mode.width, h->mode.height, h->mode.x, h->mode.y);
		else if (r->ok)
			agent_log(LOG_INFO, "applied display %u off", d);
		else
			agent_log(LOG_WARNING, "failed display %u %ux%u: %s", d,
				  h->mode.width, h->mode.height, r->reason);
		/* X and mutter read the state back; a hook cannot. */
		if (s->backend != SESSION_BACKEND_HOOK || r->ok)
			s->in_effect[d] = r->in_effect;
		s->seq_valid[d] = TRUE;
		s->seq_done[d] = h->seq;
		if (fd_of(s) < 0)
			continue;	/* reported again after reconnecting */
		ret = hvmlink_report_display(fd_of(s), d, r->ok ? 0 : -1, h->seq,
					     &s->in_effect[d], r->ok ? NULL : r->reason);
		if (devconn_lost_if(s->dc, ret))
			continue;
		if (ret)
			agent_log(LOG_WARNING, "display %u: report: %s", d, g_strerror(-ret));
	}
}

static void apply_done(struct session *s, const struct layout_result *res)
{
	g_clear_handle_id(&s->timeout_source, g_source_remove);
	s->busy = FALSE;
	if (!s->timed_out)
		report(s, res);
	if (s->again) {
		gboolean force = s->again_force;

		s->again = s->again_force = FALSE;
		sync_hints(s, force);
	}
}

static gboolean on_apply_timeout(gpointer user)
{
	struct session *s = user;
	struct layout_result res[HVMLINK_MAX_DISPLAYS];

	s->timeout_source = 0;
	s->timed_out = TRUE;
	memset(res, 0, sizeof(res));
	layout_fail_all(&s->applying, res, "no answer from %s within %u s",
			s->backend == SESSION_BACKEND_X11 ? "the X server" :
			s->backend == SESSION_BACKEND_MUTTER ? "mutter" : "the hook",
			s->cfg->apply_timeout_s);
	for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++)
		res[d].in_effect = s->in_effect[d];
	/* Still busy: hints that come meanwhile wait for it (s->again). */
	report(s, res);
	return G_SOURCE_REMOVE;
}

/* ---- backends ---- */

struct x11_job {
	char *name;
	char **outputs;
	struct layout want;
	struct layout_result res[HVMLINK_MAX_DISPLAYS];
};

static void x11_job_free(gpointer p)
{
	struct x11_job *job = p;

	g_free(job->name);
	g_strfreev(job->outputs);
	g_free(job);
}

static void x11_thread(GTask *task, gpointer src, gpointer data, GCancellable *c)
{
	struct x11_job *job = data;

	x11_apply_layout(job->name, job->outputs, &job->want, job->res);
	g_task_return_boolean(task, TRUE);
}

static void on_x11_done(GObject *src, GAsyncResult *r, gpointer user)
{
	struct x11_job *job = g_task_get_task_data(G_TASK(r));

	apply_done(user, job->res);
}

static void on_mutter_done(GObject *src, GAsyncResult *r, gpointer user)
{
	struct layout_result res[HVMLINK_MAX_DISPLAYS];

	mutter_apply_layout_finish(r, res);
	apply_done(user, res);
}

static void on_hook_done(GObject *src, GAsyncResult *r, gpointer user)
{
	struct layout_result res[HVMLINK_MAX_DISPLAYS];

	hook_apply_layout_finish(r, res);
	apply_done(user, res);
}

static void start_apply(struct session *s, const struct layout *want)
{
	s->applying = *want;
	s->busy = TRUE;
	s->timed_out = FALSE;
	s->timeout_source = g_timeout_add_seconds(s->cfg->apply_timeout_s,
						  on_apply_timeout, s);
	switch (s->backend) {
	case SESSION_BACKEND_X11: {
		GTask *task = g_task_new(NULL, NULL, on_x11_done, s);
		struct x11_job *job = g_new0(struct x11_job, 1);

		job->name = g_strdup(s->target);
		job->outputs = g_strdupv(s->cfg->outputs);
		job->want = *want;
		g_task_set_task_data(task, job, x11_job_free);
		g_task_run_in_thread(task, x11_thread);
		g_object_unref(task);
		break;
	}
	case SESSION_BACKEND_MUTTER:
		mutter_apply_layout_async(s->bus, want, NULL, on_mutter_done, s);
		break;
	default:
		/* The hook's own timeout kills it just before ours fires. */
		hook_apply_layout_async(s->cfg->display_hook, want,
					s->cfg->apply_timeout_s, NULL, on_hook_done, s);
		break;
	}
}

/*
 * Fetch every hint.  X11 and mutter get the whole layout (unchanged
 * displays cost nothing: they are left alone), the hook only the new
 * hints; the new ones (all with @force) are reported.
 */
static void sync_hints(struct session *s, gboolean force)
{
	struct layout want = { 0 };
	gboolean any = FALSE;

	if (s->busy) {
		s->again = TRUE;
		s->again_force |= force;
		return;
	}
	for (uint32_t d = 0; d < HVMLINK_MAX_DISPLAYS && fd_of(s) >= 0; d++) {
		struct layout_hint *h = &want.d[d];
		int ret = hvmlink_get_display_hint(fd_of(s), d, &h->mode, &h->seq);

		s->report[d] = FALSE;
		if (devconn_lost_if(s->dc, ret))
			return;
		if (ret == -ENODATA || ret == -ENOENT)
			continue;
		if (ret) {
			agent_log(LOG_WARNING, "display %u: get hint: %s", d, g_strerror(-ret));
			continue;
		}
		s->report[d] = force || !s->seq_valid[d] || s->seq_done[d] != h->seq;
		h->present = s->report[d] || s->backend != SESSION_BACKEND_HOOK;
		any |= s->report[d];
	}
	if (!any)
		return;
	if (s->backend == SESSION_BACKEND_X11 && !s->x_up) {
		struct layout_result res[HVMLINK_MAX_DISPLAYS];

		/* Reported now, applied when the server is back (forced). */
		memset(res, 0, sizeof(res));
		s->applying = want;
		layout_fail_all(&want, res, "X display %s is not reachable (yet)", s->target);
		for (unsigned int d = 0; d < HVMLINK_MAX_DISPLAYS; d++)
			res[d].in_effect = s->in_effect[d];
		report(s, res);
		return;
	}
	start_apply(s, &want);
}

/* ---- the X server's lifetime ---- */

static void x_try_connect(struct session *s);

static gboolean on_x_retry(gpointer user)
{
	struct session *s = user;

	s->x_retry_source = 0;
	x_try_connect(s);
	return G_SOURCE_REMOVE;
}

static void on_x_lost(void *user)
{
	struct session *s = user;

	x11_watch_free(s->xwatch);
	s->xwatch = NULL;
	s->x_up = FALSE;
	s->x_lost_at = g_get_monotonic_time();
	agent_log(LOG_WARNING, "X display %s went away", s->target);
	x_try_connect(s);
}

static void x_try_connect(struct session *s)
{
	g_autofree char *error = NULL;
	gint64 gone;

	s->xwatch = x11_watch_new(s->target, on_x_lost, s, &error);
	if (s->xwatch) {
		s->x_up = TRUE;
		s->x_retry_ms = 0;
		agent_log(LOG_INFO, "X display %s %s", s->target,
			  s->x_ever_up ? "is back: applying the hints again" : "is up");
		/* Only a server that came back needs the forced re-apply; the
		 * first one gets the hints once the device is connected. */
		if (s->x_ever_up && fd_of(s) >= 0)
			sync_hints(s, TRUE);
		s->x_ever_up = TRUE;
		return;
	}
	gone = (g_get_monotonic_time() - s->x_lost_at) / G_USEC_PER_SEC;
	if (s->cfg->x_wait_s == 0 || gone >= s->cfg->x_wait_s) {
		/* The session is over (or never was): a new session starts
		 * its own agent. */
		agent_log(s->x_ever_up ? LOG_INFO : LOG_ERR, "%s; exiting", error);
		s->exit_code = s->x_ever_up ? 0 : 1;
		g_main_loop_quit(s->loop);
		return;
	}
	s->x_retry_ms = backoff_next(s->x_retry_ms, X_RETRY_MIN_MS, X_RETRY_MAX_MS);
	s->x_retry_source = g_timeout_add(s->x_retry_ms, on_x_retry, s);
}

/* ---- the device ---- */

static uint32_t session_setup(void *data, int fd, int *err)
{
	uint32_t events = HVMLINK_EVENT_DISPLAY_CHANGE | HVMLINK_EVENT_RESTORED;

	/* Capabilities are the system agent's: a user session cannot set
	 * them (and has no need to). */
	*err = hvmlink_set_filter(fd, events, 0, NULL, NULL);
	return *err ? 0 : events;
}

static void report_facility(struct session *s, uint32_t status)
{
	int ret;

	if (fd_of(s) < 0)
		return;
	ret = hvmlink_report_facility(fd_of(s), HVMLINK_FACILITY_DISPLAY, status);
	if (!devconn_lost_if(s->dc, ret) && ret)
		agent_log(LOG_WARNING, "report facility display: %s", g_strerror(-ret));
}

static void session_connected(void *data, int fd,
			      const struct hvmlink_ioctl_version *v)
{
	struct session *s = data;

	report_facility(s, HVMLINK_FACILITY_ACTIVE);
	/* The host's current hints, whatever happened before we came. */
	memset(s->seq_valid, 0, sizeof(s->seq_valid));
	if (fd_of(s) >= 0)
		sync_hints(s, TRUE);
}

static void session_events(void *data, int fd, uint32_t events)
{
	struct session *s = data;

	if (events & HVMLINK_EVENT_RESTORED) {
		agent_log(LOG_INFO, "restored");
		report_facility(s, HVMLINK_FACILITY_ACTIVE);
		if (fd_of(s) >= 0)
			sync_hints(s, TRUE);
		return;
	}
	if (events & HVMLINK_EVENT_DISPLAY_CHANGE)
		sync_hints(s, FALSE);
}

static void session_lost(void *data)
{
}

static const struct devconn_ops session_ops = {
	.setup = session_setup,
	.connected = session_connected,
	.events = session_events,
	.lost = session_lost,
};

/* ---- start and stop ---- */

/* Which backend, and what it serves; FALSE (logged) when there is no
 * graphical session to serve. */
static gboolean pick_backend(struct session *s)
{
	const struct session_config *c = s->cfg;
	const char *wayland = g_getenv("WAYLAND_DISPLAY");
	const char *type = g_getenv("XDG_SESSION_TYPE");
	const char *x = c->x_display ? c->x_display : g_getenv("DISPLAY");
	gboolean on_wayland = (wayland && *wayland) || g_strcmp0(type, "wayland") == 0;

	s->backend = c->backend;
	if (s->backend == SESSION_BACKEND_AUTO) {
		if (on_wayland)
			s->backend = c->display_hook ? SESSION_BACKEND_HOOK
						     : SESSION_BACKEND_MUTTER;
		else if (x && *x)
			s->backend = SESSION_BACKEND_X11;
		else if (c->display_hook)
			s->backend = SESSION_BACKEND_HOOK;
	}
	switch (s->backend) {
	case SESSION_BACKEND_X11:
		if (!x || !*x) {
			agent_log(LOG_ERR, "no X display: DISPLAY is not set");
			return FALSE;
		}
		s->target = g_strdup(x);
		return TRUE;
	case SESSION_BACKEND_MUTTER: {
		g_autoptr(GError) error = NULL;

		s->bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
		if (!s->bus) {
			agent_log(LOG_ERR, "no session bus: %s", error->message);
			return FALSE;
		}
		s->target = g_strdup(wayland && *wayland ? wayland : "wayland");
		return TRUE;
	}
	case SESSION_BACKEND_HOOK:
		s->target = g_strdup(wayland && *wayland ? wayland :
				     x && *x ? x : "hook");
		return TRUE;
	default:
		agent_log(LOG_ERR, "no graphical session: neither WAYLAND_DISPLAY nor DISPLAY is set");
		return FALSE;
	}
}

/* One agent per display: the XDG autostart entry and the systemd user
 * unit may both start one.  TRUE when we hold the lock. */
static gboolean take_lock(struct session *s)
{
	g_autofree char *name = g_strdup(s->target);
	g_autofree char *file = NULL, *path = NULL;

	g_strcanon(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", '_');
	file = g_strdup_printf("hvmlink-session-agent-%s.lock", name);
	path = g_build_filename(g_get_user_runtime_dir(), file, NULL);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		agent_log(LOG_WARNING, "%s: %s (running without the lock)", path,
			  g_strerror(errno));
		return TRUE;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return TRUE;
	agent_log(LOG_INFO, "another hvmlink-session-agent serves %s; exiting", s->target);
	close(s->lock_fd);
	s->lock_fd = -1;
	return FALSE;
}

static gboolean on_signal(gpointer data)
{
	struct session *s = data;

	agent_log(LOG_INFO, "stopping");
	g_main_loop_quit(s->loop);
	return G_SOURCE_CONTINUE;
}

int session_run(struct session_config *cfg)
{
	struct session s = { .cfg = cfg, .lock_fd = -1 };
	guint sig[3];
	gint64 deadline;

	if (!pick_backend(&s)) {
		g_free(s.target);
		g_clear_object(&s.bus);
		return 1;
	}
	if (!take_lock(&s)) {
		g_free(s.target);
		g_clear_object(&s.bus);
		return 0;
	}
	s.loop = g_main_loop_new(NULL, FALSE);
	sig[0] = g_unix_signal_add(SIGTERM, on_signal, &s);
	sig[1] = g_unix_signal_add(SIGINT, on_signal, &s);
	sig[2] = g_unix_signal_add(SIGHUP, on_signal, &s);
	agent_log(LOG_INFO, "starting (device %s, %s backend, %s)", cfg->device,
		  backend_names[s.backend], s.target);
	if (s.backend == SESSION_BACKEND_X11) {
		s.x_lost_at = g_get_monotonic_time();
		x_try_connect(&s);
	}
	s.dc = devconn_new(cfg->device, cfg->retry_min_ms, cfg->retry_max_ms,
			   &session_ops, &s);
	devconn_start(s.dc);
	g_main_loop_run(s.loop);

	/* A change in progress gets a few seconds to finish and report. */
	deadline = g_get_monotonic_time() + STOP_WAIT_US;
	while (s.busy && g_get_monotonic_time() < deadline)
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(10000);
	report_facility(&s, HVMLINK_FACILITY_TERMINATED);
	devconn_free(s.dc);
	x11_watch_free(s.xwatch);
	g_clear_handle_id(&s.x_retry_source, g_source_remove);
	g_clear_handle_id(&s.timeout_source, g_source_remove);
	for (int i = 0; i < 3; i++)
		g_source_remove(sig[i]);
	g_main_loop_unref(s.loop);
	g_clear_object(&s.bus);
	if (s.lock_fd >= 0)
		close(s.lock_fd);
	g_free(s.target);
	return s.exit_code;
}
