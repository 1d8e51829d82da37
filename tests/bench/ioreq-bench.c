/* SPDX-License-Identifier: MIT */
/*
 * ioreq-bench: synchronous ioreq round trips per second under the Xen
 * stand-in, for 1, 2 and 4 vCPUs, through the ioreq layer (ioreq-toydm)
 * and through a minimal loop (ioreq-bench-minimal), both serving the same
 * domain at the same time, measured alternately in each run.
 *
 * Per-ioreq cost = the device model's own CPU time (/proc/PID/schedstat)
 * per ioreq served; the ratio layer/minimal is the layer's overhead.
 * Round trips per second are dominated by the stand-in (a socket hop per
 * notify) and the machine's load; they are printed for scale.
 *
 * Env: IOREQ_BENCH_SECONDS (per cell, default 1), IOREQ_BENCH_RUNS
 * (default 5).  Run it with tests/bench/ioreq-bench.sh.  Not a test.
 *
 * IOREQ_BENCH_CALLGRIND=1 adds a load-independent figure: each device
 * model runs under callgrind for 1000 and for 3000 ioreqs from one vCPU;
 * the difference of the instruction totals / 2000 is its user-space
 * instructions per ioreq (set-up and teardown cancel out).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/ioreq-toydm.h"
#include "tests/xensim/xensim.h"

#define DOMID		9
#define MIN_PORT	0xd000

static struct xensim *sim;
static volatile int go, halt;

struct worker {
	unsigned int vcpu;
	uint16_t port;
	unsigned long done;
	int err;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	uint64_t v;

	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		;
	while (!__atomic_load_n(&halt, __ATOMIC_ACQUIRE)) {
		int rc = xensim_pio_read(sim, DOMID, w->vcpu, w->port, 4, &v);

		if (rc) {
			w->err = rc;
			break;
		}
		w->done++;
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
	}
	return ns;
}

struct cell {
	double rate;		/* round trips / s */
	double ns_per;		/* DM CPU ns per ioreq */
};

