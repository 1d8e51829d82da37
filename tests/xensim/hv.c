/* SPDX-License-Identifier: MIT */
/*
 * The simulated hypervisor's front door: $XENSIM_DIR/hv.sock, one
 * connection per library handle, served by one thread.  Also the
 * test-facing lifecycle, introspection and leftovers report.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/xensim/hv-internal.h"

int xensim_timeout_ms(void)
{
	const char *s = getenv("XENSIM_TIMEOUT_MS");
	long v = s ? strtol(s, NULL, 10) : 0;

	return v > 0 && v < INT_MAX ? (int)v : XENSIM_DEFAULT_TIMEOUT_MS;
}

/* Checks every Xen-side dm_op / privcmd call makes first: the handle's
 * restriction (privcmd: EPERM), then the domain's existence (ESRCH). */
int hv_check_domain(struct xensim *sim, struct hv_conn *c, uint64_t domid,
		    struct hv_domain **out)
{
	if (c->restrict_domid >= 0 && (uint64_t)c->restrict_domid != domid)
		return -EPERM;
	*out = domid < HV_MAX_DOMID ? hv_domain_get(sim, (uint16_t)domid)
				    : NULL;
	return *out ? 0 : -ESRCH;
}

static struct hv_evh *evh_by_ino(struct xensim *sim, uint64_t ino)
{
	for (struct hv_evh *e = sim->evhs; e; e = e->next)
		if ((uint64_t)e->client_ino == ino)
			return e;
	return NULL;
}

static int hello(struct xensim *sim, struct hv_conn *c,
		 const struct xsp_req *rq, int fd)
{
	if (rq->a[0] != XSP_VERSION || c->kind)
		return -EPROTO;
	if (rq->a[1] < XSP_KIND_DEVICEMODEL || rq->a[1] > XSP_KIND_FOREIGNMEMORY)
		return -EINVAL;
	c->kind = (int)rq->a[1];
	c->pid = (pid_t)rq->a[2];
	if (c->kind == XSP_KIND_FOREIGNMEMORY) {
		/* The library's ledger of live mappings (proto.h): our own
		 * view of it outlives the client. */
		struct xsp_ledger *l;

		if (fd < 0)
			return -EINVAL;
		l = mmap(NULL, XSP_LEDGER_BYTES, PROT_READ, MAP_SHARED, fd, 0);
		if (l == MAP_FAILED)
			return -errno;
		if (l->magic != XSP_LEDGER_MAGIC || l->cap != XSP_LEDGER_CAP) {
			munmap(l, XSP_LEDGER_BYTES);
			return -EPROTO;
		}
		c->ledger = l;
	}
	if (c->kind == XSP_KIND_EVTCHN && fd >= 0) {
		struct hv_evh *e;

		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->fd = fd;
		e->client_ino = (ino_t)rq->a[3];
		e->pid = c->pid;
		e->restrict_domid = -1;
		e->next = sim->evhs;
		sim->evhs = e;
		c->evh = e;
	}
	return 0;
}

