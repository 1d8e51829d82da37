/* SPDX-License-Identifier: MIT */
/*
 * The ioreq layer's routing table: registration rules (overlap, limits)
 * and how accesses are routed, including ones straddling a range's end.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "ioreq/range.h"

/* A toy device: 16 bytes of registers, recording the last access. */
struct toy {
	uint8_t reg[16];
	unsigned int reads, writes;
	uint64_t last_off;
	unsigned int last_size;
	unsigned int last_vcpu;
};

static uint64_t toy_read(void *opaque, unsigned int vcpu, uint64_t off,
			 unsigned int size)
{
	struct toy *t = opaque;
	uint64_t v = 0;

	g_assert_cmpuint(off + size, <=, sizeof(t->reg));
	memcpy(&v, t->reg + off, size);
	t->reads++;
	t->last_off = off;
	t->last_size = size;
	t->last_vcpu = vcpu;
	return v;
}

static void toy_write(void *opaque, unsigned int vcpu, uint64_t off,
		      unsigned int size, uint64_t v)
{
	struct toy *t = opaque;

	g_assert_cmpuint(off + size, <=, sizeof(t->reg));
	memcpy(t->reg + off, &v, size);
	t->writes++;
	t->last_off = off;
	t->last_size = size;
	t->last_vcpu = vcpu;
}

static const struct bus_io_ops toy_ops = { toy_read, toy_write };

static void test_add_rules(void)
{
	struct range_table t;
	struct toy a = { 0 };
	struct range r;

	range_table_init(&t, 0x10000);
	g_assert_cmpint(range_table_add(&t, 0x100, 16, &toy_ops, &a), ==, 0);
	/* Overlaps from below, inside, above, and exact duplicates. */
	g_assert_cmpint(range_table_add(&t, 0xf8, 9, &toy_ops, &a), ==, -EEXIST);
	g_assert_cmpint(range_table_add(&t, 0x104, 1, &toy_ops, &a), ==, -EEXIST);
	g_assert_cmpint(range_table_add(&t, 0x10f, 4, &toy_ops, &a), ==, -EEXIST);
	g_assert_cmpint(range_table_add(&t, 0x100, 16, &toy_ops, &a), ==, -EEXIST);
	/* Touching neighbours are fine. */
	g_assert_cmpint(range_table_add(&t, 0xf0, 16, &toy_ops, &a), ==, 0);
	g_assert_cmpint(range_table_add(&t, 0x110, 16, &toy_ops, &a), ==, 0);
	/* Empty, beyond the port space, missing ops. */
	g_assert_cmpint(range_table_add(&t, 0x200, 0, &toy_ops, &a), ==, -EINVAL);
	g_assert_cmpint(range_table_add(&t, 0xfff8, 9, &toy_ops, &a), ==, -EINVAL);
	g_assert_cmpint(range_table_add(&t, 0xfff8, 8, &toy_ops, &a), ==, 0);
	g_assert_cmpint(range_table_add(&t, 0x300, 4, NULL, &a), ==, -EINVAL);
	g_assert_cmpuint(t.nr, ==, 4);

	g_assert_nonnull(range_table_find(&t, 0x10f));
	g_assert_true(range_table_find(&t, 0x10f)->base == 0x100);
	g_assert_null(range_table_find(&t, 0x120));
	g_assert_cmpint(range_table_remove(&t, 0x104, NULL), ==, -ENOENT);
	g_assert_cmpint(range_table_remove(&t, 0x100, &r), ==, 0);
	g_assert_cmpuint(r.size, ==, 16);
	g_assert_null(range_table_find(&t, 0x105));
	g_assert_cmpint(range_table_remove(&t, 0x100, NULL), ==, -ENOENT);
	range_table_fini(&t);

	/* The 64-bit space: a range ending at the very top, and wrapping. */
	range_table_init(&t, 0);
	g_assert_cmpint(range_table_add(&t, ~0ull - 15, 16, &toy_ops, &a), ==, 0);
	g_assert_cmpint(range_table_add(&t, ~0ull - 3, 8, &toy_ops, &a), ==, -EINVAL);
	g_assert_nonnull(range_table_find(&t, ~0ull));
	range_table_fini(&t);
}

