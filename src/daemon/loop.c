/* SPDX-License-Identifier: MIT */
/*
 * hvmlinkd's main loop: one thread, one poll() over every source.
 *
 *   the event channel fd   one event per iteration (QEMU's pattern: the
 *                          fd is level-triggered, so what is left wakes
 *                          the next poll at once)
 *   the xenstore fd        at most HVMXS_EVENTS_PER_DISPATCH watch events,
 *                          or, while any are queued, one delivered/ node
 *                          write instead (delivered.c)
 *   a signalfd             SIGTERM, SIGINT (stop), SIGHUP (statistics)
 *   three timerfds         the device's tick, xenstore reconnection, the
 *                          publication rate limit (publish.c)
 *
 * Why not a GLib main loop: an isolated guest request (a guest sends one
 * at a time) must cost no more than the least a device model can do --
 * poll, read the port, unmask, answer, notify: four system calls and a
 * few hundred instructions (tests/bench/ioreq-bench-minimal.c).  A GLib
 * iteration alone costs several times that, and blocking a non-recursive
 * source during its dispatch wakes the loop twice more.  Here an isolated
 * request is one iteration with exactly those four system calls, no
 * allocation and no xenstore I/O (tests/bench/floor-test.sh checks).
 *
 * Bounded work per source per iteration keeps the loop fair: a guest
 * flooding requests delays a hint by at most one request, and an
 * administrator's burst of hints delays a guest request by at most one
 * watch event or one delivered/ write: two xenstored round trips
 * (docs/performance.md, "fairness").
 *
 * The device is single-threaded: every call into it comes from here.
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
#include "ioreq/ioreq.h"
#include "xenstore/hvmxs.h"

uint64_t hvmlinkd_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Arm timerfd fd for the absolute CLOCK_MONOTONIC time deadline_ns;
 * UINT64_MAX disarms it. */
void hvmlinkd_timer_set(struct hvmlinkd *d, enum hvmlinkd_src src,
			uint64_t deadline_ns)
{
	struct itimerspec it = { 0 };

	if (deadline_ns != UINT64_MAX) {
		/* 0 would disarm: a deadline already due fires at once. */
		if (deadline_ns == 0)
			deadline_ns = 1;
		it.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
		it.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
	}
	if (timerfd_settime(d->pfd[src].fd, TFD_TIMER_ABSTIME, &it, NULL) < 0)
		log_err("timerfd_settime: %s", strerror(errno));
}

/* A timer fired: consume its expiration count. */
static void timer_ack(struct hvmlinkd *d, enum hvmlinkd_src src)
{
	uint64_t n;

	(void)!read(d->pfd[src].fd, &n, sizeof(n));
}

/*
 * hvmdev_tick() says when it next wants to run; keep the tick timer armed
 * for that time.  Called after anything that may have moved it earlier (a
 * change the device reported, a hint); a deadline that moved later just
 * makes the timer fire early, and on_tick() re-arms it.
 */
void hvmlinkd_rearm_tick(struct hvmlinkd *d)
{
	uint64_t next = hvmdev_tick(d->dev);

	if (d->stopping)
		next = UINT64_MAX;
	if (next == d->tick_deadline_ns)
		return;
	d->tick_deadline_ns = next;
	hvmlinkd_timer_set(d, HVMLINKD_SRC_TICK, next);
}

static void on_tick(struct hvmlinkd *d)
{
	timer_ack(d, HVMLINKD_SRC_TICK);
	d->tick_deadline_ns = UINT64_MAX;	/* it fired: not armed */
	hvmlinkd_rearm_tick(d);
}

/* While hvmxs is disconnected it wants dispatch() on a timer. */
void hvmlinkd_rearm_xs_retry(struct hvmlinkd *d)
{
	int ms = hvmxs_retry_ms(d->xs);

	if (ms < 0 || d->xs_retry_armed || d->stopping)
		return;
	d->xs_retry_armed = true;
	hvmlinkd_timer_set(d, HVMLINKD_SRC_XS_RETRY,
			   hvmlinkd_monotonic_ns() + (uint64_t)ms * 1000000ull);
}

