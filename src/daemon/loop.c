/* SPDX-License-Identifier: MIT */
/*
 * The GLib main loop's sources: the event channel fd, the xenstore fd,
 * two timers (device tick, xenstore reconnection) and the signals.  Each
 * callback hands the event to the layer that owns it and then flushes
 * what the device wants published.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib-unix.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "ioreq/ioreq.h"
#include "xenstore/hvmxs.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static gboolean on_tick(gpointer opaque)
{
	struct hvmlinkd *d = opaque;

	d->tick_src = 0;
	d->tick_deadline_ns = UINT64_MAX;
	hvmlinkd_rearm_tick(d);
	hvmlinkd_publish_flush(d);
	return G_SOURCE_REMOVE;
}

/*
 * hvmdev_tick() says when it next wants to run; keep one timer armed for
 * the earliest such time.  Called after anything that may move it.
 */
void hvmlinkd_rearm_tick(struct hvmlinkd *d)
{
	uint64_t next = hvmdev_tick(d->dev), now, ms;

	if (next == d->tick_deadline_ns && (d->tick_src || next == UINT64_MAX))
		return;
	if (d->tick_src)
		g_source_remove(d->tick_src);
	d->tick_src = 0;
	d->tick_deadline_ns = next;
	if (next == UINT64_MAX || d->stopping)
		return;
	now = monotonic_ns();
	ms = next > now ? (next - now + 999999) / 1000000 : 0;
	if (ms > G_MAXUINT)
		ms = G_MAXUINT;
	d->tick_src = g_timeout_add((guint)ms, on_tick, d);
}

static gboolean on_ioreq(gint fd, GIOCondition cond, gpointer opaque)
{
	struct hvmlinkd *d = opaque;
	int rc = ioreq_server_handle_pending(d->ioreq);

	if (rc == -ESRCH) {
		/* Xen refuses every call for a domain that is dying. */
		hvmlinkd_stop(d, 0, "domain destroyed (ioreq server gone)");
		d->ioreq_src = 0;
		return G_SOURCE_REMOVE;
	}
	if (rc < 0) {
		hvmlinkd_stop(d, 1, "fatal ioreq error: %s", strerror(-rc));
		d->ioreq_src = 0;
		return G_SOURCE_REMOVE;
	}
	hvmlinkd_publish_flush(d);
	hvmlinkd_rearm_tick(d);
	return G_SOURCE_CONTINUE;
}

static void xs_dispatch(struct hvmlinkd *d)
{
	int rc = hvmxs_dispatch(d->xs);

	if (rc < 0)
		log_warn("xenstore: %s", strerror(-rc));
	hvmlinkd_rearm_xs_retry(d);
	/* A hint may have raised an event: nothing to publish, but the
	 * device may want its tick sooner. */
	hvmlinkd_publish_flush(d);
	hvmlinkd_rearm_tick(d);
}

static gboolean on_xenstore(gint fd, GIOCondition cond, gpointer opaque)
{
	xs_dispatch(opaque);
	return G_SOURCE_CONTINUE;
}

static gboolean on_xs_retry(gpointer opaque)
{
	struct hvmlinkd *d = opaque;

	d->xs_retry_src = 0;
	xs_dispatch(d);
	return G_SOURCE_REMOVE;
}

/* While hvmxs is disconnected it wants dispatch() on a timer. */
void hvmlinkd_rearm_xs_retry(struct hvmlinkd *d)
{
	int ms = hvmxs_retry_ms(d->xs);

	if (ms < 0 || d->xs_retry_src || d->stopping)
		return;
	d->xs_retry_src = g_timeout_add((guint)ms, on_xs_retry, d);
}

static gboolean on_sigterm(gpointer opaque)
{
	hvmlinkd_stop(opaque, 0, "SIGTERM received");
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigint(gpointer opaque)
{
	hvmlinkd_stop(opaque, 0, "SIGINT received");
	return G_SOURCE_CONTINUE;
}

static gboolean on_sighup(gpointer opaque)
{
	struct hvmlinkd *d = opaque;
	struct hvmdev_stats st;

	hvmdev_get_stats(d->dev, &st);
	log_notice("SIGHUP: pending 0x%x filter 0x%x, %llu requests (%llu failed, %llu unreadable), %llu interrupt changes, %llu MSIs, %llu BAR map failures, xenstore %s",
		   hvmdev_get_pending(d->dev), hvmdev_get_filter(d->dev),
		   (unsigned long long)st.requests,
		   (unsigned long long)st.request_errors,
		   (unsigned long long)st.no_request,
		   (unsigned long long)st.intx_changes,
		   (unsigned long long)st.msi_sent,
		   (unsigned long long)st.map_failures,
		   hvmxs_connected(d->xs) ? "connected" : "disconnected");
	return G_SOURCE_CONTINUE;
}

int hvmlinkd_setup_loop(struct hvmlinkd *d)
{
	sigset_t set;

	d->loop = g_main_loop_new(NULL, FALSE);
	d->tick_deadline_ns = UINT64_MAX;
	d->ioreq_src = g_unix_fd_add(ioreq_server_fd(d->ioreq),
				     G_IO_IN | G_IO_ERR | G_IO_HUP, on_ioreq,
				     d);
	d->xs_src = g_unix_fd_add(hvmxs_fd(d->xs),
				  G_IO_IN | G_IO_ERR | G_IO_HUP, on_xenstore,
				  d);
	d->signal_src[0] = g_unix_signal_add(SIGTERM, on_sigterm, d);
	d->signal_src[1] = g_unix_signal_add(SIGINT, on_sigint, d);
	d->signal_src[2] = g_unix_signal_add(SIGHUP, on_sighup, d);

	/* main() blocked these until the handlers existed: let them in. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) {
		log_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	hvmlinkd_rearm_tick(d);
	return 0;
}

void hvmlinkd_stop(struct hvmlinkd *d, int status, const char *why, ...)
{
	va_list ap;
	char msg[256];

	if (d->stopping)
		return;
	va_start(ap, why);
	vsnprintf(msg, sizeof(msg), why, ap);
	va_end(ap);
	d->stopping = true;
	d->exit_status = status;
	log_msg(status ? LOG_LVL_ERR : LOG_LVL_NOTICE, "stopping: %s", msg);
	if (d->loop)
		g_main_loop_quit(d->loop);
}

int hvmlinkd_run(struct hvmlinkd *d)
{
	/* Hints written before we came up: the xenstore fd is readable. */
	if (!d->stopping)
		g_main_loop_run(d->loop);
	return d->exit_status;
}

static void remove_source(guint *id)
{
	if (*id)
		g_source_remove(*id);
	*id = 0;
}

void hvmlinkd_teardown_loop(struct hvmlinkd *d)
{
	remove_source(&d->ioreq_src);
	remove_source(&d->xs_src);
	remove_source(&d->xs_retry_src);
	remove_source(&d->tick_src);
	for (unsigned int i = 0; i < G_N_ELEMENTS(d->signal_src); i++)
		remove_source(&d->signal_src[i]);
	g_clear_pointer(&d->loop, g_main_loop_unref);
}
