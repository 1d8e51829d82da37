/* SPDX-License-Identifier: MIT */
/*
 * hvmlink-bench, section "fair": one source's load does not hold the
 * others (issue 13), each figure beside its floor, measured in the same
 * run, interleaved:
 *
 *   hint-flood   a display hint's latency (xs_write -> INTx, -> the guest
 *                holds it) while 4 vCPUs flood GET_HOST_VERSION requests;
 *                floor: the same hints with no flood, in alternating
 *                chunks.  Also: flood requests served while a hint waited.
 *   kv-burst     a guest request's latency while the administrator writes
 *                3000 kv hints as fast as xenstored takes them; floor: the
 *                same requests before and after the burst.
 *   publish      a guest flooding REPORT_GUEST_INFO: xenstore publications
 *                a second (the limit, HVMLINKD_PUBLISH_PER_SEC, is the
 *                floor), and how long after the flood the last value lands.
 *   rep          an isolated rep ins of Xen's largest (4096 elements) and
 *                of a bogus count Xen never sends; floor: one plain read.
 *
 * The helpers are shared with tests/bench/fair-test (generous bounds).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>
#include <xen/hvm/ioreq.h>

#include "daemon/hvmlinkd.h"
#include "tests/bench/bench.h"

/* ---- a flood of requests from some vCPUs ------------------------------ */

struct flood_worker {
	struct bench_flood *f;
	unsigned int vcpu;
};

static void *flood_main(void *arg)
{
	struct flood_worker *w = arg;
	struct bench_flood *f = w->f;

	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		struct hvmlink_req_host_version r;
		int32_t st;
		int rc;

		sg_header(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
		rc = sg_request(&f->d->g, w->vcpu, &r, sizeof(r), &st);
		if (rc || st != HVMLINK_OK) {
			f->err = rc ? rc : -EPROTO;
			break;
		}
		atomic_fetch_add_explicit(&f->done, 1, memory_order_relaxed);
	}
	free(w);
	return NULL;
}

int bench_flood_start(struct bench_flood *f, struct bench_dom *d,
		      unsigned int first_vcpu, unsigned int nv)
{
	memset(f, 0, sizeof(*f));
	f->d = d;
	atomic_init(&f->stop, false);
	atomic_init(&f->done, 0);
	for (unsigned int i = 0; i < nv && i < BENCH_FLOOD_MAX; i++) {
		struct flood_worker *w = malloc(sizeof(*w));

		if (!w)
			goto fail;
		*w = (struct flood_worker){ f, first_vcpu + i };
		if (pthread_create(&f->th[i], NULL, flood_main, w)) {
			free(w);
			goto fail;
		}
		f->nr++;
	}
	return 0;
fail:
	BENCH_LOG("flood: cannot start its threads");
	bench_flood_stop(f);
	return -1;
}

int bench_flood_stop(struct bench_flood *f)
{
	atomic_store(&f->stop, true);
	for (unsigned int i = 0; i < f->nr; i++)
		pthread_join(f->th[i], NULL);
	f->nr = 0;
	if (f->err)
		BENCH_LOG("flood: a request failed: %s", strerror(-f->err));
	return f->err ? -1 : 0;
}

/* ---- a guest timing its requests -------------------------------------- */

struct timed_req {
	struct bench_dom *d;
	unsigned int vcpu;
	atomic_bool stop;
	size_t n, cap;
	uint64_t *start_ns;
	double *lat_us;
	int err;
	pthread_t th;
};

static void *timed_main(void *arg)
{
	struct timed_req *t = arg;

	while (!atomic_load_explicit(&t->stop, memory_order_relaxed) &&
	       t->n < t->cap) {
		struct hvmlink_req_host_version r;
		uint64_t t0 = bench_now_ns();
		int32_t st;
		int rc;

		sg_header(&r, sizeof(r), HVMLINK_REQ_GET_HOST_VERSION);
		rc = sg_request(&t->d->g, t->vcpu, &r, sizeof(r), &st);
		if (rc || st != HVMLINK_OK) {
			t->err = rc ? rc : -EPROTO;
			break;
		}
		t->start_ns[t->n] = t0;
		t->lat_us[t->n] = (double)(bench_now_ns() - t0) / 1e3;
		t->n++;
		/* A guest that sends one at a time, not a flood. */
		bench_sleep_ms(1);
	}
	return NULL;
}

