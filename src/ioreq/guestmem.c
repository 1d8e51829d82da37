/* SPDX-License-Identifier: MIT */
/*
 * The guest page cache (see guestmem.h): a hash on gfn for lookup and a
 * doubly linked LRU list for eviction, both threaded through one fixed
 * array by index, so a lookup allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ioreq/guestmem.h"

#define NIL UINT32_MAX

struct guestmem_entry {
	uint64_t gfn;
	uint8_t *va;		/* NULL: entry unused (on the free list) */
	uint32_t hnext;		/* next in the same hash bucket */
	uint32_t lru_prev;
	uint32_t lru_next;
};

static uint32_t hash_gfn(const struct guestmem *gm, uint64_t gfn)
{
	/* Fibonacci hashing: neighbouring gfns land in different buckets. */
	return (uint32_t)((gfn * 0x9e3779b97f4a7c15ull) >> 32) &
	       gm->bucket_mask;
}

static void lru_unlink(struct guestmem *gm, uint32_t i)
{
	struct guestmem_entry *e = &gm->e[i];

	if (e->lru_prev != NIL)
		gm->e[e->lru_prev].lru_next = e->lru_next;
	else
		gm->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		gm->e[e->lru_next].lru_prev = e->lru_prev;
	else
		gm->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NIL;
}

static void lru_push_front(struct guestmem *gm, uint32_t i)
{
	struct guestmem_entry *e = &gm->e[i];

	e->lru_prev = NIL;
	e->lru_next = gm->lru_head;
	if (gm->lru_head != NIL)
		gm->e[gm->lru_head].lru_prev = i;
	gm->lru_head = i;
	if (gm->lru_tail == NIL)
		gm->lru_tail = i;
}

static void hash_unlink(struct guestmem *gm, uint32_t i)
{
	uint32_t *p = &gm->bucket[hash_gfn(gm, gm->e[i].gfn)];

	while (*p != i)
		p = &gm->e[*p].hnext;
	*p = gm->e[i].hnext;
	gm->e[i].hnext = NIL;
}

/* Unmap entry i and put it on the free list. */
static void entry_drop(struct guestmem *gm, uint32_t i)
{
	struct guestmem_entry *e = &gm->e[i];

	hash_unlink(gm, i);
	lru_unlink(gm, i);
	gm->be->unmap(gm->opaque, e->va);
	e->va = NULL;
	e->lru_next = gm->free_head;
	gm->free_head = i;
	gm->nr_mapped--;
}

int guestmem_init(struct guestmem *gm, unsigned int nr_entries,
		  const struct guestmem_backend *be, void *opaque)
{
	uint32_t nb = 1;

	memset(gm, 0, sizeof(*gm));
	if (nr_entries == 0 || nr_entries >= NIL / 2 || !be || !be->map ||
	    !be->unmap)
		return -EINVAL;
	while (nb < 2 * nr_entries)
		nb <<= 1;
	gm->e = calloc(nr_entries, sizeof(*gm->e));
	gm->bucket = malloc(nb * sizeof(*gm->bucket));
	if (!gm->e || !gm->bucket) {
		free(gm->e);
		free(gm->bucket);
		gm->e = NULL;
		gm->bucket = NULL;
		return -ENOMEM;
	}
	gm->be = be;
	gm->opaque = opaque;
	gm->nr_entries = nr_entries;
	gm->bucket_mask = nb - 1;
	for (uint32_t b = 0; b < nb; b++)
		gm->bucket[b] = NIL;
	for (uint32_t i = 0; i < nr_entries; i++) {
		gm->e[i].hnext = NIL;
		gm->e[i].lru_prev = NIL;
		gm->e[i].lru_next = i + 1 < nr_entries ? i + 1 : NIL;
	}
	gm->free_head = 0;
	gm->lru_head = gm->lru_tail = NIL;
	return 0;
}

void guestmem_invalidate(struct guestmem *gm)
{
	if (!gm->e)
		return;
	while (gm->lru_tail != NIL)
		entry_drop(gm, gm->lru_tail);
	gm->st.invalidations++;
}

void guestmem_fini(struct guestmem *gm)
{
	if (!gm->e)
		return;
	while (gm->lru_tail != NIL)
		entry_drop(gm, gm->lru_tail);
	free(gm->e);
	free(gm->bucket);
	gm->e = NULL;
	gm->bucket = NULL;
}

