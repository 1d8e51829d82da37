/* SPDX-License-Identifier: MIT */
/*
 * libxenforeignmemory, simulated, with the real library's system call
 * shape (tools/libs/foreignmemory/linux.c on Linux privcmd):
 *
 *   xenforeignmemory_map    mmap + ioctl(MMAPBATCH_V2)   here: pread + mmap
 *   xenforeignmemory_unmap  munmap                       here: munmap
 *
 * A guest page is a slot of the domain's pool file.  On first use of a
 * domain the handle asks the hypervisor once for the pool descriptor and
 * for the domain's p2m (a shared memfd: one u32 "slot + 1" per gfn, 0 for
 * a hole).  After that, mapping gfns is one pread of their p2m entries
 * (the part of the batch ioctl that asks Xen) and one mmap of the pool
 * (MAP_SHARED, so the device model and the guest share the page).  Pages
 * that are not contiguous in the pool need one mmap per run into a
 * PROT_NONE reservation; gfn lists that are not one run ask the
 * hypervisor instead of the p2m (two system calls).  A hole gives
 * err[i] = -EINVAL and leaves the page inaccessible (PROT_NONE: SIGSEGV
 * rather than privcmd's SIGBUS); without err[], any failure returns NULL
 * with errno = -err (core.c).  When the domain dies the hypervisor
 * truncates its p2m file: a read that comes back short sends us to the
 * hypervisor again, which says ESRCH (or hands over the p2m of a new
 * domain with the same id).
 *
 * Every live mapping is written into the handle's ledger (proto.h), a
 * memfd the hypervisor mapped at HELLO, so xensim_leftovers() can report
 * what a device model left mapped even after it crashed.  A map or unmap
 * costs no extra system call for that.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenforeignmemory.h>

#include "tests/xensim/lib-conn.h"

#define FM_DOMAINS 8		/* domains one handle keeps descriptors for */
#define FM_CHUNK 512		/* p2m entries resolved per step */

struct fm_domain {
	bool used;
	uint16_t domid;
	int pool_fd, p2m_fd;
	uint64_t p2m_entries;
};

struct xenforeignmemory_handle {
	struct xsl_conn conn;
	pthread_mutex_t lock;		/* domains and ledger */
	struct fm_domain dom[FM_DOMAINS];
	unsigned int dom_victim;	/* next cache slot to recycle */
	struct xsp_ledger *ledger;
	uint32_t ledger_live;
};

struct xenforeignmemory_resource_handle {
	domid_t domid;
	unsigned int type, id;
	unsigned long frame, nr_frames;
	void *addr;
	int prot, flags;
};

/* ---- the ledger: live mappings, shared with the hypervisor ---------- */

static uint32_t ledger_home(const struct xsp_ledger *l, uint64_t addr)
{
	return (uint32_t)(((addr >> 12) * 0x9e3779b97f4a7c15ull) >> 32) &
	       (l->cap - 1);
}

static int ledger_add(xenforeignmemory_handle *fmem, uint64_t addr,
		      uint64_t nr, uint16_t domid, bool resource)
{
	struct xsp_ledger *l = fmem->ledger;
	uint32_t i;

	/* One slot stays free so every probe ends. */
	if (fmem->ledger_live + 1 >= l->cap || nr > UINT32_MAX)
		return -ENOMEM;
	for (i = ledger_home(l, addr); l->rec[i].addr; i = (i + 1) & (l->cap - 1))
		;
	l->rec[i].nr = (uint32_t)nr;
	l->rec[i].domid = domid;
	l->rec[i].resource = resource;
	__atomic_store_n(&l->rec[i].addr, addr, __ATOMIC_RELEASE);
	fmem->ledger_live++;
	return 0;
}

/* Free slot i, shifting later members of its probe run back (no
 * tombstones, so probes stay short however often pages are recycled). */
