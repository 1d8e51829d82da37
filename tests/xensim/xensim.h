/* SPDX-License-Identifier: MIT */
/*
 * xensim: the Xen stand-in, test side ("hypervisor + guest").
 *
 * A test links libxensim-hv (tests/xensim/libxensim-hv.la) and calls
 * xensim_open().  That starts a small hypervisor in a thread of the test
 * process, listening on $XENSIM_DIR/hv.sock.  The program under test (the
 * unchanged hvmlinkd, a toy device model, or the test process itself) is
 * run with tests/xensim/.libs/libxensim.so in LD_PRELOAD (use
 * tests/xensim/xensim-run, or xensim_spawn() below); that library replaces
 * libxendevicemodel, libxenevtchn, libxenforeignmemory and
 * xentoolcore_restrict_all and talks to the hypervisor thread.
 *
 * The guest side is this API: a call such as xensim_pio_read() is one
 * guest vCPU executing an IN instruction.  It fills the vCPU's ioreq slot
 * exactly as Xen 4.17 does, notifies the device model's event channel and
 * blocks until the device model answers (IORESP_READY + notify), or until
 * the timeout (XENSIM_TIMEOUT_MS, default 5000 ms) expires: -ETIMEDOUT
 * then means a hung or broken device model.  Each vCPU has at most one
 * synchronous ioreq outstanding, as in Xen; different vCPUs may be driven
 * from different threads at the same time.  Calls for the same vCPU from
 * two threads at once are serialised.
 *
 * All functions are thread-safe.  Errors are negative errno values.
 * See docs/xensim.md for fidelity notes.
 */
#ifndef HVMLINK_XENSIM_H
#define HVMLINK_XENSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define XENSIM_MUST_CHECK __attribute__((warn_unused_result))

/* Default for every blocking guest access; env XENSIM_TIMEOUT_MS overrides. */
#define XENSIM_DEFAULT_TIMEOUT_MS 5000

/* Maximum vCPUs per domain (one 4 KiB shared ioreq page, as Xen's HVM_MAX_VCPUS). */
#define XENSIM_MAX_VCPUS 128

/* PCI segment/bus/device/function as Xen's SBDF (the upper half of a
 * PCI_CONFIG ioreq's addr). */
#define XENSIM_SBDF(seg, bus, dev, fn)                                   \
	((((uint32_t)(seg) & 0xffff) << 16) | (((uint32_t)(bus) & 0xff) << 8) | \
	 (((uint32_t)(dev) & 0x1f) << 3) | ((uint32_t)(fn) & 7))

struct xensim;

/*
 * Start a simulated host whose state lives in dir (created if missing).
 * dir NULL: use $XENSIM_DIR if set, else a fresh directory under $TMPDIR
 * (removed again by xensim_close).  Sets XENSIM_DIR in this process's
 * environment so children and an in-process device model find it.
 * Returns NULL with errno set on failure.
 */
struct xensim *xensim_open(const char *dir);
const char *xensim_dir(const struct xensim *sim);
/* Stop the hypervisor thread, free everything. */
void xensim_close(struct xensim *sim);

/* ---- domains and guest memory --------------------------------------- */

/*
 * Create HVM domain domid (1..0x7fef) with nr_vcpus (1..XENSIM_MAX_VCPUS)
 * and ram_bytes of RAM populated at gfn 0 upwards.  -EEXIST if it exists.
 * Writes $XENSIM_DIR/domains/<domid> ("running") and pokes
 * $XENSIM_DIR/xenstored-virq.sock.
 */
XENSIM_MUST_CHECK int xensim_domain_create(struct xensim *sim, uint16_t domid,
					   unsigned int nr_vcpus,
					   uint64_t ram_bytes);
/*
 * Destroy the domain as Xen does: its ioreq servers disappear, event
 * channels bound to its ports become unbound (notify is dropped silently),
 * later dm_op/map calls naming it fail with ESRCH.  Guest accesses blocked
 * in other threads fail with -ESRCH.  Foreign mappings keep their pages.
 */
int xensim_domain_destroy(struct xensim *sim, uint16_t domid);

