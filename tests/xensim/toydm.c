/* SPDX-License-Identifier: MIT */
/*
 * xensim-toydm: a tiny device model linked against the REAL libxen*
 * libraries, run under the stand-in the way hvmlinkd is.  It serves one
 * domain with one ioreq server, the way QEMU's xen-hvm-common.c does:
 * create, map the pages, enable, bind each vCPU's vp_eport and the
 * buffered port, then pending -> unmask -> handle -> IORESP_READY ->
 * notify.  Its "device" is what the self-tests and the demo poke at:
 *
 *   port 0x510 (4)   scratch register
 *   port 0x518       write: INTx level of 00:05.0 INTA (value & 1)
 *   port 0x51c       write: inject MSI addr 0xfee00000 data value
 *   port 0x520       rep INS: 0, 1, 2, ... ; rep OUTS: values are summed
 *   port 0x524       read: that sum
 *   port 0x540       write: hold this ioreq until port 0x544 is written
 *   port 0x548       write: tear everything down and exit 0
 *   mmio 0xf0000000  4 KiB register file (any size, rep COPY both ways)
 *   mmio 0xf0001000  read-only 64-bit statistics, see enum stat
 *   pci 00:05.0      config space: ids 1234:beef, rest writable
 *
 * Options: DOMID [--bufioreq=0|1|2] [--legacy] [--leak] [--no-restrict]
 *          [--no-enable] [--verbose]
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoolcore.h>
#include <xen/hvm/ioreq.h>

#define PAGE 4096u
#define PORT_BASE 0x510
#define PORT_LAST 0x54b
#define MMIO_BASE 0xf0000000ULL
#define MMIO_LAST 0xf0001fffULL
#define TOY_DEV 5

enum stat {
	ST_IOREQS, ST_INVALIDATES, ST_TIMEOFFSET, ST_BUFFERED,
	ST_BUF_ADDR, ST_BUF_VALUE, ST_BUF_TYPE, ST_PCI, ST_MAX
};

struct toy {
	domid_t dom;
	int bufmode;
	bool legacy, leak, restrict_, enable, verbose;
	xendevicemodel_handle *dm;
	xenevtchn_handle *xce;
	xenforeignmemory_handle *fm;
	xenforeignmemory_resource_handle *fres;
	void *pages;			/* resource: buf page, ioreq page */
	shared_iopage_t *shared;
	buffered_iopage_t *buffered;
	void *legacy_io, *legacy_buf;
	ioservid_t id;
	unsigned int nr_vcpus;
	evtchn_port_t *local;		/* per vCPU */
	evtchn_port_t buf_local;
	bool buf_bound;
	/* the device */
	uint32_t scratch, counter;
	uint64_t sum, stat[ST_MAX];
	uint8_t regs[PAGE], cfg[256];
	int held_vcpu;			/* -1: none */
	bool release_pending, quit;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

#define say(t, ...) do { if ((t)->verbose) fprintf(stderr, "toydm: " __VA_ARGS__); } while (0)

/* Guest memory through a temporary foreign mapping (the toy does not
 * cache; hvmlinkd's ioreq layer does). */
static int guest_rw(struct toy *t, uint64_t gpa, void *buf, size_t len,
		    bool write)
{
	while (len) {
		xen_pfn_t gfn = gpa / PAGE;
		size_t off = gpa % PAGE, n = PAGE - off;
		int err = 0;
		char *p;

		if (n > len)
			n = len;
		p = xenforeignmemory_map(t->fm, t->dom, PROT_READ | PROT_WRITE,
					 1, &gfn, &err);
		if (!p)
			return -errno;
		if (err) {
			xenforeignmemory_unmap(t->fm, p, 1);
			return err;
		}
		if (write)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		xenforeignmemory_unmap(t->fm, p, 1);
		buf = (char *)buf + n;
		gpa += n;
		len -= n;
	}
	return 0;
}

static uint64_t mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t pio_read(struct toy *t, uint64_t port, unsigned int size)
{
	switch (port) {
	case 0x510: return t->scratch;
	case 0x520: return t->counter++;
	case 0x524: return t->sum;
	}
	return ~0ULL;
}