/* The mapping of gfn, from the cache or freshly made; NULL if unmappable. */
static uint8_t *page_get(struct guestmem *gm, uint64_t gfn)
{
	uint32_t b = hash_gfn(gm, gfn);
	uint32_t i;
	void *va;

	for (i = gm->bucket[b]; i != NIL; i = gm->e[i].hnext) {
		if (gm->e[i].gfn == gfn) {
			gm->st.hits++;
			if (gm->lru_head != i) {
				lru_unlink(gm, i);
				lru_push_front(gm, i);
			}
			return gm->e[i].va;
		}
	}

	gm->st.misses++;
	va = gm->be->map(gm->opaque, gfn);
	if (!va) {
		gm->st.faults++;
		return NULL;
	}
	if (gm->free_head == NIL) {
		gm->st.evictions++;
		entry_drop(gm, gm->lru_tail);
	}
	i = gm->free_head;
	gm->free_head = gm->e[i].lru_next;
	gm->e[i].gfn = gfn;
	gm->e[i].va = va;
	gm->e[i].hnext = gm->bucket[b];
	gm->bucket[b] = i;
	lru_push_front(gm, i);
	gm->nr_mapped++;
	return va;
}

/*
 * The page used last, if it is gfn: it heads the LRU list, so a hit here
 * needs no LRU update.  A request's reads and writes all land in the same
 * page, so this is the common case, and a cheap one.
 */
static inline uint8_t *page_last(struct guestmem *gm, uint64_t gfn)
{
	uint32_t i = gm->lru_head;

	if (i == NIL || gm->e[i].gfn != gfn)
		return NULL;
	gm->st.hits++;
	return gm->e[i].va;
}

/* Any copy: across pages, through the hash, mapping on a miss. */
static __attribute__((noinline)) int copy_any(struct guestmem *gm, uint64_t gpa,
					      void *buf, size_t len, int to_guest)
{
	uint8_t *p = buf, *page;

	if (len == 0)
		return 0;
	if (gpa + (len - 1) < gpa)
		return -EFAULT;
	while (len) {
		size_t off = gpa & (GUESTMEM_PAGE_SIZE - 1);
		size_t n = GUESTMEM_PAGE_SIZE - off;

		page = page_get(gm, gpa >> GUESTMEM_PAGE_SHIFT);
		if (!page)
			return -EFAULT;
		if (n > len)
			n = len;
		/*
		 * The guest may change its memory while we copy: that only
		 * gives the caller torn data, which it must validate after
		 * the copy anyway (copy before you parse).
		 */
		if (to_guest)
			memcpy(page + off, p, n);
		else
			memcpy(p, page + off, n);
		p += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* A copy within the page used last (a request's reads and writes), else
 * the general way: the common case costs a compare and the memcpy. */
static inline int guestmem_copy(struct guestmem *gm, uint64_t gpa, void *buf,
				size_t len, int to_guest)
{
	size_t off = gpa & (GUESTMEM_PAGE_SIZE - 1);
	uint8_t *page;

	if (len && len <= GUESTMEM_PAGE_SIZE - off &&
	    (page = page_last(gm, gpa >> GUESTMEM_PAGE_SHIFT))) {
		if (to_guest)
			memcpy(page + off, buf, len);
		else
			memcpy(buf, page + off, len);
		return 0;
	}
	return copy_any(gm, gpa, buf, len, to_guest);
}

size_t guestmem_view(struct guestmem *gm, uint64_t gpa, uint8_t **p)
{
	uint64_t gfn = gpa >> GUESTMEM_PAGE_SHIFT;
	size_t off = gpa & (GUESTMEM_PAGE_SIZE - 1);
	uint8_t *page = page_last(gm, gfn);

	if (!page && !(page = page_get(gm, gfn)))
		return 0;
	*p = page + off;
	return GUESTMEM_PAGE_SIZE - off;
}

int guestmem_read(struct guestmem *gm, uint64_t gpa, void *buf, size_t len)
{
	return guestmem_copy(gm, gpa, buf, len, 0);
}

int guestmem_write(struct guestmem *gm, uint64_t gpa, const void *buf,
		   size_t len)
{
	return guestmem_copy(gm, gpa, (void *)buf, len, 1);
}
