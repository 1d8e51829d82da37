/* SPDX-License-Identifier: MIT */
/*
 * Replay scripts; see replay.h and docs/device.md.
 *
 * One command per line, tokens separated by blanks, numbers in C syntax
 * (0x.. hex, decimal, optional '-'), '#' starts a comment.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/replay.h"

#define MAX_TOKENS	12
#define MAX_LINE	2048

static uint64_t env_realtime(void *opaque)
{
	return ((struct replay_env *)opaque)->realtime_ns;
}

static uint64_t env_monotonic(void *opaque)
{
	return ((struct replay_env *)opaque)->monotonic_ns;
}

static void env_changed(void *opaque, unsigned int what, unsigned int index)
{
	struct replay_env *env = opaque;

	env->changed_bits |= what;
	env->changed_calls++;
}

const struct hvmdev_ops replay_dev_ops = {
	.realtime_ns = env_realtime,
	.monotonic_ns = env_monotonic,
	.changed = env_changed,
};

int replay_env_init(struct replay_env *env, const struct hvmdev_config *cfg)
{
	return replay_env_init_vcpus(env, cfg, TESTBUS_NR_VCPUS);
}

int replay_env_init_vcpus(struct replay_env *env,
			  const struct hvmdev_config *cfg,
			  unsigned int nr_vcpus)
{
	struct hvmdev_config def;

	memset(env, 0, sizeof(*env));
	testbus_init(&env->tb);
	env->tb.nr_vcpus = nr_vcpus;
	env->realtime_ns = 1000000000ull;
	env->monotonic_ns = 1000000000ull;
	env->check = true;
	if (!cfg) {
		hvmdev_config_init(&def);
		def.pci_devfn = 0x18;
		cfg = &def;
	}
	return hvmdev_create(cfg, &env->tb.bus, &replay_dev_ops, env,
			     &env->dev);
}

void replay_env_fini(struct replay_env *env)
{
	hvmdev_destroy(env->dev);
	env->dev = NULL;
	testbus_fini(&env->tb);
}

/* ---------------------------------------------------------------------- */

struct cmd_ctx {
	struct replay_env *env;
	int argc;
	char *argv[MAX_TOKENS];
};

static int fail(struct replay_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct replay_env *env, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(env->error, sizeof(env->error), fmt, ap);
	va_end(ap);
	return -1;
}

static bool num(const char *s, uint64_t *v)
{
	char *end;
	bool neg = s[0] == '-';

	errno = 0;
	*v = strtoull(s + neg, &end, 0);
	if (errno || end == s + neg || *end)
		return false;
	if (neg)
		*v = -*v;
	return true;
}

/* argv[i] as a number; missing or malformed is a parse error. */
static bool arg(struct cmd_ctx *c, int i, uint64_t *v)
{
	return i < c->argc && num(c->argv[i], v);
}

/* Compare got with the optional expectation in argv[i], masked to size
 * bytes (so "-1" matches an all-ones 4-byte read). */
static int expect(struct cmd_ctx *c, int i, uint64_t got, unsigned int size)
{
	uint64_t want, mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;

	if (i >= c->argc)
		return 0;
	if (!num(c->argv[i], &want))
		return fail(c->env, "bad expectation '%s'", c->argv[i]);
	if (c->env->check && (want & mask) != (got & mask))
		return fail(c->env, "%s: got 0x%llx, want 0x%llx", c->argv[0],
			    (unsigned long long)(got & mask),
			    (unsigned long long)(want & mask));
	return 0;
}

