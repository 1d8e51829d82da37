/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "hint": how long an administrator's display
 * hint takes to reach the guest.  The timing loop writes the hint with
 * libxenstore's xs_write (what xenstore-write does, without a process
 * start per hint) and measures, per hint:
 *
 *   irq   xs_write issued -> the guest sees INTA# asserted
 *   read  xs_write issued -> the guest holds the new hint (hvmlinkd: after
 *         ACK_EVENTS and GET_DISPLAY_HINT; floor: after its one port read)
 *
 * The floor is hint-floor: a bare xenstore watch loop that reads
 * the node and raises the line through the stand-in.  Hints alternate
 * between hvmlinkd's domain and the floor's, so both see the same load.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "tests/bench/bench.h"

void bench_hints_root(const struct bench_dom *d, char *buf, size_t len)
{
	/* hvmlinkd keeps hints per VM (docs/xenstore.md). */
	if (d->floor)
		snprintf(buf, len, "/local/domain/0/hvmlink-floor/%u/hints",
			 d->g.domid);
	else
		snprintf(buf, len, "/local/domain/0/hvmlink/vm/" BENCH_UUID_FMT
			 "/hints", d->g.domid);
}

static void hint_path(const struct bench_dom *d, char *buf, size_t len)
{
	char root[80];

	bench_hints_root(d, root, sizeof(root));
	snprintf(buf, len, "%s/display/0", root);
}

/* The guest's side after the interrupt: acknowledge and fetch.  Returns
 * the width it got, or -1. */
static long guest_fetch(struct bench_dom *d)
{
	struct hvmlink_req_ack_events ack;
	struct hvmlink_req_display_hint r;
	uint32_t v;
	int32_t st;
	int rc;

	if (d->floor) {
		rc = sg_reg_read(&d->g, 0, FLOOR_REG_HINT, &v);
		return rc ? -1 : (long)v;
	}
	sg_header(&ack, sizeof(ack), HVMLINK_REQ_ACK_EVENTS);
	rc = sg_request(&d->g, 0, &ack, sizeof(ack), &st);
	if (rc || st != HVMLINK_OK ||
	    !(ack.events & HVMLINK_EVENT_DISPLAY_CHANGE)) {
		BENCH_LOG("domain %u: ACK_EVENTS %d/%d events 0x%x", d->g.domid,
			  rc, st, ack.events);
		return -1;
	}
	sg_header(&r, sizeof(r), HVMLINK_REQ_GET_DISPLAY_HINT);
	r.display = 0;
	rc = sg_request(&d->g, 0, &r, sizeof(r), &st);
	if (rc || st != HVMLINK_OK) {
		BENCH_LOG("domain %u: GET_DISPLAY_HINT %d/%d", d->g.domid, rc, st);
		return -1;
	}
	return (long)r.mode.width;
}

/* What the guest would find on an interrupt nobody expected (for the
 * log; acknowledges it).  0 for the floor, which has no events. */
static uint32_t pending_events(struct bench_dom *d)
{
	struct hvmlink_req_ack_events ack;
	int32_t st;

	if (d->floor)
		return 0;
	sg_header(&ack, sizeof(ack), HVMLINK_REQ_ACK_EVENTS);
	if (sg_request(&d->g, 0, &ack, sizeof(ack), &st) || st != HVMLINK_OK)
		return 0;
	return ack.events;
}

int bench_hint_one(struct bench_host *h, struct bench_dom *d,
		   unsigned int w, const atomic_ulong *work, double *irq_us,
		   double *read_us, double *work_done)
{
	char path[96], val[32];
	unsigned long w0 = 0, w1 = 0;
	uint64_t t0, t1, t2;
	long got;
	int len, rc;

	hint_path(d, path, sizeof(path));
	len = snprintf(val, sizeof(val), "%ux600", w);
	if (xensim_intx_level(h->sim, d->g.domid, d->g.slot, 0) != 0) {
		BENCH_LOG("domain %u: INTA# high before hint %s (events pending: 0x%x)",
			  d->g.domid, val, pending_events(d));
		return -1;
	}
	if (work)
		w0 = atomic_load(work);
	t0 = bench_now_ns();
	if (!xs_write(h->xs, XBT_NULL, path, val, (unsigned int)len)) {
		BENCH_LOG("xs_write %s: %s", path, strerror(errno));
		return -1;
	}
	rc = xensim_intx_wait(h->sim, d->g.domid, d->g.slot, 0, 1, -1);
	t1 = bench_now_ns();
	if (work)
		w1 = atomic_load(work);
	if (rc) {
		BENCH_LOG("domain %u: no interrupt for hint %s: %s",
			  d->g.domid, val, strerror(-rc));
		return -1;
	}
	got = guest_fetch(d);
	t2 = bench_now_ns();
	if (got != (long)w) {
		BENCH_LOG("domain %u: guest read width %ld, wanted %u",
			  d->g.domid, got, w);
		return -1;
	}
	*irq_us = (double)(t1 - t0) / 1e3;
	*read_us = (double)(t2 - t0) / 1e3;
	if (work_done)
		*work_done = (double)(w1 - w0);
	return 0;
}

int bench_hint_run(struct bench_host *h, struct bench_dom *const *doms,
		   unsigned int ndoms, unsigned int n,
		   double *irq_us, double *read_us)
{
	for (unsigned int i = 0; i < n; i++) {
		/* Differs from this domain's previous hint (ndoms < 1024). */
		if (bench_hint_one(h, doms[i % ndoms], 800 + i % 1024, NULL,
				   &irq_us[i], &read_us[i], NULL))
			return -1;
	}
	qsort(irq_us, n, sizeof(double), bench_cmp_double);
	qsort(read_us, n, sizeof(double), bench_cmp_double);
	return 0;
}

