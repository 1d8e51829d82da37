/* SPDX-License-Identifier: MIT */
/*
 * The buffered ioreq ring: decoding, 8-byte two-slot writes, wrap-around,
 * ATOMIC-mode pointer canonicalisation racing with the consumer, and a
 * corrupt page.  The producer below follows Xen 4.17's
 * ioreq_send_buffered() (xen/common/ioreq.c) step by step.
 */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <xendevicemodel.h>
#include <xen/hvm/ioreq.h>

#include "ioreq/bufring.h"

union ptrs {
	struct {
		uint32_t read_pointer;
		uint32_t write_pointer;
	};
	uint64_t full;
};

/* Xen's side.  Returns 0 or -EAGAIN (ring full: Xen would fall back to a
 * synchronous ioreq). */
static int xen_push(void *page, uint8_t type, uint32_t addr, unsigned int size,
		    uint64_t data)
{
	buffered_iopage_t *pg = page;
	union ptrs *p = page;
	buf_ioreq_t bp = { .type = type, .dir = IOREQ_WRITE, .addr = addr };
	int qw = 0;

	switch (size) {
	case 1: bp.size = 0; break;
	case 2: bp.size = 1; break;
	case 4: bp.size = 2; break;
	case 8: bp.size = 3; qw = 1; break;
	default: return -EINVAL;
	}
	bp.data = (uint32_t)data;
	if (__atomic_load_n(&p->write_pointer, __ATOMIC_RELAXED) -
	    __atomic_load_n(&p->read_pointer, __ATOMIC_ACQUIRE) >=
	    (uint32_t)(IOREQ_BUFFER_SLOT_NUM - qw))
		return -EAGAIN;
	pg->buf_ioreq[p->write_pointer % IOREQ_BUFFER_SLOT_NUM] = bp;
	if (qw) {
		bp.data = (uint32_t)(data >> 32);
		pg->buf_ioreq[(p->write_pointer + 1) % IOREQ_BUFFER_SLOT_NUM] = bp;
	}
	/* smp_wmb(); write_pointer += qw + 1: one atomic add here, since the
	 * consumer's add to read_pointer shares the 64-bit word. */
	__atomic_fetch_add(&p->write_pointer, qw + 1, __ATOMIC_RELEASE);

	/* Canonicalise read/write pointers to prevent their overflow. */
	while (qw++ < IOREQ_BUFFER_SLOT_NUM &&
	       __atomic_load_n(&p->read_pointer, __ATOMIC_RELAXED) >=
		       IOREQ_BUFFER_SLOT_NUM) {
		union ptrs old, new;
		unsigned int n;

		old.full = __atomic_load_n(&p->full, __ATOMIC_RELAXED);
		n = old.read_pointer / IOREQ_BUFFER_SLOT_NUM;
		new.read_pointer = old.read_pointer - n * IOREQ_BUFFER_SLOT_NUM;
		new.write_pointer = old.write_pointer - n * IOREQ_BUFFER_SLOT_NUM;
		__atomic_compare_exchange_n(&p->full, &old.full, new.full, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	return 0;
}

struct seen {
	struct bufring_req r[2048];
	unsigned int n;
};

static void record(void *opaque, const struct bufring_req *req)
{
	struct seen *s = opaque;

	g_assert_cmpuint(s->n, <, G_N_ELEMENTS(s->r));
	s->r[s->n++] = *req;
}

static void *page_new(void)
{
	void *p = aligned_alloc(4096, 4096);

	g_assert_nonnull(p);
	memset(p, 0, 4096);
	return p;
}

static void test_decode(void)
{
	void *page = page_new();
	struct seen s = { .n = 0 };

	g_assert_cmpint(bufring_drain(page, record, &s), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_PIO, 0x3f8, 1, 0x41), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_COPY, 0xa0000, 2, 0xbeef), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_COPY, 0xfffff, 4, 0xdeadbeef), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_COPY, 0xb8000, 8, 0x0123456789abcdefull), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_TIMEOFFSET, 0, 8, (uint64_t)-3600), ==, 0);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 5);
	g_assert_cmpuint(s.n, ==, 5);

	g_assert_cmpuint(s.r[0].type, ==, IOREQ_TYPE_PIO);
	g_assert_cmphex(s.r[0].addr, ==, 0x3f8);
	g_assert_cmpuint(s.r[0].size, ==, 1);
	g_assert_cmphex(s.r[0].data, ==, 0x41);
	g_assert_cmpuint(s.r[0].dir, ==, IOREQ_WRITE);
	g_assert_cmphex(s.r[1].addr, ==, 0xa0000);
	g_assert_cmpuint(s.r[1].size, ==, 2);
	g_assert_cmphex(s.r[1].data, ==, 0xbeef);
	g_assert_cmphex(s.r[2].addr, ==, 0xfffff);
	g_assert_cmphex(s.r[2].data, ==, 0xdeadbeef);
	/* Two slots, high half from the second. */
	g_assert_cmpuint(s.r[3].size, ==, 8);
	g_assert_cmphex(s.r[3].data, ==, 0x0123456789abcdefull);
	g_assert_cmpuint(s.r[4].type, ==, IOREQ_TYPE_TIMEOFFSET);
	g_assert_cmpint((int64_t)s.r[4].data, ==, -3600);

	/* Consumed: 1 + 1 + 1 + 2 + 2 slots. */
	g_assert_cmpuint(((union ptrs *)page)->read_pointer, ==, 7);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 0);
	free(page);
}

