/* SPDX-License-Identifier: MIT */
/*
 * Carrying out one ioreq on the server's private copy of it.
 *
 * Everything in an ioreq is treated as hostile even though Xen builds it:
 * its values come from what the guest executed (port, address, width, rep
 * count, the buffer address of a string instruction).  A request we cannot
 * honour reads all-ones and drops writes, with a rate-limited line; we
 * never abort (QEMU hw_error()s on a bad size here) and never hang.
 *
 * Rep IO (count > 1): the device side address stays fixed for port IO and
 * PCI config and steps by size for MMIO; with data_is_ptr the guest buffer
 * at data steps by size too; df set makes both step downwards.  This is
 * what Xen's own internal handlers and QEMU's cpu_ioreq_pio/move do.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "ioreq/ioreq-internal.h"

const char *ioreq_type_name(unsigned int type)
{
	switch (type) {
	case IOREQ_TYPE_PIO:
		return "pio";
	case IOREQ_TYPE_COPY:
		return "mmio";
	case IOREQ_TYPE_PCI_CONFIG:
		return "pcicfg";
	case IOREQ_TYPE_TIMEOFFSET:
		return "timeoffset";
	case IOREQ_TYPE_INVALIDATE:
		return "invalidate";
	default:
		return "unknown";
	}
}

/*
 * Does a run of count elements of size bytes starting at addr, stepping up
 * (df 0) or down (df 1), stay inside the 64-bit space?  total =
 * count * size, already checked not to overflow.
 */
static bool run_fits(uint64_t addr, uint64_t total, uint32_t size, bool df)
{
	if (!df)
		return addr + (total - 1) >= addr;
	/* Lowest byte touched: addr - (total - size). */
	return addr >= total - size;
}

static uint64_t step(uint64_t base, uint32_t i, uint32_t size, bool df)
{
	uint64_t off = (uint64_t)i * size;

	return df ? base - off : base + off;
}

/* The device side of one element: which table, which address. */
struct target {
	const struct range_table *t;
	uint64_t addr;		/* first element */
	bool steps;		/* MMIO: the address advances per element */
	unsigned int vcpu;	/* who accesses, for the device (bus.h) */
};

static void bad_ioreq(struct ioreq_server *s, ioreq_t *req, const char *why)
{
	s->st.bad_ioreqs++;
	log_guest_warn("ioreq: dom%u: bad %s ioreq (%s): addr %#llx size %u count %u%s",
		       s->domid, ioreq_type_name(req->type), why,
		       (unsigned long long)req->addr, req->size, req->count,
		       req->data_is_ptr ? " ptr" : "");
	/* Reads complete with all-ones; a buffer is left untouched. */
	if (req->dir == IOREQ_READ && !req->data_is_ptr)
		req->data = ioreq_size_ok(req->size) ?
			    range_size_mask(req->size) : ~0ull;
}

void ioreq_count_unclaimed(struct ioreq_server *s, const ioreq_t *req,
			   uint64_t addr, unsigned int missed)
{
	s->st.unclaimed++;
	log_debug("ioreq: dom%u: %s %s %#llx size %u: %u byte(s) hit nothing",
		  s->domid, ioreq_type_name(req->type),
		  req->dir == IOREQ_READ ? "read" : "write",
		  (unsigned long long)addr, req->size, missed);
}

static uint64_t elem_read(struct ioreq_server *s, const ioreq_t *req,
			  const struct target *tg, uint64_t addr)
{
	uint64_t v = range_size_mask(req->size);

	if (tg->t)
		ioreq_note_unclaimed(s, req, addr,
				     range_table_read(tg->t, tg->vcpu, addr,
						      req->size, &v));
	else
		ioreq_note_unclaimed(s, req, addr, req->size);
	return v;
}

static void elem_write(struct ioreq_server *s, const ioreq_t *req,
		       const struct target *tg, uint64_t addr, uint64_t v)
{
	if (tg->t)
		ioreq_note_unclaimed(s, req, addr,
				     range_table_write(tg->t, tg->vcpu, addr,
						       req->size, v));
	else
		ioreq_note_unclaimed(s, req, addr, req->size);
}