static void ledger_del_slot(xenforeignmemory_handle *fmem, uint32_t i)
{
	struct xsp_ledger *l = fmem->ledger;
	uint32_t mask = l->cap - 1, j = i;

	for (;;) {
		uint32_t k;

		j = (j + 1) & mask;
		if (!l->rec[j].addr)
			break;
		k = ledger_home(l, l->rec[j].addr);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		l->rec[i].nr = l->rec[j].nr;
		l->rec[i].domid = l->rec[j].domid;
		l->rec[i].resource = l->rec[j].resource;
		__atomic_store_n(&l->rec[i].addr, l->rec[j].addr,
				 __ATOMIC_RELEASE);
		i = j;
	}
	__atomic_store_n(&l->rec[i].addr, 0, __ATOMIC_RELEASE);
	fmem->ledger_live--;
}

/* Forget [addr, addr + nr pages): normally exactly one recorded mapping;
 * a partial unmap trims or splits the records it cuts through. */
static void ledger_remove(xenforeignmemory_handle *fmem, uint64_t addr,
			  uint64_t nr)
{
	struct xsp_ledger *l = fmem->ledger;
	uint64_t end = addr + nr * XSP_PAGE_SIZE;

	for (uint32_t i = ledger_home(l, addr); l->rec[i].addr;
	     i = (i + 1) & (l->cap - 1)) {
		if (l->rec[i].addr == addr && l->rec[i].nr == nr) {
			ledger_del_slot(fmem, i);
			return;
		}
	}
	for (bool again = true; again;) {
		again = false;
		for (uint32_t i = 0; i < l->cap; i++) {
			struct xsp_map_rec r = l->rec[i];
			uint64_t re = r.addr + (uint64_t)r.nr * XSP_PAGE_SIZE;

			if (!r.addr || re <= addr || end <= r.addr)
				continue;
			ledger_del_slot(fmem, i);
			if (r.addr < addr)
				(void)ledger_add(fmem, r.addr,
						 (addr - r.addr) / XSP_PAGE_SIZE,
						 r.domid, r.resource);
			if (end < re)
				(void)ledger_add(fmem, end,
						 (re - end) / XSP_PAGE_SIZE,
						 r.domid, r.resource);
			again = true;	/* slots moved: scan again */
			break;
		}
	}
}

static struct xsp_ledger *ledger_create(int *fd_out)
{
	struct xsp_ledger *l;
	int fd = memfd_create("xensim-ledger", MFD_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)XSP_LEDGER_BYTES) < 0) {
		close(fd);
		return NULL;
	}
	l = mmap(NULL, XSP_LEDGER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (l == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	l->magic = XSP_LEDGER_MAGIC;
	l->cap = XSP_LEDGER_CAP;
	*fd_out = fd;
	return l;
}

/* ---- handles --------------------------------------------------------- */

XSL_EXPORT xenforeignmemory_handle *
xenforeignmemory_open(struct xentoollog_logger *logger, unsigned int open_flags)
{
	xenforeignmemory_handle *fmem = calloc(1, sizeof(*fmem));
	int rc, fd = -1;

	if (!fmem)
		return NULL;
	fmem->ledger = ledger_create(&fd);
	if (!fmem->ledger) {
		rc = -errno;
		free(fmem);
		errno = -rc;
		return NULL;
	}
	rc = xsl_connect(&fmem->conn, XSP_KIND_FOREIGNMEMORY, fd, 0, 1);
	close(fd);
	if (rc) {
		munmap(fmem->ledger, XSP_LEDGER_BYTES);
		free(fmem);
		errno = -rc;
		return NULL;
	}
	pthread_mutex_init(&fmem->lock, NULL);
	return fmem;
}

static void domain_forget(struct fm_domain *d)
{
	if (d->used) {
		close(d->pool_fd);
		close(d->p2m_fd);
	}
	d->used = false;
}

XSL_EXPORT int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
	if (!fmem)
		return 0;
	for (unsigned int i = 0; i < FM_DOMAINS; i++)
		domain_forget(&fmem->dom[i]);
	/* Mappings outlive the handle, as on Linux: the hypervisor keeps
	 * its own view of the ledger and reports what is still in it. */
	munmap(fmem->ledger, XSP_LEDGER_BYTES);
	xsl_disconnect(&fmem->conn);
	pthread_mutex_destroy(&fmem->lock);
	free(fmem);
	return 0;
}

