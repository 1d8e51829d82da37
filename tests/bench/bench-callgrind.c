/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "callgrind": instructions a device model executes
 * per guest access.  The device model runs under valgrind --tool=callgrind
 * while the guest does N accesses; start-up, guest boot and shutdown cost
 * the same for every N, so two runs (N1, N2) give
 *
 *   instructions per access = (Ir(N2) - Ir(N1)) / (N2 - N1)
 *
 * Only the device model's serving loop is counted (hvmlinkd: its device
 * thread's, hvmlinkd_device_loop;
 * ioreq-bench-minimal: serve_loop): that is where every access is served,
 * and it leaves out the dynamic linker and set-up, whose count varies
 * between runs.  What remains constant (the guest's boot, the hint
 * watch's first event) cancels in the difference.
 *
 * Each access both isolated (a quiet gap before it: the device model is
 * asleep in poll() when it comes, what a guest sending one request at a
 * time costs) and back to back (the next right after the answer).  The
 * cases take turns within each repetition; median over repetitions.
 * Instruction counts do not depend on the machine's load, unlike times.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench.h"

/* Quiet before an isolated access: the daemon under callgrind needs far
 * less to get back into poll(). */
#define CG_GAP_US 3000

struct cg_case {
	const char *name;
	enum bench_dm dm;
	enum bench_access access;
	bool isolated;
};

static const struct cg_case cases[] = {
	{ "hvmlinkd register isolated", BENCH_DM_HVMLINKD, BENCH_ACC_REG, true },
	{ "hvmlinkd request isolated", BENCH_DM_HVMLINKD, BENCH_ACC_REQ, true },
	{ "floor register isolated", BENCH_DM_FLOOR, BENCH_ACC_REG, true },
	{ "floor request isolated", BENCH_DM_FLOOR, BENCH_ACC_REQ, true },
	{ "floor-mt register isolated", BENCH_DM_FLOOR_MT, BENCH_ACC_REG, true },
	{ "floor-mt request isolated", BENCH_DM_FLOOR_MT, BENCH_ACC_REQ, true },
	{ "hvmlinkd register back-to-back", BENCH_DM_HVMLINKD, BENCH_ACC_REG, false },
	{ "hvmlinkd request back-to-back", BENCH_DM_HVMLINKD, BENCH_ACC_REQ, false },
	{ "floor register back-to-back", BENCH_DM_FLOOR, BENCH_ACC_REG, false },
	{ "floor request back-to-back", BENCH_DM_FLOOR, BENCH_ACC_REQ, false },
	{ "floor-mt register back-to-back", BENCH_DM_FLOOR_MT, BENCH_ACC_REG, false },
	{ "floor-mt request back-to-back", BENCH_DM_FLOOR_MT, BENCH_ACC_REQ, false },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* The index of the case that is c's floor: dm, same access, same mode. */
static size_t floor_of(const struct cg_case *c, enum bench_dm dm)
{
	size_t k;

	for (k = 0; k < NCASES; k++)
		if (cases[k].dm == dm && cases[k].access == c->access &&
		    cases[k].isolated == c->isolated)
			break;
	return k;
}

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

static int one_run(struct bench_host *h, uint16_t domid,
		   const struct cg_case *c, unsigned int n,
		   unsigned long long *ir)
{
	const struct bench_opts *o = h->o;
	char out[4096], outarg[4200], toggle[64];
	const char *wrap[] = { o->valgrind, "-q", "--tool=callgrind",
			       "--collect-atstart=no", toggle, outarg, NULL };
	struct bench_dom d;
	int rc = -1, st;

	snprintf(out, sizeof(out), "%s/callgrind.%u.%u.out", o->workdir,
		 domid, n);
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", out);
	snprintf(toggle, sizeof(toggle), "--toggle-collect=%s",
		 c->dm != BENCH_DM_HVMLINKD ? "serve_loop" : "hvmlinkd_device_loop");
	if (bench_floor_dom(h, &d, domid, c->dm, wrap))
		return -1;
	if (bench_accesses(&d, c->access, n, c->isolated ? CG_GAP_US : 0))
		goto out;
	st = bench_dom_stop(&d);
	if (st != 0) {
		BENCH_LOG("device model under callgrind exited %d", st);
		goto out;
	}
	rc = read_total(out, ir);
	if (!rc && !getenv("IOREQ_BENCH_CG_KEEP"))
		remove(out);
out:
	bench_dom_destroy(h, &d);
	return rc;
}

int bench_callgrind(struct bench_host *h)
{
	const struct bench_opts *o = h->o;
	unsigned int reps = o->cg_reps;
	double per[NCASES][BENCH_CG_REPS_MAX], med[NCASES];
	unsigned long long ir1, ir2;
	uint16_t domid = 40;

	if (reps == 0 || reps > BENCH_CG_REPS_MAX || o->cg_n2 <= o->cg_n1) {
		BENCH_LOG("callgrind: need N2 > N1 and 1..%d repetitions",
			  BENCH_CG_REPS_MAX);
		return -1;
	}
	for (unsigned int r = 0; r < reps; r++) {
		for (size_t k = 0; k < NCASES; k++) {
			const struct cg_case *c = &cases[k];
			/* Isolated accesses take their gap: fewer of them. */
			unsigned int n1 = c->isolated ? o->cg_n1 / 5 : o->cg_n1;
			unsigned int n2 = c->isolated ? o->cg_n2 / 5 : o->cg_n2;

			if (one_run(h, domid++, c, n1, &ir1) ||
			    one_run(h, domid++, c, n2, &ir2))
				return -1;
			per[k][r] = ((double)ir2 - (double)ir1) /
				    (double)(n2 - n1);
		}
		BENCH_LOG("callgrind: repetition %u/%u done", r + 1, reps);
	}
	printf("\n== instructions per access (callgrind, (Ir(N2) - Ir(N1)) / (N2 - N1),\n"
	       "   N = %u and %u back to back, %u and %u isolated (%u us apart),\n"
	       "   median of %u repetitions; floor = ioreq-bench-minimal,\n"
	       "   floor-mt = the same with one more (sleeping) thread;\n"
	       "   each row against the floor's same access and mode) ==\n",
	       o->cg_n1, o->cg_n2, o->cg_n1 / 5, o->cg_n2 / 5, CG_GAP_US, reps);
	printf("%-32s %10s %7s %7s %8s %9s\n", "device model/access/mode",
	       "Ir/access", "min", "max", "x floor", "x floor-mt");
	bench_json_section(o, "callgrind");
	fprintf(o->json, "\"n1\": %u, \"n2\": %u, \"isolated_gap_us\": %u, \"repetitions\": %u",
		o->cg_n1, o->cg_n2, CG_GAP_US, reps);
	for (size_t k = 0; k < NCASES; k++) {
		double v[BENCH_CG_REPS_MAX];

		memcpy(v, per[k], sizeof(v));
		med[k] = bench_median(v, reps);	/* sorts the copy */
		per[k][0] = v[0];
		per[k][1] = v[reps - 1];
	}
	for (size_t k = 0; k < NCASES; k++) {
		const struct cg_case *c = &cases[k];
		/* The floors of the same access and mode. */
		double st = med[floor_of(c, BENCH_DM_FLOOR)];
		double mt = med[floor_of(c, BENCH_DM_FLOOR_MT)];

		printf("%-32s %10.0f %7.0f %7.0f %8.2f %9.2f\n", c->name,
		       med[k], per[k][0], per[k][1], med[k] / st, med[k] / mt);
		fprintf(o->json,
			", \"%s\": {\"ir_per_access\": %.0f, \"min\": %.0f, \"max\": %.0f, \"ratio_to_floor\": %.3f, \"ratio_to_floor_mt\": %.3f}",
			c->name, med[k], per[k][0], per[k][1], med[k] / st,
			med[k] / mt);
	}
	fprintf(o->json, "}");
	return 0;
}
