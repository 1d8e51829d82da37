/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * e2e-ioreq-probe: the smallest possible secondary ioreq server, used by
 * the nested-Xen e2e run as a smoke test of the ioreq path on its own
 * (Xen -> ioreq page -> event channel -> user space -> back), before and
 * independently of hvmlinkd.
 *
 * It claims the port range PORT..PORT+0xff of one domain.  Every read
 * returns PROBE_MAGIC; every write is counted; a one-byte write of
 * PROBE_DONE to PORT ends the run.  It prints "probe: ready" once the
 * server is enabled and "probe: done reads=R writes=W" at the end.
 *
 * Usage: e2e-ioreq-probe --domid D [--port P] [--timeout S]
 * Exit: 0 done, 1 set-up error, 2 timeout or the domain went away.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/dm_op.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#define PROBE_MAGIC	0x42
#define PROBE_DONE	0xee
#define PROBE_RANGE	0x100
/* One ioreq page holds the slots of this many vCPUs. */
#define PROBE_MAX_VCPUS	(4096 / sizeof(struct ioreq))

struct probe {
	domid_t domid;
	uint16_t port;
	xendevicemodel_handle *dm;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;
	xenforeignmemory_resource_handle *res;
	struct shared_iopage *page;
	ioservid_t id;
	unsigned int nr_vcpus;
	evtchn_port_t local[PROBE_MAX_VCPUS];
	uint64_t reads, writes;
	int done;
};