XSL_EXPORT int xenforeignmemory_restrict(xenforeignmemory_handle *fmem,
					 domid_t domid)
{
	uint64_t a[2] = { domid, 0 };
	int rc = xsl_op(&fmem->conn, XSP_RESTRICT, a, 2, NULL);

	if (rc >= 0)
		fmem->conn.restrict_domid = domid;
	return xsl_ret(rc);
}

/* privcmd refuses a restricted handle any other domain. */
static int check_restrict(const xenforeignmemory_handle *fmem, uint32_t dom)
{
	int r = __atomic_load_n(&fmem->conn.restrict_domid, __ATOMIC_RELAXED);

	return r >= 0 && (uint32_t)r != dom ? -EPERM : 0;
}

/* The cached descriptors of domain dom; refresh: ask again (the domain
 * died, or another took its id).  Returns NULL with *rc = -errno. */
static struct fm_domain *domain_get(xenforeignmemory_handle *fmem,
				    uint32_t dom, bool refresh, int *rc)
{
	struct xsp_req rq_dom = { .op = XSP_FM_DOMAIN, .a = { dom } };
	struct xsp_req rq_p2m = { .op = XSP_FM_P2M, .a = { dom } };
	struct fm_domain *d = NULL;
	struct xsp_rsp rsp;
	int pool = -1, p2m = -1;

	for (unsigned int i = 0; i < FM_DOMAINS; i++)
		if (fmem->dom[i].used && fmem->dom[i].domid == dom)
			d = &fmem->dom[i];
	if (d && !refresh)
		return d;
	if (d)
		domain_forget(d);
	*rc = xsl_call(&fmem->conn, &rq_dom, NULL, &rsp, NULL, 0, &pool);
	if (*rc >= 0)
		*rc = xsl_call(&fmem->conn, &rq_p2m, NULL, NULL, NULL, 0, &p2m);
	if (*rc >= 0 && (pool < 0 || p2m < 0))
		*rc = -EPROTO;
	if (*rc < 0) {
		if (pool >= 0)
			close(pool);
		if (p2m >= 0)
			close(p2m);
		return NULL;
	}
	if (!d) {
		for (unsigned int i = 0; i < FM_DOMAINS && !d; i++)
			if (!fmem->dom[i].used)
				d = &fmem->dom[i];
		if (!d) {
			d = &fmem->dom[fmem->dom_victim++ % FM_DOMAINS];
			domain_forget(d);
		}
	}
	*d = (struct fm_domain){ .used = true, .domid = (uint16_t)dom,
				 .pool_fd = pool, .p2m_fd = p2m,
				 .p2m_entries = rsp.v[0] };
	return d;
}

/*
 * Resolve n gfns to pool pages (pg[i].err, pg[i].offset).  One run of
 * gfns is one pread of the p2m; anything else asks the hypervisor.
 * -ESTALE: the p2m file was truncated (the domain died).
 */