static void pio_write(struct toy *t, uint64_t port, unsigned int size,
		      uint64_t v)
{
	switch (port) {
	case 0x510:
		t->scratch = (uint32_t)v;
		break;
	case 0x518:
		if (xendevicemodel_set_pci_intx_level(t->dm, t->dom, 0, 0,
						      TOY_DEV, 0, v & 1))
			perror("toydm: set_pci_intx_level");
		break;
	case 0x51c:
		if (xendevicemodel_inject_msi(t->dm, t->dom, 0xfee00000ULL,
					      (uint32_t)v))
			perror("toydm: inject_msi");
		break;
	case 0x520:
		t->sum += v;
		break;
	case 0x548:
		t->quit = true;
		break;
	}
}

static uint64_t mmio_read(struct toy *t, uint64_t a, unsigned int size)
{
	uint64_t v = 0;

	if (a >= MMIO_BASE && a + size <= MMIO_BASE + PAGE)
		memcpy(&v, &t->regs[a - MMIO_BASE], size);
	else if (a >= MMIO_BASE + PAGE && a + size <= MMIO_BASE + PAGE + ST_MAX * 8)
		memcpy(&v, (char *)t->stat + (a - MMIO_BASE - PAGE), size);
	else
		v = ~0ULL;
	return v;
}

static void mmio_write(struct toy *t, uint64_t a, unsigned int size,
		       uint64_t v)
{
	if (a >= MMIO_BASE && a + size <= MMIO_BASE + PAGE)
		memcpy(&t->regs[a - MMIO_BASE], &v, size);
}

static void handle_pio_or_copy(struct toy *t, ioreq_t *req)
{
	bool pio = req->type == IOREQ_TYPE_PIO;
	int step = req->df ? -1 : 1;

	if (!req->data_is_ptr) {
		if (req->dir == IOREQ_READ)
			req->data = (pio ? pio_read(t, req->addr, req->size)
					 : mmio_read(t, req->addr, req->size)) &
				    mask(req->size);
		else if (pio)
			pio_write(t, req->addr, req->size, req->data);
		else
			mmio_write(t, req->addr, req->size, req->data);
		return;
	}
	/* rep: data is a guest-physical pointer, the device address stays
	 * put for port IO and moves with the element for MMIO. */
	for (uint32_t i = 0; i < req->count; i++) {
		uint64_t gpa = req->data + (int64_t)step * i * req->size;
		uint64_t dev = pio ? req->addr
				   : req->addr + (int64_t)step * i * req->size;
		uint64_t v = 0;

		if (req->dir == IOREQ_READ) {
			v = pio ? pio_read(t, dev, req->size)
				: mmio_read(t, dev, req->size);
			if (guest_rw(t, gpa, &v, req->size, true))
				break;
		} else {
			if (guest_rw(t, gpa, &v, req->size, false))
				break;
			if (pio)
				pio_write(t, dev, req->size, v);
			else
				mmio_write(t, dev, req->size, v);
		}
	}
}

static void handle_pci(struct toy *t, ioreq_t *req)
{
	uint32_t sbdf = (uint32_t)(req->addr >> 32), reg = req->addr & 0xfff;

	t->stat[ST_PCI]++;
	if (sbdf != (TOY_DEV << 3) || reg + req->size > sizeof(t->cfg)) {
		if (req->dir == IOREQ_READ)
			req->data = mask(req->size);
		return;
	}
	if (req->dir == IOREQ_READ) {
		uint64_t v = 0;

		memcpy(&v, &t->cfg[reg], req->size);
		req->data = v;
	} else if (reg >= 4) {		/* ids are read-only */
		memcpy(&t->cfg[reg], &req->data, req->size);
	}
}

