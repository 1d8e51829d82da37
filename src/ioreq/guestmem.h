/* SPDX-License-Identifier: MIT */
/*
 * Guest memory through a small bounded cache of mapped guest pages.
 *
 * Mapping a foreign page costs a hypercall (and an munmap a TLB shootdown),
 * while a device touches the same few pages over and over (its request
 * buffers), so up to nr_entries pages stay mapped, keyed by gfn, evicting
 * the least recently used.  The cache does not know Xen: the owner passes
 * map/unmap callbacks (src/ioreq/guest.c wires them to
 * xenforeignmemory_map/unmap; unit tests wire them to plain memory).
 *
 * A page that cannot be mapped is never cached, so a gfn populated later
 * is found then.  guestmem_invalidate() drops every mapping: Xen asks for
 * it (IOREQ_TYPE_INVALIDATE) after the guest gave memory back, because a
 * cached mapping would keep pointing at the old page.
 */
#ifndef HVMLINK_IOREQ_GUESTMEM_H
#define HVMLINK_IOREQ_GUESTMEM_H

#include <stddef.h>
#include <stdint.h>

#define GUESTMEM_PAGE_SHIFT	12
#define GUESTMEM_PAGE_SIZE	(1u << GUESTMEM_PAGE_SHIFT)

struct guestmem_backend {
	/* Map one guest frame read/write; NULL if it cannot be (not RAM,
	 * unpopulated, domain gone). */
	void *(*map)(void *opaque, uint64_t gfn);
	void (*unmap)(void *opaque, void *va);
};

struct guestmem_entry;

struct guestmem_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t faults;	/* map failed: -EFAULT to the caller */
	uint64_t evictions;
	uint64_t invalidations;
};

struct guestmem {
	const struct guestmem_backend *be;
	void *opaque;
	struct guestmem_entry *e;
	uint32_t *bucket;	/* hash bucket -> first entry index */
	uint32_t nr_entries;
	uint32_t bucket_mask;
	uint32_t lru_head;	/* most recently used */
	uint32_t lru_tail;	/* next victim */
	uint32_t free_head;	/* unused entries, chained by lru_next */
	uint32_t nr_mapped;
	struct guestmem_stats st;
};

/* 0 or -EINVAL (nr_entries 0) / -ENOMEM. */
__attribute__((warn_unused_result))
int guestmem_init(struct guestmem *gm, unsigned int nr_entries,
		  const struct guestmem_backend *be, void *opaque);
/* Unmaps everything; gm may then be initialised again. */
void guestmem_fini(struct guestmem *gm);
/* Unmap every cached page (IOREQ_TYPE_INVALIDATE). */
void guestmem_invalidate(struct guestmem *gm);

/*
 * Copy len bytes at guest-physical gpa (may cross pages).  -EFAULT if a
 * page cannot be mapped or the range wraps; a write may then have changed
 * the pages before the bad one (as bus.h documents).
 */
__attribute__((warn_unused_result))
int guestmem_read(struct guestmem *gm, uint64_t gpa, void *buf, size_t len);
__attribute__((warn_unused_result))
int guestmem_write(struct guestmem *gm, uint64_t gpa, const void *buf,
		   size_t len);

/*
 * A view of guest memory at gpa: *p points at it and the return value is
 * how many bytes from gpa on lie in the same mapped page (to its end); 0
 * if the page cannot be mapped.  Valid until the next call that may map
 * or unmap (read, write, view, invalidate).
 */
size_t guestmem_view(struct guestmem *gm, uint64_t gpa, uint8_t **p);

static inline unsigned int guestmem_nr_mapped(const struct guestmem *gm)
{
	return gm->nr_mapped;
}

#endif /* HVMLINK_IOREQ_GUESTMEM_H */
