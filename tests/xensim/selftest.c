/* SPDX-License-Identifier: MIT */
/*
 * Self-tests of the Xen stand-in.  This program is both sides at once:
 * it hosts the simulated hypervisor (xensim.h) and, re-executed under
 * xensim-run, also calls the real libxen* API in-process (so the
 * preloaded library answers), and it spawns the toy device model
 * (xensim-toydm) for the full device-model flow.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoolcore.h>
#include <xen/hvm/ioreq.h>

#include "tests/xensim/selftest.h"
#include "tests/xensim/xensim.h"

int failures, checks;
struct xensim *sim;

bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* fd_readable() once the hypervisor has applied every command sent so
 * far (xensim_get_stats() waits for that). */
static bool settled_readable(int fd)
{
	struct xensim_stats st;

	xensim_get_stats(sim, &st);
	return fd_readable(fd);
}

void expect_clean(const char *when)
{
	char buf[2048];
	int n = xensim_leftovers(sim, buf, sizeof(buf));

	CHECK(n == 0, "leftovers %s:\n%s", when, buf);
}

/* ---- in-process: ioreq server dm_ops and their errors ---------------- */

static void test_dm_ops(void)
{
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	ioservid_t id[9];
	unsigned int vcpus = 0;
	size_t size = 0;
	xen_pfn_t gfn;
	void *addr = NULL;

	CHECK(dm && fm, "open: %s", strerror(errno));
	if (!dm || !fm)
		return;
	CHECK_RC(xensim_domain_create(sim, 7, 2, 16 << 20), 0);
	CHECK_RC(xendevicemodel_nr_vcpus(dm, 7, &vcpus), 0);
	CHECK(vcpus == 2, "nr_vcpus %u", vcpus);
	CHECK_ERR(xendevicemodel_nr_vcpus(dm, 99, &vcpus), ESRCH);

	/* ids: lowest free slot, 8 at most, bufioreq mode checked */
	CHECK_RC(xendevicemodel_create_ioreq_server(dm, 7, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &id[0]), 0);
	CHECK_RC(xendevicemodel_create_ioreq_server(dm, 7, HVM_IOREQSRV_BUFIOREQ_OFF, &id[1]), 0);
	CHECK(id[0] == 0 && id[1] == 1, "ids %u %u", id[0], id[1]);
	CHECK_RC(xendevicemodel_destroy_ioreq_server(dm, 7, 0), 0);
	CHECK_RC(xendevicemodel_create_ioreq_server(dm, 7, HVM_IOREQSRV_BUFIOREQ_LEGACY, &id[0]), 0);
	CHECK(id[0] == 0, "id reused %u", id[0]);
	CHECK_ERR(xendevicemodel_create_ioreq_server(dm, 7, 3, &id[2]), EINVAL);
	for (int i = 2; i < 8; i++)
		CHECK_RC(xendevicemodel_create_ioreq_server(dm, 7, 0, &id[i]), 0);
	CHECK_ERR(xendevicemodel_create_ioreq_server(dm, 7, 0, &id[8]), ENOSPC);
	for (int i = 2; i < 8; i++)
		CHECK_RC(xendevicemodel_destroy_ioreq_server(dm, 7, id[i]), 0);
	CHECK_ERR(xendevicemodel_destroy_ioreq_server(dm, 7, 5), ENOENT);
	CHECK_ERR(xendevicemodel_create_ioreq_server(dm, 99, 0, &id[2]), ESRCH);

	/* ranges: rangeset semantics */
	CHECK_RC(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, 1, 0, 0x100, 0x10f), 0);
	CHECK_ERR(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, 1, 0, 0x108, 0x117), EEXIST);
	CHECK_ERR(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, 1, 0, 0x200, 0x1ff), EINVAL);
	CHECK_ERR(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, 6, 0, 0x300, 0x30f), ENOENT);
	CHECK_ERR(xendevicemodel_map_io_range_to_ioreq_server(dm, 99, 1, 0, 0x300, 0x30f), ESRCH);
	/* another server may claim the same range: Xen does not check */
	CHECK_RC(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, 0, 0, 0x100, 0x10f), 0);
	CHECK_RC(xendevicemodel_unmap_io_range_from_ioreq_server(dm, 7, 1, 0, 0x104, 0x107), 0);
	CHECK_ERR(xendevicemodel_unmap_io_range_from_ioreq_server(dm, 7, 1, 0, 0x104, 0x104), ENOENT);
	CHECK_RC(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, 1, 1, 0xfe000000, 0xfe000fff), 0);
	CHECK_RC(xendevicemodel_map_pcidev_to_ioreq_server(dm, 7, 1, 0, 0, 3, 0), 0);
	CHECK_ERR(xendevicemodel_map_pcidev_to_ioreq_server(dm, 7, 1, 0, 0, 3, 0), EEXIST);
	CHECK_ERR(xendevicemodel_map_pcidev_to_ioreq_server(dm, 7, 1, 0, 0, 0x20, 0), EINVAL);
	CHECK_RC(xendevicemodel_unmap_pcidev_from_ioreq_server(dm, 7, 1, 0, 0, 3, 0), 0);
	{
		struct xensim_range r[4];

		/* 0x100-0x10f minus 0x104-0x107: split in two */
		CHECK_RC(xensim_server_ranges(sim, 7, 1, 0, r, 4), 2);
		CHECK(r[0].start == 0x100 && r[0].end == 0x103 &&
		      r[1].start == 0x108 && r[1].end == 0x10f, "split ranges");
		/* adjacent ranges merge, as in a rangeset */
		CHECK_RC(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, 1, 0, 0x104, 0x107), 0);
		CHECK_RC(xensim_server_ranges(sim, 7, 1, 0, r, 4), 1);
		CHECK(r[0].start == 0x100 && r[0].end == 0x10f, "merged range");
		CHECK_RC(xendevicemodel_unmap_io_range_from_ioreq_server(dm, 7, 1, 0, 0x104, 0x107), 0);
	}
	{
		struct xensim_server_info si[8];
		int n = xensim_servers(sim, 7, si, 8);

		CHECK(n == 2 && si[1].nr_port_ranges == 2 &&
		      si[1].nr_mmio_ranges == 1 && si[1].nr_pcidevs == 0 &&
		      si[0].bufioreq == HVM_IOREQSRV_BUFIOREQ_LEGACY,
		      "servers %d ranges %u/%u/%u", n, si[1].nr_port_ranges,
		      si[1].nr_mmio_ranges, si[1].nr_pcidevs);
	}

	/* resources: size, frame layout, ENOENT without a buffered ring,
	 * and never both resource and legacy gfns (EPERM) */
	CHECK_RC(xenforeignmemory_resource_size(fm, 7, XENMEM_resource_ioreq_server, 1, &size), 0);
	CHECK(size == 2 * 4096, "resource size %zu", size);
	CHECK(xenforeignmemory_map_resource(fm, 7, XENMEM_resource_ioreq_server, 1, 0, 2,
					    &addr, PROT_READ | PROT_WRITE, 0) == NULL &&
	      errno == ENOENT, "frame 0 of a server without bufioreq: %s", strerror(errno));
	addr = NULL;
	CHECK(xenforeignmemory_map_resource(fm, 7, XENMEM_resource_ioreq_server, 1, 1, 2,
					    &addr, PROT_READ | PROT_WRITE, 0) == NULL &&
	      errno == EINVAL, "frames past the end: %s", strerror(errno));
	addr = NULL;
	xenforeignmemory_resource_handle *fres =
		xenforeignmemory_map_resource(fm, 7, XENMEM_resource_ioreq_server, 1, 1, 1,
					      &addr, PROT_READ | PROT_WRITE, 0);
	CHECK(fres && addr, "map_resource: %s", strerror(errno));
	CHECK_ERR(xendevicemodel_get_ioreq_server_info(dm, 7, 1, &gfn, NULL, NULL), EPERM);
	/* server 0 (legacy ring) the legacy way: gfns + foreign map */
	{
		xen_pfn_t io_gfn = 0, buf_gfn = 0;
		evtchn_port_t bport = 0;
		void *io, *again;

		CHECK_RC(xendevicemodel_get_ioreq_server_info(dm, 7, 0, &io_gfn, &buf_gfn, &bport), 0);
		CHECK(io_gfn != buf_gfn && bport != 0, "legacy gfns %lx %lx port %u",
		      (unsigned long)io_gfn, (unsigned long)buf_gfn, bport);
		io = xenforeignmemory_map(fm, 7, PROT_READ | PROT_WRITE, 1, &io_gfn, NULL);
		CHECK(io != NULL, "map legacy ioreq gfn: %s", strerror(errno));
		addr = NULL;
		CHECK(xenforeignmemory_map_resource(fm, 7, XENMEM_resource_ioreq_server, 0, 0, 2,
						    &addr, PROT_READ | PROT_WRITE, 0) == NULL &&
		      errno == EPERM, "resource after legacy: %s", strerror(errno));
		/* enabling removes the gfns from the guest's p2m */
		CHECK_RC(xendevicemodel_set_ioreq_server_state(dm, 7, 0, 1), 0);
		CHECK(((ioreq_t *)io)[0].vp_eport != 0, "vp_eport after enable");
		again = xenforeignmemory_map(fm, 7, PROT_READ, 1, &io_gfn, NULL);
		CHECK(again == NULL && errno == EINVAL, "ioreq gfn while enabled: %p %s",
		      again, strerror(errno));
		CHECK_RC(xendevicemodel_set_ioreq_server_state(dm, 7, 0, 0), 0);
		if (io)
			CHECK_RC(xenforeignmemory_unmap(fm, io, 1), 0);
	}
	if (fres)
		CHECK_RC(xenforeignmemory_unmap_resource(fm, fres), 0);
	CHECK_RC(xendevicemodel_destroy_ioreq_server(dm, 7, 0), 0);
	CHECK_RC(xendevicemodel_destroy_ioreq_server(dm, 7, 1), 0);
	xenforeignmemory_close(fm);
	xendevicemodel_close(dm);
	CHECK_RC(xensim_domain_destroy(sim, 7), 0);
	expect_clean("after dm_ops");
}

