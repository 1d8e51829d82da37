/* SPDX-License-Identifier: MIT */
/*
 * The range table (see range.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ioreq/range.h"

void range_table_init(struct range_table *t, uint64_t limit)
{
	memset(t, 0, sizeof(*t));
	t->limit = limit;
}

void range_table_fini(struct range_table *t)
{
	free(t->r);
	t->r = NULL;
	t->nr = 0;
	t->cap = 0;
}

/* Index of the first range whose base is > addr. */
static size_t upper_index(const struct range_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->r[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t range_last(const struct range *r)
{
	return r->base + r->size - 1;
}

int range_table_add(struct range_table *t, uint64_t base, uint64_t size,
		    const struct bus_io_ops *ops, void *opaque)
{
	uint64_t last;
	size_t i;

	if (size == 0 || !ops || !ops->read || !ops->write)
		return -EINVAL;
	last = base + size - 1;
	if (last < base)
		return -EINVAL;
	if (t->limit && last >= t->limit)
		return -EINVAL;

	i = upper_index(t, base);
	/* Overlap with the range before (it starts at or below base) or
	 * the one after (it starts above base). */
	if (i > 0 && range_last(&t->r[i - 1]) >= base)
		return -EEXIST;
	if (i < t->nr && t->r[i].base <= last)
		return -EEXIST;

	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4;
		struct range *n = realloc(t->r, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->r = n;
		t->cap = cap;
	}
	memmove(&t->r[i + 1], &t->r[i], (t->nr - i) * sizeof(t->r[0]));
	t->r[i] = (struct range){ base, size, ops, opaque };
	t->nr++;
	return 0;
}

int range_table_remove(struct range_table *t, uint64_t base,
		       struct range *out)
{
	size_t i = upper_index(t, base);

	if (i == 0 || t->r[i - 1].base != base)
		return -ENOENT;
	i--;
	if (out)
		*out = t->r[i];
	memmove(&t->r[i], &t->r[i + 1], (t->nr - i - 1) * sizeof(t->r[0]));
	t->nr--;
	return 0;
}

/* Up to RANGE_SCAN_MAX ranges a scan beats the binary search (a device
 * has a handful). */
static inline const struct range *find(const struct range_table *t,
				       uint64_t addr)
{
	size_t i;

	if (t->nr <= RANGE_SCAN_MAX) {
		/* addr - base < size: inside, in one unsigned compare. */
		for (i = 0; i < t->nr; i++)
			if (addr - t->r[i].base < t->r[i].size)
				return &t->r[i];
		return NULL;
	}
	i = upper_index(t, addr);
	if (i == 0)
		return NULL;
	if (addr > range_last(&t->r[i - 1]))
		return NULL;
	return &t->r[i - 1];
}

const struct range *range_table_find(const struct range_table *t,
				     uint64_t addr)
{
	return find(t, addr);
}

/* Does [addr, addr + size) lie wholly inside r, which holds addr?
 * size >= 1. */
static inline int range_contains(const struct range *r, uint64_t addr,
				 unsigned int size)
{
	return r->size - (addr - r->base) >= size;
}

/* Straddles a range end (or hits nothing): byte by byte, little-endian,
 * as x86 would see the pieces. */
static __attribute__((noinline)) unsigned int
read_bytes(const struct range_table *t, unsigned int vcpu, uint64_t addr,
	   unsigned int size, uint64_t *val)
{
	const struct range *r;
	unsigned int missed = 0;
	uint64_t v = 0;

	for (unsigned int i = 0; i < size; i++) {
		uint64_t a = addr + i;
		uint64_t b = 0xff;

		r = find(t, a);
		if (r)
			b = r->ops->read(r->opaque, vcpu, a - r->base, 1) & 0xff;
		else
			missed++;
		v |= b << (8 * i);
	}
	*val = v;
	return missed;
}

unsigned int range_table_read_slow(const struct range_table *t,
				   unsigned int vcpu, uint64_t addr,
				   unsigned int size, uint64_t *val)
{
	const struct range *r = find(t, addr);
	uint64_t v;

	if (!r || !range_contains(r, addr, size))
		return read_bytes(t, vcpu, addr, size, val);
	v = r->ops->read(r->opaque, vcpu, addr - r->base, size);
	*val = v & range_size_mask(size);
	return 0;
}

static __attribute__((noinline)) unsigned int
write_bytes(const struct range_table *t, unsigned int vcpu, uint64_t addr,
	    unsigned int size, uint64_t val)
{
	const struct range *r;
	unsigned int missed = 0;

	for (unsigned int i = 0; i < size; i++) {
		uint64_t a = addr + i;

		r = find(t, a);
		if (r)
			r->ops->write(r->opaque, vcpu, a - r->base, 1,
				      (val >> (8 * i)) & 0xff);
		else
			missed++;
	}
	return missed;
}

unsigned int range_table_write_slow(const struct range_table *t,
				    unsigned int vcpu, uint64_t addr,
				    unsigned int size, uint64_t val)
{
	const struct range *r = find(t, addr);

	val &= range_size_mask(size);
	if (!r || !range_contains(r, addr, size))
		return write_bytes(t, vcpu, addr, size, val);
	r->ops->write(r->opaque, vcpu, addr - r->base, size, val);
	return 0;
}
