/* SPDX-License-Identifier: MIT */
/*
 * Domains and their memory.  Guest RAM is a pool file
 * ($XENSIM_DIR/dom<D>-pool) of 4 KiB slots and a p2m table gfn -> slot.
 * Slots are never reused, so a gfn that is ballooned out and populated
 * again gets a fresh page while old foreign mappings keep the old one,
 * exactly the situation Xen's mapcache invalidation exists for.  The
 * ioreq server pages are pool slots too, so one descriptor serves every
 * mapping of a domain.  The p2m lives in a memfd the foreignmemory
 * library reads (one pread per map, as privcmd's one hypercall); when the
 * domain dies the file is truncated, which tells the library ESRCH.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/xensim/hv-internal.h"

#define POOL_GROW 256		/* slots per ftruncate */
/* 12 GiB of guest-physical space: room for RAM above 4 GiB, which tests
 * of requests there (REQUEST_HI) populate.  A hole costs 4 bytes. */
#define P2M_MIN (3ULL << 20)

struct hv_domain *hv_domain_get(struct xensim *sim, uint16_t domid)
{
	if (domid >= HV_MAX_DOMID)
		return NULL;
	return sim->dom[domid];
}

void hv_domain_crash(struct xensim *sim, struct hv_domain *d, const char *why)
{
	if (!d->crashed) {
		d->crashed = true;
		snprintf(d->crash_why, sizeof(d->crash_why), "%s", why);
		fprintf(stderr, "xensim: domain %u crashed: %s\n", d->domid,
			why);
	}
	pthread_cond_broadcast(&sim->cond);
}

int hv_pool_alloc(struct hv_domain *d, uint32_t *slot)
{
	if (d->pool_slots == d->pool_cap) {
		uint64_t cap = (uint64_t)d->pool_cap + POOL_GROW;

		if (cap > UINT32_MAX - 1)
			return -ENOMEM;
		if (ftruncate(d->pool_fd, (off_t)(cap << XSP_PAGE_SHIFT)) < 0)
			return -errno;
		d->pool_cap = (uint32_t)cap;
	}
	*slot = ++d->pool_slots;	/* 1-based: 0 means none */
	return 0;
}

void *hv_pool_map(struct hv_domain *d, uint32_t slot)
{
	void *p = mmap(NULL, XSP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       d->pool_fd, (off_t)(slot - 1) << XSP_PAGE_SHIFT);

	return p == MAP_FAILED ? NULL : p;
}

static void rangeset_free(struct hv_rangeset *rs)
{
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

void hv_domain_free(struct hv_domain *d)
{
	for (int i = 0; i < HV_MAX_SERVERS; i++) {
		struct hv_server *s = &d->srv[i];

		for (int t = 0; t < 3; t++)
			rangeset_free(&s->range[t]);
		if (s->ioreq_va)
			munmap(s->ioreq_va, XSP_PAGE_SIZE);
		if (s->buf_va)
			munmap(s->buf_va, XSP_PAGE_SIZE);
		pthread_mutex_destroy(&s->buf_lock);
	}
	if (d->pool_fd >= 0)
		close(d->pool_fd);
	if (d->p2m)
		munmap(d->p2m, d->p2m_bytes);
	if (d->p2m_fd >= 0)
		close(d->p2m_fd);
	free(d->msi);
	free(d);
}

/* Tell the xenstored harness (tests/harness) that the domain list changed. */
void hv_notify_xenstored(struct xensim *sim, uint16_t domid, const char *state)
{
	char path[PATH_MAX];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(path, sizeof(path), "%s/domains/%u", sim->dir, domid);
	if (state) {
		FILE *f = fopen(path, "w");

		if (f) {
			fprintf(f, "%s\n", state);
			fclose(f);
		}
	} else {
		unlink(path);
	}
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path),
			     "%s/xenstored-virq.sock", sim->dir) >=
	    sizeof(sa.sun_path))
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* ECONNREFUSED / ENOENT: no harness listening, nothing to do. */
	(void)sendto(fd, "D", 1, MSG_DONTWAIT, (struct sockaddr *)&sa,
		     sizeof(sa));
	close(fd);
}

int xensim_domain_create(struct xensim *sim, uint16_t domid,
			 unsigned int nr_vcpus, uint64_t ram_bytes)
{
	char path[PATH_MAX];
	struct hv_domain *d;
	uint64_t pages = (ram_bytes + XSP_PAGE_SIZE - 1) >> XSP_PAGE_SHIFT;
	int rc;

	if (domid == 0 || domid >= HV_MAX_DOMID || nr_vcpus == 0 ||
	    nr_vcpus > XENSIM_MAX_VCPUS || pages > (1ULL << 30))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->domid = domid;
	d->nr_vcpus = nr_vcpus;
	d->pool_fd = d->p2m_fd = -1;
	d->ioreq_gfn_mask = (1u << HV_NR_IOREQ_GFNS) - 1;
	for (int i = 0; i < HV_MAX_SERVERS; i++) {
		d->srv[i].id = (uint16_t)i;
		pthread_mutex_init(&d->srv[i].buf_lock, NULL);
	}
	d->p2m_size = pages > P2M_MIN ? pages + (1ULL << 18) : P2M_MIN;
	d->p2m_bytes = d->p2m_size * sizeof(*d->p2m);
	d->p2m_fd = memfd_create("xensim-p2m", MFD_CLOEXEC);
	if (d->p2m_fd < 0 || ftruncate(d->p2m_fd, (off_t)d->p2m_bytes) < 0) {
		rc = -errno;
		goto err_free;
	}
	d->p2m = mmap(NULL, d->p2m_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->p2m_fd, 0);
	if (d->p2m == MAP_FAILED) {
		d->p2m = NULL;
		rc = -errno;
		goto err_free;
	}
	snprintf(path, sizeof(path), "%s/dom%u-pool", sim->dir, domid);
	d->pool_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (d->pool_fd < 0) {
		rc = -errno;
		goto err_free;
	}
	/* The file stays reachable through pool_fd; the name only helps
	 * debugging, and a recreated domain must not share pages. */
	unlink(path);
	pthread_mutex_lock(&sim->lock);
	if (sim->dom[domid]) {
		rc = -EEXIST;
		goto err_unlock;
	}
	for (uint64_t g = 0; g < pages; g++) {
		rc = hv_pool_alloc(d, &d->p2m[g]);
		if (rc)
			goto err_unlock;
	}
	sim->dom[domid] = d;
	pthread_mutex_unlock(&sim->lock);
	hv_notify_xenstored(sim, domid, "running");
	return 0;

err_unlock:
	pthread_mutex_unlock(&sim->lock);
err_free:
	hv_domain_free(d);
	return rc;
}