/* ---- in-process: event channels, masking, a hand-served ioreq -------- */

struct guest_access {
	uint16_t dom;
	unsigned int vcpu;
	uint16_t port;
	uint64_t val;
	int rc;
	bool read;
};

static void *guest_thread(void *arg)
{
	struct guest_access *g = arg;

	g->rc = g->read ? xensim_pio_read(sim, g->dom, g->vcpu, g->port, 4, &g->val)
			: xensim_pio_write(sim, g->dom, g->vcpu, g->port, 4, g->val);
	return NULL;
}

static void test_evtchn(void)
{
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
	xenforeignmemory_resource_handle *fres;
	struct guest_access g = { .dom = 7, .vcpu = 1, .port = 0x100, .read = true };
	pthread_t th;
	void *pages = NULL;
	ioreq_t *slots;
	buffered_iopage_t *bp;
	ioservid_t id;
	evtchn_port_t rport, bport = 0;
	int lport, lport0, bl, n, fd, pend;
	uint64_t v;

	CHECK(dm && fm && xce, "open");
	if (!dm || !fm || !xce)
		return;
	fd = xenevtchn_fd(xce);
	CHECK_RC(xensim_domain_create(sim, 7, 2, 1 << 20), 0);
	CHECK_RC(xendevicemodel_create_ioreq_server(dm, 7, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &id), 0);
	fres = xenforeignmemory_map_resource(fm, 7, XENMEM_resource_ioreq_server, id, 0, 2,
					     &pages, PROT_READ | PROT_WRITE, 0);
	CHECK(fres != NULL, "map_resource: %s", strerror(errno));
	if (!fres)
		return;
	bp = pages;
	slots = (ioreq_t *)((char *)pages + 4096);
	CHECK_RC(xendevicemodel_get_ioreq_server_info(dm, 7, id, NULL, NULL, &bport), 0);
	CHECK_RC(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, id, 0, 0x100, 0x107), 0);
	CHECK_RC(xendevicemodel_map_io_range_to_ioreq_server(dm, 7, id, 1, 0xff000, 0x100fff), 0);

	/* Disabled: the guest's access goes to the null handler, the DM
	 * hears nothing. */
	CHECK_RC(xensim_pio_read(sim, 7, 0, 0x100, 2, &v), 0);
	CHECK(v == 0xffff, "disabled server: read %#llx", (unsigned long long)v);
	CHECK(!fd_readable(fd), "event while disabled");

	CHECK_RC(xendevicemodel_set_ioreq_server_state(dm, 7, id, 1), 0);
	rport = slots[1].vp_eport;
	CHECK(rport != 0 && slots[0].vp_eport != rport, "vp_eports %u %u",
	      slots[0].vp_eport, rport);
	CHECK_ERR(xenevtchn_bind_interdomain(xce, 99, rport), ESRCH);
	lport0 = xenevtchn_bind_interdomain(xce, 7, slots[0].vp_eport);
	lport = xenevtchn_bind_interdomain(xce, 7, rport);
	bl = xenevtchn_bind_interdomain(xce, 7, bport);
	CHECK(lport > 0 && lport0 > 0 && bl > 0, "bind: %s", strerror(errno));
	CHECK((evtchn_port_t)lport != rport && (evtchn_port_t)lport0 != slots[0].vp_eport,
	      "local ports %d/%d equal remote %u/%u", lport0, lport,
	      slots[0].vp_eport, rport);
	CHECK_ERR(xenevtchn_bind_interdomain(xce, 7, rport), EINVAL);
	/* Xen sets a new binding pending: one event per bind, masked. */
	for (int i = 0; i < 3; i++) {
		pend = xenevtchn_pending(xce);
		CHECK(pend == lport0 || pend == lport || pend == bl, "bind event %d", pend);
	}
	CHECK(!fd_readable(fd), "more than one event per bind");

	/* lport is masked (delivered, not unmasked): the guest's ioreq
	 * stays pending until the unmask. */
	CHECK_RC(pthread_create(&th, NULL, guest_thread, &g), 0);
	while (((volatile ioreq_t *)&slots[1])->state != STATE_IOREQ_READY)
		usleep(1000);
	CHECK(!fd_readable(fd), "event delivered through a masked port");
	CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)lport), 0);
	CHECK(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000) == 1,
	      "pending event not delivered on unmask");
	CHECK_RC(xenevtchn_pending(xce), lport);
	CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)lport), 0);
	CHECK(slots[1].type == IOREQ_TYPE_PIO && slots[1].addr == 0x100 &&
	      slots[1].size == 4 && slots[1].dir == IOREQ_READ &&
	      slots[1].count == 1 && slots[1].vp_eport == rport,
	      "ioreq as Xen fills it");
	slots[1].state = STATE_IOREQ_INPROCESS;
	slots[1].data = 0xabcdef12;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slots[1].state = STATE_IORESP_READY;
	CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)lport), 0);
	pthread_join(th, NULL);
	CHECK(g.rc == 0 && g.val == 0xabcdef12, "guest got rc %d val %#llx", g.rc,
	      (unsigned long long)g.val);
	CHECK(slots[1].state == STATE_IOREQ_NONE, "slot back to NONE");

	/* Xen 4.17's wait_for_io(): a slot set back to NONE completes the
	 * access with all-ones (an emulator dying mid-request), without a
	 * crash; a state going backwards crashes the domain. */
	{
		struct guest_access g2 = { .dom = 7, .vcpu = 1, .port = 0x100, .read = true };
		struct xensim_stats st;
		char why[160];

		CHECK_RC(xensim_domain_crashed(sim, 7, why, sizeof(why)), 0);
		CHECK_RC(pthread_create(&th, NULL, guest_thread, &g2), 0);
		CHECK(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000) == 1,
		      "second ioreq not delivered");
		CHECK_RC(xenevtchn_pending(xce), lport);
		CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)lport), 0);
		slots[1].state = STATE_IORESP_READY;
		CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)lport), 0);
		pthread_join(th, NULL);
		CHECK(g2.rc == 0, "IORESP_READY straight from READY is fine: %d", g2.rc);
		CHECK_RC(pthread_create(&th, NULL, guest_thread, &g2), 0);
		CHECK(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000) == 1,
		      "third ioreq not delivered");
		CHECK_RC(xenevtchn_pending(xce), lport);
		CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)lport), 0);
		slots[1].data = 0x1234;
		slots[1].state = STATE_IOREQ_NONE;
		CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)lport), 0);
		pthread_join(th, NULL);
		CHECK(g2.rc == 0 && g2.val == 0xffffffff,
		      "READY -> NONE: rc %d val %#llx, wanted all-ones", g2.rc,
		      (unsigned long long)g2.val);
		CHECK_RC(xensim_domain_crashed(sim, 7, why, sizeof(why)), 0);
		xensim_get_stats(sim, &st);
		CHECK(st.none_completions == 1, "none completions %lu",
		      st.none_completions);
		/* Waking the vCPU through its port while the slot is still
		 * READY changes nothing: it waits on.  A state that is no
		 * state crashes the domain. */
		CHECK_RC(pthread_create(&th, NULL, guest_thread, &g2), 0);
		CHECK(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000) == 1,
		      "fourth ioreq not delivered");
		CHECK_RC(xenevtchn_pending(xce), lport);
		CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)lport), 0);
		CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)lport), 0);
		usleep(20000);
		CHECK_RC(xensim_domain_crashed(sim, 7, why, sizeof(why)), 0);
		slots[1].state = 7;
		CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)lport), 0);
		pthread_join(th, NULL);
		CHECK(g2.rc == -EIO, "state 7: %d", g2.rc);
		CHECK_RC(xensim_domain_crashed(sim, 7, why, sizeof(why)), 1);
		CHECK(strstr(why, "iorequest state 7") != NULL, "crash reason: %s", why);
	}

	/* fdopen: a second handle on the same event file (as after exec)
	 * sees the same bindings; closing it leaves them to the first. */
	{
		int fd2 = dup(fd);
		xenevtchn_handle *h2 = fd2 >= 0 ? xenevtchn_fdopen(NULL, fd2, 0) : NULL;

		CHECK(h2 != NULL, "fdopen: %s", strerror(errno));
		if (h2) {
			CHECK_RC(xenevtchn_notify(h2, (evtchn_port_t)lport0), 0);
			CHECK_RC(xenevtchn_close(h2), 0);	/* closes fd2 */
		}
		CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)lport0), 0);
	}

	/* Notify / unbind of ports this handle does not own. */
	CHECK_ERR(xenevtchn_notify(xce, 5), ENOTCONN);
	CHECK_ERR(xenevtchn_notify(xce, 1u << 20), EINVAL);

	/* The buffered ring: 511 slots, an 8-byte write takes two, full
	 * means Xen goes synchronous (-EAGAIN here). */
	for (int i = 0; i < 510; i++)
		CHECK_RC(xensim_buffered_write(sim, 7, IOREQ_TYPE_PIO, 0x100, 4, i), 0);
	CHECK_RC(xensim_buffered_write(sim, 7, IOREQ_TYPE_PIO, 0x100, 8, 1), -EAGAIN);
	CHECK_RC(xensim_buffered_write(sim, 7, IOREQ_TYPE_PIO, 0x100, 4, 510), 0);
	CHECK_RC(xensim_buffered_write(sim, 7, IOREQ_TYPE_PIO, 0x100, 4, 511), -EAGAIN);
	CHECK(bp->write_pointer == 511 && bp->buf_ioreq[7].data == 7 &&
	      bp->buf_ioreq[7].size == 2 && bp->buf_ioreq[7].addr == 0x100,
	      "ring content wp %u", bp->write_pointer);
	/* consume all but one slot (the write pointer is canonicalised once
	 * read_pointer passes the ring size in ATOMIC mode) */
	__atomic_store_n(&bp->read_pointer, 511, __ATOMIC_RELEASE);
	CHECK_RC(xensim_buffered_write(sim, 7, IOREQ_TYPE_PIO, 0x100, 8, 0x1122334455667788ULL), 0);
	CHECK(bp->read_pointer == 0 && bp->write_pointer == 2,
	      "canonicalised pointers %u %u", bp->read_pointer, bp->write_pointer);
	CHECK(bp->buf_ioreq[511 % IOREQ_BUFFER_SLOT_NUM].data == 0x55667788 &&
	      bp->buf_ioreq[1].data == 0x11223344 && bp->buf_ioreq[1].size == 3,
	      "8-byte write in two slots");
	CHECK_RC(xensim_buffered_write(sim, 7, IOREQ_TYPE_COPY, 0x100000, 4, 1), XENSIM_BUF_DROPPED);
	/* bl is still masked from its bind-time event: the notifies wait */
	CHECK(!fd_readable(fd), "buffered notify through a masked port");
	CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)bl), 0);
	n = 0;
	/* An unmask is a write the hypervisor applies in its own time, as
	 * the driver's enable_irq() leads to the interrupt: settle first. */
	while (settled_readable(fd) && n < 8) {
		pend = xenevtchn_pending(xce);
		CHECK(pend == bl, "buffered notify on the buffered port (%d)", pend);
		CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)bl), 0);
		n++;
	}
	CHECK(n >= 1, "no buffered notify");

	CHECK_RC(xenevtchn_unbind(xce, (evtchn_port_t)lport), 0);
	CHECK_ERR(xenevtchn_unbind(xce, (evtchn_port_t)lport), ENOTCONN);
	/* unbound again on the guest side: can be bound again */
	lport = xenevtchn_bind_interdomain(xce, 7, rport);
	CHECK(lport > 0, "rebind: %s", strerror(errno));
	CHECK_RC(xendevicemodel_destroy_ioreq_server(dm, 7, id), 0);
	/* peer closed: Linux/Xen drop the notify silently */
	CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)lport), 0);
	{
		char buf[1024];

		/* 3 bindings, 3 open handles, 1 mapping */
		int left = xensim_leftovers(sim, buf, sizeof(buf));

		CHECK(left == 7 && strstr(buf, "resource mapping of dom7") &&
		      strstr(buf, "xenevtchn handle still open") &&
		      strstr(buf, "event channel port"),
		      "bindings + handles + mapping expected (%d):\n%s", left, buf);
	}
	xenevtchn_unbind(xce, (evtchn_port_t)lport);
	xenevtchn_unbind(xce, (evtchn_port_t)lport0);
	xenevtchn_unbind(xce, (evtchn_port_t)bl);
	xenforeignmemory_unmap_resource(fm, fres);
	xenevtchn_close(xce);
	xenforeignmemory_close(fm);
	xendevicemodel_close(dm);
	CHECK_RC(xensim_domain_destroy(sim, 7), 0);
	expect_clean("after evtchn");
}

