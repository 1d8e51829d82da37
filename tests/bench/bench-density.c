/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "density": one simulated host, one xenstored,
 * `domains` guests (1 vCPU, 4 MiB each), one hvmlinkd per guest, all
 * started at once.  Reported: time from the first start to every daemon
 * ready, total memory of the daemons (sum of VmRSS, sum of PSS: PSS
 * splits shared pages fairly, so it is what they really cost together),
 * and hint latency with all of them running: hints going round-robin to
 * every guest; and hints to the first guest alone, side by side with the
 * hint floor (hint-floor) serving one more domain of the same host, so
 * what the load costs the daemon is told apart from what it costs the
 * host (xenstored, the stand-in).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench.h"
#include "tests/bench/bench-proc.h"

#define DENSITY_FIRST_DOMID 100
#define DENSITY_RAM (4ull << 20)

int bench_density(struct bench_host *h)
{
	const struct bench_opts *o = h->o;
	unsigned int n = o->domains, nh = o->density_hints, made = 0;
	struct bench_dom *doms, **pd, flr = { 0 };
	double *irq = NULL, *rd = NULL, *irq1 = NULL, *rd1 = NULL, start_ms;
	double *fi = NULL, *fr = NULL;
	long rss = 0, pss = 0;
	uint64_t t0;
	int rc = -1;

	doms = calloc(n, sizeof(*doms));
	pd = calloc(n, sizeof(*pd));
	irq = calloc(nh, sizeof(double));
	rd = calloc(nh, sizeof(double));
	irq1 = calloc(nh, sizeof(double));
	rd1 = calloc(nh, sizeof(double));
	fi = calloc(nh, sizeof(double));
	fr = calloc(nh, sizeof(double));
	if (!doms || !pd || !irq || !rd || !irq1 || !rd1 || !fi || !fr)
		goto out;
	for (; made < n; made++) {
		pd[made] = &doms[made];
		if (bench_dom_create(h, &doms[made],
				     (uint16_t)(DENSITY_FIRST_DOMID + made), 1,
				     DENSITY_RAM))
			goto out;
	}
	t0 = bench_now_ns();
	for (unsigned int i = 0; i < n; i++)
		if (bench_daemon_start(h, &doms[i], NULL))
			goto out;
	/* A daemon that is ready stays ready: wait for each in turn. */
	for (unsigned int i = 0; i < n; i++)
		if (bench_daemon_wait_ready(h, &doms[i], 120000))
			goto out;
	start_ms = (double)(bench_now_ns() - t0) / 1e6;
	BENCH_LOG("density: %u daemons ready in %.0f ms", n, start_ms);
	for (unsigned int i = 0; i < n; i++) {
		struct bench_proc p;

		if (bench_guest_boot(&doms[i]) ||
		    bench_proc_sample(doms[i].dm, &p))
			goto out;
		rss += p.rss_kb;
		pss += p.pss_kb;
	}
	if (bench_hint_floor_dom(h, &flr, DENSITY_FIRST_DOMID - 1) ||
	    bench_hint_run(h, pd, n, nh, irq, rd) ||
	    bench_hint_pair(h, &doms[0], &flr, nh, irq1, rd1, fi, fr))
		goto out;

	printf("\n== density: %u hvmlinkd on one host ==\n", n);
	printf("start-up, all ready         %.0f ms\n", start_ms);
	printf("sum of VmRSS                %.1f MiB (%.0f KiB each)\n",
	       (double)rss / 1024, (double)rss / n);
	printf("sum of PSS                  %.1f MiB (%.0f KiB each)\n",
	       (double)pss / 1024, (double)pss / n);
	printf("hint latency, round-robin to all %u guests (%u hints):\n"
	       "           irq median %.0f us, p99 %.0f us; read median %.0f us, p99 %.0f us\n",
	       n, nh, bench_percentile_sorted(irq, nh, 50),
	       bench_percentile_sorted(irq, nh, 99),
	       bench_percentile_sorted(rd, nh, 50),
	       bench_percentile_sorted(rd, nh, 99));
	printf("hint latency, one guest vs the floor on the same loaded host:\n");
	bench_json_section(o, "density");
	fprintf(o->json,
		"\"daemons\": %u, \"startup_all_ready_ms\": %.0f, \"rss_total_kib\": %ld, \"pss_total_kib\": %ld, "
		"\"round_robin\": {\"hints\": %u, \"irq_median_us\": %.1f, \"irq_p99_us\": %.1f, \"read_median_us\": %.1f, \"read_p99_us\": %.1f}, "
		"\"one_guest\": {",
		n, start_ms, rss, pss, nh,
		bench_percentile_sorted(irq, nh, 50),
		bench_percentile_sorted(irq, nh, 99),
		bench_percentile_sorted(rd, nh, 50),
		bench_percentile_sorted(rd, nh, 99));
	bench_hint_report(o, nh, irq1, rd1, fi, fr);
	fprintf(o->json, "}}");
	rc = 0;
out:
	for (unsigned int i = 0; i < made; i++) {
		if (!rc && bench_dom_stop(&doms[i]) != 0) {
			BENCH_LOG("hvmlinkd of domain %u did not exit cleanly",
				  doms[i].g.domid);
			rc = -1;
		}
		bench_dom_destroy(h, &doms[i]);
	}
	bench_dom_destroy(h, &flr);
	free(doms);
	free(pd);
	free(fi);
	free(fr);
	free(irq);
	free(rd);
	free(irq1);
	free(rd1);
	return rc;
}
