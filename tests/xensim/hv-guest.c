/* SPDX-License-Identifier: MIT */
/*
 * The guest side: a vCPU's IO instruction turned into an ioreq as Xen
 * 4.17 does it (ioreq_send(), ioreq_send_buffered(), the null handler
 * when no enabled server claims the access), and the wait for the device
 * model's answer (wait_for_io(): only a notify on the vCPU's port wakes
 * it; a state going backwards or to NONE crashes the domain).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/xensim/hv-internal.h"

/* state is a bit-field: read it once through volatile, then an acquire
 * fence orders the later reads of data after it. */
static unsigned int slot_state(const ioreq_t *slot)
{
	unsigned int st = ((const volatile ioreq_t *)slot)->state;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return st;
}

static uint64_t size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Claim the vCPU: one synchronous ioreq in flight per vCPU. */
static int vcpu_enter(struct xensim *sim, uint16_t domid, unsigned int vcpu,
		      struct hv_domain **out)
{
	struct hv_domain *d = hv_domain_get(sim, domid);

	if (!d)
		return -ESRCH;
	if (vcpu >= d->nr_vcpus)
		return -EINVAL;
	while (d->vcpu_busy[vcpu] && !d->dead)
		pthread_cond_wait(&sim->cond, &sim->lock);
	if (d->dead)
		return -ESRCH;
	if (d->crashed)
		return -EIO;
	d->vcpu_busy[vcpu] = true;
	*out = d;
	return 0;
}

static void vcpu_leave(struct xensim *sim, struct hv_domain *d,
		       unsigned int vcpu)
{
	d->vcpu_busy[vcpu] = false;
	pthread_cond_broadcast(&sim->cond);
}

/*
 * The server went away while the vCPU waited, and something woke the vCPU
 * (the device model's answer just before it destroyed the server, or any
 * later notify of one of the vCPU's ports).  Xen 4.17 then finds no
 * pending ioreq_vcpu (ioreq_server_deinit() freed it) and completes the
 * access from the vCPU's own copy of the request
 * (vcpu_ioreq_handle_completion()): a write is done as far as the guest
 * can tell, a read returns what hvmemul_do_io() put in that copy, 0
 * (".data = data_is_addr ? data : 0"), not the device's answer.  The slot
 * page is gone and must not be touched.
 */
static int orphaned(ioreq_t *p)
{
	if (p->dir == IOREQ_READ && !p->data_is_ptr)
		p->data = 0;
	return 0;
}

/*
 * Send p to s through vcpu's slot and wait for the answer, as Xen 4.17's
 * ioreq_send() and wait_for_io() (xen/common/ioreq.c) do:
 *   - the slot must be NONE ("device model set bad IO state") and hold the
 *     vCPU's port ("device model set bad event channel"), else the access
 *     fails and the domain is crashed (handle_pio()/handle_mmio());
 *   - the vCPU blocks until a notify wakes it (any of its Xen ports:
 *     hv_guest_notify()), then re-reads the state: IORESP_READY completes
 *     with the slot's data; NONE completes with all-ones ("an emulator
 *     dying races with I/O being requested"); a state below the last one
 *     seen or above IORESP_READY crashes the domain; the same state waits
 *     on.  So a slot left READY or INPROCESS by a dead device model keeps
 *     the vCPU blocked until a device model answers it.
 *   - a server destroyed while the vCPU is blocked does NOT wake it (the
 *     guest port is closed without a notification): it stays blocked
 *     until some notify of one of its ports, then completes as orphaned().
 */
static int send_sync(struct xensim *sim, struct hv_domain *d,
		     struct hv_server *s, unsigned int vcpu, ioreq_t *p)
{
	uint32_t gen = s->gen, port = s->vcpu_port[vcpu];
	unsigned int prev = STATE_IOREQ_READY;
	struct timespec ts;
	uint64_t seen;
	ioreq_t *slot;

