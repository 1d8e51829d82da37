/* SPDX-License-Identifier: MIT */
/*
 * The device thread: the guest's side of hvmlinkd.  It owns the ioreq
 * server and the device; every call into either is made here, so the
 * device layer stays single-threaded without a lock on its path.
 *
 * Why a thread of its own: a guest's vCPU waits, stopped, for every
 * access it makes to the device.  On a single loop, that wait included
 * whatever the loop was doing when the event came -- most often a
 * xenstore round trip (a hint's value, its permissions, a publication),
 * which takes milliseconds while an administrator floods xenstored.  Here
 * the loop polls only the event channel, the main thread's calls and the
 * device's tick, and nothing it does blocks on another process: an
 * isolated access is poll, the pending port, the answer, unmask, notify
 * -- the minimal device model's four system calls
 * (tests/bench/ioreq-bench-minimal.c) -- with no lock taken.
 *
 * The main thread reaches the device only through hvmlinkd_on_device(): a
 * call it waits for (hints, statistics, what to publish).  The device
 * thread tells the main thread through the news eventfd when there is
 * something to publish or when it must stop; it never waits for the main
 * thread, so the two cannot deadlock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/hvmlinkd.h"
#include "ioreq/ioreq.h"

static int eventfd_new(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0)
		log_err("eventfd: %s", strerror(errno));
	return fd;
}

static void eventfd_kick(int fd)
{
	uint64_t one = 1;

	/* Only EAGAIN (the counter is full: already readable) can fail. */
	(void)!write(fd, &one, sizeof(one));
}

int hvmlinkd_devthread_init(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;

	for (int i = 0; i < HVMLINKD_DEV_COUNT; i++)
		t->pfd[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
	t->news_fd = -1;
	t->tick_deadline_ns = UINT64_MAX;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->done_cond, NULL);
	t->pfd[HVMLINKD_DEV_IOREQ].fd = ioreq_server_fd(d->ioreq);
	t->pfd[HVMLINKD_DEV_CALL].fd = eventfd_new();
	t->pfd[HVMLINKD_DEV_TICK].fd = hvmlinkd_timer_new();
	t->news_fd = eventfd_new();
	if (t->pfd[HVMLINKD_DEV_CALL].fd < 0 ||
	    t->pfd[HVMLINKD_DEV_TICK].fd < 0 || t->news_fd < 0)
		return -1;
	hvmlinkd_rearm_tick(d);
	return 0;
}

void hvmlinkd_devthread_fini(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;

	/* The ioreq fd is the server's. */
	for (int i = HVMLINKD_DEV_CALL; i < HVMLINKD_DEV_COUNT; i++) {
		if (t->pfd[i].fd >= 0)
			close(t->pfd[i].fd);
		t->pfd[i].fd = -1;
	}
	if (t->news_fd >= 0)
		close(t->news_fd);
	t->news_fd = -1;
	pthread_cond_destroy(&t->done_cond);
	pthread_mutex_destroy(&t->lock);
}

/*
 * hvmdev_tick() says when it next wants to run; keep the tick timer armed
 * for that time.  Called after anything that may have moved it earlier (a
 * change the device reported, a hint); a deadline that moved later just
 * makes the timer fire early, and on_tick() re-arms it.
 */
void hvmlinkd_rearm_tick(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;
	uint64_t next = t->quit ? UINT64_MAX : hvmdev_tick(d->dev);

	if (next == t->tick_deadline_ns)
		return;
	t->tick_deadline_ns = next;
	hvmlinkd_timer_set(t->pfd[HVMLINKD_DEV_TICK].fd, next);
}

/* Ask the main thread to stop the daemon (once). */
static void ask_stop(struct hvmlinkd *d, int status, const char *why)
{
	struct hvmlinkd_devthread *t = &d->devt;

	pthread_mutex_lock(&t->lock);
	if (!t->stop_asked) {
		t->stop_asked = true;
		t->stop_status = status;
		snprintf(t->stop_why, sizeof(t->stop_why), "%s", why);
	}
	pthread_mutex_unlock(&t->lock);
	eventfd_kick(t->news_fd);
}

static void on_ioreq(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;
	int rc = ioreq_server_handle_pending(d->ioreq);
	char why[96];

	if (rc >= 0)
		return;
	if (rc == -ESRCH) {
		/* Xen refuses every call for a domain that is dying. */
		ask_stop(d, 0, "domain destroyed (ioreq server gone)");
	} else {
		snprintf(why, sizeof(why), "fatal ioreq error: %s",
			 strerror(-rc));
		ask_stop(d, 1, why);
	}
	t->pfd[HVMLINKD_DEV_IOREQ].fd = -1;
}

