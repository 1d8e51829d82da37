/* SPDX-License-Identifier: MIT */
/*
 * Connections of the preloaded library to the simulated hypervisor, and
 * the registry of live handles xentoolcore_restrict_all() walks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/xensim/lib-conn.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xsl_conn *registry;

int xsl_ret(int rc)
{
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc;
}

int xsl_connect(struct xsl_conn *c, int kind, int pass_fd, uint64_t ino,
		int cloexec)
{
	struct sockaddr_un sa;
	const char *dir = getenv("XENSIM_DIR");
	struct xsp_req rq = { .op = XSP_HELLO };
	int rc, salen;

	/* No simulated host: behave like a machine without /dev/xen. */
	if (!dir || !*dir)
		return -ENOENT;
	salen = xsp_address(dir, &sa);
	if (salen < 0)
		return salen;
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | (cloexec ? SOCK_CLOEXEC : 0),
		       0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, (socklen_t)salen) < 0) {
		rc = errno == ECONNREFUSED ? -ENOENT : -errno;
		goto fail;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->kind = kind;
	c->restrict_domid = -1;
	rq.a[0] = XSP_VERSION;
	rq.a[1] = (uint64_t)kind;
	rq.a[2] = (uint64_t)getpid();
	rq.a[3] = ino;
	rc = xsp_send(c->fd, &rq, sizeof(rq), pass_fd);
	if (!rc) {
		struct xsp_rsp rsp;
		long n = xsp_recv(c->fd, &rsp, sizeof(rsp), NULL, 0);

		rc = n == (long)sizeof(rsp) ? rsp.rc : n < 0 ? (int)n : -EPROTO;
	}
	if (rc < 0)
		goto fail_lock;
	pthread_mutex_lock(&registry_lock);
	c->next = registry;
	registry = c;
	pthread_mutex_unlock(&registry_lock);
	return 0;

fail_lock:
	pthread_mutex_destroy(&c->lock);
fail:
	close(c->fd);
	c->fd = -1;
	return rc;
}

void xsl_disconnect(struct xsl_conn *c)
{
	pthread_mutex_lock(&registry_lock);
	for (struct xsl_conn **p = &registry; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	close(c->fd);
	c->fd = -1;
	pthread_mutex_destroy(&c->lock);
}

int xsl_call(struct xsl_conn *c, struct xsp_req *rq, const uint64_t *items,
	     struct xsp_rsp *rsp, struct xsp_page *pages, uint32_t max_pages,
	     int *fd)
{
	/* Gather and scatter in place: a call allocates nothing (the real
	 * libraries' ioctls do not either, and tests count allocations). */
	struct iovec in[2] = {
		{ .iov_base = rq, .iov_len = sizeof(*rq) },
		{ .iov_base = (void *)items,
		  .iov_len = (size_t)rq->nr * sizeof(uint64_t) },
	};
	struct xsp_page scratch;
	struct xsp_rsp r;
	struct iovec out[2] = {
		{ .iov_base = &r, .iov_len = sizeof(r) },
		{ .iov_base = pages ? (void *)pages : (void *)&scratch,
		  .iov_len = (pages ? max_pages : 1) * sizeof(struct xsp_page) },
	};
	int rc, got_fd = -1;
	long n;

	if (fd)
		*fd = -1;
	pthread_mutex_lock(&c->lock);
	rc = xsp_sendv(c->fd, in, rq->nr ? 2 : 1, -1);
	if (!rc) {
		n = xsp_recvv(c->fd, out, 2, &got_fd, 0);
		if (n < 0)
			rc = (int)n;
		else if (n == 0 || (size_t)n < sizeof(r) ||
			 r.nr > (pages ? max_pages : 0) ||
			 (size_t)n != sizeof(r) + r.nr * sizeof(struct xsp_page))
			rc = -EPROTO;	/* hypervisor gone or confused */
	}
	pthread_mutex_unlock(&c->lock);
	if (rc)
		goto out;
	rc = r.rc;
	if (rsp)
		*rsp = r;
	if (fd) {
		*fd = got_fd;
		got_fd = -1;
	}
out:
	if (got_fd >= 0)
		close(got_fd);
	return rc;
}

int xsl_op(struct xsl_conn *c, uint32_t op, const uint64_t *a, unsigned int na,
	   uint64_t *v)
{
	struct xsp_req rq = { .op = op };
	struct xsp_rsp rsp;
	int rc;

	for (unsigned int i = 0; i < na && i < 7; i++)
		rq.a[i] = a[i];
	rc = xsl_call(c, &rq, NULL, &rsp, NULL, 0, NULL);
	if (rc >= 0 && v)
		memcpy(v, rsp.v, sizeof(rsp.v));
	return rc;
}

int xsl_restrict_all(uint16_t domid)
{
	int rc = 0;

	pthread_mutex_lock(&registry_lock);
	for (struct xsl_conn *c = registry; c; c = c->next) {
		uint64_t a[2] = { domid, 1 };
		int r = xsl_op(c, XSP_RESTRICT, a, 2, NULL);

		if (r < 0 && !rc)
			rc = r;
		if (r >= 0)
			c->restrict_domid = domid;
	}
	pthread_mutex_unlock(&registry_lock);
	return rc;
}