static bool access_size(uint64_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static int cmd_cfg(struct cmd_ctx *c, bool write)
{
	uint64_t off, size, v;

	if (!arg(c, 1, &off) || !arg(c, 2, &size) || !access_size(size) ||
	    (write && !arg(c, 3, &v)))
		return fail(c->env, "usage: cfgr OFF SIZE [EXPECT] | cfgw OFF SIZE VALUE");
	if (write) {
		testbus_cfg_write(&c->env->tb, off, (unsigned int)size, v);
		return 0;
	}
	v = testbus_cfg_read(&c->env->tb, off, (unsigned int)size);
	return expect(c, 3, v, (unsigned int)size);
}

static int cmd_io(struct cmd_ctx *c, unsigned int space, bool write)
{
	uint64_t addr, size, v;

	if (!arg(c, 1, &addr) || !arg(c, 2, &size) || !access_size(size) ||
	    (write && !arg(c, 3, &v)))
		return fail(c->env, "usage: %s ADDR SIZE %s", c->argv[0],
			    write ? "VALUE" : "[EXPECT]");
	if (write) {
		(void)testbus_io_write(&c->env->tb, space, addr,
				       (unsigned int)size, v);
		return 0;
	}
	(void)testbus_io_read(&c->env->tb, space, addr, (unsigned int)size,
			      &v);
	return expect(c, 3, v, (unsigned int)size);
}

static int hexbytes(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s);

	if (len % 2 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;

		out[i] = (uint8_t)strtoul(b, &end, 16);
		if (*end)
			return -1;
	}
	*n = len / 2;
	return 0;
}

/* poke GPA HEX / peek GPA HEX: bytes of guest RAM. */
static int cmd_mem(struct cmd_ctx *c, bool write)
{
	uint8_t bytes[MAX_LINE / 2];
	uint64_t gpa;
	size_t n;
	uint8_t *p;

	if (!arg(c, 1, &gpa) || c->argc < 3 ||
	    hexbytes(c->argv[2], bytes, sizeof(bytes), &n) < 0)
		return fail(c->env, "usage: %s GPA HEXBYTES", c->argv[0]);
	p = testbus_ram(&c->env->tb, gpa, n);
	if (!p)
		return fail(c->env, "%s: 0x%llx+%zu is not guest RAM",
			    c->argv[0], (unsigned long long)gpa, n);
	if (write) {
		memcpy(p, bytes, n);
		return 0;
	}
	if (c->env->check && memcmp(p, bytes, n))
		return fail(c->env, "peek: guest memory differs");
	return 0;
}

/* w32/w64 GPA VALUE, r32/r64 GPA [EXPECT]: little-endian words. */
static int cmd_word(struct cmd_ctx *c, unsigned int size, bool write)
{
	uint64_t gpa, v = 0;
	uint8_t *p;

	if (!arg(c, 1, &gpa) || (write && !arg(c, 2, &v)))
		return fail(c->env, "usage: %s GPA %s", c->argv[0],
			    write ? "VALUE" : "[EXPECT]");
	p = testbus_ram(&c->env->tb, gpa, size);
	if (!p)
		return fail(c->env, "%s: 0x%llx is not guest RAM", c->argv[0],
			    (unsigned long long)gpa);
	if (write) {
		for (unsigned int i = 0; i < size; i++)
			p[i] = (uint8_t)(v >> (8 * i));
		return 0;
	}
	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return expect(c, 2, v, size);
}

/* str GPA TEXT: copy TEXT (no blanks) and a NUL into guest RAM. */
static int cmd_str(struct cmd_ctx *c)
{
	uint64_t gpa;
	size_t n;
	uint8_t *p;

	if (!arg(c, 1, &gpa) || c->argc < 3)
		return fail(c->env, "usage: str GPA TEXT");
	n = strlen(c->argv[2]) + 1;
	p = testbus_ram(&c->env->tb, gpa, n);
	if (!p)
		return fail(c->env, "str: 0x%llx is not guest RAM",
			    (unsigned long long)gpa);
	memcpy(p, c->argv[2], n);
	return 0;
}

/* hdr GPA SIZE TYPE: a valid request header, rc preset to GENERAL. */
static int cmd_hdr(struct cmd_ctx *c)
{
	struct hvmlink_req_header h = { .version = HVMLINK_REQUEST_VERSION,
					.rc = HVMLINK_ERR_GENERAL };
	uint64_t gpa, size, type;
	uint8_t *p;

	if (!arg(c, 1, &gpa) || !arg(c, 2, &size) || !arg(c, 3, &type))
		return fail(c->env, "usage: hdr GPA SIZE TYPE");
	h.size = (uint32_t)size;
	h.type = (uint32_t)type;
	p = testbus_ram(&c->env->tb, gpa, sizeof(h));
	if (!p)
		return fail(c->env, "hdr: 0x%llx is not guest RAM",
			    (unsigned long long)gpa);
	memcpy(p, &h, sizeof(h));
	return 0;
}

