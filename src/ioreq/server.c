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
 *
 * Re-attaching (ioreq_server_attach) relies on what Xen 4.17 does when
 * the process that made a server dies (docs/xensim.md, "Device model
 * death"): the server belongs to the domain (s->emulator is dom0, not a
 * process), so it stays, enabled, with its pages, ranges and slots; the
 * process's event channel bindings are closed by the Linux evtchn driver
 * (evtchn_release()), which leaves the guest-side ports unbound towards
 * dom0, so they can be bound again.  get_ioreq_server_info() must then be
 * asked without gfn pointers: with them Xen tries to give the pages
 * guest frames and refuses (EPERM) pages already mapped as a resource.
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
			/* On re-attach, EINVAL means the port is not unbound:
			 * another live process serves this server. */
			if (rc == -EINVAL && s->attached) {
				log_err("ioreq: server %u: vCPU %u's port %u is bound by another process",
					s->id, i, remote);
				return -EBUSY;
			}
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

static struct ioreq_server *server_new(uint16_t domid)
{
	struct ioreq_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->domid = domid;
	range_table_init(&s->pio, 0x10000);
	range_table_init(&s->mmio, 0);
	range_table_init(&s->pcicfg, IOREQ_PCI_CFG_SIZE);
	s->bus.ops = &ioreq_bus_ops;
	s->bus.priv = s;
	return s;
}

int ioreq_server_open(const struct ioreq_options *o,
		      struct ioreq_server **out)
{
	struct ioreq_server *s;
	int rc;

	if (!o || !out)
		return -EINVAL;
	s = server_new(o->domid);
	if (!s)
		return -ENOMEM;

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

int ioreq_server_attach(const struct ioreq_options *o, uint16_t id,
			struct ioreq_server **out)
{
	struct ioreq_server *s;
	int rc;

	if (!o || !out)
		return -EINVAL;
	s = server_new(o->domid);
	if (!s)
		return -ENOMEM;
	s->id = id;
	s->attached = true;

	rc = open_handles(s);
	if (rc < 0)
		goto err;
	/* Is it there (and ours: Xen says EPERM for another emulator)? */
	if (xendevicemodel_get_ioreq_server_info(s->dmod, s->domid, s->id,
						 NULL, NULL, NULL) < 0) {
		rc = -errno;
		log_info("ioreq: server %u of domain %u: %s", s->id, s->domid,
			 strerror(-rc));
		goto err;
	}
	/* Resource mapping only: a server whose pages were given guest
	 * frames (legacy) has them out of the guest's physmap while it is
	 * enabled, so they cannot be mapped again (EPERM, or absent gfns). */
	rc = ioreq_pages_map(s, false);
	if (rc < 0)
		goto err;
	if (s->legacy_mapping) {
		log_err("ioreq: server %u uses legacy gfns, which cannot be mapped again while it is enabled",
			s->id);
		rc = -EPERM;
		goto err;
	}
	rc = ioreq_guest_init(s, o->guest_cache_entries);
	if (rc < 0)
		goto err;
	/*
	 * Enabling an enabled server changes nothing (ioreq_server_enable():
	 * "if ( s->enabled ) goto done"); a predecessor that died before it
	 * enabled the server left vp_eport unset, and this writes it.
	 */
	if (xendevicemodel_set_ioreq_server_state(s->dmod, s->domid, s->id,
						  1) < 0) {
		rc = -errno;
		log_err("ioreq: enabling server %u: %s", s->id, strerror(-rc));
		goto err;
	}
	rc = bind_ports(s);
	if (rc < 0)
		goto err;
	s->enabled = true;
	s->server_created = true;	/* ours now: close destroys it */
	log_info("ioreq: re-attached to server %u of domain %u: %u vCPU(s)",
		 s->id, s->domid, s->nr_vcpus);
	*out = s;
	return 0;

err:
	/* Undo only what is ours (handles, mappings, bindings): the server
	 * itself is left as we found it, for the caller to decide. */
	teardown(s);
	free(s);
	return rc;
}

int ioreq_server_destroy_stale(uint16_t domid, uint16_t id)
{
	xendevicemodel_handle *dmod = xendevicemodel_open(NULL, 0);
	int rc = 0;

	if (!dmod)
		return -errno;
	if (xendevicemodel_destroy_ioreq_server(dmod, domid, id) < 0)
		rc = -errno;
	xendevicemodel_close(dmod);
	return rc;
}

int ioreq_server_resume(struct ioreq_server *s)
{
	int served = 0;

	for (unsigned int v = 0; v < s->nr_vcpus; v++) {
		unsigned int st = ioreq_slot_state(s, v);

		if (st == STATE_IOREQ_READY || st == STATE_IOREQ_INPROCESS) {
			log_notice("ioreq: dom%u vcpu%u: serving the %s ioreq left in flight",
				   s->domid, v,
				   st == STATE_IOREQ_READY ? "waiting" : "half-served");
			if (ioreq_server_serve_adopted(s, v) == 0 &&
			    ioreq_slot_state(s, v) != st)
				served++;
		}
	}
	/*
	 * Then wake every vCPU (a notify of a vCPU's Xen port wakes it if it
	 * is blocked in Xen, default_xen_notification_fn()): one whose answer
	 * our predecessor wrote but never announced (IORESP_READY) completes,
	 * one blocked on a server that was destroyed and replaced completes
	 * from its own copy of the request instead of hanging for ever, and
	 * any other just looks at its slot again.
	 */
	for (unsigned int v = 0; v < s->nr_vcpus; v++)
		if (xenevtchn_notify(s->xce, s->vcpu_port[v]) < 0)
			log_warn("ioreq: dom%u vcpu%u: notify failed: %s",
				 s->domid, v, strerror(errno));
	return served;
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
