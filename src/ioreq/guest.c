/* SPDX-License-Identifier: MIT */
/*
 * Guest memory for the bus: the guestmem.c page cache over
 * xenforeignmemory_map/unmap of single guest frames.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common/log.h"
#include "ioreq/ioreq-internal.h"

static void *guest_map(void *opaque, uint64_t gfn)
{
	struct ioreq_server *s = opaque;
	xen_pfn_t pfn = (xen_pfn_t)gfn;
	int err = 0;
	void *p;

	if ((uint64_t)pfn != gfn)
		return NULL;
	/*
	 * With an err array, Linux privcmd maps what it can and reports
	 * per-page errors (e.g. -ENOENT for an unpopulated or paged-out
	 * gfn); without one a bad page fails the whole call.  Ask for the
	 * array so the failure is explicit either way.
	 */
	p = xenforeignmemory_map(s->fmem, s->domid, PROT_READ | PROT_WRITE, 1,
				 &pfn, &err);
	if (!p) {
		log_debug("ioreq: gfn %#llx: map failed: %s",
			  (unsigned long long)gfn, strerror(errno));
		return NULL;
	}
	if (err) {
		log_debug("ioreq: gfn %#llx: not mappable: %s",
			  (unsigned long long)gfn, strerror(-err));
		xenforeignmemory_unmap(s->fmem, p, 1);
		return NULL;
	}
	return p;
}

static void guest_unmap(void *opaque, void *va)
{
	struct ioreq_server *s = opaque;

	if (xenforeignmemory_unmap(s->fmem, va, 1) < 0)
		log_warn("ioreq: unmapping a guest page failed: %s",
			 strerror(errno));
}

static const struct guestmem_backend guest_backend = {
	.map = guest_map,
	.unmap = guest_unmap,
};

int ioreq_guest_init(struct ioreq_server *s, unsigned int entries)
{
	if (entries == 0)
		entries = IOREQ_GUEST_CACHE_DEFAULT;
	if (entries > IOREQ_GUEST_CACHE_MAX)
		entries = IOREQ_GUEST_CACHE_MAX;
	return guestmem_init(&s->mem, entries, &guest_backend, s);
}

void ioreq_guest_fini(struct ioreq_server *s)
{
	guestmem_fini(&s->mem);
}
