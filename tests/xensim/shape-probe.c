/* SPDX-License-Identifier: MIT */
/*
 * xensim-shape-probe DOMID: calls each libxen* function a device model
 * uses, once, between two marker system calls, for
 * tests/xensim/syscall-shape.c to count under strace.  Runs under
 * xensim-run against a domain the test created (no guest activity
 * needed: binding sets the new port pending, which gives an event).
 *
 * Marker: open("/xensim-shape/begin/NAME") and ".../end/NAME", which
 * fail with ENOENT and show in strace's output with the name.  Exit 0
 * when every call did what it should (results are checked here, the
 * counts in the test).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

static int failures;

static void mark(const char *what, const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/xensim-shape/%s/%s", what, name);
	fd = open(path, O_RDONLY);
	if (fd >= 0)
		close(fd);
}

/* The markers fail with ENOENT: keep the call's errno. */
#define MEASURE(name, stmt)                \
	do {                               \
		int saved_;                \
		mark("begin", name);       \
		errno = 0;                 \
		stmt;                      \
		saved_ = errno;            \
		mark("end", name);         \
		errno = saved_;            \
	} while (0)

#define EXPECT(cond, ...)                                              \
	do {                                                           \
		if (!(cond)) {                                         \
			failures++;                                    \
			fprintf(stderr, "shape-probe: %s: ", #cond);   \
			fprintf(stderr, __VA_ARGS__);                  \
			fputc('\n', stderr);                           \
		}                                                      \
	} while (0)

int main(int argc, char **argv)
{
	xendevicemodel_handle *dm;
	xenevtchn_handle *xce;
	xenforeignmemory_handle *fm;
	xenforeignmemory_resource_handle *fres = NULL;
	xen_pfn_t one[1] = { 0x10 }, two[2] = { 0x20, 0x21 }, hole[1];
	int err[2] = { 0, 0 }, rc = 0, fd;
	xenevtchn_port_or_error_t port = -1, pend = -1;
	void *pages = NULL, *p = NULL;
	ioservid_t id;
	size_t size = 0;
	uint16_t dom;

	if (argc != 3)
		return 2;
	dom = (uint16_t)atoi(argv[1]);
	hole[0] = strtoull(argv[2], NULL, 0);	/* a gfn with no page */
	dm = xendevicemodel_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	fm = xenforeignmemory_open(NULL, 0);
	if (!dm || !xce || !fm) {
		perror("open");
		return 2;
	}
	fd = xenevtchn_fd(xce);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (xendevicemodel_create_ioreq_server(dm, dom,
					       HVM_IOREQSRV_BUFIOREQ_ATOMIC,
					       &id) < 0) {
		perror("create_ioreq_server");
		return 2;
	}

	/* Foreign memory.  The first use of a domain fetches its
	 * descriptors once (not measured: a handle does it once). */
	p = xenforeignmemory_map(fm, dom, PROT_READ | PROT_WRITE, 1, one, err);
	EXPECT(p, "warm-up map: %s", strerror(errno));
	if (p)
		xenforeignmemory_unmap(fm, p, 1);
	MEASURE("map-1", p = xenforeignmemory_map(fm, dom, PROT_READ | PROT_WRITE,
						  1, one, err));
	EXPECT(p && !err[0], "map of one page: %s", strerror(errno));
	if (p)
		MEASURE("unmap-1", rc = xenforeignmemory_unmap(fm, p, 1));
	EXPECT(rc == 0, "unmap: %s", strerror(errno));
	MEASURE("map-2", p = xenforeignmemory_map(fm, dom, PROT_READ | PROT_WRITE,
						  2, two, err));
	EXPECT(p && !err[0] && !err[1], "map of two pages: %s", strerror(errno));
	if (p)
		MEASURE("unmap-2", rc = xenforeignmemory_unmap(fm, p, 2));
	MEASURE("map-hole", p = xenforeignmemory_map(fm, dom, PROT_READ, 1, hole,
						     err));
	EXPECT(p && err[0] == -EINVAL, "map of a hole: err %d", err[0]);
	if (p)
		xenforeignmemory_unmap(fm, p, 1);
	MEASURE("map-hole-noerr", p = xenforeignmemory_map(fm, dom, PROT_READ, 1,
							   hole, NULL));
	EXPECT(!p && errno == EINVAL, "map of a hole without err[]: %s",
	       strerror(errno));
	/* Warm-up again: the handle's allocation (as core.c's calloc) must
	 * not make an allocator map a fresh arena inside the measurement. */
	fres = xenforeignmemory_map_resource(fm, dom, XENMEM_resource_ioreq_server,
					     id, 0, 2, &pages,
					     PROT_READ | PROT_WRITE, 0);
	EXPECT(fres, "warm-up map_resource: %s", strerror(errno));
	if (fres)
		xenforeignmemory_unmap_resource(fm, fres);
	pages = NULL;
	MEASURE("map_resource",
		fres = xenforeignmemory_map_resource(fm, dom,
						     XENMEM_resource_ioreq_server,
						     id, 0, 2, &pages,
						     PROT_READ | PROT_WRITE, 0));
	EXPECT(fres, "map_resource: %s", strerror(errno));
	MEASURE("resource_size",
		rc = xenforeignmemory_resource_size(fm, dom,
						    XENMEM_resource_ioreq_server,
						    id, &size));
	EXPECT(rc == 0 && size >= 2 * 4096, "resource_size %d %zu", rc, size);

	/* Event channels: what a device model does per ioreq. */
	if (xendevicemodel_set_ioreq_server_state(dm, dom, id, 1) < 0) {
		perror("enable");
		return 2;
	}
	if (fres) {
		evtchn_port_t remote = ((shared_iopage_t *)((char *)pages + 4096))
					       ->vcpu_ioreq[0].vp_eport;

		MEASURE("bind_interdomain",
			port = xenevtchn_bind_interdomain(xce, dom, remote));
	}
	EXPECT(port > 0, "bind: %s", strerror(errno));
	/* Binding set the port pending: one event to read. */
	MEASURE("pending", pend = xenevtchn_pending(xce));
	EXPECT(pend == port, "pending %d, bound %d", pend, port);
	MEASURE("unmask", rc = xenevtchn_unmask(xce, (evtchn_port_t)port));
	EXPECT(rc == 0, "unmask: %s", strerror(errno));
	MEASURE("notify", rc = xenevtchn_notify(xce, (evtchn_port_t)port));
	EXPECT(rc == 0, "notify: %s", strerror(errno));
	MEASURE("pending-empty", pend = xenevtchn_pending(xce));
	EXPECT(pend < 0 && errno == EAGAIN, "empty pending %d: %s", pend,
	       strerror(errno));
	/* Errors are exact and as cheap as they can be. */
	MEASURE("notify-unbound", rc = xenevtchn_notify(xce, (evtchn_port_t)port + 1));
	EXPECT(rc == -1 && errno == ENOTCONN, "notify of a port not bound: %s",
	       strerror(errno));
	rc = xenevtchn_notify(xce, 1u << 20);
	EXPECT(rc == -1 && errno == EINVAL, "notify out of range: %s",
	       strerror(errno));

	/* Device model ops on the interrupt path. */
	MEASURE("set_pci_intx_level",
		rc = xendevicemodel_set_pci_intx_level(dm, dom, 0, 0, 5, 0, 1));
	EXPECT(rc == 0, "intx: %s", strerror(errno));
	MEASURE("inject_msi",
		rc = xendevicemodel_inject_msi(dm, dom, 0xfee00000, 0x4041));
	EXPECT(rc == 0, "msi: %s", strerror(errno));

	MEASURE("unbind", rc = xenevtchn_unbind(xce, (evtchn_port_t)port));
	EXPECT(rc == 0, "unbind: %s", strerror(errno));
	xendevicemodel_set_ioreq_server_state(dm, dom, id, 0);
	if (fres)
		MEASURE("unmap_resource",
			rc = xenforeignmemory_unmap_resource(fm, fres));
	xendevicemodel_destroy_ioreq_server(dm, dom, id);
	xenforeignmemory_close(fm);
	xenevtchn_close(xce);
	xendevicemodel_close(dm);
	return failures ? 1 : 0;
}
