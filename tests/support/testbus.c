/* SPDX-License-Identifier: MIT */
/*
 * In-memory bus for tests and the fuzzer; see testbus.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/testbus.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int tb_map_range(void *priv, unsigned int space, uint64_t base,
			uint64_t size, const struct bus_io_ops *ops,
			void *opaque)
{
	struct testbus *tb = priv;
	struct testbus_range *r;

	if ((space != BUS_SPACE_PIO && space != BUS_SPACE_MMIO) || !size ||
	    base + size < base || !ops)
		return -EINVAL;
	if (space == BUS_SPACE_PIO && base + size > 0x10000)
		return -EINVAL;
	for (unsigned int i = 0; i < tb->nr_ranges; i++)
		if (tb->range[i].space == space &&
		    overlaps(base, size, tb->range[i].base, tb->range[i].size))
			return -EEXIST;
	if (tb->nr_ranges == TESTBUS_MAX_RANGES)
		return -ENOSPC;
	r = &tb->range[tb->nr_ranges++];
	r->space = space;
	r->base = base;
	r->size = size;
	r->ops = ops;
	r->opaque = opaque;
	return 0;
}

static int tb_unmap_range(void *priv, unsigned int space, uint64_t base)
{
	struct testbus *tb = priv;

	for (unsigned int i = 0; i < tb->nr_ranges; i++) {
		if (tb->range[i].space != space || tb->range[i].base != base)
			continue;
		tb->range[i] = tb->range[--tb->nr_ranges];
		return 0;
	}
	return -ENOENT;
}

static int tb_claim_pci(void *priv, uint16_t segment, uint8_t bus_nr,
			uint8_t devfn, const struct bus_io_ops *cfg_ops,
			void *opaque)
{
	struct testbus *tb = priv;

	if (tb->claim_error)
		return tb->claim_error;
	if (tb->claimed)
		return -EBUSY;
	tb->claimed = true;
	tb->segment = segment;
	tb->bus_nr = bus_nr;
	tb->devfn = devfn;
	tb->cfg_ops = cfg_ops;
	tb->cfg_opaque = opaque;
	return 0;
}

static int tb_set_intx(void *priv, unsigned int level)
{
	struct testbus *tb = priv;

	tb->intx = level;
	tb->intx_calls++;
	return 0;
}

static int tb_inject_msi(void *priv, uint64_t addr, uint32_t data)
{
	struct testbus *tb = priv;

	tb->msi_count++;
	tb->msi_addr = addr;
	tb->msi_data = data;
	return 0;
}

/* Walk [gpa, gpa + len) region by region; fails on the first hole. */
static int tb_copy(struct testbus *tb, uint64_t gpa, uint8_t *buf,
		   size_t len, bool write)
{
	while (len) {
		struct testbus_ram *r = NULL;
		uint64_t n;

		for (unsigned int i = 0; i < tb->nr_ram; i++)
			if (gpa >= tb->ram[i].base &&
			    gpa - tb->ram[i].base < tb->ram[i].size)
				r = &tb->ram[i];
		if (!r)
			return -EFAULT;
		n = r->base + r->size - gpa;
		if (n > len)
			n = len;
		if (write)
			memcpy(r->mem + (gpa - r->base), buf, n);
		else
			memcpy(buf, r->mem + (gpa - r->base), n);
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int tb_read_guest(void *priv, uint64_t gpa, void *buf, size_t len)
{
	struct testbus *tb = priv;
	int rc = tb_copy(tb, gpa, buf, len, false);

	if (rc == 0) {
		tb->guest_reads++;
		if (tb->after_read)
			tb->after_read(tb, gpa, len, tb->after_read_opaque);
	}
	return rc;
}

static int tb_write_guest(void *priv, uint64_t gpa, const void *buf,
			  size_t len)
{
	return tb_copy(priv, gpa, (uint8_t *)buf, len, true);
}

#define TB_VIEW_PAGE 4096u

static size_t tb_guest_view(void *priv, uint64_t gpa, uint8_t **p)
{
	struct testbus *tb = priv;
	uint64_t n;

	if (tb->after_read)
		return 0;
	for (unsigned int i = 0; i < tb->nr_ram; i++) {
		struct testbus_ram *r = &tb->ram[i];

		if (gpa < r->base || gpa - r->base >= r->size)
			continue;
		/* To the end of the page, or of the region if sooner. */
		n = TB_VIEW_PAGE - (gpa & (TB_VIEW_PAGE - 1));
		if (n > r->base + r->size - gpa)
			n = r->base + r->size - gpa;
		*p = r->mem + (gpa - r->base);
		tb->guest_views++;
		return (size_t)n;
	}
	return 0;
}

static unsigned int tb_nr_vcpus(void *priv)
{
	const struct testbus *tb = priv;

	return tb->nr_vcpus;
}

static const struct bus_ops testbus_ops = {
	.map_range = tb_map_range,
	.unmap_range = tb_unmap_range,
	.claim_pci = tb_claim_pci,
	.set_intx = tb_set_intx,
	.inject_msi = tb_inject_msi,
	.read_guest = tb_read_guest,
	.write_guest = tb_write_guest,
	.guest_view = tb_guest_view,
	.nr_vcpus = tb_nr_vcpus,
};

void testbus_init(struct testbus *tb)
{
	memset(tb, 0, sizeof(*tb));
	tb->bus.ops = &testbus_ops;
	tb->bus.priv = tb;
	tb->nr_vcpus = TESTBUS_NR_VCPUS;
}

void testbus_fini(struct testbus *tb)
{
	for (unsigned int i = 0; i < tb->nr_ram; i++)
		free(tb->ram[i].mem);
	tb->nr_ram = 0;
}

int testbus_add_ram(struct testbus *tb, uint64_t base, uint64_t size)
{
	struct testbus_ram *r;

	if (!size || base + size < base || tb->nr_ram == TESTBUS_MAX_RAM ||
	    size > TESTBUS_MAX_RAM_BYTES - tb->ram_bytes)
		return -EINVAL;
	for (unsigned int i = 0; i < tb->nr_ram; i++)
		if (overlaps(base, size, tb->ram[i].base, tb->ram[i].size))
			return -EINVAL;
	r = &tb->ram[tb->nr_ram];
	r->mem = calloc(1, size);
	if (!r->mem)
		return -ENOMEM;
	r->base = base;
	r->size = size;
	tb->nr_ram++;
	tb->ram_bytes += size;
	return 0;
}

void *testbus_ram(struct testbus *tb, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < tb->nr_ram; i++) {
		struct testbus_ram *r = &tb->ram[i];

		if (gpa >= r->base && gpa - r->base < r->size &&
		    len <= r->size - (gpa - r->base))
			return r->mem + (gpa - r->base);
	}
	return NULL;
}

uint64_t testbus_cfg_read(struct testbus *tb, uint64_t off, unsigned int size)
{
	if (!tb->claimed || off >= 4096 || size > 4096 - off)
		return ~0ull;
	return tb->cfg_ops->read(tb->cfg_opaque, tb->vcpu, off, size);
}

void testbus_cfg_write(struct testbus *tb, uint64_t off, unsigned int size,
		       uint64_t value)
{
	if (!tb->claimed || off >= 4096 || size > 4096 - off)
		return;
	tb->cfg_ops->write(tb->cfg_opaque, tb->vcpu, off, size, value);
}

const struct testbus_range *testbus_find(const struct testbus *tb,
					 unsigned int space, uint64_t addr)
{
	for (unsigned int i = 0; i < tb->nr_ranges; i++)
		if (tb->range[i].space == space && addr >= tb->range[i].base &&
		    addr - tb->range[i].base < tb->range[i].size)
			return &tb->range[i];
	return NULL;
}

static bool size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

bool testbus_io_read(struct testbus *tb, unsigned int space, uint64_t addr,
		     unsigned int size, uint64_t *value)
{
	const struct testbus_range *r = testbus_find(tb, space, addr);

	*value = ~0ull;
	if (!r || !size_ok(size) || size > r->size - (addr - r->base))
		return false;
	*value = r->ops->read(r->opaque, tb->vcpu, addr - r->base, size);
	return true;
}

bool testbus_io_write(struct testbus *tb, unsigned int space, uint64_t addr,
		      unsigned int size, uint64_t value)
{
	const struct testbus_range *r = testbus_find(tb, space, addr);

	if (!r || !size_ok(size) || size > r->size - (addr - r->base))
		return false;
	r->ops->write(r->opaque, tb->vcpu, addr - r->base, size, value);
	return true;
}