	if (!s->ioreq_va) {
		/* No page: Xen cannot deliver (the server is unusable). */
		return -ENXIO;
	}
	slot = &s->ioreq_va[vcpu];
	if (slot_state(slot) != STATE_IOREQ_NONE) {
		hv_domain_crash(sim, d, "device model set bad IO state");
		return -EIO;
	}
	if (slot->vp_eport != port) {
		/* Written by Xen when the server was enabled with its page
		 * mapped; a device model must never change it. */
		hv_domain_crash(sim, d, "device model set bad event channel");
		return -EIO;
	}
	p->vp_eport = port;
	p->state = STATE_IOREQ_NONE;
	seen = d->vcpu_wakes[vcpu];
	*slot = *p;
	/* The ioreq's contents before its state (Xen: implicit barrier in
	 * prepare_wait_on_xen_event_channel()). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->state = STATE_IOREQ_READY;
	sim->st.ioreqs++;
	if (d->port[port].state == PORT_INTERDOMAIN)
		hv_lport_deliver(sim, d->port[port].rport);

	hv_deadline(&ts, -1);
	for (;;) {
		unsigned int state;

		while (d->vcpu_wakes[vcpu] == seen) {
			if (d->dead)
				return -ESRCH;
			if (pthread_cond_timedwait(&sim->cond, &sim->lock, &ts) ==
			    ETIMEDOUT) {
				if (s->gen != gen)
					fprintf(stderr,
						"xensim: dom%u vcpu%u: blocked on ioreq server %u, destroyed without waking the vCPU\n",
						d->domid, vcpu, s->id);
				else
					fprintf(stderr,
						"xensim: dom%u vcpu%u: no answer from ioreq server %u (state %u)\n",
						d->domid, vcpu, s->id, slot->state);
				return -ETIMEDOUT;
			}
		}
		seen = d->vcpu_wakes[vcpu];
		if (s->gen != gen)
			return orphaned(p);
		state = slot_state(slot);
		if (state == STATE_IOREQ_NONE) {
			/* wait_for_io(): data = ~0, no crash. */
			sim->st.none_completions++;
			p->data = ~0ULL;
			return 0;
		}
		if (state == prev)
			continue;	/* woken, nothing changed: wait on */
		if (state < prev || state > STATE_IORESP_READY) {
			char why[96];

			if (state < prev)
				snprintf(why, sizeof(why),
					 "weird HVM ioreq state transition %u -> %u",
					 prev, state);
			else
				snprintf(why, sizeof(why),
					 "weird HVM iorequest state %u", state);
			hv_domain_crash(sim, d, why);
			return -EIO;
		}
		prev = state;
		if (state == STATE_IORESP_READY) {
			p->data = slot->data;
			slot->state = STATE_IOREQ_NONE;
			return 0;
		}
	}
}

