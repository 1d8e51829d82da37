/* SPDX-License-Identifier: MIT */
/*
 * src/ioreq: the Xen-facing half of hvmlinkd, a secondary device model
 * (an "ioreq server") for one HVM domain.
 *
 * It creates the ioreq server, maps its shared and buffered ioreq pages,
 * binds one event channel per vCPU plus the buffered-ioreq channel, runs
 * the ioreq state machine, and implements the bus (bus.h) for the one
 * emulated device: IO ranges, the claimed PCI function, INTx, MSI and
 * guest memory.  It is the only layer that includes libxendevicemodel,
 * libxenevtchn and libxenforeignmemory headers; the device never sees an
 * ioreq_t.
 *
 * Threading: single-threaded.  Every call below and every bus call is made
 * from one thread (hvmlinkd's device thread, which polls ioreq_server_fd()).
 *
 * Errors are negative errno values.  -ESRCH from a call means Xen says the
 * domain is gone (or dying): the caller should tear down and exit.
 * See docs/ioreq.md.
 */
#ifndef HVMLINK_IOREQ_IOREQ_H
#define HVMLINK_IOREQ_IOREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "device/bus.h"

#define IOREQ_MUST_CHECK __attribute__((warn_unused_result))

/* Guest pages kept mapped at most (bounded cache keyed by gfn). */
#define IOREQ_GUEST_CACHE_DEFAULT	64
#define IOREQ_GUEST_CACHE_MAX		4096

struct ioreq_server;

struct ioreq_options {
	uint16_t domid;
	/*
	 * Skip xenforeignmemory_map_resource and map the ioreq pages the
	 * pre-4.12 way (get_ioreq_server_info + xenforeignmemory_map), as is
	 * done automatically when map_resource fails with EOPNOTSUPP/ENOSYS
	 * and friends.  For tests of the fallback path.
	 */
	bool force_legacy_mapping;
	/* Guest page cache size; 0 = IOREQ_GUEST_CACHE_DEFAULT.  Clamped to
	 * 1..IOREQ_GUEST_CACHE_MAX. */
	unsigned int guest_cache_entries;
};

/*
 * Create the ioreq server for o->domid (buffered ioreqs in ATOMIC mode),
 * map its pages, enable it, and bind every vCPU's event channel and the
 * buffered one (binding follows enabling: Xen publishes the vCPU ports in
 * a resource-mapped page only then).  On failure everything done so far
 * is undone and *out is left untouched.  -ESRCH: no such domain.
 * Link src/ioreq/libioreq.la.
 */
IOREQ_MUST_CHECK int ioreq_server_open(const struct ioreq_options *o,
				       struct ioreq_server **out);

/*
 * Re-attach to server id of o->domid, which a previous process (our
 * crashed predecessor) created and left behind: check it is there
 * (get_ioreq_server_info without gfns), map its pages as a resource,
 * enable it (a no-op if it is), and bind every vCPU's event channel and
 * the buffered one again.  The slots keep what the predecessor left;
 * call ioreq_server_resume() once the device can serve them.  IO ranges
 * and the PCI function the predecessor registered are still in Xen:
 * registering them again through the bus adopts them.  From then on the
 * server is ours (close destroys it).
 * Errors, after which the server is left exactly as found: -ENOENT no
 * such server; -EPERM not ours, or its pages are not mappable as a
 * resource (legacy gfns); -EBUSY another live process has bound its
 * ports; others from Xen.
 */
IOREQ_MUST_CHECK int ioreq_server_attach(const struct ioreq_options *o,
					 uint16_t id,
					 struct ioreq_server **out);

/* Destroy server id of domid that nobody can re-attach to.  0 or -errno. */
int ioreq_server_destroy_stale(uint16_t domid, uint16_t id);

/*
 * After a restart (re-attached, or a new server replacing a stale one,
 * with the device's state restored): serve every ioreq left READY or
 * INPROCESS (at least once: one a predecessor was carrying out when it
 * died is carried out again), then notify every vCPU's port so that one
 * whose answer was written but not announced, or one blocked on a
 * destroyed server, goes on.  Returns how many ioreqs it served.
 */
