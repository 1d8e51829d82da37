/* SPDX-License-Identifier: MIT */
/*
 * Mapping the ioreq server's two pages: the buffered ring and the shared
 * page with one ioreq_t slot per vCPU.
 *
 * Preferred: xenforeignmemory_map_resource(XENMEM_resource_ioreq_server,
 * frame 0, 2 frames), which maps Xen-owned pages that never appear in
 * the guest's physmap (frame 0 is the buffered page, frame 1 the shared
 * page, as QEMU maps them).  Where the kernel or Xen lacks resource
 * mapping the calls fail with EOPNOTSUPP (libxenforeignmemory turns the
 * privcmd ENOTTY into that), ENOSYS or similar; then the pre-4.12 way:
 * ask for the pages' gfns and map them like guest memory.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common/log.h"
#include "ioreq/ioreq-internal.h"

static bool resource_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOSYS || err == ENOTTY;
}

static int map_resource(struct ioreq_server *s)
{
	void *addr = NULL;

	s->fres = xenforeignmemory_map_resource(
		s->fmem, s->domid, XENMEM_resource_ioreq_server, s->id,
		XENMEM_resource_ioreq_server_frame_bufioreq, 2, &addr,
		PROT_READ | PROT_WRITE, 0);
	if (!s->fres)
		return -errno;
	s->buffered = addr;
	s->shared = (shared_iopage_t *)((char *)addr + IOREQ_PAGE_SIZE);

	/* Only the buffered channel's port is wanted: NULL gfn pointers
	 * tell Xen not to put the pages into the guest's physmap. */
	if (xendevicemodel_get_ioreq_server_info(s->dmod, s->domid, s->id,
						 NULL, NULL,
						 &s->buf_remote_port) < 0) {
		int rc = -errno;

		xenforeignmemory_unmap_resource(s->fmem, s->fres);
		s->fres = NULL;
		s->buffered = NULL;
		s->shared = NULL;
		return rc;
	}
	return 0;
}

static void *map_one_gfn(struct ioreq_server *s, xen_pfn_t gfn)
{
	int err = 0;
	void *p = xenforeignmemory_map(s->fmem, s->domid,
				       PROT_READ | PROT_WRITE, 1, &gfn, &err);

	if (p && err) {
		xenforeignmemory_unmap(s->fmem, p, 1);
		errno = -err > 0 ? -err : EFAULT;
		return NULL;
	}
	return p;
}

static int map_legacy(struct ioreq_server *s)
{
	xen_pfn_t ioreq_gfn = 0, bufioreq_gfn = 0;
	int rc;

	if (xendevicemodel_get_ioreq_server_info(s->dmod, s->domid, s->id,
						 &ioreq_gfn, &bufioreq_gfn,
						 &s->buf_remote_port) < 0)
		return -errno;

	s->legacy_shared = map_one_gfn(s, ioreq_gfn);
	if (!s->legacy_shared) {
		rc = -errno;
		goto err;
	}
	s->legacy_buffered = map_one_gfn(s, bufioreq_gfn);
	if (!s->legacy_buffered) {
		rc = -errno;
		goto err_shared;
	}
	s->shared = s->legacy_shared;
	s->buffered = s->legacy_buffered;
	s->legacy_mapping = true;
	return 0;

err_shared:
	xenforeignmemory_unmap(s->fmem, s->legacy_shared, 1);
	s->legacy_shared = NULL;
err:
	return rc;
}

int ioreq_pages_map(struct ioreq_server *s, bool force_legacy)
{
	int rc;

	if (!force_legacy) {
		rc = map_resource(s);
		if (rc == 0)
			return 0;
		if (!resource_unsupported(-rc)) {
			log_err("ioreq: cannot map the ioreq pages of server %u: %s",
				s->id, strerror(-rc));
			return rc;
		}
		log_info("ioreq: resource mapping unavailable (%s), using the legacy gfn mapping",
			 strerror(-rc));
	}
	rc = map_legacy(s);
	if (rc < 0)
		log_err("ioreq: cannot map the ioreq pages of server %u (legacy): %s",
			s->id, strerror(-rc));
	return rc;
}

void ioreq_pages_unmap(struct ioreq_server *s)
{
	if (s->fres) {
		xenforeignmemory_unmap_resource(s->fmem, s->fres);
		s->fres = NULL;
	}
	if (s->legacy_buffered) {
		xenforeignmemory_unmap(s->fmem, s->legacy_buffered, 1);
		s->legacy_buffered = NULL;
	}
	if (s->legacy_shared) {
		xenforeignmemory_unmap(s->fmem, s->legacy_shared, 1);
		s->legacy_shared = NULL;
	}
	s->shared = NULL;
	s->buffered = NULL;
}