/* The guest holds the last value written to key? (GET_KV on vcpu) */
static int kv_is(struct bench_dom *d, unsigned int vcpu, const char *key,
		 const char *want)
{
	struct hvmlink_req_get_kv r;
	int32_t st;

	sg_header(&r, sizeof(r), HVMLINK_REQ_GET_KV);
	snprintf(r.key, sizeof(r.key), "%s", key);
	if (sg_request(&d->g, vcpu, &r, sizeof(r), &st))
		return -1;
	return st == HVMLINK_OK && r.value_len == strlen(want) &&
	       !memcmp(r.value, want, r.value_len);
}

int bench_kv_burst(struct bench_host *h, struct bench_dom *d,
		   unsigned int writes, unsigned int keys,
		   struct bench_lat *burst, struct bench_lat *quiet)
{
	struct timed_req t = { .d = d, .vcpu = 0, .cap = 200000 };
	char root[80], path[160], val[32], key[32];
	uint64_t t1, t2, t3;
	int rc = -1;

	t.start_ns = calloc(t.cap, sizeof(*t.start_ns));
	t.lat_us = calloc(t.cap, sizeof(*t.lat_us));
	burst->v = calloc(t.cap, sizeof(double));
	quiet->v = calloc(t.cap, sizeof(double));
	burst->n = quiet->n = 0;
	if (!t.start_ns || !t.lat_us || !burst->v || !quiet->v)
		goto out;
	atomic_init(&t.stop, false);
	if (pthread_create(&t.th, NULL, timed_main, &t))
		goto out;
	bench_hints_root(d, root, sizeof(root));
	bench_sleep_ms(300);
	t1 = bench_now_ns();
	for (unsigned int i = 0; i < writes; i++) {
		snprintf(key, sizeof(key), "burst%u", i % keys);
		snprintf(path, sizeof(path), "%s/kv/%s", root, key);
		snprintf(val, sizeof(val), "v%u", i);
		if (!xs_write(h->xs, XBT_NULL, path, val, strlen(val))) {
			BENCH_LOG("xs_write %s: %s", path, strerror(errno));
			atomic_store(&t.stop, true);
			pthread_join(t.th, NULL);
			goto out;
		}
	}
	t2 = bench_now_ns();
	/* The burst lasts until the daemon has taken the last one. */
	for (;;) {
		int is = kv_is(d, 1, key, val);

		if (is < 0 || bench_now_ns() - t2 > 60000000000ull) {
			BENCH_LOG("kv burst: the last key never reached the guest");
			atomic_store(&t.stop, true);
			pthread_join(t.th, NULL);
			goto out;
		}
		if (is)
			break;
		bench_sleep_ms(1);
	}
	t3 = bench_now_ns();
	bench_sleep_ms(300);
	atomic_store(&t.stop, true);
	pthread_join(t.th, NULL);
	if (t.err) {
		BENCH_LOG("kv burst: a guest request failed: %s",
			  strerror(-t.err));
		goto out;
	}
	for (size_t i = 0; i < t.n; i++) {
		struct bench_lat *l = t.start_ns[i] >= t1 &&
				      t.start_ns[i] <= t3 ? burst : quiet;

		l->v[l->n++] = t.lat_us[i];
	}
	qsort(burst->v, burst->n, sizeof(double), bench_cmp_double);
	qsort(quiet->v, quiet->n, sizeof(double), bench_cmp_double);
	burst->seconds = (double)(t3 - t1) / 1e9;
	burst->write_seconds = (double)(t2 - t1) / 1e9;
	rc = burst->n && quiet->n ? 0 : -1;
	if (rc)
		BENCH_LOG("kv burst: no requests timed (%zu during, %zu outside)",
			  burst->n, quiet->n);
	/* The keys stay: the administrator removes them. */
	for (unsigned int i = 0; i < keys; i++) {
		snprintf(path, sizeof(path), "%s/kv/burst%u", root, i);
		xs_rm(h->xs, XBT_NULL, path);
	}
out:
	free(t.start_ns);
	free(t.lat_us);
	return rc;
}

/* ---- publication under a REPORT flood --------------------------------- */

