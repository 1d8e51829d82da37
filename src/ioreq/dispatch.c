/* SPDX-License-Identifier: MIT */
/*
 * Event channel draining and the synchronous ioreq state machine.
 *
 * Xen, for a vCPU that trapped on one of our ranges: fills the vCPU's
 * slot in the shared page, smp_wmb(), state = READY, notifies the vCPU's
 * event channel, and parks the vCPU until it sees IORESP_READY.
 * We: pending port -> vCPU, unmask, drain the buffered ring (ordering:
 * buffered writes queued before this access must land first), check
 * READY, copy the slot, INPROCESS, handle the copy, write back only data,
 * state = IORESP_READY, notify.  Xen then sets the slot back to NONE.
 *
 * The state field is the low nibble of byte 30 of ioreq_t (bit-fields
 * state:4, data_is_ptr:1, dir:1, df:1).  We read and write that byte with
 * atomic accesses and C11 fences: those are the architecture's SMP
 * barriers (on x86-64, TSO makes acquire/release cost only a compiler
 * barrier, exactly like Xen's xen_rmb()/xen_wmb(); on Arm they are dmb).
 * A plain compiler barrier would be wrong on weakly ordered CPUs (see
 * varstored's "Correct memory barriers").
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "common/log.h"
#include "ioreq/bufring.h"
#include "ioreq/ioreq-internal.h"

_Static_assert(sizeof(ioreq_t) == 32, "ioreq_t layout");
_Static_assert(offsetof(ioreq_t, vp_eport) == 24, "ioreq_t layout");
_Static_assert(offsetof(ioreq_t, type) == 31, "ioreq_t layout");

#define IOREQ_STATE_BYTE	30
#define IOREQ_STATE_MASK	0x0f

static uint8_t *state_byte(ioreq_t *slot)
{
	return (uint8_t *)slot + IOREQ_STATE_BYTE;
}

static void buffered_one(void *opaque, const struct bufring_req *b)
{
	struct ioreq_server *s = opaque;
	ioreq_t req;

	memset(&req, 0, sizeof(req));
	req.addr = b->addr;
	req.data = b->data;
	req.size = b->size;
	req.count = 1;
	req.type = b->type;
	req.dir = IOREQ_WRITE;
	s->st.buf_ioreqs++;
	log_debug("ioreq: dom%u: buffered %s write %#llx size %u data %#llx",
		  s->domid, ioreq_type_name(b->type),
		  (unsigned long long)b->addr, b->size,
		  (unsigned long long)b->data);
	if (b->dir != IOREQ_WRITE) {
		/* Nobody waits for a buffered read's result. */
		s->st.bad_ioreqs++;
		log_guest_warn("ioreq: dom%u: buffered read ioreq dropped",
			       s->domid);
		return;
	}
	ioreq_execute(s, BUS_VCPU_NONE, &req);
}

static __attribute__((noinline)) void drain_buffered(struct ioreq_server *s)
{
	int rc = bufring_drain(s->buffered, buffered_one, s);

	if (rc == -EPROTO) {
		s->st.bad_states++;
		log_guest_warn("ioreq: dom%u: buffered ring pointers inconsistent; ring resynchronised",
			       s->domid);
	}
}

/* Inline: an empty ring (the usual case) costs one load and a compare. */
static inline void drain_if_any(struct ioreq_server *s)
{
	if (s->buffered && !bufring_empty(s->buffered))
		drain_buffered(s);
}

void ioreq_drain_buffered(struct ioreq_server *s)
{
	drain_if_any(s);
}

/* Serve vCPU vcpu's slot if it holds a READY request (adopted: also one
 * a crashed predecessor left INPROCESS).  Inlined into its two callers:
 * one is every request's path. */