/* Populate / unpopulate (balloon out) n gfns from gfn.  A repopulated gfn
 * gets a fresh zeroed page; mappings made before keep the old page, as on
 * Xen (that is what IOREQ_TYPE_INVALIDATE is for). */
int xensim_ram_populate(struct xensim *sim, uint16_t domid, uint64_t gfn,
			uint64_t n);
int xensim_ram_unpopulate(struct xensim *sim, uint16_t domid, uint64_t gfn,
			  uint64_t n);
/* Guest-side RAM access (may cross pages); -EFAULT if any page is not RAM. */
XENSIM_MUST_CHECK int xensim_ram_read(struct xensim *sim, uint16_t domid,
				      uint64_t gpa, void *buf, size_t len);
XENSIM_MUST_CHECK int xensim_ram_write(struct xensim *sim, uint16_t domid,
				       uint64_t gpa, const void *buf,
				       size_t len);

/* ---- guest accesses (synchronous ioreqs) ----------------------------- */

/*
 * The general form: one ioreq as Xen builds it.  type is IOREQ_TYPE_PIO,
 * _COPY or _PCI_CONFIG (from <xen/hvm/ioreq.h>: 0, 1, 2); dir 1 = read
 * (IOREQ_READ), 0 = write; size 1/2/4/8; count >= 1; with data_is_ptr,
 * data is the guest-physical address of the buffer (the device model reads
 * or writes guest RAM itself); df = direction flag (addresses decrease).
 *
 * Routing is Xen 4.17's ioreq_server_select(): the first *enabled* server
 * whose PORT / MEMORY rangeset contains [addr, addr + size*count - 1]
 * (PCI_CONFIG: whose PCI rangeset contains the SBDF in addr >> 32).  With
 * none, Xen's null handler completes the access: reads give all-ones
 * (data_is_ptr: all-ones written to the buffer), writes are dropped;
 * out->server is then -1.
 *
 * On return (0) req->data holds the read result (masked to size bytes for
 * non-pointer reads) and req->server the id of the server that handled it.
 * Errors: -ETIMEDOUT (no answer), -EIO (Xen would have crashed the domain,
 * see xensim_domain_crashed), -ESRCH (no such domain / destroyed while
 * waiting), -ENXIO (enabled server with no pages mapped), -EINVAL.
 */
struct xensim_ioreq {
	uint64_t addr;
	uint64_t data;
	uint32_t count;
	uint32_t size;
	uint8_t type;
	uint8_t dir;
	uint8_t df;
	uint8_t data_is_ptr;
	int server; /* OUT: ioservid_t that served it, -1 = null handler */
};
XENSIM_MUST_CHECK int xensim_ioreq(struct xensim *sim, uint16_t domid,
				   unsigned int vcpu, struct xensim_ioreq *req);

/* Shorthands (count 1, not a pointer).  Port 0xcf8/0xcfc..0xcff accesses
 * follow Xen's cf8 latch: with bit 31 of the latched cf8 set and the SBDF
 * claimed by a server, a cfc access becomes a PCI_CONFIG ioreq with
 * addr = SBDF << 32 | (cf8 & 0xfc) | (port & 3). */
XENSIM_MUST_CHECK int xensim_pio_read(struct xensim *sim, uint16_t domid,
				      unsigned int vcpu, uint16_t port,
				      unsigned int size, uint64_t *val);
XENSIM_MUST_CHECK int xensim_pio_write(struct xensim *sim, uint16_t domid,
				       unsigned int vcpu, uint16_t port,
				       unsigned int size, uint64_t val);
XENSIM_MUST_CHECK int xensim_mmio_read(struct xensim *sim, uint16_t domid,
				       unsigned int vcpu, uint64_t gpa,
				       unsigned int size, uint64_t *val);
XENSIM_MUST_CHECK int xensim_mmio_write(struct xensim *sim, uint16_t domid,
					unsigned int vcpu, uint64_t gpa,
					unsigned int size, uint64_t val);
/* IOREQ_TYPE_PCI_CONFIG directly (addr = sbdf << 32 | reg), reg 0..4095. */
XENSIM_MUST_CHECK int xensim_pci_cfg_read(struct xensim *sim, uint16_t domid,
					  unsigned int vcpu, uint32_t sbdf,
					  unsigned int reg, unsigned int size,
					  uint64_t *val);
