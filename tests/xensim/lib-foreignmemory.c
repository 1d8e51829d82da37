/* SPDX-License-Identifier: MIT */
/*
 * libxenforeignmemory, simulated.  The hypervisor answers a map with the
 * pool-file offset of every page; we reserve the address range, then map
 * each run of pages MAP_SHARED|MAP_FIXED from the pool descriptor it
 * passed.  Pages that failed stay inaccessible (PROT_NONE) with their
 * error in err[], as privcmd's mmapbatch_v2 reports them; without err[],
 * any failure unmaps everything and returns NULL (core.c's behaviour).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenforeignmemory.h>

#include "tests/xensim/lib-conn.h"

struct xenforeignmemory_handle {
	struct xsl_conn conn;
};

struct xenforeignmemory_resource_handle {
	domid_t domid;
	unsigned int type, id;
	unsigned long frame, nr_frames;
	void *addr;
	int prot, flags;
};

XSL_EXPORT xenforeignmemory_handle *
xenforeignmemory_open(struct xentoollog_logger *logger, unsigned int open_flags)
{
	xenforeignmemory_handle *fmem = calloc(1, sizeof(*fmem));
	int rc;

	if (!fmem)
		return NULL;
	rc = xsl_connect(&fmem->conn, XSP_KIND_FOREIGNMEMORY, -1, 0, 1);
	if (rc) {
		free(fmem);
		errno = -rc;
		return NULL;
	}
	return fmem;
}

XSL_EXPORT int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
	if (!fmem)
		return 0;
	xsl_disconnect(&fmem->conn);
	free(fmem);
	return 0;
}

XSL_EXPORT int xenforeignmemory_restrict(xenforeignmemory_handle *fmem,
					 domid_t domid)
{
	uint64_t a[2] = { domid, 0 };

	return xsl_ret(xsl_op(&fmem->conn, XSP_RESTRICT, a, 2, NULL));
}

static void forget(xenforeignmemory_handle *fmem, uint32_t op, void *addr,
		   size_t pages)
{
	uint64_t a[3] = { 0, (uintptr_t)addr, pages };

	(void)xsl_op(&fmem->conn, op, a, 3, NULL);
}

/* Map pages [0, n) of a reply at base; runs of consecutive offsets are
 * mapped in one go. */
static int map_pages(char *base, int prot, int fd, const struct xsp_page *pg,
		     size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t run = 1;

		if (pg[i].err) {
			i++;
			continue;
		}
		while (i + run < n && !pg[i + run].err &&
		       pg[i + run].offset == pg[i].offset + run * XSP_PAGE_SIZE)
			run++;
		if (mmap(base + i * XSP_PAGE_SIZE, run * XSP_PAGE_SIZE, prot,
			 MAP_SHARED | MAP_FIXED, fd, (off_t)pg[i].offset) ==
		    MAP_FAILED)
			return -errno;
		i += run;
	}
	return 0;
}

XSL_EXPORT void *xenforeignmemory_map2(xenforeignmemory_handle *fmem,
				       uint32_t dom, void *addr, int prot,
				       int flags, size_t num,
				       const xen_pfn_t arr[], int err[])
{
	struct xsp_page *pg = NULL;
	uint64_t *gfns = NULL;
	int *own_err = NULL;
	char *base;
	int rc = 0;

	if (num == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!err) {
		err = own_err = calloc(num, sizeof(*err));
		if (!err)
			return NULL;
	}
	base = mmap(addr, num * XSP_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | (flags & MAP_FIXED), -1, 0);
	if (base == MAP_FAILED) {
		free(own_err);
		return NULL;
	}
	pg = calloc(XSP_MAX_PAGES, sizeof(*pg));
	gfns = calloc(XSP_MAX_PAGES, sizeof(*gfns));
	if (!pg || !gfns) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t done = 0; done < num;) {
		size_t n = num - done < XSP_MAX_PAGES ? num - done : XSP_MAX_PAGES;
		struct xsp_req rq = {
			.op = XSP_FM_MAP, .nr = (uint32_t)n,
			.a = { dom, (uintptr_t)(base + done * XSP_PAGE_SIZE), n,
			       (prot & PROT_WRITE) ? 1 : 0 },
		};
		int fd = -1;

		for (size_t i = 0; i < n; i++)
			gfns[i] = arr[done + i];
		rc = xsl_call(&fmem->conn, &rq, gfns, NULL, pg, (uint32_t)n, &fd);
		if (rc >= 0 && fd < 0)
			rc = -EPROTO;
		if (rc >= 0)
			rc = map_pages(base + done * XSP_PAGE_SIZE, prot, fd, pg, n);
		if (fd >= 0)
			close(fd);
		if (rc < 0) {
			if (done)
				forget(fmem, XSP_FM_UNMAP, base, done);
			goto fail;
		}
		for (size_t i = 0; i < n; i++)
			err[done + i] = pg[i].err;
		done += n;
	}
	free(pg);
	free(gfns);
	if (own_err) {
		for (size_t i = 0; i < num; i++) {
			if (own_err[i]) {
				errno = -own_err[i];
				forget(fmem, XSP_FM_UNMAP, base, num);
				munmap(base, num * XSP_PAGE_SIZE);
				free(own_err);
				return NULL;
			}
		}
		free(own_err);
	}
	return base;