int xensim_dm_take(struct xensim *sim, uint16_t domid, unsigned int vcpu)
{
	struct hv_domain *d;
	int rc = -ENOENT;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d) {
		rc = -ESRCH;
	} else if (vcpu >= d->nr_vcpus) {
		rc = -EINVAL;
	} else {
		for (int id = HV_MAX_SERVERS - 1; id >= 0; id--) {
			struct hv_server *s = &d->srv[id];

			if (!s->used || !s->ioreq_va ||
			    slot_state(&s->ioreq_va[vcpu]) != STATE_IOREQ_READY)
				continue;
			s->ioreq_va[vcpu].state = STATE_IOREQ_INPROCESS;
			rc = id;
			break;
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

/* hvm null handler: reads see all-ones, writes vanish. */
static int null_handle(struct xensim *sim, struct hv_domain *d, ioreq_t *p)
{
	sim->st.null_handled++;
	if (p->dir != IOREQ_READ)
		return 0;
	if (!p->data_is_ptr) {
		p->data = size_mask(p->size);
		return 0;
	}
	for (uint32_t i = 0; i < p->count; i++) {
		uint64_t ones = ~0ULL;
		uint64_t gpa = p->df ? p->data - (uint64_t)i * p->size
				     : p->data + (uint64_t)i * p->size;

		for (uint32_t b = 0; b < p->size; b++) {
			uint64_t a = gpa + b, g = a >> XSP_PAGE_SHIFT;

			if (g < d->p2m_size && d->p2m[g])
				(void)!pwrite(d->pool_fd, &ones, 1,
					      ((off_t)(d->p2m[g] - 1) << XSP_PAGE_SHIFT) +
					      (off_t)(a & (XSP_PAGE_SIZE - 1)));
		}
	}
	return 0;
}

int xensim_ioreq(struct xensim *sim, uint16_t domid, unsigned int vcpu,
		 struct xensim_ioreq *req)
{
	struct hv_domain *d;
	struct hv_server *s;
	ioreq_t p;
	int rc;

	if (!req || (req->size != 1 && req->size != 2 && req->size != 4 &&
		     req->size != 8) || req->count == 0 ||
	    (req->type != IOREQ_TYPE_PIO && req->type != IOREQ_TYPE_COPY &&
	     req->type != IOREQ_TYPE_PCI_CONFIG))
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.addr = req->addr;
	p.data = req->data;
	p.count = req->count;
	p.size = req->size;
	p.type = req->type;
	p.dir = req->dir ? IOREQ_READ : IOREQ_WRITE;
	p.df = req->df ? 1 : 0;
	p.data_is_ptr = req->data_is_ptr ? 1 : 0;
	if (!p.data_is_ptr && p.dir == IOREQ_WRITE)
		p.data &= size_mask(p.size);

	pthread_mutex_lock(&sim->lock);
	rc = vcpu_enter(sim, domid, vcpu, &d);
	if (rc)
		goto out;
	/* hvm_access_cf8(): latch a 4-byte write to 0xcf8, then carry on
	 * to whichever server claims the port. */
	if (p.type == IOREQ_TYPE_PIO && p.addr == 0xcf8 && p.size == 4 &&
	    p.dir == IOREQ_WRITE && !p.data_is_ptr)
		d->cf8 = (uint32_t)p.data;
	s = hv_server_select(d, &p);
	req->server = s ? s->id : -1;
	rc = s ? send_sync(sim, d, s, vcpu, &p) : null_handle(sim, d, &p);
	if (!rc && p.dir == IOREQ_READ)
		req->data = p.data_is_ptr ? p.data : p.data & size_mask(p.size);
	vcpu_leave(sim, d, vcpu);
out:
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

static int simple(struct xensim *sim, uint16_t domid, unsigned int vcpu,
		  uint8_t type, uint64_t addr, unsigned int size, int dir,
		  uint64_t *val)
{
	struct xensim_ioreq r = {
		.addr = addr, .data = dir ? 0 : *val, .count = 1,
		.size = size, .type = type, .dir = (uint8_t)dir,
	};
	int rc = xensim_ioreq(sim, domid, vcpu, &r);

	if (!rc && dir)
		*val = r.data;
	return rc;
}

int xensim_pio_read(struct xensim *sim, uint16_t domid, unsigned int vcpu,
		    uint16_t port, unsigned int size, uint64_t *val)
{
	return simple(sim, domid, vcpu, IOREQ_TYPE_PIO, port, size, 1, val);
}

int xensim_pio_write(struct xensim *sim, uint16_t domid, unsigned int vcpu,
		     uint16_t port, unsigned int size, uint64_t val)
{
	return simple(sim, domid, vcpu, IOREQ_TYPE_PIO, port, size, 0, &val);
}

int xensim_mmio_read(struct xensim *sim, uint16_t domid, unsigned int vcpu,
		     uint64_t gpa, unsigned int size, uint64_t *val)
{
	return simple(sim, domid, vcpu, IOREQ_TYPE_COPY, gpa, size, 1, val);
}

int xensim_mmio_write(struct xensim *sim, uint16_t domid, unsigned int vcpu,
		      uint64_t gpa, unsigned int size, uint64_t val)
{
	return simple(sim, domid, vcpu, IOREQ_TYPE_COPY, gpa, size, 0, &val);
}

int xensim_pci_cfg_read(struct xensim *sim, uint16_t domid, unsigned int vcpu,
			uint32_t sbdf, unsigned int reg, unsigned int size,
			uint64_t *val)
{
	if (reg > 4095 || size > 4)
		return -EINVAL;
	return simple(sim, domid, vcpu, IOREQ_TYPE_PCI_CONFIG,
		      ((uint64_t)sbdf << 32) | reg, size, 1, val);
}

int xensim_pci_cfg_write(struct xensim *sim, uint16_t domid,
			 unsigned int vcpu, uint32_t sbdf, unsigned int reg,
			 unsigned int size, uint64_t val)
{
	if (reg > 4095 || size > 4)
		return -EINVAL;
	return simple(sim, domid, vcpu, IOREQ_TYPE_PCI_CONFIG,
		      ((uint64_t)sbdf << 32) | reg, size, 0, &val);
}

int xensim_send_invalidate(struct xensim *sim, uint16_t domid,
			   unsigned int vcpu)
{
	struct hv_domain *d;
	int rc, answered = 0;

	pthread_mutex_lock(&sim->lock);
	rc = vcpu_enter(sim, domid, vcpu, &d);
	if (rc)
		goto out;
	/* ioreq_broadcast(): every enabled server, synchronously. */
	for (int id = HV_MAX_SERVERS - 1; id >= 0 && !rc; id--) {
		struct hv_server *s = &d->srv[id];
		ioreq_t p = {
			.type = IOREQ_TYPE_INVALIDATE, .size = 4,
			.dir = IOREQ_WRITE, .data = ~0UL, .count = 1,
		};

		if (!s->used || !s->enabled)
			continue;
		rc = send_sync(sim, d, s, vcpu, &p);
		if (!rc)
			answered++;
	}
	vcpu_leave(sim, d, vcpu);
out:
	pthread_mutex_unlock(&sim->lock);
	return rc ? rc : answered;
}

/* ioreq_send_buffered(), line by line. */
static int send_buffered(struct xensim *sim, struct hv_domain *d,
			 struct hv_server *s, const ioreq_t *p)
{
	buffered_iopage_t *pg = s->buf_va;
	buf_ioreq_t bp = { .type = p->type, .dir = p->dir };
	uint32_t rp, wp;
	int qw = 0;

	if (!pg)
		return -EAGAIN;		/* IOREQ_STATUS_UNHANDLED */
	if (p->addr > 0xfffffUL || p->data_is_ptr || p->count != 1)
		return XENSIM_BUF_DROPPED;	/* Xen returns 0: dropped */
	switch (p->size) {
	case 1: bp.size = 0; break;
	case 2: bp.size = 1; break;
	case 4: bp.size = 2; break;
	case 8: bp.size = 3; qw = 1; break;
	default: return -EAGAIN;
	}
	bp.addr = (uint32_t)p->addr & 0xfffff;
	bp.data = (uint32_t)p->data;

	pthread_mutex_lock(&s->buf_lock);
	rp = __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE);
	wp = pg->write_pointer;
	if (wp - rp >= (uint32_t)(IOREQ_BUFFER_SLOT_NUM - qw)) {
		pthread_mutex_unlock(&s->buf_lock);
		return -EAGAIN;		/* full: Xen goes synchronous */
	}
	pg->buf_ioreq[wp % IOREQ_BUFFER_SLOT_NUM] = bp;
	if (qw) {
		bp.data = (uint32_t)(p->data >> 32);
		pg->buf_ioreq[(wp + 1) % IOREQ_BUFFER_SLOT_NUM] = bp;
	}
	/* Make the slots visible before write_pointer (smp_wmb). */
	__atomic_store_n(&pg->write_pointer, wp + (qw ? 2 : 1),
			 __ATOMIC_RELEASE);
	sim->st.bufioreqs += qw ? 2 : 1;

	/* Canonicalize the pointers so they never overflow (ATOMIC mode:
	 * the device model reads both as one 64-bit word). */
	while (s->bufioreq == HVM_IOREQSRV_BUFIOREQ_ATOMIC &&
	       qw++ < IOREQ_BUFFER_SLOT_NUM &&
	       __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE) >=
		       IOREQ_BUFFER_SLOT_NUM) {
		uint64_t *full = (uint64_t *)&pg->read_pointer;
		uint64_t old = __atomic_load_n(full, __ATOMIC_ACQUIRE), new;
		uint32_t orp = (uint32_t)old, owp = (uint32_t)(old >> 32);
		uint32_t n = orp / IOREQ_BUFFER_SLOT_NUM;

		new = (uint64_t)(orp - n * IOREQ_BUFFER_SLOT_NUM) |
		      ((uint64_t)(owp - n * IOREQ_BUFFER_SLOT_NUM) << 32);
		__atomic_compare_exchange_n(full, &old, new, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	if (d->port[s->buf_port].state == PORT_INTERDOMAIN)
		hv_lport_deliver(sim, d->port[s->buf_port].rport);
	pthread_mutex_unlock(&s->buf_lock);
	return 0;
}

int xensim_buffered_write(struct xensim *sim, uint16_t domid, uint8_t type,
			  uint64_t addr, unsigned int size, uint64_t val)
{
	ioreq_t p = {
		.addr = addr, .data = val & size_mask(size), .count = 1,
		.size = size, .type = type, .dir = IOREQ_WRITE,
	};
	struct hv_domain *d;
	struct hv_server *s;
	int rc;

	if (type != IOREQ_TYPE_PIO && type != IOREQ_TYPE_COPY)
		return -EINVAL;
	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d) {
		rc = -ESRCH;
	} else {
		s = hv_server_select(d, &p);
		rc = s ? send_buffered(sim, d, s, &p) : -EAGAIN;
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

int xensim_send_timeoffset(struct xensim *sim, uint16_t domid, int64_t delta)
{
	struct hv_domain *d;
	int failed = 0;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d) {
		pthread_mutex_unlock(&sim->lock);
		return -ESRCH;
	}
	/* send_timeoffset_req(): a zero offset is not sent at all. */
	for (int id = HV_MAX_SERVERS - 1; id >= 0 && delta != 0; id--) {
		struct hv_server *s = &d->srv[id];
		ioreq_t p = {
			.type = IOREQ_TYPE_TIMEOFFSET, .size = 8, .count = 1,
			.dir = IOREQ_WRITE, .data = (uint64_t)delta,
		};

		if (!s->used || !s->enabled)
			continue;
		if (send_buffered(sim, d, s, &p) != 0)
			failed++;
	}
	pthread_mutex_unlock(&sim->lock);
	return failed;
}

/* ---- interrupt lines ------------------------------------------------- */

static int line_get(struct xensim *sim, uint16_t domid, int kind,
		    unsigned int a, unsigned int b, int want_count)
{
	struct hv_domain *d;
	int rc;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d)
		rc = -ESRCH;
	else if (kind == 0)
		rc = a > 31 || b > 3 ? -EINVAL
		     : want_count ? (int)d->intx_asserts[a][b] : d->intx[a][b];
	else if (kind == 1)
		rc = a > 15 ? -EINVAL : d->isa[a];
	else
		rc = a >= HV_NR_GSIS ? -EINVAL : d->gsi[a];
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

int xensim_intx_level(struct xensim *sim, uint16_t domid, uint8_t device,
		      uint8_t pin)
{
	return line_get(sim, domid, 0, device, pin, 0);
}

int xensim_intx_assert_count(struct xensim *sim, uint16_t domid,
			     uint8_t device, uint8_t pin)
{
	return line_get(sim, domid, 0, device, pin, 1);
}

int xensim_isa_irq_level(struct xensim *sim, uint16_t domid, uint8_t irq)
{
	return line_get(sim, domid, 1, irq, 0, 0);
}

int xensim_gsi_level(struct xensim *sim, uint16_t domid, unsigned int gsi)
{
	return line_get(sim, domid, 2, gsi, 0, 0);
}

static int line_wait(struct xensim *sim, uint16_t domid, int kind,
		     unsigned int a, unsigned int b, int level, int timeout_ms)
{
	struct timespec ts;
	struct hv_domain *d;
	int rc;

	if ((kind == 0 && (a > 31 || b > 3)) || (kind == 1 && a > 15))
		return -EINVAL;
	hv_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	for (;;) {
		if (!d || d->dead) {
			rc = -ESRCH;
			break;
		}
		if ((kind == 0 ? d->intx[a][b] : d->isa[a]) == !!level) {
			rc = 0;
			break;
		}
		if (pthread_cond_timedwait(&sim->cond, &sim->lock, &ts) ==
		    ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

int xensim_intx_wait(struct xensim *sim, uint16_t domid, uint8_t device,
		     uint8_t pin, int level, int timeout_ms)
{
	return line_wait(sim, domid, 0, device, pin, level, timeout_ms);
}

int xensim_isa_irq_wait(struct xensim *sim, uint16_t domid, uint8_t irq,
			int level, int timeout_ms)
{
	return line_wait(sim, domid, 1, irq, 0, level, timeout_ms);
}

int xensim_msi_next(struct xensim *sim, uint16_t domid, uint64_t *addr,
		    uint32_t *data, int timeout_ms)
{
	struct timespec ts;
	struct hv_domain *d;
	int rc;

	hv_deadline(&ts, timeout_ms);
	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	for (;;) {
		if (!d || d->dead) {
			rc = -ESRCH;
			break;
		}
		if (d->msi_n) {
			*addr = d->msi[0].addr;
			*data = d->msi[0].data;
			memmove(&d->msi[0], &d->msi[1],
				(d->msi_n - 1) * sizeof(*d->msi));
			d->msi_n--;
			rc = 0;
			break;
		}
		if (pthread_cond_timedwait(&sim->cond, &sim->lock, &ts) ==
		    ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}
