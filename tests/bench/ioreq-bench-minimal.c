/* SPDX-License-Identifier: MIT */
/*
 * ioreq-bench-minimal: the least a device model can do per ioreq, as the
 * baseline for tests/bench/ioreq-bench.  Bench-only; not how to write a
 * device model (no validation, no buffered ring, no teardown on errors).
 *
 *   ioreq-bench-minimal DOMID PORT [--threaded]
 *
 * --threaded starts one more thread that only sleeps: the process is then
 * multi-threaded, as every device model that watches xenstore is
 * (libxenstore reads watch events in a thread of its own), and glibc's
 * system call wrappers that are cancellation points (poll, read, write,
 * send) do the cancellation bookkeeping they skip in a single-threaded
 * process: about 30 instructions a call.  It is the floor for such a
 * device model.
 *
 * Answers every read of the 4 ports at PORT with a constant: poll,
 * pending, unmask, READY?, IORESP_READY, notify -- one event per poll (the
 * event channel fd is level-triggered, so nothing is lost and an isolated
 * request costs no read that finds nothing): four system calls.
 *
 * A 4-byte write to PORT is an hvmlink GET_HOST_VERSION request at that
 * guest-physical address: the least any device model serving requests in
 * guest memory does -- its page mapped once and kept, the header copied
 * before it is checked (the guest may change it meanwhile), the checks of
 * docs/protocol.md, the answer's OUT fields and rc written back.  Fewer
 * copies than hvmlinkd (no body read, one page, one request type), so it
 * is a floor, not a rival: the request floor of the callgrind bench.
 *
 * SIGTERM ends it through a signalfd in the same poll, as in hvmlinkd: a
 * flag set by a handler would be lost when the signal lands between the
 * flag's check and poll(), and the process would never stop.  The loop is
 * a function of its own so callgrind can count it alone
 * (--toggle-collect=serve_loop).
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include "hvmlink/protocol.h"

#define FLOOR_PAGE_SHIFT 12
#define FLOOR_PAGE_SIZE (1u << FLOOR_PAGE_SHIFT)

/* The one guest page the floor keeps mapped (requests reuse theirs). */
struct floor_guest {
	xenforeignmemory_handle *fm;
	uint16_t dom;
	xen_pfn_t gfn;
	uint8_t *page;
};

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static uint8_t *floor_page(struct floor_guest *g, xen_pfn_t gfn)
{
	int err = 0;
	void *p;

	if (g->page && g->gfn == gfn)
		return g->page;
	p = xenforeignmemory_map(g->fm, g->dom, PROT_READ | PROT_WRITE, 1,
				 &gfn, &err);
	if (p && err)
		xenforeignmemory_unmap(g->fm, p, 1);
	if (!p || err)
		return NULL;
	if (g->page)
		xenforeignmemory_unmap(g->fm, g->page, 1);
	g->page = p;
	g->gfn = gfn;
	return p;
}

/* GET_HOST_VERSION at gpa (the guest's driver keeps it within a page). */
static void serve_request(struct floor_guest *g, uint32_t gpa)
{
	struct hvmlink_req_host_version r;
	size_t off = gpa & (FLOOR_PAGE_SIZE - 1);
	uint8_t *p;
	int32_t rc = HVMLINK_OK;

	if (off > FLOOR_PAGE_SIZE - sizeof(r))
		return;
	p = floor_page(g, gpa >> FLOOR_PAGE_SHIFT);
	if (!p)
		return;
	p += off;
	memcpy(&r.header, p, sizeof(r.header));
	if (r.header.version != HVMLINK_REQUEST_VERSION)
		rc = HVMLINK_ERR_VERSION;
	else if (r.header.size != sizeof(r))
		rc = HVMLINK_ERR_BAD_SIZE;
	else if (r.header.type != HVMLINK_REQ_GET_HOST_VERSION)
		rc = HVMLINK_ERR_NOT_SUPPORTED;
	else if (r.header.reserved1 || r.header.reserved2)
		rc = HVMLINK_ERR_INVALID_PARAMETER;
	if (rc == HVMLINK_OK) {
		r.protocol_version = HVMLINK_PROTOCOL_VERSION;
		r.major = 1;
		r.minor = 0;
		r.build = 0;
		r.features = 0;
		memcpy(p + offsetof(struct hvmlink_req_host_version,
				    protocol_version),
		       &r.protocol_version, 12);
		memcpy(p + offsetof(struct hvmlink_req_host_version, features),
		       &r.features, sizeof(r.features));
	}
	memcpy(p + offsetof(struct hvmlink_req_header, rc), &rc, sizeof(rc));
}

