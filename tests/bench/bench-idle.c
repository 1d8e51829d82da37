/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "idle": what an idle hvmlinkd costs the host.
 * After start-up, a booted guest and one delivered hint, the daemon is
 * left alone for idle_seconds; the counters of /proc say how often it ran
 * (context switches of all its threads: every wakeup is one) and how much
 * CPU it used.  Its memory (VmRSS, PSS) is read once it is ready and
 * the guest has booted.
 */
#include <stdlib.h>

#include "tests/bench/bench.h"
#include "tests/bench/bench-proc.h"

int bench_idle(struct bench_host *h)
{
	const struct bench_opts *o = h->o;
	struct bench_proc ready, a, b;
	struct bench_dom dmn, *pd = &dmn;
	double irq[1], rd[1];
	int rc = -1;

	if (bench_dom_create(h, &dmn, 30, 1, SG_RAM_BYTES))
		return -1;
	if (bench_daemon_start(h, &dmn, NULL) ||
	    bench_daemon_wait_ready(h, &dmn, xensim_timeout_ms()) ||
	    bench_guest_boot(&dmn) ||
	    bench_proc_sample(dmn.dm, &ready) ||
	    bench_hint_run(h, &pd, 1, 1, irq, rd))
		goto out;
	/* Let whatever the hint set in motion finish. */
	bench_sleep_ms(500);
	if (bench_proc_sample(dmn.dm, &a))
		goto out;
	bench_sleep_ms(o->idle_seconds * 1000);
	if (bench_proc_sample(dmn.dm, &b))
		goto out;

	printf("\n== idle hvmlinkd (%u s, guest booted, one hint delivered) ==\n",
	       o->idle_seconds);
	printf("wakeups (context switches)  %lu\n",
	       b.ctxt_switches - a.ctxt_switches);
	printf("CPU time                    %.0f ms\n", b.cpu_ms - a.cpu_ms);
	printf("threads                     %u\n", b.threads);
	printf("VmRSS after start-up        %ld KiB\n", ready.rss_kb);
	printf("PSS after start-up          %ld KiB\n", ready.pss_kb);
	bench_json_section(o, "idle");
	fprintf(o->json,
		"\"seconds\": %u, \"wakeups\": %lu, \"cpu_ms\": %.0f, \"threads\": %u, \"rss_kib\": %ld, \"pss_kib\": %ld}",
		o->idle_seconds, b.ctxt_switches - a.ctxt_switches,
		b.cpu_ms - a.cpu_ms, b.threads, ready.rss_kb, ready.pss_kb);
	rc = 0;
out:
	if (!rc && bench_dom_stop(&dmn) != 0) {
		BENCH_LOG("hvmlinkd did not exit cleanly");
		rc = -1;
	}
	bench_dom_destroy(h, &dmn);
	return rc;
}