static void on_call(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;
	hvmlinkd_dev_fn *fn;
	uint64_t n;
	void *arg;

	(void)!read(t->pfd[HVMLINKD_DEV_CALL].fd, &n, sizeof(n));
	pthread_mutex_lock(&t->lock);
	fn = t->call_done ? NULL : t->call_fn;
	arg = t->call_arg;
	pthread_mutex_unlock(&t->lock);
	if (!fn)
		return;
	fn(d, arg);
	/* A hint may have moved the device's next tick. */
	hvmlinkd_rearm_tick(d);
	pthread_mutex_lock(&t->lock);
	t->call_done = true;
	pthread_cond_signal(&t->done_cond);
	pthread_mutex_unlock(&t->lock);
}

static void on_tick(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;

	hvmlinkd_timer_ack(t->pfd[HVMLINKD_DEV_TICK].fd);
	t->tick_deadline_ns = UINT64_MAX;	/* it fired: not armed */
	hvmlinkd_rearm_tick(d);
}

/*
 * The device reported a change while serving the guest: its next tick may
 * be sooner, and what it reported is the main thread's to publish.  After
 * the answer, so the guest's vCPU does not wait for this.
 */
static void after_change(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;

	t->changed = false;
	hvmlinkd_rearm_tick(d);
	if (d->dirty.what && !t->news_sent) {
		t->news_sent = true;
		eventfd_kick(t->news_fd);
	}
}

void hvmlinkd_device_loop(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;
	struct pollfd *p = t->pfd;

	while (!t->quit) {
		if (poll(p, HVMLINKD_DEV_COUNT, -1) < 0) {
			char why[96];

			if (errno == EINTR)
				continue;
			snprintf(why, sizeof(why), "device thread: poll: %s",
				 strerror(errno));
			ask_stop(d, 1, why);
			return;
		}
		/* The guest's vCPU waits: its event first.  Most often it
		 * is the only thing that happened, and changed nothing. */
		if (p[HVMLINKD_DEV_IOREQ].revents)
			on_ioreq(d);
		if (p[HVMLINKD_DEV_CALL].revents)
			on_call(d);
		if (p[HVMLINKD_DEV_TICK].revents)
			on_tick(d);
		if (t->changed)
			after_change(d);
	}
}

static void *device_thread(void *opaque)
{
	struct hvmlinkd *d = opaque;
	struct hvmlinkd_devthread *t = &d->devt;

	hvmlinkd_device_loop(d);
	/* From now on a call runs on the caller's thread (on_device). */
	pthread_mutex_lock(&t->lock);
	t->exited = true;
	if (!t->call_done) {
		/* A call that came with the quit, or after a fatal error:
		 * the caller runs it itself. */
		pthread_cond_signal(&t->done_cond);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int hvmlinkd_devthread_start(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;
	int rc;

	t->call_done = true;
	rc = pthread_create(&t->thread, NULL, device_thread, d);
	if (rc) {
		log_err("cannot start the device thread: %s", strerror(rc));
		return -1;
	}
	t->started = true;
	return 0;
}

void hvmlinkd_on_device(struct hvmlinkd *d, hvmlinkd_dev_fn *fn, void *arg)
{
	struct hvmlinkd_devthread *t = &d->devt;
	bool here;

	if (!t->started) {
		fn(d, arg);
		return;
	}
	pthread_mutex_lock(&t->lock);
	here = t->exited;
	if (!here) {
		t->call_fn = fn;
		t->call_arg = arg;
		t->call_done = false;
		eventfd_kick(t->pfd[HVMLINKD_DEV_CALL].fd);
		while (!t->call_done && !t->exited)
			pthread_cond_wait(&t->done_cond, &t->lock);
		/* Exited without running it: it is ours now. */
		here = !t->call_done;
		t->call_done = true;
	}
	pthread_mutex_unlock(&t->lock);
	if (here)
		fn(d, arg);
}

static void quit_fn(struct hvmlinkd *d, void *arg)
{
	d->devt.quit = true;
}

void hvmlinkd_devthread_stop(struct hvmlinkd *d)
{
	struct hvmlinkd_devthread *t = &d->devt;

	if (!t->started)
		return;
	hvmlinkd_on_device(d, quit_fn, NULL);
	pthread_join(t->thread, NULL);
	t->started = false;
	/* Single-threaded again: the tick is off with the loop. */
	t->quit = true;
	hvmlinkd_rearm_tick(d);
}

bool hvmlinkd_devthread_news(struct hvmlinkd *d, int *status, char *why,
			     size_t whylen)
{
	struct hvmlinkd_devthread *t = &d->devt;
	uint64_t n;
	bool stop;

	(void)!read(t->news_fd, &n, sizeof(n));
	pthread_mutex_lock(&t->lock);
	stop = t->stop_asked;
	*status = t->stop_status;
	snprintf(why, whylen, "%s", t->stop_why);
	pthread_mutex_unlock(&t->lock);
	return stop;
}