/* Watch events queued on w, taken; how many. */
static unsigned int drain_watch(struct xs_handle *w)
{
	unsigned int n = 0;
	char **ev;

	while ((ev = xs_check_watch(w))) {
		free(ev);
		n++;
	}
	return n;
}

int bench_publish_flood(struct bench_host *h, struct bench_dom *d,
			unsigned int ms, double *per_sec, double *reports,
			double *last_ms)
{
	char node[96], name[HVMLINK_NAME_LEN];
	struct xs_handle *w = xs_open(0);
	unsigned int fires = 0, n = 0;
	uint64_t t0, t1;
	int rc = -1;

	if (!w) {
		BENCH_LOG("xs_open: %s", strerror(errno));
		return -1;
	}
	snprintf(node, sizeof(node), "/local/domain/0/hvmlink/%u/guest/name",
		 d->g.domid);
	if (!xs_watch(w, node, "pub")) {
		BENCH_LOG("xs_watch %s: %s", node, strerror(errno));
		goto out;
	}
	/* The watch fires once when set: take that one out. */
	free(xs_read_watch(w, &n));
	t0 = bench_now_ns();
	n = 0;
	while (bench_now_ns() - t0 < (uint64_t)ms * 1000000ull) {
		struct hvmlink_req_guest_info r;
		int32_t st;

		sg_header(&r, sizeof(r), HVMLINK_REQ_REPORT_GUEST_INFO);
		r.driver_version = 1 << 16;
		r.os_type = HVMLINK_OS_LINUX;
		snprintf(r.os_release, sizeof(r.os_release), "bench");
		snprintf(r.name, sizeof(r.name), "flood-%u", n);
		if (sg_request(&d->g, 0, &r, sizeof(r), &st) || st != HVMLINK_OK) {
			BENCH_LOG("REPORT_GUEST_INFO failed (%d)", st);
			goto out;
		}
		memcpy(name, r.name, sizeof(name));
		n++;
		/* Count what was published meanwhile (non-blocking). */
		fires += drain_watch(w);
	}
	t1 = bench_now_ns();
	/* The last value must land: wait for it. */
	for (;;) {
		unsigned int len;
		char *v = xs_read(h->xs, XBT_NULL, node, &len);
		bool done = v && !strcmp(v, name);

		free(v);
		fires += drain_watch(w);
		if (done)
			break;
		if (bench_now_ns() - t1 > 10000000000ull) {
			BENCH_LOG("publish: the last report (%s) never landed",
				  name);
			goto out;
		}
		bench_sleep_ms(1);
	}
	*last_ms = (double)(bench_now_ns() - t1) / 1e6;
	/* Publications within the flood and the one that may follow it. */
	*per_sec = (double)fires / ((double)(bench_now_ns() - t0) / 1e9);
	*reports = (double)n / ((double)(t1 - t0) / 1e9);
	rc = 0;
out:
	xs_close(w);
	return rc;
}

/* ---- rep string ioreqs ----------------------------------------------- */

int bench_rep_us(struct bench_dom *d, uint32_t count, unsigned int n,
		 double *median_us, uint64_t *data)
{
	double *v = calloc(n, sizeof(double));
	int rc = 0;

	if (!v)
		return -1;
	for (unsigned int i = 0; i < n && !rc; i++) {
		/* rep insd from PENDING into the vCPU's request pages */
		struct xensim_ioreq r = {
			.type = IOREQ_TYPE_PIO, .dir = 1,
			.addr = d->g.io_base + HVMLINK_REG_PENDING,
			.size = 4, .count = count, .data_is_ptr = count > 1,
			.data = count > 1 ? sg_req_gpa(0) : 0,
		};
		uint64_t t0;

		bench_sleep_ms(2);
		t0 = bench_now_ns();
		rc = xensim_ioreq(d->g.sim, d->g.domid, 0, &r);
		v[i] = (double)(bench_now_ns() - t0) / 1e3;
		*data = r.data;
	}
	if (rc)
		BENCH_LOG("rep of %u: %s", count, strerror(-rc));
	else
		*median_us = bench_median(v, n);
	free(v);
	return rc ? -1 : 0;
}

/* ---- the section ------------------------------------------------------ */

