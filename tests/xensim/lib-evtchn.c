/* SPDX-License-Identifier: MIT */
/*
 * libxenevtchn, simulated.  xenevtchn_fd() is one end of a socketpair
 * whose other end the hypervisor holds; it writes one 4-byte port per
 * delivered event, so the fd is readable exactly while events are
 * queued, and xenevtchn_pending() reads one like the real library reads
 * /dev/xen/evtchn.  Bindings live as long as that socket does (as they
 * live as long as the open /dev/xen/evtchn file), which is what makes
 * xenevtchn_fdopen() possible.
 *
 * Unmask and notify are what a device model calls per ioreq, so each
 * costs one system call, as on Xen (tools/libs/evtchn/linux.c: unmask is
 * a write() of the port to /dev/xen/evtchn, notify an ioctl): one
 * struct xsp_evt_cmd sent on the same socket, which the hypervisor
 * applies in order before anything else this process asks it.  Like the
 * Linux evtchn driver (drivers/xen/evtchn.c), which answers notify from
 * its per-file table of bound ports, we keep the set of ports bound
 * through this socket, so a notify on a port it did not bind still fails
 * at once: EINVAL beyond the port space, ENOTCONN otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <xenevtchn.h>

#include "tests/xensim/lib-conn.h"

/* The ports bound through one event socket, shared by every handle of
 * this process on it (xenevtchn_fdopen of the same fd). */
struct port_set {
	ino_t ino;
	unsigned int refs;
	uint64_t bits[XSP_MAX_PORTS / 64];	/* atomic */
	struct port_set *next;
};

static pthread_mutex_t sets_lock = PTHREAD_MUTEX_INITIALIZER;
static struct port_set *sets;

struct xenevtchn_handle {
	struct xsl_conn conn;
	int fd;
	struct port_set *ports;
};

/* The set for ino, new (filled from bits if given) or shared. */
static struct port_set *port_set_get(ino_t ino, const uint64_t *bits)
{
	struct port_set *ps;

	pthread_mutex_lock(&sets_lock);
	for (ps = sets; ps; ps = ps->next)
		if (ps->ino == ino)
			break;
	if (!ps) {
		ps = calloc(1, sizeof(*ps));
		if (ps) {
			ps->ino = ino;
			if (bits)
				memcpy(ps->bits, bits, sizeof(ps->bits));
			ps->next = sets;
			sets = ps;
		}
	}
	if (ps)
		ps->refs++;
	pthread_mutex_unlock(&sets_lock);
	return ps;
}

static void port_set_put(struct port_set *ps)
{
	pthread_mutex_lock(&sets_lock);
	if (--ps->refs == 0) {
		for (struct port_set **p = &sets; *p; p = &(*p)->next) {
			if (*p == ps) {
				*p = ps->next;
				break;
			}
		}
		free(ps);
	}
	pthread_mutex_unlock(&sets_lock);
}

static void port_mark(struct port_set *ps, uint32_t port, bool bound)
{
	uint64_t bit = 1ull << (port % 64);

	if (port >= XSP_MAX_PORTS)
		return;
	if (bound)
		__atomic_fetch_or(&ps->bits[port / 64], bit, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&ps->bits[port / 64], ~bit, __ATOMIC_RELAXED);
}

static bool port_bound(const struct port_set *ps, uint32_t port)
{
	return port < XSP_MAX_PORTS &&
	       (__atomic_load_n(&ps->bits[port / 64], __ATOMIC_RELAXED) &
		(1ull << (port % 64)));
}

/* hv_end >= 0: a fresh handle hands the hypervisor its end of the event
 * socket.  hv_end < 0 (fdopen): the handle only names fd by inode and
 * the hypervisor finds the bindings made through it. */
static xenevtchn_handle *evtchn_new(int fd, int hv_end, int cloexec)
{
	xenevtchn_handle *xce = calloc(1, sizeof(*xce));
	uint64_t bits[XSP_MAX_PORTS / 64] = { 0 };
	struct stat st;
	int rc;

	if (!xce)
		return NULL;
	xce->fd = fd;
	rc = fstat(fd, &st) < 0 ? -errno : 0;
	if (!rc)
		rc = xsl_connect(&xce->conn, XSP_KIND_EVTCHN, hv_end,
				 (uint64_t)st.st_ino, cloexec);
	if (!rc && hv_end < 0) {
		struct xsp_page pg[XSP_MAX_PORTS / 64];
		struct xsp_req rq = { .op = XSP_ADOPT, .a = { st.st_ino } };

		rc = xsl_call(&xce->conn, &rq, NULL, NULL, pg,
			      XSP_MAX_PORTS / 64, NULL);
		for (unsigned int i = 0; !rc && i < XSP_MAX_PORTS / 64; i++)
			bits[i] = pg[i].offset;
		if (rc)
			xsl_disconnect(&xce->conn);
	}
	if (!rc) {
		xce->ports = port_set_get(st.st_ino, bits);
		if (!xce->ports) {
			xsl_disconnect(&xce->conn);
			rc = -ENOMEM;
		}
	}
	if (rc) {
		free(xce);
		errno = -rc;
		return NULL;
	}
	return xce;
}