static int cmd_ram(struct cmd_ctx *c)
{
	uint64_t base, size;

	if (!arg(c, 1, &base) || !arg(c, 2, &size))
		return fail(c->env, "usage: ram BASE SIZE");
	if (testbus_add_ram(&c->env->tb, base, size) < 0)
		return fail(c->env, "ram: region refused");
	return 0;
}

static int cmd_hint(struct cmd_ctx *c)
{
	struct hvmlink_display_mode m;
	uint64_t d, v[6];
	int rc;

	if (!arg(c, 1, &d))
		return fail(c->env, "usage: hint D W H BPP X Y EN [RC]");
	for (int i = 0; i < 6; i++)
		if (!arg(c, 2 + i, &v[i]))
			return fail(c->env, "usage: hint D W H BPP X Y EN [RC]");
	m.width = (uint32_t)v[0];
	m.height = (uint32_t)v[1];
	m.bpp = (uint32_t)v[2];
	m.x = (int32_t)v[3];
	m.y = (int32_t)v[4];
	m.enabled = (uint32_t)v[5];
	rc = hvmdev_set_display_hint(c->env->dev, (unsigned int)d, &m);
	return expect(c, 8, (uint64_t)(int64_t)rc, 8);
}

static int cmd_kv(struct cmd_ctx *c, bool del)
{
	int rc;

	if (c->argc < (del ? 2 : 3))
		return fail(c->env, "usage: kv KEY VALUE [RC] | kvdel KEY [RC]");
	if (del)
		rc = hvmdev_delete_kv(c->env->dev, c->argv[1]);
	else
		rc = hvmdev_set_kv(c->env->dev, c->argv[1], c->argv[2],
				   strlen(c->argv[2]));
	return expect(c, del ? 2 : 3, (uint64_t)(int64_t)rc, 8);
}

/* saverestore [CORRUPT_OFFSET]: save, optionally flip one byte, restore.
 * An intact blob must restore; a flipped one must be refused. */
static int cmd_saverestore(struct cmd_ctx *c)
{
	struct replay_env *env = c->env;
	uint64_t off = 0;
	bool corrupt = c->argc > 1;
	void *blob;
	size_t len;
	int rc;

	if (corrupt && !arg(c, 1, &off))
		return fail(env, "usage: saverestore [CORRUPT_OFFSET]");
	rc = hvmdev_save(env->dev, &blob, &len);
	if (rc < 0)
		return fail(env, "save failed: %d", rc);
	if (corrupt)
		((uint8_t *)blob)[off % len] ^= 0x5a;
	rc = hvmdev_restore(env->dev, blob, len);
	free(blob);
	/* Unconditional: a refused intact blob is a device bug, never a
	 * matter of the script. */
	if (!corrupt && rc < 0)
		return fail(env, "restore of an intact blob failed: %d", rc);
	if (corrupt && rc == 0 && env->check)
		return fail(env, "restore accepted a corrupted blob");
	return 0;
}

