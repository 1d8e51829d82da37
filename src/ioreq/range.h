/* SPDX-License-Identifier: MIT */
/*
 * The range table: which handler owns which port / MMIO address range.
 * Pure bookkeeping (no Xen), unit-tested on its own.  One table per
 * address space; a device registers a handful of ranges, so a small
 * sorted array beats anything cleverer.
 */
#ifndef HVMLINK_IOREQ_RANGE_H
#define HVMLINK_IOREQ_RANGE_H

#include <stddef.h>
#include <stdint.h>

#include "device/bus.h"

struct range {
	uint64_t base;
	uint64_t size;		/* > 0, base + size - 1 does not wrap */
	const struct bus_io_ops *ops;
	void *opaque;
};

struct range_table {
	struct range *r;	/* sorted by base, never overlapping */
	size_t nr;
	size_t cap;
	uint64_t limit;		/* one past the highest address allowed */
};

/* limit: 0x10000 for port IO, 0 = the whole 64-bit space. */
void range_table_init(struct range_table *t, uint64_t limit);
void range_table_fini(struct range_table *t);

/* -EINVAL empty/wrapping/beyond limit, -EEXIST overlap, -ENOMEM. */
__attribute__((warn_unused_result))
int range_table_add(struct range_table *t, uint64_t base, uint64_t size,
		    const struct bus_io_ops *ops, void *opaque);
/* Remove the range starting at base, copying it to *out if out != NULL;
 * -ENOENT if none starts there. */
int range_table_remove(struct range_table *t, uint64_t base,
		       struct range *out);
/* The range containing addr, or NULL. */
const struct range *range_table_find(const struct range_table *t,
				     uint64_t addr);

/* The general case of range_table_read/write below (range.c): any table
 * size, any straddle. */
unsigned int range_table_read_slow(const struct range_table *t,
				   unsigned int vcpu, uint64_t addr,
				   unsigned int size, uint64_t *val);
unsigned int range_table_write_slow(const struct range_table *t,
				    unsigned int vcpu, uint64_t addr,
				    unsigned int size, uint64_t val);

/* Tables up to this many ranges are scanned (a device has a handful);
 * larger ones are searched. */
#define RANGE_SCAN_MAX 8

/* The low size bytes (size 1..8; 0 would shift by 64). */
static inline uint64_t range_size_mask(unsigned int size)
{
	return ~0ull >> (64 - 8 * size);
}

/*
 * The range wholly holding [addr, addr + size), in a scanned table; NULL
 * otherwise (no range, a straddle, or a table too big to scan: the slow
 * path sorts those out).  Inline, with the fast halves of the two calls
 * below: it is on every register access's path, and a call and a
 * prologue would cost more than the scan of a device's few ranges.
 */
static inline __attribute__((always_inline)) const struct range *
range_table_hit(const struct range_table *t, uint64_t addr, unsigned int size)
{
	if (t->nr > RANGE_SCAN_MAX)
		return NULL;
	for (size_t i = 0; i < t->nr; i++) {
		const struct range *r = &t->r[i];
		uint64_t off = addr - r->base;

		/* off < r->size: inside, in one unsigned compare. */
		if (off < r->size)
			return r->size - off >= size ? r : NULL;
	}
	return NULL;
}

/*
 * One access of size bytes (1..8) at addr through the table.  An access
 * wholly inside one range goes to its handler as is.  One that straddles
 * a range's end is split into single bytes, each routed on its own (bytes
 * that hit nothing read 0xff and drop writes), so a device never sees an
 * access crossing the end of its range.  Returns the number of bytes that
 * hit no range (0 = fully claimed), for the caller's statistics/logs.
 * vcpu is handed to the handlers as is (bus.h: BUS_VCPU_NONE when no
 * vCPU made the access).
 */
static inline __attribute__((always_inline)) unsigned int
range_table_read(const struct range_table *t, unsigned int vcpu, uint64_t addr,
		 unsigned int size, uint64_t *val)
{
	const struct range *r = range_table_hit(t, addr, size);

	if (!r)
		return range_table_read_slow(t, vcpu, addr, size, val);
	*val = r->ops->read(r->opaque, vcpu, addr - r->base, size) &
	       range_size_mask(size);
	return 0;
}

static inline __attribute__((always_inline)) unsigned int
range_table_write(const struct range_table *t, unsigned int vcpu, uint64_t addr,
		  unsigned int size, uint64_t val)
{
	const struct range *r = range_table_hit(t, addr, size);

	if (!r)
		return range_table_write_slow(t, vcpu, addr, size, val);
	r->ops->write(r->opaque, vcpu, addr - r->base, size,
		      val & range_size_mask(size));
	return 0;
}

#endif /* HVMLINK_IOREQ_RANGE_H */