static void test_wrap_and_full(void)
{
	void *page = page_new();
	struct seen s = { .n = 0 };
	unsigned int pushed = 0;

	/* Fill it: 510 single slots + one 8-byte needs 2 -> refused when
	 * only one slot is left, as Xen refuses. */
	for (unsigned int i = 0; i < 510; i++, pushed++)
		g_assert_cmpint(xen_push(page, IOREQ_TYPE_PIO, i, 4, i), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_PIO, 0, 8, 1), ==, -EAGAIN);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_PIO, 510, 4, 510), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_PIO, 0, 1, 1), ==, -EAGAIN);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 511);
	for (unsigned int i = 0; i < 511; i++)
		g_assert_cmphex(s.r[i].data, ==, i);

	/* Across the end of the slot array: an 8-byte write whose halves
	 * sit in slot 510 and slot 0. */
	s.n = 0;
	for (unsigned int i = 0; i < 509; i++)
		g_assert_cmpint(xen_push(page, IOREQ_TYPE_PIO, 1, 1, i & 0xff), ==, 0);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 509);
	/* read_pointer was canonicalised by the producer along the way. */
	g_assert_cmpuint(((union ptrs *)page)->read_pointer % 511, ==, (511 + 509) % 511);
	s.n = 0;
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_COPY, 0x10, 1, 7), ==, 0);
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_COPY, 0x20, 8, 0xfeedfacecafef00dull), ==, 0);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 2);
	g_assert_cmphex(s.r[1].data, ==, 0xfeedfacecafef00dull);
	g_assert_cmphex(s.r[1].addr, ==, 0x20);
	free(page);
}

static void test_corrupt(void)
{
	void *page = page_new();
	union ptrs *p = page;
	struct seen s = { .n = 0 };

	/* More outstanding than the ring holds: refuse, resync, no read
	 * beyond the page. */
	p->read_pointer = 5;
	p->write_pointer = 5 + 600;
	g_assert_cmpint(bufring_drain(page, record, &s), ==, -EPROTO);
	g_assert_cmpuint(s.n, ==, 0);
	g_assert_cmpuint(p->read_pointer, ==, p->write_pointer);
	/* write behind read (wraps to a huge distance) likewise. */
	p->read_pointer = 10;
	p->write_pointer = 3;
	g_assert_cmpint(bufring_drain(page, record, &s), ==, -EPROTO);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 0);
	/* A lone first half of an 8-byte write is left for later. */
	g_assert_cmpint(xen_push(page, IOREQ_TYPE_PIO, 0, 8, 0x100000002ull), ==, 0);
	__atomic_fetch_sub(&p->write_pointer, 1, __ATOMIC_SEQ_CST);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 0);
	__atomic_fetch_add(&p->write_pointer, 1, __ATOMIC_SEQ_CST);
	g_assert_cmpint(bufring_drain(page, record, &s), ==, 1);
	g_assert_cmphex(s.r[0].data, ==, 0x100000002ull);
	free(page);
}

/* A Xen thread pushing while we drain: every request arrives exactly once
 * and in order, across many canonicalisations. */
#define RACE_N 200000u

struct race {
	void *page;
	uint32_t next;		/* next sequence number expected */
	bool bad;
};

static void *producer(void *arg)
{
	struct race *r = arg;

	for (uint32_t i = 0; i < RACE_N;) {
		/* Every 3rd request is an 8-byte one. */
		unsigned int size = i % 3 == 0 ? 8 : 4;
		uint64_t data = size == 8 ? ((uint64_t)~i << 32) | i : i;

		if (xen_push(r->page, IOREQ_TYPE_PIO, i & 0xfffff, size, data) == 0)
			i++;
		else
			sched_yield();
	}
	return NULL;
}

static void check_seq(void *opaque, const struct bufring_req *req)
{
	struct race *r = opaque;
	uint32_t i = r->next++;
	uint64_t want = i % 3 == 0 ? ((uint64_t)~i << 32) | i : i;

	if (req->data != want || req->size != (i % 3 == 0 ? 8u : 4u) ||
	    req->addr != (i & 0xfffff))
		r->bad = true;
}

static void test_race(void)
{
	struct race r = { .page = page_new(), .next = 0, .bad = false };
	pthread_t th;

	g_assert_cmpint(pthread_create(&th, NULL, producer, &r), ==, 0);
	while (r.next < RACE_N && !r.bad) {
		int rc = bufring_drain(r.page, check_seq, &r);

		g_assert_cmpint(rc, >=, 0);
		if (rc == 0)
			sched_yield();
	}
	g_assert_cmpint(pthread_join(th, NULL), ==, 0);
	g_assert_false(r.bad);
	g_assert_cmpuint(r.next, ==, RACE_N);
	g_assert_cmpint(bufring_drain(r.page, check_seq, &r), ==, 0);
	free(r.page);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ioreq/bufring/decode", test_decode);
	g_test_add_func("/ioreq/bufring/wrap-and-full", test_wrap_and_full);
	g_test_add_func("/ioreq/bufring/corrupt", test_corrupt);
	g_test_add_func("/ioreq/bufring/race-with-canonicalisation", test_race);
	return g_test_run();
}