static int probe__parse(struct probe *p, int argc, char **argv, int *timeout)
{
	static const struct option opts[] = {
		{ "domid", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	char *end;
	int c, have_domid = 0;

	while ((c = getopt_long(argc, argv, "d:p:t:", opts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 'd':
			v = strtoul(optarg, &end, 0);
			if (errno || *end || v == 0 || v >= DOMID_FIRST_RESERVED)
				return -1;
			p->domid = (domid_t)v;
			have_domid = 1;
			break;
		case 'p':
			v = strtoul(optarg, &end, 0);
			if (errno || *end || v == 0 || v > 0x10000 - PROBE_RANGE)
				return -1;
			p->port = (uint16_t)v;
			break;
		case 't':
			v = strtoul(optarg, &end, 0);
			if (errno || *end || v == 0 || v > 86400)
				return -1;
			*timeout = (int)v;
			break;
		default:
			return -1;
		}
	}
	return have_domid && optind == argc ? 0 : -1;
}

static int __attribute__((warn_unused_result)) probe__setup(struct probe *p)
{
	void *addr = NULL;
	unsigned int i;
	int n;

	p->dm = xendevicemodel_open(NULL, 0);
	p->fmem = xenforeignmemory_open(NULL, 0);
	p->xce = xenevtchn_open(NULL, 0);
	if (!p->dm || !p->fmem || !p->xce) {
		perror("probe: open xen interfaces");
		return -1;
	}
	n = xendevicemodel_nr_vcpus(p->dm, p->domid, &p->nr_vcpus);
	if (n || p->nr_vcpus == 0 || p->nr_vcpus > PROBE_MAX_VCPUS) {
		fprintf(stderr, "probe: cannot use the vCPU count of domain %u\n", p->domid);
		return -1;
	}
	if (xendevicemodel_create_ioreq_server(p->dm, p->domid, HVM_IOREQSRV_BUFIOREQ_OFF, &p->id)) {
		perror("probe: create ioreq server");
		return -1;
	}
	p->res = xenforeignmemory_map_resource(p->fmem, p->domid, XENMEM_resource_ioreq_server,
					       p->id, XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
					       &addr, PROT_READ | PROT_WRITE, 0);
	if (!p->res) {
		perror("probe: map ioreq page");
		goto err_destroy;
	}
	p->page = addr;
	if (xendevicemodel_map_io_range_to_ioreq_server(p->dm, p->domid, p->id, XEN_DMOP_IO_RANGE_PORT,
							p->port, p->port + PROBE_RANGE - 1)) {
		perror("probe: map port range");
		goto err_unmap;
	}
	if (xendevicemodel_set_ioreq_server_state(p->dm, p->domid, p->id, 1)) {
		perror("probe: enable ioreq server");
		goto err_unmap;
	}
	for (i = 0; i < p->nr_vcpus; i++) {
		xenevtchn_port_or_error_t l;

		l = xenevtchn_bind_interdomain(p->xce, p->domid, p->page->vcpu_ioreq[i].vp_eport);
		if (l < 0) {
			perror("probe: bind vCPU event channel");
			goto err_unmap;
		}
		p->local[i] = (evtchn_port_t)l;
	}
	return 0;

err_unmap:
	xenforeignmemory_unmap_resource(p->fmem, p->res);
	p->res = NULL;
err_destroy:
	xendevicemodel_destroy_ioreq_server(p->dm, p->domid, p->id);
	return -1;
}

static void probe__teardown(struct probe *p)
{
	if (p->res) {
		xendevicemodel_set_ioreq_server_state(p->dm, p->domid, p->id, 0);
		xenforeignmemory_unmap_resource(p->fmem, p->res);
		xendevicemodel_destroy_ioreq_server(p->dm, p->domid, p->id);
	}
	if (p->xce)
		xenevtchn_close(p->xce);
	if (p->fmem)
		xenforeignmemory_close(p->fmem);
	if (p->dm)
		xendevicemodel_close(p->dm);
}

/* Serve one vCPU's slot, following the protocol QEMU uses: copy the
 * request, act on the copy, write back only data, then publish the
 * response state after a full barrier. */
static void probe__serve(struct probe *p, unsigned int vcpu)
{
	struct ioreq *slot = &p->page->vcpu_ioreq[vcpu];
	struct ioreq req;

	if (slot->state != STATE_IOREQ_READY)
		return;
	/* Orders the state read above before the reads of the request body. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(&req, slot, sizeof(req));
	slot->state = STATE_IOREQ_INPROCESS;

	if (req.type == IOREQ_TYPE_PIO && !req.data_is_ptr && req.count == 1 &&
	    req.size >= 1 && req.size <= 4) {
		if (req.dir == IOREQ_READ) {
			slot->data = PROBE_MAGIC;
			p->reads++;
		} else {
			p->writes++;
			if (req.addr == p->port && (req.data & 0xff) == PROBE_DONE)
				p->done = 1;
		}
	} else if (req.dir == IOREQ_READ) {
		/* Anything else reads all-ones; nothing is ever dereferenced. */
		slot->data = ~0ull;
	}
	/* Orders the data write above before the response state. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	slot->state = STATE_IORESP_READY;
	xenevtchn_notify(p->xce, p->local[vcpu]);
}

int main(int argc, char **argv)
{
	struct probe p = { .port = 0x1200 };
	int timeout = 600, rc = 2;
	time_t deadline;

	if (probe__parse(&p, argc, argv, &timeout)) {
		fprintf(stderr, "usage: %s --domid D [--port P] [--timeout S]\n", argv[0]);
		return 1;
	}
	if (probe__setup(&p)) {
		probe__teardown(&p);
		return 1;
	}
	printf("probe: ready domid=%u ports=%#x-%#x\n", p.domid, p.port, p.port + PROBE_RANGE - 1);
	fflush(stdout);

	deadline = time(NULL) + timeout;
	while (!p.done && time(NULL) < deadline) {
		struct pollfd pfd = { .fd = xenevtchn_fd(p.xce), .events = POLLIN };
		xenevtchn_port_or_error_t port;
		unsigned int i;

		if (poll(&pfd, 1, 1000) < 0) {
			if (errno == EINTR)
				continue;
			perror("probe: poll");
			break;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		port = xenevtchn_pending(p.xce);
		if (port < 0)
			break;
		xenevtchn_unmask(p.xce, (evtchn_port_t)port);
		for (i = 0; i < p.nr_vcpus; i++)
			if (p.local[i] == (evtchn_port_t)port)
				probe__serve(&p, i);
	}
	if (p.done)
		rc = 0;
	printf("probe: %s reads=%" PRIu64 " writes=%" PRIu64 "\n", p.done ? "done" : "timeout",
	       p.reads, p.writes);
	probe__teardown(&p);
	return rc;
}
