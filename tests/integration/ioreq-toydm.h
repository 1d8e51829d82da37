/* SPDX-License-Identifier: MIT */
/* The toy device of ioreq-toydm as the guest sees it (tests only). */
#ifndef HVMLINK_TESTS_IOREQ_TOYDM_H
#define HVMLINK_TESTS_IOREQ_TOYDM_H

#include <stdint.h>

#define TOY_PIO_BASE	0xc000u
#define TOY_PIO_SIZE	0x100u
#define TOY_MMIO_BASE	0xf0000000ull
#define TOY_MMIO_SIZE	0x1000u
#define TOY_CALC_BASE	(TOY_MMIO_BASE + TOY_MMIO_SIZE)	/* adjacent */
#define TOY_CALC_SIZE	0x10000u
#define TOY_SEG		0
#define TOY_BUS		0
#define TOY_DEVFN	((5 << 3) | 0)
#define TOY_VENDOR_ID	0x1af4
#define TOY_DEVICE_ID	0x7e57

/* Control registers (port offsets). */
#define TOY_REG_ARG0		0x80	/* 8 bytes */
#define TOY_REG_ARG1		0x88	/* 8 bytes */
#define TOY_REG_CMD		0x90	/* write: run a command */
#define TOY_REG_RESULT		0x94	/* int32 rc of the last command */
#define TOY_REG_STAT_SEL	0x98
#define TOY_REG_STAT		0xa0	/* 8 bytes */
#define TOY_REG_LAST_OFF	0xb0	/* last scratch access */
#define TOY_REG_LAST_SIZE	0xb4

#define TOY_CMD_INTX		1	/* level = arg1 */
#define TOY_CMD_MSI		2	/* addr arg0, data arg1 */
#define TOY_CMD_GUEST_READ	3	/* gpa arg0, len arg1 -> MMIO scratch */
#define TOY_CMD_GUEST_WRITE	4	/* MMIO scratch -> gpa arg0, len arg1 */
#define TOY_CMD_MOVE_MMIO	5	/* move the scratch MMIO range to arg0 */
#define TOY_CMD_MAP_OVERLAP	6	/* try an overlapping range */
#define TOY_CMD_EXIT		7

#define TOY_STAT_SYNC		0
#define TOY_STAT_BUF		1
#define TOY_STAT_INVALIDATES	2
#define TOY_STAT_TIMEOFFSETS	3
#define TOY_STAT_UNCLAIMED	4
#define TOY_STAT_BAD		5
#define TOY_STAT_BAD_STATES	6
#define TOY_STAT_MAP_FAULTS	7
#define TOY_STAT_LEGACY		8
#define TOY_STAT_NR_VCPUS	9

/* What a read of the calc window returns: a function of the access only,
 * so a response delivered to the wrong vCPU or request shows. */
static inline uint64_t toy_calc(uint64_t off, unsigned int size)
{
	uint64_t v = (off + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)size << 56);

	return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

#endif