/* ---- in-process: guest memory and restriction ------------------------ */

static void test_memory(void)
{
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
	xen_pfn_t gfns[3] = { 4, 5, 6 }, ten = 10;
	int err[3] = { 1, 1, 1 };
	char *p, *stale, b = 0;
	unsigned int vcpus;
	struct xensim_stats st;

	CHECK(fm && dm && xce, "open");
	if (!fm || !dm || !xce)
		return;
	CHECK_RC(xensim_domain_create(sim, 8, 1, 64 << 10), 0);
	CHECK_RC(xensim_ram_unpopulate(sim, 8, 5, 1), 0);
	p = xenforeignmemory_map(fm, 8, PROT_READ | PROT_WRITE, 3, gfns, err);
	CHECK(p != NULL && err[0] == 0 && err[1] == -EINVAL && err[2] == 0,
	      "err[] %d %d %d", err[0], err[1], err[2]);
	if (p) {
		p[2 * 4096 + 7] = 'x';
		CHECK_RC(xensim_ram_read(sim, 8, 6 * 4096 + 7, &b, 1), 0);
		CHECK(b == 'x', "write through the mapping seen by the guest");
		CHECK_RC(xenforeignmemory_unmap(fm, p, 3), 0);
	}
	CHECK(xenforeignmemory_map(fm, 8, PROT_READ, 3, gfns, NULL) == NULL &&
	      errno == EINVAL, "no err[]: NULL + errno (%s)", strerror(errno));
	CHECK_RC(xensim_ram_read(sim, 8, 5 * 4096, &b, 1), -EFAULT);

	/* A ballooned-out page lives on in an old mapping; the gfn gets a
	 * fresh one (why INVALIDATE exists). */
	stale = xenforeignmemory_map(fm, 8, PROT_READ | PROT_WRITE, 1, &ten, NULL);
	CHECK(stale != NULL, "map gfn 10");
	if (stale) {
		stale[0] = 'A';
		CHECK_RC(xensim_ram_unpopulate(sim, 8, 10, 1), 0);
		CHECK_RC(xensim_ram_populate(sim, 8, 10, 1), 0);
		CHECK_RC(xensim_ram_read(sim, 8, 10 * 4096, &b, 1), 0);
		CHECK(b == 0 && stale[0] == 'A', "fresh page %d, stale %c", b, stale[0]);
		xenforeignmemory_unmap(fm, stale, 1);
	}

	/* xentoolcore_restrict_all: every handle bound to dom8 only */
	CHECK_RC(xensim_domain_create(sim, 9, 1, 64 << 10), 0);
	CHECK_RC(xentoolcore_restrict_all(8), 0);
	CHECK_RC(xendevicemodel_nr_vcpus(dm, 8, &vcpus), 0);
	CHECK_ERR(xendevicemodel_nr_vcpus(dm, 9, &vcpus), EPERM);
	CHECK(xenforeignmemory_map(fm, 9, PROT_READ, 1, gfns, NULL) == NULL &&
	      errno == EPERM, "fmem restricted: %s", strerror(errno));
	CHECK_ERR(xenevtchn_bind_interdomain(xce, 9, 3), EACCES);
	CHECK_ERR(xendevicemodel_restrict(dm, 9), EINVAL);
	xensim_get_stats(sim, &st);
	CHECK(st.restrict_domid == 8 && st.restrict_calls >= 3,
	      "restrict recorded: dom %d calls %u", st.restrict_domid, st.restrict_calls);
	xenevtchn_close(xce);
	xendevicemodel_close(dm);
	xenforeignmemory_close(fm);
	CHECK_RC(xensim_domain_destroy(sim, 8), 0);
	CHECK_RC(xensim_domain_destroy(sim, 9), 0);
	expect_clean("after memory");
}