/* xensim-run execs the program, so the pid is the device model's. */
static struct cell measure(pid_t dm, uint16_t port, unsigned int nvcpu,
			   double secs)
{
	struct worker w[4];
	pthread_t th[4];
	unsigned long total = 0;
	unsigned long long c0, c1;
	double t0, t1;
	struct cell c;

	go = halt = 0;
	for (unsigned int i = 0; i < nvcpu; i++) {
		w[i] = (struct worker){ .vcpu = i, .port = port };
		if (pthread_create(&th[i], NULL, worker, &w[i]))
			exit(1);
	}
	c0 = cpu_ns(dm);
	t0 = now_s();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	usleep((useconds_t)(secs * 1e6));
	__atomic_store_n(&halt, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < nvcpu; i++) {
		pthread_join(th[i], NULL);
		if (w[i].err) {
			fprintf(stderr, "ioreq-bench: vcpu%u: %s\n", i, strerror(-w[i].err));
			exit(1);
		}
		total += w[i].done;
	}
	t1 = now_s();
	c1 = cpu_ns(dm);
	c.rate = total / (t1 - t0);
	c.ns_per = total ? (double)(c1 - c0) / total : 0;
	return c;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int wait_servers(int n)
{
	for (int i = 0; i < 10000; i++) {
		struct xensim_server_info si[4];
		int got = xensim_servers(sim, DOMID, si, 4), ready = 0;

		for (int k = 0; k < got && k < 4; k++)
			ready += si[k].enabled && si[k].nr_port_ranges > 0;
		if (ready == n)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/* Instructions (callgrind "summary:") of one device model run serving n
 * port reads; 0 on failure. */
static unsigned long long callgrind_run(char *prog, char *const args[],
					uint16_t port, unsigned long n)
{
	char out[64], opt[96], line[256];
	unsigned long long ir = 0;
	char *argv[8];
	int status, k = 0;
	pid_t pid;
	FILE *f;

	snprintf(out, sizeof(out), "/tmp/ioreq-bench-cg.%d.%s.%lu", (int)getpid(),
		 port == MIN_PORT ? "minimal" : "layer", n);
	snprintf(opt, sizeof(opt), "--callgrind-out-file=%s", out);
	argv[k++] = "valgrind";
	argv[k++] = "--tool=callgrind";
	argv[k++] = opt;
	argv[k++] = prog;
	for (int i = 0; args[i] && k < 7; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	pid = xensim_spawn(sim, argv);
	if (pid < 0 || wait_servers(1) < 0)
		return 0;
	for (unsigned long i = 0; i < n; i++) {
		uint64_t v;

		if (xensim_pio_read(sim, DOMID, 0, port, 4, &v))
			return 0;
	}
	kill(pid, SIGTERM);
	if (xensim_wait_child(pid, 60000, &status) < 0)
		return 0;
	f = fopen(out, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "summary: %llu", &ir) == 1)
			break;
	fclose(f);
	/* IOREQ_BENCH_CG_KEEP=1 keeps the profiles for callgrind_annotate. */
	if (!getenv("IOREQ_BENCH_CG_KEEP"))
		unlink(out);
	return ir;
}

static void callgrind_table(char *minimal, char *toydm, char *dom, char *port)
{
	char *a0[] = { dom, port, NULL };
	char *a1[] = { dom, NULL };
	double per[2];

	for (int which = 0; which < 2; which++) {
		char *prog = which ? toydm : minimal;
		char *const *args = which ? a1 : a0;
		uint16_t p = which ? TOY_PIO_BASE : MIN_PORT;
		unsigned long long lo = callgrind_run(prog, args, p, 1000);
		unsigned long long hi = callgrind_run(prog, args, p, 3000);

		per[which] = lo && hi > lo ? (double)(hi - lo) / 2000 : 0;
	}
	printf("\nuser-space instructions per ioreq (callgrind, 1 vCPU, 3000 - 1000 ioreqs):\n");
	printf("minimal %.0f | layer %.0f | ratio %.2fx\n", per[0], per[1],
	       per[0] > 0 ? per[1] / per[0] : 0.0);
}

int main(void)
{
	const char *top = getenv("top_builddir");
	const char *e;
	double secs = (e = getenv("IOREQ_BENCH_SECONDS")) ? atof(e) : 1.0;
	int runs = (e = getenv("IOREQ_BENCH_RUNS")) ? atoi(e) : 5;
	static const unsigned int nv[3] = { 1, 2, 4 };
	char toydm[4096], minimal[4096], dom[8], port[16];
	double rate[2][3][64], cost[2][3][64];
	pid_t pid[2];
	int status;

	if (runs < 1 || runs > 64)
		runs = 5;
	snprintf(toydm, sizeof(toydm), "%s/tests/integration/ioreq-toydm", top ? top : ".");
	snprintf(minimal, sizeof(minimal), "%s/tests/bench/ioreq-bench-minimal", top ? top : ".");
	snprintf(dom, sizeof(dom), "%d", DOMID);
	snprintf(port, sizeof(port), "%#x", MIN_PORT);

	sim = xensim_open(NULL);
	if (!sim || xensim_domain_create(sim, DOMID, 4, 16u << 20) < 0) {
		perror("ioreq-bench: xensim");
		return 1;
	}
	{
		char *a0[] = { minimal, dom, port, NULL };
		char *a1[] = { toydm, dom, NULL };

		pid[0] = xensim_spawn(sim, a0);
		pid[1] = xensim_spawn(sim, a1);
	}
	if (pid[0] < 0 || pid[1] < 0 || wait_servers(2) < 0) {
		fprintf(stderr, "ioreq-bench: device models did not start\n");
		return 1;
	}

	for (int r = 0; r < runs; r++) {
		for (int k = 0; k < 3; k++) {
			/* Alternate which goes first, against drift. */
			for (int j = 0; j < 2; j++) {
				int which = (r + j) % 2;
				struct cell c = measure(pid[which],
							which ? TOY_PIO_BASE : MIN_PORT,
							nv[k], secs);

				rate[which][k][r] = c.rate;
				cost[which][k][r] = c.ns_per;
			}
		}
		fprintf(stderr, "ioreq-bench: run %d/%d done\n", r + 1, runs);
	}

	printf("ioreq round trips under the Xen stand-in: median of %d runs x %.1f s per cell\n",
	       runs, secs);
	printf("%-6s | %14s %14s | %13s %13s | %s\n", "vCPUs", "minimal rt/s",
	       "layer rt/s", "minimal ns/rq", "layer ns/rq", "cost ratio");
	for (int k = 0; k < 3; k++) {
		double rm = median(rate[0][k], runs), rl = median(rate[1][k], runs);
		double cm = median(cost[0][k], runs), cl = median(cost[1][k], runs);

		printf("%-6u | %14.0f %14.0f | %13.0f %13.0f | %.2fx\n", nv[k], rm,
		       rl, cm, cl, cm > 0 ? cl / cm : 0.0);
	}

	kill(pid[0], SIGTERM);
	kill(pid[1], SIGTERM);
	for (int i = 0; i < 2; i++)
		if (xensim_wait_child(pid[i], -1, &status) < 0)
			fprintf(stderr, "ioreq-bench: device model %d hung\n", i);
	if ((e = getenv("IOREQ_BENCH_CALLGRIND")) && *e == '1')
		callgrind_table(minimal, toydm, dom, port);
	xensim_close(sim);
	return 0;
}