static int run_cmd(struct cmd_ctx *c)
{
	struct replay_env *env = c->env;
	const char *op = c->argv[0];
	uint64_t v;

	if (!strcmp(op, "cfgr") || !strcmp(op, "cfgw"))
		return cmd_cfg(c, op[3] == 'w');
	if (!strcmp(op, "ior") || !strcmp(op, "iow"))
		return cmd_io(c, BUS_SPACE_PIO, op[2] == 'w');
	if (!strcmp(op, "mmr") || !strcmp(op, "mmw"))
		return cmd_io(c, BUS_SPACE_MMIO, op[2] == 'w');
	if (!strcmp(op, "poke") || !strcmp(op, "peek"))
		return cmd_mem(c, op[1] == 'o');
	if (!strcmp(op, "w32") || !strcmp(op, "r32"))
		return cmd_word(c, 4, op[0] == 'w');
	if (!strcmp(op, "w64") || !strcmp(op, "r64"))
		return cmd_word(c, 8, op[0] == 'w');
	if (!strcmp(op, "str"))
		return cmd_str(c);
	if (!strcmp(op, "hdr"))
		return cmd_hdr(c);
	if (!strcmp(op, "ram"))
		return cmd_ram(c);
	if (!strcmp(op, "hint"))
		return cmd_hint(c);
	if (!strcmp(op, "kv") || !strcmp(op, "kvdel"))
		return cmd_kv(c, op[2] == 'd');
	if (!strcmp(op, "saverestore"))
		return cmd_saverestore(c);
	if (!strcmp(op, "intx"))
		return expect(c, 1, env->tb.intx, 8);
	if (!strcmp(op, "msi"))
		return expect(c, 1, env->tb.msi_count, 8);
	if (!strcmp(op, "msiaddr"))
		return expect(c, 1, env->tb.msi_addr, 8);
	if (!strcmp(op, "msidata"))
		return expect(c, 1, env->tb.msi_data, 8);
	if (!strcmp(op, "pending"))
		return expect(c, 1, hvmdev_get_pending(env->dev), 8);
	if (!strcmp(op, "mapped")) {
		/* mapped SPACE ADDR 0|1: is anything registered there? */
		uint64_t space, addr;

		if (!arg(c, 1, &space) || !arg(c, 2, &addr))
			return fail(env, "usage: mapped SPACE ADDR [0|1]");
		return expect(c, 3, testbus_find(&env->tb, (unsigned int)space,
						 addr) != NULL, 8);
	}
	if (!strcmp(op, "vcpu")) {
		/* vcpu N: the following guest accesses come from vCPU N (any
		 * 32-bit value: a bus may hand the device anything). */
		if (!arg(c, 1, &v) || v > UINT32_MAX)
			return fail(env, "usage: vcpu N");
		env->tb.vcpu = (unsigned int)v;
		return 0;
	}
	if (!strcmp(op, "advance")) {
		if (!arg(c, 1, &v))
			return fail(env, "usage: advance NS");
		env->realtime_ns += v;
		env->monotonic_ns += v;
		return 0;
	}
	if (!strcmp(op, "tick")) {
		(void)hvmdev_tick(env->dev);
		return 0;
	}
	if (!strcmp(op, "hbint")) {
		if (!arg(c, 1, &v))
			return fail(env, "usage: hbint NS");
		hvmdev_set_heartbeat_interval(env->dev, v);
		return 0;
	}
	if (!strcmp(op, "hbstate")) {
		struct hvmdev_heartbeat hb;

		hvmdev_get_heartbeat(env->dev, &hb);
		return expect(c, 1, hb.state, 8);
	}
	return fail(env, "unknown command '%s'", op);
}

int replay_run(struct replay_env *env, const char *text, size_t len)
{
	char line[MAX_LINE];
	size_t pos = 0;

	env->line = 0;
	env->error[0] = '\0';
	while (pos < len) {
		struct cmd_ctx c = { .env = env };
		size_t n = 0;
		char *save = NULL, *tok;

		if (++env->line > REPLAY_MAX_LINES)
			return fail(env, "too many lines");
		while (pos < len && text[pos] != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = text[pos];
			pos++;
		}
		pos++;
		line[n] = '\0';
		if (strlen(line) != n)
			return fail(env, "NUL byte in line");
		if (strchr(line, '#'))
			*strchr(line, '#') = '\0';
		for (tok = strtok_r(line, " \t\r", &save);
		     tok && c.argc < MAX_TOKENS;
		     tok = strtok_r(NULL, " \t\r", &save))
			c.argv[c.argc++] = tok;
		if (!c.argc)
			continue;
		if (run_cmd(&c) < 0)
			return -1;
	}
	return 0;
}