static int dispatch(struct xensim *sim, struct hv_conn *c,
		    const struct xsp_req *rq, const uint64_t *items, int in_fd,
		    struct xsp_rsp *rsp, struct xsp_page *pages, int *out_fd)
{
	if (rq->op == XSP_HELLO)
		return hello(sim, c, rq, in_fd);
	if (!c->kind)
		return -EPROTO;
	if (rq->op == XSP_ADOPT) {
		struct hv_evh *e = evh_by_ino(sim, rq->a[0]);

		uint64_t bits[HV_MAX_PORTS / 64];

		if (c->kind != XSP_KIND_EVTCHN || c->evh)
			return -EINVAL;
		if (!e)
			return -EBADF;
		c->evh = e;
		/* The library keeps the bound ports, like the driver's
		 * per-file table: hand it the ones bound so far. */
		hv_evh_ports(sim, e, bits);
		for (unsigned int i = 0; i < HV_MAX_PORTS / 64; i++)
			pages[i] = (struct xsp_page){ .offset = bits[i] };
		rsp->nr = HV_MAX_PORTS / 64;
		return 0;
	}
	if (rq->op == XSP_RESTRICT) {
		if (rq->a[0] >= HV_MAX_DOMID)
			return -EINVAL;
		/* privcmd / evtchn: a handle is restricted once. */
		if (c->restrict_domid >= 0 &&
		    (uint64_t)c->restrict_domid != rq->a[0])
			return -EINVAL;
		c->restrict_domid = (int)rq->a[0];
		if (c->evh)
			c->evh->restrict_domid = (int)rq->a[0];
		sim->st.restrict_calls++;
		sim->st.restrict_domid = (int)rq->a[0];
		return 0;
	}
	switch (c->kind) {
	case XSP_KIND_DEVICEMODEL:
		if (rq->op >= XSP_DM_CREATE && rq->op < XSP_EVT_BIND_INTERDOMAIN)
			return hv_dm_request(sim, c, rq->op, rq->a, rsp->v);
		break;
	case XSP_KIND_EVTCHN:
		if (rq->op >= XSP_EVT_BIND_INTERDOMAIN && rq->op < XSP_FM_MAP)
			return hv_evt_request(sim, c, rq->op, rq->a, rsp->v);
		break;
	case XSP_KIND_FOREIGNMEMORY:
		if (rq->op >= XSP_FM_MAP)
			return hv_fm_request(sim, c, rq, items, rsp, pages,
					     out_fd);
		break;
	}
	return -EOPNOTSUPP;
}

static void conn_close(struct xensim *sim, struct hv_conn *c)
{
	/* Mappings outlive the handle on Linux; a handle closed with
	 * mappings still in place (or a client that crashed with them) is
	 * reported by xensim_leftovers(). */
	struct hv_mapping **tail = &sim->leaked;

	while (*tail)
		tail = &(*tail)->next;
	for (uint32_t i = 0; c->ledger && i < c->ledger->cap; i++) {
		struct xsp_map_rec r = c->ledger->rec[i];
		struct hv_mapping *m;

		if (!r.addr)
			continue;
		m = calloc(1, sizeof(*m));
		if (!m)
			break;
		*m = (struct hv_mapping){ .addr = r.addr, .nr = r.nr,
					  .domid = r.domid,
					  .resource = r.resource,
					  .pid = c->pid };
		*tail = m;
		tail = &m->next;
	}
	if (c->ledger)
		munmap(c->ledger, XSP_LEDGER_BYTES);
	close(c->fd);
	free(c);
}

/* Serve one packet; false when the connection is finished.  Only the
 * hypervisor thread calls this, so its buffers are allocated once. */
static bool serve(struct xensim *sim, struct hv_conn *c)
{
	struct xsp_req *rq = sim->rx;
	struct xsp_rsp *rsp = sim->tx;
	int in_fd = -1, out_fd = -1;
	bool keep = true;
	long n;

	n = xsp_recv(c->fd, sim->rx, HV_RX_SIZE, &in_fd, MSG_DONTWAIT);
	if (n == -EAGAIN) {
		goto out;
	} else if (n <= 0 || (size_t)n < sizeof(*rq) ||
		   (size_t)n != sizeof(*rq) + rq->nr * sizeof(uint64_t)) {
		keep = false;
		goto out;
	}
	memset(rsp, 0, sizeof(*rsp));
	pthread_mutex_lock(&sim->lock);
	/* What this process sent on its event sockets came first. */
	if (c->kind)
		hv_evh_drain_pid(sim, c->pid);
	rsp->rc = dispatch(sim, c, rq, (const uint64_t *)(rq + 1), in_fd, rsp,
			   (struct xsp_page *)(rsp + 1), &out_fd);
	if (c->evh && c->evh->fd == in_fd)
		in_fd = -1;	/* now owned by the evtchn handle */
	if (rsp->rc < 0) {
		rsp->nr = 0;
		out_fd = -1;
	}
	pthread_mutex_unlock(&sim->lock);
	if (xsp_send(c->fd, rsp, sizeof(*rsp) + rsp->nr * sizeof(struct xsp_page),
		     out_fd) < 0)
		keep = false;
out:
	if (in_fd >= 0)
		close(in_fd);
	return keep;
}