static void report(const struct bench_opts *o, const char *who,
		   const double *irq, const double *rd, unsigned int n,
		   bool first)
{
	double im = bench_percentile_sorted(irq, n, 50);
	double ip = bench_percentile_sorted(irq, n, 99);
	double rm = bench_percentile_sorted(rd, n, 50);
	double rp = bench_percentile_sorted(rd, n, 99);

	printf("%-10s %12.0f %12.0f %12.0f %12.0f\n", who, im, ip, rm, rp);
	fprintf(o->json,
		"%s\"%s\": {\"irq_median_us\": %.1f, \"irq_p99_us\": %.1f, \"read_median_us\": %.1f, \"read_p99_us\": %.1f}",
		first ? "" : ", ", who, im, ip, rm, rp);
}

int bench_hint_pair(struct bench_host *h, struct bench_dom *dmn,
		    struct bench_dom *flr, unsigned int n, double *di,
		    double *dr, double *fi, double *fr)
{
	enum { CHUNK = 50 };
	double ti[CHUNK], tr[CHUNK];

	/* Chunks of hints alternate between the two, so drift in the
	 * machine's load reaches both alike. */
	for (unsigned int done = 0; done < n; done += CHUNK) {
		unsigned int k = n - done < CHUNK ? n - done : CHUNK;

		if (bench_hint_run(h, &dmn, 1, k, ti, tr))
			return -1;
		memcpy(di + done, ti, k * sizeof(double));
		memcpy(dr + done, tr, k * sizeof(double));
		if (bench_hint_run(h, &flr, 1, k, ti, tr))
			return -1;
		memcpy(fi + done, ti, k * sizeof(double));
		memcpy(fr + done, tr, k * sizeof(double));
	}
	qsort(di, n, sizeof(double), bench_cmp_double);
	qsort(dr, n, sizeof(double), bench_cmp_double);
	qsort(fi, n, sizeof(double), bench_cmp_double);
	qsort(fr, n, sizeof(double), bench_cmp_double);
	return 0;
}

void bench_hint_report(const struct bench_opts *o, unsigned int n,
		       const double *di, const double *dr, const double *fi,
		       const double *fr)
{
	double ri = bench_percentile_sorted(di, n, 99) /
		    bench_percentile_sorted(fi, n, 99);
	double rr = bench_percentile_sorted(dr, n, 99) /
		    bench_percentile_sorted(fr, n, 99);

	printf("%-10s %12s %12s %12s %12s\n", "", "irq median", "irq p99",
	       "read median", "read p99");
	fprintf(o->json, "\"hints\": %u, ", n);
	report(o, "hvmlinkd", di, dr, n, true);
	report(o, "floor", fi, fr, n, false);
	printf("%-10s %25.2f %25.2f   (hvmlinkd p99 / floor p99)\n", "ratio",
	       ri, rr);
	fprintf(o->json, ", \"irq_p99_ratio\": %.3f, \"read_p99_ratio\": %.3f",
		ri, rr);
}

int bench_hint_floor_dom(struct bench_host *h, struct bench_dom *flr,
			 uint16_t domid)
{
	char watch[96];

	if (bench_dom_create(h, flr, domid, 1, 4ull << 20))
		return -1;
	flr->floor = true;
	hint_path(flr, watch, sizeof(watch));
	if (bench_floor_start(h, flr, watch) ||
	    bench_daemon_wait_ready(h, flr, xensim_timeout_ms())) {
		bench_dom_destroy(h, flr);
		return -1;
	}
	return 0;
}

int bench_hint(struct bench_host *h)
{
	const struct bench_opts *o = h->o;
	unsigned int n = o->hints;
	struct bench_dom dmn, flr;
	double *di, *dr, *fi, *fr;
	int rc = -1;

	di = calloc(n, sizeof(double));
	dr = calloc(n, sizeof(double));
	fi = calloc(n, sizeof(double));
	fr = calloc(n, sizeof(double));
	if (!di || !dr || !fi || !fr)
		goto out_free;
	if (bench_dom_create(h, &dmn, 20, 1, SG_RAM_BYTES))
		goto out_free;
	if (bench_hint_floor_dom(h, &flr, 21))
		goto out_dmn;
	if (bench_daemon_start(h, &dmn, NULL) ||
	    bench_daemon_wait_ready(h, &dmn, xensim_timeout_ms()) ||
	    bench_guest_boot(&dmn) ||
	    bench_hint_pair(h, &dmn, &flr, n, di, dr, fi, fr))
		goto out_flr;
	printf("\n== hint latency, microseconds (%u hints each, xs_write -> guest) ==\n", n);
	bench_json_section(o, "hint");
	bench_hint_report(o, n, di, dr, fi, fr);
	fprintf(o->json, "}");
	rc = 0;
out_flr:
	if (!rc && bench_dom_stop(&dmn) != 0) {
		BENCH_LOG("hvmlinkd did not exit cleanly");
		rc = -1;
	}
	bench_dom_destroy(h, &flr);
out_dmn:
	bench_dom_destroy(h, &dmn);
out_free:
	free(di);
	free(dr);
	free(fi);
	free(fr);
	return rc;
}
