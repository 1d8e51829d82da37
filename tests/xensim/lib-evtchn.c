/* SPDX-License-Identifier: MIT */
/*
 * libxenevtchn, simulated.  xenevtchn_fd() is one end of a socketpair
 * whose other end the hypervisor holds; it writes one 4-byte port per
 * delivered event, so the fd is readable exactly while events are
 * queued, and xenevtchn_pending() reads one like the real library reads
 * /dev/xen/evtchn.  Bindings live as long as that socket does (as they
 * live as long as the open /dev/xen/evtchn file), which is what makes
 * xenevtchn_fdopen() possible.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenevtchn.h>

#include "tests/xensim/lib-conn.h"

struct xenevtchn_handle {
	struct xsl_conn conn;
	int fd;
};

/* hv_end >= 0: a fresh handle hands the hypervisor its end of the event
 * socket.  hv_end < 0 (fdopen): the handle only names fd by inode and
 * the hypervisor finds the bindings made through it. */
static xenevtchn_handle *evtchn_new(int fd, int hv_end, int cloexec)
{
	xenevtchn_handle *xce = calloc(1, sizeof(*xce));
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
		uint64_t a[1] = { st.st_ino };

		rc = xsl_op(&xce->conn, XSP_ADOPT, a, 1, NULL);
		if (rc)
			xsl_disconnect(&xce->conn);
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

XSL_EXPORT int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	return port_op(xce, XSP_EVT_NOTIFY, port, 0);
}

XSL_EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
	return port_op(xce, XSP_EVT_BIND_UNBOUND, domid, 0);
}

XSL_EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
			   evtchn_port_t remote_port)
{
	return port_op(xce, XSP_EVT_BIND_INTERDOMAIN, domid, remote_port);
}

XSL_EXPORT xenevtchn_port_or_error_t
xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	return port_op(xce, XSP_EVT_BIND_VIRQ, virq, 0);
}

XSL_EXPORT int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return port_op(xce, XSP_EVT_UNBIND, port, 0);
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

XSL_EXPORT int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return port_op(xce, XSP_EVT_UNMASK, port, 0);
}
