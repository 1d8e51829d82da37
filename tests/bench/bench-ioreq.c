/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "ioreq": synchronous ioreq round trips per
 * second through a device model, with 1, 2 and 4 vCPUs each looping on
 * one access, for two accesses:
 *
 *   pending  IN of BAR0's PENDING register: one port-IO read ioreq
 *   ack      a full ACK_EVENTS request: the guest writes it to its RAM,
 *            OUTs its address to REQUEST (one ioreq, in which the daemon
 *            maps, copies, validates, handles and writes back), reads the
 *            result from its RAM
 *
 * hvmlinkd and ioreq-bench-minimal (helper B's minimal loop: pending,
 * unmask, state, notify; tests/bench/ioreq-bench-minimal.c) serve two
 * domains of the same simulated host; samples alternate between them
 * so both see the same machine load.  Reported: median rate of each and
 * the median over samples of floor rate / hvmlinkd rate (1.0 = as fast as
 * the floor).  Round trip rates are bound by the stand-in (a socket hop
 * per notify, one hypervisor lock) and the machine's load; so each sample
 * also records the device model's own CPU time per ioreq (schedstat of
 * all its threads), which a shared machine disturbs much less, and its
 * ratio to the floor's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench.h"
#include "tests/bench/bench-proc.h"

#define MINIMAL_PORT BENCH_MINIMAL_PORT

enum access { ACC_PENDING, ACC_ACK, ACC_MAX };
static const char *const access_name[ACC_MAX] = { "pending", "ack" };

#define NV 3
static const unsigned int vcpu_counts[NV] = { 1, 2, 4 };

struct worker {
	struct bench_dom *d;
	enum access acc;
	unsigned int vcpu;
	pthread_barrier_t *go;
	atomic_bool *stop;
	unsigned long ops;
	int err;
};

/* One guest access of the kind measured. */
static int access_once(struct bench_dom *d, enum access acc,
		       unsigned int vcpu)
{
	struct hvmlink_req_ack_events r;
	uint32_t v;
	int32_t st;
	int rc;

	if (acc == ACC_PENDING)
		return sg_reg_read(&d->g, vcpu, HVMLINK_REG_PENDING, &v);
	/* The minimal loop answers without touching the request. */
	sg_header(&r, sizeof(r), HVMLINK_REQ_ACK_EVENTS);
	rc = sg_request(&d->g, vcpu, &r, sizeof(r), &st);
	if (!rc && !d->minimal && st != HVMLINK_OK)
		return -EPROTO;
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->go);
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		int rc = access_once(w->d, w->acc, w->vcpu);

		if (rc) {
			w->err = rc;
			break;
		}
		w->ops++;
	}
	return NULL;
}

/* Slices per side in one sample: hvmlinkd and the floor take turns
 * every seconds / (2 * SLICES), so a change in the machine's load during
 * a sample reaches both alike. */
#define SLICES 10

struct tally {
	unsigned long ops;
	uint64_t ns;
	unsigned long long cpu_ns;
};

/* Run nv vCPUs of d on acc for ms milliseconds, adding to *t. */
static int slice(struct bench_dom *d, enum access acc, unsigned int nv,
		 unsigned int ms, struct tally *t)
{
	struct worker w[4];
	pthread_t th[4];
	pthread_barrier_t go;
	atomic_bool stop = false;
	unsigned long long c0, c1;
	uint64_t t0, t1;
	int err = 0;

	if (d->minimal) {
		/* Its 4 ports are the register this access uses. */
		d->g.io_base = (uint16_t)(MINIMAL_PORT -
			(acc == ACC_PENDING ? HVMLINK_REG_PENDING
					    : HVMLINK_REG_REQUEST));
	}
	pthread_barrier_init(&go, NULL, nv + 1);
	for (unsigned int i = 0; i < nv; i++) {
		w[i] = (struct worker){ .d = d, .acc = acc, .vcpu = i,
					.go = &go, .stop = &stop };
		if (pthread_create(&th[i], NULL, worker_main, &w[i])) {
			BENCH_LOG("pthread_create failed");
			abort();	/* the barrier would never open */
		}
	}
	pthread_barrier_wait(&go);
	c0 = bench_proc_cpu_ns(d->dm);
	t0 = bench_now_ns();
	bench_sleep_ms(ms);
	atomic_store(&stop, true);
	for (unsigned int i = 0; i < nv; i++) {
		pthread_join(th[i], NULL);
		t->ops += w[i].ops;
		if (w[i].err)
			err = w[i].err;
	}
	t1 = bench_now_ns();
	c1 = bench_proc_cpu_ns(d->dm);
	pthread_barrier_destroy(&go);
	t->ns += t1 - t0;
	t->cpu_ns += c1 - c0;
	if (err)
		BENCH_LOG("domain %u: %s access failed: %s", d->g.domid,
			  access_name[acc], strerror(-err));
	return err;
}