static __attribute__((noinline)) void
serve_loop(xenevtchn_handle *xce, shared_iopage_t *shared,
	   const evtchn_port_t *ports, unsigned int nr, int sfd,
	   struct floor_guest *g, uint16_t port)
{
	struct pollfd pfd[2] = {
		{ .fd = xenevtchn_fd(xce), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};

	for (;;) {
		unsigned int v = 0;
		ioreq_t *r;
		int p;

		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents)
			return;
		p = xenevtchn_pending(xce);
		if (p < 0)
			continue;
		xenevtchn_unmask(xce, (evtchn_port_t)p);
		while (v < nr && ports[v] != (evtchn_port_t)p)
			v++;
		if (v == nr)
			continue;
		r = &shared->vcpu_ioreq[v];
		if (((volatile ioreq_t *)r)->state != STATE_IOREQ_READY)
			continue;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (r->dir == IOREQ_READ)
			r->data = 0x1234;
		else if (r->addr == port && r->size == 4 && r->count == 1 &&
			 !r->data_is_ptr)
			serve_request(g, (uint32_t)r->data);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->state = STATE_IORESP_READY;
		xenevtchn_notify(xce, ports[v]);
	}
}

int main(int argc, char **argv)
{
	xendevicemodel_handle *dm;
	xenevtchn_handle *xce;
	xenforeignmemory_handle *fm;
	xenforeignmemory_resource_handle *fres;
	sigset_t term;
	int sfd;
	evtchn_port_t ports[128];
	shared_iopage_t *shared;
	struct floor_guest g = { 0 };
	unsigned int nr = 0;
	ioservid_t id;
	uint16_t dom, port;
	void *addr = NULL;
	int fd;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--threaded")))
		return 2;
	if (argc == 4) {
		pthread_t t;
		sigset_t all;

		/* Signals stay ours: the sleeper blocks them all. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, NULL);
		if (pthread_create(&t, NULL, sleeper, NULL))
			return 2;
		pthread_sigmask(SIG_UNBLOCK, &all, NULL);
	}
	dom = (uint16_t)atoi(argv[1]);
	port = (uint16_t)strtoul(argv[2], NULL, 0);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	sfd = signalfd(-1, &term, SFD_CLOEXEC);
	if (sfd < 0)
		return 2;

	dm = xendevicemodel_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	fm = xenforeignmemory_open(NULL, 0);
	if (!dm || !xce || !fm)
		return 2;
	if (xendevicemodel_create_ioreq_server(dm, dom, HVM_IOREQSRV_BUFIOREQ_OFF, &id) < 0)
		return 2;
	fres = xenforeignmemory_map_resource(fm, dom, XENMEM_resource_ioreq_server, id,
					     XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
					     &addr, PROT_READ | PROT_WRITE, 0);
	if (!fres)
		return 2;
	shared = addr;
	if (xendevicemodel_set_ioreq_server_state(dm, dom, id, 1) < 0 ||
	    xendevicemodel_nr_vcpus(dm, dom, &nr) < 0 || nr > 128)
		return 2;
	for (unsigned int i = 0; i < nr; i++) {
		int lp = xenevtchn_bind_interdomain(xce, dom, shared->vcpu_ioreq[i].vp_eport);

		if (lp < 0)
			return 2;
		ports[i] = (evtchn_port_t)lp;
	}
	if (xendevicemodel_map_io_range_to_ioreq_server(dm, dom, id, 0, port, port + 3) < 0)
		return 2;
	fd = xenevtchn_fd(xce);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

	g.fm = fm;
	g.dom = dom;
	serve_loop(xce, shared, ports, nr, sfd, &g, port);
	close(sfd);
	if (g.page)
		xenforeignmemory_unmap(fm, g.page, 1);

	xendevicemodel_unmap_io_range_from_ioreq_server(dm, dom, id, 0, port, port + 3);
	for (unsigned int i = 0; i < nr; i++)
		xenevtchn_unbind(xce, ports[i]);
	xendevicemodel_set_ioreq_server_state(dm, dom, id, 0);
	xenforeignmemory_unmap_resource(fm, fres);
	xendevicemodel_destroy_ioreq_server(dm, dom, id);
	xenforeignmemory_close(fm);
	xenevtchn_close(xce);
	xendevicemodel_close(dm);
	return 0;
}