static inline __attribute__((always_inline)) void
serve_vcpu(struct ioreq_server *s, unsigned int vcpu, bool adopted)
{
	ioreq_t *slot = &s->shared->vcpu_ioreq[vcpu];
	uint8_t *sb = state_byte(slot);
	uint8_t byte;
	ioreq_t req;
	bool trace;

	/*
	 * Acquire: pairs with Xen's smp_wmb() before it set READY, so the
	 * copy below sees the request Xen wrote, not an older one.
	 */
	byte = __atomic_load_n(sb, __ATOMIC_ACQUIRE);
	switch (byte & IOREQ_STATE_MASK) {
	case STATE_IOREQ_READY:
		break;
	case STATE_IOREQ_INPROCESS:
		if (adopted)
			break;
		goto unexpected;
	case STATE_IOREQ_NONE:
		/* Spurious: Xen sets a port pending when it is bound, and a
		 * buffered-only event may share a wakeup. */
		return;
	case STATE_IORESP_READY:
		/*
		 * Also spurious: a notify that arrived while the port was
		 * masked (e.g. behind the bind-time event) is delivered again
		 * on unmask, after we already answered the request it
		 * announced; Xen has not consumed our answer yet.  QEMU
		 * ignores this case the same way.
		 */
		log_debug("ioreq: dom%u vcpu%u: event for an answered ioreq",
			  s->domid, vcpu);
		return;
	default:
unexpected:
		/*
		 * INPROCESS / IORESP_READY / garbage: not something we should
		 * touch.  Leaving it never hangs the vCPU: Xen waits only on
		 * READY/INPROCESS it set itself, and we answered those.
		 */
		s->st.bad_states++;
		log_guest_warn("ioreq: dom%u vcpu%u: unexpected ioreq state %u on event",
			       s->domid, vcpu, byte & IOREQ_STATE_MASK);
		return;
	}

	/* Copy before acting: Xen owns the slot again once we answer. */
	memcpy(&req, slot, sizeof(req));
	/* Bookkeeping only (Xen does not wait on it); relaxed is enough. */
	__atomic_store_n(sb, (uint8_t)((byte & ~IOREQ_STATE_MASK) |
				       STATE_IOREQ_INPROCESS),
			 __ATOMIC_RELAXED);

	s->st.sync_ioreqs++;
	/* One level check for both trace lines (this is the hot path). */
	trace = log_enabled(LOG_LVL_DEBUG);
	if (trace)
		log_msg(LOG_LVL_DEBUG,
			"ioreq: dom%u vcpu%u: %s %s addr %#llx size %u count %u%s%s data %#llx",
			s->domid, vcpu, ioreq_type_name(req.type),
			req.dir == IOREQ_READ ? "read" : "write",
			(unsigned long long)req.addr, req.size, req.count,
			req.data_is_ptr ? " ptr" : "", req.df ? " df" : "",
			(unsigned long long)req.data);

	ioreq_execute(s, vcpu, &req);
	/* The daemon's last word before the guest may go on (e.g. saving
	 * state the request changed). */
	if (s->answer_hook)
		s->answer_hook(s->answer_opaque);

	/* Write back only what Xen reads: the data of a read. */
	if (req.dir == IOREQ_READ && !req.data_is_ptr) {
		__atomic_store_n(&slot->data, req.data, __ATOMIC_RELAXED);
		if (trace)
			log_msg(LOG_LVL_DEBUG, "ioreq: dom%u vcpu%u: -> %#llx",
				s->domid, vcpu, (unsigned long long)req.data);
	}
	/*
	 * Release: data (and any guest memory a rep read wrote) is visible
	 * before Xen can observe IORESP_READY and resume the vCPU; pairs
	 * with Xen's smp_rmb() after it reads the state.
	 */
	__atomic_store_n(sb, (uint8_t)((byte & ~IOREQ_STATE_MASK) |
				       STATE_IORESP_READY),
			 __ATOMIC_RELEASE);
	if (xenevtchn_notify(s->xce, s->vcpu_port[vcpu]) < 0)
		log_warn("ioreq: dom%u vcpu%u: notify failed: %s", s->domid,
			 vcpu, strerror(errno));
}

static int port_to_vcpu(const struct ioreq_server *s, evtchn_port_t port)
{
	/* nr_vcpus is small (<= 128) and the array hot: a scan is fine. */
	for (unsigned int i = 0; i < s->nr_vcpus; i++)
		if (s->vcpu_port[i] == port)
			return (int)i;
	return -1;
}

int ioreq_server_handle_pending(struct ioreq_server *s)
{
	xenevtchn_port_or_error_t port = xenevtchn_pending(s->xce);
	int vcpu;

	/*
	 * One event per call, as QEMU's handler takes one: the fd is
	 * level-triggered, so the caller's next poll returns at once while
	 * more are queued, and an isolated request costs no read that finds
	 * nothing.  That also bounds the work per call (the caller's other
	 * sources get their turn between two events).
	 */
	if (port < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		log_err("ioreq: dom%u: reading pending events: %s", s->domid,
			strerror(errno));
		return -errno;
	}
	s->st.events++;

	/* Unmask first: an event arriving while we work is then delivered
	 * again instead of lost. */
	if (xenevtchn_unmask(s->xce, (evtchn_port_t)port) < 0) {
		int rc = -errno;

		log_err("ioreq: dom%u: unmask port %d: %s", s->domid, port,
			strerror(-rc));
		return rc;
	}

	/* Buffered writes queued before a synchronous access must be seen
	 * first (QEMU does the same). */
	drain_if_any(s);

	if (s->buf_bound && (evtchn_port_t)port == s->buf_port)
		return 1;
	vcpu = port_to_vcpu(s, (evtchn_port_t)port);
	if (vcpu < 0) {
		log_warn("ioreq: dom%u: event on unknown port %d", s->domid,
			 port);
		return 1;
	}
	serve_vcpu(s, (unsigned int)vcpu, false);
	return 1;
}

unsigned int ioreq_slot_state(struct ioreq_server *s, unsigned int vcpu)
{
	return __atomic_load_n(state_byte(&s->shared->vcpu_ioreq[vcpu]),
			       __ATOMIC_ACQUIRE) & IOREQ_STATE_MASK;
}

int ioreq_server_serve_adopted(struct ioreq_server *s, unsigned int vcpu)
{
	if (vcpu >= s->nr_vcpus || !s->vcpu_port[vcpu])
		return -EINVAL;
	drain_if_any(s);
	serve_vcpu(s, vcpu, true);
	return 0;
}

void ioreq_server_set_answer_hook(struct ioreq_server *s,
				  void (*fn)(void *opaque), void *opaque)
{
	s->answer_hook = fn;
	s->answer_opaque = opaque;
}
