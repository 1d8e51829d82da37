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
 * request costs no read that finds nothing): four system calls.  SIGTERM
 * ends it through a signalfd in the same poll, as in hvmlinkd: a flag set
 * by a handler would be lost when the signal lands between the flag's
 * check and poll(), and the process would never stop.  The loop
 * is a function of its own so callgrind can count it alone
 * (--toggle-collect=serve_loop).
 */
#include <errno.h>
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

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static __attribute__((noinline)) void
serve_loop(xenevtchn_handle *xce, shared_iopage_t *shared,
	   const evtchn_port_t *ports, unsigned int nr, int sfd)
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

	serve_loop(xce, shared, ports, nr, sfd);
	close(sfd);

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