static void accept_all(struct xensim *sim)
{
	for (;;) {
		int fd = accept4(sim->listen_fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct hv_conn *c;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->restrict_domid = -1;
		pthread_mutex_lock(&sim->lock);
		c->next = sim->conns;
		sim->conns = c;
		pthread_mutex_unlock(&sim->lock);
	}
}

/* An evtchn handle dies when no client end of its event socket remains
 * and no control connection refers to it. */
static void reap_evhs(struct xensim *sim)
{
	for (struct hv_evh **pe = &sim->evhs; *pe;) {
		struct hv_evh *e = *pe;
		struct pollfd p = { .fd = e->fd, .events = POLLIN };
		bool used = false;

		for (struct hv_conn *c = sim->conns; c; c = c->next)
			used |= c->evh == e;
		if (!used && poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) {
			/* Commands sent before the hang-up still count. */
			hv_evh_drain(sim, e);
			*pe = e->next;
			hv_evh_release(sim, e);
			continue;
		}
		pe = &e->next;
	}
}

static void *hv_thread(void *arg)
{
	struct xensim *sim = arg;

	for (;;) {
		struct pollfd *pfd;
		struct hv_conn **cs;
		struct hv_evh **es;
		unsigned int n = 2, nc = 0, ne = 0;

		pthread_mutex_lock(&sim->lock);
		if (sim->stop) {
			pthread_mutex_unlock(&sim->lock);
			return NULL;
		}
		for (struct hv_conn *c = sim->conns; c; c = c->next)
			nc++;
		for (struct hv_evh *e = sim->evhs; e; e = e->next)
			ne++;
		pfd = calloc(n + nc + ne, sizeof(*pfd));
		cs = calloc(nc + 1, sizeof(*cs));
		es = calloc(ne + 1, sizeof(*es));
		if (!pfd || !cs || !es) {
			pthread_mutex_unlock(&sim->lock);
			free(pfd);
			free(cs);
			free(es);
			usleep(1000);
			continue;
		}
		pfd[0] = (struct pollfd){ .fd = sim->listen_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = sim->wake_fd, .events = POLLIN };
		nc = 0;
		for (struct hv_conn *c = sim->conns; c; c = c->next) {
			cs[nc] = c;
			pfd[n + nc++] = (struct pollfd){ .fd = c->fd,
							 .events = POLLIN };
		}
		/* Event sockets carry the clients' unmask and notify
		 * commands (and their hang-up, which reap_evhs() handles). */
		ne = 0;
		for (struct hv_evh *e = sim->evhs; e; e = e->next) {
			es[ne] = e;
			pfd[n + nc + ne++] = (struct pollfd){ .fd = e->fd,
							      .events = POLLIN };
		}
		pthread_mutex_unlock(&sim->lock);

		if (poll(pfd, n + nc + ne, -1) < 0) {
			free(pfd);
			free(cs);
			free(es);
			continue;
		}
		pthread_mutex_lock(&sim->lock);
		/* Only this thread frees handles (reap_evhs below). */
		for (unsigned int i = 0; i < ne; i++)
			if (pfd[n + nc + i].revents & POLLIN)
				hv_evh_drain(sim, es[i]);
		pthread_mutex_unlock(&sim->lock);
		if (pfd[1].revents & POLLIN) {
			uint64_t v;

			(void)!read(sim->wake_fd, &v, sizeof(v));
		}
		if (pfd[0].revents & POLLIN)
			accept_all(sim);
		for (unsigned int i = 0; i < nc; i++) {
			struct hv_conn *c = cs[i];
			bool keep = true;

			if (!pfd[n + i].revents)
				continue;
			/* Drain everything this client sent. */
			while (keep) {
				struct pollfd p = { .fd = c->fd, .events = POLLIN };

				if (poll(&p, 1, 0) != 1)
					break;
				keep = serve(sim, c);
			}
			if (!keep) {
				pthread_mutex_lock(&sim->lock);
				for (struct hv_conn **pc = &sim->conns; *pc;
				     pc = &(*pc)->next) {
					if (*pc == c) {
						*pc = c->next;
						break;
					}
				}
				conn_close(sim, c);
				pthread_mutex_unlock(&sim->lock);
			}
		}
		pthread_mutex_lock(&sim->lock);
		/* Every pass: an event socket may hang up after the control
		 * connection that woke us (process exit closes fds in order). */
		reap_evhs(sim);
		sim->passes++;
		pthread_cond_broadcast(&sim->cond);
		pthread_mutex_unlock(&sim->lock);
		free(pfd);
		free(cs);
		free(es);
	}
}

struct xensim *xensim_open(const char *dir)
{
	struct sockaddr_un sa;
	struct xensim *sim = calloc(1, sizeof(*sim));
	char path[PATH_MAX];
	int err, salen;

	if (!sim)
		return NULL;
	sim->listen_fd = sim->wake_fd = -1;
	sim->st.restrict_domid = -1;
	pthread_mutex_init(&sim->lock, NULL);
	pthread_cond_init(&sim->cond, NULL);
	if (!dir)
		dir = getenv("XENSIM_DIR");
	if (dir && *dir) {
		sim->dir = strdup(dir);
		if (!sim->dir)
			goto fail;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			goto fail;
	} else {
		const char *tmp = getenv("TMPDIR");

		if (asprintf(&sim->dir, "%s/xensim.XXXXXX",
			     tmp && *tmp ? tmp : "/tmp") < 0) {
			sim->dir = NULL;
			goto fail;
		}
		if (!mkdtemp(sim->dir))
			goto fail;
		sim->own_dir = true;
	}
	snprintf(path, sizeof(path), "%s/domains", sim->dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		goto fail;
	salen = xsp_address(sim->dir, &sa);
	if (salen < 0) {
		errno = -salen;
		goto fail;
	}
	if (sa.sun_path[0])
		unlink(sa.sun_path);
	sim->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
					 SOCK_NONBLOCK, 0);
	if (sim->listen_fd < 0 ||
	    bind(sim->listen_fd, (struct sockaddr *)&sa, (socklen_t)salen) < 0 ||
	    listen(sim->listen_fd, 64) < 0)
		goto fail;
	sim->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sim->wake_fd < 0)
		goto fail;
	sim->rx = malloc(HV_RX_SIZE);
	sim->tx = malloc(HV_TX_SIZE);
	if (!sim->rx || !sim->tx)
		goto fail;
	if (setenv("XENSIM_DIR", sim->dir, 1) < 0)
		goto fail;
	err = pthread_create(&sim->thread, NULL, hv_thread, sim);
	if (err) {
		errno = err;
		goto fail;
	}
	return sim;
fail:
	err = errno;
	if (sim->wake_fd >= 0)
		close(sim->wake_fd);
	if (sim->listen_fd >= 0)
		close(sim->listen_fd);
	if (sim->own_dir && sim->dir) {
		snprintf(path, sizeof(path), "%s/domains", sim->dir);
		rmdir(path);
		rmdir(sim->dir);
	}
	free(sim->dir);
	free(sim->rx);
	free(sim->tx);
	pthread_cond_destroy(&sim->cond);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
	errno = err;
	return NULL;
}

