/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkd's main loop: one poll() over the sources that are not the
 * guest's (the device thread serves those: devthread.c).
 *
 *   the news eventfd       the device thread has something to publish,
 *                          or asks to stop
 *   the xenstore fd        at most HVMXS_EVENTS_PER_DISPATCH watch events,
 *                          or, while any are queued, one delivered/ node
 *                          write instead (delivered.c)
 *   a signalfd             SIGTERM, SIGINT (stop), SIGHUP (statistics)
 *   two timerfds           xenstore reconnection, the publication rate
 *                          limit (publish.c)
 *
 * Everything slow happens here: xenstore round trips, which take
 * milliseconds while an administrator floods xenstored.  None of it holds
 * a guest's vCPU: the device thread answers the guest meanwhile, and a
 * hint costs it one short call (hvmlinkd_on_device).  Bounded work per
 * source per iteration keeps this loop fair too: a burst of hints delays
 * a publication or a signal by at most one watch event or one delivered/
 * write (docs/performance.md, "fairness").
 *
 * Why not a GLib main loop: an iteration alone costs several times what
 * the least a device model does per guest access, and this loop used to
 * serve the guest.  It stays a plain poll() loop, which costs nothing
 * while idle.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "xenstore/hvmxs.h"

uint64_t hvmlinkd_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Arm timerfd fd for the absolute CLOCK_MONOTONIC time deadline_ns;
 * UINT64_MAX disarms it. */
void hvmlinkd_timer_set(int fd, uint64_t deadline_ns)
{
	struct itimerspec it = { 0 };

	if (deadline_ns != UINT64_MAX) {
		/* 0 would disarm: a deadline already due fires at once. */
		if (deadline_ns == 0)
			deadline_ns = 1;
		it.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
		it.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
	}
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, NULL) < 0)
		log_err("timerfd_settime: %s", strerror(errno));
}

/* A timer fired: consume its expiration count. */
void hvmlinkd_timer_ack(int fd)
{
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
}

int hvmlinkd_timer_new(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd < 0)
		log_err("timerfd_create: %s", strerror(errno));
	return fd;
}

/* While hvmxs is disconnected it wants dispatch() on a timer. */
void hvmlinkd_rearm_xs_retry(struct hvmlinkd *d)
{
	int ms = hvmxs_retry_ms(d->xs);

	if (ms < 0 || d->xs_retry_armed || d->stopping)
		return;
	d->xs_retry_armed = true;
	hvmlinkd_timer_set(d->pfd[HVMLINKD_SRC_XS_RETRY].fd,
			   hvmlinkd_monotonic_ns() + (uint64_t)ms * 1000000ull);
}

static void xs_dispatch(struct hvmlinkd *d)
{
	int rc = hvmxs_dispatch(d->xs);

	if (rc < 0)
		log_warn("xenstore: %s", strerror(-rc));
	hvmlinkd_rearm_xs_retry(d);
}

static void on_xs_retry(struct hvmlinkd *d)
{
	hvmlinkd_timer_ack(d->pfd[HVMLINKD_SRC_XS_RETRY].fd);
	d->xs_retry_armed = false;
	xs_dispatch(d);
}

/* The device thread has news: a stop it asks for, or a change to
 * publish (now, or when the rate limit allows). */
static void on_news(struct hvmlinkd *d)
{
	char why[sizeof(d->devt.stop_why)];
	int status;

	if (hvmlinkd_devthread_news(d, &status, why, sizeof(why)))
		hvmlinkd_stop(d, status, "%s", why);
	hvmlinkd_publish_changed(d);
}

struct sighup_stats {
	struct hvmdev_stats st;
	uint32_t pending, filter;
};

static void get_stats_fn(struct hvmlinkd *d, void *arg)
{
	struct sighup_stats *s = arg;

	hvmdev_get_stats(d->dev, &s->st);
	s->pending = hvmdev_get_pending(d->dev);
	s->filter = hvmdev_get_filter(d->dev);
}

static void on_sighup(struct hvmlinkd *d)
{
	struct sighup_stats s;
	const struct hvmdev_stats *st = &s.st;

	hvmlinkd_on_device(d, get_stats_fn, &s);
	log_notice("SIGHUP: pending 0x%x filter 0x%x, %llu requests (%llu failed, %llu unreadable), %llu interrupt changes, %llu MSIs, %llu BAR map failures, xenstore %s",
		   s.pending, s.filter,
		   (unsigned long long)st->requests,
		   (unsigned long long)st->request_errors,
		   (unsigned long long)st->no_request,
		   (unsigned long long)st->intx_changes,
		   (unsigned long long)st->msi_sent,
		   (unsigned long long)st->map_failures,
		   hvmxs_connected(d->xs) ? "connected" : "disconnected");
}

