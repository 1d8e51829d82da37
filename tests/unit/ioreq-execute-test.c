/* SPDX-License-Identifier: MIT */
/*
 * ioreq_execute() on ioreqs Xen would only send for a broken or hostile
 * guest (the stand-in refuses to build them): bad sizes, zero and huge
 * counts, unknown types, address and buffer runs that wrap, a PCI config
 * access for another SBDF.  Each must complete (reads all-ones, writes
 * dropped), be counted, and never reach a handler or guest memory out of
 * bounds.  Also checks rep stepping on the private copy.  No Xen call is
 * made on these paths; guest memory is a memfd behind the real cache.
 */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioreq/ioreq-internal.h"

#define RAM_PAGES 16

static int ram_fd;
static unsigned int handler_calls;
static unsigned int handler_vcpu;	/* of the last handler call */
static uint8_t regs[64];

static void *ram_map(void *opaque, uint64_t gfn)
{
	void *p;

	if (gfn >= RAM_PAGES)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd,
		 (off_t)gfn * 4096);
	return p == MAP_FAILED ? NULL : p;
}

static void ram_unmap(void *opaque, void *va)
{
	munmap(va, 4096);
}

static const struct guestmem_backend ram_be = { ram_map, ram_unmap };

static uint64_t dev_read(void *opaque, unsigned int vcpu, uint64_t off,
			 unsigned int size)
{
	uint64_t v = 0;

	handler_calls++;
	handler_vcpu = vcpu;
	g_assert_cmpuint(off + size, <=, sizeof(regs));
	memcpy(&v, regs + off, size);
	return v;
}

static void dev_write(void *opaque, unsigned int vcpu, uint64_t off,
		      unsigned int size, uint64_t v)
{
	handler_calls++;
	handler_vcpu = vcpu;
	g_assert_cmpuint(off + size, <=, sizeof(regs));
	memcpy(regs + off, &v, size);
}

static const struct bus_io_ops dev_ops = { dev_read, dev_write };

static struct ioreq_server *server_new(void)
{
	struct ioreq_server *s = g_new0(struct ioreq_server, 1);

	ram_fd = memfd_create("ram", 0);
	g_assert_cmpint(ram_fd, >=, 0);
	g_assert_cmpint(ftruncate(ram_fd, RAM_PAGES * 4096), ==, 0);
	range_table_init(&s->pio, 0x10000);
	range_table_init(&s->mmio, 0);
	range_table_init(&s->pcicfg, IOREQ_PCI_CFG_SIZE);
	g_assert_cmpint(range_table_add(&s->pio, 0x100, sizeof(regs), &dev_ops, NULL), ==, 0);
	g_assert_cmpint(range_table_add(&s->mmio, 0xfe000000, sizeof(regs), &dev_ops, NULL), ==, 0);
	g_assert_cmpint(guestmem_init(&s->mem, 8, &ram_be, NULL), ==, 0);
	memset(regs, 0x5a, sizeof(regs));
	handler_calls = 0;
	return s;
}

static void server_free(struct ioreq_server *s)
{
	guestmem_fini(&s->mem);
	range_table_fini(&s->pio);
	range_table_fini(&s->mmio);
	range_table_fini(&s->pcicfg);
	close(ram_fd);
	g_free(s);
}

static ioreq_t mk(uint8_t type, uint8_t dir, uint64_t addr, uint32_t size,
		  uint32_t count, bool ptr, bool df, uint64_t data)
{
	ioreq_t r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.dir = dir;
	r.addr = addr;
	r.size = size;
	r.count = count;
	r.data_is_ptr = ptr;
	r.df = df;
	r.data = data;
	r.state = STATE_IOREQ_INPROCESS;
	return r;
}

static void test_bad_sizes(void)
{
	struct ioreq_server *s = server_new();
	static const uint32_t bad[] = { 0, 3, 5, 6, 7, 9, 16, 0xffffffffu };

	for (unsigned int i = 0; i < G_N_ELEMENTS(bad); i++) {
		ioreq_t r = mk(IOREQ_TYPE_PIO, IOREQ_READ, 0x100, bad[i], 1, false, false, 0);

		ioreq_execute(s, 0, &r);
		g_assert_cmphex(r.data, ==, ~0ull);
		r = mk(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe000000, bad[i], 1, false, false, 0);
		ioreq_execute(s, 0, &r);
	}
	g_assert_cmpuint(handler_calls, ==, 0);
	g_assert_cmpuint(s->st.bad_ioreqs, ==, 2 * G_N_ELEMENTS(bad));
	server_free(s);
}