/* ---- the toy device model, spawned ----------------------------------- */

static pid_t spawn_toy(uint16_t dom, const char *opt1, const char *opt2)
{
	char dombuf[8], toy[4096];
	const char *top = getenv("top_builddir");
	char *argv[5] = { toy, dombuf, (char *)opt1, (char *)opt2, NULL };
	pid_t pid;

	snprintf(toy, sizeof(toy), "%s/tests/xensim/xensim-toydm", top ? top : ".");
	snprintf(dombuf, sizeof(dombuf), "%u", dom);
	if (!opt1)
		argv[2] = NULL;
	else if (!opt2)
		argv[3] = NULL;
	pid = xensim_spawn(sim, argv);
	CHECK(pid > 0, "spawn toydm: %s", strerror(-pid));
	return pid;
}

static void stop_toy(uint16_t dom, pid_t pid)
{
	int status = -1;

	CHECK_RC(xensim_pio_write(sim, dom, 0, 0x548, 4, 1), 0);
	CHECK_RC(xensim_wait_child(pid, -1, &status), 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "toydm status %#x", status);
}

static uint64_t toy_stat(uint16_t dom, unsigned int i)
{
	uint64_t v = 0;

	CHECK_RC(xensim_mmio_read(sim, dom, 0, 0xf0001000ULL + 8 * i, 8, &v), 0);
	return v;
}

