/* SPDX-License-Identifier: MIT */
/*
 * floor-test: hvmlinkd serves an isolated guest access (the guest sends
 * one at a time, and the daemon is asleep when it comes) at the floor of
 * any device model (docs/performance.md):
 *
 *  - no more system calls than tests/bench/ioreq-bench-minimal, the least
 *    a device model can do per ioreq, counted with strace in the same
 *    run, for a register read and for a full request (GET_HOST_VERSION;
 *    the floor serves the same request too, and must not pay more for it
 *    than for a read);
 *    under the stand-in each libxen* call costs what it costs on Xen
 *    (tests/xensim/xensim-syscall-shape), so this is the count on Xen;
 *    a xenstore write or a second loop iteration would show here;
 *  - no allocation: libmalloc-count.so counts the daemon's allocation
 *    calls across 100 isolated register reads and 100 requests.
 *
 * Run by floor-test.sh (which starts xenstored).  Needs strace; a
 * sanitizer build's allocator cannot be counted (said, not failed).
 *
 * usage: floor-test --hvmlinkd PATH --ioreq-floor PATH --malloc-count LIB
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "tests/bench/bench.h"

#define N 100			/* isolated accesses per count */
#define GAP_US 2000		/* quiet before each */
/* strace splits no call here, but a count is over n accesses: allow for
 * nothing (one call more in 100 accesses fails). */
#define SLACK 0.005

static int failures;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			failures++;                                       \
			printf("FAIL: " __VA_ARGS__);                     \
			putchar('\n');                                    \
		}                                                         \
	} while (0)

static int syscalls(struct bench_host *h, const char *strace)
{
	struct bench_name_count names[16];
	struct { enum bench_dm dm; enum bench_access a; double per; } c[] = {
		{ BENCH_DM_FLOOR, BENCH_ACC_REG, 0 },
		{ BENCH_DM_HVMLINKD, BENCH_ACC_REG, 0 },
		{ BENCH_DM_HVMLINKD, BENCH_ACC_REQ, 0 },
		{ BENCH_DM_FLOOR, BENCH_ACC_REQ, 0 },
	};

	for (size_t i = 0; i < 4; i++) {
		if (bench_syscalls_per_access(h, strace, (uint16_t)(20 + i),
					      c[i].dm, c[i].a, N, GAP_US,
					      &c[i].per, names, 16))
			return -1;
		printf("system calls per isolated %s access, %s: %.2f (",
		       bench_access_name[c[i].a], bench_dm_name[c[i].dm],
		       c[i].per);
		for (int k = 0; k < 16 && names[k].n; k++)
			printf("%s%s %lu", k ? ", " : "", names[k].name,
			       names[k].n);
		printf(" in %u)\n", N);
	}
	CHECK(c[0].per >= 3.99, "the floor's count %.2f is below poll+read+unmask+notify: the count is broken",
	      c[0].per);
	for (size_t i = 1; i < 3; i++)
		CHECK(c[i].per <= c[0].per + SLACK,
		      "hvmlinkd: %.2f system calls per isolated %s, the floor %.2f",
		      c[i].per, bench_access_name[c[i].a], c[0].per);
	/* The request floor keeps its guest page mapped: a request costs it
	 * what a register read does (the callgrind bench relies on it). */
	CHECK(c[3].per <= c[0].per + SLACK,
	      "the floor: %.2f system calls per isolated request, %.2f per register read",
	      c[3].per, c[0].per);
	return 0;
}

static uint64_t counter_read(int fd)
{
	uint64_t v = 0;

	if (pread(fd, &v, sizeof(v), 0) != (ssize_t)sizeof(v))
		return UINT64_MAX;
	return v;
}