int ioreq_server_resume(struct ioreq_server *s);

/*
 * Tear down in reverse order: unmap every IO range and the PCI function
 * still registered, unbind the event channels, disable the server, unmap
 * every cached guest page and the ioreq pages, destroy the server, close
 * the handles.  Safe when the domain is already gone.  NULL is a no-op.
 * The device must have been destroyed first (it may call the bus while
 * it shuts down; the bus must still exist then).
 */
void ioreq_server_close(struct ioreq_server *s);

/* The bus the device registers its ranges on; valid until close. */
struct bus *ioreq_server_bus(struct ioreq_server *s);

/*
 * The event channel fd for the caller's poll loop (non-blocking,
 * level-triggered: readable while an event is queued).  When it is
 * readable, call ioreq_server_handle_pending().
 */
int ioreq_server_fd(const struct ioreq_server *s);

/*
 * Handle one pending event channel event: unmask its port, drain the
 * buffered ring, and serve the vCPU's synchronous ioreq if it is READY.
 * One per call: poll again for the next (the fd stays readable while
 * more are queued), so an isolated request costs exactly the read, the
 * unmask and the notify, and the caller's other sources get their turn
 * between two events.  Returns 1 if an event was handled, 0 if none was
 * pending, or a negative errno that is fatal for the server (-ESRCH:
 * domain gone).  Guest misbehaviour is never fatal: it is logged
 * (rate-limited) and answered with all-ones / dropped.
 */
IOREQ_MUST_CHECK int ioreq_server_handle_pending(struct ioreq_server *s);

/*
 * fn(opaque) runs after a synchronous ioreq was carried out and before it
 * is answered (the vCPU still waits): e.g. to save device state the
 * request changed.  It is on every request's path: keep it cheap when
 * there is nothing to do.  NULL removes it.
 */
void ioreq_server_set_answer_hook(struct ioreq_server *s,
				  void (*fn)(void *opaque), void *opaque);

/*
 * Serve vCPU vcpu's slot now if it holds a request: READY (Xen raised it
 * while nobody listened) or INPROCESS (a device model that crashed had
 * taken it).  For a device model that re-attaches to a server it did not
 * create.  0, or -EINVAL for a vCPU without a bound port.
 */
IOREQ_MUST_CHECK int ioreq_server_serve_adopted(struct ioreq_server *s,
						unsigned int vcpu);

/* Identity, for logs. */
uint16_t ioreq_server_domid(const struct ioreq_server *s);
uint16_t ioreq_server_id(const struct ioreq_server *s);
unsigned int ioreq_server_nr_vcpus(const struct ioreq_server *s);
/* true if the pages were mapped with the legacy gfn path. */
bool ioreq_server_legacy_mapping(const struct ioreq_server *s);

/* Counters since open, for logs and benchmarks. */
struct ioreq_stats {
	uint64_t events;		/* pending ports handled */
	uint64_t sync_ioreqs;		/* synchronous ioreqs served */
	uint64_t buf_ioreqs;		/* buffered ioreqs served (8-byte = 1) */
	uint64_t pio;			/* by type (sync + buffered) */
	uint64_t mmio;
	uint64_t pci_config;
	uint64_t invalidates;
	uint64_t timeoffsets;
	uint64_t unclaimed;		/* accesses to nothing registered */
	uint64_t bad_ioreqs;		/* bad size/count/type/pointer */
	uint64_t bad_states;		/* slot not READY when notified etc. */
	uint64_t guest_map_hits;	/* guest page cache */
	uint64_t guest_map_misses;
	uint64_t guest_map_faults;	/* gfn not mappable: -EFAULT */
	uint64_t guest_map_evictions;
};
void ioreq_server_get_stats(const struct ioreq_server *s,
			    struct ioreq_stats *st);

#endif /* HVMLINK_IOREQ_IOREQ_H */