static void test_route(void)
{
	struct range_table t;
	struct toy a = { 0 }, b = { 0 };
	uint64_t v;

	range_table_init(&t, 0);
	g_assert_cmpint(range_table_add(&t, 0x1000, 16, &toy_ops, &a), ==, 0);
	g_assert_cmpint(range_table_add(&t, 0x1010, 16, &toy_ops, &b), ==, 0);

	/* Inside: one access of the full size at the right offset, with
	 * the accessing vCPU handed through as is. */
	g_assert_cmpuint(range_table_write(&t, 5, 0x1004, 4, 0x11223344), ==, 0);
	g_assert_cmpuint(a.writes, ==, 1);
	g_assert_cmpuint(a.last_off, ==, 4);
	g_assert_cmpuint(a.last_size, ==, 4);
	g_assert_cmpuint(a.last_vcpu, ==, 5);
	g_assert_cmpuint(range_table_read(&t, BUS_VCPU_NONE, 0x1004, 2, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x3344);
	g_assert_cmpuint(a.last_vcpu, ==, BUS_VCPU_NONE);
	/* Values are truncated to the access size both ways. */
	g_assert_cmpuint(range_table_write(&t, 0, 0x1008, 1, 0x1ff), ==, 0);
	g_assert_cmphex(a.reg[8], ==, 0xff);
	g_assert_cmphex(a.reg[9], ==, 0);
	g_assert_cmpuint(range_table_write(&t, 0, 0x1000, 8, 0x8877665544332211ull), ==, 0);
	g_assert_cmpuint(range_table_read(&t, 0, 0x1000, 8, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x8877665544332211ull);

	/* Straddling a's end into b: split into bytes, each to its owner,
	 * never an access crossing a range end. */
	a.writes = b.writes = 0;
	g_assert_cmpuint(range_table_write(&t, 3, 0x100e, 4, 0xddccbbaa), ==, 0);
	g_assert_cmpuint(a.writes, ==, 2);
	g_assert_cmpuint(b.writes, ==, 2);
	g_assert_cmpuint(a.last_vcpu, ==, 3);
	g_assert_cmpuint(b.last_vcpu, ==, 3);
	g_assert_cmphex(a.reg[14], ==, 0xaa);
	g_assert_cmphex(a.reg[15], ==, 0xbb);
	g_assert_cmphex(b.reg[0], ==, 0xcc);
	g_assert_cmphex(b.reg[1], ==, 0xdd);
	g_assert_cmpuint(range_table_read(&t, 0, 0x100e, 4, &v), ==, 0);
	g_assert_cmphex(v, ==, 0xddccbbaa);

	/* Straddling b's end into nothing: the missing bytes read 0xff and
	 * are counted; the writes to them go nowhere. */
	g_assert_cmpuint(range_table_read(&t, 0, 0x101e, 4, &v), ==, 2);
	g_assert_cmphex(v & 0xffff0000u, ==, 0xffff0000u);
	b.writes = 0;
	g_assert_cmpuint(range_table_write(&t, 0, 0x101e, 4, 0x12345678), ==, 2);
	g_assert_cmpuint(b.writes, ==, 2);
	g_assert_cmphex(b.reg[14], ==, 0x78);
	g_assert_cmphex(b.reg[15], ==, 0x56);

	/* Nothing at all: all-ones of the access size. */
	g_assert_cmpuint(range_table_read(&t, 0, 0x5000, 2, &v), ==, 2);
	g_assert_cmphex(v, ==, 0xffff);
	g_assert_cmpuint(range_table_read(&t, 0, 0x5000, 8, &v), ==, 8);
	g_assert_cmphex(v, ==, ~0ull);
	g_assert_cmpuint(range_table_write(&t, 0, 0x5000, 4, 1), ==, 4);
	range_table_fini(&t);
}

static void test_many(void)
{
	struct range_table t;
	struct toy a = { 0 };

	/* Inserted out of order, the table stays sorted and searchable. */
	range_table_init(&t, 0);
	for (unsigned int i = 0; i < 100; i++) {
		uint64_t base = ((i * 37) % 100) * 0x100;

		g_assert_cmpint(range_table_add(&t, base, 0x10, &toy_ops, &a), ==, 0);
	}
	for (unsigned int i = 0; i < 100; i++) {
		const struct range *r = range_table_find(&t, i * 0x100 + 0xf);

		g_assert_nonnull(r);
		g_assert_cmphex(r->base, ==, i * 0x100);
		g_assert_null(range_table_find(&t, i * 0x100 + 0x10));
	}
	for (unsigned int i = 0; i < 100; i += 2)
		g_assert_cmpint(range_table_remove(&t, i * 0x100, NULL), ==, 0);
	g_assert_cmpuint(t.nr, ==, 50);
	g_assert_null(range_table_find(&t, 0x200));
	g_assert_nonnull(range_table_find(&t, 0x300));
	range_table_fini(&t);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ioreq/range/add-rules", test_add_rules);
	g_test_add_func("/ioreq/range/route", test_route);
	g_test_add_func("/ioreq/range/many", test_many);
	return g_test_run();
}