/* One paired sample: rates (ops/s) and device model CPU per op (us). */
static int sample_pair(struct bench_host *h, struct bench_dom *dmn,
		       struct bench_dom *flr, enum access acc,
		       unsigned int nv, double *rd, double *rf, double *cd,
		       double *cf)
{
	unsigned int ms = (unsigned int)(h->o->seconds * 1000 / (2 * SLICES));
	struct tally td = { 0 }, tf = { 0 };

	if (ms == 0)
		ms = 1;
	for (unsigned int k = 0; k < SLICES; k++) {
		/* Alternate who goes first. */
		struct bench_dom *a = k % 2 ? flr : dmn, *b = k % 2 ? dmn : flr;

		if (slice(a, acc, nv, ms, a == dmn ? &td : &tf) ||
		    slice(b, acc, nv, ms, b == dmn ? &td : &tf))
			return -1;
	}
	if (!td.ops || !tf.ops)
		return -1;
	*rd = (double)td.ops / ((double)td.ns / 1e9);
	*rf = (double)tf.ops / ((double)tf.ns / 1e9);
	*cd = (double)td.cpu_ns / 1e3 / (double)td.ops;
	*cf = (double)tf.cpu_ns / 1e3 / (double)tf.ops;
	return 0;
}

int bench_ioreq(struct bench_host *h)
{
	const struct bench_opts *o = h->o;
	struct bench_dom dmn, flr;
	unsigned int R = o->rounds;
	double *rate_d, *rate_f, *ratio, *cpu_d, *cpu_f, *cratio;
	int rc = -1;

	rate_d = calloc((size_t)ACC_MAX * NV * R, sizeof(double));
	rate_f = calloc((size_t)ACC_MAX * NV * R, sizeof(double));
	ratio = calloc((size_t)ACC_MAX * NV * R, sizeof(double));
	cpu_d = calloc((size_t)ACC_MAX * NV * R, sizeof(double));
	cpu_f = calloc((size_t)ACC_MAX * NV * R, sizeof(double));
	cratio = calloc((size_t)ACC_MAX * NV * R, sizeof(double));
	if (!rate_d || !rate_f || !ratio || !cpu_d || !cpu_f || !cratio)
		goto out_free;
	if (bench_dom_create(h, &dmn, 10, 4, SG_RAM_BYTES))
		goto out_free;
	if (bench_dom_create(h, &flr, 11, 4, SG_RAM_BYTES))
		goto out_dmn;
	if (bench_daemon_start(h, &dmn, NULL) ||
	    bench_minimal_start(h, &flr, MINIMAL_PORT, NULL) ||
	    bench_daemon_wait_ready(h, &dmn, xensim_timeout_ms()) ||
	    bench_daemon_wait_ready(h, &flr, xensim_timeout_ms()) ||
	    bench_guest_boot(&dmn))
		goto out_flr;

#define IX(a, v, r) (((size_t)(a) * NV + (v)) * R + (r))
	for (unsigned int r = 0; r < R; r++) {
		for (int a = 0; a < ACC_MAX; a++) {
			for (unsigned int v = 0; v < NV; v++) {
				double rd, rf, cd, cf;

				if (sample_pair(h, &dmn, &flr, a,
						vcpu_counts[v], &rd, &rf, &cd,
						&cf))
					goto out_flr;
				rate_d[IX(a, v, r)] = rd;
				rate_f[IX(a, v, r)] = rf;
				ratio[IX(a, v, r)] = rf / rd;
				cpu_d[IX(a, v, r)] = cd;
				cpu_f[IX(a, v, r)] = cf;
				cratio[IX(a, v, r)] = cf > 0 ? cd / cf : 0;
			}
		}
		BENCH_LOG("ioreq: round %u/%u done", r + 1, R);
	}

	printf("\n== ioreq round trips per second, and device model CPU time per ioreq\n"
	       "   (medians of %u samples of %.1f s; ratio = hvmlinkd cost / floor cost) ==\n",
	       R, o->seconds);
	printf("%-8s %5s %11s %11s %7s   %13s %13s %7s\n", "access",
	       "vCPUs", "hvmlinkd/s", "floor/s", "ratio", "hvmlinkd CPU",
	       "floor CPU", "ratio");
	bench_json_section(o, "ioreq");
	fprintf(o->json, "\"seconds_per_sample\": %.2f, \"samples\": %u",
		o->seconds, R);
	for (int a = 0; a < ACC_MAX; a++) {
		fprintf(o->json, ", \"%s\": {", access_name[a]);
		for (unsigned int v = 0; v < NV; v++) {
			double md = bench_median(&rate_d[IX(a, v, 0)], R);
			double mf = bench_median(&rate_f[IX(a, v, 0)], R);
			double mr = bench_median(&ratio[IX(a, v, 0)], R);
			double cd = bench_median(&cpu_d[IX(a, v, 0)], R);
			double cf = bench_median(&cpu_f[IX(a, v, 0)], R);
			double cr = bench_median(&cratio[IX(a, v, 0)], R);

			printf("%-8s %5u %11.0f %11.0f %7.2f   %10.1f us %10.1f us %7.2f\n",
			       access_name[a], vcpu_counts[v], md, mf, mr, cd,
			       cf, cr);
			fprintf(o->json,
				"%s\"%u\": {\"hvmlinkd_per_s\": %.0f, \"floor_per_s\": %.0f, \"ratio\": %.3f, "
				"\"hvmlinkd_cpu_us\": %.2f, \"floor_cpu_us\": %.2f, \"cpu_ratio\": %.3f}",
				v ? ", " : "", vcpu_counts[v], md, mf, mr, cd,
				cf, cr);
		}
		fprintf(o->json, "}");
	}
	fprintf(o->json, "}");
#undef IX
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
	free(rate_d);
	free(rate_f);
	free(ratio);
	free(cpu_d);
	free(cpu_f);
	free(cratio);
	return rc;
}
