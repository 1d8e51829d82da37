/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the device unit tests: a device on the in-memory bus
 * with guest RAM, BARs programmed the way firmware would, and a way to
 * submit requests as a guest driver does (through the mapped BAR0).
 */
#ifndef HVMLINK_TESTS_DEVICE_TEST_UTIL_H
#define HVMLINK_TESTS_DEVICE_TEST_UTIL_H

#include <glib.h>

#include "device/device-internal.h"
#include "tests/support/replay.h"

/* Guest RAM: [0, 1 MiB) and [4 GiB, 4 GiB + 64 KiB); a hole between. */
#define T_RAM_LOW_SIZE	0x100000ull
#define T_RAM_HIGH	0x100000000ull
#define T_RAM_HIGH_SIZE	0x10000ull
#define T_IO_BASE	0xc000u
#define T_MMIO_BASE	0xfe000000u
#define T_REQ_GPA	0x2000ull

/* Device with default config, RAM, no BARs programmed. */
void t_env_init(struct replay_env *env);
/* Program BAR0/BAR1 at T_IO_BASE/T_MMIO_BASE, enable IO+MEM+bus master. */
void t_env_enable(struct replay_env *env);
/* Both at once. */
void t_env_up(struct replay_env *env);

/* Run a replay script; fails the test with the line on error. */
void t_replay(struct replay_env *env, const char *script);

uint32_t t_cfg32(struct replay_env *env, unsigned int off);
uint32_t t_reg(struct replay_env *env, unsigned int reg);
void t_reg_write(struct replay_env *env, unsigned int reg, uint32_t v);

/* Fill a header for type/size at the start of req (rc preset GENERAL). */
void t_hdr(void *req, uint32_t size, uint32_t type);
/* Copy req (size bytes) to gpa, submit it through BAR0 (REQUEST_HI too),
 * copy the result back into req.  Returns the LAST_RC register. */
int32_t t_submit_at(struct replay_env *env, uint64_t gpa, void *req,
		    size_t size);
int32_t t_submit(struct replay_env *env, void *req, size_t size);

#endif
