/* SPDX-License-Identifier: MIT */
/*
 * What the files of src/ioreq share; nothing outside src/ioreq includes it.
 *
 *   server.c    open/close: set-up and reverse-order teardown
 *   pages.c     mapping the ioreq pages (resource, else legacy gfns)
 *   dispatch.c  event channel draining and the per-vCPU state machine
 *   execute.c   carrying out one ioreq (PIO, COPY, PCI_CONFIG, rep IO)
 *   bus-xen.c   the bus (bus.h) on top of Xen
 *   guest.c     guest memory: guestmem.c's cache over xenforeignmemory
 *   range.c, bufring.c, guestmem.c   pure helpers, unit-tested alone
 */
#ifndef HVMLINK_IOREQ_INTERNAL_H
#define HVMLINK_IOREQ_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include "device/bus.h"
#include "ioreq/guestmem.h"
#include "ioreq/ioreq.h"
#include "ioreq/range.h"

#define IOREQ_PAGE_SIZE		4096u
/* vCPU slots one shared ioreq page holds (Xen's HVM limit is 128). */
#define IOREQ_MAX_VCPUS		(IOREQ_PAGE_SIZE / sizeof(ioreq_t))
/* PCI configuration space size (extended, as Xen forwards it). */
#define IOREQ_PCI_CFG_SIZE	4096u
/*
 * Repetitions one rep ioreq may carry: Xen 4.17 clips every rep string
 * instruction to 4096 ("Clip repetitions to a sensible maximum",
 * hvmemul_linear_to_phys() in xen/arch/x86/hvm/emulate.c, which every rep
 * ins/outs/movs/stos goes through) and never sends more; at 8 bytes that
 * is 32 KiB.  A larger count is not Xen's and is refused, so one bogus
 * ioreq cannot hold the loop (a 16 MiB rep took 1.5 s).
 */
#define IOREQ_MAX_REPS		4096u

struct ioreq_server {
	uint16_t domid;
	ioservid_t id;
	bool legacy_mapping;

	xendevicemodel_handle *dmod;
	xenevtchn_handle *xce;
	xenforeignmemory_handle *fmem;

	/* The pages, however mapped. */
	xenforeignmemory_resource_handle *fres;	/* resource path */
	void *legacy_shared;			/* legacy path */
	void *legacy_buffered;
	shared_iopage_t *shared;
	void *buffered;

	unsigned int nr_vcpus;
	evtchn_port_t *vcpu_port;	/* local port per vCPU, 0 = unbound */
	unsigned int nr_vcpu_bound;
	evtchn_port_t buf_remote_port;
	evtchn_port_t buf_port;		/* local; valid if buf_bound */
	bool buf_bound;
	bool enabled;
	bool server_created;
	/*
	 * Re-attached to a server a previous process left behind: the IO
	 * ranges and the PCI function it registered are still in Xen, so
	 * registering them again (EEXIST) adopts them, and unmapping one it
	 * no longer had (ENOENT) is not an error.
	 */
	bool attached;

	/* Routing. */
	struct range_table pio;
	struct range_table mmio;
	struct range_table pcicfg;	/* one range [0, 4096) once claimed */
	bool pci_claimed;
	uint16_t pci_segment;
	uint8_t pci_bus;
	uint8_t pci_devfn;
	uint32_t pci_sbdf;

	struct guestmem mem;
	struct bus bus;
	struct ioreq_stats st;

	void (*answer_hook)(void *opaque);	/* NULL: none */
	void *answer_opaque;
};

/* pages.c */
int ioreq_pages_map(struct ioreq_server *s, bool force_legacy);
void ioreq_pages_unmap(struct ioreq_server *s);

/* dispatch.c */
void ioreq_drain_buffered(struct ioreq_server *s);
/* The state (STATE_IOREQ_*) of vcpu's slot, read with acquire. */
unsigned int ioreq_slot_state(struct ioreq_server *s, unsigned int vcpu);

/* execute.c */
const char *ioreq_type_name(unsigned int type);
/* Everything but a single plain port or MMIO access (ioreq_execute). */
void ioreq_execute_general(struct ioreq_server *s, unsigned int vcpu,
			   ioreq_t *req);
/* Statistics and a debug line for missed bytes hitting no range. */
void ioreq_count_unclaimed(struct ioreq_server *s, const ioreq_t *req,
			   uint64_t addr, unsigned int missed)
	__attribute__((cold));

static inline bool ioreq_size_ok(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static inline void ioreq_note_unclaimed(struct ioreq_server *s,
					const ioreq_t *req, uint64_t addr,
					unsigned int missed)
{
	if (__builtin_expect(missed != 0, 0))
		ioreq_count_unclaimed(s, req, addr, missed);
}

/*
 * The common case, one plain port or MMIO access (not a rep, no buffer):
 * straight to the range table.  true if it was one (and is done).
 * Inline into the dispatcher with the range table's fast path: it is on
 * every register access's path, where each call and prologue shows.
 */
static inline __attribute__((always_inline)) bool
ioreq_execute_single(struct ioreq_server *s, unsigned int vcpu, ioreq_t *req)
{
	const struct range_table *t;

	if (req->count != 1 || req->data_is_ptr || !ioreq_size_ok(req->size))
		return false;
	if (req->type == IOREQ_TYPE_PIO) {
		s->st.pio++;
		t = &s->pio;
	} else if (req->type == IOREQ_TYPE_COPY &&
		   req->addr + (req->size - 1) >= req->addr) {
		s->st.mmio++;
		t = &s->mmio;
	} else {
		return false;	/* PCI config, or an address run that wraps */
	}
	if (req->dir == IOREQ_READ) {
		uint64_t v;

		ioreq_note_unclaimed(s, req, req->addr,
				     range_table_read(t, vcpu, req->addr,
						      req->size, &v));
		req->data = v;
	} else {
		req->data &= range_size_mask(req->size);
		ioreq_note_unclaimed(s, req, req->addr,
				     range_table_write(t, vcpu, req->addr,
						       req->size, req->data));
	}
	return true;
}

/* Carry out one (private copy of an) ioreq, filling req->data for reads.
 * vcpu: the slot it came from, BUS_VCPU_NONE for a buffered ioreq (handed
 * to the device's handlers, bus.h). */
static inline __attribute__((always_inline)) void
ioreq_execute(struct ioreq_server *s, unsigned int vcpu, ioreq_t *req)
{
	if (!ioreq_execute_single(s, vcpu, req))
		ioreq_execute_general(s, vcpu, req);
}

/* bus-xen.c */
extern const struct bus_ops ioreq_bus_ops;
/* Undo every range and the PCI claim (teardown). */
void ioreq_bus_release(struct ioreq_server *s);

/* guest.c */
int ioreq_guest_init(struct ioreq_server *s, unsigned int entries);
void ioreq_guest_fini(struct ioreq_server *s);

#endif /* HVMLINK_IOREQ_INTERNAL_H */