static void test_bad_counts_and_runs(void)
{
	struct ioreq_server *s = server_new();
	ioreq_t r;

	/* Zero count. */
	r = mk(IOREQ_TYPE_PIO, IOREQ_READ, 0x100, 4, 0, false, false, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmphex(r.data, ==, 0xffffffff);
	/* 4G elements of 8 bytes: refused, not looped over. */
	r = mk(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x100, 8, 0xffffffffu, true, false, 0);
	ioreq_execute(s, 0, &r);
	/* One repetition more than Xen ever sends (4096): refused too. */
	r = mk(IOREQ_TYPE_PIO, IOREQ_READ, 0x100, 1, 4097, false, false, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmphex(r.data, ==, 0xff);
	/* MMIO run wrapping the top of the address space, both ways. */
	r = mk(IOREQ_TYPE_COPY, IOREQ_WRITE, ~0ull - 7, 8, 2, false, false, 1);
	ioreq_execute(s, 0, &r);
	r = mk(IOREQ_TYPE_COPY, IOREQ_READ, 8, 8, 3, false, true, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmphex(r.data, ==, ~0ull);
	/* Buffer run wrapping. */
	r = mk(IOREQ_TYPE_PIO, IOREQ_READ, 0x100, 4, 4, true, true, 4);
	ioreq_execute(s, 0, &r);
	r = mk(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x100, 4, 4, true, false, ~0ull - 4);
	ioreq_execute(s, 0, &r);
	/* Unknown type. */
	r = mk(5, IOREQ_READ, 0x100, 4, 1, false, false, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmphex(r.data, ==, 0xffffffff);

	g_assert_cmpuint(handler_calls, ==, 0);
	g_assert_cmpuint(s->st.bad_ioreqs, ==, 8);
	/* Xen's largest is served, every element. */
	r = mk(IOREQ_TYPE_PIO, IOREQ_READ, 0x100, 1, 4096, false, false, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmpuint(handler_calls, ==, 4096);
	g_assert_cmpuint(s->st.bad_ioreqs, ==, 8);
	server_free(s);
}

static void test_pci_other_sbdf(void)
{
	struct ioreq_server *s = server_new();
	ioreq_t r;

	g_assert_cmpint(range_table_add(&s->pcicfg, 0, IOREQ_PCI_CFG_SIZE, &dev_ops, NULL), ==, 0);
	s->pci_claimed = true;
	s->pci_sbdf = 0x28;	/* 00:05.0 */
	r = mk(IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, (0x30ull << 32) | 4, 4, 1, false, false, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmphex(r.data, ==, 0xffffffff);
	g_assert_cmpuint(handler_calls, ==, 0);
	g_assert_cmpuint(s->st.unclaimed, ==, 1);
	/* Ours: the register in the low half reaches the handler. */
	r = mk(IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, (0x28ull << 32) | 4, 2, 1, false, false, 0);
	ioreq_execute(s, 2, &r);
	g_assert_cmphex(r.data, ==, 0x5a5a);
	g_assert_cmpuint(handler_calls, ==, 1);
	g_assert_cmpuint(handler_vcpu, ==, 2);
	/* Register beyond config space: unclaimed bytes. */
	r = mk(IOREQ_TYPE_PCI_CONFIG, IOREQ_READ, (0x28ull << 32) | 0x2000, 4, 1, false, false, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmphex(r.data, ==, 0xffffffff);
	server_free(s);
}

static void test_rep_steps(void)
{
	struct ioreq_server *s = server_new();
	uint8_t buf[32];
	ioreq_t r;

	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	/* Buffer straddles gfn 1/2, df: the first element is the highest. */
	g_assert_cmpint(pwrite(ram_fd, buf, sizeof(buf), 0x2000 - 16), ==, (ssize_t)sizeof(buf));
	r = mk(IOREQ_TYPE_COPY, IOREQ_WRITE, 0xfe000000 + 28, 4, 8, true, true, 0x2000 - 16 + 28);
	ioreq_execute(s, 6, &r);
	g_assert_cmpmem(regs, 32, buf, 32);
	g_assert_cmpuint(handler_calls, ==, 8);
	/* Every element reaches the device as the vCPU that made it. */
	g_assert_cmpuint(handler_vcpu, ==, 6);
	/* Data is truncated to the size for writes. */
	r = mk(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x100 + 40, 2, 1, false, false, 0x123456789ull);
	ioreq_execute(s, BUS_VCPU_NONE, &r);
	g_assert_cmpuint(handler_vcpu, ==, BUS_VCPU_NONE);
	g_assert_cmphex(regs[40] | regs[41] << 8, ==, 0x6789);
	g_assert_cmphex(regs[42], ==, 0x5a);
	/* Rep buffer beyond RAM: stops, counts, answers. */
	r = mk(IOREQ_TYPE_PIO, IOREQ_READ, 0x100, 1, 4, true, false, RAM_PAGES * 4096ull - 2);
	handler_calls = 0;
	ioreq_execute(s, 0, &r);
	g_assert_cmpuint(handler_calls, ==, 3);	/* 2 stored, 3rd read then fault */
	g_assert_cmpuint(s->st.bad_ioreqs, ==, 1);
	/* INVALIDATE drops every mapping; TIMEOFFSET is accepted. */
	g_assert_cmpuint(guestmem_nr_mapped(&s->mem), >, 0);
	r = mk(IOREQ_TYPE_INVALIDATE, IOREQ_WRITE, 0, 0, 0, false, false, 0);
	ioreq_execute(s, 0, &r);
	g_assert_cmpuint(guestmem_nr_mapped(&s->mem), ==, 0);
	r = mk(IOREQ_TYPE_TIMEOFFSET, IOREQ_WRITE, 0, 8, 1, false, false, 3600);
	ioreq_execute(s, 0, &r);
	g_assert_cmpuint(s->st.timeoffsets, ==, 1);
	g_assert_cmpuint(s->st.bad_ioreqs, ==, 1);
	server_free(s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ioreq/execute/bad-sizes", test_bad_sizes);
	g_test_add_func("/ioreq/execute/bad-counts-and-runs", test_bad_counts_and_runs);
	g_test_add_func("/ioreq/execute/pci-other-sbdf", test_pci_other_sbdf);
	g_test_add_func("/ioreq/execute/rep-steps", test_rep_steps);
	return g_test_run();
}
