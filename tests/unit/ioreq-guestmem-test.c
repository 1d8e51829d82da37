/* SPDX-License-Identifier: MIT */
/*
 * The guest page cache: bounded size, LRU eviction, cross-page copies,
 * holes give -EFAULT and are not cached, a view is the cached page itself,
 * invalidation drops every mapping so a replaced page is seen.  The backend here maps pages of a
 * private "guest RAM" with mmap, one real mapping per page, so a stale
 * mapping keeps showing the old page exactly as a foreign mapping does.
 */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioreq/guestmem.h"

#define RAM_PAGES 256

struct ram {
	int fd;				/* memfd: page i at offset i*4096 */
	bool hole[RAM_PAGES];
	unsigned int maps, unmaps, live;
};

static void *ram_map(void *opaque, uint64_t gfn)
{
	struct ram *r = opaque;
	void *p;

	if (gfn >= RAM_PAGES || r->hole[gfn])
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		 (off_t)gfn * 4096);
	g_assert_true(p != MAP_FAILED);
	r->maps++;
	r->live++;
	return p;
}

static void ram_unmap(void *opaque, void *va)
{
	struct ram *r = opaque;

	g_assert_cmpint(munmap(va, 4096), ==, 0);
	r->unmaps++;
	r->live--;
}

static const struct guestmem_backend ram_be = { ram_map, ram_unmap };

static void ram_init(struct ram *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = memfd_create("guest-ram", 0);
	g_assert_cmpint(r->fd, >=, 0);
	g_assert_cmpint(ftruncate(r->fd, RAM_PAGES * 4096), ==, 0);
}

/* The guest's own view (what xensim_ram_write does). */
static void ram_poke(struct ram *r, uint64_t gpa, const void *buf, size_t n)
{
	g_assert_cmpint(pwrite(r->fd, buf, n, (off_t)gpa), ==, (ssize_t)n);
}

static void test_basic(void)
{
	struct ram r;
	struct guestmem gm;
	char buf[64];

	ram_init(&r);
	g_assert_cmpint(guestmem_init(&gm, 0, &ram_be, &r), ==, -EINVAL);
	g_assert_cmpint(guestmem_init(&gm, 4, &ram_be, &r), ==, 0);

	ram_poke(&r, 0x1ff8, "ABCDEFGHIJKLMNOP", 16);
	/* Crosses from gfn 1 into gfn 2. */
	g_assert_cmpint(guestmem_read(&gm, 0x1ff8, buf, 16), ==, 0);
	g_assert_cmpmem(buf, 16, "ABCDEFGHIJKLMNOP", 16);
	g_assert_cmpuint(r.maps, ==, 2);
	/* Cached now. */
	g_assert_cmpint(guestmem_read(&gm, 0x1ffc, buf, 8), ==, 0);
	g_assert_cmpuint(r.maps, ==, 2);
	g_assert_cmpuint(gm.st.hits, ==, 2);
	/* A write is seen by the guest. */
	g_assert_cmpint(guestmem_write(&gm, 0x1ffe, "xy", 2), ==, 0);
	g_assert_cmpint(pread(r.fd, buf, 4, 0x1ffd), ==, 4);
	g_assert_cmpmem(buf, 4, "FxyI", 4);
	/* Zero length touches nothing. */
	g_assert_cmpint(guestmem_read(&gm, 0xdead000000ull, buf, 0), ==, 0);

	guestmem_fini(&gm);
	g_assert_cmpuint(r.live, ==, 0);
	close(r.fd);
}

static void test_bounded_lru(void)
{
	struct ram r;
	struct guestmem gm;
	uint8_t b;

	ram_init(&r);
	g_assert_cmpint(guestmem_init(&gm, 4, &ram_be, &r), ==, 0);
	for (uint64_t g = 0; g < 4; g++)
		g_assert_cmpint(guestmem_read(&gm, g << 12, &b, 1), ==, 0);
	g_assert_cmpuint(guestmem_nr_mapped(&gm), ==, 4);
	/* Touch 0 so 1 becomes the oldest; mapping 10 evicts 1. */
	g_assert_cmpint(guestmem_read(&gm, 0, &b, 1), ==, 0);
	g_assert_cmpint(guestmem_read(&gm, 10 << 12, &b, 1), ==, 0);
	g_assert_cmpuint(gm.st.evictions, ==, 1);
	g_assert_cmpuint(r.live, ==, 4);
	r.maps = 0;
	g_assert_cmpint(guestmem_read(&gm, 0, &b, 1), ==, 0);
	g_assert_cmpuint(r.maps, ==, 0);
	g_assert_cmpint(guestmem_read(&gm, 1 << 12, &b, 1), ==, 0);
	g_assert_cmpuint(r.maps, ==, 1);

	/* Never more than the bound, whatever the pattern. */
	for (unsigned int i = 0; i < 5000; i++) {
		uint64_t g = (i * 7919u) % RAM_PAGES;

		g_assert_cmpint(guestmem_read(&gm, g << 12, &b, 1), ==, 0);
		g_assert_cmpuint(r.live, <=, 4);
	}
	guestmem_fini(&gm);
	g_assert_cmpuint(r.live, ==, 0);
	close(r.fd);
}

