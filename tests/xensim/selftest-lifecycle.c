/* SPDX-License-Identifier: MIT */
/*
 * Self-tests of the stand-in: what Xen 4.17 does when a device model
 * dies or destroys its server while a vCPU waits (docs/xensim.md,
 * "Device model death and re-attach").  The same sequence the lifecycle
 * spike measured on nested Xen (shared/research/lifecycle-spike.md, §4).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/ioreq.h>

#include "tests/xensim/selftest.h"
#include "tests/xensim/xensim.h"

struct blocked_read {
	uint16_t dom;
	unsigned int vcpu;
	uint16_t port;
	uint64_t val;
	int rc;
	volatile int done;
};

static void *reader(void *arg)
{
	struct blocked_read *b = arg;

	b->rc = xensim_pio_read(sim, b->dom, b->vcpu, b->port, 4, &b->val);
	__atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until n synchronous ioreqs have been sent in total. */
static bool wait_ioreqs(unsigned long n)
{
	for (int i = 0; i < 5000; i++) {
		struct xensim_stats st;

		xensim_get_stats(sim, &st);
		if (st.ioreqs >= n)
			return true;
		sleep_ms(1);
	}
	return false;
}

/*
 * The old device model: a child that sets everything up like hvmlinkd
 * (server, resource mapping, range, enable, bind) and then answers
 * nothing until it is killed.
 */
static pid_t old_device_model(uint16_t dom, uint16_t port, ioservid_t *id)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
		xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
		xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
		xenforeignmemory_resource_handle *fres;
		ioservid_t sid = 0;
		evtchn_port_t bport = 0;
		unsigned int n = 0;
		ioreq_t *slots;
		void *pages = NULL;

		if (!dm || !fm || !xce ||
		    xendevicemodel_create_ioreq_server(dm, dom, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &sid))
			_exit(1);
		fres = xenforeignmemory_map_resource(fm, dom, XENMEM_resource_ioreq_server,
						     sid, 0, 2, &pages,
						     PROT_READ | PROT_WRITE, 0);
		if (!fres ||
		    xendevicemodel_get_ioreq_server_info(dm, dom, sid, NULL, NULL, &bport) ||
		    xendevicemodel_map_io_range_to_ioreq_server(dm, dom, sid, 0, port, port + 7) ||
		    xendevicemodel_set_ioreq_server_state(dm, dom, sid, 1) ||
		    xendevicemodel_nr_vcpus(dm, dom, &n))
			_exit(1);
		slots = (ioreq_t *)((char *)pages + 4096);
		for (unsigned int v = 0; v < n; v++)
			if (xenevtchn_bind_interdomain(xce, dom, slots[v].vp_eport) < 0)
				_exit(1);
		if (xenevtchn_bind_interdomain(xce, dom, bport) < 0 ||
		    write(p[1], &sid, sizeof(sid)) != sizeof(sid))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && read(p[0], id, sizeof(*id)) != sizeof(*id)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