static void test_toy_ioreqs(uint16_t dom, const char *mode, const char *pages)
{
	struct guest_access hold = { .dom = dom, .vcpu = 0, .port = 0x540, .val = 1 };
	struct xensim_ioreq r;
	uint32_t buf[4];
	uint64_t v, addr;
	uint32_t data;
	pthread_t th;
	pid_t pid;

	CHECK_RC(xensim_domain_create(sim, dom, 2, 1 << 20), 0);
	pid = spawn_toy(dom, mode, pages);
	CHECK_RC(xensim_wait_server_enabled(sim, dom, -1), 0);

	/* port IO, every size; unclaimed port reads all-ones */
	for (unsigned int size = 1; size <= 4; size *= 2) {
		CHECK_RC(xensim_pio_write(sim, dom, 1, 0x510, size, 0x87654321), 0);
		CHECK_RC(xensim_pio_read(sim, dom, 0, 0x510, 4, &v), 0);
		CHECK(v == (0x87654321 & ((1ULL << (8 * size)) - 1)), "size %u: %#llx",
		      size, (unsigned long long)v);
	}
	r = (struct xensim_ioreq){ .addr = 0x600, .count = 1, .size = 4,
				   .type = IOREQ_TYPE_PIO, .dir = 1 };
	CHECK_RC(xensim_ioreq(sim, dom, 0, &r), 0);
	CHECK(r.server == -1 && r.data == 0xffffffff, "unclaimed port: server %d data %#llx",
	      r.server, (unsigned long long)r.data);

	/* MMIO (COPY) */
	CHECK_RC(xensim_mmio_write(sim, dom, 0, 0xf0000008ULL, 8, 0x0102030405060708ULL), 0);
	CHECK_RC(xensim_mmio_read(sim, dom, 1, 0xf0000008ULL, 8, &v), 0);
	CHECK(v == 0x0102030405060708ULL, "mmio %#llx", (unsigned long long)v);

	/* PCI config: direct, through cf8/cfc, unclaimed SBDF */
	CHECK_RC(xensim_pci_cfg_read(sim, dom, 0, XENSIM_SBDF(0, 0, 5, 0), 0, 4, &v), 0);
	CHECK(v == 0xbeef1234, "pci ids %#llx", (unsigned long long)v);
	CHECK_RC(xensim_pci_cfg_write(sim, dom, 0, XENSIM_SBDF(0, 0, 5, 0), 0x40, 4, 0xcafe), 0);
	CHECK_RC(xensim_pio_write(sim, dom, 0, 0xcf8, 4, 0x80000000u | (5 << 11) | 0x40), 0);
	CHECK_RC(xensim_pio_read(sim, dom, 0, 0xcfd, 1, &v), 0);
	CHECK(v == 0xca, "cf8/cfc read %#llx", (unsigned long long)v);
	CHECK_RC(xensim_pio_write(sim, dom, 0, 0xcf8, 4, 0x80000000u | (6 << 11)), 0);
	CHECK_RC(xensim_pio_read(sim, dom, 0, 0xcfc, 4, &v), 0);
	CHECK(v == 0xffffffff, "unclaimed device %#llx", (unsigned long long)v);

	/* rep INS both directions of df, rep OUTS, rep MMIO */
	r = (struct xensim_ioreq){ .addr = 0x520, .data = 0x1000, .count = 4, .size = 4,
				   .type = IOREQ_TYPE_PIO, .dir = 1, .data_is_ptr = 1 };
	CHECK_RC(xensim_ioreq(sim, dom, 0, &r), 0);
	CHECK_RC(xensim_ram_read(sim, dom, 0x1000, buf, 16), 0);
	CHECK(buf[0] == 0 && buf[1] == 1 && buf[2] == 2 && buf[3] == 3, "rep ins %u %u %u %u",
	      buf[0], buf[1], buf[2], buf[3]);
	r.data = 0x200c;
	r.df = 1;
	CHECK_RC(xensim_ioreq(sim, dom, 1, &r), 0);
	CHECK_RC(xensim_ram_read(sim, dom, 0x2000, buf, 16), 0);
	CHECK(buf[3] == 4 && buf[2] == 5 && buf[1] == 6 && buf[0] == 7, "rep ins df %u %u %u %u",
	      buf[0], buf[1], buf[2], buf[3]);
	buf[0] = 10, buf[1] = 20, buf[2] = 30;
	CHECK_RC(xensim_ram_write(sim, dom, 0x3000, buf, 12), 0);
	r = (struct xensim_ioreq){ .addr = 0x520, .data = 0x3000, .count = 3, .size = 4,
				   .type = IOREQ_TYPE_PIO, .dir = 0, .data_is_ptr = 1 };
	CHECK_RC(xensim_ioreq(sim, dom, 0, &r), 0);
	CHECK_RC(xensim_pio_read(sim, dom, 0, 0x524, 4, &v), 0);
	CHECK(v == 60, "rep outs sum %llu", (unsigned long long)v);
	r = (struct xensim_ioreq){ .addr = 0xf0000100ULL, .data = 0x3000, .count = 3,
				   .size = 4, .type = IOREQ_TYPE_COPY, .dir = 0,
				   .data_is_ptr = 1 };
	CHECK_RC(xensim_ioreq(sim, dom, 0, &r), 0);
	CHECK_RC(xensim_mmio_read(sim, dom, 0, 0xf0000104ULL, 4, &v), 0);
	CHECK(v == 20, "rep mmio write %llu", (unsigned long long)v);
	r = (struct xensim_ioreq){ .addr = 0xf0000108ULL, .data = 0x4008, .count = 3,
				   .size = 4, .type = IOREQ_TYPE_COPY, .dir = 1, .df = 1,
				   .data_is_ptr = 1 };
	CHECK_RC(xensim_ioreq(sim, dom, 0, &r), 0);
	CHECK_RC(xensim_ram_read(sim, dom, 0x4000, buf, 12), 0);
	CHECK(buf[0] == 10 && buf[1] == 20 && buf[2] == 30, "rep mmio read df %u %u %u",
	      buf[0], buf[1], buf[2]);

	/* INVALIDATE and TIMEOFFSET */
	CHECK_RC(xensim_send_invalidate(sim, dom, 1), 1);
	CHECK(toy_stat(dom, 1) == 1, "invalidates seen");
	if (strcmp(mode, "--bufioreq=0")) {
		CHECK_RC(xensim_send_timeoffset(sim, dom, -123456789012LL), 0);
		CHECK(toy_stat(dom, 2) == (uint64_t)-123456789012LL, "timeoffset %lld",
		      (long long)toy_stat(dom, 2));
		CHECK_RC(xensim_send_timeoffset(sim, dom, 0), 0);	/* not sent */
		CHECK(toy_stat(dom, 2) == (uint64_t)-123456789012LL, "zero offset sent");
		CHECK_RC(xensim_buffered_write(sim, dom, IOREQ_TYPE_PIO, 0x510, 8,
					       0x1122334455667788ULL), 0);
		CHECK(toy_stat(dom, 5) == 0x1122334455667788ULL && toy_stat(dom, 4) == 0x510,
		      "buffered 8-byte %#llx", (unsigned long long)toy_stat(dom, 5));
		CHECK_RC(xensim_buffered_write(sim, dom, IOREQ_TYPE_COPY, 0xf0000000ULL, 4, 1),
			 XENSIM_BUF_DROPPED);
	} else {
		CHECK_RC(xensim_send_timeoffset(sim, dom, 1), 1);
	}

	/* two vCPUs in flight: vCPU0's write is held until vCPU1 writes */
	CHECK_RC(pthread_create(&th, NULL, guest_thread, &hold), 0);
	CHECK_RC(xensim_pio_write(sim, dom, 1, 0x544, 4, 1), 0);
	pthread_join(th, NULL);
	CHECK(hold.rc == 0, "held vcpu0: %d", hold.rc);

	/* interrupts */
	CHECK_RC(xensim_pio_write(sim, dom, 0, 0x518, 4, 1), 0);
	CHECK_RC(xensim_intx_wait(sim, dom, 5, 0, 1, -1), 0);
	CHECK_RC(xensim_pio_write(sim, dom, 0, 0x518, 4, 0), 0);
	CHECK_RC(xensim_intx_level(sim, dom, 5, 0), 0);
	CHECK_RC(xensim_intx_assert_count(sim, dom, 5, 0), 1);
	CHECK_RC(xensim_pio_write(sim, dom, 1, 0x51c, 4, 0x4041), 0);
	CHECK_RC(xensim_msi_next(sim, dom, &addr, &data, -1), 0);
	CHECK(addr == 0xfee00000ULL && data == 0x4041, "msi %#llx %#x",
	      (unsigned long long)addr, data);

	stop_toy(dom, pid);
	expect_clean("after toydm teardown");
	CHECK_RC(xensim_domain_destroy(sim, dom), 0);
}

