/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "callgrind": instructions hvmlinkd executes per
 * ioreq.  The daemon runs under valgrind --tool=callgrind while the guest
 * does N accesses; start-up, guest boot and shutdown cost the same for
 * every N, so two runs (N1, N2) give
 *
 *   instructions per ioreq = (Ir(N2) - Ir(N1)) / (N2 - N1)
 *
 * Only instructions executed inside the daemon's main loop
 * (g_main_loop_run) are counted: that is where every ioreq is served,
 * and it leaves out the dynamic linker and set-up, whose count varies
 * between runs.  What remains constant (the guest's boot, the hint
 * watch's first event) cancels in the difference.  Repeated, median.
 *
 * for the same two accesses as the "ioreq" section.  Instruction counts
 * do not depend on the machine's load, unlike times.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench.h"

/* Ir of a whole run: callgrind's "summary:" (older: "totals:") line. */
static int read_total(const char *file, unsigned long long *ir)
{
	char line[512];
	int found = 0;
	FILE *f = fopen(file, "r");

	if (!f) {
		BENCH_LOG("%s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "summary:", 8) == 0 ||
		    (!found && strncmp(line, "totals:", 7) == 0)) {
			*ir = strtoull(strchr(line, ':') + 1, NULL, 10);
			found = 1;
		}
	}
	fclose(f);
	if (!found)
		BENCH_LOG("%s: no summary line", file);
	return found ? 0 : -1;
}

static int one_run(struct bench_host *h, uint16_t domid, int ack,
		   unsigned int n, unsigned long long *ir)
{
	const struct bench_opts *o = h->o;
	char out[4096], outarg[4200];
	/* Count only inside the main loop: the dynamic linker's and set-up's
	 * instructions vary from run to run by more than a thousand ioreqs
	 * cost, and are no part of serving one. */
	const char *wrap[] = { o->valgrind, "-q", "--tool=callgrind",
			       "--collect-atstart=no",
			       "--toggle-collect=g_main_loop_run", outarg,
			       NULL };
	struct bench_dom d;
	int rc = -1, st;

	snprintf(out, sizeof(out), "%s/callgrind.%s.%u.out", o->workdir,
		 ack ? "ack" : "pending", n);
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", out);
	if (bench_dom_create(h, &d, domid, 1, SG_RAM_BYTES))
		return -1;
	if (bench_daemon_start(h, &d, wrap) ||
	    bench_daemon_wait_ready(h, &d, 300000) || bench_guest_boot(&d))
		goto out;
	for (unsigned int i = 0; i < n; i++) {
		struct hvmlink_req_ack_events r;
		uint32_t v;
		int32_t s;

		if (ack) {
			sg_header(&r, sizeof(r), HVMLINK_REQ_ACK_EVENTS);
			rc = sg_request(&d.g, 0, &r, sizeof(r), &s);
			if (!rc && s != HVMLINK_OK)
				rc = -EPROTO;
		} else {
			rc = sg_reg_read(&d.g, 0, HVMLINK_REG_PENDING, &v);
		}
		if (rc) {
			BENCH_LOG("callgrind run: access %u failed: %s", i,
				  strerror(-rc));
			goto out;
		}
	}
	rc = -1;
	st = bench_dom_stop(&d);
	if (st != 0) {
		BENCH_LOG("hvmlinkd under callgrind exited %d", st);
		goto out;
	}
	rc = read_total(out, ir);
out:
	bench_dom_destroy(h, &d);
	return rc;
}

int bench_callgrind(struct bench_host *h)
{
	const struct bench_opts *o = h->o;
	static const char *const name[2] = { "pending", "ack" };
	unsigned int reps = o->cg_reps;
	double per[2][BENCH_CG_REPS_MAX], med[2];
	unsigned long long ir1, ir2;
	uint16_t domid = 40;

	if (reps == 0 || reps > BENCH_CG_REPS_MAX || o->cg_n2 <= o->cg_n1) {
		BENCH_LOG("callgrind: need N2 > N1 and 1..%d repetitions",
			  BENCH_CG_REPS_MAX);
		return -1;
	}
	for (unsigned int r = 0; r < reps; r++) {
		for (int a = 0; a < 2; a++) {
			if (one_run(h, domid++, a, o->cg_n1, &ir1) ||
			    one_run(h, domid++, a, o->cg_n2, &ir2))
				return -1;
			per[a][r] = ((double)ir2 - (double)ir1) /
				    (double)(o->cg_n2 - o->cg_n1);
		}
		BENCH_LOG("callgrind: repetition %u/%u done", r + 1, reps);
	}
	printf("\n== instructions per ioreq in hvmlinkd (callgrind, (Ir(N2) - Ir(N1)) / (N2 - N1),\n"
	       "   N = %u and %u, median of %u repetitions) ==\n",
	       o->cg_n1, o->cg_n2, reps);
	printf("%-8s %14s %10s %10s\n", "access", "Ir per ioreq", "min", "max");
	bench_json_section(o, "callgrind");
	fprintf(o->json, "\"n1\": %u, \"n2\": %u, \"repetitions\": %u",
		o->cg_n1, o->cg_n2, reps);
	for (int a = 0; a < 2; a++) {
		med[a] = bench_median(per[a], reps);	/* sorts */
		printf("%-8s %14.0f %10.0f %10.0f\n", name[a], med[a],
		       per[a][0], per[a][reps - 1]);
		fprintf(o->json,
			", \"%s\": {\"ir_per_ioreq\": %.0f, \"min\": %.0f, \"max\": %.0f}",
			name[a], med[a], per[a][0], per[a][reps - 1]);
	}
	fprintf(o->json, "}");
	return 0;
}