static void test_holes(void)
{
	struct ram r;
	struct guestmem gm;
	char buf[8192];

	ram_init(&r);
	g_assert_cmpint(guestmem_init(&gm, 8, &ram_be, &r), ==, 0);
	r.hole[5] = true;
	g_assert_cmpint(guestmem_read(&gm, 5 << 12, buf, 1), ==, -EFAULT);
	/* Straddling into the hole fails too. */
	g_assert_cmpint(guestmem_read(&gm, (5 << 12) - 4, buf, 8), ==, -EFAULT);
	g_assert_cmpint(guestmem_write(&gm, (4 << 12) + 4000, buf, 200), ==, -EFAULT);
	/* Beyond RAM, and a range that wraps the address space. */
	g_assert_cmpint(guestmem_read(&gm, (uint64_t)RAM_PAGES << 12, buf, 1), ==, -EFAULT);
	g_assert_cmpint(guestmem_read(&gm, ~0ull - 2, buf, 8), ==, -EFAULT);
	g_assert_cmpuint(gm.st.faults, >=, 4);
	/* Failures are not cached: populate it and it works. */
	r.hole[5] = false;
	g_assert_cmpint(guestmem_read(&gm, (5 << 12) - 4, buf, 8), ==, 0);
	guestmem_fini(&gm);
	g_assert_cmpuint(r.live, ==, 0);
	close(r.fd);
}

static void test_invalidate(void)
{
	struct ram r;
	struct guestmem gm;
	char buf[8];
	int oldfd;

	ram_init(&r);
	g_assert_cmpint(guestmem_init(&gm, 8, &ram_be, &r), ==, 0);
	ram_poke(&r, 0x3000, "old page", 8);
	g_assert_cmpint(guestmem_read(&gm, 0x3000, buf, 8), ==, 0);
	g_assert_cmpmem(buf, 8, "old page", 8);

	/* The guest balloons the page out and gets a new one: model it as
	 * new RAM backing; the cached mapping still shows the old page. */
	oldfd = r.fd;
	ram_init(&r);
	ram_poke(&r, 0x3000, "new page", 8);
	g_assert_cmpint(guestmem_read(&gm, 0x3000, buf, 8), ==, 0);
	g_assert_cmpmem(buf, 8, "old page", 8);

	r.live = 1;	/* the old mapping is still ours to drop */
	guestmem_invalidate(&gm);
	g_assert_cmpuint(guestmem_nr_mapped(&gm), ==, 0);
	g_assert_cmpuint(r.live, ==, 0);
	g_assert_cmpint(guestmem_read(&gm, 0x3000, buf, 8), ==, 0);
	g_assert_cmpmem(buf, 8, "new page", 8);
	guestmem_fini(&gm);
	close(oldfd);
	close(r.fd);
}

/* A view is the cached mapping itself: to the end of its page, the
 * guest's writes seen through it and its writes seen by the guest; a hole
 * has none and is not cached. */
static void test_view(void)
{
	struct ram r;
	struct guestmem gm;
	uint8_t *v = NULL, *v2 = NULL;
	char buf[8];

	ram_init(&r);
	g_assert_cmpint(guestmem_init(&gm, 4, &ram_be, &r), ==, 0);
	ram_poke(&r, 0x2ff0, "viewview", 8);
	g_assert_cmpuint(guestmem_view(&gm, 0x2ff0, &v), ==, 0x10);
	g_assert_cmpmem(v, 8, "viewview", 8);
	g_assert_cmpuint(r.maps, ==, 1);
	/* The same page again: no new mapping, the same memory. */
	g_assert_cmpuint(guestmem_view(&gm, 0x2000, &v2), ==, 4096);
	g_assert_cmpuint(r.maps, ==, 1);
	g_assert_true(v2 + 0xff0 == v);
	ram_poke(&r, 0x2ff0, "guest", 5);
	g_assert_cmpmem(v, 5, "guest", 5);
	memcpy(v + 8, "host", 4);
	g_assert_cmpint(pread(r.fd, buf, 4, 0x2ff8), ==, 4);
	g_assert_cmpmem(buf, 4, "host", 4);
	/* The last byte of a page: one byte of view. */
	g_assert_cmpuint(guestmem_view(&gm, 0x2fff, &v), ==, 1);
	/* Holes and beyond RAM: no view, nothing cached. */
	r.hole[7] = true;
	g_assert_cmpuint(guestmem_view(&gm, 0x7000, &v), ==, 0);
	g_assert_cmpuint(guestmem_view(&gm, (uint64_t)RAM_PAGES << 12, &v),
			 ==, 0);
	g_assert_cmpuint(guestmem_nr_mapped(&gm), ==, 1);
	guestmem_fini(&gm);
	g_assert_cmpuint(r.live, ==, 0);
	close(r.fd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ioreq/guestmem/basic", test_basic);
	g_test_add_func("/ioreq/guestmem/bounded-lru", test_bounded_lru);
	g_test_add_func("/ioreq/guestmem/holes", test_holes);
	g_test_add_func("/ioreq/guestmem/invalidate", test_invalidate);
	g_test_add_func("/ioreq/guestmem/view", test_view);
	return g_test_run();
}