static int allocations(struct bench_host *h, const char *lib)
{
	char file[4096], pre[8192];
	const char *tmp = getenv("TMPDIR"), *old = getenv("LD_PRELOAD");
	uint64_t zero = 0, start, before, after;
	struct bench_dom d;
	int fd, rc = -1;

	snprintf(file, sizeof(file), "%s/hvmlink-malloc-count.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(file);
	start = before = after = 0;
	if (fd < 0 || write(fd, &zero, sizeof(zero)) != (ssize_t)sizeof(zero)) {
		perror("counter file");
		return -1;
	}
	snprintf(pre, sizeof(pre), "%s%s%s", old ? old : "", old ? ":" : "",
		 lib);
	setenv("HVMLINK_MALLOC_COUNT", file, 1);
	setenv("LD_PRELOAD", pre, 1);
	rc = bench_floor_dom(h, &d, 30, BENCH_DM_HVMLINKD, NULL);
	unsetenv("HVMLINK_MALLOC_COUNT");
	if (old)
		setenv("LD_PRELOAD", old, 1);
	else
		unsetenv("LD_PRELOAD");
	if (rc)
		goto out;
	rc = -1;
	start = counter_read(fd);
	if (bench_accesses(&d, BENCH_ACC_REG, 20, GAP_US) ||
	    bench_accesses(&d, BENCH_ACC_REQ, 20, GAP_US))
		goto out_dom;
	bench_sleep_ms(50);
	before = counter_read(fd);
	if (bench_accesses(&d, BENCH_ACC_REG, N, GAP_US) ||
	    bench_accesses(&d, BENCH_ACC_REQ, N, GAP_US))
		goto out_dom;
	bench_sleep_ms(50);
	after = counter_read(fd);
	/* Is the counter in effect in the daemon (not only in the shell
	 * that started it)?  A kv hint makes the device allocate. */
	{
		char root[80], path[120];
		uint64_t probe;

		bench_hints_root(&d, root, sizeof(root));
		snprintf(path, sizeof(path), "%s/kv/floor-test", root);
		if (!xs_write(h->xs, XBT_NULL, path, "1", 1))
			goto out_dom;
		for (int i = 0; i < 200 && counter_read(fd) == after; i++)
			bench_sleep_ms(10);
		probe = counter_read(fd);
		xs_rm(h->xs, XBT_NULL, path);
		if (probe == after) {
			printf("allocations: not counted in the daemon (its allocator is not glibc's: a sanitizer build); counted in a plain build\n");
			rc = 0;
			goto out_dom;
		}
	}
	printf("allocations by hvmlinkd: %llu at start-up, %llu across %u isolated register reads and %u requests\n",
	       (unsigned long long)start, (unsigned long long)(after - before),
	       N, N);
	CHECK(after == before, "hvmlinkd allocated %llu times serving isolated accesses",
	      (unsigned long long)(after - before));
	rc = 0;
out_dom:
	if (bench_dom_stop(&d) != 0) {
		printf("FAIL: hvmlinkd did not exit 0\n");
		failures++;
	}
	bench_dom_destroy(h, &d);
out:
	close(fd);
	unlink(file);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "hvmlinkd", required_argument, NULL, 'd' },
		{ "ioreq-floor", required_argument, NULL, 'm' },
		{ "malloc-count", required_argument, NULL, 'M' },
		{ "strace", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench_opts o = { .strace = "strace" };
	const char *lib = NULL;
	struct bench_host h;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': o.hvmlinkd = optarg; break;
		case 'm': o.ioreq_floor = optarg; break;
		case 'M': lib = optarg; break;
		case 'S': o.strace = optarg; break;
		default: return 2;
		}
	}
	if (!o.hvmlinkd || !o.ioreq_floor || !lib)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench_host_open(&h, &o))
		return 99;
	rc = syscalls(&h, o.strace);
	if (!rc)
		rc = allocations(&h, lib);
	{
		char buf[2048];

		if (xensim_leftovers(h.sim, buf, sizeof(buf))) {
			printf("FAIL: leftovers in the stand-in:\n%s", buf);
			failures++;
		}
	}
	bench_host_close(&h);
	if (rc)
		return 99;
	printf("floor-test: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
