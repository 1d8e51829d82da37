/* SPDX-License-Identifier: MIT */
/*
 * Draining the buffered ioreq ring (see bufring.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <xendevicemodel.h>
#include <xen/hvm/ioreq.h>

#include "ioreq/bufring.h"

/*
 * Xen's tools view of the page has no union for the two pointers; ATOMIC
 * mode relies on them forming one naturally aligned 64-bit word with
 * read_pointer in the low half (x86 is little-endian).
 */
_Static_assert(offsetof(buffered_iopage_t, read_pointer) == 0, "layout");
_Static_assert(offsetof(buffered_iopage_t, write_pointer) == 4, "layout");
_Static_assert(offsetof(buffered_iopage_t, buf_ioreq) == 8, "layout");
_Static_assert(sizeof(buf_ioreq_t) == 8, "layout");
_Static_assert(IOREQ_BUFFER_SLOT_NUM == BUFRING_SLOTS, "slot count");
_Static_assert(sizeof(buffered_iopage_t) <= 4096, "one page");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "x86 layout");

static uint64_t *ring_ptrs(void *page)
{
	return (uint64_t *)page;
}

static uint32_t *ring_read_pointer(void *page)
{
	return (uint32_t *)page;
}

static buf_ioreq_t slot_load(void *page, uint32_t idx)
{
	const uint64_t *slot = (const uint64_t *)((char *)page + 8) +
			       idx % BUFRING_SLOTS;
	/* One 8-byte load: a slot is never torn even if Xen were (wrongly)
	 * rewriting it. */
	uint64_t raw = __atomic_load_n(slot, __ATOMIC_RELAXED);
	buf_ioreq_t b;

	memcpy(&b, &raw, sizeof(b));
	return b;
}

int bufring_drain(void *page, bufring_fn fn, void *opaque)
{
	int handled = 0;

	for (;;) {
		/*
		 * Acquire: pairs with the smp_wmb() Xen issues between filling
		 * slots and advancing write_pointer, so the slots below
		 * [read, write) are visible once we see write_pointer.  One
		 * 64-bit load reads both pointers consistently even while Xen
		 * canonicalises them with cmpxchg (ATOMIC mode).
		 */
		uint64_t full = __atomic_load_n(ring_ptrs(page),
						__ATOMIC_ACQUIRE);
		uint32_t rd = (uint32_t)full;
		uint32_t wr = (uint32_t)(full >> 32);
		uint32_t avail = wr - rd;
		struct bufring_req req;
		unsigned int used = 1;
		buf_ioreq_t b;

		if (avail == 0)
			break;
		if (avail > BUFRING_SLOTS) {
			/* Not a state Xen produces.  Drop what is queued by
			 * moving read up to write, atomically against Xen's
			 * own canonicalisation. */
			uint64_t resync = ((uint64_t)wr << 32) | wr;

			__atomic_compare_exchange_n(ring_ptrs(page), &full,
						    resync, false,
						    __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
			return -EPROTO;
		}

		b = slot_load(page, rd);
		req.type = b.type;
		req.dir = b.dir;
		req.size = 1u << b.size;
		req.addr = b.addr;
		req.data = b.data;
		if (req.size == 8) {
			/* Xen publishes both halves with one pointer update;
			 * a lone first half means the page is corrupt, and
			 * waiting for the next event is the safe answer. */
			if (avail < 2)
				break;
			b = slot_load(page, rd + 1);
			req.data |= (uint64_t)b.data << 32;
			used = 2;
		}

		fn(opaque, &req);
		handled++;

		/*
		 * Release: our reads of the slots are done before Xen can see
		 * them free and reuse them.  An atomic add, not a store: Xen
		 * may have rewritten both pointers meanwhile (ATOMIC mode);
		 * the add stays right relative to whatever it wrote.
		 */
		__atomic_fetch_add(ring_read_pointer(page), used,
				   __ATOMIC_RELEASE);
	}
	return handled;
}
