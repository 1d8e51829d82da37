/* SPDX-License-Identifier: MIT */
/*
 * An in-memory implementation of the bus (src/device/bus.h) for the device's
 * unit tests, replay scripts and fuzzer.  It enforces what the real ioreq
 * bus enforces (range overlap, port space limit, one claimed function) and
 * models guest RAM as a few regions with holes between them, so requests
 * that cross into unpopulated memory fail as they do on Xen.
 */
#ifndef HVMLINK_TESTS_TESTBUS_H
#define HVMLINK_TESTS_TESTBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/bus.h"

#define TESTBUS_NR_VCPUS	4
#define TESTBUS_MAX_RANGES	8
#define TESTBUS_MAX_RAM		4
#define TESTBUS_MAX_RAM_BYTES	(4u << 20)	/* all regions together */

struct testbus_range {
	unsigned int space;
	uint64_t base, size;
	const struct bus_io_ops *ops;
	void *opaque;
};

struct testbus_ram {
	uint64_t base, size;
	uint8_t *mem;
};

struct testbus {
	struct bus bus;			/* hand &tb->bus to the device */
	/* The vCPU the simulated guest runs on: every cfg/io access below is
	 * made by it (any value, BUS_VCPU_NONE included: the device must
	 * cope with whatever a bus hands it).  0 after testbus_init(). */
	unsigned int vcpu;
	/* What bus_nr_vcpus() answers: TESTBUS_NR_VCPUS after init; set it
	 * before creating the device to test other counts. */
	unsigned int nr_vcpus;
	struct testbus_range range[TESTBUS_MAX_RANGES];
	unsigned int nr_ranges;
	bool claimed;
	uint16_t segment;
	uint8_t bus_nr, devfn;
	const struct bus_io_ops *cfg_ops;
	void *cfg_opaque;
	int claim_error;		/* returned by claim_pci if set */
	unsigned int intx;
	uint64_t intx_calls;
	uint64_t msi_count;
	uint64_t msi_addr;
	uint32_t msi_data;
	struct testbus_ram ram[TESTBUS_MAX_RAM];
	unsigned int nr_ram;
	uint64_t ram_bytes;
	/* Called after every successful read_guest: lets a test play a vCPU
	 * that rewrites guest memory while the device works on it. */
	void (*after_read)(struct testbus *tb, uint64_t gpa, size_t len,
			   void *opaque);
	void *after_read_opaque;
	uint64_t guest_reads;
	/* Views of guest memory (bus_guest_view) given out, 4 KiB pages as
	 * on Xen.  None while after_read is set: a write between two of the
	 * device's reads can only be staged on copies. */
	uint64_t guest_views;
};

void testbus_init(struct testbus *tb);
void testbus_fini(struct testbus *tb);
/* Add guest RAM [base, base + size), zeroed.  -EINVAL if it overlaps or
 * exceeds the limits, -ENOMEM. */
int testbus_add_ram(struct testbus *tb, uint64_t base, uint64_t size)
	__attribute__((warn_unused_result));
/* Host-side view of guest RAM: NULL unless [gpa, gpa + len) is within one
 * region. */
void *testbus_ram(struct testbus *tb, uint64_t gpa, uint64_t len);

/* Guest accesses by vCPU tb->vcpu, routed as the hypervisor would route
 * them. */
uint64_t testbus_cfg_read(struct testbus *tb, uint64_t off, unsigned int size);
void testbus_cfg_write(struct testbus *tb, uint64_t off, unsigned int size,
		       uint64_t value);
/* false (and all-ones read) when nothing is mapped at addr, or the access
 * would cross the end of the range. */
bool testbus_io_read(struct testbus *tb, unsigned int space, uint64_t addr,
		     unsigned int size, uint64_t *value);
bool testbus_io_write(struct testbus *tb, unsigned int space, uint64_t addr,
		      unsigned int size, uint64_t value);
const struct testbus_range *testbus_find(const struct testbus *tb,
					 unsigned int space, uint64_t addr);

#endif /* HVMLINK_TESTS_TESTBUS_H */
