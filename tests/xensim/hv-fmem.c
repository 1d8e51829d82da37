/* SPDX-License-Identifier: MIT */
/*
 * Foreign memory: privcmd's mmap batch and mmap resource as a device
 * model sees them.  The library gets a domain's pool file and p2m file
 * once (XSP_FM_DOMAIN, XSP_FM_P2M) and then resolves and maps gfns by
 * itself; we answer only what needs us: gfn lists that are not one run,
 * and the ioreq server's pages (allocated on first map, as Xen does).
 * The library records its live mappings in its ledger (hv.c reads it).
 */
#include <errno.h>
#include <stdlib.h>

#include "tests/xensim/hv-internal.h"

#define RESOURCE_IOREQ_SERVER 0	/* XENMEM_resource_ioreq_server */

/* ioreq_server_max_frames(): the buffered page plus one page per 128 vCPUs. */
static uint64_t ioreq_max_frames(const struct hv_domain *d)
{
	return 1 + (d->nr_vcpus * sizeof(ioreq_t) + XSP_PAGE_SIZE - 1) /
		   XSP_PAGE_SIZE;
}

static int map_gfns(struct xensim *sim, struct hv_conn *c,
		    const struct xsp_req *rq, const uint64_t *gfns,
		    struct xsp_rsp *rsp, struct xsp_page *pages)
{
	struct hv_domain *d;
	int rc = hv_check_domain(sim, c, rq->a[0], &d);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < rq->nr; i++) {
		uint64_t g = gfns[i];

		pages[i].pad = 0;
		if (g < d->p2m_size && d->p2m[g]) {
			pages[i].err = 0;
			pages[i].offset = (uint64_t)(d->p2m[g] - 1) << XSP_PAGE_SHIFT;
		} else {
			/* mmu_update of a foreign gfn with no page behind it
			 * (not paged out, just absent): -EINVAL. */
			pages[i].err = -EINVAL;
			pages[i].offset = 0;
		}
	}
	rsp->nr = rq->nr;
	return 0;
}

static int map_resource(struct xensim *sim, struct hv_conn *c,
			const struct xsp_req *rq, struct xsp_rsp *rsp,
			struct xsp_page *pages)
{
	uint64_t nr = rq->a[2], type = rq->a[3], id = rq->a[4];
	uint64_t frame = rq->a[5], max;
	struct hv_domain *d;
	struct hv_server *s;
	int rc = hv_check_domain(sim, c, rq->a[0], &d);

	if (rc)
		return rc;
	if (type != RESOURCE_IOREQ_SERVER)
		return -EOPNOTSUPP;
	max = ioreq_max_frames(d);
	if (rq->op == XSP_FM_RESOURCE_SIZE) {
		rsp->v[0] = max << XSP_PAGE_SHIFT;
		return 0;
	}
	if (nr == 0 || nr > XSP_MAX_PAGES || frame >= max || nr > max - frame)
		return -EINVAL;
	s = id < HV_MAX_SERVERS && d->srv[id].used ? &d->srv[id] : NULL;
	if (!s)
		return -ENOENT;
	rc = hv_server_alloc_pages(d, s);
	if (rc)
		return rc;
	for (uint64_t i = 0; i < nr; i++) {
		uint32_t slot;

		if (frame + i == 0) {	/* ..._frame_bufioreq */
			if (!s->buf_slot)
				return -ENOENT;
			slot = s->buf_slot;
		} else if (frame + i == 1) {	/* ..._frame_ioreq(0) */
			slot = s->ioreq_slot;
		} else {
			return -EINVAL;
		}
		pages[i] = (struct xsp_page){
			.offset = (uint64_t)(slot - 1) << XSP_PAGE_SHIFT };
	}
	rsp->nr = (uint32_t)nr;
	return 0;
}

int hv_fm_request(struct xensim *sim, struct hv_conn *c,
		  const struct xsp_req *rq, const uint64_t *gfns,
		  struct xsp_rsp *rsp, struct xsp_page *pages, int *fd_out)
{
	struct hv_domain *d;
	int rc;

	switch (rq->op) {
	case XSP_FM_MAP:
		if (rq->nr == 0 || rq->nr > XSP_MAX_PAGES)
			return -EINVAL;
		return map_gfns(sim, c, rq, gfns, rsp, pages);
	case XSP_FM_MAP_RESOURCE:
	case XSP_FM_RESOURCE_SIZE:
		return map_resource(sim, c, rq, rsp, pages);
	case XSP_FM_DOMAIN:
	case XSP_FM_P2M:
		rc = hv_check_domain(sim, c, rq->a[0], &d);
		if (rc)
			return rc;
		rsp->v[0] = d->p2m_size;
		*fd_out = rq->op == XSP_FM_DOMAIN ? d->pool_fd : d->p2m_fd;
		return 0;
	}
	return -EOPNOTSUPP;
}