const char *xensim_dir(const struct xensim *sim)
{
	return sim->dir;
}

static void wake(struct xensim *sim)
{
	uint64_t one = 1;

	(void)!write(sim->wake_fd, &one, sizeof(one));
}

static void free_maps(struct hv_mapping *m)
{
	while (m) {
		struct hv_mapping *next = m->next;

		free(m);
		m = next;
	}
}

void xensim_close(struct xensim *sim)
{
	char path[PATH_MAX];

	if (!sim)
		return;
	for (uint32_t d = 1; d < HV_MAX_DOMID; d++)
		if (sim->dom[d])
			xensim_domain_destroy(sim, (uint16_t)d);
	pthread_mutex_lock(&sim->lock);
	sim->stop = true;
	pthread_mutex_unlock(&sim->lock);
	wake(sim);
	pthread_join(sim->thread, NULL);
	while (sim->conns) {
		struct hv_conn *c = sim->conns;

		sim->conns = c->next;
		conn_close(sim, c);
	}
	while (sim->evhs) {
		struct hv_evh *e = sim->evhs;

		sim->evhs = e->next;
		hv_evh_release(sim, e);
	}
	free_maps(sim->leaked);
	while (sim->dead) {
		struct hv_domain *d = sim->dead;

		sim->dead = d->next_dead;
		hv_domain_free(d);
	}
	close(sim->listen_fd);
	close(sim->wake_fd);
	snprintf(path, sizeof(path), "%s/hv.sock", sim->dir);
	unlink(path);
	if (sim->own_dir) {
		snprintf(path, sizeof(path), "%s/domains", sim->dir);
		rmdir(path);
		rmdir(sim->dir);
	}
	free(sim->dir);
	free(sim->rx);
	free(sim->tx);
	pthread_cond_destroy(&sim->cond);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

/* Let the hypervisor thread finish two full passes, so everything clients
 * sent (including hang-ups) before this call has been processed.  Called
 * with sim->lock held. */
static void sync_locked(struct xensim *sim)
{
	uint64_t target = sim->passes + 2;

	while (sim->passes < target && !sim->stop) {
		struct timespec ts;

		wake(sim);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sim->cond, &sim->lock, &ts);
	}
}