static int resolve(xenforeignmemory_handle *fmem, struct fm_domain *d,
		   const xen_pfn_t *arr, size_t n, struct xsp_page *pg)
{
	uint32_t slot[FM_CHUNK];
	uint64_t first = arr[0], have = 0;
	bool run = first <= UINT64_MAX - n;

	for (size_t i = 1; run && i < n; i++)
		run = arr[i] == first + i;
	if (!run) {
		uint64_t gfns[FM_CHUNK];
		struct xsp_req rq = { .op = XSP_FM_MAP, .nr = (uint32_t)n,
				      .a = { d->domid } };

		for (size_t i = 0; i < n; i++)
			gfns[i] = arr[i];
		return xsl_call(&fmem->conn, &rq, gfns, NULL, pg, (uint32_t)n,
				NULL);
	}
	if (first < d->p2m_entries) {
		uint64_t want = d->p2m_entries - first < n ? d->p2m_entries - first
							   : n;
		ssize_t got;

		do
			got = pread(d->p2m_fd, slot, want * sizeof(*slot),
				    (off_t)(first * sizeof(*slot)));
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return -errno;
		if ((size_t)got != want * sizeof(*slot))
			return -ESTALE;
		have = want;
	} else {
		/* Nothing to read; a dead domain still must say ESRCH. */
		struct stat st;

		if (fstat(d->p2m_fd, &st) < 0)
			return -errno;
		if (st.st_size == 0)
			return -ESTALE;
	}
	for (size_t i = 0; i < n; i++) {
		/* mmu_update of an absent foreign gfn: -EINVAL (a paged-out
		 * one would be -ENOENT; the stand-in never pages out). */
		bool ok = i < have && slot[i];

		pg[i].err = ok ? 0 : -EINVAL;
		pg[i].pad = 0;
		pg[i].offset = ok ? (uint64_t)(slot[i] - 1) << XSP_PAGE_SHIFT : 0;
	}
	return 0;
}

/* Map pages [0, n) of pg at base (MAP_FIXED inside a reservation); runs
 * of consecutive offsets are mapped in one go; failed pages stay as they
 * are (PROT_NONE). */
static int map_runs(char *base, int prot, int fd, const struct xsp_page *pg,
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

/* One contiguous, error-free stretch of the pool? */
static bool one_run(const struct xsp_page *pg, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pg[i].err ||
		    pg[i].offset != pg[0].offset + i * XSP_PAGE_SIZE)
			return false;
	return true;
}

/* The first per-page error in pg[0..n), or 0. */
static int first_error(const struct xsp_page *pg, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pg[i].err)
			return pg[i].err;
	return 0;
}

static void *map_locked(xenforeignmemory_handle *fmem, uint32_t dom,
			void *addr, int prot, int flags, size_t num,
			const xen_pfn_t arr[], int err[], int *rc)
{
	struct xsp_page pg[FM_CHUNK];
	struct fm_domain *d;
	char *base = MAP_FAILED;
	size_t len;
	int fixed = flags & MAP_FIXED;

	*rc = check_restrict(fmem, dom);
	if (*rc)
		return NULL;
	if (num == 0 || num > SIZE_MAX / XSP_PAGE_SIZE) {
		*rc = -EINVAL;
		return NULL;
	}
	len = num * XSP_PAGE_SIZE;
	d = domain_get(fmem, dom, false, rc);
	if (!d)
		return NULL;
	for (size_t done = 0; done < num;) {
		size_t n = num - done < FM_CHUNK ? num - done : FM_CHUNK;

		*rc = resolve(fmem, d, arr + done, n, pg);
		if (*rc == -ESTALE && done == 0) {
			d = domain_get(fmem, dom, true, rc);
			if (!d)
				return NULL;
			*rc = resolve(fmem, d, arr, n, pg);
		}
		if (*rc == -ESTALE)
			*rc = -ESRCH;
		if (!*rc && !err)
			*rc = first_error(pg, n);
		if (*rc)
			goto fail;
		if (done == 0 && n == num && one_run(pg, n)) {
			/* The common case: one mmap, as privcmd's. */
			base = mmap(addr, len, prot, MAP_SHARED | fixed,
				    d->pool_fd, (off_t)pg[0].offset);
			if (base == MAP_FAILED) {
				*rc = -errno;
				return NULL;
			}
		} else {
			if (done == 0) {
				base = mmap(addr, len, PROT_NONE,
					    MAP_PRIVATE | MAP_ANONYMOUS | fixed,
					    -1, 0);
				if (base == MAP_FAILED) {
					*rc = -errno;
					return NULL;
				}
			}
			*rc = map_runs(base + done * XSP_PAGE_SIZE, prot,
				       d->pool_fd, pg, n);
			if (*rc)
				goto fail;
		}
		for (size_t i = 0; err && i < n; i++)
			err[done + i] = pg[i].err;
		done += n;
	}
	*rc = ledger_add(fmem, (uintptr_t)base, num, (uint16_t)dom, false);
	if (*rc)
		goto fail;
	return base;
fail:
	if (base != MAP_FAILED)
		munmap(base, len);
	return NULL;
}