XENSIM_MUST_CHECK int xensim_pci_cfg_write(struct xensim *sim, uint16_t domid,
					   unsigned int vcpu, uint32_t sbdf,
					   unsigned int reg, unsigned int size,
					   uint64_t val);

/*
 * IOREQ_TYPE_INVALIDATE, synchronous, broadcast to every enabled server
 * through vcpu's slot (Xen's send_invalidate_ioreq(), sent after the guest
 * gave memory back).  Returns the number of servers that answered.
 */
XENSIM_MUST_CHECK int xensim_send_invalidate(struct xensim *sim,
					     uint16_t domid,
					     unsigned int vcpu);

/*
 * Buffered ioreqs (Xen's ioreq_send_buffered()): a write of size 1/2/4/8
 * (8 takes two slots, second slot = high 32 bits) to the server owning
 * addr, then a notify of its bufioreq port.  Returns 0 when queued,
 * XENSIM_BUF_DROPPED when Xen silently drops it (addr > 0xfffff), -EAGAIN
 * when Xen would fall back to a synchronous ioreq (ring full, no server
 * with a buffered ring, bad size).
 */
#define XENSIM_BUF_DROPPED 1
XENSIM_MUST_CHECK int xensim_buffered_write(struct xensim *sim,
					    uint16_t domid, uint8_t type,
					    uint64_t addr, unsigned int size,
					    uint64_t val);
/* IOREQ_TYPE_TIMEOFFSET, buffered (2 slots), broadcast to every enabled
 * server; returns how many servers could not take it (0 = all did).
 * Like Xen's send_timeoffset_req(), a delta of 0 sends nothing. */
XENSIM_MUST_CHECK int xensim_send_timeoffset(struct xensim *sim,
					     uint16_t domid, int64_t delta);

/*
 * Act as a device model that took vcpu's waiting ioreq (READY ->
 * INPROCESS) and then died before answering: the state a crash leaves
 * mid-request.  Returns the id of the server whose slot it was, -ENOENT
 * if no slot of that vCPU is READY.
 */
int xensim_dm_take(struct xensim *sim, uint16_t domid, unsigned int vcpu);

/*
 * Destroy ioreq server id of domid as XEN_DMOP_destroy_ioreq_server does
 * (any dom0 process may: another tool, an administrator), e.g. the one a
 * crashed device model left.  A vCPU blocked on it stays blocked (see
 * docs/xensim.md).  0, -ESRCH, -ENOENT.
 */
int xensim_server_destroy(struct xensim *sim, uint16_t domid, uint16_t id);

/* ---- interrupts the device model raised ------------------------------ */

/* Current level (0/1) of a line, or -errno.  intx: device 0..31, pin
 * 0..3 (INTA..INTD) as in set_pci_intx_level; isa irq 0..15; gsi 0..47. */
int xensim_intx_level(struct xensim *sim, uint16_t domid, uint8_t device,
		      uint8_t pin);
int xensim_isa_irq_level(struct xensim *sim, uint16_t domid, uint8_t irq);
int xensim_gsi_level(struct xensim *sim, uint16_t domid, unsigned int gsi);
/* Wait until the line has level; 0, -ETIMEDOUT, -ESRCH (domain gone).
 * timeout_ms < 0: XENSIM_TIMEOUT_MS. */
XENSIM_MUST_CHECK int xensim_intx_wait(struct xensim *sim, uint16_t domid,
				       uint8_t device, uint8_t pin, int level,
				       int timeout_ms);
XENSIM_MUST_CHECK int xensim_isa_irq_wait(struct xensim *sim, uint16_t domid,
					  uint8_t irq, int level,
					  int timeout_ms);
/* Number of 0->1 transitions of an INTx line since the domain was created. */
int xensim_intx_assert_count(struct xensim *sim, uint16_t domid,
			     uint8_t device, uint8_t pin);
/* Pop the oldest injected MSI; 0, -ETIMEDOUT. */
XENSIM_MUST_CHECK int xensim_msi_next(struct xensim *sim, uint16_t domid,
				      uint64_t *addr, uint32_t *data,
				      int timeout_ms);

