/* SPDX-License-Identifier: MIT */
/* The preloaded library's connection to the simulated hypervisor. */
#ifndef XENSIM_LIB_CONN_H
#define XENSIM_LIB_CONN_H

#include <pthread.h>
#include <stdint.h>

#include "tests/xensim/proto.h"

#define XSL_EXPORT __attribute__((visibility("default")))

struct xsl_conn {
	int fd;
	int kind;
	int restrict_domid;	/* -1, or the domid a restrict succeeded for */
	pthread_mutex_t lock;	/* one request in flight per handle */
	struct xsl_conn *next;	/* registry, for xentoolcore_restrict_all */
};

/* Connect to $XENSIM_DIR/hv.sock and say HELLO, passing pass_fd if >= 0
 * (evtchn: the hypervisor's end of its event socket, and ino is the inode
 * of our end; foreignmemory: the ledger).  0 or -errno. */
int xsl_connect(struct xsl_conn *c, int kind, int pass_fd, uint64_t ino,
		int cloexec);
void xsl_disconnect(struct xsl_conn *c);

/* One request/response.  items: rq->nr u64s to append.  pages/max_pages:
 * room for per-page results; *fd (may be NULL) gets a passed descriptor.
 * Returns the response's rc (>= 0 or -errno); rsp may be NULL. */
int xsl_call(struct xsl_conn *c, struct xsp_req *rq, const uint64_t *items,
	     struct xsp_rsp *rsp, struct xsp_page *pages, uint32_t max_pages,
	     int *fd);

/* Shorthand: op with up to 7 arguments, v[] results. */
int xsl_op(struct xsl_conn *c, uint32_t op, const uint64_t *a, unsigned int na,
	   uint64_t *v);

/* rc < 0: errno = -rc, return -1; else return rc. */
int xsl_ret(int rc);

/* Restrict every live handle of this process (xentoolcore_restrict_all). */
int xsl_restrict_all(uint16_t domid);

#endif /* XENSIM_LIB_CONN_H */