void xensim_get_stats(struct xensim *sim, struct xensim_stats *st)
{
	pthread_mutex_lock(&sim->lock);
	sync_locked(sim);
	*st = sim->st;
	st->open_handles = 0;
	for (struct hv_conn *c = sim->conns; c; c = c->next)
		st->open_handles++;
	pthread_mutex_unlock(&sim->lock);
}

int xensim_servers(struct xensim *sim, uint16_t domid,
		   struct xensim_server_info *out, int max)
{
	struct hv_domain *d;
	int n = 0;

	pthread_mutex_lock(&sim->lock);
	sync_locked(sim);
	d = hv_domain_get(sim, domid);
	if (!d) {
		pthread_mutex_unlock(&sim->lock);
		return -ESRCH;
	}
	for (int i = 0; i < HV_MAX_SERVERS; i++) {
		struct hv_server *s = &d->srv[i];

		if (!s->used)
			continue;
		if (n < max)
			out[n] = (struct xensim_server_info){
				.id = s->id, .enabled = s->enabled,
				.bufioreq = s->bufioreq,
				.nr_port_ranges = s->range[0].n,
				.nr_mmio_ranges = s->range[1].n,
				.nr_pcidevs = s->range[2].n,
				.pages_mapped = s->ioreq_slot != 0,
			};
		n++;
	}
	pthread_mutex_unlock(&sim->lock);
	return n;
}

int xensim_server_ranges(struct xensim *sim, uint16_t domid, uint16_t id,
			 unsigned int type, struct xensim_range *out, int max)
{
	struct hv_domain *d;
	int n;

	if (type > HV_PCI_RANGE)
		return -EINVAL;
	pthread_mutex_lock(&sim->lock);
	sync_locked(sim);
	d = hv_domain_get(sim, domid);
	if (!d)
		n = -ESRCH;
	else if (id >= HV_MAX_SERVERS || !d->srv[id].used)
		n = -ENOENT;
	else {
		const struct hv_rangeset *rs = &d->srv[id].range[type];

		for (unsigned int i = 0; i < rs->n && (int)i < max; i++)
			out[i] = (struct xensim_range){ rs->r[i].s, rs->r[i].e };
		n = (int)rs->n;
	}
	pthread_mutex_unlock(&sim->lock);
	return n;
}