/* Finish a vCPU's ioreq: data first, then the state, then the notify. */
static void complete(struct toy *t, unsigned int vcpu, const ioreq_t *copy)
{
	ioreq_t *slot = &t->shared->vcpu_ioreq[vcpu];

	slot->data = copy->data;
	/* Orders the data write before IORESP_READY (guest reads data after
	 * seeing the state). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->state = STATE_IORESP_READY;
	xenevtchn_notify(t->xce, t->local[vcpu]);
}

static void handle_vcpu(struct toy *t, unsigned int vcpu)
{
	ioreq_t *slot = &t->shared->vcpu_ioreq[vcpu], req;

	if (((volatile ioreq_t *)slot)->state != STATE_IOREQ_READY)
		return;
	/* The state before the contents Xen wrote ahead of it. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);			/* spurious (e.g. right after bind) */
	/* Copy before parsing: the guest side may change the slot. */
	req = *slot;
	slot->state = STATE_IOREQ_INPROCESS;
	t->stat[ST_IOREQS]++;
	say(t, "vcpu%u type %u addr %#" PRIx64 " size %u count %u dir %u ptr %u df %u\n",
	    vcpu, req.type, req.addr, req.size, req.count, req.dir,
	    req.data_is_ptr, req.df);
	switch (req.type) {
	case IOREQ_TYPE_PIO:
		if (req.addr == 0x540 && req.dir == IOREQ_WRITE) {
			if (t->release_pending) {
				t->release_pending = false;
				break;
			}
			t->held_vcpu = (int)vcpu;
			return;		/* answered when 0x544 is written */
		}
		if (req.addr == 0x544 && req.dir == IOREQ_WRITE) {
			if (t->held_vcpu >= 0) {
				ioreq_t held = t->shared->vcpu_ioreq[t->held_vcpu];

				complete(t, (unsigned int)t->held_vcpu, &held);
				t->held_vcpu = -1;
			} else {
				t->release_pending = true;
			}
			break;
		}
		/* fall through */
	case IOREQ_TYPE_COPY:
		handle_pio_or_copy(t, &req);
		break;
	case IOREQ_TYPE_PCI_CONFIG:
		handle_pci(t, &req);
		break;
	case IOREQ_TYPE_INVALIDATE:
		t->stat[ST_INVALIDATES]++;
		break;
	default:
		break;
	}
	complete(t, vcpu, &req);
}

/* QEMU's handle_buffered_iopage(). */
static void handle_buffered(struct toy *t)
{
	buffered_iopage_t *pg = t->buffered;

	for (;;) {
		uint32_t rp = __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE);
		uint32_t wp = __atomic_load_n(&pg->write_pointer, __ATOMIC_ACQUIRE);
		buf_ioreq_t b;
		uint64_t v;
		unsigned int qw;

		if (rp == wp)
			return;
		b = pg->buf_ioreq[rp % IOREQ_BUFFER_SLOT_NUM];
		v = b.data;
		qw = b.size == 3;
		if (qw) {
			if (wp - rp < 2)
				return;	/* second half not published yet */
			v |= (uint64_t)pg->buf_ioreq[(rp + 1) %
						     IOREQ_BUFFER_SLOT_NUM].data << 32;
		}
		if (b.type == IOREQ_TYPE_TIMEOFFSET) {
			t->stat[ST_TIMEOFFSET] = v;
		} else {
			t->stat[ST_BUFFERED]++;
			t->stat[ST_BUF_ADDR] = b.addr;
			t->stat[ST_BUF_VALUE] = v;
			t->stat[ST_BUF_TYPE] = b.type;
			if (b.type == IOREQ_TYPE_PIO)
				pio_write(t, b.addr, 1u << b.size, v);
			else
				mmio_write(t, b.addr, 1u << b.size, v);
		}
		/* Slots consumed before the pointer moves (ATOMIC: Xen may
		 * rewrite both pointers together; use an atomic add). */
		__atomic_fetch_add(&pg->read_pointer, qw + 1, __ATOMIC_RELEASE);
	}
}

