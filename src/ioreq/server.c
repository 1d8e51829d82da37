/* SPDX-License-Identifier: MIT */
/*
 * Opening and closing the ioreq server.
 *
 * Set-up order (each step undone in reverse by teardown, also after a
 * partial failure):
 *   1. open the devicemodel, evtchn and foreignmemory handles
 *   2. create the ioreq server (buffered ioreqs in ATOMIC mode)
 *   3. map its pages (resource, else legacy gfns)
 *   4. set up the guest page cache
 *   5. enable the server
 *   6. bind every vCPU's event channel, then the buffered one
 * Binding comes after enabling because Xen writes each vCPU's vp_eport
 * into a resource-mapped page only when the server is enabled
 * (ioreq_server_enable() -> ioreq_update_evtchn()), as QEMU's order
 * assumes.  Nothing is lost in between: an ioreq Xen raises before we
 * bind is still READY in its slot, and bind_interdomain marks the new
 * local port pending, so the first drain finds and serves it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ioreq/ioreq-internal.h"

static int set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int open_handles(struct ioreq_server *s)
{
	int rc;

	s->dmod = xendevicemodel_open(NULL, 0);
	if (!s->dmod) {
		rc = -errno;
		log_err("ioreq: xendevicemodel_open: %s", strerror(errno));
		goto err;
	}
	s->xce = xenevtchn_open(NULL, 0);
	if (!s->xce) {
		rc = -errno;
		log_err("ioreq: xenevtchn_open: %s", strerror(errno));
		goto err_dmod;
	}
	/* A wake-up with nothing pending (spurious) must not block. */
	rc = set_nonblocking(xenevtchn_fd(s->xce));
	if (rc < 0) {
		log_err("ioreq: event channel fd: %s", strerror(-rc));
		goto err_xce;
	}
	s->fmem = xenforeignmemory_open(NULL, 0);
	if (!s->fmem) {
		rc = -errno;
		log_err("ioreq: xenforeignmemory_open: %s", strerror(errno));
		goto err_xce;
	}
	return 0;

err_xce:
	xenevtchn_close(s->xce);
	s->xce = NULL;
err_dmod:
	xendevicemodel_close(s->dmod);
	s->dmod = NULL;
err:
	return rc ? rc : -EIO;
}

static void close_handles(struct ioreq_server *s)
{
	if (s->fmem)
		xenforeignmemory_close(s->fmem);
	if (s->xce)
		xenevtchn_close(s->xce);
	if (s->dmod)
		xendevicemodel_close(s->dmod);
	s->fmem = NULL;
	s->xce = NULL;
	s->dmod = NULL;
}

static int create_server(struct ioreq_server *s)
{
	if (xendevicemodel_create_ioreq_server(s->dmod, s->domid,
					       HVM_IOREQSRV_BUFIOREQ_ATOMIC,
					       &s->id) < 0) {
		int rc = -errno;

		log_err("ioreq: cannot create an ioreq server for domain %u: %s",
			s->domid, strerror(-rc));
		return rc;
	}
	s->server_created = true;
	log_info("ioreq: server %u created for domain %u", s->id, s->domid);
	return 0;
}

static void destroy_server(struct ioreq_server *s)
{
	if (!s->server_created)
		return;
	if (xendevicemodel_destroy_ioreq_server(s->dmod, s->domid, s->id) < 0 &&
	    errno != ESRCH)
		log_warn("ioreq: destroying server %u: %s", s->id,
			 strerror(errno));
	s->server_created = false;
}

static int bind_ports(struct ioreq_server *s)
{
	unsigned int n = 0;
	int rc;

	if (xendevicemodel_nr_vcpus(s->dmod, s->domid, &n) < 0) {
		rc = -errno;
		log_err("ioreq: domain %u: vCPU count: %s", s->domid,
			strerror(-rc));
		return rc;
	}
	if (n == 0 || n > IOREQ_MAX_VCPUS) {
		log_err("ioreq: domain %u has %u vCPUs; one ioreq page serves 1..%zu",
			s->domid, n, (size_t)IOREQ_MAX_VCPUS);
		return -ERANGE;
	}
	s->vcpu_port = calloc(n, sizeof(*s->vcpu_port));
	if (!s->vcpu_port)
		return -ENOMEM;
	s->nr_vcpus = n;

	for (unsigned int i = 0; i < n; i++) {
		/* Xen put the vCPU's (guest-side) port in its slot when the
		 * server was created; we get a different local port. */
		evtchn_port_t remote = s->shared->vcpu_ioreq[i].vp_eport;
		xenevtchn_port_or_error_t local =
			xenevtchn_bind_interdomain(s->xce, s->domid, remote);

		if (local < 0) {
			rc = -errno;
			log_err("ioreq: bind vCPU %u port %u: %s", i, remote,
				strerror(-rc));
			return rc;
		}
		s->vcpu_port[i] = (evtchn_port_t)local;
		s->nr_vcpu_bound = i + 1;
	}

	{
		xenevtchn_port_or_error_t local = xenevtchn_bind_interdomain(
			s->xce, s->domid, s->buf_remote_port);

		if (local < 0) {
			rc = -errno;
			log_err("ioreq: bind buffered port %u: %s",
				s->buf_remote_port, strerror(-rc));
			return rc;
		}
		s->buf_port = (evtchn_port_t)local;
		s->buf_bound = true;
	}
	return 0;
}

