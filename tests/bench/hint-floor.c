/* SPDX-License-Identifier: MIT */
/*
 * hint-floor: the least a device model can do to deliver a hint, as the
 * floor hvmlinkd's hint latency is compared with (bench-only, never
 * installed).
 *
 *   hint-floor DOMID PATH
 *
 * A bare xenstore watch loop: on each event for PATH it reads PATH and,
 * if it holds "WxH...", keeps W and raises INTA# of 00:FLOOR_SLOT.0
 * through the stand-in.  So that the guest can acknowledge and fetch, it
 * is also the smallest ioreq server (the loop of ioreq-bench-minimal.c:
 * pending -> unmask -> state -> answer -> notify) for the port range
 * hvmlinkd's BAR0 would have (FLOOR_PORT_BASE): a read of FLOOR_REG_HINT
 * returns W and lowers the line -- the one ioreq a guest needs at least
 * to acknowledge and fetch a hint.  Other reads return 0, writes are
 * dropped.
 *
 * Once serving it writes /local/domain/0/hvmlink-floor/DOMID/state =
 * ready.  SIGTERM/SIGINT: tear down and exit 0.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xen/hvm/ioreq.h>

#include "tests/bench/bench.h"

#define FLOOR_ROOT "/local/domain/0/hvmlink-floor"

struct floor {
	domid_t dom;
	xendevicemodel_handle *dm;
	xenevtchn_handle *xce;
	xenforeignmemory_handle *fm;
	xenforeignmemory_resource_handle *fres;
	struct xs_handle *xs;
	shared_iopage_t *shared;
	ioservid_t id;
	bool have_server;
	unsigned int nr_vcpus;
	evtchn_port_t *local;
	const char *watch;
	uint32_t hint;
	bool line;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int line_set(struct floor *f, bool up)
{
	if (f->line == up)
		return 0;
	if (xendevicemodel_set_pci_intx_level(f->dm, f->dom, 0, 0, FLOOR_SLOT,
					      0, up ? 1 : 0) < 0) {
		perror("hint-floor: set_pci_intx_level");
		return -1;
	}
	f->line = up;
	return 0;
}

static void serve(struct floor *f, unsigned int vcpu)
{
	ioreq_t *r = &f->shared->vcpu_ioreq[vcpu];

	if (((volatile ioreq_t *)r)->state != STATE_IOREQ_READY)
		return;
	/* Read the slot's contents only after READY: pairs with Xen's
	 * write barrier between filling the slot and setting READY. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	r->state = STATE_IOREQ_INPROCESS;
	if (r->dir == IOREQ_READ && !r->data_is_ptr) {
		r->data = 0;
		if (r->type == IOREQ_TYPE_PIO &&
		    r->addr == FLOOR_PORT_BASE + FLOOR_REG_HINT) {
			r->data = f->hint;
			(void)line_set(f, false);
		}
	}
	/* Orders the data write before IORESP_READY: Xen reads data as
	 * soon as it sees that state. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->state = STATE_IORESP_READY;
	if (xenevtchn_notify(f->xce, f->local[vcpu]) < 0)
		perror("hint-floor: notify");
}

static void on_event(struct floor *f)
{
	int port = xenevtchn_pending(f->xce);

	if (port < 0)
		return;
	if (xenevtchn_unmask(f->xce, (evtchn_port_t)port) < 0)
		perror("hint-floor: unmask");
	for (unsigned int i = 0; i < f->nr_vcpus; i++)
		if (f->local[i] == (evtchn_port_t)port)
			serve(f, i);
}

static void on_watch(struct floor *f)
{
	unsigned int n;
	char **ev = xs_read_watch(f->xs, &n);
	unsigned int len;
	char *v;

	if (!ev)
		return;
	free(ev);
	v = xs_read(f->xs, XBT_NULL, f->watch, &len);
	if (!v)
		return;
	f->hint = (uint32_t)strtoul(v, NULL, 10);
	free(v);
	(void)line_set(f, true);
}

static int setup(struct floor *f)
{
	char path[96];
	void *addr = NULL;

	f->dm = xendevicemodel_open(NULL, 0);
	f->xce = xenevtchn_open(NULL, 0);
	f->fm = xenforeignmemory_open(NULL, 0);
	f->xs = xs_open(0);
	if (!f->dm || !f->xce || !f->fm || !f->xs) {
		perror("hint-floor: open");
		return -1;
	}
	if (xendevicemodel_nr_vcpus(f->dm, f->dom, &f->nr_vcpus) < 0 ||
	    f->nr_vcpus == 0 || f->nr_vcpus > 128) {
		perror("hint-floor: nr_vcpus");
		return -1;
	}
	f->local = calloc(f->nr_vcpus, sizeof(*f->local));
	if (!f->local)
		return -1;
	if (xendevicemodel_create_ioreq_server(f->dm, f->dom,
					       HVM_IOREQSRV_BUFIOREQ_OFF,
					       &f->id) < 0) {
		perror("hint-floor: create_ioreq_server");
		return -1;
	}
	f->have_server = true;
	f->fres = xenforeignmemory_map_resource(
		f->fm, f->dom, XENMEM_resource_ioreq_server, f->id,
		XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &addr,
		PROT_READ | PROT_WRITE, 0);
	if (!f->fres) {
		perror("hint-floor: map_resource");
		return -1;
	}
	f->shared = addr;
	if (xendevicemodel_map_io_range_to_ioreq_server(
		    f->dm, f->dom, f->id, 0, FLOOR_PORT_BASE,
		    FLOOR_PORT_BASE + FLOOR_PORT_LEN - 1) < 0 ||
	    xendevicemodel_set_ioreq_server_state(f->dm, f->dom, f->id, 1) < 0) {
		perror("hint-floor: map range / enable");
		return -1;
	}
	/* Xen fills each vCPU's vp_eport when the server is enabled. */
	for (unsigned int i = 0; i < f->nr_vcpus; i++) {
		int p = xenevtchn_bind_interdomain(
			f->xce, f->dom, f->shared->vcpu_ioreq[i].vp_eport);

		if (p < 0) {
			perror("hint-floor: bind_interdomain");
			return -1;
		}
		f->local[i] = (evtchn_port_t)p;
	}
	if (!xs_watch(f->xs, f->watch, "hint")) {
		perror("hint-floor: xs_watch");
		return -1;
	}
	snprintf(path, sizeof(path), FLOOR_ROOT "/%u/state", f->dom);
	if (!xs_write(f->xs, XBT_NULL, path, "ready", 5)) {
		perror("hint-floor: xs_write");
		return -1;
	}
	return 0;
}