static int setup_pages(struct toy *t)
{
	if (t->legacy) {
		xen_pfn_t io_gfn = 0, buf_gfn = 0;
		evtchn_port_t port = 0;

		if (xendevicemodel_get_ioreq_server_info(t->dm, t->dom, t->id,
							 &io_gfn,
							 t->bufmode ? &buf_gfn : NULL,
							 &port))
			return -1;
		t->legacy_io = xenforeignmemory_map(t->fm, t->dom,
						    PROT_READ | PROT_WRITE, 1,
						    &io_gfn, NULL);
		if (!t->legacy_io)
			return -1;
		t->shared = t->legacy_io;
		if (t->bufmode) {
			t->legacy_buf = xenforeignmemory_map(t->fm, t->dom,
							     PROT_READ | PROT_WRITE,
							     1, &buf_gfn, NULL);
			if (!t->legacy_buf)
				return -1;
			t->buffered = t->legacy_buf;
		}
		return 0;
	}
	/* QEMU: frame 0 (buffered) + frame 1 (ioreq) when buffered, else
	 * frame 1 alone. */
	t->fres = xenforeignmemory_map_resource(t->fm, t->dom,
						XENMEM_resource_ioreq_server,
						t->id, t->bufmode ? 0 : 1,
						t->bufmode ? 2 : 1, &t->pages,
						PROT_READ | PROT_WRITE, 0);
	if (!t->fres)
		return -1;
	if (t->bufmode) {
		t->buffered = t->pages;
		t->shared = (shared_iopage_t *)((char *)t->pages + PAGE);
	} else {
		t->shared = t->pages;
	}
	return 0;
}

static int setup(struct toy *t)
{
	evtchn_port_t buf_port = 0;
	unsigned int extra;

	t->dm = xendevicemodel_open(NULL, 0);
	t->xce = xenevtchn_open(NULL, 0);
	t->fm = xenforeignmemory_open(NULL, 0);
	if (!t->dm || !t->xce || !t->fm)
		return -1;
	if (xendevicemodel_nr_vcpus(t->dm, t->dom, &t->nr_vcpus))
		return -1;
	if (xendevicemodel_create_ioreq_server(t->dm, t->dom, t->bufmode, &t->id))
		return -1;
	if (setup_pages(t))
		return -1;
	if (t->bufmode &&
	    xendevicemodel_get_ioreq_server_info(t->dm, t->dom, t->id, NULL,
						 NULL, &buf_port))
		return -1;
	if (xendevicemodel_map_io_range_to_ioreq_server(t->dm, t->dom, t->id, 0,
							PORT_BASE, PORT_LAST) ||
	    xendevicemodel_map_io_range_to_ioreq_server(t->dm, t->dom, t->id, 1,
							MMIO_BASE, MMIO_LAST) ||
	    xendevicemodel_map_pcidev_to_ioreq_server(t->dm, t->dom, t->id, 0,
						      0, TOY_DEV, 0))
		return -1;
	if (t->enable &&
	    xendevicemodel_set_ioreq_server_state(t->dm, t->dom, t->id, 1))
		return -1;
	t->local = calloc(t->nr_vcpus, sizeof(*t->local));
	if (!t->local)
		return -1;
	for (unsigned int v = 0; v < t->nr_vcpus && t->enable; v++) {
		int lp = xenevtchn_bind_interdomain(t->xce, t->dom,
						    t->shared->vcpu_ioreq[v].vp_eport);

		if (lp < 0)
			return -1;
		t->local[v] = (evtchn_port_t)lp;
		say(t, "vcpu%u: remote port %u -> local port %d\n", v,
		    t->shared->vcpu_ioreq[v].vp_eport, lp);
	}
	if (t->bufmode) {
		int lp = xenevtchn_bind_interdomain(t->xce, t->dom, buf_port);

		if (lp < 0)
			return -1;
		t->buf_local = (evtchn_port_t)lp;
		t->buf_bound = true;
	}
	t->cfg[0] = 0x34; t->cfg[1] = 0x12; t->cfg[2] = 0xef; t->cfg[3] = 0xbe;
	if (t->restrict_) {
		if (xentoolcore_restrict_all(t->dom))
			return -1;
		/* A restricted handle must refuse any other domain. */
		if (xendevicemodel_nr_vcpus(t->dm, (domid_t)(t->dom + 1), &extra) == 0 ||
		    errno != EPERM) {
			fprintf(stderr, "toydm: restriction not enforced\n");
			errno = EACCES;
			return -1;
		}
	}
	printf("toydm: serving dom%u with ioreq server %u (%u vcpus, bufioreq %d, %s)\n",
	       t->dom, t->id, t->nr_vcpus, t->bufmode,
	       t->legacy ? "legacy gfns" : "resource mapping");
	fflush(stdout);
	return 0;
}

