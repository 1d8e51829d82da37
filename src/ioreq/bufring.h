/* SPDX-License-Identifier: MIT */
/*
 * The buffered ioreq ring (Xen's buffered_iopage_t) in ATOMIC mode.
 *
 * Xen queues fire-and-forget writes here (the guest does not wait for
 * them): 511 slots of 8 bytes after two 32-bit pointers.  An 8-byte write
 * takes two slots, the second carrying the high 32 bits.  In
 * HVM_IOREQSRV_BUFIOREQ_ATOMIC mode Xen may rewrite both pointers at once
 * with a 64-bit cmpxchg to keep them small, so the device model must
 * advance read_pointer with an atomic add, never a plain store.
 *
 * Pure logic on a page pointer (no Xen calls), so it is unit-tested on a
 * plain page.
 */
#ifndef HVMLINK_IOREQ_BUFRING_H
#define HVMLINK_IOREQ_BUFRING_H

#include <stdint.h>

#define BUFRING_SLOTS	511	/* IOREQ_BUFFER_SLOT_NUM */

/* One decoded buffered request. */
struct bufring_req {
	uint64_t addr;		/* 20 bits on the wire */
	uint64_t data;
	unsigned int size;	/* 1, 2, 4, 8 */
	uint8_t type;		/* IOREQ_TYPE_* */
	uint8_t dir;		/* IOREQ_READ/WRITE: Xen only queues writes */
};

typedef void (*bufring_fn)(void *opaque, const struct bufring_req *req);

/*
 * Hand every complete request in the ring to fn, oldest first, consuming
 * each after fn returns.  Returns how many were handled, or -EPROTO if the
 * pointers are inconsistent (more than a ring's worth outstanding): the
 * ring is then resynchronised (everything outstanding dropped) so a
 * corrupt page cannot make us loop or read out of bounds.
 */
int bufring_drain(void *page, bufring_fn fn, void *opaque);

/*
 * Nothing queued?  The check the dispatcher makes on every event, inline
 * so an empty ring costs one load.  Acquire for the same reason as in
 * bufring_drain(): slots below write_pointer must be visible after it.
 */
static inline int bufring_empty(void *page)
{
	uint64_t full = __atomic_load_n((uint64_t *)page, __ATOMIC_ACQUIRE);

	return (uint32_t)full == (uint32_t)(full >> 32);
}

#endif /* HVMLINK_IOREQ_BUFRING_H */