XSL_EXPORT xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
					    unsigned int flags)
{
	int cloexec = !(flags & XENEVTCHN_NO_CLOEXEC);
	int sv[2], err;
	xenevtchn_handle *xce;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | (cloexec ? SOCK_CLOEXEC : 0),
		       0, sv) < 0)
		return NULL;
	/* Our end stays ours (xenevtchn_fd); the hypervisor gets sv[1]. */
	xce = evtchn_new(sv[0], sv[1], cloexec);
	err = errno;
	close(sv[1]);
	if (!xce) {
		close(sv[0]);
		errno = err;
	}
	return xce;
}

XSL_EXPORT xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger,
					      int fd, unsigned int open_flags)
{
	if (open_flags & XENEVTCHN_NO_CLOEXEC) {
		errno = EINVAL;
		return NULL;
	}
	return evtchn_new(fd, -1, 1);
}

XSL_EXPORT int xenevtchn_close(xenevtchn_handle *xce)
{
	if (!xce)
		return 0;
	/* The event socket first: when the hypervisor sees the connection
	 * go, the bindings' lifetime has already ended. */
	close(xce->fd);
	xsl_disconnect(&xce->conn);
	port_set_put(xce->ports);
	free(xce);
	return 0;
}

XSL_EXPORT int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->fd;
}

XSL_EXPORT int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
	uint64_t a[2] = { domid, 0 };

	return xsl_ret(xsl_op(&xce->conn, XSP_RESTRICT, a, 2, NULL));
}

static int port_op(xenevtchn_handle *xce, uint32_t op, uint64_t a0,
		   uint64_t a1)
{
	uint64_t a[2] = { a0, a1 };

	return xsl_ret(xsl_op(&xce->conn, op, a, 2, NULL));
}

/* A bind that succeeded adds its port to the set. */
static xenevtchn_port_or_error_t bound(xenevtchn_handle *xce, int port)
{
	if (port >= 0)
		port_mark(xce->ports, (uint32_t)port, true);
	return port;
}

/* The socket is full (the hypervisor lags far behind; the fd is usually
 * non-blocking): wait for room rather than fail, as a write to the real
 * device never fails for that. */
static __attribute__((noinline)) int evt_cmd_retry(xenevtchn_handle *xce,
						   const struct xsp_evt_cmd *cmd,
						   ssize_t n)
{
	for (;;) {
		struct pollfd p = { .fd = xce->fd, .events = POLLOUT };

		if (n == (ssize_t)sizeof(*cmd))
			return 0;
		if (n >= 0) {
			errno = EIO;
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (errno != EINTR)
			(void)poll(&p, 1, -1);
		n = send(xce->fd, cmd, sizeof(*cmd), MSG_NOSIGNAL);
	}
}

/* One command on the event socket: one system call.  Unmask is a write()
 * in the real library, a cancellation point: send() is one too. */
static int evt_cmd(xenevtchn_handle *xce, uint32_t op, evtchn_port_t port)
{
	struct xsp_evt_cmd cmd = { .op = op, .port = port };
	ssize_t n = send(xce->fd, &cmd, sizeof(cmd), MSG_NOSIGNAL);

	if (n == (ssize_t)sizeof(cmd))
		return 0;
	return evt_cmd_retry(xce, &cmd, n);
}

XSL_EXPORT int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	if (port >= XSP_MAX_PORTS) {
		errno = EINVAL;
		return -1;
	}
	if (!port_bound(xce->ports, port)) {
		errno = ENOTCONN;
		return -1;
	}
	{
		/* The real notify is an ioctl, which is no cancellation
		 * point: the raw system call is not either (in a threaded
		 * process glibc's send() would cost the cancellation
		 * bookkeeping Xen's notify does not). */
		struct xsp_evt_cmd cmd = { .op = XSP_EVT_CMD_NOTIFY,
					   .port = port };
		ssize_t n = syscall(SYS_sendto, xce->fd, &cmd, sizeof(cmd),
				    MSG_NOSIGNAL, NULL, 0);

		if (n == (ssize_t)sizeof(cmd))
			return 0;
		return evt_cmd_retry(xce, &cmd, n);
	}
}

XSL_EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
	return bound(xce, port_op(xce, XSP_EVT_BIND_UNBOUND, domid, 0));
}

XSL_EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
			   evtchn_port_t remote_port)
{
	return bound(xce, port_op(xce, XSP_EVT_BIND_INTERDOMAIN, domid,
				  remote_port));
}

XSL_EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	return bound(xce, port_op(xce, XSP_EVT_BIND_VIRQ, virq, 0));
}

XSL_EXPORT int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	int rc = port_op(xce, XSP_EVT_UNBIND, port, 0);

	if (rc == 0)
		port_mark(xce->ports, port, false);
	return rc;
}

XSL_EXPORT xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	uint32_t port;
	ssize_t n;

	do
		n = read(xce->fd, &port, sizeof(port));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n != sizeof(port)) {
		errno = n == 0 ? EPIPE : EIO;
		return -1;
	}
	return (xenevtchn_port_or_error_t)port;
}

/* Like the driver's write(): ports this socket did not bind are ignored
 * (by the hypervisor), and the call costs its one system call anyway. */
XSL_EXPORT int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return evt_cmd(xce, XSP_EVT_CMD_UNMASK, port);
}