static void teardown(struct toy *t)
{
	if (t->leak) {
		/* Vanish like a crashed device model: no teardown at all,
		 * for xensim_leftovers to find. */
		fflush(NULL);
		_exit(0);
	}
	/* Fails with ESRCH once the domain is gone; nothing to undo then. */
	if (t->dm && (t->fres || t->legacy_io))
		xendevicemodel_destroy_ioreq_server(t->dm, t->dom, t->id);
	if (t->xce) {
		for (unsigned int v = 0; t->local && v < t->nr_vcpus; v++)
			if (t->local[v])
				xenevtchn_unbind(t->xce, t->local[v]);
		if (t->buf_bound)
			xenevtchn_unbind(t->xce, t->buf_local);
	}
	if (t->fres)
		xenforeignmemory_unmap_resource(t->fm, t->fres);
	if (t->legacy_io)
		xenforeignmemory_unmap(t->fm, t->legacy_io, 1);
	if (t->legacy_buf)
		xenforeignmemory_unmap(t->fm, t->legacy_buf, 1);
	free(t->local);
	if (t->fm)
		xenforeignmemory_close(t->fm);
	if (t->xce)
		xenevtchn_close(t->xce);
	if (t->dm)
		xendevicemodel_close(t->dm);
}

static int serve(struct toy *t)
{
	struct pollfd p = { .fd = xenevtchn_fd(t->xce), .events = POLLIN };

	while (!t->quit && !got_signal) {
		int port, n = poll(&p, 1, 200);
		unsigned int vcpus;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			/* Nothing for a while: is the domain still there?
			 * (hvmlinkd learns it from @releaseDomain instead.) */
			if (xendevicemodel_nr_vcpus(t->dm, t->dom, &vcpus) &&
			    errno == ESRCH) {
				printf("toydm: dom%u is gone\n", t->dom);
				return 0;
			}
			continue;
		}
		port = xenevtchn_pending(t->xce);
		if (port < 0)
			return -1;
		if (xenevtchn_unmask(t->xce, (evtchn_port_t)port))
			return -1;
		if (t->buf_bound && (evtchn_port_t)port == t->buf_local) {
			handle_buffered(t);
			continue;
		}
		for (unsigned int v = 0; v < t->nr_vcpus; v++)
			if (t->local[v] == (evtchn_port_t)port)
				handle_vcpu(t, v);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct toy t = { .restrict_ = true, .enable = true, .held_vcpu = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DOMID [--bufioreq=N] [--legacy] [--leak] [--no-restrict] [--no-enable] [--verbose]\n",
			argv[0]);
		return 2;
	}
	t.dom = (domid_t)strtoul(argv[1], NULL, 0);
	for (int i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "--bufioreq=", 11))
			t.bufmode = atoi(argv[i] + 11);
		else if (!strcmp(argv[i], "--legacy"))
			t.legacy = true;
		else if (!strcmp(argv[i], "--leak"))
			t.leak = true;
		else if (!strcmp(argv[i], "--no-restrict"))
			t.restrict_ = false;
		else if (!strcmp(argv[i], "--no-enable"))
			t.enable = false;
		else if (!strcmp(argv[i], "--verbose"))
			t.verbose = true;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (setup(&t)) {
		perror("toydm: setup");
		teardown(&t);
		return 1;
	}
	rc = serve(&t);
	if (rc)
		perror("toydm");
	teardown(&t);
	return rc ? 1 : 0;
}