static void unbind_ports(struct ioreq_server *s)
{
	if (s->buf_bound && xenevtchn_unbind(s->xce, s->buf_port) < 0)
		log_debug("ioreq: unbind buffered port: %s", strerror(errno));
	s->buf_bound = false;
	while (s->nr_vcpu_bound > 0) {
		unsigned int i = --s->nr_vcpu_bound;

		if (xenevtchn_unbind(s->xce, s->vcpu_port[i]) < 0)
			log_debug("ioreq: unbind vCPU %u port: %s", i,
				  strerror(errno));
	}
	free(s->vcpu_port);
	s->vcpu_port = NULL;
	s->nr_vcpus = 0;
}

static int set_enabled(struct ioreq_server *s, bool on)
{
	if (xendevicemodel_set_ioreq_server_state(s->dmod, s->domid, s->id,
						  on ? 1 : 0) < 0)
		return -errno;
	s->enabled = on;
	return 0;
}

/* Everything open/close share; each step checks what exists. */
static void teardown(struct ioreq_server *s)
{
	ioreq_bus_release(s);
	unbind_ports(s);
	if (s->enabled) {
		int rc = set_enabled(s, false);

		if (rc < 0 && rc != -ESRCH)
			log_warn("ioreq: disabling server %u: %s", s->id,
				 strerror(-rc));
		s->enabled = false;
	}
	ioreq_guest_fini(s);
	ioreq_pages_unmap(s);
	destroy_server(s);
	close_handles(s);
	range_table_fini(&s->pcicfg);
	range_table_fini(&s->mmio);
	range_table_fini(&s->pio);
}

int ioreq_server_open(const struct ioreq_options *o,
		      struct ioreq_server **out)
{
	struct ioreq_server *s;
	int rc;

	if (!o || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->domid = o->domid;
	range_table_init(&s->pio, 0x10000);
	range_table_init(&s->mmio, 0);
	range_table_init(&s->pcicfg, IOREQ_PCI_CFG_SIZE);
	s->bus.ops = &ioreq_bus_ops;
	s->bus.priv = s;

	rc = open_handles(s);
	if (rc < 0)
		goto err;
	rc = create_server(s);
	if (rc < 0)
		goto err;
	rc = ioreq_pages_map(s, o->force_legacy_mapping);
	if (rc < 0)
		goto err;
	rc = ioreq_guest_init(s, o->guest_cache_entries);
	if (rc < 0)
		goto err;
	rc = set_enabled(s, true);
	if (rc < 0) {
		log_err("ioreq: enabling server %u: %s", s->id, strerror(-rc));
		goto err;
	}
	rc = bind_ports(s);
	if (rc < 0)
		goto err;
	log_info("ioreq: server %u enabled for domain %u: %u vCPU(s), pages via %s",
		 s->id, s->domid, s->nr_vcpus,
		 s->legacy_mapping ? "legacy gfns" : "resource mapping");
	*out = s;
	return 0;

err:
	/* teardown() undoes exactly the steps that completed. */
	teardown(s);
	free(s);
	return rc;
}

void ioreq_server_close(struct ioreq_server *s)
{
	if (!s)
		return;
	log_info("ioreq: closing server %u of domain %u", s->id, s->domid);
	teardown(s);
	free(s);
}

struct bus *ioreq_server_bus(struct ioreq_server *s)
{
	return &s->bus;
}

int ioreq_server_fd(const struct ioreq_server *s)
{
	return xenevtchn_fd(s->xce);
}

uint16_t ioreq_server_domid(const struct ioreq_server *s)
{
	return s->domid;
}

uint16_t ioreq_server_id(const struct ioreq_server *s)
{
	return s->id;
}

unsigned int ioreq_server_nr_vcpus(const struct ioreq_server *s)
{
	return s->nr_vcpus;
}

bool ioreq_server_legacy_mapping(const struct ioreq_server *s)
{
	return s->legacy_mapping;
}

void ioreq_server_get_stats(const struct ioreq_server *s,
			    struct ioreq_stats *st)
{
	*st = s->st;
	st->guest_map_hits = s->mem.st.hits;
	st->guest_map_misses = s->mem.st.misses;
	st->guest_map_faults = s->mem.st.faults;
	st->guest_map_evictions = s->mem.st.evictions;
}