void test_reattach(void)
{
	const uint16_t dom = 30, port = 0x200;
	struct blocked_read r0 = { .dom = dom, .vcpu = 0, .port = port };
	struct blocked_read r1 = { .dom = dom, .vcpu = 1, .port = port + 4 };
	struct xensim_server_info info[2];
	xendevicemodel_handle *dm;
	xenforeignmemory_handle *fm;
	xenevtchn_handle *xce;
	xenforeignmemory_resource_handle *fres;
	xen_pfn_t gfn = 0, bgfn = 0;
	evtchn_port_t bport = 0;
	struct xensim_stats st;
	pthread_t t0, t1;
	void *pages = NULL;
	ioreq_t *slots;
	ioservid_t id = 0;
	char buf[2048];
	int lport[2], served = 0;
	pid_t old;

	CHECK_RC(xensim_domain_create(sim, dom, 2, 1 << 20), 0);
	xensim_get_stats(sim, &st);
	old = old_device_model(dom, port, &id);
	CHECK(old > 0, "old device model did not start");
	if (old <= 0)
		return;

	/* Both vCPUs trap on the device; nobody answers. */
	CHECK_RC(pthread_create(&t0, NULL, reader, &r0), 0);
	CHECK_RC(pthread_create(&t1, NULL, reader, &r1), 0);
	CHECK(wait_ioreqs(st.ioreqs + 2), "the guest's ioreqs were not sent");

	/* The new device model maps the pages before the old one dies, as
	 * anyone may (they belong to the server, not to a process). */
	dm = xendevicemodel_open(NULL, 0);
	fm = xenforeignmemory_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	CHECK(dm && fm && xce, "open");
	fres = xenforeignmemory_map_resource(fm, dom, XENMEM_resource_ioreq_server, id,
					     0, 2, &pages, PROT_READ | PROT_WRITE, 0);
	CHECK(fres != NULL, "map_resource of a live server: %s", strerror(errno));
	if (!fres)
		return;
	slots = (ioreq_t *)((char *)pages + 4096);
	CHECK(slots[0].state == STATE_IOREQ_READY &&
	      slots[1].state == STATE_IOREQ_READY,
	      "slots %u %u, wanted READY", slots[0].state, slots[1].state);
	/* The old device model had taken vCPU 1's request when it died. */
	slots[1].state = STATE_IOREQ_INPROCESS;

	kill(old, SIGKILL);
	waitpid(old, NULL, 0);

	/* The server and its pages outlive the process; its bindings do not. */
	CHECK_RC(xensim_servers(sim, dom, info, 2), 1);
	CHECK(info[0].id == id && info[0].enabled && info[0].pages_mapped &&
	      info[0].nr_port_ranges == 1,
	      "server after its creator died: id %u enabled %d mapped %d ranges %u",
	      info[0].id, info[0].enabled, info[0].pages_mapped,
	      info[0].nr_port_ranges);
	xensim_leftovers(sim, buf, sizeof(buf));
	CHECK(strstr(buf, "still bound") == NULL,
	      "a dead process's event channels stay bound:\n%s", buf);
	CHECK(strstr(buf, "ioreq server") != NULL, "server gone:\n%s", buf);
	CHECK(slots[0].state == STATE_IOREQ_READY &&
	      slots[1].state == STATE_IOREQ_INPROCESS,
	      "slots changed by the death: %u %u", slots[0].state,
	      slots[1].state);
	CHECK(!__atomic_load_n(&r0.done, __ATOMIC_ACQUIRE) &&
	      !__atomic_load_n(&r1.done, __ATOMIC_ACQUIRE),
	      "a vCPU went on without an answer");

	/* get_ioreq_server_info: fine without gfns; EPERM with gfns once
	 * the pages were mapped as a resource; ENOENT for no server. */
	CHECK_RC(xendevicemodel_get_ioreq_server_info(dm, dom, id, NULL, NULL, &bport), 0);
	CHECK(bport != 0, "no buffered port");
	CHECK_ERR(xendevicemodel_get_ioreq_server_info(dm, dom, id, &gfn, &bgfn, NULL), EPERM);
	CHECK_ERR(xendevicemodel_get_ioreq_server_info(dm, dom, id + 1, NULL, NULL, NULL), ENOENT);

	/* The guest's ports are bindable again; binding sets ours pending. */
	for (unsigned int v = 0; v < 2; v++) {
		lport[v] = xenevtchn_bind_interdomain(xce, dom, slots[v].vp_eport);
		CHECK(lport[v] > 0, "re-bind vCPU %u port %u: %s", v,
		      slots[v].vp_eport, strerror(errno));
		CHECK_ERR(xenevtchn_bind_interdomain(xce, dom, slots[v].vp_eport), EINVAL);
	}
	if (lport[0] <= 0 || lport[1] <= 0)
		return;
	for (int i = 0; i < 2; i++) {
		int p = xenevtchn_pending(xce);
		unsigned int v = p == lport[0] ? 0 : 1;

		CHECK(p == lport[0] || p == lport[1], "pending %d", p);
		CHECK_RC(xenevtchn_unmask(xce, (evtchn_port_t)p), 0);
		/* Serve READY and INPROCESS alike: never write READY back. */
		slots[v].data = 0x43 + v;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		slots[v].state = STATE_IORESP_READY;
		CHECK_RC(xenevtchn_notify(xce, (evtchn_port_t)p), 0);
		served++;
	}
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);
	CHECK(r0.rc == 0 && r0.val == 0x43, "vCPU 0 (READY): rc %d val %#llx",
	      r0.rc, (unsigned long long)r0.val);
	CHECK(r1.rc == 0 && r1.val == 0x44, "vCPU 1 (INPROCESS): rc %d val %#llx",
	      r1.rc, (unsigned long long)r1.val);
	CHECK_RC(xensim_domain_crashed(sim, dom, NULL, 0), 0);

	xenevtchn_unbind(xce, (evtchn_port_t)lport[0]);
	xenevtchn_unbind(xce, (evtchn_port_t)lport[1]);
	xenforeignmemory_unmap_resource(fm, fres);
	CHECK_RC(xendevicemodel_destroy_ioreq_server(dm, dom, id), 0);
	xenevtchn_close(xce);
	xenforeignmemory_close(fm);
	xendevicemodel_close(dm);
	/* The dead process's mapping died with it. */
	xensim_forget_process(sim, old);
	CHECK_RC(xensim_domain_destroy(sim, dom), 0);
	expect_clean("after re-attach");
	(void)served;
}

