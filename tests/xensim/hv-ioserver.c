/* SPDX-License-Identifier: MIT */
/*
 * ioreq servers and the other dm_ops, following Xen 4.17's
 * xen/common/ioreq.c, xen/arch/x86/hvm/ioreq.c and xen/arch/x86/hvm/dm.c:
 * ids are the lowest free slot of 8, servers start disabled, ranges live
 * in per-server rangesets (overlap within a server is EEXIST, other
 * servers are not checked), pages come either from map_resource or from
 * the legacy gfn pool but never both (EPERM).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/xensim/hv-internal.h"

/* ---- rangesets (xen/common/rangeset.c semantics) --------------------- */

bool hv_rangeset_contains(const struct hv_rangeset *rs, uint64_t s,
			  uint64_t e)
{
	for (unsigned int i = 0; i < rs->n; i++)
		if (rs->r[i].s <= s && e <= rs->r[i].e)
			return true;
	return false;
}

static bool rangeset_overlaps(const struct hv_rangeset *rs, uint64_t s,
			      uint64_t e)
{
	for (unsigned int i = 0; i < rs->n; i++)
		if (rs->r[i].s <= e && s <= rs->r[i].e)
			return true;
	return false;
}

static int rangeset_insert(struct hv_rangeset *rs, unsigned int at,
			   uint64_t s, uint64_t e)
{
	if (rs->n == rs->cap) {
		unsigned int cap = rs->cap ? rs->cap * 2 : 8;
		struct hv_range *r = realloc(rs->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		rs->r = r;
		rs->cap = cap;
	}
	memmove(&rs->r[at + 1], &rs->r[at], (rs->n - at) * sizeof(*rs->r));
	rs->r[at] = (struct hv_range){ s, e };
	rs->n++;
	return 0;
}

static void rangeset_delete(struct hv_rangeset *rs, unsigned int at)
{
	memmove(&rs->r[at], &rs->r[at + 1], (rs->n - at - 1) * sizeof(*rs->r));
	rs->n--;
}

/* Add a range known not to overlap; merge with adjacent neighbours. */
static int rangeset_add(struct hv_rangeset *rs, uint64_t s, uint64_t e)
{
	unsigned int i = 0;

	while (i < rs->n && rs->r[i].e < s)
		i++;
	if (i > 0 && rs->r[i - 1].e + 1 == s) {
		rs->r[i - 1].e = e;
		if (i < rs->n && e != UINT64_MAX && rs->r[i].s == e + 1) {
			rs->r[i - 1].e = rs->r[i].e;
			rangeset_delete(rs, i);
		}
		return 0;
	}
	if (i < rs->n && e != UINT64_MAX && rs->r[i].s == e + 1) {
		rs->r[i].s = s;
		return 0;
	}
	return rangeset_insert(rs, i, s, e);
}

/* Remove [s, e], contained in one range (checked by the caller). */
static int rangeset_remove(struct hv_rangeset *rs, uint64_t s, uint64_t e)
{
	for (unsigned int i = 0; i < rs->n; i++) {
		struct hv_range *r = &rs->r[i];

		if (!(r->s <= s && e <= r->e))
			continue;
		if (r->s == s && r->e == e)
			rangeset_delete(rs, i);
		else if (r->s == s)
			r->s = e + 1;
		else if (r->e == e)
			r->e = s - 1;
		else {
			uint64_t old_e = r->e;

			r->e = s - 1;
			return rangeset_insert(rs, i + 1, e + 1, old_e);
		}
		return 0;
	}
	return -ENOENT;
}

/* ---- server pages ---------------------------------------------------- */

static int alloc_page(struct hv_domain *d, uint32_t *slot, void **va)
{
	int rc = hv_pool_alloc(d, slot);

	if (rc)
		return rc;
	*va = hv_pool_map(d, *slot);
	if (!*va) {
		*slot = 0;
		return -ENOMEM;
	}
	return 0;
}

/* ioreq_server_alloc_pages(): for map_resource. */
int hv_server_alloc_pages(struct hv_domain *d, struct hv_server *s)
{
	void *va;
	int rc;

	if (s->ioreq_slot)
		return s->ioreq_gfn >= 0 ? -EPERM : 0;
	rc = alloc_page(d, &s->ioreq_slot, &va);
	if (rc)
		return rc;
	s->ioreq_va = va;
	if (s->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF) {
		rc = alloc_page(d, &s->buf_slot, &va);
		if (rc)
			return rc;
		s->buf_va = va;
	}
	return 0;
}

static int64_t alloc_ioreq_gfn(struct hv_domain *d)
{
	for (unsigned int i = 0; i < HV_NR_IOREQ_GFNS; i++) {
		if (d->ioreq_gfn_mask & (1u << i)) {
			d->ioreq_gfn_mask &= ~(1u << i);
			return (int64_t)(HV_IOREQ_GFN_BASE + i);
		}
	}
	return -1;
}

static void free_ioreq_gfn(struct hv_domain *d, int64_t gfn)
{
	if (gfn >= 0) {
		d->ioreq_gfn_mask |= 1u << (gfn - (int64_t)HV_IOREQ_GFN_BASE);
		d->p2m[gfn] = 0;
	}
}

/* Legacy: the pages appear at gfns in the guest's p2m while disabled. */
static int map_pages_legacy(struct hv_domain *d, struct hv_server *s)
{
	void *va;
	int rc;

	if (s->ioreq_slot)
		return s->ioreq_gfn < 0 ? -EPERM : 0;
	s->ioreq_gfn = alloc_ioreq_gfn(d);
	if (s->ioreq_gfn < 0)
		return -ENOMEM;
	rc = alloc_page(d, &s->ioreq_slot, &va);
	if (rc)
		return rc;
	s->ioreq_va = va;
	if (s->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF) {
		s->buf_gfn = alloc_ioreq_gfn(d);
		if (s->buf_gfn < 0)
			return -ENOMEM;
		rc = alloc_page(d, &s->buf_slot, &va);
		if (rc)
			return rc;
		s->buf_va = va;
	}
	if (!s->enabled) {
		d->p2m[s->ioreq_gfn] = s->ioreq_slot;
		if (s->buf_gfn >= 0)
			d->p2m[s->buf_gfn] = s->buf_slot;
	}
	return 0;
}

/* ---- create / destroy / state ---------------------------------------- */

static int server_create(struct xensim *sim, struct hv_conn *c,
			 struct hv_domain *d, uint64_t bufioreq, uint64_t *id)
{
	struct hv_server *s = NULL;
	int rc;

	if (bufioreq > HVM_IOREQSRV_BUFIOREQ_ATOMIC)
		return -EINVAL;
	for (int i = 0; i < HV_MAX_SERVERS; i++) {
		if (!d->srv[i].used) {
			s = &d->srv[i];
			break;
		}
	}
	if (!s)
		return -ENOSPC;
	s->used = true;
	s->gen++;
	s->enabled = false;
	s->bufioreq = (int)bufioreq;
	s->creator = c->pid;
	s->ioreq_gfn = s->buf_gfn = -1;
	s->buf_port = 0;
	/* ioreq_server_add_vcpu(): vCPU 0's port, then the buffered port,
	 * then the other vCPUs' ports, all unbound towards dom0. */
	for (unsigned int v = 0; v < d->nr_vcpus; v++) {
		rc = hv_gport_alloc_unbound(d, 0, v);
		if (rc < 0)
			goto fail;
		s->vcpu_port[v] = (uint32_t)rc;
		if (v == 0 && s->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF) {
			/* Xen: alloc_unbound_xen_event_channel(d, 0, ...). */
			rc = hv_gport_alloc_unbound(d, 0, 0);
			if (rc < 0)
				goto fail;
			s->buf_port = (uint32_t)rc;
		}
	}
	*id = s->id;
	return 0;
fail:
	hv_server_destroy(sim, d, s);
	return rc;
}

void hv_server_destroy(struct xensim *sim, struct hv_domain *d,
		       struct hv_server *s)
{
	for (unsigned int v = 0; v < d->nr_vcpus; v++)
		if (s->vcpu_port[v])
			hv_gport_close(sim, d, s->vcpu_port[v]);
	if (s->buf_port)
		hv_gport_close(sim, d, s->buf_port);
	memset(s->vcpu_port, 0, sizeof(s->vcpu_port));
	s->buf_port = 0;
	for (int t = 0; t < 3; t++) {
		free(s->range[t].r);
		memset(&s->range[t], 0, sizeof(s->range[t]));
	}
	if (s->ioreq_va)
		munmap(s->ioreq_va, XSP_PAGE_SIZE);
	if (s->buf_va)
		munmap(s->buf_va, XSP_PAGE_SIZE);
	s->ioreq_va = NULL;
	s->buf_va = NULL;
	s->ioreq_slot = s->buf_slot = 0;
	free_ioreq_gfn(d, s->ioreq_gfn);
	free_ioreq_gfn(d, s->buf_gfn);
	s->ioreq_gfn = s->buf_gfn = -1;
	s->enabled = false;
	s->used = false;
	s->gen++;
	pthread_cond_broadcast(&sim->cond);
}

static void server_set_state(struct xensim *sim, struct hv_domain *d,
			     struct hv_server *s, bool enable)
{
	if (s->enabled == enable)
		return;
	if (enable) {
		/* hvm_remove_ioreq_gfn(): the guest loses sight of them. */
		if (s->ioreq_gfn >= 0)
			d->p2m[s->ioreq_gfn] = 0;
		if (s->buf_gfn >= 0)
			d->p2m[s->buf_gfn] = 0;
		s->enabled = true;
		/* ioreq_update_evtchn() for every vCPU. */
		if (s->ioreq_va)
			for (unsigned int v = 0; v < d->nr_vcpus; v++)
				s->ioreq_va[v].vp_eport = s->vcpu_port[v];
	} else {
		/* hvm_add_ioreq_gfn() clears the page before giving it
		 * back to the guest. */
		if (s->ioreq_gfn >= 0) {
			memset(s->ioreq_va, 0, XSP_PAGE_SIZE);
			d->p2m[s->ioreq_gfn] = s->ioreq_slot;
		}
		if (s->buf_gfn >= 0) {
			memset(s->buf_va, 0, XSP_PAGE_SIZE);
			d->p2m[s->buf_gfn] = s->buf_slot;
		}
		s->enabled = false;
	}
	pthread_cond_broadcast(&sim->cond);
}

/* ---- routing (ioreq_server_select) ----------------------------------- */

struct hv_server *hv_server_select(struct hv_domain *d, ioreq_t *p)
{
	unsigned int type;
	uint64_t addr = p->addr;

	if (p->type == IOREQ_TYPE_PCI_CONFIG) {
		type = HV_PCI_RANGE;	/* test shorthand: already translated */
	} else if (p->type != IOREQ_TYPE_COPY && p->type != IOREQ_TYPE_PIO) {
		return NULL;
	} else if (p->type == IOREQ_TYPE_PIO && (p->addr & ~3ULL) == 0xcfc &&
		   (d->cf8 & 0x80000000u)) {
		uint32_t bdf = (d->cf8 >> 8) & 0xffff;

		type = HV_PCI_RANGE;
		addr = ((uint64_t)bdf << 32) | (d->cf8 & 0xfc) | (p->addr & 3);
	} else {
		type = p->type == IOREQ_TYPE_PIO ? XEN_DMOP_IO_RANGE_PORT
						 : XEN_DMOP_IO_RANGE_MEMORY;
	}

	/* FOR_EACH_IOREQ_SERVER walks from the highest id down. */
	for (int id = HV_MAX_SERVERS - 1; id >= 0; id--) {
		struct hv_server *s = &d->srv[id];
		const struct hv_rangeset *r = &s->range[type];
		uint64_t start, end;

		if (!s->used || !s->enabled)
			continue;
		switch (type) {
		case XEN_DMOP_IO_RANGE_PORT:
			start = addr;
			end = start + p->size - 1;
			if (hv_rangeset_contains(r, start, end))
				return s;
			break;
		case XEN_DMOP_IO_RANGE_MEMORY:
			/* hvm_mmio_first_byte() / hvm_mmio_last_byte() */
			start = p->df ? p->addr - (p->count - 1ULL) * p->size
				      : p->addr;
			end = p->df ? p->addr + p->size - 1
				    : p->addr + (uint64_t)p->count * p->size - 1;
			if (hv_rangeset_contains(r, start, end))
				return s;
			break;
		case HV_PCI_RANGE:
			if (hv_rangeset_contains(r, addr >> 32, addr >> 32)) {
				p->type = IOREQ_TYPE_PCI_CONFIG;
				p->addr = addr;
				return s;
			}
			break;
		}
	}
	return NULL;
}

/* ---- the dm_op dispatcher -------------------------------------------- */

static struct hv_server *get_server(struct hv_domain *d, uint64_t id)
{
	if (id >= HV_MAX_SERVERS || !d->srv[id].used)
		return NULL;
	return &d->srv[id];
}

static void ack_level(uint8_t *line, unsigned int *count, unsigned int level)
{
	if (level && !*line && count)
		(*count)++;
	*line = (uint8_t)level;
}

int hv_dm_request(struct xensim *sim, struct hv_conn *c, uint32_t op,
		  const uint64_t *a, uint64_t *v)
{
	struct hv_domain *d;
	struct hv_server *s;
	int rc = hv_check_domain(sim, c, a[0], &d);

	if (rc)
		return rc;
	switch (op) {
	case XSP_DM_CHECK_DOMAIN:
		return 0;
	case XSP_DM_NR_VCPUS:
		v[0] = d->nr_vcpus;
		return 0;
	case XSP_DM_CREATE:
		return server_create(sim, c, d, a[1], &v[0]);
	}

	if (op >= XSP_DM_GET_INFO && op <= XSP_DM_DESTROY) {
		s = get_server(d, a[1]);
		if (!s)
			return -ENOENT;
		switch (op) {
		case XSP_DM_GET_INFO:
			if (a[2]) {
				rc = map_pages_legacy(d, s);
				if (rc)
					return rc;
				v[0] = (uint64_t)s->ioreq_gfn;
			}
			if (s->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF) {
				if (a[2])
					v[1] = (uint64_t)s->buf_gfn;
				v[2] = s->buf_port;
			}
			return 0;
		case XSP_DM_MAP_RANGE:
		case XSP_DM_UNMAP_RANGE:
			if (a[2] > HV_PCI_RANGE)
				return -EINVAL;
			if (a[4] < a[3])
				return -EINVAL;
			if (op == XSP_DM_MAP_RANGE) {
				if (rangeset_overlaps(&s->range[a[2]], a[3],
						      a[4]))
					return -EEXIST;
				return rangeset_add(&s->range[a[2]], a[3], a[4]);
			}
			if (!hv_rangeset_contains(&s->range[a[2]], a[3], a[4]))
				return -ENOENT;
			return rangeset_remove(&s->range[a[2]], a[3], a[4]);
		case XSP_DM_SET_STATE:
			server_set_state(sim, d, s, a[2] != 0);
			return 0;
		case XSP_DM_DESTROY:
			hv_server_destroy(sim, d, s);
			return 0;
		}
	}

	switch (op) {
	case XSP_DM_INTX:
		/* dm.c set_pci_intx_level(): only segment 0 bus 0. */
		if (a[1] != 0 || a[2] != 0 || a[3] > 0x1f || a[4] > 3)
			return -EINVAL;
		if (a[5] > 1)
			return -EINVAL;
		ack_level(&d->intx[a[3]][a[4]], &d->intx_asserts[a[3]][a[4]],
			  (unsigned int)a[5]);
		break;
	case XSP_DM_ISA_IRQ:
		if (a[1] > 15 || a[2] > 1)
			return -EINVAL;
		ack_level(&d->isa[a[1]], NULL, (unsigned int)a[2]);
		break;
	case XSP_DM_IRQ:
		if (a[1] >= HV_NR_GSIS || a[2] > 1)
			return -EINVAL;
		ack_level(&d->gsi[a[1]], NULL, (unsigned int)a[2]);
		break;
	case XSP_DM_LINK_ROUTE:
		if (a[1] > 3 || a[2] > 15)
			return -EINVAL;
		d->link_route[a[1]] = (uint8_t)a[2];
		break;
	case XSP_DM_MSI:
		if (d->msi_n == d->msi_cap) {
			unsigned int cap = d->msi_cap ? d->msi_cap * 2 : 16;
			struct hv_msi *m = realloc(d->msi, cap * sizeof(*m));

			if (!m)
				return -ENOMEM;
			d->msi = m;
			d->msi_cap = cap;
		}
		d->msi[d->msi_n++] = (struct hv_msi){ a[1], (uint32_t)a[2] };
		break;
	default:
		return -EOPNOTSUPP;
	}
	pthread_cond_broadcast(&sim->cond);
	return 0;
}

int xensim_server_destroy(struct xensim *sim, uint16_t domid, uint16_t id)
{
	struct hv_domain *d;
	int rc = 0;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d)
		rc = -ESRCH;
	else if (id >= HV_MAX_SERVERS || !d->srv[id].used)
		rc = -ENOENT;
	else
		hv_server_destroy(sim, d, &d->srv[id]);
	pthread_mutex_unlock(&sim->lock);
	return rc;
}