static void lat_row(const struct bench_opts *o, const char *label,
		    const double *v, size_t n, bool *first)
{
	double m = bench_percentile_sorted(v, n, 50);
	double p = bench_percentile_sorted(v, n, 99);

	printf("  %-34s %8zu %10.0f %10.0f\n", label, n, m, p);
	fprintf(o->json, "%s\"%s\": {\"n\": %zu, \"median_us\": %.1f, \"p99_us\": %.1f}",
		*first ? "" : ", ", label, n, m, p);
	*first = false;
}

static int hint_flood(struct bench_host *h, bool *first)
{
	enum { CHUNK = 25, CHUNKS = 8 };
	const struct bench_opts *o = h->o;
	double fi[CHUNK * CHUNKS / 2], fr[CHUNK * CHUNKS / 2];
	double qi[CHUNK * CHUNKS / 2], qr[CHUNK * CHUNKS / 2];
	double work[CHUNK * CHUNKS / 2];
	struct bench_flood fl;
	struct bench_dom d;
	size_t nf = 0, nq = 0;
	int rc = -1;

	/* vCPU 0 takes the hints, 1..4 flood. */
	if (bench_dom_create(h, &d, 70, 5, SG_RAM_BYTES))
		return -1;
	if (bench_daemon_start(h, &d, NULL) ||
	    bench_daemon_wait_ready(h, &d, xensim_timeout_ms()) ||
	    bench_guest_boot(&d))
		goto out;
	for (unsigned int c = 0; c < CHUNKS; c++) {
		bool flood = c % 2 == 0;

		if (flood && bench_flood_start(&fl, &d, 1, 4))
			goto out;
		for (unsigned int i = 0; i < CHUNK; i++) {
			unsigned int w = 800 + (c * CHUNK + i) % 1024;
			int r = flood ? bench_hint_one(h, &d, w, &fl.done,
						       &fi[nf], &fr[nf],
						       &work[nf])
				      : bench_hint_one(h, &d, w, NULL, &qi[nq],
						       &qr[nq], NULL);

			if (r) {
				if (flood)
					(void)bench_flood_stop(&fl);
				goto out;
			}
			if (flood)
				nf++;
			else
				nq++;
		}
		if (flood && bench_flood_stop(&fl))
			goto out;
	}
	qsort(fi, nf, sizeof(double), bench_cmp_double);
	qsort(fr, nf, sizeof(double), bench_cmp_double);
	qsort(qi, nq, sizeof(double), bench_cmp_double);
	qsort(qr, nq, sizeof(double), bench_cmp_double);
	qsort(work, nf, sizeof(double), bench_cmp_double);
	printf("\nhint latency, us, while vCPUs 1-4 flood requests (chunks of %u alternate with no flood)\n",
	       CHUNK);
	printf("  %-34s %8s %10s %10s\n", "", "hints", "median", "p99");
	fprintf(o->json, "%s\"hint_flood\": {", *first ? "" : ", ");
	bool f2 = true;
	lat_row(o, "irq, 4-vCPU flood", fi, nf, &f2);
	lat_row(o, "irq, floor (no flood)", qi, nq, &f2);
	lat_row(o, "read, 4-vCPU flood", fr, nf, &f2);
	lat_row(o, "read, floor (no flood)", qr, nq, &f2);
	printf("  flood requests served while a hint waited: median %.0f, max %.0f\n",
	       bench_percentile_sorted(work, nf, 50), work[nf - 1]);
	fprintf(o->json, ", \"flood_requests_while_waiting_median\": %.0f, \"max\": %.0f}",
		bench_percentile_sorted(work, nf, 50), work[nf - 1]);
	*first = false;
	rc = 0;
out:
	if (!rc && bench_dom_stop(&d) != 0)
		rc = -1;
	bench_dom_destroy(h, &d);
	return rc;
}