/* One device model in this process: create, map, range, enable, bind. */
struct dm1 {
	xendevicemodel_handle *dm;
	xenforeignmemory_handle *fm;
	xenevtchn_handle *xce;
	xenforeignmemory_resource_handle *fres;
	ioreq_t *slots;
	ioservid_t id;
	int lport;
};

static bool dm1_up(struct dm1 *m, uint16_t dom, uint16_t port)
{
	void *pages = NULL;

	m->fres = xenforeignmemory_map_resource(m->fm, dom, XENMEM_resource_ioreq_server,
						m->id, 1, 1, &pages,
						PROT_READ | PROT_WRITE, 0);
	if (!m->fres ||
	    xendevicemodel_map_io_range_to_ioreq_server(m->dm, dom, m->id, 0, port, port + 3) ||
	    xendevicemodel_set_ioreq_server_state(m->dm, dom, m->id, 1))
		return false;
	m->slots = pages;
	m->lport = xenevtchn_bind_interdomain(m->xce, dom, m->slots[0].vp_eport);
	if (m->lport <= 0)
		return false;
	/* The bind-time event. */
	return xenevtchn_pending(m->xce) == m->lport &&
	       xenevtchn_unmask(m->xce, (evtchn_port_t)m->lport) == 0;
}

void test_destroy_while_blocked(void)
{
	const uint16_t dom = 31, port = 0x300;
	struct blocked_read r = { .dom = dom, .vcpu = 0, .port = port };
	struct dm1 m = { 0 };
	struct xensim_stats st;
	ioservid_t id2 = 0;
	pthread_t t;

	CHECK_RC(xensim_domain_create(sim, dom, 1, 1 << 20), 0);
	m.dm = xendevicemodel_open(NULL, 0);
	m.fm = xenforeignmemory_open(NULL, 0);
	m.xce = xenevtchn_open(NULL, 0);
	CHECK(m.dm && m.fm && m.xce, "open");
	CHECK_RC(xendevicemodel_create_ioreq_server(m.dm, dom, HVM_IOREQSRV_BUFIOREQ_OFF, &m.id), 0);
	CHECK(dm1_up(&m, dom, port), "set-up: %s", strerror(errno));
	xensim_get_stats(sim, &st);
	CHECK_RC(pthread_create(&t, NULL, reader, &r), 0);
	CHECK(wait_ioreqs(st.ioreqs + 1), "ioreq not sent");

	/*
	 * Destroyed without an answer: Xen closes the guest's port without a
	 * notification, so the vCPU stays blocked in Xen (4.17 has nothing
	 * that wakes it: ioreq_server_deinit() frees its ioreq_vcpu).
	 */
	xenevtchn_unbind(m.xce, (evtchn_port_t)m.lport);
	xenforeignmemory_unmap_resource(m.fm, m.fres);
	CHECK_RC(xendevicemodel_destroy_ioreq_server(m.dm, dom, m.id), 0);
	sleep_ms(200);
	CHECK(!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE),
	      "vCPU went on after its server was destroyed: rc %d", r.rc);

	/* A new server: binding its port wakes nobody either... */
	CHECK_RC(xendevicemodel_create_ioreq_server(m.dm, dom, HVM_IOREQSRV_BUFIOREQ_OFF, &id2), 0);
	m.id = id2;
	CHECK(dm1_up(&m, dom, port), "second set-up: %s", strerror(errno));
	sleep_ms(100);
	CHECK(!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE),
	      "vCPU went on when a new server was bound");
	/* ...but a notify of the vCPU's new port does
	 * (default_xen_notification_fn wakes the port's vCPU): the access
	 * completes from the vCPU's own copy, a read gives 0. */
	CHECK_RC(xenevtchn_notify(m.xce, (evtchn_port_t)m.lport), 0);
	pthread_join(t, NULL);
	CHECK(r.rc == 0 && r.val == 0, "kicked vCPU: rc %d val %#llx", r.rc,
	      (unsigned long long)r.val);
	CHECK_RC(xensim_domain_crashed(sim, dom, NULL, 0), 0);
	/* And the new server serves the next access normally. */
	CHECK(m.slots[0].state == STATE_IOREQ_NONE, "new slot %u",
	      m.slots[0].state);

	xenevtchn_unbind(m.xce, (evtchn_port_t)m.lport);
	xenforeignmemory_unmap_resource(m.fm, m.fres);
	CHECK_RC(xendevicemodel_destroy_ioreq_server(m.dm, dom, m.id), 0);
	xenevtchn_close(m.xce);
	xenforeignmemory_close(m.fm);
	xendevicemodel_close(m.dm);
	CHECK_RC(xensim_domain_destroy(sim, dom), 0);
	expect_clean("after destroy while blocked");
}