fail:
	free(pg);
	free(gfns);
	free(own_err);
	munmap(base, num * XSP_PAGE_SIZE);
	errno = -rc;
	return NULL;
}

XSL_EXPORT void *xenforeignmemory_map(xenforeignmemory_handle *fmem,
				      uint32_t dom, int prot, size_t pages,
				      const xen_pfn_t arr[], int err[])
{
	return xenforeignmemory_map2(fmem, dom, NULL, prot, 0, pages, arr, err);
}

XSL_EXPORT int xenforeignmemory_unmap(xenforeignmemory_handle *fmem,
				      void *addr, size_t pages)
{
	forget(fmem, XSP_FM_UNMAP, addr, pages);
	return munmap(addr, pages * XSP_PAGE_SIZE);
}

XSL_EXPORT xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *fmem, domid_t domid,
			      unsigned int type, unsigned int id,
			      unsigned long frame, unsigned long nr_frames,
			      void **paddr, int prot, int flags)
{
	xenforeignmemory_resource_handle *fres;
	struct xsp_page pg[XSP_MAX_PAGES];
	char *base;
	int rc, fd = -1;

	if (nr_frames == 0 || nr_frames > XSP_MAX_PAGES) {
		errno = EINVAL;
		return NULL;
	}
	fres = calloc(1, sizeof(*fres));
	if (!fres)
		return NULL;
	base = mmap(*paddr, nr_frames * XSP_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | (flags & MAP_FIXED), -1, 0);
	if (base == MAP_FAILED) {
		free(fres);
		return NULL;
	}
	struct xsp_req rq = {
		.op = XSP_FM_MAP_RESOURCE,
		.a = { domid, (uintptr_t)base, nr_frames, type, id, frame },
	};
	rc = xsl_call(&fmem->conn, &rq, NULL, NULL, pg, (uint32_t)nr_frames, &fd);
	if (rc >= 0 && fd < 0)
		rc = -EPROTO;
	if (rc >= 0) {
		rc = map_pages(base, prot, fd, pg, nr_frames);
		if (rc < 0)
			forget(fmem, XSP_FM_UNMAP_RESOURCE, base, nr_frames);
	}
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		munmap(base, nr_frames * XSP_PAGE_SIZE);
		free(fres);
		errno = -rc;
		return NULL;
	}
	*fres = (xenforeignmemory_resource_handle){
		.domid = domid, .type = type, .id = id, .frame = frame,
		.nr_frames = nr_frames, .addr = base, .prot = prot,
		.flags = flags,
	};
	*paddr = base;
	return fres;
}

XSL_EXPORT int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
					       xenforeignmemory_resource_handle *fres)
{
	int rc = 0;

	if (!fres)
		return 0;
	forget(fmem, XSP_FM_UNMAP_RESOURCE, fres->addr, fres->nr_frames);
	if (munmap(fres->addr, fres->nr_frames * XSP_PAGE_SIZE) < 0)
		rc = -1;
	free(fres);
	return rc;
}

XSL_EXPORT int xenforeignmemory_resource_size(xenforeignmemory_handle *fmem,
					      domid_t domid, unsigned int type,
					      unsigned int id, size_t *size)
{
	uint64_t a[5] = { domid, 0, 0, type, id }, v[3];
	int rc = xsl_op(&fmem->conn, XSP_FM_RESOURCE_SIZE, a, 5, v);

	if (rc < 0)
		return xsl_ret(rc);
	*size = (size_t)v[0];
	return 0;
}