XSL_EXPORT void *xenforeignmemory_map2(xenforeignmemory_handle *fmem,
				       uint32_t dom, void *addr, int prot,
				       int flags, size_t num,
				       const xen_pfn_t arr[], int err[])
{
	void *p;
	int rc;

	pthread_mutex_lock(&fmem->lock);
	p = map_locked(fmem, dom, addr, prot, flags, num, arr, err, &rc);
	pthread_mutex_unlock(&fmem->lock);
	if (!p)
		errno = -rc;
	return p;
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
	pthread_mutex_lock(&fmem->lock);
	ledger_remove(fmem, (uintptr_t)addr, pages);
	pthread_mutex_unlock(&fmem->lock);
	return munmap(addr, pages * XSP_PAGE_SIZE);
}

/*
 * privcmd's mmap + IOCTL_PRIVCMD_MMAP_RESOURCE.  Set-up only (a device
 * model maps its ioreq pages once), so it stays a call to the hypervisor,
 * which also allocates the server's pages: two system calls for that,
 * and one mmap per run of pool pages (docs/xensim.md lists the shape).
 */
XSL_EXPORT xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *fmem, domid_t domid,
			      unsigned int type, unsigned int id,
			      unsigned long frame, unsigned long nr_frames,
			      void **paddr, int prot, int flags)
{
	xenforeignmemory_resource_handle *fres;
	struct xsp_page pg[XSP_MAX_PAGES];
	struct fm_domain *d;
	char *base = MAP_FAILED;
	size_t len = nr_frames * XSP_PAGE_SIZE;
	int rc, fixed = flags & MAP_FIXED;

	if (nr_frames == 0 || nr_frames > XSP_MAX_PAGES) {
		errno = EINVAL;
		return NULL;
	}
	fres = calloc(1, sizeof(*fres));
	if (!fres)
		return NULL;
	pthread_mutex_lock(&fmem->lock);
	rc = check_restrict(fmem, domid);
	d = rc ? NULL : domain_get(fmem, domid, false, &rc);
	if (d) {
		struct xsp_req rq = {
			.op = XSP_FM_MAP_RESOURCE,
			.a = { domid, 0, nr_frames, type, id, frame },
		};

		rc = xsl_call(&fmem->conn, &rq, NULL, NULL, pg,
			      (uint32_t)nr_frames, NULL);
	}
	if (rc >= 0) {
		rc = 0;
		if (one_run(pg, nr_frames)) {
			base = mmap(*paddr, len, prot, MAP_SHARED | fixed,
				    d->pool_fd, (off_t)pg[0].offset);
		} else {
			base = mmap(*paddr, len, PROT_NONE,
				    MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0);
			if (base != MAP_FAILED)
				rc = map_runs(base, prot, d->pool_fd, pg,
					      nr_frames);
		}
		if (base == MAP_FAILED)
			rc = -errno;
	}
	if (!rc)
		rc = ledger_add(fmem, (uintptr_t)base, nr_frames, domid, true);
	pthread_mutex_unlock(&fmem->lock);
	if (rc) {
		if (base != MAP_FAILED)
			munmap(base, len);
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
	pthread_mutex_lock(&fmem->lock);
	ledger_remove(fmem, (uintptr_t)fres->addr, fres->nr_frames);
	pthread_mutex_unlock(&fmem->lock);
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