/* Run count elements between the device and the ioreq's data / buffer. */
static void run_elements(struct ioreq_server *s, ioreq_t *req,
			 const struct target *tg)
{
	bool df = req->df;
	uint32_t i;

	for (i = 0; i < req->count; i++) {
		uint64_t addr = tg->steps ? step(tg->addr, i, req->size, df)
					  : tg->addr;
		uint64_t v = 0;

		if (!req->data_is_ptr) {
			/* A rep without a buffer (rep stos, or a count Xen
			 * passes with an immediate): the same value each
			 * time; a read keeps the last element. */
			if (req->dir == IOREQ_READ)
				req->data = elem_read(s, req, tg, addr);
			else
				elem_write(s, req, tg, addr, req->data);
			continue;
		}

		uint64_t gpa = step(req->data, i, req->size, df);

		if (req->dir == IOREQ_READ) {
			/* Device -> guest buffer (ins, movs from MMIO).
			 * Little-endian: the low size bytes of v. */
			v = elem_read(s, req, tg, addr);
			if (guestmem_write(&s->mem, gpa, &v, req->size) < 0)
				goto fault;
		} else {
			/* Guest buffer -> device (outs, movs to MMIO). */
			if (guestmem_read(&s->mem, gpa, &v, req->size) < 0)
				goto fault;
			elem_write(s, req, tg, addr, v);
		}
		continue;
fault:
		/*
		 * The buffer is not guest RAM.  Stop here: Xen cannot be told
		 * about a partial rep, and carrying on would only repeat the
		 * failing map for every element.
		 */
		s->st.bad_ioreqs++;
		log_guest_warn("ioreq: dom%u: %s rep buffer at %#llx (element %u of %u) is not guest RAM; rest dropped",
			       s->domid, ioreq_type_name(req->type),
			       (unsigned long long)gpa, i, req->count);
		return;
	}
}

/* Everything but a single plain access: out of line, so its locals do
 * not make every register access pay for them. */
void ioreq_execute_general(struct ioreq_server *s, unsigned int vcpu,
			   ioreq_t *req)
{
	struct target tg = { NULL, req->addr, false, vcpu };
	uint64_t total;

	switch (req->type) {
	case IOREQ_TYPE_PIO:
		s->st.pio++;
		tg.t = &s->pio;
		break;
	case IOREQ_TYPE_COPY:
		s->st.mmio++;
		tg.t = &s->mmio;
		tg.steps = true;
		break;
	case IOREQ_TYPE_PCI_CONFIG:
		s->st.pci_config++;
		/* SBDF in the upper half, register in the lower; Xen only
		 * forwards SBDFs we claimed, but check rather than trust. */
		if (s->pci_claimed && (uint32_t)(req->addr >> 32) == s->pci_sbdf)
			tg.t = &s->pcicfg;
		tg.addr = (uint32_t)req->addr;
		break;
	case IOREQ_TYPE_TIMEOFFSET:
		/* The guest moved its RTC; we keep no clock of our own. */
		s->st.timeoffsets++;
		log_debug("ioreq: dom%u: time offset %lld s ignored", s->domid,
			  (long long)req->data);
		return;
	case IOREQ_TYPE_INVALIDATE:
		/* The guest gave memory back: cached mappings may point at
		 * pages it no longer owns. */
		s->st.invalidates++;
		guestmem_invalidate(&s->mem);
		log_debug("ioreq: dom%u: guest mappings invalidated", s->domid);
		return;
	default:
		bad_ioreq(s, req, "unknown type");
		return;
	}

	if (!ioreq_size_ok(req->size)) {
		bad_ioreq(s, req, "access size");
		return;
	}
	if (req->count == 1 && !req->data_is_ptr) {
		/* The common case, one plain access: only the address can
		 * be wrong (an MMIO access running past 2^64). */
		if (tg.steps && req->addr + (req->size - 1) < req->addr) {
			bad_ioreq(s, req, "address range wraps");
			return;
		}
		if (req->dir == IOREQ_READ) {
			req->data = elem_read(s, req, &tg, tg.addr);
		} else {
			req->data &= range_size_mask(req->size);
			elem_write(s, req, &tg, tg.addr, req->data);
		}
		return;
	}
	if (req->count == 0) {
		bad_ioreq(s, req, "zero count");
		return;
	}
	if (req->count > IOREQ_MAX_REPS) {
		bad_ioreq(s, req, "more repetitions than Xen sends");
		return;
	}
	total = (uint64_t)req->count * req->size;
	if (tg.steps && !run_fits(tg.addr, total, req->size, req->df)) {
		bad_ioreq(s, req, "address range wraps");
		return;
	}
	if (req->data_is_ptr &&
	    !run_fits(req->data, total, req->size, req->df)) {
		bad_ioreq(s, req, "buffer range wraps");
		return;
	}
	if (!req->data_is_ptr && req->dir == IOREQ_WRITE)
		req->data &= range_size_mask(req->size);

	run_elements(s, req, &tg);
}