static void on_signal(struct hvmlinkd *d)
{
	struct signalfd_siginfo si;

	while (read(d->pfd[HVMLINKD_SRC_SIGNAL].fd, &si, sizeof(si)) ==
	       (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
			hvmlinkd_stop(d, 0, "SIGTERM received");
			break;
		case SIGINT:
			hvmlinkd_stop(d, 0, "SIGINT received");
			break;
		case SIGHUP:
			on_sighup(d);
			break;
		}
	}
}

static int timer_new(struct hvmlinkd *d, enum hvmlinkd_src src)
{
	int fd = hvmlinkd_timer_new();

	d->pfd[src] = (struct pollfd){ .fd = fd, .events = POLLIN };
	return fd < 0 ? -1 : 0;
}

int hvmlinkd_setup_loop(struct hvmlinkd *d)
{
	sigset_t set;
	int fd;

	for (int i = 0; i < HVMLINKD_SRC_COUNT; i++)
		d->pfd[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	d->pfd[HVMLINKD_SRC_XENSTORE].fd = hvmxs_fd(d->xs);
	d->loop_ready = true;	/* teardown closes what was made */
	if (hvmlinkd_devthread_init(d))
		return -1;
	d->pfd[HVMLINKD_SRC_NEWS].fd = d->devt.news_fd;

	/* main() blocked the stop signals before building anything; they
	 * stay blocked and arrive here, between two iterations, so a signal
	 * never interrupts a request half-served. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		log_err("sigprocmask: %s", strerror(errno));
		return -1;
	}
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return -1;
	}
	d->pfd[HVMLINKD_SRC_SIGNAL].fd = fd;
	if (timer_new(d, HVMLINKD_SRC_XS_RETRY) ||
	    timer_new(d, HVMLINKD_SRC_PUBLISH))
		return -1;
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
}

int hvmlinkd_run(struct hvmlinkd *d)
{
	struct pollfd *p = d->pfd;

	if (hvmlinkd_devthread_start(d))
		return 1;
	/* Hints written before we came up: the xenstore fd is readable. */
	while (!d->stopping) {
		/* Queued delivered/ writes: look, but do not sleep. */
		int n = poll(p, HVMLINKD_SRC_COUNT,
			     hvmlinkd_delivered_pending(d) ? 0 : -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			hvmlinkd_stop(d, 1, "poll: %s", strerror(errno));
			break;
		}
		if (p[HVMLINKD_SRC_NEWS].revents)
			on_news(d);
		/* One xenstore job per iteration: a queued write or the
		 * next event.  A hint's event queues one write; a rescan
		 * (start-up, reconnection) one per hint it delivered. */
		if (hvmlinkd_delivered_pending(d))
			hvmlinkd_delivered_write_one(d);
		else if (p[HVMLINKD_SRC_XENSTORE].revents)
			xs_dispatch(d);
		if (p[HVMLINKD_SRC_SIGNAL].revents)
			on_signal(d);
		if (p[HVMLINKD_SRC_XS_RETRY].revents)
			on_xs_retry(d);
		if (p[HVMLINKD_SRC_PUBLISH].revents) {
			hvmlinkd_timer_ack(p[HVMLINKD_SRC_PUBLISH].fd);
			hvmlinkd_publish_due(d);
		}
	}
	return d->exit_status;
}

void hvmlinkd_teardown_loop(struct hvmlinkd *d)
{
	if (!d->loop_ready)
		return;
	/* The device is the main thread's again. */
	hvmlinkd_devthread_stop(d);
	/* The last word the guest gave us still lands. */
	hvmlinkd_publish_flush(d);
	/* The news fd is the device thread's. */
	for (int i = HVMLINKD_SRC_SIGNAL; i < HVMLINKD_SRC_COUNT; i++) {
		if (d->pfd[i].fd >= 0)
			close(d->pfd[i].fd);
		d->pfd[i].fd = -1;
	}
	hvmlinkd_devthread_fini(d);
	d->loop_ready = false;
}
