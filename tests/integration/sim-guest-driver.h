/* SPDX-License-Identifier: MIT */
/*
 * The simulated guest's driver: what the real guest kernel module does
 * with the hvmlink PCI function, done through the Xen stand-in's guest
 * API (tests/xensim/xensim.h).  Config space through ports 0xcf8/0xcfc as
 * a guest kernel does, the request register through BAR0, the status page
 * through BAR1, requests built in guest RAM.
 */
#ifndef HVMLINK_SIM_GUEST_DRIVER_H
#define HVMLINK_SIM_GUEST_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvmlink/protocol.h"
#include "tests/xensim/xensim.h"

/* Where the simulated firmware puts things (hvmloader-like choices). */
#define SG_IO_BASE	0xc100u		/* BAR0: port IO */
#define SG_MMIO_BASE	0xf1000000ull	/* BAR1: in the PCI hole */
#define SG_REQ_BASE	0x200000ull	/* request buffers, 2 pages a vCPU */
#define SG_RAM_BYTES	(16ull << 20)

#define PCI_CFG_VENDOR_ID	0x00
#define PCI_CFG_COMMAND		0x04
#define PCI_CFG_STATUS		0x06
#define PCI_CFG_CLASS_REV	0x08
#define PCI_CFG_BAR0		0x10
#define PCI_CFG_BAR1		0x14
#define PCI_CFG_SUBSYS		0x2c
#define PCI_CFG_INT_LINE	0x3c
#define PCI_CFG_INT_PIN		0x3d
#define PCI_CMD_IO		0x1
#define PCI_CMD_MEM		0x2
#define PCI_CMD_MASTER		0x4
#define PCI_CMD_INTX_DISABLE	0x400

struct sg {
	struct xensim *sim;
	uint16_t domid;
	unsigned int nr_vcpus;
	uint8_t slot;		/* found by sg_probe */
	uint32_t sbdf;
	uint16_t io_base;
	uint64_t mmio_base;
	bool verbose;
};

/* Config space via the 0xcf8 latch and 0xcfc data ports of vcpu 0. */
int sg_cfg_read(struct sg *g, uint8_t slot, unsigned int reg,
		unsigned int size, uint32_t *val);
int sg_cfg_write(struct sg *g, uint8_t slot, unsigned int reg,
		 unsigned int size, uint32_t val);
/* Scan bus 0 for vendor:device; fills g->slot/sbdf.  0 or -ENODEV. */
int sg_probe(struct sg *g, uint16_t vendor, uint16_t device);
/* Size BARs 0 and 1 (all-ones writes), program them, enable IO, MEM and
 * bus mastering.  Reports the sizes. */
int sg_setup_bars(struct sg *g, uint32_t *bar0_size, uint32_t *bar1_size);
/* Read the status page through BAR1. */
int sg_read_status(struct sg *g, struct hvmlink_status_page *sp);
/* A BAR0 register. */
int sg_reg_read(struct sg *g, unsigned int vcpu, unsigned int reg,
		uint32_t *val);
int sg_reg_write(struct sg *g, unsigned int vcpu, unsigned int reg,
		 uint32_t val);

/*
 * Submit the request in req (len bytes, header filled, rc preset to
 * HVMLINK_ERR_GENERAL as guests do) from vcpu: copy it into guest RAM at
 * the vCPU's buffer, write the address to REQUEST, copy the result back
 * into req.  Returns 0 and the header's rc in *rc, or a negative errno
 * from the stand-in (-ETIMEDOUT: the daemon did not answer).
 */
int sg_request(struct sg *g, unsigned int vcpu, void *req, size_t len,
	       int32_t *rc);
/* Write gpa (low, high) to REQUEST_HI/REQUEST; the caller filled it. */
int sg_submit_at(struct sg *g, unsigned int vcpu, uint64_t gpa);

/* Fill a request header. */
void sg_header(void *req, uint32_t size, uint32_t type);
uint64_t sg_req_gpa(unsigned int vcpu);

#endif /* HVMLINK_SIM_GUEST_DRIVER_H */