/* ---- introspection --------------------------------------------------- */

struct xensim_server_info {
	uint16_t id;
	bool enabled;
	int bufioreq;		/* HVM_IOREQSRV_BUFIOREQ_OFF/LEGACY/ATOMIC */
	unsigned int nr_port_ranges;
	unsigned int nr_mmio_ranges;
	unsigned int nr_pcidevs;
	bool pages_mapped;	/* via map_resource or legacy gfns */
};
/* Fill up to max servers of domid; returns how many exist, or -ESRCH. */
int xensim_servers(struct xensim *sim, uint16_t domid,
		   struct xensim_server_info *out, int max);
/* The ranges server id of domid claims in one space (type 0 = PORT,
 * 1 = MEMORY, 2 = PCI, as XEN_DMOP_IO_RANGE_*; PCI ranges are SBDFs),
 * merged as Xen's rangeset keeps them.  Fills up to max, returns how
 * many there are, -ESRCH / -ENOENT / -EINVAL. */
struct xensim_range {
	uint64_t start, end;	/* inclusive */
};
int xensim_server_ranges(struct xensim *sim, uint16_t domid, uint16_t id,
			 unsigned int type, struct xensim_range *out, int max);

/* 1 (and the reason in why) if Xen would have crashed the domain because
 * of its device model (bad ioreq state transitions), 0 if not, -ESRCH. */
int xensim_domain_crashed(struct xensim *sim, uint16_t domid, char *why,
			  size_t len);

/* Wait until domid has at least one enabled ioreq server; returns its id
 * (the lowest enabled), -ETIMEDOUT, -ESRCH. */
XENSIM_MUST_CHECK int xensim_wait_server_enabled(struct xensim *sim,
						 uint16_t domid,
						 int timeout_ms);

struct xensim_stats {
	unsigned long ioreqs;		/* synchronous ioreqs delivered */
	unsigned long bufioreqs;	/* buffered slots written */
	unsigned long null_handled;	/* accesses nobody claimed */
	unsigned long dm_notifies;	/* notifies from device models */
	unsigned long none_completions;	/* accesses a device model completed
					 * by setting the slot back to NONE */
	unsigned int restrict_calls;	/* dm_restrict + xentoolcore_restrict_all */
	int restrict_domid;		/* domid of the last one, -1 = none */
	unsigned int open_handles;	/* client handles currently connected */
};
void xensim_get_stats(struct xensim *sim, struct xensim_stats *st);

/*
 * Describe everything a device model left behind: ioreq servers not
 * destroyed, event channels still bound, foreign/resource mappings not
 * unmapped (including those still mapped when their handle was closed),
 * handles still open.  First processes every message and hang-up already
 * sent by clients, so it can be called right after a child exited.
 * Returns the number of leftovers (0 = clean); buf gets one line each
 * (may be NULL).
 */
int xensim_leftovers(struct xensim *sim, char *buf, size_t len);

/*
 * A test killed process pid on purpose (a device model crash): its
 * mappings went away with its address space, as on Linux, so stop
 * reporting them as leftovers.  What Xen keeps after a process dies (its
 * ioreq servers) is still reported until someone destroys it.
 */
void xensim_forget_process(struct xensim *sim, pid_t pid);

/* ---- running a device model under the stand-in ----------------------- */

/*
 * fork + exec argv under tests/xensim/xensim-run (found via $XENSIM_RUN,
 * else $top_builddir/tests/xensim/xensim-run) with XENSIM_DIR set, so
 * libxensim.so is preloaded (libasan first in sanitizer builds).
 * Returns the pid or -errno.
 */
pid_t xensim_spawn(struct xensim *sim, char *const argv[]);
/* waitpid with a timeout (XENSIM_TIMEOUT_MS when < 0); kills the child
 * with SIGKILL on timeout and returns -ETIMEDOUT; else 0 and *status. */
int xensim_wait_child(pid_t pid, int timeout_ms, int *status);

/* The effective guest-access timeout in ms (env XENSIM_TIMEOUT_MS). */
int xensim_timeout_ms(void);

#endif /* HVMLINK_XENSIM_H */