int xensim_domain_crashed(struct xensim *sim, uint16_t domid, char *why,
			  size_t len)
{
	struct hv_domain *d;
	int rc;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d) {
		rc = -ESRCH;
	} else {
		rc = d->crashed;
		if (why && len)
			snprintf(why, len, "%s", d->crashed ? d->crash_why : "");
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

/* Absolute deadline timeout_ms from now (CLOCK_REALTIME, for condvars). */
void hv_deadline(struct timespec *ts, int timeout_ms)
{
	if (timeout_ms < 0)
		timeout_ms = xensim_timeout_ms();
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int xensim_wait_server_enabled(struct xensim *sim, uint16_t domid,
			       int timeout_ms)
{
	struct timespec ts;
	int rc = -ETIMEDOUT;

	hv_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&sim->lock);
	for (;;) {
		struct hv_domain *d = hv_domain_get(sim, domid);

		if (!d) {
			rc = -ESRCH;
			break;
		}
		for (int i = 0; i < HV_MAX_SERVERS && rc < 0; i++)
			if (d->srv[i].used && d->srv[i].enabled)
				rc = i;
		if (rc >= 0)
			break;
		if (pthread_cond_timedwait(&sim->cond, &sim->lock, &ts) ==
		    ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case XSP_KIND_DEVICEMODEL: return "xendevicemodel";
	case XSP_KIND_EVTCHN: return "xenevtchn";
	case XSP_KIND_FOREIGNMEMORY: return "xenforeignmemory";
	}
	return "unidentified";
}

struct out {
	char *buf;
	size_t len, used;
	int count;
};

static void __attribute__((format(printf, 2, 3)))
say(struct out *o, const char *fmt, ...)
{
	va_list ap;

	o->count++;
	if (!o->buf || o->used >= o->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n < o->len - o->used ? (size_t)n
							 : o->len - o->used - 1;
}

void xensim_forget_process(struct xensim *sim, pid_t pid)
{
	pthread_mutex_lock(&sim->lock);
	sync_locked(sim);
	for (struct hv_mapping **pm = &sim->leaked; *pm;) {
		struct hv_mapping *m = *pm;

		if (m->pid == pid) {
			*pm = m->next;
			free(m);
		} else {
			pm = &m->next;
		}
	}
	pthread_mutex_unlock(&sim->lock);
}

int xensim_leftovers(struct xensim *sim, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };

	if (buf && len)
		buf[0] = '\0';
	pthread_mutex_lock(&sim->lock);
	sync_locked(sim);
	for (uint32_t id = 1; id < HV_MAX_DOMID; id++) {
		struct hv_domain *d = sim->dom[id];

		if (!d)
			continue;
		for (int i = 0; i < HV_MAX_SERVERS; i++)
			if (d->srv[i].used)
				say(&o, "ioreq server %d of dom%u (created by pid %d, %s)\n",
				    i, id, (int)d->srv[i].creator,
				    d->srv[i].enabled ? "enabled" : "disabled");
	}
	for (uint32_t p = 0; p < HV_MAX_PORTS; p++) {
		struct hv_lport *l = &sim->lport[p];

		if (l->state != PORT_FREE)
			say(&o, "event channel port %u still bound (pid %d, %s dom%u port %u)\n",
			    p, l->owner ? (int)l->owner->pid : -1,
			    l->state == PORT_INTERDOMAIN ? "interdomain to" :
			    l->state == PORT_VIRQ ? "virq," : "unbound, was",
			    l->rdom, l->rport);
	}
	for (struct hv_conn *c = sim->conns; c; c = c->next) {
		say(&o, "%s handle still open (pid %d)\n", kind_name(c->kind),
		    (int)c->pid);
		for (uint32_t i = 0; c->ledger && i < c->ledger->cap; i++) {
			struct xsp_map_rec r = c->ledger->rec[i];

			if (r.addr)
				say(&o, "%s mapping of dom%u at %#llx, %u pages, still mapped (pid %d)\n",
				    r.resource ? "resource" : "foreign", r.domid,
				    (unsigned long long)r.addr, r.nr,
				    (int)c->pid);
		}
	}
	for (struct hv_mapping *m = sim->leaked; m; m = m->next)
		say(&o, "%s mapping of dom%u at %#llx, %llu pages, still mapped when its handle was closed (pid %d)\n",
		    m->resource ? "resource" : "foreign", m->domid,
		    (unsigned long long)m->addr, (unsigned long long)m->nr,
		    (int)m->pid);
	pthread_mutex_unlock(&sim->lock);
	return o.count;
}