static void test_domain_destroy(void)
{
	int status = -1;
	pid_t pid;
	uint64_t v;

	CHECK_RC(xensim_domain_create(sim, 11, 1, 1 << 20), 0);
	pid = spawn_toy(11, "--bufioreq=1", NULL);
	CHECK_RC(xensim_wait_server_enabled(sim, 11, -1), 0);
	/* one answered ioreq: the toy finished its set-up */
	CHECK_RC(xensim_pio_read(sim, 11, 0, 0x510, 4, &v), 0);
	CHECK_RC(xensim_domain_destroy(sim, 11), 0);
	CHECK_RC(xensim_wait_child(pid, -1, &status), 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "toydm after destroy %#x", status);
	CHECK_RC(xensim_pio_read(sim, 11, 0, 0x510, 4, &v), -ESRCH);
	expect_clean("after domain destroy");
}

static void test_leftovers(void)
{
	char buf[4096];
	int status = -1, n;
	pid_t pid;

	CHECK_RC(xensim_domain_create(sim, 12, 1, 1 << 20), 0);
	pid = spawn_toy(12, "--leak", NULL);
	CHECK_RC(xensim_wait_server_enabled(sim, 12, -1), 0);
	CHECK_RC(xensim_pio_write(sim, 12, 0, 0x548, 4, 1), 0);
	CHECK_RC(xensim_wait_child(pid, -1, &status), 0);
	n = xensim_leftovers(sim, buf, sizeof(buf));
	CHECK(n == 2 && strstr(buf, "ioreq server 0 of dom12") &&
	      strstr(buf, "resource mapping of dom12"), "leftovers (%d):\n%s", n, buf);
	CHECK_RC(xensim_domain_destroy(sim, 12), 0);
}

