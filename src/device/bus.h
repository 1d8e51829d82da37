/* SPDX-License-Identifier: MIT */
/*
 * The bus: the one interface between an emulated device (src/device/) and
 * whatever delivers its guest's accesses (src/ioreq/ on Xen, an in-memory
 * bus in unit tests and the fuzzer, tests/support/testbus.c).  It lives
 * with the device, the layer that needs it: bus implementations include
 * it, the device includes nothing of theirs.
 *
 * A device never sees an ioreq_t, an event channel or a Xen header.  It
 * registers handlers for address ranges and for its PCI configuration
 * space, and it asks the bus to raise its interrupt and to read or write
 * guest-physical memory.  All calls are made from the one thread that
 * drives the bus; none of them blocks for long.
 *
 * Errors are negative errno values.
 */
#ifndef HVMLINK_DEVICE_BUS_H
#define HVMLINK_DEVICE_BUS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_MUST_CHECK __attribute__((warn_unused_result))

/* Address spaces a range can live in. */
#define BUS_SPACE_PIO	0	/* x86 port IO: base + size <= 0x10000 */
#define BUS_SPACE_MMIO	1	/* guest-physical memory */

/*
 * Handlers for one registered range, or for a PCI function's configuration
 * space.  offset is relative to the start of the range (for config space:
 * the register offset, 0..4095); size is 1, 2, 4 or 8 and the access never
 * crosses the end of the range.  A read returns the value in the low size
 * bytes.  Handlers cannot fail: a device answers a bad access itself
 * (all-ones, write dropped).
 *
 * vcpu is the guest vCPU whose instruction made the access (Xen's ioreq
 * slot index, below bus_nr_vcpus()), so a device can keep per-vCPU
 * register state.  It is BUS_VCPU_NONE when no vCPU waits for the access:
 * buffered ioreqs and accesses the host makes itself.  It comes from the
 * guest's side of the bus: a device bounds it before using it as an index.
 */
#define BUS_VCPU_NONE	UINT_MAX

struct bus_io_ops {
	uint64_t (*read)(void *opaque, unsigned int vcpu, uint64_t offset,
			 unsigned int size);
	void (*write)(void *opaque, unsigned int vcpu, uint64_t offset,
		      unsigned int size, uint64_t value);
};

/* What a bus implementation provides.  See the bus_* wrappers below. */
struct bus_ops {
	int (*map_range)(void *bus, unsigned int space, uint64_t base,
			 uint64_t size, const struct bus_io_ops *ops,
			 void *opaque);
	int (*unmap_range)(void *bus, unsigned int space, uint64_t base);
	int (*claim_pci)(void *bus, uint16_t segment, uint8_t bus_nr,
			 uint8_t devfn, const struct bus_io_ops *cfg_ops,
			 void *opaque);
	int (*set_intx)(void *bus, unsigned int level);
	int (*inject_msi)(void *bus, uint64_t addr, uint32_t data);
	int (*read_guest)(void *bus, uint64_t gpa, void *buf, size_t len);
	int (*write_guest)(void *bus, uint64_t gpa, const void *buf,
			   size_t len);
	/* Optional (NULL: no views, bus_guest_view() returns 0). */
	size_t (*guest_view)(void *bus, uint64_t gpa, uint8_t **p);
	unsigned int (*nr_vcpus)(void *bus);
};

struct bus {
	const struct bus_ops *ops;
	void *priv;
};

/*
 * Route accesses to [base, base + size) in space to ops.  Fails with
 * -EEXIST if the range overlaps one already registered, -EINVAL for an
 * empty or wrapping range or a bad space.
 */
BUS_MUST_CHECK static inline int
bus_map_range(struct bus *b, unsigned int space, uint64_t base, uint64_t size,
	      const struct bus_io_ops *ops, void *opaque)
{
	return b->ops->map_range(b->priv, space, base, size, ops, opaque);
}

/* Remove the range that starts at base; -ENOENT if there is none. */
static inline int
bus_unmap_range(struct bus *b, unsigned int space, uint64_t base)
{
	return b->ops->unmap_range(b->priv, space, base);
}

/*
 * Claim the PCI function segment:bus_nr:devfn; its configuration space
 * accesses go to cfg_ops.  Also selects the function whose INTA
 * bus_set_intx drives.  A bus serves one function.
 */
BUS_MUST_CHECK static inline int
bus_claim_pci(struct bus *b, uint16_t segment, uint8_t bus_nr, uint8_t devfn,
	      const struct bus_io_ops *cfg_ops, void *opaque)
{
	return b->ops->claim_pci(b->priv, segment, bus_nr, devfn, cfg_ops,
				 opaque);
}

/* Drive the claimed function's INTA# line: level 1 asserted, 0 not. */
static inline int bus_set_intx(struct bus *b, unsigned int level)
{
	return b->ops->set_intx(b->priv, level);
}

/* Deliver one MSI message. */
static inline int bus_inject_msi(struct bus *b, uint64_t addr, uint32_t data)
{
	return b->ops->inject_msi(b->priv, addr, data);
}

/*
 * Copy len bytes of guest-physical memory starting at gpa.  The range may
 * cross pages.  -EFAULT if any page of it is not guest RAM (unpopulated,
 * not mappable): then buf's content is unspecified, and a write may have
 * changed the pages before the bad one.
 */
BUS_MUST_CHECK static inline int
bus_read_guest(struct bus *b, uint64_t gpa, void *buf, size_t len)
{
	return b->ops->read_guest(b->priv, gpa, buf, len);
}

BUS_MUST_CHECK static inline int
bus_write_guest(struct bus *b, uint64_t gpa, const void *buf, size_t len)
{
	return b->ops->write_guest(b->priv, gpa, buf, len);
}

/*
 * A direct view of guest memory, to spare a device a copy call per field
 * of a small structure: *p points at gpa, and the return value is how many
 * bytes from gpa on lie behind it (to the end of a mapped page, say); 0 if
 * the bus has none there (not RAM, or no views at all): then copy with
 * bus_read_guest / bus_write_guest.  The view is valid until the device's
 * next read, write or view of guest memory.  It is the guest's memory,
 * which the guest may change at any moment: read each byte once, into
 * memory of the device's own, before looking at it, as with a copy.
 */
static inline size_t bus_guest_view(struct bus *b, uint64_t gpa, uint8_t **p)
{
	return b->ops->guest_view ? b->ops->guest_view(b->priv, gpa, p) : 0;
}

/*
 * How many vCPUs the guest has: the vcpu of an access is below this (or
 * BUS_VCPU_NONE).  Fixed for the life of the bus; at least 1.
 */
static inline unsigned int bus_nr_vcpus(struct bus *b)
{
	return b->ops->nr_vcpus(b->priv);
}

#endif /* HVMLINK_DEVICE_BUS_H */
