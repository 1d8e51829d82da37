/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "device-test-util.h"

void t_env_init(struct replay_env *env)
{
	g_assert_cmpint(replay_env_init(env, NULL), ==, 0);
	g_assert_cmpint(testbus_add_ram(&env->tb, 0, T_RAM_LOW_SIZE), ==, 0);
	g_assert_cmpint(testbus_add_ram(&env->tb, T_RAM_HIGH, T_RAM_HIGH_SIZE),
			==, 0);
}

void t_env_enable(struct replay_env *env)
{
	testbus_cfg_write(&env->tb, PCI_BASE_ADDRESS_0, 4, T_IO_BASE);
	testbus_cfg_write(&env->tb, PCI_BASE_ADDRESS_1, 4, T_MMIO_BASE);
	testbus_cfg_write(&env->tb, PCI_COMMAND, 2, PCI_COMMAND_IO |
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

void t_env_up(struct replay_env *env)
{
	t_env_init(env);
	t_env_enable(env);
}

void t_replay(struct replay_env *env, const char *script)
{
	if (replay_run(env, script, strlen(script)) < 0)
		g_error("replay line %u: %s", env->line, env->error);
}

uint32_t t_cfg32(struct replay_env *env, unsigned int off)
{
	return (uint32_t)testbus_cfg_read(&env->tb, off, 4);
}

uint32_t t_reg(struct replay_env *env, unsigned int reg)
{
	uint64_t v;

	g_assert_true(testbus_io_read(&env->tb, BUS_SPACE_PIO,
				      T_IO_BASE + reg, 4, &v));
	return (uint32_t)v;
}

void t_reg_write(struct replay_env *env, unsigned int reg, uint32_t v)
{
	g_assert_true(testbus_io_write(&env->tb, BUS_SPACE_PIO,
				       T_IO_BASE + reg, 4, v));
}

void t_hdr(void *req, uint32_t size, uint32_t type)
{
	struct hvmlink_req_header *h = req;

	memset(req, 0, size < sizeof(*h) ? sizeof(*h) : size);
	h->size = size;
	h->version = HVMLINK_REQUEST_VERSION;
	h->type = type;
	h->rc = HVMLINK_ERR_GENERAL;
}

int32_t t_submit_at(struct replay_env *env, uint64_t gpa, void *req,
		    size_t size)
{
	void *mem = testbus_ram(&env->tb, gpa, size);

	g_assert_nonnull(mem);
	memcpy(mem, req, size);
	t_reg_write(env, HVMLINK_REG_REQUEST_HI, (uint32_t)(gpa >> 32));
	t_reg_write(env, HVMLINK_REG_REQUEST, (uint32_t)gpa);
	memcpy(req, mem, size);
	return (int32_t)t_reg(env, HVMLINK_REG_LAST_RC);
}

int32_t t_submit(struct replay_env *env, void *req, size_t size)
{
	return t_submit_at(env, T_REQ_GPA, req, size);
}