static void xs_dispatch(struct hvmlinkd *d)
{
	int rc = hvmxs_dispatch(d->xs);

	if (rc < 0)
		log_warn("xenstore: %s", strerror(-rc));
	hvmlinkd_rearm_xs_retry(d);
	/* A hint may have moved the device's next tick. */
	hvmlinkd_rearm_tick(d);
}

static void on_xs_retry(struct hvmlinkd *d)
{
	timer_ack(d, HVMLINKD_SRC_XS_RETRY);
	d->xs_retry_armed = false;
	xs_dispatch(d);
}

static void on_ioreq(struct hvmlinkd *d)
{
	int rc = ioreq_server_handle_pending(d->ioreq);

	if (rc == -ESRCH) {
		/* Xen refuses every call for a domain that is dying. */
		hvmlinkd_stop(d, 0, "domain destroyed (ioreq server gone)");
		d->pfd[HVMLINKD_SRC_IOREQ].fd = -1;
	} else if (rc < 0) {
		hvmlinkd_stop(d, 1, "fatal ioreq error: %s", strerror(-rc));
		d->pfd[HVMLINKD_SRC_IOREQ].fd = -1;
	}
}

static void on_sighup(struct hvmlinkd *d)
{
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
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd < 0) {
		log_err("timerfd_create: %s", strerror(errno));
		return -1;
	}
	d->pfd[src] = (struct pollfd){ .fd = fd, .events = POLLIN };
	return 0;
}

int hvmlinkd_setup_loop(struct hvmlinkd *d)
{
	sigset_t set;
	int fd;

	for (int i = 0; i < HVMLINKD_SRC_COUNT; i++)
		d->pfd[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	d->tick_deadline_ns = UINT64_MAX;
	d->pfd[HVMLINKD_SRC_IOREQ].fd = ioreq_server_fd(d->ioreq);
	d->pfd[HVMLINKD_SRC_XENSTORE].fd = hvmxs_fd(d->xs);

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
	if (timer_new(d, HVMLINKD_SRC_TICK) ||
	    timer_new(d, HVMLINKD_SRC_XS_RETRY) ||
	    timer_new(d, HVMLINKD_SRC_PUBLISH))
		return -1;
	d->loop_ready = true;
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
}

int hvmlinkd_run(struct hvmlinkd *d)
{
	struct pollfd *p = d->pfd;

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
		/* The guest's vCPU waits: its event first.  Most often it
		 * is the only thing that happened, and changed nothing. */
		if (p[HVMLINKD_SRC_IOREQ].revents) {
			on_ioreq(d);
			if (n == 1 && !d->dirty.what)
				continue;
		}
		/* One xenstore job per iteration: a queued write or the
		 * next event.  A hint's event queues one write; a rescan
		 * (start-up, reconnection) one per hint it delivered. */
		if (hvmlinkd_delivered_pending(d))
			hvmlinkd_delivered_write_one(d);
		else if (p[HVMLINKD_SRC_XENSTORE].revents)
			xs_dispatch(d);
		if (p[HVMLINKD_SRC_SIGNAL].revents)
			on_signal(d);
		if (p[HVMLINKD_SRC_TICK].revents)
			on_tick(d);
		if (p[HVMLINKD_SRC_XS_RETRY].revents)
			on_xs_retry(d);
		if (p[HVMLINKD_SRC_PUBLISH].revents) {
			timer_ack(d, HVMLINKD_SRC_PUBLISH);
			hvmlinkd_publish_due(d);
		}
		/* The device reported a change (the guest told it something,
		 * or its heartbeat state moved): its next tick may be sooner,
		 * and the news is published (rate-limited).  Nothing to do,
		 * and no system call, after most requests. */
		if (d->dirty.what) {
			hvmlinkd_rearm_tick(d);
			hvmlinkd_publish_changed(d);
		}
	}
	return d->exit_status;
}

void hvmlinkd_teardown_loop(struct hvmlinkd *d)
{
	if (!d->loop_ready)
		return;
	/* The last word the guest gave us still lands. */
	if (d->dirty.what)
		hvmlinkd_publish_flush(d);
	for (int i = HVMLINKD_SRC_SIGNAL; i < HVMLINKD_SRC_COUNT; i++) {
		if (d->pfd[i].fd >= 0)
			close(d->pfd[i].fd);
		d->pfd[i].fd = -1;
	}
	d->loop_ready = false;
}