static int kv_burst(struct bench_host *h, bool *first)
{
	const struct bench_opts *o = h->o;
	struct bench_lat b = { 0 }, q = { 0 };
	struct bench_dom d;
	int rc = -1;

	if (bench_dom_create(h, &d, 71, 2, SG_RAM_BYTES))
		return -1;
	if (bench_daemon_start(h, &d, NULL) ||
	    bench_daemon_wait_ready(h, &d, xensim_timeout_ms()) ||
	    bench_guest_boot(&d) ||
	    bench_kv_burst(h, &d, 3000, 200, &b, &q))
		goto out;
	printf("\nguest request latency, us, while the administrator writes 3000 kv hints (200 keys)\n"
	       "  (burst: %.2f s to write, %.2f s until the guest had the last; requests 1 ms apart)\n",
	       b.write_seconds, b.seconds);
	printf("  %-34s %8s %10s %10s\n", "", "requests", "median", "p99");
	fprintf(o->json, "%s\"kv_burst\": {\"write_s\": %.3f, \"burst_s\": %.3f, ",
		*first ? "" : ", ", b.write_seconds, b.seconds);
	bool f2 = true;
	lat_row(o, "during the burst", b.v, b.n, &f2);
	lat_row(o, "floor (before and after it)", q.v, q.n, &f2);
	fprintf(o->json, "}");
	*first = false;
	rc = 0;
out:
	free(b.v);
	free(q.v);
	if (!rc && bench_dom_stop(&d) != 0)
		rc = -1;
	bench_dom_destroy(h, &d);
	return rc;
}

static int publish(struct bench_host *h, bool *first)
{
	const struct bench_opts *o = h->o;
	double per_sec, reports, last_ms;
	struct bench_dom d;
	int rc = -1;

	if (bench_dom_create(h, &d, 72, 1, SG_RAM_BYTES))
		return -1;
	if (bench_daemon_start(h, &d, NULL) ||
	    bench_daemon_wait_ready(h, &d, xensim_timeout_ms()) ||
	    bench_guest_boot(&d) ||
	    bench_publish_flood(h, &d, 3000, &per_sec, &reports, &last_ms))
		goto out;
	printf("\nREPORT_GUEST_INFO flood (3 s): %.0f reports/s from the guest, %.1f publications/s (limit %d/s),\n"
	       "  the last report published %.0f ms after the flood\n",
	       reports, per_sec, HVMLINKD_PUBLISH_PER_SEC, last_ms);
	fprintf(o->json, "%s\"publish\": {\"reports_per_s\": %.1f, \"publications_per_s\": %.2f, \"limit_per_s\": %d, \"last_lands_ms\": %.1f}",
		*first ? "" : ", ", reports, per_sec,
		HVMLINKD_PUBLISH_PER_SEC, last_ms);
	*first = false;
	rc = 0;
out:
	if (!rc && bench_dom_stop(&d) != 0)
		rc = -1;
	bench_dom_destroy(h, &d);
	return rc;
}

static int rep(struct bench_host *h, bool *first)
{
	const struct bench_opts *o = h->o;
	double one, big, bogus;
	uint64_t data;
	struct bench_dom d;
	int rc = -1;

	if (bench_dom_create(h, &d, 73, 1, SG_RAM_BYTES))
		return -1;
	if (bench_daemon_start(h, &d, NULL) ||
	    bench_daemon_wait_ready(h, &d, xensim_timeout_ms()) ||
	    bench_guest_boot(&d) ||
	    bench_rep_us(&d, 1, 50, &one, &data) ||
	    bench_rep_us(&d, 4096, 50, &big, &data) ||
	    bench_rep_us(&d, 1u << 21, 50, &bogus, &data))
		goto out;
	printf("\nrep insd from PENDING, isolated, median of 50: 1 element %.0f us (floor), 4096 (Xen's largest) %.0f us,\n"
	       "  2097152 (16 MiB; Xen never sends it: refused) %.0f us\n",
	       one, big, bogus);
	fprintf(o->json, "%s\"rep\": {\"one_us\": %.1f, \"xen_max_4096_us\": %.1f, \"bogus_2M_us\": %.1f}",
		*first ? "" : ", ", one, big, bogus);
	*first = false;
	rc = 0;
out:
	if (!rc && bench_dom_stop(&d) != 0)
		rc = -1;
	bench_dom_destroy(h, &d);
	return rc;
}

int bench_fair(struct bench_host *h)
{
	bool first = true;
	int rc;

	printf("\n== fairness: one source's load against the others (floor beside each) ==\n");
	bench_json_section(h->o, "fair");
	rc = hint_flood(h, &first);
	if (!rc)
		rc = kv_burst(h, &first);
	if (!rc)
		rc = publish(h, &first);
	if (!rc)
		rc = rep(h, &first);
	fprintf(h->o->json, "}");
	return rc;
}