int main(int argc, char **argv)
{
	if (!getenv("XENSIM_PRELOADED")) {
		/* Run again with the stand-in preloaded (and XENSIM_DIR
		 * decided before, so parent and re-exec agree). */
		const char *run = getenv("XENSIM_RUN");
		char *args[argc + 2];

		if (!run) {
			fprintf(stderr, "xensim-selftest: XENSIM_RUN not set; run it via make check or tests/xensim/xensim-run\n");
			return 99;
		}
		args[0] = (char *)run;
		for (int i = 0; i < argc; i++)
			args[i + 1] = argv[i];
		args[argc + 1] = NULL;
		setenv("XENSIM_DIR", "", 1);	/* placeholder, set below */
		unsetenv("XENSIM_DIR");
		{
			char dir[] = "/tmp/xensim-selftest.XXXXXX";
			const char *tmp = getenv("TMPDIR");
			char path[4096];

			snprintf(path, sizeof(path), "%s/xensim-selftest.XXXXXX",
				 tmp && *tmp ? tmp : "/tmp");
			if (!mkdtemp(path)) {
				perror("mkdtemp");
				return 99;
			}
			(void)dir;
			setenv("XENSIM_DIR", path, 1);
		}
		execv(run, args);
		perror(run);
		return 99;
	}
	sim = xensim_open(NULL);
	if (!sim) {
		perror("xensim_open");
		return 99;
	}
	test_dm_ops();
	test_evtchn();
	test_memory();
	test_toy_ioreqs(20, "--bufioreq=2", NULL);
	test_toy_ioreqs(21, "--bufioreq=1", "--legacy");
	test_toy_ioreqs(22, "--bufioreq=0", NULL);
	test_domain_destroy();
	test_reattach();
	test_destroy_while_blocked();
	test_leftovers();
	{
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s", xensim_dir(sim));
		xensim_close(sim);
		/* the directory was made by us before the re-exec */
		char sub[4200];

		snprintf(sub, sizeof(sub), "%s/domains", dir);
		rmdir(sub);
		rmdir(dir);
	}
	printf("xensim-selftest: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