static void teardown(struct floor *f)
{
	char path[96];

	if (f->line)
		(void)line_set(f, false);
	for (unsigned int i = 0; f->local && i < f->nr_vcpus; i++)
		if (f->local[i])
			xenevtchn_unbind(f->xce, f->local[i]);
	if (f->fres)
		xenforeignmemory_unmap_resource(f->fm, f->fres);
	if (f->have_server)
		xendevicemodel_destroy_ioreq_server(f->dm, f->dom, f->id);
	if (f->xs) {
		snprintf(path, sizeof(path), FLOOR_ROOT "/%u", f->dom);
		xs_rm(f->xs, XBT_NULL, path);
		xs_close(f->xs);
	}
	free(f->local);
	if (f->fm)
		xenforeignmemory_close(f->fm);
	if (f->xce)
		xenevtchn_close(f->xce);
	if (f->dm)
		xendevicemodel_close(f->dm);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct floor f = { 0 };
	struct pollfd pfd[2];
	unsigned long dom;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: hint-floor DOMID PATH\n");
		return 2;
	}
	dom = strtoul(argv[1], NULL, 10);
	if (dom == 0 || dom > 0x7fef)
		return 2;
	f.dom = (domid_t)dom;
	f.watch = argv[2];
	/* No SA_RESTART: a signal ends poll() with EINTR. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (setup(&f))
		goto out;
	pfd[0] = (struct pollfd){ .fd = xenevtchn_fd(f.xce), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = xs_fileno(f.xs), .events = POLLIN };
	while (!stop) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("hint-floor: poll");
			goto out;
		}
		if (pfd[0].revents & POLLIN)
			on_event(&f);
		if (pfd[1].revents & POLLIN)
			on_watch(&f);
	}
	rc = 0;
out:
	teardown(&f);
	return rc;
}