int xensim_domain_destroy(struct xensim *sim, uint16_t domid)
{
	struct hv_domain *d;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d) {
		pthread_mutex_unlock(&sim->lock);
		return -ESRCH;
	}
	pthread_mutex_unlock(&sim->lock);
	hv_notify_xenstored(sim, domid, "dying");

	pthread_mutex_lock(&sim->lock);
	if (sim->dom[domid] != d) {	/* destroyed meanwhile by another thread */
		pthread_mutex_unlock(&sim->lock);
		return -ESRCH;
	}
	/* As domain_kill(): ioreq servers go, then every event channel is
	 * closed, which leaves dom0's ends bound but unconnected. */
	for (int i = 0; i < HV_MAX_SERVERS; i++)
		if (d->srv[i].used)
			hv_server_destroy(sim, d, &d->srv[i]);
	for (uint32_t p = 1; p < HV_MAX_PORTS; p++)
		if (d->port[p].state != PORT_FREE)
			hv_gport_close(sim, d, p);
	d->dead = true;
	/* New maps of its gfns fail from now on (ESRCH): the library sees
	 * the p2m file empty.  Existing mappings keep their pool pages. */
	munmap(d->p2m, d->p2m_bytes);
	d->p2m = NULL;
	d->p2m_size = 0;
	(void)!ftruncate(d->p2m_fd, 0);
	sim->dom[domid] = NULL;
	d->next_dead = sim->dead;	/* guest threads may still look at it */
	sim->dead = d;
	pthread_cond_broadcast(&sim->cond);
	pthread_mutex_unlock(&sim->lock);
	hv_notify_xenstored(sim, domid, NULL);
	return 0;
}

static int ram_change(struct xensim *sim, uint16_t domid, uint64_t gfn,
		      uint64_t n, bool populate)
{
	struct hv_domain *d;
	int rc = 0;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d) {
		rc = -ESRCH;
		goto out;
	}
	if (gfn >= d->p2m_size || n > d->p2m_size - gfn) {
		rc = -EINVAL;
		goto out;
	}
	for (uint64_t g = gfn; g < gfn + n && !rc; g++) {
		if (populate && !d->p2m[g])
			rc = hv_pool_alloc(d, &d->p2m[g]);
		else if (!populate && d->p2m[g]) {
			/* The page itself lives on: as on Xen, a foreign
			 * mapping that still holds it keeps seeing its old
			 * content until unmapped. */
			d->p2m[g] = 0;
		}
	}
out:
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

int xensim_ram_populate(struct xensim *sim, uint16_t domid, uint64_t gfn,
			uint64_t n)
{
	return ram_change(sim, domid, gfn, n, true);
}

int xensim_ram_unpopulate(struct xensim *sim, uint16_t domid, uint64_t gfn,
			  uint64_t n)
{
	return ram_change(sim, domid, gfn, n, false);
}

static int ram_access(struct xensim *sim, uint16_t domid, uint64_t gpa,
		      void *buf, size_t len, bool write)
{
	struct hv_domain *d;
	int rc = 0;

	pthread_mutex_lock(&sim->lock);
	d = hv_domain_get(sim, domid);
	if (!d) {
		rc = -ESRCH;
		goto out;
	}
	while (len) {
		uint64_t gfn = gpa >> XSP_PAGE_SHIFT;
		size_t off = gpa & (XSP_PAGE_SIZE - 1);
		size_t chunk = XSP_PAGE_SIZE - off;
		off_t pos;
		ssize_t n;

		if (chunk > len)
			chunk = len;
		if (gfn >= d->p2m_size || !d->p2m[gfn]) {
			rc = -EFAULT;
			goto out;
		}
		pos = ((off_t)(d->p2m[gfn] - 1) << XSP_PAGE_SHIFT) + (off_t)off;
		n = write ? pwrite(d->pool_fd, buf, chunk, pos)
			  : pread(d->pool_fd, buf, chunk, pos);
		if (n != (ssize_t)chunk) {
			rc = n < 0 ? -errno : -EIO;
			goto out;
		}
		buf = (char *)buf + chunk;
		gpa += chunk;
		len -= chunk;
	}
out:
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

int xensim_ram_read(struct xensim *sim, uint16_t domid, uint64_t gpa,
		    void *buf, size_t len)
{
	return ram_access(sim, domid, gpa, buf, len, false);
}

int xensim_ram_write(struct xensim *sim, uint16_t domid, uint64_t gpa,
		     const void *buf, size_t len)
{
	return ram_access(sim, domid, gpa, (void *)buf, len, true);
}
